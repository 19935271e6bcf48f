import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
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
});
