import type { Migration } from './migration.js';

/** Runs record that their run objects were deleted, as they already record expired logs. */
export const runObjectsExpired: Migration = {
  version: 2,
  name: 'run objects expired',
  sql: `
ALTER TABLE runs ADD COLUMN objects_expired INTEGER NOT NULL DEFAULT 0
  CHECK (objects_expired IN (0, 1));
`,
};
