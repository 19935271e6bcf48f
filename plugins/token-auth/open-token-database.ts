import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { tokenMigrations } from './migrations/token-migrations.js';
import { TokenAuthError } from './token-auth-error.js';

/**
 * Opens (creating when missing) the token database in WAL mode and brings its schema up to date
 * in one IMMEDIATE transaction, so two processes opening a fresh file take turns.
 */
export function openTokenDatabase(path: string, busyTimeoutMs: number): Database.Database {
  mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path, { timeout: busyTimeoutMs });
  try {
    db.pragma(`busy_timeout = ${Math.floor(busyTimeoutMs)}`);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    migrate(db, path);
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

function migrate(db: Database.Database, path: string): void {
  const latest = tokenMigrations.at(-1)?.version ?? 0;
  const run = db.transaction(() => {
    db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied INTEGER NOT NULL) STRICT`);
    const row = db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as {
      v: number | null;
    };
    const current = row.v ?? 0;
    if (current > latest) {
      throw new TokenAuthError(
        'FAILED_PRECONDITION',
        `token database "${path}" has schema version ${current}, but this Gofer knows versions up to ${latest}`,
        `run a Gofer release that knows version ${current}, or point auth.token.path at another file`,
      );
    }
    const record = db.prepare(
      'INSERT INTO schema_migrations (version, name, applied) VALUES (?, ?, ?)',
    );
    for (const migration of tokenMigrations.filter((m) => m.version > current)) {
      db.exec(migration.sql);
      record.run(migration.version, migration.name, Date.now());
    }
  });
  run.immediate();
}
