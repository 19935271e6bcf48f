import type Database from 'better-sqlite3';

/**
 * The secret database's schema steps. Versions are consecutive from 1 and never change once
 * released: a later change is a new entry, because databases in the field ran the old text.
 *
 * `scope` is `pipeline` or `global`; global rows have empty namespace and pipeline. The
 * composite key keeps every tuple apart without joining strings. `sealed` is the AES-256-GCM
 * ciphertext followed by its 16-byte tag; `namespaces` is a JSON array of allowed namespaces.
 */
export const SECRET_MIGRATIONS: readonly { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: 'initial',
    sql: `
CREATE TABLE secrets (
  scope TEXT NOT NULL CHECK (scope IN ('pipeline', 'global')),
  namespace TEXT NOT NULL,
  pipeline TEXT NOT NULL,
  key TEXT NOT NULL,
  nonce BLOB NOT NULL,
  sealed BLOB NOT NULL,
  namespaces TEXT NOT NULL,
  created INTEGER NOT NULL,
  PRIMARY KEY (scope, namespace, pipeline, key)
) STRICT, WITHOUT ROWID;
`,
  },
];

/**
 * Applies the steps this database lacks in one IMMEDIATE transaction, so two processes opening
 * a fresh file take turns; refuses a database newer than this code.
 */
export function migrateSecrets(db: Database.Database, path: string): void {
  const latest = SECRET_MIGRATIONS.length;
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
          `secret database "${path}" has schema version ${current}, but this Gofer knows up to ` +
            `${latest}; run a Gofer release that knows it, or set secret_store.sqlite.path to another file`,
        ),
        { code: 'FAILED_PRECONDITION' },
      );
    }
    const record = db.prepare(
      'INSERT INTO schema_migrations (version, name, applied) VALUES (?, ?, ?)',
    );
    for (const m of SECRET_MIGRATIONS.filter((m) => m.version > current)) {
      db.exec(m.sql);
      record.run(m.version, m.name, Date.now());
    }
  }).immediate();
}
