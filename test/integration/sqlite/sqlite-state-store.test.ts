/**
 * The SQLite state store on real files in a temporary directory: opening and migrating,
 * namespaces, pipelines and configs, deletion and events.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import type { StateStore } from '../../../kernel/contracts/state-store.js';
import createSqliteStateStore from '../../../plugins/sqlite-state-store/index.js';
import { migrations } from '../../../plugins/sqlite-state-store/migrations/migrations.js';
import {
  config,
  context,
  countRows,
  freshPath,
  livePipeline,
  newRun,
  open,
  scratchRoot,
  useScratchDirectory,
} from './state-store-fixtures.js';

useScratchDirectory();

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
    const dataDir = join(scratchRoot(), `data-${Date.now()}`);
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
      () =>
        createSqliteStateStore(context(scratchRoot(), { path: freshPath(), busy_timeout: 'soon' })),
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
