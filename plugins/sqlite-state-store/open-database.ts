import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { migrate } from './migrator.js';
import { migrations } from './migrations/migrations.js';
import type { SqliteOptions } from './sqlite-options.js';

/**
 * Opens (creating when missing) the state database and brings its schema up to date.
 *
 * The busy timeout is set before anything else, because switching to WAL and migrating both
 * take locks that another process may hold. WAL lets readers run beside the one writer;
 * `synchronous=NORMAL` is safe under WAL (a power cut may lose the last commits, never corrupt
 * the file) and saves an fsync per write.
 */
export function openDatabase(options: SqliteOptions): Database.Database {
  mkdirSync(dirname(options.path), { recursive: true });
  const db = new Database(options.path, { timeout: options.busyTimeoutMs });

  try {
    db.pragma(`busy_timeout = ${Math.floor(options.busyTimeoutMs)}`);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    migrate(db, migrations, options.path);
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}
