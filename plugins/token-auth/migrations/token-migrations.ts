/**
 * The token database's schema, one step per version. A released step never changes; a later
 * change is a new step, because databases in the field have already applied the old text.
 */
export interface TokenMigration {
  version: number;
  name: string;
  sql: string;
}

const initial: TokenMigration = {
  version: 1,
  name: 'initial',
  sql: `
CREATE TABLE tokens (
  id TEXT PRIMARY KEY,
  -- SHA-256 of the plain token, hex; the plain value is never stored.
  hash TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('management', 'client', 'extension')),
  -- JSON array of grants; JSON object of string metadata.
  namespaces TEXT NOT NULL,
  metadata TEXT NOT NULL,
  created INTEGER NOT NULL,
  expires INTEGER NOT NULL DEFAULT 0,
  disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1))
) STRICT;

-- At most one row, ever: the single row is what makes bootstrap happen once. It keeps no
-- foreign key, so deleting the bootstrap token does not open bootstrap again.
CREATE TABLE bootstrap (
  singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
  token_id TEXT NOT NULL,
  created INTEGER NOT NULL
) STRICT;
`,
};

export const tokenMigrations: readonly TokenMigration[] = [initial];
