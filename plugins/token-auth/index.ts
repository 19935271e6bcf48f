import { join } from 'node:path';
import type { Auth } from '../../kernel/contracts/auth.js';
import type { PluginFactory } from '../../kernel/contracts/plugin.js';
import { parseDuration } from '../../sdk/config/duration.js';
import { openTokenDatabase } from './open-token-database.js';
import { TokenAuth } from './token-auth.js';
import { TokenAuthError } from './token-auth-error.js';
import { TokenStore } from './token-store.js';

const DEFAULT_BUSY_TIMEOUT_MS = 5000;

/** Opens `auth.token.path`, or `tokens.db` in the plugin's data directory. */
const createTokenAuth: PluginFactory<Auth> = (ctx) => {
  const path = readPath(ctx.config.path) ?? join(ctx.dataDir, 'tokens.db');
  const db = openTokenDatabase(path, readBusyTimeout(ctx.config.busy_timeout));
  ctx.logger.info({ path }, 'token database opened');
  return new TokenAuth(new TokenStore(db));
};

function readPath(value: unknown): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') {
    throw new TokenAuthError(
      'INVALID_ARGUMENT',
      `auth.token.path must be a file path, got ${JSON.stringify(value)}`,
      'set it to e.g. "/var/lib/gofer/tokens.db" or leave it empty for the data directory',
    );
  }
  return value;
}

function readBusyTimeout(value: unknown): number {
  if (value === undefined || value === '') return DEFAULT_BUSY_TIMEOUT_MS;
  const ms = typeof value === 'string' ? parseDuration(value) : undefined;
  if (ms === undefined) {
    throw new TokenAuthError(
      'INVALID_ARGUMENT',
      `auth.token.busy_timeout ${JSON.stringify(value)} is not a duration`,
      'use e.g. "5s" or "500ms"',
    );
  }
  return ms;
}

export default createTokenAuth;
