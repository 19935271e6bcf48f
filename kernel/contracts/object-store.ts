/**
 * The object store contract: byte values that tasks and users hand to later tasks. Pipeline
 * objects live across runs under a per-pipeline limit; run objects belong to one run. The
 * embedded default is SQLite (`plugins/sqlite-object-store`).
 *
 * Keys are tuples, never joined strings, so that distinct (namespace, pipeline, run, key)
 * tuples can never collide however their parts are spelled. Errors carry a `code`
 * (`NOT_FOUND`, `ALREADY_EXISTS`, `INVALID_ARGUMENT`) via `ObjectStoreError`.
 */
export const OBJECT_STORE = Symbol.for('gofer.contract.ObjectStore');

export type ObjectStoreErrorCode = 'NOT_FOUND' | 'ALREADY_EXISTS' | 'INVALID_ARGUMENT';

export class ObjectStoreError extends Error {
  constructor(
    readonly code: ObjectStoreErrorCode,
    message: string,
    readonly fix?: string,
  ) {
    super(message);
    this.name = 'ObjectStoreError';
  }
}

/** Where an object lives: `run` absent for a pipeline object, set for a run object. */
export interface ObjectScope {
  namespace: string;
  pipeline: string;
  run?: number;
}

export interface ObjectKey extends ObjectScope {
  key: string;
}

export interface ObjectInfo {
  key: string;
  /** Epoch ms of the put that wrote the current value. */
  created: number;
  /** Bytes in the value. */
  size: number;
}

export interface PutObjectOptions {
  /** Replace an existing value instead of refusing with ALREADY_EXISTS. */
  force?: boolean;
  /**
   * Most keys the scope may hold after this put. When a new key would go past it, the oldest
   * keys (by created time) are deleted in the same write. Absent means no limit.
   */
  limit?: number;
}

export interface PutObjectResult {
  info: ObjectInfo;
  /** Keys deleted to stay within `limit`, oldest first. */
  evicted: string[];
}

export interface ObjectStore {
  /**
   * Writes the value atomically with any eviction. Without `force`, an existing key is
   * ALREADY_EXISTS naming the key; concurrent puts never fail for being concurrent.
   */
  put(key: ObjectKey, value: Buffer, opts?: PutObjectOptions): Promise<PutObjectResult>;
  /** NOT_FOUND naming the key when missing. */
  get(key: ObjectKey): Promise<{ info: ObjectInfo; value: Buffer }>;
  /** Keys of exactly this scope (a pipeline's own objects exclude its runs'), oldest first. */
  list(scope: ObjectScope): Promise<ObjectInfo[]>;
  /** NOT_FOUND naming the key when missing. */
  delete(key: ObjectKey): Promise<void>;
  /**
   * Deletes everything under the given prefix: a whole namespace, a pipeline with its runs'
   * objects, or one run's objects. Returns how many objects went.
   */
  deleteAll(prefix: { namespace: string; pipeline?: string; run?: number }): Promise<number>;
  close(): Promise<void>;
}
