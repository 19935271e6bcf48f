import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Logger } from '../../../kernel/contracts/logger.js';
import { PluginHost, type PluginSelection } from '../../../kernel/plugins/plugin-host.js';

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };
const root = mkdtempSync(join(tmpdir(), 'gofer-plugins-'));
let counter = 0;

/** Writes a plugin folder with a manifest and an entry module; returns its path. */
function plugin(manifest: Record<string, unknown>, entry = 'export default () => ({});'): string {
  const dir = join(root, `p${++counter}`);
  mkdirSync(dir);
  writeFileSync(join(dir, 'gofer-plugin.json'), JSON.stringify(manifest));
  writeFileSync(join(dir, 'index.js'), entry);
  return dir;
}

const authManifest = (extra: Record<string, unknown> = {}) => ({
  id: `test.auth.a${counter}`,
  kind: 'auth',
  name: 'test',
  version: '1.0.0',
  kernel: '^0.1.0',
  entry: './index.js',
  ...extra,
});
const authEntry =
  'export default (ctx) => ({ config: ctx.config, authenticate: async () => ({}), authorize: async () => {} });';
const select = (kind: PluginSelection['kind'], name: string): PluginSelection => ({
  kind,
  name,
  config: { a: 1 },
  setting: `${kind}.engine`,
});

function host() {
  return new PluginHost('0.1.0', quiet, mkdtempSync(join(tmpdir(), 'gofer-data-')), false);
}

async function refused(
  dirs: string[],
  selections: PluginSelection[],
  pattern: RegExp,
): Promise<void> {
  const h = host();
  await assert.rejects(
    (async () => {
      h.discover(dirs);
      await h.createAll(selections);
    })(),
    (err: { code?: string; message: string; fix?: string }) => {
      assert.equal(err.code, 'FAILED_PRECONDITION');
      assert.match(err.message, pattern);
      assert.ok(err.fix, 'the error says how to fix it');
      return true;
    },
  );
}

describe('plugin host', () => {
  it('creates a selected plugin from its manifest and hands it its own config section', async () => {
    const h = host();
    h.discover([plugin(authManifest(), authEntry)]);
    const created = await h.createAll([select('auth', 'test')]);
    assert.deepEqual((created.get('auth')!.instance as { config: unknown }).config, { a: 1 });
  });

  it('refuses a folder without a manifest, naming the folder', async () => {
    const dir = join(root, 'empty');
    mkdirSync(dir);
    await refused([dir], [], /has no readable gofer-plugin.json/);
  });

  it('refuses a manifest with an unknown kind and a bad version, naming the plugin', async () => {
    await refused(
      [plugin(authManifest({ id: 'test.bad', kind: 'gizmo', version: 'one' }))],
      [],
      /plugin "test.bad".*"kind".*"version"/,
    );
  });

  it('refuses a plugin made for another kernel version, saying which', async () => {
    await refused(
      [plugin(authManifest({ id: 'test.old', kernel: '^2.0.0' }))],
      [],
      /plugin "test.old".*supports kernel \^2\.0\.0 but this kernel is 0\.1\.0/,
    );
  });

  it('refuses an entry that does not exist', async () => {
    await refused(
      [plugin(authManifest({ id: 'test.noentry', entry: './missing.js' }))],
      [],
      /names entry ".\/missing.js", which does not exist/,
    );
  });

  it('refuses an entry whose default export is not a factory', async () => {
    await refused(
      [plugin(authManifest({ id: 'test.nofactory' }), 'export default 42;')],
      [select('auth', 'test')],
      /must export a factory function/,
    );
  });

  it('refuses a plugin whose factory throws, with its message', async () => {
    await refused(
      [
        plugin(
          authManifest({ id: 'test.throws' }),
          'export default () => { throw new Error("no key set"); };',
        ),
      ],
      [select('auth', 'test')],
      /plugin "test.throws" failed to start: no key set/,
    );
  });

  it('refuses an instance missing a method of its contract', async () => {
    await refused(
      [plugin(authManifest({ id: 'test.half' }), 'export default () => ({ authenticate() {} });')],
      [select('auth', 'test')],
      /does not implement the auth contract: missing authorize/,
    );
  });

  it('refuses an unknown engine name and lists the names there are', async () => {
    const h = host();
    h.discover([plugin(authManifest(), authEntry)]);
    await assert.rejects(
      h.createAll([select('auth', 'nope')]),
      (err: { message: string; fix?: string }) => {
        assert.match(err.message, /no auth plugin is named "nope"/);
        assert.match(err.fix ?? '', /one of: test/);
        return true;
      },
    );
  });

  it('refuses a missing dependency and a dependency of the wrong version', async () => {
    await refused(
      [
        plugin(
          authManifest({ id: 'test.needy', dependsOn: { 'test.absent': '^1.0.0' } }),
          authEntry,
        ),
      ],
      [select('auth', 'test')],
      /depends on plugin "test.absent", which is not installed/,
    );
    const dep = plugin(
      authManifest({ id: 'test.dep', kind: 'scheduler', name: 'dep', version: '1.0.0' }),
    );
    await refused(
      [
        dep,
        plugin(authManifest({ id: 'test.needy2', dependsOn: { 'test.dep': '^2.0.0' } }), authEntry),
      ],
      [select('auth', 'test')],
      /needs "test.dep" \^2\.0\.0, but 1\.0\.0 is installed/,
    );
  });

  it('refuses two plugins with one id', async () => {
    await refused(
      [plugin(authManifest({ id: 'test.twice' })), plugin(authManifest({ id: 'test.twice' }))],
      [],
      /installed twice/,
    );
  });

  it('creates plugins after the kinds they require and hands them those contracts', async () => {
    const store = plugin(
      { ...authManifest({ id: 'test.store', kind: 'state-store', name: 's' }) },
      'export default () => ({ installationId() {}, createRun() {}, updateRun() {}, appendEvent() {}, listEvents() {}, close() {}, marker: "store" });',
    );
    const auth = plugin(
      authManifest({ id: 'test.needs-store', requires: ['state-store'] }),
      'export default (ctx) => ({ store: ctx.contracts["state-store"].marker, authenticate() {}, authorize() {} });',
    );
    const h = host();
    h.discover([auth, store]);
    const created = await h.createAll([select('auth', 'test'), select('state-store', 's')]);
    assert.equal((created.get('auth')!.instance as { store: string }).store, 'store');
  });
});
