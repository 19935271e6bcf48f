import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PluginContext } from '../../kernel/contracts/plugin.js';
import { SecretStoreConfigError } from './secret-store-options.js';

const KEY_BYTES = 32;
const HOW_TO_SET =
  'set secret_store.sqlite.encryption_key to 32 random bytes, e.g. ' +
  '`export GOFER_SECRET_STORE__SQLITE__ENCRYPTION_KEY=$(openssl rand -hex 32)`, and keep it: ' +
  'secrets stored under one key cannot be read with another';
/** The file dev mode generates a key into when none is configured. */
export const DEV_KEY_FILE = 'dev-encryption.key';

/**
 * Reads the AES-256 key: 64 hex characters or base64 of 32 bytes. Outside dev mode a missing,
 * short or well-known key stops the plugin, because secrets encrypted under a guessable key are
 * plain text with extra steps. In dev mode a missing key is generated once into the plugin's
 * data directory and reused, with a loud warning.
 */
export function readEncryptionKey(
  raw: unknown,
  ctx: Pick<PluginContext, 'dataDir' | 'devMode' | 'logger'>,
): Buffer {
  if (raw !== undefined && typeof raw !== 'string') {
    throw refused(`secret_store.sqlite.encryption_key must be a string, got ${typeof raw}`);
  }
  const text = (raw ?? '').trim();
  if (text === '') {
    if (!ctx.devMode) throw refused('secret_store.sqlite.encryption_key is not set');
    return devKey(ctx);
  }
  const key = decode(text);
  if (!key) {
    throw refused(
      `secret_store.sqlite.encryption_key is not 32 bytes as 64 hex characters or base64 ` +
        `(got ${text.length} characters)`,
    );
  }
  if (isKnownDefault(key)) {
    throw refused('secret_store.sqlite.encryption_key is a well-known placeholder value');
  }
  return key;
}

function decode(text: string): Buffer | undefined {
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, 'hex');
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64');
  return bytes.length === KEY_BYTES ? bytes : undefined;
}

// Keys people type instead of generating: one byte repeated, counting bytes, ASCII filler.
function isKnownDefault(key: Buffer): boolean {
  const same = key.every((b) => b === key[0]);
  const counting = key.every((b, i) => b === (key[0] + i) % 256);
  const ascii = key.toString('latin1');
  const filler = /^(changeme|secret|password|gofer|default|0123456789|abcdef)+/i.test(ascii);
  return same || counting || filler;
}

function devKey(ctx: Pick<PluginContext, 'dataDir' | 'logger'>): Buffer {
  const file = join(ctx.dataDir, DEV_KEY_FILE);
  if (existsSync(file)) {
    const key = decode(readFileSync(file, 'utf8').trim());
    if (key) {
      ctx.logger.warn(
        { file },
        `DEV MODE: secrets are encrypted with a generated key kept beside them in ${file}; ${HOW_TO_SET}`,
      );
      return key;
    }
  }
  const key = randomBytes(KEY_BYTES);
  writeFileSync(file, key.toString('hex') + '\n', { mode: 0o600 });
  ctx.logger.warn(
    { file },
    `DEV MODE: no secret_store.sqlite.encryption_key; generated one into ${file}. ` +
      `Anyone who can read the data directory can read the secrets. Outside dev mode, ${HOW_TO_SET}`,
  );
  return key;
}

function refused(message: string): SecretStoreConfigError {
  return new SecretStoreConfigError('FAILED_PRECONDITION', message, HOW_TO_SET);
}
