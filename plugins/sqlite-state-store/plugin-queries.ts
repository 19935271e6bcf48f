import type Database from 'better-sqlite3';
import type { InstalledPlugin } from '../../kernel/contracts/model.js';

/** Installed plugin rows. Synchronous; the caller decides the transaction. */
export class PluginQueries {
  private readonly selectAll;
  private readonly upsertRow;
  private readonly deleteRow;

  constructor(db: Database.Database) {
    this.selectAll = db.prepare<[], InstalledPlugin>('SELECT * FROM installed_plugins ORDER BY id');
    this.upsertRow = db.prepare<[InstalledPlugin]>(
      `INSERT OR REPLACE INTO installed_plugins (id, kind, name, version, dir, source, installed)
       VALUES (@id, @kind, @name, @version, @dir, @source, @installed)`,
    );
    this.deleteRow = db.prepare<[string]>('DELETE FROM installed_plugins WHERE id = ?');
  }

  list(): InstalledPlugin[] {
    return this.selectAll.all().map((row) => ({ ...row }));
  }

  put(plugin: InstalledPlugin): InstalledPlugin {
    this.upsertRow.run(plugin);
    return plugin;
  }

  delete(id: string): void {
    this.deleteRow.run(id);
  }
}
