import type Database from 'better-sqlite3';
import type { InstalledExtension } from '../../kernel/contracts/model.js';
import { StoreError, type ExtensionPatch } from '../../kernel/contracts/state-store.js';

interface ExtensionRow {
  name: string;
  source: string;
  runtime: string;
  enabled: number;
  config: string;
  grants: string;
  info: string | null;
  created: number;
  modified: number;
}

const extensionNotFound = (name: string) =>
  new StoreError(
    'NOT_FOUND',
    `extension "${name}" not found; see \`gofer extension list\` for the installed ones`,
  );

function toExtension(row: ExtensionRow): InstalledExtension {
  return {
    name: row.name,
    source: row.source,
    runtime: row.runtime as InstalledExtension['runtime'],
    enabled: row.enabled === 1,
    config: JSON.parse(row.config) as Record<string, string>,
    grants: JSON.parse(row.grants) as string[],
    info: row.info === null ? null : (JSON.parse(row.info) as InstalledExtension['info']),
    created: row.created,
    modified: row.modified,
  };
}

/** Extension rows. Synchronous; the caller decides the transaction. */
export class ExtensionQueries {
  private readonly selectAll;
  private readonly selectByName;
  private readonly insertRow;
  private readonly updateRow;
  private readonly deleteRow;

  constructor(db: Database.Database) {
    this.selectAll = db.prepare<[], ExtensionRow>('SELECT * FROM extensions ORDER BY name');
    this.selectByName = db.prepare<[string], ExtensionRow>(
      'SELECT * FROM extensions WHERE name = ?',
    );
    this.insertRow = db.prepare<[ExtensionRow]>(
      `INSERT INTO extensions (name, source, runtime, enabled, config, grants, info, created, modified)
       VALUES (@name, @source, @runtime, @enabled, @config, @grants, @info, @created, @modified)`,
    );
    this.updateRow = db.prepare<
      [{ name: string; enabled: number; info: string | null; now: number }]
    >('UPDATE extensions SET enabled = @enabled, info = @info, modified = @now WHERE name = @name');
    this.deleteRow = db.prepare<[string]>('DELETE FROM extensions WHERE name = ?');
  }

  list(): InstalledExtension[] {
    return this.selectAll.all().map(toExtension);
  }

  get(name: string): InstalledExtension {
    const row = this.selectByName.get(name);
    if (!row) throw extensionNotFound(name);
    return toExtension(row);
  }

  create(ext: Omit<InstalledExtension, 'created' | 'modified'>): InstalledExtension {
    if (this.selectByName.get(ext.name)) {
      throw new StoreError(
        'ALREADY_EXISTS',
        `extension "${ext.name}" is already installed; uninstall it first or choose another name`,
      );
    }
    const now = Date.now();
    this.insertRow.run({
      name: ext.name,
      source: ext.source,
      runtime: ext.runtime,
      enabled: ext.enabled ? 1 : 0,
      config: JSON.stringify(ext.config),
      grants: JSON.stringify(ext.grants),
      info: ext.info === null ? null : JSON.stringify(ext.info),
      created: now,
      modified: now,
    });
    return this.get(ext.name);
  }

  update(name: string, patch: ExtensionPatch): InstalledExtension {
    const current = this.get(name);
    const info = patch.info === undefined ? current.info : patch.info;
    this.updateRow.run({
      name,
      enabled: (patch.enabled ?? current.enabled) ? 1 : 0,
      info: info === null ? null : JSON.stringify(info),
      now: Date.now(),
    });
    return this.get(name);
  }

  /** Foreign keys cascade to the extension's subscriptions. */
  delete(name: string): void {
    if (this.deleteRow.run(name).changes === 0) throw extensionNotFound(name);
  }
}
