/**
 * Rows as SQLite returns them, and their translation into the domain model. Booleans are 0/1
 * and maps are JSON text in the database; nothing outside this file sees either form.
 */
import type {
  ConfigState,
  EventType,
  GoferEvent,
  InitiatorKind,
  Namespace,
  Pipeline,
  PipelineConfigVersion,
  PipelineState,
  Run,
  RunState,
  RunStatus,
  StatusReasonKind,
  TaskRun,
  TaskRunState,
  TaskRunStatus,
} from '../../kernel/contracts/model.js';

export type NamespaceRow = Namespace;

export interface PipelineRow {
  namespace: string;
  id: string;
  state: PipelineState;
  live_version: number;
  created: number;
  modified: number;
}

export interface ConfigRow {
  namespace: string;
  pipeline: string;
  version: number;
  state: ConfigState;
  config: string;
  registered: number;
  deprecated: number;
}

interface ReasonColumns {
  status_reason_kind: StatusReasonKind;
  status_reason_description: string;
}

export interface RunRow extends ReasonColumns {
  namespace: string;
  pipeline: string;
  id: number;
  version: number;
  state: RunState;
  status: RunStatus;
  initiator_kind: InitiatorKind;
  initiator_name: string;
  initiator_reason: string;
  variables: string;
  retry_of: number;
  queued: number;
  started: number;
  ended: number;
  logs_expired: number;
  objects_expired: number;
}

export interface TaskRunRow extends ReasonColumns {
  namespace: string;
  pipeline: string;
  run: number;
  id: string;
  state: TaskRunState;
  status: TaskRunStatus;
  attempt: number;
  exit_code: number | null;
  workload_id: string;
  created: number;
  started: number;
  ended: number;
  logs_expired: number;
}

export interface EventRow {
  id: number;
  type: EventType;
  namespace: string;
  pipeline: string;
  run: number;
  task: string;
  details: string;
  emitted: number;
}

export const toNamespace = (row: NamespaceRow): Namespace => ({ ...row });

export const toPipeline = (row: PipelineRow): Pipeline => ({
  namespace: row.namespace,
  id: row.id,
  state: row.state,
  liveVersion: row.live_version,
  created: row.created,
  modified: row.modified,
});

export const toConfigVersion = (row: ConfigRow): PipelineConfigVersion => ({
  namespace: row.namespace,
  pipeline: row.pipeline,
  version: row.version,
  state: row.state,
  config: JSON.parse(row.config),
  registered: row.registered,
  deprecated: row.deprecated,
});

export const toRun = (row: RunRow): Run => ({
  namespace: row.namespace,
  pipeline: row.pipeline,
  id: row.id,
  version: row.version,
  state: row.state,
  status: row.status,
  statusReason: { kind: row.status_reason_kind, description: row.status_reason_description },
  initiator: { kind: row.initiator_kind, name: row.initiator_name, reason: row.initiator_reason },
  variables: JSON.parse(row.variables),
  retryOf: row.retry_of,
  queued: row.queued,
  started: row.started,
  ended: row.ended,
  logsExpired: row.logs_expired === 1,
  objectsExpired: row.objects_expired === 1,
});

export const toTaskRun = (row: TaskRunRow): TaskRun => ({
  namespace: row.namespace,
  pipeline: row.pipeline,
  run: row.run,
  id: row.id,
  state: row.state,
  status: row.status,
  statusReason: { kind: row.status_reason_kind, description: row.status_reason_description },
  attempt: row.attempt,
  exitCode: row.exit_code,
  workloadId: row.workload_id,
  created: row.created,
  started: row.started,
  ended: row.ended,
  logsExpired: row.logs_expired === 1,
});

export const toEvent = (row: EventRow): GoferEvent => ({
  id: row.id,
  type: row.type,
  namespace: row.namespace,
  pipeline: row.pipeline,
  run: row.run,
  task: row.task,
  details: JSON.parse(row.details),
  emitted: row.emitted,
});
