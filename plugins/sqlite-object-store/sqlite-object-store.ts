import type Database from 'better-sqlite3';
import {
  ObjectStoreError,
  type ObjectInfo,
  type ObjectKey,
  type ObjectScope,
  type ObjectStore,
  type PutObjectOptions,
  type PutObjectResult,
} from '../../kernel/contracts/object-store.js';
import { openSqlite } from '../sqlite-common/open-sqlite.js';
import { OBJECT_MIGRATIONS } from './object-migrations.js';
import type { ObjectStoreOptions } from './object-store-options.js';

type Tuple = [namespace: string, pipeline: string, run: number];

interface QueuedPut {
  key: ObjectKey;
  value: Buffer;
  opts: PutObjectOptions;
  resolve: (result: PutObjectResult) => void;
  reject: (err: unknown) => void;
}

type PutOutcome = { ok: true; result: PutObjectResult } | { ok: false; err: unknown };
interface InfoRow {
  key: string;
  created: number;
  size: number;
}

/**
 * Objects in their own SQLite file, apart from the state database so that large values never
 * slow the kernel's bookkeeping. Writes run in BEGIN IMMEDIATE transactions: a put checks,
 * evicts and inserts under one write lock, so concurrent puts to one pipeline hold the limit
 * exactly and never fail for being concurrent.
 *
 * Puts are committed in groups: the puts that arrive within one turn of the event loop share
 * one transaction, each in its own savepoint, so one refused put leaves the others standing and
 * the commit's cost is paid once per group. A put answers only after its group has committed.
 */
export class SqliteObjectStore implements ObjectStore {
  private readonly q;
  /** Made once: building a transaction wrapper per put costs more than the put's own checks. */
  private readonly putInSavepoint: Database.Transaction<
    (key: ObjectKey, value: Buffer, opts: PutObjectOptions) => PutObjectResult
  >;
  private readonly putGroup: Database.Transaction<(group: QueuedPut[]) => PutOutcome[]>;
  /** Puts waiting for the next group; the first of a group schedules its commit. */
  private queued: QueuedPut[] = [];

  private constructor(private readonly db: Database.Database) {
    const scope = 'namespace = ? AND pipeline = ? AND run = ?';
    this.q = {
      exists: db.prepare<[...Tuple, string], { seq: number }>(
        `SELECT seq FROM objects WHERE ${scope} AND key = ?`,
      ),
      nextSeq: db.prepare<Tuple, { next: number }>(
        `SELECT COALESCE((SELECT seq FROM objects WHERE ${scope} ORDER BY seq DESC LIMIT 1), 0) + 1
           AS next`,
      ),
      count: db.prepare<Tuple, { n: number }>(
        `SELECT COALESCE((SELECT n FROM object_counts WHERE ${scope}), 0) AS n`,
      ),
      oldest: db.prepare<[...Tuple, number], { key: string }>(
        `SELECT key FROM objects WHERE ${scope} ORDER BY seq LIMIT ?`,
      ),
      upsert: db.prepare<[...Tuple, string, Buffer, number, number, number]>(
        `INSERT INTO objects (namespace, pipeline, run, key, value, size, created, seq)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (namespace, pipeline, run, key) DO UPDATE SET
           value = excluded.value, size = excluded.size, created = excluded.created,
           seq = excluded.seq`,
      ),
      get: db.prepare<[...Tuple, string], InfoRow & { value: Buffer }>(
        `SELECT key, created, size, value FROM objects WHERE ${scope} AND key = ?`,
      ),
      list: db.prepare<Tuple, InfoRow>(
        `SELECT key, created, size FROM objects WHERE ${scope} ORDER BY seq`,
      ),
      delete: db.prepare<[...Tuple, string]>(`DELETE FROM objects WHERE ${scope} AND key = ?`),
      deleteNamespace: db.prepare<[string]>('DELETE FROM objects WHERE namespace = ?'),
      deletePipeline: db.prepare<[string, string]>(
        'DELETE FROM objects WHERE namespace = ? AND pipeline = ?',
      ),
      deleteRun: db.prepare<Tuple>(`DELETE FROM objects WHERE ${scope}`),
    };
    // Called inside `putGroup`, a transaction function runs in a savepoint of its own.
    this.putInSavepoint = db.transaction((key: ObjectKey, value: Buffer, opts: PutObjectOptions) =>
      this.putRows(key, value, opts),
    );
    this.putGroup = db.transaction((group: QueuedPut[]) =>
      group.map((put): PutOutcome => {
        try {
          return { ok: true, result: this.putInSavepoint(put.key, put.value, put.opts) };
        } catch (err) {
          return { ok: false, err };
        }
      }),
    );
  }

