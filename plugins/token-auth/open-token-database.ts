import type Database from 'better-sqlite3';
import { openSqlite } from '../sqlite-common/open-sqlite.js';
import { tokenMigrations } from './migrations/token-migrations.js';

/** Opens (creating when missing) the token database and brings its schema up to date. */
export function openTokenDatabase(path: string, busyTimeoutMs: number): Database.Database {
  return openSqlite({
    path,
    busyTimeoutMs,
    migrations: tokenMigrations,
    what: 'token database',
    setting: 'auth.token.path',
  });
}
