import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseDockerSchedulerOptions } from '../../../schedulers/docker/docker-scheduler-options.js';

describe('docker scheduler options', () => {
  test('an empty section gives the documented defaults', () => {
    assert.deepEqual(parseDockerSchedulerOptions({}), {
      socketPath: '/var/run/docker.sock',
      networkMode: 'host',
      pullTimeoutMs: 120_000,
      pullRegistries: ['localhost', '127.0.0.1', '[::1]'],
      installation: undefined,
      logwrapPath: undefined,
    });
  });

  test('a unix:// socket, a network mode and a duration are read', () => {
    const options = parseDockerSchedulerOptions({
      socket: 'unix:///run/engine.sock',
      network_mode: 'none',
      pull_timeout: '1m30s',
      pull_registries: ['registry.example'],
    });
    assert.equal(options.socketPath, '/run/engine.sock');
    assert.equal(options.networkMode, 'none');
    assert.equal(options.pullTimeoutMs, 90_000);
    assert.deepEqual(options.pullRegistries, ['registry.example']);
  });

  test('a wrong value is refused naming the key and the fix', () => {
    const refuses = (config: Record<string, unknown>, pattern: RegExp) =>
      assert.throws(
        () => parseDockerSchedulerOptions(config),
        (err: Error & { code?: string }) =>
          err.code === 'INVALID_ARGUMENT' && pattern.test(err.message),
      );
    refuses({ network_mode: 'bridge' }, /network_mode: "bridge".*"host" or "none"/);
    refuses({ pull_timeout: '30' }, /pull_timeout: "30".*duration/);
    refuses({ socket: 'tcp://127.0.0.1:2375' }, /socket.*unix socket/);
    refuses({ pull_registries: [42] }, /pull_registries/);
    refuses({ pull_registries: 42 }, /pull_registries/);
  });
});
