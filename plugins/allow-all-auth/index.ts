import type { Auth } from '../../kernel/contracts/auth.js';
import type { PluginFactory } from '../../kernel/contracts/plugin.js';
import { AllowAllAuth } from './allow-all-auth.js';

/** Creates the allow-all auth and says loudly that the API is open. */
const createAllowAllAuth: PluginFactory<Auth> = (ctx) => {
  ctx.logger.warn(
    {},
    'ALLOW-ALL AUTH IS ACTIVE: every API call is allowed without a token, with full access ' +
      'to every namespace. This is for development only; never expose this server.',
  );
  return new AllowAllAuth();
};

export default createAllowAllAuth;