  static open(options: ObjectStoreOptions): SqliteObjectStore {
    const db = openSqlite({
      path: options.path,
      busyTimeoutMs: options.busyTimeoutMs,
      migrations: OBJECT_MIGRATIONS,
      what: 'object database',
      setting: 'object_store.sqlite.path',
    });
    return new SqliteObjectStore(db);
  }

  put(key: ObjectKey, value: Buffer, opts: PutObjectOptions = {}): Promise<PutObjectResult> {
    return new Promise((resolve, reject) => {
      if (this.queued.push({ key, value, opts, resolve, reject }) === 1) {
        setImmediate(() => this.flushPuts());
      }
    });
  }

  private flushPuts(): void {
    const group = this.queued;
    // Already committed by close, which does not wait for the turn.
    if (group.length === 0) return;
    this.queued = [];
    let outcomes: PutOutcome[];
    try {
      outcomes = this.putGroup.immediate(group);
    } catch (err) {
      // The group's transaction itself failed (busy past the timeout, disk full): none was kept.
      for (const put of group) put.reject(err);
      return;
    }
    group.forEach((put, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) put.resolve(outcome.result);
      else put.reject(outcome.err);
    });
  }

  private putRows(key: ObjectKey, value: Buffer, opts: PutObjectOptions): PutObjectResult {
    const t = tuple(key);
    const existing = this.q.exists.get(...t, key.key);
    if (existing && !opts.force) {
      throw new ObjectStoreError(
        'ALREADY_EXISTS',
        `object "${key.key}" already exists in ${describe(key)}`,
        'put it again with --force to replace the value',
      );
    }
    let evicted: string[] = [];
    if (!existing && opts.limit !== undefined) {
      const over = this.q.count.get(...t)!.n + 1 - Math.max(opts.limit, 1);
      if (over > 0) {
        evicted = this.q.oldest.all(...t, over).map((r) => r.key);
        for (const old of evicted) this.q.delete.run(...t, old);
      }
    }
    const created = Date.now();
    this.q.upsert.run(...t, key.key, value, value.length, created, this.q.nextSeq.get(...t)!.next);
    return { info: { key: key.key, created, size: value.length }, evicted };
  }

  async get(key: ObjectKey): Promise<{ info: ObjectInfo; value: Buffer }> {
    const row = this.q.get.get(...tuple(key), key.key);
    if (!row) throw missing(key);
    return { info: { key: row.key, created: row.created, size: row.size }, value: row.value };
  }

  async list(scope: ObjectScope): Promise<ObjectInfo[]> {
    return this.q.list.all(...tuple(scope));
  }

  async delete(key: ObjectKey): Promise<void> {
    const gone = this.db
      .transaction(() => this.q.delete.run(...tuple(key), key.key).changes)
      .immediate();
    if (gone === 0) throw missing(key);
  }

  async deleteAll(prefix: { namespace: string; pipeline?: string; run?: number }): Promise<number> {
    const { namespace, pipeline, run } = prefix;
    const remove = () => {
      if (pipeline === undefined) return this.q.deleteNamespace.run(namespace).changes;
      if (run === undefined) return this.q.deletePipeline.run(namespace, pipeline).changes;
      return this.q.deleteRun.run(namespace, pipeline, run).changes;
    };
    return this.db.transaction(remove).immediate();
  }

  async close(): Promise<void> {
    if (this.queued.length > 0) this.flushPuts();
    if (this.db.open) this.db.close();
  }
}

function tuple(scope: ObjectScope): Tuple {
  return [scope.namespace, scope.pipeline, scope.run ?? 0];
}

function describe(scope: ObjectScope): string {
  const where = `pipeline ${scope.namespace}/${scope.pipeline}`;
  return scope.run === undefined ? where : `run ${scope.run} of ${where}`;
}

function missing(key: ObjectKey): ObjectStoreError {
  return new ObjectStoreError(
    'NOT_FOUND',
    `object "${key.key}" not found in ${describe(key)}`,
    'list the keys with `gofer pipeline store list` or `gofer run store list`',
  );
}
