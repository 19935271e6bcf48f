/**
 * The kernel's domain model: the records that the state store keeps and the API shows.
 * Timestamps are epoch milliseconds; 0 means "not yet".
 */
import type { PipelineConfig } from '../../sdk/config/pipeline-config.js';
import type { ExtensionInfo } from './extension.js';

export interface Namespace {
  id: string;
  name: string;
  description: string;
  created: number;
  modified: number;
}

export type PipelineState = 'ACTIVE' | 'DISABLED';

export interface Pipeline {
  namespace: string;
  id: string;
  state: PipelineState;
  /** Version of the config that new runs use; 0 while no version has been deployed. */
  liveVersion: number;
  created: number;
  modified: number;
}

export type ConfigState = 'UNRELEASED' | 'LIVE' | 'DEPRECATED';

export interface PipelineConfigVersion {
  namespace: string;
  pipeline: string;
  version: number;
  state: ConfigState;
  config: PipelineConfig;
  registered: number;
  /** When the version stopped being live; 0 while it never was replaced. */
  deprecated: number;
}

/** Why a run or task run ended the way it did, in words a user can act on. */
export interface StatusReason {
  kind: StatusReasonKind;
  description: string;
}

export type StatusReasonKind =
  | 'NONE'
  | 'ABNORMAL_EXIT'
  | 'SCHEDULER_ERROR'
  | 'FAILED_PRECONDITION'
  | 'USER_CANCELLED'
  | 'TIMEOUT'
  | 'ORPHANED'
  | 'DEPENDENCY_NOT_MET'
  | 'PIPELINE_DELETED';

export type RunState = 'QUEUED' | 'RUNNING' | 'COMPLETE';
export type RunStatus = 'UNKNOWN' | 'SUCCESSFUL' | 'FAILED' | 'CANCELLED';

export type InitiatorKind = 'HUMAN' | 'BOT' | 'EXTENSION';

export interface Initiator {
  kind: InitiatorKind;
  name: string;
  reason: string;
}

export interface Run {
  namespace: string;
  pipeline: string;
  id: number;
  /** The config version the run uses, fixed when the run is created. */
  version: number;
  state: RunState;
  status: RunStatus;
  statusReason: StatusReason;
  initiator: Initiator;
  /** Run variables as given at start; task variables and system variables are not copied here. */
  variables: Record<string, string>;
  /** The run this one retries, or 0. */
  retryOf: number;
  /** Position in the wait queue at creation; runs leave the queue in this order. */
  queued: number;
  started: number;
  ended: number;
  logsExpired: boolean;
  /** The run's objects were deleted once it had `object_store.run_object_expiry` newer runs. */
  objectsExpired: boolean;
}

export type TaskRunState = 'WAITING' | 'PROCESSING' | 'RUNNING' | 'COMPLETE';
export type TaskRunStatus = 'UNKNOWN' | 'SUCCESSFUL' | 'FAILED' | 'CANCELLED' | 'SKIPPED';

export interface TaskRun {
  namespace: string;
  pipeline: string;
  run: number;
  /** The task id from the config. */
  id: string;
  state: TaskRunState;
  status: TaskRunStatus;
  statusReason: StatusReason;
  /** 1-based; grows with each retry. 0 while the task has not been attempted. */
  attempt: number;
  /** Exit code of the last attempt; null when no process ever exited. */
  exitCode: number | null;
  /** Scheduler id of the last attempt's workload, for reconciliation; empty when none. */
  workloadId: string;
  created: number;
  started: number;
  ended: number;
  logsExpired: boolean;
}

export interface GoferEvent {
  id: number;
  type: EventType;
  namespace: string;
  pipeline: string;
  run: number;
  task: string;
  /** Type-specific details; never holds secret values. */
  details: Record<string, unknown>;
  emitted: number;
}

export type EventType =
  | 'NAMESPACE_CREATED'
  | 'NAMESPACE_UPDATED'
  | 'NAMESPACE_DELETED'
  | 'PIPELINE_REGISTERED'
  | 'PIPELINE_CONFIG_REGISTERED'
  | 'PIPELINE_DEPLOYED'
  | 'PIPELINE_ENABLED'
  | 'PIPELINE_DISABLED'
  | 'PIPELINE_DELETED'
  | 'PIPELINE_CONFIGS_PRUNED'
  | 'RUN_QUEUED'
  | 'RUN_STARTED'
  | 'RUN_CANCEL_REQUESTED'
  | 'RUN_COMPLETED'
  | 'TASK_RUN_STARTED'
  | 'TASK_RUN_RETRYING'
  | 'TASK_RUN_COMPLETED'
  | 'TASK_RUN_CANCEL_REQUESTED'
  /** A pipeline object put past the pipeline's limit deleted the oldest key, named in `key`. */
  | 'PIPELINE_OBJECT_EVICTED';

export type ExtensionRuntimeKind = 'wasm' | 'container';

/** An installed extension, as the state store keeps it. */
export interface InstalledExtension {
  name: string;
  /** `.wasm` file path for the wasm runtime, otherwise a container image reference. */
  source: string;
  runtime: ExtensionRuntimeKind;
  /** A disabled extension is not started and starts no runs. */
  enabled: boolean;
  /** The operator's configuration, keys lower-cased. */
  config: Record<string, string>;
  /** Permissions granted at install, e.g. `wasi:clocks`. */
  grants: string[];
  /** What the extension said of itself at its last start; null until it has started once. */
  info: ExtensionInfo | null;
  created: number;
  modified: number;
}

export type SubscriptionState = 'ACTIVE' | 'DISABLED' | 'ERROR';

/** Names one subscription: a pipeline may subscribe to one extension under several labels. */
export interface SubscriptionKey {
  namespace: string;
  pipeline: string;
  extension: string;
  label: string;
}

export interface Subscription extends SubscriptionKey {
  /** The user's settings, keys lower-cased. */
  settings: Record<string, string>;
  state: SubscriptionState;
  /** Why the subscription is in ERROR; empty otherwise. */
  statusReason: string;
  /** The subscription's phase (epoch ms), fixed at creation so restarts never shift it. */
  anchorMs: number;
  /** When the subscription last started a run; 0 for never. */
  lastRunMs: number;
  created: number;
  modified: number;
}

/** A plugin package installed with `gofer plugin install`, loaded again at every start. */
export interface InstalledPlugin {
  id: string;
  kind: string;
  /** What configuration selects it by within its kind. */
  name: string;
  version: string;
  /** The folder it was unpacked or copied into, inside the data directory. */
  dir: string;
  /** Where it was installed from, as given. */
  source: string;
  installed: number;
}
