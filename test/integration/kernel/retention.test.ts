import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { PipelineConfig } from '../../../sdk/config/pipeline-config.js';
import { LogPaths } from '../../../kernel/logs/log-paths.js';
import { startTestKernel } from '../../support/test-kernel.js';

const config = (id: string, word: string): PipelineConfig => ({
  id,
  tasks: [{ id: 'say', image: 'inprocess', command: ['echo', word] }],
});

describe('retention', () => {
  it('deletes the logs of runs that have enough newer runs, and says they expired', async () => {
    const t = await startTestKernel({
      scheduler: { engine: 'inprocess' },
      runs: { log_retention_runs: 2 },
    });
    try {
      await t.deploy(config('kept', 'hello'));
      const runs = [];
      for (let i = 0; i < 4; i++) runs.push((await t.runToEnd('kept')).run);
      const paths = new LogPaths(t.dataDir);
      const services = t.kernel.services;

      // Retention runs just after a run completes; give it a bounded moment.
      for (
        let i = 0;
        i < 100 && !(await services.runs.get('default', 'kept', runs[1].id)).logsExpired;
        i++
      ) {
        await new Promise((r) => setTimeout(r, 20));
      }
      for (const old of runs.slice(0, 2)) {
        assert.equal((await services.runs.get('default', 'kept', old.id)).logsExpired, true);
        assert.equal(existsSync(paths.runDir('default', 'kept', old.id)), false);
        await assert.rejects(
          (async () => {
            for await (const _ of services.logs.taskLogs('default', 'kept', old.id, 'say', {
              follow: false,
            }))
              void _;
          })(),
          (err: { code?: string }) => err.code === 'FAILED_PRECONDITION',
        );
      }
      for (const recent of runs.slice(2)) {
        assert.equal((await services.runs.get('default', 'kept', recent.id)).logsExpired, false);
        const chunks = [];
        for await (const c of services.logs.taskLogs('default', 'kept', recent.id, 'say', {
          follow: false,
        }))
          chunks.push(c.data);
        assert.equal(Buffer.concat(chunks).toString(), 'hello\n');
      }
    } finally {
      await t.stop();
    }
  });

  it('prunes old config versions at registration but keeps the live one and ones runs use', async () => {
    const t = await startTestKernel({
      scheduler: { engine: 'inprocess' },
      runs: { config_versions_kept: 2 },
    });
    try {
      const services = t.kernel.services;
      await t.deploy(config('versions', 'v1'));
      const { run } = await t.runToEnd('versions');
      assert.equal(run.version, 1);
      for (const word of ['v2', 'v3', 'v4', 'v5'])
        await services.pipelines.register('default', config('versions', word));
      const versions = (await services.pipelines.listConfigs('default', 'versions'))
        .map((v) => v.version)
        .sort();
      assert.deepEqual(versions, [1, 4, 5], 'v1 is live and used by a run; v2 and v3 are pruned');
      const events = [];
      for await (const e of services.events.list({}))
        if (e.type === 'PIPELINE_CONFIGS_PRUNED') events.push(e);
      assert.ok(events.length > 0, 'pruning is recorded as an event');
    } finally {
      await t.stop();
    }
  });

  it('deletes events older than the retention when the service starts', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'gofer-retention-'));
    const first = await startTestKernel({ scheduler: { engine: 'inprocess' } }, dataDir);
    await first.deploy(config('events', 'x'));
    await first.runToEnd('events');
    let before = 0;
    for await (const _ of first.kernel.services.events.list({})) before++;
    await first.stop();
    assert.ok(before > 0);

    await new Promise((r) => setTimeout(r, 20));
    const second = await startTestKernel(
      { scheduler: { engine: 'inprocess' }, runs: { event_retention: '10ms' } },
      dataDir,
    );
    try {
      let after = 0;
      for await (const _ of second.kernel.services.events.list({})) after++;
      assert.equal(after, 0);
    } finally {
      await second.stop();
    }
  });
});
