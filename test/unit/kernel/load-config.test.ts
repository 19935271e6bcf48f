import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from '../../../kernel/config/load-config.js';
import { defaultConfig } from '../../../kernel/config/kernel-config.js';

const dir = mkdtempSync(join(tmpdir(), 'gofer-config-'));
const write = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('service configuration', () => {
  it('uses the defaults when nothing is set', () => {
    const config = loadConfig({ env: {} });
    assert.equal(config.scheduler.engine, 'docker');
    assert.equal(config.server.address, '127.0.0.1:8080');
  });

  it('reads a TOML file and lets environment variables override it', () => {
    const file = write(
      'a.toml',
      '[scheduler]\nengine = "inprocess"\n[runs]\ntask_concurrency = 3\n',
    );
    const config = loadConfig({ file, env: { GOFER_RUNS__TASK_CONCURRENCY: '5' } });
    assert.equal(config.scheduler.engine, 'inprocess');
    assert.equal(config.runs.task_concurrency, 5);
  });

  it('selects the scheduler with one environment variable', () => {
    assert.equal(
      loadConfig({ env: { GOFER_SCHEDULER__ENGINE: 'inprocess' } }).scheduler.engine,
      'inprocess',
    );
  });

  it('parses nested plugin settings, booleans and lists from the environment', () => {
    const config = loadConfig({
      env: {
        GOFER_SCHEDULER__DOCKER__NETWORK_MODE: 'none',
        GOFER_SCHEDULER__DOCKER__PULL_REGISTRIES: 'localhost, 127.0.0.1:5000',
        GOFER_RUNS__REMOVE_FINISHED_WORKLOADS: 'false',
      },
    });
    assert.equal(config.scheduler.docker.network_mode, 'none');
    assert.deepEqual(config.scheduler.docker.pull_registries, ['localhost', '127.0.0.1:5000']);
    assert.equal(config.runs.remove_finished_workloads, false);
  });

  it('refuses an unknown setting in the file, naming it', () => {
    const file = write('b.toml', '[runs]\nparalelism = 3\n');
    assert.throws(() => loadConfig({ file, env: {} }), /unknown setting "runs.paralelism"/);
  });

  it('refuses an environment variable that names no setting', () => {
    assert.throws(
      () => loadConfig({ env: { GOFER_SERVR__ADDRESS: 'x' } }),
      /GOFER_SERVR__ADDRESS names no setting/,
    );
  });

  it('refuses a value of the wrong type, naming the setting', () => {
    assert.throws(
      () => loadConfig({ env: { GOFER_RUNS__GLOBAL_PARALLELISM: 'many' } }),
      /must be a number/,
    );
    const file = write('c.toml', '[runs]\ncancel_grace = 10\n');
    assert.throws(() => loadConfig({ file, env: {} }), /runs.cancel_grace/);
  });

  it('refuses a bad duration', () => {
    assert.throws(
      () => loadConfig({ env: { GOFER_RUNS__CANCEL_GRACE: 'ten' } }),
      /runs.cancel_grace/,
    );
  });

  it('ignores the CLI and token variables', () => {
    const config = loadConfig({ env: { GOFER_CLI_ADDRESS: 'x', GOFER_API_TOKEN: 't' } });
    assert.equal(config.server.address, '127.0.0.1:8080');
  });

  it('turns dev mode on from the flag', () => {
    assert.equal(loadConfig({ env: {}, devMode: true }).dev_mode, true);
  });

  it('is not upset by the variables Gofer gives every task, so a task may run Gofer', () => {
    const env = {
      GOFER_NAMESPACE_ID: 'default',
      GOFER_PIPELINE_ID: 'p',
      GOFER_RUN_ID: '3',
      GOFER_TASK_ID: 't',
      GOFER_TASK_IMAGE: 'local/x:1',
    };
    assert.equal(loadConfig({ env }).runs.task_concurrency, defaultConfig().runs.task_concurrency);
    assert.throws(() => loadConfig({ env: { GOFER_RUN_IDS: '3' } }), /names no setting/);
  });

  for (const [name, key] of [
    ['GOFER_OBJECT_STORE__PIPELINE_OBJECT_LIMIT', 'object_store.pipeline_object_limit'],
    ['GOFER_OBJECT_STORE__RUN_OBJECT_EXPIRY', 'object_store.run_object_expiry'],
    ['GOFER_EXTENSIONS__MEMORY_LIMIT_MB', 'extensions.memory_limit_mb'],
  ]) {
    it(`refuses ${key} below 1`, () => {
      assert.throws(
        () => loadConfig({ env: { [name]: '0' } }),
        new RegExp(`setting "${key.replace('.', '\\.')}" must be a whole number of at least 1`),
      );
    });
  }
});
