import type { PluginFactory } from '../../kernel/contracts/plugin.js';
import type { SecretStore } from '../../kernel/contracts/secret-store.js';
import { readEncryptionKey } from './encryption-key.js';
import { readSecretStoreOptions } from './secret-store-options.js';
import { SqliteSecretStore } from './sqlite-secret-store.js';

/** Opens `secret_store.sqlite.path`, or `secrets.db` in the plugin's data directory. */
const createSqliteSecretStore: PluginFactory<SecretStore> = (ctx) => {
  const options = readSecretStoreOptions(ctx.config, ctx.dataDir);
  const key = readEncryptionKey(ctx.config.encryption_key, ctx);
  const store = SqliteSecretStore.open(options, key);
  ctx.logger.info({ path: options.path }, 'secret database opened');
  return store;
};

export default createSqliteSecretStore;
