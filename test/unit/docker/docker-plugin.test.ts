/**
 * The plugin's entry and the checks that must not contact the engine. The scheduler here points
 * at a socket that does not exist, so any engine call would fail as ENGINE_UNAVAILABLE.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import type { Logger } from '../../../kernel/contracts/logger.js';
import type { PluginManifest } from '../../../kernel/contracts/plugin.js';
import type { Scheduler } from '../../../kernel/contracts/scheduler.js';
import createDockerScheduler from '../../../schedulers/docker/index.js';

const NO_ENGINE = '/nonexistent/gofer-test/docker.sock';

function recordingLogger(lines: string[]): Logger {
  const logger: Logger = {
    debug: () => undefined,
    info: () => undefined,
    warn: (_fields, msg) => void lines.push(msg),
    error: (_fields, msg) => void lines.push(msg),
    child: () => logger,
  };
  return logger;
}

async function schedulerWithoutEngine(warnings: string[] = []): Promise<Scheduler> {
  return createDockerScheduler({
    kernelVersion: '0.1.0',
    config: { socket: NO_ENGINE, pull_registries: ['127.0.0.1'] },
    logger: recordingLogger(warnings),
    dataDir: '/tmp',
    devMode: false,
    contracts: {},
  });
}

describe('docker scheduler plugin', () => {
  test('the manifest names the docker scheduler and its entry', () => {
    const url = new URL('../../../schedulers/docker/gofer-plugin.json', import.meta.url);
    const manifest = JSON.parse(readFileSync(url, 'utf8')) as PluginManifest;
    assert.equal(manifest.id, 'gofer.scheduler.docker');
    assert.equal(manifest.kind, 'scheduler');
    assert.equal(manifest.name, 'docker');
    assert.equal(manifest.entry, './index.js');
    assert.deepEqual(manifest.permissions, ['container-engine']);
  });

  test('the factory returns a scheduler even when the engine is down, and says so', async () => {
    const warnings: string[] = [];
    const scheduler = await schedulerWithoutEngine(warnings);
    assert.equal(scheduler.name, 'docker');
    assert.deepEqual(scheduler.capabilities.imageKinds, ['container']);
    assert.ok(warnings.some((w) => /not reachable/.test(w)));
    await scheduler.close();
  });

  test('checkTask refuses other image kinds and empty images without the engine', async () => {
    const scheduler = await schedulerWithoutEngine();
    const check = (image: string, imageKind: 'container' | 'wasm', pullPolicy = 'never') =>
      scheduler.checkTask({ id: 'comp', image, imageKind, pullPolicy: pullPolicy as 'never' });
    assert.deepEqual(await check('local/app:1', 'container'), []);
    assert.match((await check('task.wasm', 'wasm')).join('\n'), /task "comp": image kind "wasm"/);
    assert.match((await check('  ', 'container')).join('\n'), /image is empty/);
    assert.match((await check('alpine', 'container', 'always')).join('\n'), /docker\.io/);
    assert.match((await check('x', 'container', 'sometimes')).join('\n'), /pull policy/);
    await scheduler.close();
  });

  test('startTask refuses a wasm task as UNSUPPORTED_TASK before contacting the engine', async () => {
    const scheduler = await schedulerWithoutEngine();
    await assert.rejects(
      scheduler.startTask({
        id: 'comp',
        labels: { installation: 'i', kind: 'task' },
        image: 'task.wasm',
        imageKind: 'wasm',
        pullPolicy: 'never',
        env: {},
        logFile: '/tmp/unused.log',
      }),
      { code: 'UNSUPPORTED_TASK' },
    );
    await scheduler.close();
  });
});
