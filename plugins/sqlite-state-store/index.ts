import type { PluginFactory } from '../../kernel/contracts/plugin.js';
import type { StateStore } from '../../kernel/contracts/state-store.js';
import { readSqliteOptions } from './sqlite-options.js';
import { SqliteStateStore } from './sqlite-state-store.js';

/** Opens `state_store.sqlite.path`, or `gofer.db` in the plugin's data directory. */
const createSqliteStateStore: PluginFactory<StateStore> = (ctx) => {
  const options = readSqliteOptions(ctx.config, ctx.dataDir);
  const store = SqliteStateStore.open(options);
  ctx.logger.info({ path: options.path }, 'state database opened');
  return store;
};

export default createSqliteStateStore;
