import type Database from 'better-sqlite3';
import type { Namespace } from '../../kernel/contracts/model.js';
import type { Page } from '../../kernel/contracts/state-store.js';
import { namespaceExists, namespaceNotFound } from './entity-errors.js';
import { pageLimits } from './page-limits.js';
import { toNamespace, type NamespaceRow } from './row-mapping.js';

/** Namespace rows. Synchronous; the caller decides the transaction. */
export class NamespaceQueries {
  private readonly selectById;
  private readonly selectPage;
  private readonly insertRow;
  private readonly updateRow;
  private readonly deleteRow;

  constructor(db: Database.Database) {
    this.selectById = db.prepare<[string], NamespaceRow>('SELECT * FROM namespaces WHERE id = ?');
    this.selectPage = db.prepare<[number, number], NamespaceRow>(
      'SELECT * FROM namespaces ORDER BY id LIMIT ? OFFSET ?',
    );
    this.insertRow = db.prepare<[NamespaceRow]>(
      `INSERT INTO namespaces (id, name, description, created, modified)
       VALUES (@id, @name, @description, @created, @modified)`,
    );
    this.updateRow = db.prepare<[{ id: string; name: string; description: string; now: number }]>(
      'UPDATE namespaces SET name = @name, description = @description, modified = @now WHERE id = @id',
    );
    this.deleteRow = db.prepare<[string]>('DELETE FROM namespaces WHERE id = ?');
  }

  list(page?: Page): Namespace[] {
    const { limit, offset } = pageLimits(page);
    return this.selectPage.all(limit, offset).map(toNamespace);
  }

  /** The namespace, or NOT_FOUND naming it. */
  get(id: string): Namespace {
    const row = this.selectById.get(id);
    if (!row) throw namespaceNotFound(id);
    return toNamespace(row);
  }

  create(ns: Omit<Namespace, 'created' | 'modified'>): Namespace {
    if (this.selectById.get(ns.id)) throw namespaceExists(ns.id);

    const now = Date.now();
    this.insertRow.run({
      id: ns.id,
      name: ns.name,
      description: ns.description,
      created: now,
      modified: now,
    });
    return this.get(ns.id);
  }

  update(id: string, patch: { name?: string; description?: string }): Namespace {
    const current = this.get(id);
    this.updateRow.run({
      id,
      name: patch.name ?? current.name,
      description: patch.description ?? current.description,
      now: Date.now(),
    });
    return this.get(id);
  }

  /** Foreign keys cascade to the namespace's pipelines, configs, runs and task runs. */
  delete(id: string): void {
    if (this.deleteRow.run(id).changes === 0) throw namespaceNotFound(id);
  }
}
