import type Database from 'better-sqlite3';

/**
 * The object database's schema steps. Versions are consecutive from 1 and never change once
 * released: a later change is a new entry, because databases in the field ran the old text.
 *
 * `run` is 0 for pipeline objects (runs count from 1), so the composite key keeps every
 * (namespace, pipeline, run, key) tuple apart without joining strings. `seq` orders keys by
 * write even when two writes share a millisecond, which eviction of the oldest relies on.
 */
export const OBJECT_MIGRATIONS: readonly { version: number; name: string; sql: string }[] = [
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

/**
 * Applies the steps this database lacks in one IMMEDIATE transaction, so two processes opening
 * a fresh file take turns; refuses a database newer than this code.
 */
export function migrateObjects(db: Database.Database, path: string): void {
  const latest = OBJECT_MIGRATIONS.length;
  db.transaction(() => {
    db.exec(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied INTEGER NOT NULL) STRICT',
    );
    const row = db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as {
      v: number | null;
    };
    const current = row.v ?? 0;
    if (current > latest) {
      throw Object.assign(
        new Error(
          `object database "${path}" has schema version ${current}, but this Gofer knows up to ` +
            `${latest}; run a Gofer release that knows it, or set object_store.sqlite.path to another file`,
        ),
        { code: 'FAILED_PRECONDITION' },
      );
    }
    const record = db.prepare(
      'INSERT INTO schema_migrations (version, name, applied) VALUES (?, ?, ?)',
    );
    for (const m of OBJECT_MIGRATIONS.filter((m) => m.version > current)) {
      db.exec(m.sql);
      record.run(m.version, m.name, Date.now());
    }
  }).immediate();
}
