import type { Migration } from './migration.js';

/**
 * Retention looks, after every run, for a pipeline's runs whose logs or objects are still kept;
 * these indexes hold only those runs, so the look stays short however many runs have expired.
 */
export const retentionIndexes: Migration = {
  version: 5,
  name: 'retention indexes',
  sql: `
CREATE INDEX runs_logs_kept ON runs (namespace, pipeline, id) WHERE logs_expired = 0;
CREATE INDEX runs_objects_kept ON runs (namespace, pipeline, id) WHERE objects_expired = 0;
`,
};
