/**
 * The auth contract: who is calling, and may they do this. The kernel asks once per API call,
 * for reads too. Implementations are plugins of kind `auth`.
 */
export const AUTH = Symbol.for('gofer.contract.Auth');

export type PrincipalKind = 'management' | 'client' | 'extension' | 'development';

export interface Principal {
  kind: PrincipalKind;
  /** Shown as a run's initiator; e.g. a token's name. */
  name: string;
  /** Namespace grants: exact names or whole-name glob patterns. Ignored for management. */
  namespaces: readonly string[];
}

/** What a call wants to do, as the API layer describes it. */
export interface AccessRequest {
  /** Full gRPC method path, e.g. `/gofer.v1.RunService/Start`. */
  method: string;
  /** `management` methods need a management principal; `namespace` ones reach `namespace`. */
  scope: 'management' | 'namespace' | 'any';
  namespace?: string;
}

export type AuthErrorCode = 'UNAUTHENTICATED' | 'PERMISSION_DENIED';

export class AuthError extends Error {
  constructor(
    readonly code: AuthErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'AuthError';
  }
}

export interface Auth {
  /** Turns the call's bearer token (undefined when absent) into a principal, or rejects. */
  authenticate(token: string | undefined): Promise<Principal>;
  /** Resolves when `principal` may make `request`; rejects with an `AuthError` otherwise. */
  authorize(principal: Principal, request: AccessRequest): Promise<void>;
  /** Present when the plugin keeps tokens; see `TokenManager`. */
  tokens?: TokenManager;
  /** Releases what the plugin holds open (files, connections); called once at kernel stop. */
  close?(): Promise<void>;
}

/**
 * Token management, offered by auth plugins that keep tokens (the `token` plugin does; the
 * development `allow-all` plugin does not). The kernel serves it as the TokenService API and
 * uses it for run-scoped tokens.
 */
export type TokenKind = 'management' | 'client' | 'extension';

export interface TokenInfo {
  /** Stable id to manage the token by; never the secret value. */
  id: string;
  name: string;
  kind: TokenKind;
  /** Exact namespace names or whole-name glob patterns; empty for management tokens. */
  namespaces: string[];
  metadata: Record<string, string>;
  created: number;
  /** Epoch ms after which the token is refused; 0 means it never expires. */
  expires: number;
  disabled: boolean;
  /** Whether this is the installation's bootstrap token. */
  bootstrap: boolean;
}

export interface NewToken {
  name: string;
  kind: TokenKind;
  namespaces?: string[];
  /** Epoch ms; 0 or absent for no expiry. */
  expires?: number;
  metadata?: Record<string, string>;
}

/** A token just made: the plain value is here and nowhere else, ever. */
export interface CreatedToken {
  token: string;
  info: TokenInfo;
}

export interface TokenManager {
  /** INVALID_ARGUMENT for an empty name, a bad kind or an invalid namespace pattern. */
  create(token: NewToken): Promise<CreatedToken>;
  list(): Promise<TokenInfo[]>;
  /** NOT_FOUND naming the id. */
  get(id: string): Promise<TokenInfo>;
  enable(id: string): Promise<TokenInfo>;
  disable(id: string): Promise<TokenInfo>;
  delete(id: string): Promise<void>;
  /**
   * Creates the first management token; succeeds once per installation, whatever other tokens
   * exist, and rejects every later call with ALREADY_EXISTS.
   */
  bootstrap(): Promise<CreatedToken>;
  /** The record behind a plain token value; UNAUTHENTICATED when it is not a usable token. */
  whoami(token: string): Promise<TokenInfo>;
}
