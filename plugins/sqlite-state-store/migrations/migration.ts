/**
 * One step of the schema. Versions are consecutive from 1 and never change once released: a
 * later change to the schema is a new migration, never an edit of an old one, because databases
 * in the field have already applied the old text.
 */
export type { SqliteMigration as Migration } from '../../sqlite-common/open-sqlite.js';
