/**
 * `gofer plugin` on a real kernel over real gRPC: the example scheduler package is packed with
 * `npm pack`, installed from the tarball into a fresh data directory, loaded at the next start
 * as `scheduler.engine`, and runs a pipeline as host processes.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { PluginView } from '../../../kernel/api/kernel-services.js';
import { decodeRecords } from '../../../kernel/logs/log-framing.js';
import { LogPaths } from '../../../kernel/logs/log-paths.js';
import { PACKAGE_ROOT } from '../../../kernel/version.js';
import { CliRunner } from '../../support/cli-runner.js';
import { EXAMPLE_PLUGIN_ID, packExamplePlugin } from '../../support/example-plugin-package.js';
import { startTestKernel, type TestKernel } from '../../support/test-kernel.js';

const scratch = mkdtempSync(join(tmpdir(), 'gofer-plugin-install-'));
const INTERVAL_WASM = join(PACKAGE_ROOT, 'extensions', 'interval', 'interval.wasm');
after(() => rmSync(scratch, { recursive: true, force: true }));

function cliFor(t: TestKernel) {
  const home = join(scratch, `home-${Math.random().toString(36).slice(2)}`);
  mkdirSync(home);
  return new CliRunner({ HOME: home, GOFER_CLI_ADDRESS: t.kernel.address });
}

/** Writes a package folder with the given manifest and package.json fields. */
function writePackage(name: string, manifest: object, pkg: object = {}): string {
  const dir = join(scratch, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'index.js'), 'export default () => ({});\n');
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', ...pkg }));
  if (Object.keys(manifest).length > 0) {
    writeFileSync(join(dir, 'gofer-plugin.json'), JSON.stringify(manifest));
  }
  return dir;
}

