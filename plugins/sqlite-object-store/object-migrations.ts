import type { SqliteMigration } from '../sqlite-common/open-sqlite.js';

/**
 * The object database's schema steps. Versions are consecutive from 1 and never change once
 * released: a later change is a new entry, because databases in the field ran the old text.
 *
 * `run` is 0 for pipeline objects (runs count from 1), so the composite key keeps every
 * (namespace, pipeline, run, key) tuple apart without joining strings. `seq` orders keys by
 * write even when two writes share a millisecond, which eviction of the oldest relies on.
 */
export const OBJECT_MIGRATIONS: readonly SqliteMigration[] = [
  {
    version: 1,
    name: 'initial',
    sql: `
CREATE TABLE objects (
  namespace TEXT NOT NULL,
  pipeline TEXT NOT NULL,
  run INTEGER NOT NULL,
  key TEXT NOT NULL,
  value BLOB NOT NULL,
  size INTEGER NOT NULL,
  created INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  PRIMARY KEY (namespace, pipeline, run, key)
) STRICT, WITHOUT ROWID;
CREATE INDEX objects_by_age ON objects (namespace, pipeline, run, seq);
`,
  },
  {
    // Every put checks the scope's size against its limit; a count kept by triggers answers that
    // in one lookup, where COUNT(*) grew with the number of objects.
    version: 2,
    name: 'object counts',
    sql: `
CREATE TABLE object_counts (
  namespace TEXT NOT NULL,
  pipeline TEXT NOT NULL,
  run INTEGER NOT NULL,
  n INTEGER NOT NULL,
  PRIMARY KEY (namespace, pipeline, run)
) STRICT, WITHOUT ROWID;
INSERT INTO object_counts (namespace, pipeline, run, n)
  SELECT namespace, pipeline, run, COUNT(*) FROM objects GROUP BY namespace, pipeline, run;
CREATE TRIGGER objects_counted_on_insert AFTER INSERT ON objects BEGIN
  INSERT INTO object_counts (namespace, pipeline, run, n)
    VALUES (NEW.namespace, NEW.pipeline, NEW.run, 1)
    ON CONFLICT (namespace, pipeline, run) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER objects_counted_on_delete AFTER DELETE ON objects BEGIN
  UPDATE object_counts SET n = n - 1
    WHERE namespace = OLD.namespace AND pipeline = OLD.pipeline AND run = OLD.run;
END;
`,
  },
];
