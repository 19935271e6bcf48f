/**
 * Restricted mode on a real `gofer service start --restricted`: plugins that need a container
 * engine are refused with their name and the fix, and a whole pipeline started by the interval
 * wasm extension runs end to end inside new user, mount and network namespaces as an
 * unprivileged user, with no Docker socket, only loopback, and every mount but the data
 * directory read-only, so that a write anywhere else fails instead of passing unseen.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { PACKAGE_ROOT } from '../../../kernel/version.js';
import { CLI } from '../../support/service-process.js';
import { cTaskComponent } from '../../support/wasi-task-components.js';
import { intervalComponent } from '../../support/wasm-test-kit.js';

const NOBODY = 65534;
const scratch = mkdtempSync(join(tmpdir(), 'gofer-restricted-'));
// Searchable by the unprivileged user, who must reach the data directory and the config in it.
chmodSync(scratch, 0o755);
after(() => rmSync(scratch, { recursive: true, force: true }));

/** Runs `gofer service start --restricted` and returns how it ended, bounded. */
function startRestricted(env: Record<string, string>) {
  const dataDir = mkdtempSync(join(scratch, 'data-'));
  return spawnSync(process.execPath, [CLI, 'service', 'start', '--restricted', '--dev-mode'], {
    env: {
      PATH: process.env.PATH,
      GOFER_DATA_DIR: dataDir,
      GOFER_SERVER__ADDRESS: '127.0.0.1:0',
      GOFER_EXTENSIONS__EVENTS_ADDRESS: '127.0.0.1:0',
      ...env,
    },
    encoding: 'utf8',
    timeout: 60_000,
  });
}

/** Whether this machine lets an unprivileged user make the namespaces; the reason if not. */
function namespacesUnavailable(): string | false {
  const probe = spawnSync(
    'setpriv',
    [
      '--reuid',
      String(NOBODY),
      '--regid',
      String(NOBODY),
      '--clear-groups',
      'unshare',
      '--user',
      '--map-root-user',
      '--mount',
      '--net',
      'true',
    ],
    { encoding: 'utf8', timeout: 10_000 },
  );
  if (process.getuid?.() !== 0) return 'the test needs root to switch to an unprivileged user';
  return probe.status === 0 ? false : `unprivileged namespaces unavailable: ${probe.stderr}`;
}

// Inside the namespaces, as root of the new user namespace (nobody outside): loopback up, /run
// (and with it /var/run/docker.sock) hidden, the data directory bound onto itself so it stays
// writable, every other mount read-only; then the driver runs as nobody in a nested user
// namespace, holding no capability at all.
const SANDBOX = `
set -eu
ip link set lo up
mount -t tmpfs -o ro,mode=755 tmpfs /run
mount --bind "$RESTRICTED_DATA_DIR" "$RESTRICTED_DATA_DIR"
for m in $(findmnt -rn -o TARGET | sort -u); do
  case "$m" in
    "$RESTRICTED_DATA_DIR"|/proc|/proc/*|/sys|/sys/*|/dev|/dev/pts|/run) ;;
    *) mount -o remount,bind,ro "$m" 2>/dev/null || true ;;
  esac
done
exec unshare --user --map-user=${NOBODY} --map-group=${NOBODY} node "$RESTRICTED_DRIVER"
`;

describe('restricted mode', () => {
  it('refuses the docker scheduler, naming the plugin, what it needs and the fix', () => {
    const result = startRestricted({ GOFER_SCHEDULER__ENGINE: 'docker' });
    assert.notEqual(result.status, 0, 'the service started');
    const output = result.stdout + result.stderr;
    assert.match(
      output,
      /plugin "gofer\.scheduler\.docker" \(scheduler\.engine = "docker"\) needs container-engine, which restricted mode does not have/,
    );
    assert.match(output, /scheduler\.engine = "wasi"/);
  });

  const unavailable = namespacesUnavailable();
  it(
    'runs a pipeline started by the interval wasm extension inside namespaces, writing only its data directory',
    { skip: unavailable, timeout: 180_000 },
    async () => {
      const task = cTaskComponent();
      const interval = intervalComponent();
      const dataDir = join(scratch, 'sandboxed-data');
      mkdirSync(dataDir);
      chownSync(dataDir, NOBODY, NOBODY);
      const configDir = mkdtempSync(join(scratch, 'config-'));
      chmodSync(configDir, 0o755);
      const config = join(configDir, 'gofer.toml');
      writeFileSync(
        config,
        [
          `data_dir = "${dataDir}"`,
          'dev_mode = true',
          '[scheduler]',
          'engine = "wasi"',
          '[extensions]',
          'events_address = "127.0.0.1:0"',
          'install_provided = false',
          '',
        ].join('\n'),
      );
      // Read-only twice over: bound so inside the namespaces, and owned by root outside them.
      const driver = join(PACKAGE_ROOT, 'dist', 'test', 'support', 'restricted-driver.js');
      const child = spawn(
        'setpriv',
        [
          '--reuid',
          String(NOBODY),
          '--regid',
          String(NOBODY),
          '--clear-groups',
          'unshare',
          '--user',
          '--map-root-user',
          '--mount',
          '--net',
          'sh',
          '-c',
          SANDBOX,
        ],
        {
          env: {
            PATH: process.env.PATH,
            RESTRICTED_CONFIG: config,
            RESTRICTED_DATA_DIR: dataDir,
            RESTRICTED_TASK: task,
            RESTRICTED_INTERVAL: interval,
            RESTRICTED_DRIVER: driver,
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      const timer = setTimeout(() => child.kill('SIGKILL'), 150_000);
      const status = await new Promise<number | null>((r) => child.once('exit', r));
      clearTimeout(timer);
      assert.equal(status, 0, `the sandbox failed:\n${stderr}\n${stdout}`);
      const report = JSON.parse(stdout.trim().split('\n').at(-1)!);
      assert.equal(report.error, undefined, `${report.error}\n${report.serviceLog}`);

      // The sandbox was one: loopback only, no Docker socket, nothing writable outside.
      assert.deepEqual(report.facts.interfaces, ['lo']);
      assert.equal(report.facts.dockerSocketVisible, false);
      assert.equal(report.facts.dockerSocket, 'ENOENT');
      assert.equal(report.facts.writeOutside, 'EROFS');
      assert.equal(report.facts.uid, NOBODY);

      // The interval extension started the run, and its wasm task succeeded.
      assert.equal(report.run.status, 'SUCCESSFUL', report.serviceLog);
      assert.equal(report.run.initiator.kind, 'EXTENSION');
      assert.equal(report.task.exitCode, 0);
      assert.equal(report.serviceExit, 0);
      assert.doesNotMatch(report.serviceLog, /EROFS|read-only file system/i);
      assert.deepEqual(readdirSync(configDir), ['gofer.toml']);
      // What it did write is all in the data directory.
      assert.ok(readdirSync(dataDir).length > 0, 'nothing was written to the data directory');
    },
  );
});
