import type Database from 'better-sqlite3';
import { openSqlite } from '../sqlite-common/open-sqlite.js';
import { migrations } from './migrations/migrations.js';
import type { SqliteOptions } from './sqlite-options.js';

/** Opens (creating when missing) the state database and brings its schema up to date. */
export function openDatabase(options: SqliteOptions): Database.Database {
  return openSqlite({
    path: options.path,
    busyTimeoutMs: options.busyTimeoutMs,
    migrations,
    pragmas: ['foreign_keys = ON'],
    what: 'state database',
    setting: 'state_store.sqlite.path',
  });
}
