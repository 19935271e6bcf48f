import type { Migration } from './migration.js';

/**
 * The first schema. Enums are stored as their upper-case names and checked, booleans as 0/1,
 * and free-form maps (variables, configs, event details) as JSON text. Per-pipeline sequences
 * live on the pipeline row, so a deleted newest run or config never hands its number out again.
 */
export const initial: Migration = {
  version: 1,
  name: 'initial',
  sql: `
CREATE TABLE installation (
  singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
  id TEXT NOT NULL,
  created INTEGER NOT NULL
) STRICT;

CREATE TABLE sequences (
  name TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) STRICT;

INSERT INTO sequences (name, value) VALUES ('run_queue', 0);

CREATE TABLE namespaces (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  description TEXT NOT NULL,
  created INTEGER NOT NULL,
  modified INTEGER NOT NULL
) STRICT;

INSERT INTO namespaces (id, name, description, created, modified)
VALUES (
  'default',
  'Default',
  'The namespace used when none is given.',
  CAST(unixepoch('subsec') * 1000 AS INTEGER),
  CAST(unixepoch('subsec') * 1000 AS INTEGER)
);

CREATE TABLE pipelines (
  namespace TEXT NOT NULL REFERENCES namespaces (id) ON DELETE CASCADE,
  id TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('ACTIVE', 'DISABLED')),
  live_version INTEGER NOT NULL DEFAULT 0,
  last_version INTEGER NOT NULL DEFAULT 0,
  last_run INTEGER NOT NULL DEFAULT 0,
  created INTEGER NOT NULL,
  modified INTEGER NOT NULL,
  PRIMARY KEY (namespace, id)
) STRICT;

CREATE TABLE pipeline_configs (
  namespace TEXT NOT NULL,
  pipeline TEXT NOT NULL,
  version INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('UNRELEASED', 'LIVE', 'DEPRECATED')),
  config TEXT NOT NULL CHECK (json_valid(config)),
  registered INTEGER NOT NULL,
  deprecated INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (namespace, pipeline, version),
  FOREIGN KEY (namespace, pipeline) REFERENCES pipelines (namespace, id) ON DELETE CASCADE
) STRICT;

CREATE UNIQUE INDEX pipeline_configs_one_live ON pipeline_configs (namespace, pipeline)
WHERE state = 'LIVE';

CREATE TABLE runs (
  namespace TEXT NOT NULL,
  pipeline TEXT NOT NULL,
  id INTEGER NOT NULL,
  version INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('QUEUED', 'RUNNING', 'COMPLETE')),
  status TEXT NOT NULL CHECK (status IN ('UNKNOWN', 'SUCCESSFUL', 'FAILED', 'CANCELLED')),
  status_reason_kind TEXT NOT NULL,
  status_reason_description TEXT NOT NULL,
  initiator_kind TEXT NOT NULL CHECK (initiator_kind IN ('HUMAN', 'BOT', 'EXTENSION')),
  initiator_name TEXT NOT NULL,
  initiator_reason TEXT NOT NULL,
  variables TEXT NOT NULL CHECK (json_valid(variables)),
  retry_of INTEGER NOT NULL DEFAULT 0,
  queued INTEGER NOT NULL UNIQUE,
  started INTEGER NOT NULL DEFAULT 0,
  ended INTEGER NOT NULL DEFAULT 0,
  logs_expired INTEGER NOT NULL DEFAULT 0 CHECK (logs_expired IN (0, 1)),
  PRIMARY KEY (namespace, pipeline, id),
  FOREIGN KEY (namespace, pipeline) REFERENCES pipelines (namespace, id) ON DELETE CASCADE,
  FOREIGN KEY (namespace, pipeline, version)
    REFERENCES pipeline_configs (namespace, pipeline, version)
) STRICT;

CREATE INDEX runs_by_version ON runs (namespace, pipeline, version);
CREATE INDEX runs_unfinished ON runs (queued) WHERE state <> 'COMPLETE';

CREATE TABLE task_runs (
  namespace TEXT NOT NULL,
  pipeline TEXT NOT NULL,
  run INTEGER NOT NULL,
  id TEXT NOT NULL,
  ordinal INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('WAITING', 'PROCESSING', 'RUNNING', 'COMPLETE')),
  status TEXT NOT NULL
    CHECK (status IN ('UNKNOWN', 'SUCCESSFUL', 'FAILED', 'CANCELLED', 'SKIPPED')),
  status_reason_kind TEXT NOT NULL,
  status_reason_description TEXT NOT NULL,
  attempt INTEGER NOT NULL DEFAULT 0,
  exit_code INTEGER,
  workload_id TEXT NOT NULL DEFAULT '',
  created INTEGER NOT NULL,
  started INTEGER NOT NULL DEFAULT 0,
  ended INTEGER NOT NULL DEFAULT 0,
  logs_expired INTEGER NOT NULL DEFAULT 0 CHECK (logs_expired IN (0, 1)),
  PRIMARY KEY (namespace, pipeline, run, id),
  UNIQUE (namespace, pipeline, run, ordinal),
  FOREIGN KEY (namespace, pipeline, run) REFERENCES runs (namespace, pipeline, id) ON DELETE CASCADE
) STRICT;

-- Events outlive what they describe (a PIPELINE_DELETED event names a pipeline that is gone),
-- so they carry no foreign keys; AUTOINCREMENT keeps ids from being reused after pruning.
CREATE TABLE events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  type TEXT NOT NULL,
  namespace TEXT NOT NULL DEFAULT '',
  pipeline TEXT NOT NULL DEFAULT '',
  run INTEGER NOT NULL DEFAULT 0,
  task TEXT NOT NULL DEFAULT '',
  details TEXT NOT NULL CHECK (json_valid(details)),
  emitted INTEGER NOT NULL
) STRICT;

CREATE INDEX events_by_emitted ON events (emitted);
`,
};
