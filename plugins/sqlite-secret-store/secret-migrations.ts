import type { SqliteMigration } from '../sqlite-common/open-sqlite.js';

/**
 * The secret database's schema steps. Versions are consecutive from 1 and never change once
 * released: a later change is a new entry, because databases in the field ran the old text.
 *
 * `scope` is `pipeline` or `global`; global rows have empty namespace and pipeline. The
 * composite key keeps every tuple apart without joining strings. `sealed` is the AES-256-GCM
 * ciphertext followed by its 16-byte tag; `namespaces` is a JSON array of allowed namespaces.
 */
export const SECRET_MIGRATIONS: readonly SqliteMigration[] = [
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
