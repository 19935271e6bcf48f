import type Database from 'better-sqlite3';
import type { TaskRun } from '../../kernel/contracts/model.js';
import type { TaskRunPatch } from '../../kernel/contracts/state-store.js';
import { runNotFound, taskRunNotFound } from './entity-errors.js';
import { asFlag, patchAssignments, type Bindable, type PatchColumns } from './patch-columns.js';
import type { PipelineQueries } from './pipeline-queries.js';
import { toTaskRun, type TaskRunRow } from './row-mapping.js';

interface RunKey {
  namespace: string;
  pipeline: string;
  run: number;
}

const TASK_RUN_PATCH: PatchColumns<TaskRunPatch> = {
  state: (state) => ({ state }),
  status: (status) => ({ status }),
  statusReason: (reason) => ({
    status_reason_kind: reason.kind,
    status_reason_description: reason.description,
  }),
  attempt: (attempt) => ({ attempt }),
  exitCode: (exitCode) => ({ exit_code: exitCode }),
  workloadId: (workloadId) => ({ workload_id: workloadId }),
  started: (started) => ({ started }),
  ended: (ended) => ({ ended }),
  logsExpired: (expired) => ({ logs_expired: asFlag(expired) }),
};

/** Task runs, kept in the order of the config's tasks. Synchronous; the caller decides the transaction. */
export class TaskRunQueries {
  private readonly selectOne;
  private readonly selectAll;
  private readonly runExists;
  private readonly insertRow;
  private readonly updates = new Map<string, Database.Statement<[Record<string, Bindable>]>>();

  constructor(
    private readonly db: Database.Database,
    private readonly pipelines: PipelineQueries,
  ) {
    const key = 'namespace = @namespace AND pipeline = @pipeline AND run = @run';
    this.selectOne = db.prepare<[RunKey & { id: string }], TaskRunRow>(
      `SELECT * FROM task_runs WHERE ${key} AND id = @id`,
    );
    this.selectAll = db.prepare<[RunKey], TaskRunRow>(
      `SELECT * FROM task_runs WHERE ${key} ORDER BY ordinal`,
    );
    this.runExists = db.prepare<[RunKey], { one: number }>(
      'SELECT 1 AS one FROM runs WHERE namespace = @namespace AND pipeline = @pipeline AND id = @run',
    );
    this.insertRow = db.prepare<[RunKey & { id: string; ordinal: number; now: number }]>(
      `INSERT INTO task_runs (namespace, pipeline, run, id, ordinal, state, status,
         status_reason_kind, status_reason_description, created)
       VALUES (@namespace, @pipeline, @run, @id, @ordinal, 'WAITING', 'UNKNOWN', 'NONE', '', @now)`,
    );
  }

  /** Inserts one WAITING task run per id, remembering the ids' order. */
  createAll(namespace: string, pipeline: string, run: number, ids: readonly string[]): TaskRun[] {
    const now = Date.now();
    ids.forEach((id, ordinal) =>
      this.insertRow.run({ namespace, pipeline, run, id, ordinal, now }),
    );
    return this.selectAll.all({ namespace, pipeline, run }).map(toTaskRun);
  }

  list(namespace: string, pipeline: string, run: number): TaskRun[] {
    this.requireRun(namespace, pipeline, run);
    return this.selectAll.all({ namespace, pipeline, run }).map(toTaskRun);
  }

  get(namespace: string, pipeline: string, run: number, id: string): TaskRun {
    const row = this.selectOne.get({ namespace, pipeline, run, id });
    if (row) return toTaskRun(row);

    this.requireRun(namespace, pipeline, run);
    throw taskRunNotFound(namespace, pipeline, run, id);
  }

  update(
    namespace: string,
    pipeline: string,
    run: number,
    id: string,
    patch: TaskRunPatch,
  ): TaskRun {
    const { assignments, params } = patchAssignments(patch, TASK_RUN_PATCH);
    if (assignments !== '') {
      this.updateStatement(assignments).run({ ...params, namespace, pipeline, run, id });
    }
    return this.get(namespace, pipeline, run, id);
  }

  private requireRun(namespace: string, pipeline: string, run: number): void {
    if (this.runExists.get({ namespace, pipeline, run })) return;

    this.pipelines.get(namespace, pipeline);
    throw runNotFound(namespace, pipeline, run);
  }

  private updateStatement(assignments: string) {
    let statement = this.updates.get(assignments);
    if (!statement) {
      statement = this.db.prepare(
        `UPDATE task_runs SET ${assignments}
         WHERE namespace = @namespace AND pipeline = @pipeline AND run = @run AND id = @id`,
      );
      this.updates.set(assignments, statement);
    }
    return statement;
  }
}
