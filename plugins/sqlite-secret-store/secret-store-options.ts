import { join } from 'node:path';
import { parseDuration } from '../../sdk/config/duration.js';
import { numberSetting } from '../../sdk/config/setting-values.js';

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
  let busyTimeoutMs = 5000;
  const busyNumber = numberSetting(busy);
  if (busyNumber !== undefined && Number.isInteger(busyNumber) && busyNumber >= 0) {
    busyTimeoutMs = busyNumber;
  } else if (busy !== undefined && busy !== '') {
    const ms = typeof busy === 'string' ? parseDuration(busy) : undefined;
    if (ms === undefined) {
      throw new SecretStoreConfigError(
        'INVALID_ARGUMENT',
        `secret_store.sqlite.busy_timeout ${JSON.stringify(busy)} is not a duration`,
        'use e.g. "5s" or "500ms"',
      );
    }
    busyTimeoutMs = ms;
  }
  return { path: path ? path : join(dataDir, 'secrets.db'), busyTimeoutMs };
}
