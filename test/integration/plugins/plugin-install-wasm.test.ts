import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PluginClient } from '../../../cli/plugin-client.js';
import { PACKAGE_ROOT } from '../../../kernel/version.js';
import { startTestKernel, type TestKernel } from '../../support/test-kernel.js';

// `gofer plugin install` of a .wasm component: an extension, in the same registry as
// `gofer extension install`, through the real API.

const INTERVAL_WASM = join(PACKAGE_ROOT, 'extensions', 'interval', 'interval.wasm');

describe('plugin install of a .wasm component', () => {
  let t: TestKernel;
  let plugins: PluginClient;
  before(async () => {
    t = await startTestKernel({ scheduler: { engine: 'inprocess' } });
    plugins = new PluginClient({
      address: t.kernel.address,
      namespace: 'default',
      output: 'json',
      tls: false,
      timeoutMs: 60_000,
    });
  });
  after(async () => {
    plugins.close();
    await t.stop();
  });

  it('installs it as an extension that both registries list, and removes it again', async () => {
    const installed = await plugins.install({ source: INTERVAL_WASM, name: 'ticker', grants: [] });
    assert.equal(installed.kind, 'extension');
    assert.equal(installed.name, 'ticker');

    const listed = (await plugins.list()).find((p) => p.name === 'ticker');
    assert.ok(listed, 'plugin list shows the extension');
    const extension = await t.kernel.services.extensions!.get('ticker');
    assert.equal(extension.name, 'ticker');

    await plugins.remove(listed.id);
    assert.equal(
      (await plugins.list()).some((p) => p.name === 'ticker'),
      false,
    );
    await assert.rejects(t.kernel.services.extensions!.get('ticker'), { code: 'NOT_FOUND' });
  });

  it('refuses a file that is not a component, saying why, and records nothing', async () => {
    const bogus = join(mkdtempSync(join(tmpdir(), 'gofer-bogus-')), 'bogus.wasm');
    writeFileSync(bogus, Buffer.from('not a component at all'));
    await assert.rejects(
      plugins.install({ source: bogus, name: 'bogus', grants: [] }),
      (err: Error) => /bogus/.test(err.message),
    );
    assert.equal(
      (await plugins.list()).some((p) => p.name === 'bogus'),
      false,
    );
  });

  it('installs a package of kind extension from its folder, runs it and removes it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gofer-extension-package-'));
    copyFileSync(INTERVAL_WASM, join(dir, 'interval.wasm'));
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({ name: 'acme-ticker', version: '2.1.0', files: ['interval.wasm'] }),
    );
    writeFileSync(
      join(dir, 'gofer-plugin.json'),
      JSON.stringify({
        id: 'acme.extension.ticker',
        kind: 'extension',
        name: 'acme-ticker',
        version: '2.1.0',
        kernel: '^0.1.0',
        entry: './interval.wasm',
      }),
    );
    const installed = await plugins.install({ source: dir, name: '', grants: [] });
    assert.equal(installed.id, 'acme.extension.ticker');
    assert.equal(installed.kind, 'extension');
    assert.equal(installed.version, '2.1.0');

    const extension = await t.kernel.services.extensions!.get('acme-ticker');
    assert.equal(extension.runtime, 'wasm');
    // The component runs from the kernel's copy, not from the folder it came from.
    assert.ok(!extension.source.startsWith(dir), extension.source);
    const deadline = Date.now() + 60_000;
    while ((await t.kernel.services.extensions!.get('acme-ticker')).status !== 'RUNNING') {
      if (Date.now() > deadline) throw new Error('the packaged extension never ran');
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(
      (await plugins.list()).filter((p) => p.name === 'acme-ticker').length,
      1,
      'one entry for the package and its extension',
    );

    await plugins.remove('acme.extension.ticker');
    await assert.rejects(t.kernel.services.extensions!.get('acme-ticker'), { code: 'NOT_FOUND' });
    assert.equal(
      (await plugins.list()).some((p) => p.name === 'acme-ticker'),
      false,
    );
  });
});
