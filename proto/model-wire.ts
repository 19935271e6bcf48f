/**
 * Translates the records of kernel/contracts/model.ts to and from their `gofer.v1` messages.
 * The server sends with the `*ToWire` functions; the client turns responses back into the same
 * domain types with the `*FromWire` ones, so the CLI and tests work with one vocabulary.
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
  StatusReason,
  StatusReasonKind,
  TaskRun,
  TaskRunState,
  TaskRunStatus,
} from '../kernel/contracts/model.js';
import type { Event, Event__Output } from './generated/gofer/v1/Event.js';
import type { Namespace as WireNamespace } from './generated/gofer/v1/Namespace.js';
import type { Namespace__Output as WireNamespaceOut } from './generated/gofer/v1/Namespace.js';
import type { Pipeline as WirePipeline } from './generated/gofer/v1/Pipeline.js';
import type { Pipeline__Output as WirePipelineOut } from './generated/gofer/v1/Pipeline.js';
import type {
  PipelineConfigVersion as WireVersion,
  PipelineConfigVersion__Output as WireVersionOut,
} from './generated/gofer/v1/PipelineConfigVersion.js';
import type { Run as WireRun, Run__Output as WireRunOut } from './generated/gofer/v1/Run.js';
import type {
  StatusReason as WireReason,
  StatusReason__Output as WireReasonOut,
} from './generated/gofer/v1/StatusReason.js';
import type {
  TaskRun as WireTaskRun,
  TaskRun__Output as WireTaskRunOut,
} from './generated/gofer/v1/TaskRun.js';
import { configFromWire, configToWire } from './pipeline-config-wire.js';
import { enumFromWire, enumToWire } from './wire-enum.js';

export function namespaceToWire(ns: Namespace): WireNamespace {
  return { ...ns };
}

export function namespaceFromWire(w: WireNamespaceOut): Namespace {
  return {
    id: w.id,
    name: w.name,
    description: w.description,
    created: w.created,
    modified: w.modified,
  };
}

export function pipelineToWire(p: Pipeline): WirePipeline {
  return {
    namespace: p.namespace,
    id: p.id,
    state: enumToWire('PIPELINE_STATE', p.state),
    live_version: p.liveVersion,
    created: p.created,
    modified: p.modified,
  };
}

export function pipelineFromWire(w: WirePipelineOut): Pipeline {
  return {
    namespace: w.namespace,
    id: w.id,
    state: enumFromWire<PipelineState>('PIPELINE_STATE', w.state) ?? 'ACTIVE',
    liveVersion: w.live_version,
    created: w.created,
    modified: w.modified,
  };
}

export function versionToWire(v: PipelineConfigVersion): WireVersion {
  return {
    namespace: v.namespace,
    pipeline: v.pipeline,
    version: v.version,
    state: enumToWire('CONFIG_STATE', v.state),
    config: configToWire(v.config),
    registered: v.registered,
    deprecated: v.deprecated,
  };
}

export function versionFromWire(w: WireVersionOut): PipelineConfigVersion {
  return {
    namespace: w.namespace,
    pipeline: w.pipeline,
    version: w.version,
    state: enumFromWire<ConfigState>('CONFIG_STATE', w.state) ?? 'UNRELEASED',
    config: w.config ? configFromWire(w.config) : { id: w.pipeline, tasks: [] },
    registered: w.registered,
    deprecated: w.deprecated,
  };
}

function reasonToWire(r: StatusReason): WireReason {
  return { kind: enumToWire('STATUS_REASON_KIND', r.kind), description: r.description };
}

function reasonFromWire(w: WireReasonOut | null): StatusReason {
  const kind = enumFromWire<StatusReasonKind>('STATUS_REASON_KIND', w?.kind) ?? 'NONE';
  return { kind, description: w?.description ?? '' };
}

export function runToWire(r: Run): WireRun {
  return {
    namespace: r.namespace,
    pipeline: r.pipeline,
    id: r.id,
    version: r.version,
    state: enumToWire('RUN_STATE', r.state),
    status: enumToWire('RUN_STATUS', r.status),
    status_reason: reasonToWire(r.statusReason),
    initiator: { ...r.initiator, kind: enumToWire('INITIATOR_KIND', r.initiator.kind) },
    variables: { ...r.variables },
    retry_of: r.retryOf,
    queued: r.queued,
    started: r.started,
    ended: r.ended,
    logs_expired: r.logsExpired,
    objects_expired: r.objectsExpired,
  };
}

export function runFromWire(w: WireRunOut): Run {
  return {
    namespace: w.namespace,
    pipeline: w.pipeline,
    id: w.id,
    version: w.version,
    state: enumFromWire<RunState>('RUN_STATE', w.state) ?? 'QUEUED',
    status: enumFromWire<RunStatus>('RUN_STATUS', w.status) ?? 'UNKNOWN',
    statusReason: reasonFromWire(w.status_reason),
    initiator: {
      kind: enumFromWire<InitiatorKind>('INITIATOR_KIND', w.initiator?.kind) ?? 'HUMAN',
      name: w.initiator?.name ?? '',
      reason: w.initiator?.reason ?? '',
    },
    variables: { ...w.variables },
    retryOf: w.retry_of,
    queued: w.queued,
    started: w.started,
    ended: w.ended,
    logsExpired: w.logs_expired,
    objectsExpired: w.objects_expired,
  };
}

export function taskRunToWire(t: TaskRun): WireTaskRun {
  const wire: WireTaskRun = {
    namespace: t.namespace,
    pipeline: t.pipeline,
    run: t.run,
    id: t.id,
    state: enumToWire('TASK_RUN_STATE', t.state),
    status: enumToWire('TASK_RUN_STATUS', t.status),
    status_reason: reasonToWire(t.statusReason),
    attempt: t.attempt,
    workload_id: t.workloadId,
    created: t.created,
    started: t.started,
    ended: t.ended,
    logs_expired: t.logsExpired,
  };
  if (t.exitCode !== null) wire.exit_code = t.exitCode;
  return wire;
}

export function taskRunFromWire(w: WireTaskRunOut): TaskRun {
  return {
    namespace: w.namespace,
    pipeline: w.pipeline,
    run: w.run,
    id: w.id,
    state: enumFromWire<TaskRunState>('TASK_RUN_STATE', w.state) ?? 'WAITING',
    status: enumFromWire<TaskRunStatus>('TASK_RUN_STATUS', w.status) ?? 'UNKNOWN',
    statusReason: reasonFromWire(w.status_reason),
    attempt: w.attempt,
    exitCode: w.exit_code ?? null,
    workloadId: w.workload_id,
    created: w.created,
    started: w.started,
    ended: w.ended,
    logsExpired: w.logs_expired,
  };
}

export function eventToWire(e: GoferEvent): Event {
  return {
    id: e.id,
    type: enumToWire('EVENT_TYPE', e.type),
    namespace: e.namespace,
    pipeline: e.pipeline,
    run: e.run,
    task: e.task,
    details_json: JSON.stringify(e.details ?? {}),
    emitted: e.emitted,
  };
}

export function eventFromWire(w: Event__Output): GoferEvent {
  return {
    id: w.id,
    type: enumFromWire<EventType>('EVENT_TYPE', w.type) ?? ('UNSPECIFIED' as EventType),
    namespace: w.namespace,
    pipeline: w.pipeline,
    run: w.run,
    task: w.task,
    details: w.details_json ? (JSON.parse(w.details_json) as Record<string, unknown>) : {},
    emitted: w.emitted,
  };
}
