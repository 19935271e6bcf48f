/**
 * The SQLite state store on real files in a temporary directory, including a second process
 * writing to the same file.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import type { Logger } from '../../../kernel/contracts/logger.js';
import type { PluginContext } from '../../../kernel/contracts/plugin.js';
import type { StateStore } from '../../../kernel/contracts/state-store.js';
import createSqliteStateStore from '../../../plugins/sqlite-state-store/index.js';
import { SqliteStateStore } from '../../../plugins/sqlite-state-store/sqlite-state-store.js';
import type { PipelineConfig } from '../../../sdk/config/pipeline-config.js';
import { migrations } from '../../../plugins/sqlite-state-store/migrations/migrations.js';

const here = dirname(fileURLToPath(import.meta.url));
let root: string;
let counter = 0;

before(() => {
  root = mkdtempSync(join(tmpdir(), 'gofer-sqlite-'));
});
after(() => rmSync(root, { recursive: true, force: true }));

const freshPath = () => join(root, `store-${++counter}`, 'gofer.db');
const open = (path = freshPath()) => SqliteStateStore.open({ path, busyTimeoutMs: 10_000 });

const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  child: () => silentLogger,
};

function context(dataDir: string, config: Record<string, unknown>): PluginContext {
  return {
    kernelVersion: '0.1.0',
    config,
    logger: silentLogger,
    dataDir,
    devMode: false,
    contracts: {},
  };
}

function config(id: string, tasks = ['build', 'test']): PipelineConfig {
  return { id, tasks: tasks.map((task) => ({ id: task, image: 'local/gofer-test:1' })) };
}

// A pipeline with one deployed version, ready for runs.
async function livePipeline(store: StateStore, id: string, tasks?: string[]): Promise<void> {
  const { version } = await store.registerConfig('default', config(id, tasks));
  await store.deployConfig('default', id, version.version);
}

const human = { kind: 'HUMAN' as const, name: 'ada', reason: 'test' };

function newRun(pipeline: string, taskIds = ['build', 'test'], version = 1) {
  return { namespace: 'default', pipeline, version, initiator: human, variables: {}, taskIds };
}

// Counts rows through a connection of its own, so the check does not trust the store's reads.
function countRows(path: string, table: string): number {
  const db = new Database(path, { readonly: true });
  try {
    return (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
  } finally {
    db.close();
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms}ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

describe('opening and migrating', () => {
  it('creates the schema, the default namespace and WAL mode on an empty file', async () => {
    const path = freshPath();
    const store = open(path);
    assert.equal((await store.getNamespace('default')).id, 'default');
    await store.close();

    const db = new Database(path, { readonly: true });
    const versions = db.prepare('SELECT version, name FROM schema_migrations').all();
    assert.deepEqual(
      versions,
      migrations.map((m) => ({ version: m.version, name: m.name })),
    );
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');

    const tables = db
      .prepare(
        `SELECT name, strict FROM pragma_table_list WHERE schema = 'main'
      AND name NOT LIKE 'sqlite_%'`,
      )
      .all() as { name: string; strict: number }[];
    assert.ok(tables.length >= 8);
    for (const table of tables) assert.equal(table.strict, 1, `${table.name} is not STRICT`);
    db.close();
  });

  it('keeps data across a reopen and applies no migration twice', async () => {
    const path = freshPath();
    const first = open(path);
    await first.createNamespace({ id: 'team', name: 'Team', description: 'kept' });
    const installation = await first.installationId();
    await first.close();

    const second = open(path);
    assert.equal((await second.getNamespace('team')).description, 'kept');
    assert.equal(await second.installationId(), installation);
    await second.close();
    assert.equal(countRows(path, 'schema_migrations'), migrations.length);
  });

  it('refuses a database whose schema is newer than the code knows', async () => {
    const path = freshPath();
    await open(path).close();
    const db = new Database(path);
    db.prepare(`INSERT INTO schema_migrations VALUES (99, 'from-the-future', 0)`).run();
    db.close();

    assert.throws(
      () => open(path),
      (err: { code?: string; message: string }) =>
        err.code === 'FAILED_PRECONDITION' &&
        err.message.includes('schema version 99') &&
        err.message.includes(path),
    );
  });

  it('opens gofer.db in the data directory unless the config names a path', async () => {
    const dataDir = join(root, `data-${++counter}`);
    const byDefault = await createSqliteStateStore(context(dataDir, { busy_timeout: '2s' }));
    await byDefault.close();
    assert.ok(existsSync(join(dataDir, 'gofer.db')));

    const path = freshPath();
    const named = await createSqliteStateStore(context(dataDir, { path, busy_timeout: '' }));
    await named.close();
    assert.ok(existsSync(path));
  });

  it('refuses a busy timeout that is not a duration, naming the value', () => {
    assert.throws(
      () => createSqliteStateStore(context(root, { path: freshPath(), busy_timeout: 'soon' })),
      (err: { code?: string; message: string }) =>
        err.code === 'INVALID_ARGUMENT' && err.message.includes('"soon"'),
    );
  });
});

describe('namespaces', () => {
  it('creates, reads, updates, lists and deletes namespaces', async () => {
    const store = open();
    const created = await store.createNamespace({ id: 'ops', name: 'Ops', description: 'a' });
    assert.ok(created.created > 0);
    assert.equal(created.modified, created.created);

    const updated = await store.updateNamespace('ops', { description: 'b' });
    assert.deepEqual([updated.name, updated.description], ['Ops', 'b']);
    assert.deepEqual(
      (await store.listNamespaces()).map((ns) => ns.id),
      ['default', 'ops'],
    );

    await store.deleteNamespace('ops');
    await assert.rejects(store.getNamespace('ops'), {
      code: 'NOT_FOUND',
      message: 'namespace "ops" not found',
    });
    await store.close();
  });

  it('rejects a second namespace with the same id', async () => {
    const store = open();
    await assert.rejects(store.createNamespace({ id: 'default', name: 'x', description: '' }), {
      code: 'ALREADY_EXISTS',
      message: /namespace "default" already exists/,
    });
    await store.close();
  });

  it('clamps list limits to 200 and pages with offsets', async () => {
    const store = open();
    for (let i = 0; i < 205; i++) {
      await store.createNamespace({
        id: `ns-${String(i).padStart(3, '0')}`,
        name: '',
        description: '',
      });
    }
    assert.equal((await store.listNamespaces()).length, 200);
    assert.equal((await store.listNamespaces({ limit: 1000 })).length, 200);
    assert.equal((await store.listNamespaces({ limit: 5 })).length, 5);
    assert.equal((await store.listNamespaces({ limit: 200, offset: 200 })).length, 6);
    await store.close();
  });
});

describe('pipelines and configs', () => {
  it('registers versions from 1, creating the pipeline ACTIVE only the first time', async () => {
    const store = open();
    const first = await store.registerConfig('default', config('demo'));
    const second = await store.registerConfig('default', config('demo', ['other']));

    assert.deepEqual([first.version.version, first.pipelineCreated], [1, true]);
    assert.deepEqual([second.version.version, second.pipelineCreated], [2, false]);
    assert.equal(second.version.state, 'UNRELEASED');
    assert.deepEqual(second.version.config, config('demo', ['other']));

    const pipeline = await store.getPipeline('default', 'demo');
    assert.deepEqual([pipeline.state, pipeline.liveVersion], ['ACTIVE', 0]);
    assert.deepEqual(
      (await store.listConfigs('default', 'demo')).map((c) => c.version),
      [2, 1],
    );
    await store.close();
  });

  it('has no live version until one is deployed, then deprecates the previous one', async () => {
    const store = open();
    await store.registerConfig('default', config('demo'));
    await store.registerConfig('default', config('demo'));
    await assert.rejects(store.getConfig('default', 'demo', 0), {
      code: 'NOT_FOUND',
      message: /pipeline "demo" in namespace "default" has no live config version/,
    });

    await store.deployConfig('default', 'demo', 1);
    assert.equal((await store.getConfig('default', 'demo', 0)).version, 1);
    const live = await store.deployConfig('default', 'demo', 2);

    const old = await store.getConfig('default', 'demo', 1);
    assert.deepEqual([live.state, live.deprecated], ['LIVE', 0]);
    assert.equal(old.state, 'DEPRECATED');
    assert.ok(old.deprecated > 0);
    assert.equal((await store.getConfig('default', 'demo', 0)).version, 2);
    assert.equal((await store.getPipeline('default', 'demo')).liveVersion, 2);
    await store.close();
  });

  it('names the missing namespace, pipeline or version in NOT_FOUND errors', async () => {
    const store = open();
    await store.registerConfig('default', config('demo'));
    await assert.rejects(store.registerConfig('nope', config('demo')), {
      code: 'NOT_FOUND',
      message: 'namespace "nope" not found',
    });
    await assert.rejects(store.getPipeline('default', 'absent'), {
      code: 'NOT_FOUND',
      message: 'pipeline "absent" in namespace "default" not found',
    });
    await assert.rejects(store.deployConfig('default', 'demo', 7), {
      code: 'NOT_FOUND',
      message: 'config version 7 of pipeline "demo" in namespace "default" not found',
    });
    await store.close();
  });

  it('disables and enables a pipeline', async () => {
    const store = open();
    await store.registerConfig('default', config('demo'));
    assert.equal((await store.setPipelineState('default', 'demo', 'DISABLED')).state, 'DISABLED');
    assert.equal((await store.getPipeline('default', 'demo')).state, 'DISABLED');
    assert.equal((await store.setPipelineState('default', 'demo', 'ACTIVE')).state, 'ACTIVE');
    await store.close();
  });

  it('prunes beyond the newest N but keeps the live version and versions runs use', async () => {
    const store = open();
    for (let i = 0; i < 6; i++) await store.registerConfig('default', config('demo'));
    await store.deployConfig('default', 'demo', 2);
    await store.createRun(newRun('demo', ['build', 'test'], 3));

    assert.deepEqual(await store.pruneConfigs('default', 'demo', 2), [1, 4]);
    assert.deepEqual(
      (await store.listConfigs('default', 'demo')).map((c) => c.version),
      [6, 5, 3, 2],
    );
    assert.deepEqual(await store.pruneConfigs('default', 'demo', 2), []);
    await store.close();
  });

  it('never hands out a pruned version number again', async () => {
    const store = open();
    await livePipeline(store, 'demo');
    await store.registerConfig('default', config('demo'));
    assert.deepEqual(await store.pruneConfigs('default', 'demo', 0), [2]);

    const next = await store.registerConfig('default', config('demo'));
    assert.equal(next.version.version, 3);
    await store.close();
  });
});

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

describe('deleting', () => {
  it('deleting a pipeline removes its configs, runs and task runs but not other pipelines', async () => {
    const path = freshPath();
    const store = open(path);
    await livePipeline(store, 'gone');
    await livePipeline(store, 'kept');
    await store.createRun(newRun('gone'));
    await store.createRun(newRun('kept'));

    await store.deletePipeline('default', 'gone');
    await assert.rejects(store.getPipeline('default', 'gone'), { code: 'NOT_FOUND' });
    assert.deepEqual(
      [countRows(path, 'pipeline_configs'), countRows(path, 'runs'), countRows(path, 'task_runs')],
      [1, 1, 2],
    );
    await assert.rejects(store.deletePipeline('default', 'gone'), { code: 'NOT_FOUND' });
    await store.close();
  });

  it('deleting a namespace removes everything in it and leaves the event log', async () => {
    const path = freshPath();
    const store = open(path);
    await store.createNamespace({ id: 'team', name: '', description: '' });
    await store.registerConfig('team', config('demo'));
    await store.deployConfig('team', 'demo', 1);
    await store.createRun({ ...newRun('demo'), namespace: 'team' });
    await store.appendEvent({ type: 'RUN_QUEUED', namespace: 'team', pipeline: 'demo', run: 1 });

    await store.deleteNamespace('team');
    for (const table of ['pipelines', 'pipeline_configs', 'runs', 'task_runs']) {
      assert.equal(countRows(path, table), 0, table);
    }
    assert.equal(countRows(path, 'events'), 1);
    await store.close();
  });
});

describe('events', () => {
  it('appends events with growing ids and lists them forwards, backwards and after an id', async () => {
    const store = open();
    const appended = [];
    for (let i = 0; i < 5; i++) {
      appended.push(await store.appendEvent({ type: 'RUN_STARTED', run: i, details: { i } }));
    }
    assert.deepEqual(
      appended.map((e) => e.id),
      [1, 2, 3, 4, 5],
    );
    assert.deepEqual(await store.getEvent(3), appended[2]);
    assert.deepEqual(appended[0].details, { i: 0 });
    assert.equal(appended[0].task, '');

    const ids = async (opts: Parameters<StateStore['listEvents']>[0]) =>
      (await store.listEvents(opts)).map((e) => e.id);
    assert.deepEqual(await ids({}), [1, 2, 3, 4, 5]);
    assert.deepEqual(await ids({ afterId: 3 }), [4, 5]);
    assert.deepEqual(await ids({ reverse: true, limit: 2 }), [5, 4]);
    await assert.rejects(store.getEvent(99), { code: 'NOT_FOUND', message: 'event 99 not found' });
    await store.close();
  });

  it('clamps an event listing to 200', async () => {
    const store = open();
    for (let i = 0; i < 210; i++) await store.appendEvent({ type: 'RUN_QUEUED' });
    assert.equal((await store.listEvents({ limit: 1000 })).length, 200);
    assert.equal((await store.listEvents({ afterId: 200 })).length, 10);
    await store.close();
  });

  it('prunes events emitted before a time and never reuses their ids', async () => {
    const path = freshPath();
    const store = open(path);
    for (let i = 0; i < 4; i++) await store.appendEvent({ type: 'RUN_QUEUED' });
    const db = new Database(path);
    db.prepare('UPDATE events SET emitted = 1000 WHERE id <= 2').run();
    db.close();

    assert.equal(await store.pruneEvents(2000), 2);
    assert.deepEqual(
      (await store.listEvents({})).map((e) => e.id),
      [3, 4],
    );
    assert.equal(await store.pruneEvents(Date.now() + 60_000), 2);
    assert.equal((await store.appendEvent({ type: 'RUN_QUEUED' })).id, 5);
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
