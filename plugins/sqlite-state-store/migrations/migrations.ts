import type { Migration } from './migration.js';
import { initial } from './0001-initial.js';
import { runObjectsExpired } from './0002-run-objects-expired.js';
import { extensions } from './0003-extensions.js';
import { installedPlugins } from './0004-installed-plugins.js';
import { retentionIndexes } from './0005-retention-indexes.js';

/** Every migration this code knows, in the order they are applied. */
export const migrations: readonly Migration[] = [
  initial,
  runObjectsExpired,
  extensions,
  installedPlugins,
  retentionIndexes,
];
