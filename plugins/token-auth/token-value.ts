import { createHash, randomBytes } from 'node:crypto';

/** Every plain token starts with this, so a leaked one is easy to recognise and search for. */
export const TOKEN_PREFIX = 'gofer_';

/** A fresh plain token: the prefix and 32 random bytes in base64url. */
export function newTokenValue(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

/**
 * What the database keeps instead of the token. A plain SHA-256 suffices: the input carries 256
 * random bits, so there is nothing for a slow hash to protect against guessing.
 */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A short id to manage a token by; it says nothing about the secret. */
export function newTokenId(): string {
  return `tok_${randomBytes(8).toString('hex')}`;
}
