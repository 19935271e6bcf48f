/**
 * A token table for API tests: each token maps to a principal. Namespace grants are exact names
 * or `*`; management principals reach everything. Enough to see the API layer ask the auth
 * contract and honour its answers.
 */
import {
  AuthError,
  type AccessRequest,
  type Auth,
  type Principal,
} from '../../kernel/contracts/auth.js';

export class FixedTokenAuth implements Auth {
  /** Every request the API asked about, for tests that check what it asked. */
  readonly asked: AccessRequest[] = [];

  constructor(private readonly table: Record<string, Principal>) {}

  async authenticate(token: string | undefined): Promise<Principal> {
    if (token === undefined) throw new AuthError('UNAUTHENTICATED', 'no token given');
    const principal = this.table[token];
    if (!principal) throw new AuthError('UNAUTHENTICATED', 'unknown token');
    return principal;
  }

  async authorize(principal: Principal, request: AccessRequest): Promise<void> {
    this.asked.push(request);
    if (principal.kind === 'management') return;
    if (request.scope === 'management') {
      throw new AuthError('PERMISSION_DENIED', `${request.method} needs a management token`);
    }
    if (request.scope === 'namespace') {
      const ns = request.namespace ?? '';
      if (!principal.namespaces.some((grant) => grant === '*' || grant === ns)) {
        throw new AuthError(
          'PERMISSION_DENIED',
          `token ${principal.name} has no grant to namespace ${ns}`,
        );
      }
    }
  }
}
