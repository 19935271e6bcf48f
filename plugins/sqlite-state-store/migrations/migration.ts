/**
 * One step of the schema. Versions are consecutive from 1 and never change once released: a
 * later change to the schema is a new migration, never an edit of an old one, because databases
 * in the field have already applied the old text.
 */
export interface Migration {
  version: number;
  /** Short words for `schema_migrations`, e.g. `initial`. */
  name: string;
  /** Statements run with `exec` inside the migration's transaction. */
  sql: string;
}
