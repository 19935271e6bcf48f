import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../../kernel/config/load-config.js';
import { readObjectStoreOptions } from '../../../plugins/sqlite-object-store/object-store-options.js';
import { readSecretStoreOptions } from '../../../plugins/sqlite-secret-store/secret-store-options.js';
import { readSqliteOptions } from '../../../plugins/sqlite-state-store/sqlite-options.js';
import { parseDockerSchedulerOptions } from '../../../schedulers/docker/docker-scheduler-options.js';
import { parseWasiSchedulerOptions } from '../../../schedulers/wasi/wasi-scheduler-options.js';
import { listSetting, numberSetting } from '../../../sdk/config/setting-values.js';

/** The kernel config as `GOFER_*` variables alone make it. */
const fromEnv = (env: Record<string, string>) =>
  loadConfig({ env: { GOFER_DATA_DIR: '/tmp/gofer-settings-test', ...env }, devMode: true });

describe('plugin settings given as environment variables', () => {
  it('reach the wasi scheduler as the numbers a config file would give', () => {
    const config = fromEnv({
      GOFER_SCHEDULER__WASI__WARM_WORKERS: '0',
      GOFER_SCHEDULER__WASI__MEMORY_LIMIT_MB: '128',
    });
    const options = parseWasiSchedulerOptions(config.scheduler.wasi as never, '/tmp/x');
    assert.equal(options.warmWorkers, 0);
    assert.equal(options.memoryLimitBytes, 128 * 1024 * 1024);
  });

  it('still refuses text that is no number, quoting it', () => {
    const config = fromEnv({ GOFER_SCHEDULER__WASI__WARM_WORKERS: 'eight' });
    assert.throws(
      () => parseWasiSchedulerOptions(config.scheduler.wasi as never, '/tmp/x'),
      /warm_workers "eight" is not a whole number/,
    );
    const half = fromEnv({ GOFER_SCHEDULER__WASI__WARM_WORKERS: '1.5' });
    assert.throws(() => parseWasiSchedulerOptions(half.scheduler.wasi as never, '/tmp/x'));
  });

  it('give the docker scheduler a list of pull registries separated by commas', () => {
    const config = fromEnv({
      GOFER_SCHEDULER__DOCKER__PULL_REGISTRIES: '127.0.0.1:5000, localhost',
    });
    const options = parseDockerSchedulerOptions(config.scheduler.docker as never);
    assert.deepEqual(options.pullRegistries, ['127.0.0.1:5000', 'localhost']);
  });

  it('give the SQLite stores a busy timeout in milliseconds or as a duration', () => {
    const config = fromEnv({
      GOFER_STATE_STORE__SQLITE__BUSY_TIMEOUT: '250',
      GOFER_OBJECT_STORE__SQLITE__BUSY_TIMEOUT: '2s',
      GOFER_SECRET_STORE__SQLITE__BUSY_TIMEOUT: '750',
    });
    const sections = config as unknown as Record<string, { sqlite: Record<string, unknown> }>;
    assert.equal(readSqliteOptions(sections.state_store.sqlite, '/tmp/x').busyTimeoutMs, 250);
    assert.equal(
      readObjectStoreOptions(sections.object_store.sqlite, '/tmp/x').busyTimeoutMs,
      2000,
    );
    assert.equal(readSecretStoreOptions(sections.secret_store.sqlite, '/tmp/x').busyTimeoutMs, 750);
  });

  it('read numbers and lists the same whether typed or written as text', () => {
    assert.equal(numberSetting(8), 8);
    assert.equal(numberSetting(' 8 '), 8);
    assert.equal(numberSetting('8s'), undefined);
    assert.equal(numberSetting(''), undefined);
    assert.deepEqual(listSetting(['a', 'b']), ['a', 'b']);
    assert.deepEqual(listSetting('a,,b '), ['a', 'b']);
    assert.equal(listSetting([1]), undefined);
  });
});
