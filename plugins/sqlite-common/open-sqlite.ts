/**
 * Opening and migrating the SQLite files of the built-in plugins (state, object and secret
 * stores, token auth), one way for all of them.
 *
 * The busy timeout is set before anything else, because switching to WAL and migrating both
 * take locks that another process may hold. WAL lets readers run beside the one writer;
 * `synchronous=NORMAL` is safe under WAL (a power cut may lose the last commits, never corrupt
 * the file) and saves an fsync per write.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

/** One schema step. Versions run 1, 2, 3...; a released step never changes. */
export interface SqliteMigration {
  version: number;
  name: string;
  sql: string;
}

export interface OpenSqliteOptions {
  path: string;
  busyTimeoutMs: number;
  migrations: readonly SqliteMigration[];
  /** Pragmas beyond the common ones, e.g. `foreign_keys = ON`. */
  pragmas?: readonly string[];
  /** How errors name the file and the setting that moves it: `token database`, `auth.token.path`. */
  what: string;
  setting: string;
}

/** Opens (creating when missing) the database and brings its schema up to date. */
export function openSqlite(opts: OpenSqliteOptions): Database.Database {
  mkdirSync(dirname(opts.path), { recursive: true });
  const db = new Database(opts.path, { timeout: opts.busyTimeoutMs });
  try {
    db.pragma(`busy_timeout = ${Math.floor(opts.busyTimeoutMs)}`);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    for (const pragma of opts.pragmas ?? []) db.pragma(pragma);
    migrateSqlite(db, opts);
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

const BOOKKEEPING = `
CREATE TABLE IF NOT EXISTS schema_migrations (
  version INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  applied INTEGER NOT NULL
) STRICT;
`;

/**
 * Applies the steps the database lacks, or refuses a database whose schema is newer than this
 * code (FAILED_PRECONDITION). Returns the versions applied. Everything happens in one IMMEDIATE
 * transaction, so two processes opening a fresh file at once take turns: the second sees the
 * first one's work and applies nothing.
 */
export function migrateSqlite(
  db: Database.Database,
  opts: Pick<OpenSqliteOptions, 'path' | 'migrations' | 'what' | 'setting'>,
): number[] {
  checkConsecutive(opts.migrations);
  const latest = opts.migrations.at(-1)?.version ?? 0;

  const run = db.transaction(() => {
    db.exec(BOOKKEEPING);
    const row = db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as {
      v: number | null;
    };
    const current = row.v ?? 0;
    if (current > latest) throw newerSchema(opts, current, latest);

    const record = db.prepare(
      'INSERT INTO schema_migrations (version, name, applied) VALUES (?, ?, ?)',
    );
    const applied: number[] = [];
    for (const migration of opts.migrations.filter((m) => m.version > current)) {
      db.exec(migration.sql);
      record.run(migration.version, migration.name, Date.now());
      applied.push(migration.version);
    }
    return applied;
  });
  return run.immediate();
}

function newerSchema(
  opts: Pick<OpenSqliteOptions, 'path' | 'what' | 'setting'>,
  current: number,
  latest: number,
): Error {
  return Object.assign(
    new Error(
      `${opts.what} "${opts.path}" has schema version ${current}, but this Gofer knows versions ` +
        `up to ${latest}`,
    ),
    {
      code: 'FAILED_PRECONDITION',
      fix: `run a Gofer release that knows version ${current}, or point ${opts.setting} at another file`,
    },
  );
}

// A gap or a duplicate in the list is a packaging mistake that would skip or repeat a step.
function checkConsecutive(known: readonly SqliteMigration[]): void {
  known.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new Error(
        `migration "${migration.name}" has version ${migration.version}, expected ${index + 1}`,
      );
    }
  });
}
