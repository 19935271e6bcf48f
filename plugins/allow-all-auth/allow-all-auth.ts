import type { AccessRequest, Auth, Principal } from '../../kernel/contracts/auth.js';

/** The one principal every caller becomes; it reaches every namespace. */
export const DEVELOPMENT_PRINCIPAL: Readonly<Principal> = Object.freeze({
  kind: 'development',
  name: 'development',
  namespaces: Object.freeze(['*']),
});

/**
 * Development auth: no tokens, no checks. The token, if any, is ignored rather than checked,
 * so that a client configured for a real installation still works against a dev kernel.
 */
export class AllowAllAuth implements Auth {
  async authenticate(_token: string | undefined): Promise<Principal> {
    return { ...DEVELOPMENT_PRINCIPAL, namespaces: [...DEVELOPMENT_PRINCIPAL.namespaces] };
  }

  async authorize(_principal: Principal, _request: AccessRequest): Promise<void> {}
}
