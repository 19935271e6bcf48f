import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/** Where a value belongs; bound into each ciphertext so a value moved elsewhere fails. */
export type SecretIdentity = [scope: string, namespace: string, pipeline: string, key: string];

/**
 * AES-256-GCM with a fresh random 12-byte nonce per value. The row's identity goes in as
 * additional data, so a ciphertext copied onto another key (or another pipeline) fails its tag
 * check instead of decrypting there.
 */
export class SecretCipher {
  constructor(private readonly key: Buffer) {}

  seal(identity: SecretIdentity, value: Buffer): { nonce: Buffer; sealed: Buffer } {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, nonce);
    cipher.setAAD(additionalData(identity));
    const body = Buffer.concat([cipher.update(value), cipher.final()]);
    return { nonce, sealed: Buffer.concat([body, cipher.getAuthTag()]) };
  }

  /** Throws when the tag does not match: changed bytes, another key, or another identity. */
  open(identity: SecretIdentity, nonce: Buffer, sealed: Buffer): Buffer {
    if (nonce.length !== NONCE_BYTES || sealed.length < TAG_BYTES) {
      throw new Error('stored value is truncated');
    }
    const decipher = createDecipheriv('aes-256-gcm', this.key, nonce);
    decipher.setAAD(additionalData(identity));
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    return Buffer.concat([
      decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)),
      decipher.final(),
    ]);
  }
}

// JSON keeps the parts apart whatever characters they hold.
function additionalData(identity: SecretIdentity): Buffer {
  return Buffer.from(JSON.stringify(['gofer.secret.v1', ...identity]), 'utf8');
}
