import type Database from 'better-sqlite3';
import {
  SecretStoreError,
  type PutSecretOptions,
  type SecretInfo,
  type SecretKey,
  type SecretStore,
} from '../../kernel/contracts/secret-store.js';
import { SecretCipher, type SecretIdentity } from './secret-cipher.js';
import { openSqlite } from '../sqlite-common/open-sqlite.js';
import { SECRET_MIGRATIONS } from './secret-migrations.js';
import type { SecretStoreOptions } from './secret-store-options.js';

interface Row {
  key: string;
  nonce: Buffer;
  sealed: Buffer;
  namespaces: string;
  created: number;
}

/**
 * Secrets in their own SQLite file, each value sealed with AES-256-GCM before it reaches
 * SQLite, so neither the file nor its `-wal` ever holds a value in the clear. Writes run in
 * BEGIN IMMEDIATE transactions.
 */
export class SqliteSecretStore implements SecretStore {
  private readonly q;
  private readonly cipher: SecretCipher;

  private constructor(
    private readonly db: Database.Database,
    key: Buffer,
  ) {
    this.cipher = new SecretCipher(key);
    const id = 'scope = ? AND namespace = ? AND pipeline = ? AND key = ?';
    this.q = {
      get: db.prepare<SecretIdentity, Row>(
        `SELECT key, nonce, sealed, namespaces, created FROM secrets WHERE ${id}`,
      ),
      exists: db.prepare<SecretIdentity, { key: string }>(`SELECT key FROM secrets WHERE ${id}`),
      upsert: db.prepare<[...SecretIdentity, Buffer, Buffer, string, number]>(
        `INSERT INTO secrets (scope, namespace, pipeline, key, nonce, sealed, namespaces, created)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (scope, namespace, pipeline, key) DO UPDATE SET
           nonce = excluded.nonce, sealed = excluded.sealed, namespaces = excluded.namespaces,
           created = excluded.created`,
      ),
      list: db.prepare<[string, string, string], Omit<Row, 'nonce' | 'sealed'>>(
        `SELECT key, namespaces, created FROM secrets
         WHERE scope = ? AND namespace = ? AND pipeline = ? ORDER BY key`,
      ),
      delete: db.prepare<SecretIdentity>(`DELETE FROM secrets WHERE ${id}`),
      deleteNamespace: db.prepare<[string]>(
        "DELETE FROM secrets WHERE scope = 'pipeline' AND namespace = ?",
      ),
      deletePipeline: db.prepare<[string, string]>(
        "DELETE FROM secrets WHERE scope = 'pipeline' AND namespace = ? AND pipeline = ?",
      ),
    };
  }

  static open(options: SecretStoreOptions, key: Buffer): SqliteSecretStore {
    const db = openSqlite({
      path: options.path,
      busyTimeoutMs: options.busyTimeoutMs,
      migrations: SECRET_MIGRATIONS,
      // Deleted values are zeroed in the file rather than left in free pages.
      pragmas: ['secure_delete = ON'],
      what: 'secret database',
      setting: 'secret_store.sqlite.path',
    });
    return new SqliteSecretStore(db, key);
  }

  async put(key: SecretKey, value: Buffer, opts: PutSecretOptions = {}): Promise<SecretInfo> {
    const identity = identityOf(key);
    const namespaces = key.pipeline === undefined ? [...(opts.namespaces ?? [])] : [];
    const write = this.db.transaction((): SecretInfo => {
      if (!opts.force && this.q.exists.get(...identity)) {
        throw new SecretStoreError(
          'ALREADY_EXISTS',
          `secret "${key.key}" already exists in ${describe(key)}`,
          'put it again with --force to replace the value',
        );
      }
      const { nonce, sealed } = this.cipher.seal(identity, value);
      const created = Date.now();
      this.q.upsert.run(...identity, nonce, sealed, JSON.stringify(namespaces), created);
      return { key: key.key, created, namespaces };
    });
    return write.immediate();
  }

  async info(key: SecretKey): Promise<SecretInfo> {
    return toInfo(this.row(key));
  }

  async get(key: SecretKey): Promise<{ info: SecretInfo; value: Buffer }> {
    const row = this.row(key);
    try {
      return { info: toInfo(row), value: this.cipher.open(identityOf(key), row.nonce, row.sealed) };
    } catch {
      throw new SecretStoreError(
        'FAILED_PRECONDITION',
        `secret "${key.key}" in ${describe(key)} fails its integrity check: the stored value ` +
          'was changed, moved, or sealed with another encryption key',
        'check secret_store.sqlite.encryption_key is the key the secret was stored with, ' +
          'or put the secret again with --force',
      );
    }
  }

  async list(scope: { namespace?: string; pipeline?: string }): Promise<SecretInfo[]> {
    const [kind, namespace, pipeline] = identityOf({ ...scope, key: '' });
    return this.q.list.all(kind, namespace, pipeline).map(toInfo);
  }

  async delete(key: SecretKey): Promise<void> {
    const identity = identityOf(key);
    const gone = this.db.transaction(() => this.q.delete.run(...identity).changes).immediate();
    if (gone === 0) throw missing(key);
  }

  async deleteAll(prefix: { namespace: string; pipeline?: string }): Promise<number> {
    const { namespace, pipeline } = prefix;
    const remove = () =>
      pipeline === undefined
        ? this.q.deleteNamespace.run(namespace).changes
        : this.q.deletePipeline.run(namespace, pipeline).changes;
    return this.db.transaction(remove).immediate();
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  private row(key: SecretKey): Row {
    const row = this.q.get.get(...identityOf(key));
    if (!row) throw missing(key);
    return row;
  }
}

function identityOf(key: SecretKey): SecretIdentity {
  return key.pipeline === undefined
    ? ['global', '', '', key.key]
    : ['pipeline', key.namespace ?? '', key.pipeline, key.key];
}

function toInfo(row: Omit<Row, 'nonce' | 'sealed'>): SecretInfo {
  return { key: row.key, created: row.created, namespaces: JSON.parse(row.namespaces) as string[] };
}

function describe(key: SecretKey): string {
  return key.pipeline === undefined
    ? 'the global secrets'
    : `pipeline ${key.namespace}/${key.pipeline}`;
}

function missing(key: SecretKey): SecretStoreError {
  return new SecretStoreError(
    'NOT_FOUND',
    `secret "${key.key}" not found in ${describe(key)}`,
    key.pipeline === undefined
      ? 'list them with `gofer secret global list`'
      : 'list them with `gofer secret pipeline list`',
  );
}
