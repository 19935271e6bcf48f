import type Database from 'better-sqlite3';
import type { GoferEvent } from '../../kernel/contracts/model.js';
import type { NewEvent } from '../../kernel/contracts/state-store.js';
import { eventNotFound } from './entity-errors.js';
import { clampLimit } from './page-limits.js';
import { toEvent, type EventRow } from './row-mapping.js';

/** The event log. Ids only grow, so a reader that remembers the last id it saw misses nothing. */
export class EventQueries {
  private readonly selectOne;
  private readonly selectAfter;
  private readonly selectNewest;
  private readonly insertRow;
  private readonly deleteBefore;

  constructor(db: Database.Database) {
    this.selectOne = db.prepare<[number], EventRow>('SELECT * FROM events WHERE id = ?');
    this.selectAfter = db.prepare<[number, number], EventRow>(
      'SELECT * FROM events WHERE id > ? ORDER BY id LIMIT ?',
    );
    this.selectNewest = db.prepare<[number, number], EventRow>(
      'SELECT * FROM events WHERE id > ? ORDER BY id DESC LIMIT ?',
    );
    this.insertRow = db.prepare<[Omit<EventRow, 'id'>], EventRow>(
      `INSERT INTO events (type, namespace, pipeline, run, task, details, emitted)
       VALUES (@type, @namespace, @pipeline, @run, @task, @details, @emitted)
       RETURNING *`,
    );
    this.deleteBefore = db.prepare<[number]>('DELETE FROM events WHERE emitted < ?');
  }

  append(event: NewEvent): GoferEvent {
    const row = this.insertRow.get({
      type: event.type,
      namespace: event.namespace ?? '',
      pipeline: event.pipeline ?? '',
      run: event.run ?? 0,
      task: event.task ?? '',
      details: JSON.stringify(event.details ?? {}),
      emitted: Date.now(),
    });
    return toEvent(row as EventRow);
  }

  get(id: number): GoferEvent {
    const row = this.selectOne.get(id);
    if (!row) throw eventNotFound(id);
    return toEvent(row);
  }

  /** `afterId` bounds both directions: with `reverse`, the newest events above it come first. */
  list(opts: { afterId?: number; limit?: number; reverse?: boolean }): GoferEvent[] {
    const after = opts.afterId ?? 0;
    const limit = clampLimit(opts.limit);
    const statement = opts.reverse ? this.selectNewest : this.selectAfter;
    return statement.all(after, limit).map(toEvent);
  }

  prune(before: number): number {
    return this.deleteBefore.run(before).changes;
  }
}