describe('gofer plugin install', () => {
  it('installs the packed example scheduler, loads it at the next start and runs a pipeline on it', async () => {
    const dataDir = mkdtempSync(join(scratch, 'data-'));
    const tarball = packExamplePlugin();

    const first = await startTestKernel({ scheduler: { engine: 'inprocess' } }, dataDir);
    try {
      const cli = cliFor(first);
      const installed = await cli.json<PluginView>(['plugin', 'install', tarball]);
      assert.equal(installed.id, EXAMPLE_PLUGIN_ID);
      assert.equal(installed.origin, 'installed');
      assert.equal(installed.status, 'pending restart');
      assert.deepEqual(installed.permissions, ['host-processes']);
      assert.ok(
        installed.dir.startsWith(join(dataDir, 'plugins', 'installed', EXAMPLE_PLUGIN_ID, '1.0.0')),
      );

      const list = await cli.json<PluginView[]>(['plugin', 'list']);
      const byId = new Map(list.map((p) => [p.id, p]));
      for (const id of [
        'gofer.scheduler.docker',
        'gofer.scheduler.swarm',
        'gofer.scheduler.inprocess',
      ]) {
        assert.equal(byId.get(id)?.origin, 'built-in', `${id} in ${[...byId.keys()].join(', ')}`);
      }
      assert.equal(byId.get('gofer.scheduler.inprocess')?.inUse, true);
      assert.equal(byId.get(EXAMPLE_PLUGIN_ID)?.origin, 'installed');
    } finally {
      await first.stop();
    }

    const second = await startTestKernel({ scheduler: { engine: 'subprocess' } }, dataDir);
    try {
      const cli = cliFor(second);
      const info = await cli.json<PluginView>(['plugin', 'info', EXAMPLE_PLUGIN_ID]);
      assert.equal(info.status, 'loaded');
      assert.equal(info.inUse, true);

      await second.deploy({
        id: 'on-host',
        tasks: [
          {
            id: 'greet',
            image: 'host',
            entrypoint: ['sh', '-c', 'printf "hello %s from %s" "$WHO" "$(basename "$PWD")"'],
            variables: { WHO: 'plugin' },
          },
        ],
      });
      const { run, tasks } = await second.runToEnd('on-host');
      const logFile = new LogPaths(dataDir).taskLog('default', 'on-host', run.id, 'greet');
      const text = decodeRecords(readFileSync(logFile))
        .records.map((r) => r.data.toString())
        .join('');
      assert.equal(run.status, 'SUCCESSFUL', `${JSON.stringify(tasks.get('greet'))} ${text}`);
      assert.equal(tasks.get('greet')?.exitCode, 0);
      assert.equal(text, 'hello plugin from work');

      const refused = await cli.run(['plugin', 'remove', EXAMPLE_PLUGIN_ID]);
      assert.notEqual(refused.code, 0);
      assert.match(refused.stderr.toString(), /in use.*scheduler\.engine = "subprocess"/s);
      const builtin = await cli.run(['plugin', 'remove', 'gofer.scheduler.docker']);
      assert.notEqual(builtin.code, 0);
      assert.match(builtin.stderr.toString(), /built into Gofer/);
    } finally {
      await second.stop();
    }

    const third = await startTestKernel({ scheduler: { engine: 'inprocess' } }, dataDir);
    try {
      const cli = cliFor(third);
      await cli.json(['plugin', 'remove', EXAMPLE_PLUGIN_ID]);
      const list = await cli.json<PluginView[]>(['plugin', 'list']);
      assert.ok(!list.some((p) => p.id === EXAMPLE_PLUGIN_ID), 'still listed after removal');
    } finally {
      await third.stop();
    }
  });

  it('refuses packages that would not load, naming the plugin, the problem and the fix', async () => {
    const t = await startTestKernel({ scheduler: { engine: 'inprocess' } });
    try {
      const cli = cliFor(t);
      const oldKernel = writePackage(
        'old-kernel',
        {},
        {
          gofer: {
            id: 'acme.scheduler.old',
            kind: 'scheduler',
            name: 'old',
            kernel: '^9.0.0',
            entry: './index.js',
          },
        },
      );
      const unbundled = writePackage(
        'unbundled',
        {
          id: 'acme.auth.deps',
          kind: 'auth',
          name: 'deps',
          version: '1.0.0',
          kernel: '^0.1.0',
          entry: './index.js',
        },
        { dependencies: { 'left-pad': '^1.0.0' } },
      );
      const clash = writePackage('clash', {
        id: 'acme.scheduler.docker',
        kind: 'scheduler',
        name: 'docker',
        version: '1.0.0',
        kernel: '^0.1.0',
        entry: './index.js',
      });
      const store = writePackage('store', {
        id: 'acme.store',
        kind: 'state-store',
        name: 'acme',
        version: '1.0.0',
        kernel: '^0.1.0',
        entry: './index.js',
      });
      const cases: [string, RegExp][] = [
        [oldKernel, /plugin "acme\.scheduler\.old".*supports kernel \^9\.0\.0.*package\.json/s],
        [unbundled, /plugin "acme\.auth\.deps" depends on left-pad.*bundleDependencies/s],
        [
          clash,
          /plugin "acme\.scheduler\.docker" is named "docker".*gofer\.scheduler\.docker.*rename/s,
        ],
        [store, /plugin "acme\.store" is a state store.*plugins\.paths/s],
        [join(scratch, 'missing.tgz'), /does not exist/],
      ];
      for (const [source, expected] of cases) {
        const result = await cli.run(['plugin', 'install', source]);
        assert.notEqual(result.code, 0, `${source} was installed`);
        assert.match(result.stderr.toString(), expected);
      }
      const list = await cli.json<PluginView[]>(['plugin', 'list']);
      assert.ok(!list.some((p) => p.id.startsWith('acme.')), 'a refused package was recorded');
    } finally {
      await t.stop();
    }
  });

  it('a broken installed plugin is shown at the next start, and stops it only when selected', async () => {
    const dataDir = mkdtempSync(join(scratch, 'data-'));
    const first = await startTestKernel({ scheduler: { engine: 'inprocess' } }, dataDir);
    let dir: string;
    try {
      dir = (await cliFor(first).json<PluginView>(['plugin', 'install', packExamplePlugin()])).dir;
    } finally {
      await first.stop();
    }
    rmSync(join(dir, 'index.js'));

    await assert.rejects(
      startTestKernel({ scheduler: { engine: 'subprocess' } }, dataDir),
      (err: Error) => {
        assert.match(
          err.message,
          /installed plugin "example\.scheduler\.subprocess".*scheduler\.engine.*index\.js/s,
        );
        return true;
      },
    );
    const second = await startTestKernel({ scheduler: { engine: 'inprocess' } }, dataDir);
    try {
      const info = await cliFor(second).json<PluginView>(['plugin', 'info', EXAMPLE_PLUGIN_ID]);
      assert.equal(info.status, 'broken');
      assert.match(info.statusReason, /index\.js/);
    } finally {
      await second.stop();
    }
  });

  it('refuses in restricted mode what could never run there, at install and with the reason', async () => {
    const t = await startTestKernel({ restricted: true, scheduler: { engine: 'wasi' } });
    try {
      const refusal = (what: RegExp) => (err: unknown) => {
        const e = err as { code?: string; message: string; fix?: string };
        assert.equal(e.code, 'FAILED_PRECONDITION');
        assert.match(e.message, what);
        assert.match(e.message, /which restricted mode does not have/);
        assert.match(e.fix ?? '', /wasm extensions|--restricted/);
        return true;
      };
      const networked = writePackage('networked', {
        id: 'acme.store.remote',
        kind: 'object-store',
        name: 'remote',
        version: '1.0.0',
        kernel: '^0.1.0',
        entry: './index.js',
        permissions: ['network'],
      });
      const plugins = t.kernel.services.plugins!;
      const extensions = t.kernel.services.extensions!;
      await assert.rejects(
        plugins.install({ source: networked, name: '', grants: [] }),
        refusal(/plugin "acme\.store\.remote" needs network/),
      );
      await assert.rejects(
        extensions.install({
          name: 'boxed',
          source: 'local/gofer-busybox:1',
          config: {},
          grants: [],
        }),
        refusal(/extension boxed \(local\/gofer-busybox:1\) needs container-engine/),
      );
      await assert.rejects(
        extensions.install({
          name: 'chatty',
          source: INTERVAL_WASM,
          config: {},
          grants: ['wasi:sockets'],
        }),
        refusal(/extension chatty .* needs network/),
      );
      assert.deepEqual(
        (await plugins.list()).map((p) => p.id).filter((id) => /remote|boxed|chatty/.test(id)),
        [],
      );
      const installed = await extensions.install({
        name: 'quiet',
        source: INTERVAL_WASM,
        config: {},
        grants: [],
      });
      assert.equal(installed.runtime, 'wasm');
    } finally {
      await t.stop();
    }
  });
});
