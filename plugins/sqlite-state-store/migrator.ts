import type Database from 'better-sqlite3';
import { StoreError } from '../../kernel/contracts/state-store.js';
import type { Migration } from './migrations/migration.js';

const BOOKKEEPING = `
CREATE TABLE IF NOT EXISTS schema_migrations (
  version INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  applied INTEGER NOT NULL
) STRICT;
`;

/**
 * Brings the database at `path` up to the newest of `known`, or refuses it when it already
 * holds a newer schema than this code understands. Returns the versions it applied.
 *
 * Everything happens in one IMMEDIATE transaction, so two processes opening a fresh file at
 * once take turns: the second sees the first one's work and applies nothing.
 */
export function migrate(
  db: Database.Database,
  known: readonly Migration[],
  path: string,
): number[] {
  checkConsecutive(known);
  const latest = known.at(-1)?.version ?? 0;

  const run = db.transaction(() => {
    db.exec(BOOKKEEPING);
    const row = db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as {
      v: number | null;
    };
    const current = row.v ?? 0;

    if (current > latest) {
      throw new StoreError(
        'FAILED_PRECONDITION',
        `state database "${path}" has schema version ${current}, but this Gofer knows versions ` +
          `up to ${latest}; run a Gofer release that knows version ${current}, or point ` +
          `state_store.sqlite.path at another file`,
      );
    }

    const record = db.prepare(
      'INSERT INTO schema_migrations (version, name, applied) VALUES (?, ?, ?)',
    );
    const applied: number[] = [];
    for (const migration of known.filter((m) => m.version > current)) {
      db.exec(migration.sql);
      record.run(migration.version, migration.name, Date.now());
      applied.push(migration.version);
    }
    return applied;
  });
  return run.immediate();
}

// A gap or a duplicate in the list is a packaging mistake that would skip or repeat a step.
function checkConsecutive(known: readonly Migration[]): void {
  known.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new Error(
        `migration "${migration.name}" has version ${migration.version}, expected ${index + 1}`,
      );
    }
  });
}
