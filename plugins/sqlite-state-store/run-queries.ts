import type Database from 'better-sqlite3';
import type { Run, TaskRun } from '../../kernel/contracts/model.js';
import type { NewRun, Page, RunPatch } from '../../kernel/contracts/state-store.js';
import type { ConfigQueries } from './config-queries.js';
import { duplicateTaskIds, runNotFound } from './entity-errors.js';
import { pageLimits } from './page-limits.js';
import { asFlag, patchAssignments, type Bindable, type PatchColumns } from './patch-columns.js';
import type { PipelineQueries } from './pipeline-queries.js';
import { toRun, type RunRow } from './row-mapping.js';
import type { TaskRunQueries } from './task-run-queries.js';

interface Key {
  namespace: string;
  pipeline: string;
  id: number;
}

const RUN_PATCH: PatchColumns<RunPatch> = {
  state: (state) => ({ state }),
  status: (status) => ({ status }),
  statusReason: (reason) => ({
    status_reason_kind: reason.kind,
    status_reason_description: reason.description,
  }),
  started: (started) => ({ started }),
  ended: (ended) => ({ ended }),
  logsExpired: (expired) => ({ logs_expired: asFlag(expired) }),
  objectsExpired: (expired) => ({ objects_expired: asFlag(expired) }),
};

/** Runs. Synchronous; the caller decides the transaction. */
export class RunQueries {
  private readonly selectOne;
  private readonly selectPage;
  private readonly selectUnfinished;
  private readonly selectPastRetention;
  private readonly selectPastObjectRetention;
  private readonly insertRow;
  private readonly bumpQueue;
  private readonly updates = new Map<string, Database.Statement<[Record<string, Bindable>]>>();

  constructor(
    private readonly db: Database.Database,
    private readonly pipelines: PipelineQueries,
    private readonly configs: ConfigQueries,
    private readonly taskRuns: TaskRunQueries,
  ) {
    const key = 'namespace = @namespace AND pipeline = @pipeline';
    this.selectOne = db.prepare<[Key], RunRow>(`SELECT * FROM runs WHERE ${key} AND id = @id`);
    this.selectPage = db.prepare<[Omit<Key, 'id'> & { limit: number; offset: number }], RunRow>(
      `SELECT * FROM runs WHERE ${key} ORDER BY id DESC LIMIT @limit OFFSET @offset`,
    );
    this.selectUnfinished = db.prepare<[], RunRow>(
      `SELECT * FROM runs WHERE state <> 'COMPLETE' ORDER BY queued`,
    );

    // The run at OFFSET `keep` from the newest has exactly `keep` newer runs; it and every run
    // older than it are past retention. No such run (too few runs) selects nothing.
    this.selectPastRetention = db.prepare<[Omit<Key, 'id'> & { keep: number }], RunRow>(
      `SELECT * FROM runs
       WHERE ${key} AND state = 'COMPLETE' AND logs_expired = 0
         AND id <= (SELECT id FROM runs WHERE ${key} ORDER BY id DESC LIMIT 1 OFFSET @keep)
       ORDER BY id`,
    );
    this.selectPastObjectRetention = db.prepare<[Omit<Key, 'id'> & { keep: number }], RunRow>(
      `SELECT * FROM runs
       WHERE ${key} AND state = 'COMPLETE' AND objects_expired = 0
         AND id <= (SELECT id FROM runs WHERE ${key} ORDER BY id DESC LIMIT 1 OFFSET @keep)
       ORDER BY id`,
    );
    this.insertRow = db.prepare<[Record<string, Bindable>]>(
      `INSERT INTO runs (namespace, pipeline, id, version, state, status, status_reason_kind,
         status_reason_description, initiator_kind, initiator_name, initiator_reason, variables,
         retry_of, queued)
       VALUES (@namespace, @pipeline, @id, @version, 'QUEUED', 'UNKNOWN', 'NONE', '',
         @initiator_kind, @initiator_name, @initiator_reason, @variables, @retry_of, @queued)`,
    );
    this.bumpQueue = db.prepare<[], { n: number }>(
      `UPDATE sequences SET value = value + 1 WHERE name = 'run_queue' RETURNING value AS n`,
    );
  }

  /** Numbers the run, gives it the next queue position, and creates its WAITING task runs. */
  create(run: NewRun): { run: Run; taskRuns: TaskRun[] } {
    const { namespace, pipeline } = run;
    const { version } = this.configs.get(namespace, pipeline, run.version);
    const repeated = run.taskIds.filter((id, i) => run.taskIds.indexOf(id) !== i);
    if (repeated.length > 0) throw duplicateTaskIds(namespace, pipeline, [...new Set(repeated)]);

    const id = this.pipelines.nextRunId(namespace, pipeline);
    const queued = (this.bumpQueue.get() as { n: number }).n;
    this.insertRow.run({
      namespace,
      pipeline,
      id,
      version,
      initiator_kind: run.initiator.kind,
      initiator_name: run.initiator.name,
      initiator_reason: run.initiator.reason,
      variables: JSON.stringify(run.variables),
      retry_of: run.retryOf ?? 0,
      queued,
    });

    const taskRuns = this.taskRuns.createAll(namespace, pipeline, id, run.taskIds);
    return { run: this.get(namespace, pipeline, id), taskRuns };
  }

  /** The run, or NOT_FOUND naming whichever of namespace, pipeline and run is missing. */
  get(namespace: string, pipeline: string, id: number): Run {
    const row = this.selectOne.get({ namespace, pipeline, id });
    if (row) return toRun(row);

    this.pipelines.get(namespace, pipeline);
    throw runNotFound(namespace, pipeline, id);
  }

  list(namespace: string, pipeline: string, page?: Page): Run[] {
    this.pipelines.get(namespace, pipeline);
    return this.selectPage.all({ namespace, pipeline, ...pageLimits(page) }).map(toRun);
  }

  listUnfinished(): Run[] {
    return this.selectUnfinished.all().map(toRun);
  }

  listPastRetention(
    namespace: string,
    pipeline: string,
    keep: number,
    what: 'logs' | 'objects' = 'logs',
  ): Run[] {
    this.pipelines.get(namespace, pipeline);
    const kept = Number.isFinite(keep) && keep > 0 ? Math.floor(keep) : 0;
    const query = what === 'objects' ? this.selectPastObjectRetention : this.selectPastRetention;
    return query.all({ namespace, pipeline, keep: kept }).map(toRun);
  }

  update(namespace: string, pipeline: string, id: number, patch: RunPatch): Run {
    const { assignments, params } = patchAssignments(patch, RUN_PATCH);
    if (assignments === '') return this.get(namespace, pipeline, id);

    this.updateStatement(assignments).run({ ...params, namespace, pipeline, id });
    return this.get(namespace, pipeline, id);
  }

  // One statement per set of patched columns; the kernel uses only a handful of shapes.
  private updateStatement(assignments: string) {
    let statement = this.updates.get(assignments);
    if (!statement) {
      statement = this.db.prepare(
        `UPDATE runs SET ${assignments}
         WHERE namespace = @namespace AND pipeline = @pipeline AND id = @id`,
      );
      this.updates.set(assignments, statement);
    }
    return statement;
  }
}
