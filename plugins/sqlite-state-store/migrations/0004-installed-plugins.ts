import type { Migration } from './migration.js';

/** Plugin packages installed into the data directory, one version per id. */
export const installedPlugins: Migration = {
  version: 4,
  name: 'installed plugins',
  sql: `
CREATE TABLE installed_plugins (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  version TEXT NOT NULL,
  dir TEXT NOT NULL,
  source TEXT NOT NULL,
  installed INTEGER NOT NULL
) STRICT;
`,
};
