import type Database from 'better-sqlite3';
import type { CreatedToken, NewToken, TokenInfo, TokenKind } from '../../kernel/contracts/auth.js';
import { checkGrants } from './namespace-grants.js';
import { TokenAuthError } from './token-auth-error.js';
import { hashToken, newTokenId, newTokenValue } from './token-value.js';

interface TokenRow {
  id: string;
  name: string;
  kind: TokenKind;
  namespaces: string;
  metadata: string;
  created: number;
  expires: number;
  disabled: number;
  bootstrap: number;
}

const KINDS: readonly TokenKind[] = ['management', 'client', 'extension'];
const MAX_NAME_LENGTH = 200;
const SELECT = `SELECT t.id, t.name, t.kind, t.namespaces, t.metadata, t.created, t.expires,
  t.disabled, (b.token_id IS NOT NULL) AS bootstrap
  FROM tokens t LEFT JOIN bootstrap b ON b.token_id = t.id`;

/**
 * The tokens table. Every write runs in a BEGIN IMMEDIATE transaction: it takes the write lock
 * first, so concurrent writers (other connections, other processes) wait on the busy timeout
 * instead of failing, and the bootstrap check and insert cannot interleave with another's.
 */
export class TokenStore {
  private readonly byId;
  private readonly byHash;
  private readonly all;
  private readonly insert;
  private readonly setDisabled;
  private readonly remove;
  private readonly bootstrapped;
  private readonly recordBootstrap;

  constructor(private readonly db: Database.Database) {
    this.byId = db.prepare<[string], TokenRow>(`${SELECT} WHERE t.id = ?`);
    this.byHash = db.prepare<[string], TokenRow>(`${SELECT} WHERE t.hash = ?`);
    this.all = db.prepare<[], TokenRow>(`${SELECT} ORDER BY t.created, t.id`);
    this.insert = db.prepare(
      `INSERT INTO tokens (id, hash, name, kind, namespaces, metadata, created, expires, disabled)
       VALUES (@id, @hash, @name, @kind, @namespaces, @metadata, @created, @expires, 0)`,
    );
    this.setDisabled = db.prepare<[number, string]>('UPDATE tokens SET disabled = ? WHERE id = ?');
    this.remove = db.prepare<[string]>('DELETE FROM tokens WHERE id = ?');
    this.bootstrapped = db.prepare<[], { token_id: string }>('SELECT token_id FROM bootstrap');
    this.recordBootstrap = db.prepare<[string, number]>(
      'INSERT INTO bootstrap (singleton, token_id, created) VALUES (1, ?, ?)',
    );
  }

  create(token: NewToken): CreatedToken {
    const fields = checkNewToken(token);
    return this.db.transaction(() => this.insertToken(fields)).immediate();
  }

  /** The check and both inserts share one transaction: a second caller sees the first's row. */
  bootstrap(): CreatedToken {
    const run = this.db.transaction(() => {
      if (this.bootstrapped.get()) {
        throw new TokenAuthError(
          'ALREADY_EXISTS',
          'this installation has already been bootstrapped',
          'ask the holder of a management token for a token (`gofer token create`)',
        );
      }
      const created = this.insertToken({
        name: 'bootstrap',
        kind: 'management',
        namespaces: [],
        metadata: {},
        expires: 0,
      });
      this.recordBootstrap.run(created.info.id, created.info.created);
      return { ...created, info: { ...created.info, bootstrap: true } };
    });
    return run.immediate();
  }

  list(): TokenInfo[] {
    return this.all.all().map(toInfo);
  }

  get(id: string): TokenInfo {
    const row = this.byId.get(id);
    if (!row) throw notFound(id);
    return toInfo(row);
  }

  /** The record of a plain token value, or undefined when no token hashes to it. */
  findByValue(token: string): TokenInfo | undefined {
    const row = this.byHash.get(hashToken(token));
    return row ? toInfo(row) : undefined;
  }

  setEnabled(id: string, enabled: boolean): TokenInfo {
    const run = this.db.transaction(() => {
      if (this.setDisabled.run(enabled ? 0 : 1, id).changes === 0) throw notFound(id);
      return toInfo(this.byId.get(id)!);
    });
    return run.immediate();
  }

  delete(id: string): void {
    const run = this.db.transaction(() => {
      if (this.remove.run(id).changes === 0) throw notFound(id);
    });
    run.immediate();
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  private insertToken(fields: Required<NewToken>): CreatedToken {
    const token = newTokenValue();
    const info: TokenInfo = {
      id: newTokenId(),
      name: fields.name,
      kind: fields.kind,
      namespaces: fields.namespaces,
      metadata: fields.metadata,
      created: Date.now(),
      expires: fields.expires,
      disabled: false,
      bootstrap: false,
    };
    this.insert.run({
      ...info,
      hash: hashToken(token),
      namespaces: JSON.stringify(info.namespaces),
      metadata: JSON.stringify(info.metadata),
    });
    return { token, info };
  }
}

function checkNewToken(token: NewToken): Required<NewToken> {
  const name = typeof token.name === 'string' ? token.name.trim() : '';
  if (name === '' || name.length > MAX_NAME_LENGTH) {
    throw invalid(
      `token name ${JSON.stringify(token.name)} must be 1 to ${MAX_NAME_LENGTH} characters`,
      'pass --name, e.g. --name ci-team-a',
    );
  }
  if (!KINDS.includes(token.kind)) {
    throw invalid(
      `token kind ${JSON.stringify(token.kind)} is not one of ${KINDS.join(', ')}`,
      'pass --kind management or --kind client',
    );
  }
  const namespaces = checkGrants(token.namespaces ?? []);
  if (token.kind === 'management' && namespaces.length > 0) {
    throw invalid(
      `a management token reaches every namespace; it takes no grants (got ${namespaces.join(', ')})`,
      'drop --namespace, or make a client token with --kind client',
    );
  }
  if (token.kind !== 'management' && namespaces.length === 0) {
    throw invalid(
      `a ${token.kind} token needs at least one namespace grant`,
      'pass --namespace, e.g. --namespace team-a or --namespace "team-*"',
    );
  }
  const expires = token.expires ?? 0;
  if (!Number.isSafeInteger(expires) || expires < 0) {
    throw invalid(`token expiry ${expires} is not a time`, 'pass --expires like 24h or 720h');
  }
  if (expires !== 0 && expires <= Date.now()) {
    throw invalid(
      `token expiry ${new Date(expires).toISOString()} is already past`,
      'pass a positive duration',
    );
  }
  const metadata = token.metadata ?? {};
  for (const [key, value] of Object.entries(metadata)) {
    if (typeof value !== 'string') {
      throw invalid(`token metadata "${key}" must be a string`, 'send string values only');
    }
  }
  return { name, kind: token.kind, namespaces, expires, metadata: { ...metadata } };
}

function toInfo(row: TokenRow): TokenInfo {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    namespaces: JSON.parse(row.namespaces) as string[],
    metadata: JSON.parse(row.metadata) as Record<string, string>,
    created: row.created,
    expires: row.expires,
    disabled: row.disabled === 1,
    bootstrap: row.bootstrap === 1,
  };
}

function notFound(id: string): TokenAuthError {
  return new TokenAuthError(
    'NOT_FOUND',
    `token ${JSON.stringify(id)} not found`,
    'see `gofer token list` for the ids of existing tokens',
  );
}

function invalid(message: string, fix: string): TokenAuthError {
  return new TokenAuthError('INVALID_ARGUMENT', message, fix);
}
