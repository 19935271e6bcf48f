import { join } from 'node:path';
import { parseBusyTimeout } from '../sqlite-common/busy-timeout.js';

/** How the store opens its file; read from the `state_store.sqlite` config section. */
export interface SqliteOptions {
  path: string;
  /** How long a writer waits for another writer's lock before failing. */
  busyTimeoutMs: number;
}

/** Thrown for a config section the store cannot use; `code` matches the kernel's catalogue. */
export class SqliteConfigError extends Error {
  readonly code = 'INVALID_ARGUMENT';

  constructor(message: string) {
    super(message);
    this.name = 'SqliteConfigError';
  }
}

/**
 * Reads `path` (default `<dataDir>/gofer.db`) and `busy_timeout` (a duration string such as
 * "5s", or milliseconds as a number).
 */
export function readSqliteOptions(
  config: Readonly<Record<string, unknown>>,
  dataDir: string,
): SqliteOptions {
  const path = config.path;
  if (path !== undefined && typeof path !== 'string') {
    throw new SqliteConfigError(
      `state_store.sqlite.path must be a file path, got ${JSON.stringify(path)}; ` +
        `set it to e.g. "/var/lib/gofer/gofer.db" or leave it empty for the data directory`,
    );
  }

  return {
    path: path ? path : join(dataDir, 'gofer.db'),
    busyTimeoutMs: readBusyTimeout(config.busy_timeout),
  };
}

function readBusyTimeout(value: unknown): number {
  const ms = parseBusyTimeout(value);
  if (ms === undefined) {
    throw new SqliteConfigError(
      `state_store.sqlite.busy_timeout ${JSON.stringify(value)} is not a duration; ` +
        `use e.g. "5s" or "500ms"`,
    );
  }
  return ms;
}
