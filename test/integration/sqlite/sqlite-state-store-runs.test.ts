/**
 * The SQLite state store on real files in a temporary directory: runs and task runs, and a
 * second process writing to the same file.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import {
  config,
  countRows,
  freshPath,
  human,
  livePipeline,
  newRun,
  open,
  useScratchDirectory,
  withTimeout,
} from './state-store-fixtures.js';

const here = dirname(fileURLToPath(import.meta.url));
useScratchDirectory();

describe('runs and task runs', () => {
  it('creates a QUEUED run with one WAITING task run per task, in config order', async () => {
    const store = open();
    await livePipeline(store, 'demo', ['zeta', 'alpha', 'mid']);
    const { run, taskRuns } = await store.createRun({
      ...newRun('demo', ['zeta', 'alpha', 'mid']),
      variables: { GREETING: 'a=b\nc' },
      retryOf: 0,
    });

    assert.deepEqual([run.id, run.version, run.state, run.status], [1, 1, 'QUEUED', 'UNKNOWN']);
    assert.deepEqual(run.variables, { GREETING: 'a=b\nc' });
    assert.deepEqual(run.initiator, human);
    assert.deepEqual(run.statusReason, { kind: 'NONE', description: '' });
    assert.deepEqual(
      taskRuns.map((t) => [t.id, t.state, t.attempt, t.exitCode]),
      [
        ['zeta', 'WAITING', 0, null],
        ['alpha', 'WAITING', 0, null],
        ['mid', 'WAITING', 0, null],
      ],
    );
    assert.deepEqual(
      (await store.listTaskRuns('default', 'demo', 1)).map((t) => t.id),
      ['zeta', 'alpha', 'mid'],
    );
    await store.close();
  });

  it('numbers runs per pipeline and queue positions across all pipelines', async () => {
    const store = open();
    await livePipeline(store, 'a');
    await livePipeline(store, 'b');
    const runs = [
      (await store.createRun(newRun('a'))).run,
      (await store.createRun(newRun('b'))).run,
      (await store.createRun(newRun('a'))).run,
    ];

    assert.deepEqual(
      runs.map((r) => [r.pipeline, r.id]),
      [
        ['a', 1],
        ['b', 1],
        ['a', 2],
      ],
    );
    assert.ok(runs[0].queued < runs[1].queued && runs[1].queued < runs[2].queued);
    assert.deepEqual(
      (await store.listRuns('default', 'a')).map((r) => r.id),
      [2, 1],
    );
    await store.close();
  });

  it('refuses a run on a version that does not exist or with repeated task ids', async () => {
    const store = open();
    await livePipeline(store, 'demo');
    await assert.rejects(store.createRun(newRun('demo', ['build'], 9)), {
      code: 'NOT_FOUND',
      message: 'config version 9 of pipeline "demo" in namespace "default" not found',
    });
    await assert.rejects(store.createRun(newRun('demo', ['build', 'build'])), {
      code: 'FAILED_PRECONDITION',
      message: /"build"/,
    });
    assert.equal((await store.listRuns('default', 'demo')).length, 0);
    await store.close();
  });

  it('updates only the patched fields of runs and task runs', async () => {
    const store = open();
    await livePipeline(store, 'demo');
    await store.createRun(newRun('demo'));

    const reason = { kind: 'ABNORMAL_EXIT' as const, description: 'exit 3' };
    const run = await store.updateRun('default', 'demo', 1, { state: 'RUNNING', started: 5 });
    assert.deepEqual([run.state, run.started, run.ended, run.status], ['RUNNING', 5, 0, 'UNKNOWN']);

    const task = await store.updateTaskRun('default', 'demo', 1, 'test', {
      state: 'COMPLETE',
      status: 'FAILED',
      statusReason: reason,
      exitCode: 3,
      attempt: 1,
      workloadId: 'gofer-default-demo-1-test-1',
      logsExpired: true,
    });
    assert.deepEqual(task.statusReason, reason);
    assert.deepEqual([task.exitCode, task.attempt, task.logsExpired], [3, 1, true]);
    assert.equal((await store.getTaskRun('default', 'demo', 1, 'build')).state, 'WAITING');

    const cleared = await store.updateTaskRun('default', 'demo', 1, 'test', { exitCode: null });
    assert.equal(cleared.exitCode, null);
    await store.close();
  });

  it('names the missing run or task run', async () => {
    const store = open();
    await livePipeline(store, 'demo');
    await store.createRun(newRun('demo'));
    await assert.rejects(store.updateRun('default', 'demo', 4, { state: 'RUNNING' }), {
      code: 'NOT_FOUND',
      message: 'run 4 of pipeline "demo" in namespace "default" not found',
    });
    await assert.rejects(store.getTaskRun('default', 'demo', 1, 'deploy'), {
      code: 'NOT_FOUND',
      message: 'task run "deploy" of run 1 of pipeline "demo" in namespace "default" not found',
    });
    await assert.rejects(store.listTaskRuns('default', 'demo', 2), { code: 'NOT_FOUND' });
    await store.close();
  });

  it('lists unfinished runs of every namespace oldest first', async () => {
    const store = open();
    await store.createNamespace({ id: 'other', name: '', description: '' });
    await livePipeline(store, 'demo');
    const { version } = await store.registerConfig('other', config('elsewhere'));
    await store.deployConfig('other', 'elsewhere', version.version);

    await store.createRun(newRun('demo'));
    await store.createRun({ ...newRun('elsewhere'), namespace: 'other' });
    await store.createRun(newRun('demo'));
    await store.updateRun('default', 'demo', 1, { state: 'COMPLETE', status: 'SUCCESSFUL' });

    const unfinished = await store.listUnfinishedRuns();
    assert.deepEqual(
      unfinished.map((r) => [r.namespace, r.id]),
      [
        ['other', 1],
        ['default', 2],
      ],
    );
    await store.close();
  });

  it('finds complete runs with at least `keep` newer runs whose logs have not expired', async () => {
    const store = open();
    await livePipeline(store, 'demo');
    for (let i = 0; i < 5; i++) await store.createRun(newRun('demo'));
    for (const id of [1, 2, 4]) await store.updateRun('default', 'demo', id, { state: 'COMPLETE' });
    await store.updateRun('default', 'demo', 1, { logsExpired: true });

    const past = async (keep: number) =>
      (await store.listRunsPastRetention('default', 'demo', keep)).map((r) => r.id);
    assert.deepEqual(await past(2), [2]);
    assert.deepEqual(await past(0), [2, 4]);
    assert.deepEqual(await past(5), []);
    await store.close();
  });
});

describe('concurrent writers', () => {
  it('gives many concurrent async callers unique gapless run ids', async () => {
    const store = open();
    await livePipeline(store, 'demo');
    const created = await Promise.all(
      Array.from({ length: 100 }, () => store.createRun(newRun('demo'))),
    );

    const ids = created.map((c) => c.run.id).sort((a, b) => a - b);
    assert.deepEqual(
      ids,
      Array.from({ length: 100 }, (_, i) => i + 1),
    );
    assert.equal(new Set(created.map((c) => c.run.queued)).size, 100);
    await store.close();
  });

  it('gives two processes writing one file unique gapless run ids without SQLITE_BUSY', async () => {
    const path = freshPath();
    const store = open(path);
    await livePipeline(store, 'demo');
    const perWriter = 150;

    const script = join(here, 'fixtures', 'create-runs.js');
    const child = spawn(process.execPath, [
      script,
      path,
      String(perWriter),
      'default',
      'demo',
      '1',
    ]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));

    try {
      await waitFor(() => stdout.includes('ready\n'), exited, 20_000);
      child.stdin.end('go\n');

      // Yield between writes so the child's lock requests can land between ours.
      const mine: number[] = [];
      for (let i = 0; i < perWriter; i++) {
        mine.push((await store.createRun(newRun('demo'))).run.id);
        await nextTurn();
      }

      const code = await withTimeout(exited, 60_000, 'child exit');
      assert.equal(code, 0, `the second writer failed: ${stderr}`);
      assert.equal(stderr, '');
      const theirs = (JSON.parse(stdout.split('\n')[1]) as { ids: number[] }).ids;

      const all = [...mine, ...theirs].sort((a, b) => a - b);
      assert.deepEqual(
        all,
        Array.from({ length: perWriter * 2 }, (_, i) => i + 1),
      );
      const runs = await store.listRuns('default', 'demo', { limit: 200 });
      assert.equal(new Set(runs.map((r) => r.queued)).size, runs.length);
      assert.equal(countRows(path, 'task_runs'), perWriter * 2 * 2);
    } finally {
      child.kill();
      await store.close();
    }
  });
});

// Resolves once `ready()` holds; rejects if the process exits first or `ms` pass.
async function waitFor(
  ready: () => boolean,
  exited: Promise<number | null>,
  ms: number,
): Promise<void> {
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + ms;
  while (!ready()) {
    if (gone) throw new Error('the second writer exited before it was ready');
    if (Date.now() > deadline) throw new Error(`the second writer was not ready within ${ms}ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
