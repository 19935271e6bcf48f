import type Database from 'better-sqlite3';
import type { Pipeline, PipelineState } from '../../kernel/contracts/model.js';
import type { Page } from '../../kernel/contracts/state-store.js';
import { pipelineNotFound } from './entity-errors.js';
import type { NamespaceQueries } from './namespace-queries.js';
import { pageLimits } from './page-limits.js';
import { toPipeline, type PipelineRow } from './row-mapping.js';

interface Key {
  namespace: string;
  id: string;
}

/**
 * Pipeline rows, including the per-pipeline sequences that number configs and runs.
 * Synchronous; the caller decides the transaction.
 */
export class PipelineQueries {
  private readonly selectOne;
  private readonly selectPage;
  private readonly insertRow;
  private readonly updateState;
  private readonly updateLive;
  private readonly deleteRow;
  private readonly bumpVersion;
  private readonly bumpRun;

  constructor(
    db: Database.Database,
    private readonly namespaces: NamespaceQueries,
  ) {
    const where = 'WHERE namespace = @namespace AND id = @id';
    this.selectOne = db.prepare<[Key], PipelineRow>(`SELECT * FROM pipelines ${where}`);
    this.selectPage = db.prepare<[string, number, number], PipelineRow>(
      'SELECT * FROM pipelines WHERE namespace = ? ORDER BY id LIMIT ? OFFSET ?',
    );
    this.insertRow = db.prepare<[Key & { now: number }]>(
      `INSERT INTO pipelines (namespace, id, state, created, modified)
       VALUES (@namespace, @id, 'ACTIVE', @now, @now)`,
    );
    this.updateState = db.prepare<[Key & { state: PipelineState; now: number }]>(
      `UPDATE pipelines SET state = @state, modified = @now ${where}`,
    );
    this.updateLive = db.prepare<[Key & { version: number; now: number }]>(
      `UPDATE pipelines SET live_version = @version, modified = @now ${where}`,
    );
    this.deleteRow = db.prepare<[Key]>(`DELETE FROM pipelines ${where}`);

    // The sequences advance inside the caller's IMMEDIATE transaction, which no other writer
    // can interleave with, so two callers can never receive the same number.
    this.bumpVersion = db.prepare<[Key], { n: number }>(
      `UPDATE pipelines SET last_version = last_version + 1 ${where} RETURNING last_version AS n`,
    );
    this.bumpRun = db.prepare<[Key], { n: number }>(
      `UPDATE pipelines SET last_run = last_run + 1 ${where} RETURNING last_run AS n`,
    );
  }

  list(namespace: string, page?: Page): Pipeline[] {
    this.namespaces.get(namespace);
    const { limit, offset } = pageLimits(page);
    return this.selectPage.all(namespace, limit, offset).map(toPipeline);
  }

  /** The pipeline, or NOT_FOUND naming whichever of namespace and pipeline is missing. */
  get(namespace: string, id: string): Pipeline {
    const row = this.selectOne.get({ namespace, id });
    if (row) return toPipeline(row);

    this.namespaces.get(namespace);
    throw pipelineNotFound(namespace, id);
  }

  /** Whether the pipeline exists; creates it ACTIVE when it does not. */
  ensure(namespace: string, id: string): { created: boolean } {
    if (this.selectOne.get({ namespace, id })) return { created: false };

    this.namespaces.get(namespace);
    this.insertRow.run({ namespace, id, now: Date.now() });
    return { created: true };
  }

  setState(namespace: string, id: string, state: PipelineState): Pipeline {
    this.get(namespace, id);
    this.updateState.run({ namespace, id, state, now: Date.now() });
    return this.get(namespace, id);
  }

  setLiveVersion(namespace: string, id: string, version: number): void {
    this.updateLive.run({ namespace, id, version, now: Date.now() });
  }

  /** Foreign keys cascade to the pipeline's configs, runs and task runs. */
  delete(namespace: string, id: string): void {
    if (this.deleteRow.run({ namespace, id }).changes === 0) this.get(namespace, id);
  }

  nextConfigVersion(namespace: string, id: string): number {
    return this.bump(this.bumpVersion, namespace, id);
  }

  nextRunId(namespace: string, id: string): number {
    return this.bump(this.bumpRun, namespace, id);
  }

  private bump(
    statement: Database.Statement<[Key], { n: number }>,
    namespace: string,
    id: string,
  ): number {
    const row = statement.get({ namespace, id });
    if (row) return row.n;

    this.get(namespace, id);
    throw pipelineNotFound(namespace, id);
  }
}
