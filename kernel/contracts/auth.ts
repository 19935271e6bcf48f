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
}
