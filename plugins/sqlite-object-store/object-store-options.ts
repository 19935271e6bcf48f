import { join } from 'node:path';
import { parseBusyTimeout } from '../sqlite-common/busy-timeout.js';

/** How the store opens its file; read from the `object_store.sqlite` config section. */
export interface ObjectStoreOptions {
  path: string;
  busyTimeoutMs: number;
}

/** Thrown for a config section the store cannot use; `code` matches the kernel's catalogue. */
export class ObjectStoreConfigError extends Error {
  readonly code = 'INVALID_ARGUMENT';

  constructor(
    message: string,
    readonly fix: string,
  ) {
    super(message);
    this.name = 'ObjectStoreConfigError';
  }
}

export function readObjectStoreOptions(
  config: Readonly<Record<string, unknown>>,
  dataDir: string,
): ObjectStoreOptions {
  const { path, busy_timeout: busy } = config;
  if (path !== undefined && typeof path !== 'string') {
    throw new ObjectStoreConfigError(
      `object_store.sqlite.path must be a file path, got ${JSON.stringify(path)}`,
      'set it to e.g. "/var/lib/gofer/objects.db" or leave it empty for the data directory',
    );
  }
  const busyTimeoutMs = parseBusyTimeout(busy);
  if (busyTimeoutMs === undefined) {
    throw new ObjectStoreConfigError(
      `object_store.sqlite.busy_timeout ${JSON.stringify(busy)} is not a duration`,
      'use e.g. "5s" or "500ms"',
    );
  }
  return { path: path ? path : join(dataDir, 'objects.db'), busyTimeoutMs };
}
