import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ExtensionView, PluginView } from '../../../kernel/api/kernel-services.js';
import { PACKAGE_ROOT } from '../../../kernel/version.js';
import type { CliResult } from '../../support/cli-runner.js';
import { CLI } from '../../support/service-process.js';
import { type CliService, startCliService } from './cli-service.js';

// A relative install source means a path from where the user stands, not from the service's
// working directory: the CLI runs here in a folder of its own, which the service never sees.

const INTERVAL_WASM = join(PACKAGE_ROOT, 'extensions', 'interval', 'interval.wasm');

describe('install sources given as relative paths', () => {
  let s: CliService;
  let cwd: string;

  /**
   * `gofer ...args` run from `cwd` with the test service's settings and none of this machine's
   * `GOFER_*` ones; killed after 60 s.
   */
  const gofer = (args: string[]) =>
    new Promise<CliResult>((resolve) => {
      const env = Object.fromEntries(
        Object.entries(process.env).filter(([name]) => !name.startsWith('GOFER_')),
      );
      execFile(
        process.execPath,
        [CLI, ...args, '--output', 'json'],
        { cwd, env: { ...env, ...s.cli.env }, encoding: 'buffer', timeout: 60_000 },
        (err, stdout, stderr) => resolve({ code: err ? 1 : 0, stdout, stderr }),
      );
    });

  before(async () => {
    s = await startCliService();
    cwd = mkdtempSync(join(tmpdir(), 'gofer-cli-cwd-'));
    copyFileSync(INTERVAL_WASM, join(cwd, 'ticker.wasm'));
  });
  after(async () => {
    await s.stop();
    rmSync(cwd, { recursive: true, force: true });
  });

  it('extension install sends a relative .wasm path absolute, and the service records it so', async () => {
    const installed = await gofer(['extension', 'install', 'ticker', 'ticker.wasm']);
    assert.equal(installed.code, 0, installed.stderr.toString());
    const ext = JSON.parse(installed.stdout.toString()) as ExtensionView;
    assert.equal(ext.source, join(cwd, 'ticker.wasm'));

    const removed = await gofer(['extension', 'uninstall', 'ticker']);
    assert.equal(removed.code, 0, removed.stderr.toString());
  });

  it('plugin install sends a relative .wasm path absolute too', async () => {
    const installed = await gofer(['plugin', 'install', './ticker.wasm', '--name', 'tock']);
    assert.equal(installed.code, 0, installed.stderr.toString());
    const plugin = JSON.parse(installed.stdout.toString()) as PluginView;
    assert.equal(plugin.name, 'tock');
    assert.equal(plugin.source, join(cwd, 'ticker.wasm'));

    const removed = await gofer(['plugin', 'remove', plugin.id]);
    assert.equal(removed.code, 0, removed.stderr.toString());
  });
});
