import type { Migration } from './migration.js';

/**
 * Installed extensions and the subscriptions of pipelines to them. Config, grants, info and
 * settings are JSON text. A subscription goes with its pipeline and with its extension.
 */
export const extensions: Migration = {
  version: 3,
  name: 'extensions',
  sql: `
CREATE TABLE extensions (
  name TEXT PRIMARY KEY,
  source TEXT NOT NULL,
  runtime TEXT NOT NULL CHECK (runtime IN ('wasm', 'container')),
  enabled INTEGER NOT NULL CHECK (enabled IN (0, 1)),
  config TEXT NOT NULL,
  grants TEXT NOT NULL,
  info TEXT,
  created INTEGER NOT NULL,
  modified INTEGER NOT NULL
) STRICT;

CREATE TABLE subscriptions (
  namespace TEXT NOT NULL,
  pipeline TEXT NOT NULL,
  extension TEXT NOT NULL REFERENCES extensions (name) ON DELETE CASCADE,
  label TEXT NOT NULL,
  settings TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('ACTIVE', 'DISABLED', 'ERROR')),
  status_reason TEXT NOT NULL,
  anchor_ms INTEGER NOT NULL,
  last_run_ms INTEGER NOT NULL DEFAULT 0,
  created INTEGER NOT NULL,
  modified INTEGER NOT NULL,
  PRIMARY KEY (namespace, pipeline, extension, label),
  FOREIGN KEY (namespace, pipeline) REFERENCES pipelines (namespace, id) ON DELETE CASCADE
) STRICT;

CREATE INDEX subscriptions_by_extension ON subscriptions (extension);
`,
};
