import type { TokenService, WhoAmI } from '../api/kernel-services.js';
import type {
  Auth,
  CreatedToken,
  NewToken,
  Principal,
  TokenInfo,
  TokenManager,
} from '../contracts/auth.js';
import { failedPrecondition } from '../errors.js';

/**
 * The TokenService the API serves, on the auth plugin's token manager. An auth plugin without
 * one (development mode's allow-all) answers every token call with FAILED_PRECONDITION, except
 * WhoAmI, which still says who the caller is.
 */
export class TokenRegistry implements TokenService {
  constructor(
    private readonly auth: Auth,
    private readonly authEngine: string,
  ) {}

  bootstrap(): Promise<CreatedToken> {
    return this.manager().bootstrap();
  }

  create(token: NewToken): Promise<CreatedToken> {
    return this.manager().create(token);
  }

  list(): Promise<TokenInfo[]> {
    return this.manager().list();
  }

  get(id: string): Promise<TokenInfo> {
    return this.manager().get(id);
  }

  enable(id: string): Promise<TokenInfo> {
    return this.manager().enable(id);
  }

  disable(id: string): Promise<TokenInfo> {
    return this.manager().disable(id);
  }

  delete(id: string): Promise<void> {
    return this.manager().delete(id);
  }

  async whoami(principal: Principal, token: string | undefined): Promise<WhoAmI> {
    const tokens = this.auth.tokens;
    if (!tokens || token === undefined) return { principal };
    return { principal, token: await tokens.whoami(token) };
  }

  private manager(): TokenManager {
    const tokens = this.auth.tokens;
    if (!tokens) {
      throw failedPrecondition(
        `the auth plugin "${this.authEngine}" keeps no tokens`,
        'start the service without --dev-mode, with auth.engine = "token" (the default)',
      );
    }
    return tokens;
  }
}
