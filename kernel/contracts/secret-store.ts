/**
 * The secret store contract: values pipelines use that must never sit in plain text on disk.
 * Pipeline secrets belong to one pipeline; global secrets belong to the installation and carry
 * the namespaces allowed to use them. The embedded default is SQLite with AES-256-GCM
 * (`plugins/sqlite-secret-store`).
 *
 * Errors carry a `code` (`NOT_FOUND`, `ALREADY_EXISTS`, `INVALID_ARGUMENT`,
 * `FAILED_PRECONDITION` for a value that fails its integrity check) via `SecretStoreError`.
 */
export const SECRET_STORE = Symbol.for('gofer.contract.SecretStore');

export type SecretStoreErrorCode =
  'NOT_FOUND' | 'ALREADY_EXISTS' | 'INVALID_ARGUMENT' | 'FAILED_PRECONDITION';

export class SecretStoreError extends Error {
  constructor(
    readonly code: SecretStoreErrorCode,
    message: string,
    readonly fix?: string,
  ) {
    super(message);
    this.name = 'SecretStoreError';
  }
}

/** `pipeline` absent means a global secret. */
export interface SecretKey {
  namespace?: string;
  pipeline?: string;
  key: string;
}

export interface SecretInfo {
  key: string;
  /** Epoch ms of the put that wrote the current value. */
  created: number;
  /** For global secrets: exact namespace names or whole-name globs; empty for pipeline ones. */
  namespaces: string[];
}

export interface PutSecretOptions {
  force?: boolean;
  /** Global secrets only: who may use it. */
  namespaces?: string[];
}

export interface SecretStore {
  /** Without `force`, an existing key is ALREADY_EXISTS naming the key. */
  put(key: SecretKey, value: Buffer, opts?: PutSecretOptions): Promise<SecretInfo>;
  /** Metadata only; NOT_FOUND naming the key. */
  info(key: SecretKey): Promise<SecretInfo>;
  /**
   * Metadata and the decrypted value; NOT_FOUND naming the key, FAILED_PRECONDITION when the
   * stored value fails its integrity check (changed on disk, or moved to another key).
   */
  get(key: SecretKey): Promise<{ info: SecretInfo; value: Buffer }>;
  /** Metadata of a pipeline's secrets (`{namespace, pipeline}`) or of the global ones (`{}`). */
  list(scope: { namespace?: string; pipeline?: string }): Promise<SecretInfo[]>;
  delete(key: SecretKey): Promise<void>;
  /** Deletes a namespace's or a pipeline's secrets; returns how many went. */
  deleteAll(prefix: { namespace: string; pipeline?: string }): Promise<number>;
  close(): Promise<void>;
}
