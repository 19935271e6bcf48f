import type { ObjectStore } from '../../kernel/contracts/object-store.js';
import type { PluginFactory } from '../../kernel/contracts/plugin.js';
import { readObjectStoreOptions } from './object-store-options.js';
import { SqliteObjectStore } from './sqlite-object-store.js';

/** Opens `object_store.sqlite.path`, or `objects.db` in the plugin's data directory. */
const createSqliteObjectStore: PluginFactory<ObjectStore> = (ctx) => {
  const options = readObjectStoreOptions(ctx.config, ctx.dataDir);
  const store = SqliteObjectStore.open(options);
  ctx.logger.info({ path: options.path }, 'object database opened');
  return store;
};

export default createSqliteObjectStore;
