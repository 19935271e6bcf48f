import { join } from 'node:path';
import { parseBusyTimeout } from '../sqlite-common/busy-timeout.js';

/** How the store opens its file; read from the `secret_store.sqlite` config section. */
export interface SecretStoreOptions {
  path: string;
  busyTimeoutMs: number;
}

/** Thrown for a config section the store cannot use; `code` matches the kernel's catalogue. */
export class SecretStoreConfigError extends Error {
  constructor(
    readonly code: 'INVALID_ARGUMENT' | 'FAILED_PRECONDITION',
    message: string,
    readonly fix: string,
  ) {
    super(`${message} (fix: ${fix})`);
    this.name = 'SecretStoreConfigError';
  }
}

export function readSecretStoreOptions(
  config: Readonly<Record<string, unknown>>,
  dataDir: string,
): SecretStoreOptions {
  const { path, busy_timeout: busy } = config;
  if (path !== undefined && typeof path !== 'string') {
    throw new SecretStoreConfigError(
      'INVALID_ARGUMENT',
      `secret_store.sqlite.path must be a file path, got ${JSON.stringify(path)}`,
      'set it to e.g. "/var/lib/gofer/secrets.db" or leave it empty for the data directory',
    );
  }
  const busyTimeoutMs = parseBusyTimeout(busy);
  if (busyTimeoutMs === undefined) {
    throw new SecretStoreConfigError(
      'INVALID_ARGUMENT',
      `secret_store.sqlite.busy_timeout ${JSON.stringify(busy)} is not a duration`,
      'use e.g. "5s" or "500ms"',
    );
  }
  return { path: path ? path : join(dataDir, 'secrets.db'), busyTimeoutMs };
}
