import type {
  AccessRequest,
  Auth,
  CreatedToken,
  NewToken,
  Principal,
  TokenInfo,
  TokenManager,
} from '../../kernel/contracts/auth.js';
import { grantsReach } from './namespace-grants.js';
import { TokenAuthError } from './token-auth-error.js';
import type { TokenStore } from './token-store.js';

const CREATE_FIX =
  'create one with `gofer token create` (or `gofer token bootstrap` once, on a new installation)';

/**
 * Token auth: a call is made with a token, the token names a kind and namespace grants, and the
 * kind and grants decide what the call may reach. Management tokens reach everything; client and
 * extension tokens reach the namespaces their grants match, and methods open to any caller.
 */
export class TokenAuth implements Auth {
  readonly tokens: TokenManager;

  constructor(private readonly store: TokenStore) {
    this.tokens = new StoreTokenManager(store, (token) => this.usable(token));
  }

  async authenticate(token: string | undefined): Promise<Principal> {
    const info = this.usable(token);
    return { kind: info.kind, name: info.name, namespaces: [...info.namespaces] };
  }

  async authorize(principal: Principal, request: AccessRequest): Promise<void> {
    if (principal.kind === 'management' || request.scope === 'any') return;
    if (request.scope === 'management') {
      throw new TokenAuthError(
        'PERMISSION_DENIED',
        `${request.method} needs a management token; token "${principal.name}" is a ${principal.kind} token`,
        'call it with a management token',
      );
    }
    const namespace = request.namespace ?? '';
    if (namespace !== '' && grantsReach(principal.namespaces, namespace)) return;
    throw new TokenAuthError(
      'PERMISSION_DENIED',
      `token "${principal.name}" has no grant to namespace "${namespace}" ` +
        `(it reaches: ${principal.namespaces.join(', ') || 'nothing'})`,
      `use a token granted "${namespace}", or create one with \`gofer token create --namespace ${namespace}\``,
    );
  }

  async close(): Promise<void> {
    this.store.close();
  }

  /** The record of a token that may be used now; UNAUTHENTICATED with the reason otherwise. */
  private usable(token: string | undefined): TokenInfo {
    if (token === undefined || token === '') {
      throw new TokenAuthError(
        'UNAUTHENTICATED',
        'the call carries no token',
        `pass --token or set GOFER_CLI_TOKEN; ${CREATE_FIX}`,
      );
    }
    const info = this.store.findByValue(token);
    if (!info) {
      throw new TokenAuthError(
        'UNAUTHENTICATED',
        'the token is not known: it was mistyped, or it has been deleted',
        `check the value, or ${CREATE_FIX}`,
      );
    }
    if (info.disabled) {
      throw new TokenAuthError(
        'UNAUTHENTICATED',
        `token "${info.name}" (${info.id}) is disabled`,
        `enable it with \`gofer token enable ${info.id}\` using a management token`,
      );
    }
    if (info.expires !== 0 && info.expires <= Date.now()) {
      throw new TokenAuthError(
        'UNAUTHENTICATED',
        `token "${info.name}" (${info.id}) expired at ${new Date(info.expires).toISOString()}`,
        `create a new token; ${CREATE_FIX}`,
      );
    }
    return info;
  }
}

/** The `TokenManager` face of the store, async as the contract asks. */
class StoreTokenManager implements TokenManager {
  constructor(
    private readonly store: TokenStore,
    private readonly usable: (token: string) => TokenInfo,
  ) {}

  async create(token: NewToken): Promise<CreatedToken> {
    return this.store.create(token);
  }

  async list(): Promise<TokenInfo[]> {
    return this.store.list();
  }

  async get(id: string): Promise<TokenInfo> {
    return this.store.get(id);
  }

  async enable(id: string): Promise<TokenInfo> {
    return this.store.setEnabled(id, true);
  }

  async disable(id: string): Promise<TokenInfo> {
    return this.store.setEnabled(id, false);
  }

  async delete(id: string): Promise<void> {
    this.store.delete(id);
  }

  async bootstrap(): Promise<CreatedToken> {
    return this.store.bootstrap();
  }

  async whoami(token: string): Promise<TokenInfo> {
    return this.usable(token);
  }
}
