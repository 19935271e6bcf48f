/**
 * The state store contract: where the kernel keeps namespaces, pipelines, runs, task runs and
 * events. The embedded default is SQLite (`plugins/sqlite-state-store`). Every write either
 * happens whole or not at all, and concurrent writers never fail for being concurrent.
 *
 * Errors carry a `code` (`NOT_FOUND`, `ALREADY_EXISTS`, `FAILED_PRECONDITION`) via `StoreError`.
 */
import type { PipelineConfig } from '../../sdk/config/pipeline-config.js';
import type {
  EventType,
  InstalledExtension,
  InstalledPlugin,
  Subscription,
  SubscriptionKey,
  GoferEvent,
  Initiator,
  Namespace,
  Pipeline,
  PipelineConfigVersion,
  PipelineState,
  Run,
  TaskRun,
} from './model.js';

export const STATE_STORE = Symbol.for('gofer.contract.StateStore');

export type StoreErrorCode = 'NOT_FOUND' | 'ALREADY_EXISTS' | 'FAILED_PRECONDITION';

export class StoreError extends Error {
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    /** What the user can do about it, e.g. "list them with `gofer pipeline list`". */
    readonly fix?: string,
  ) {
    super(message);
    this.name = 'StoreError';
  }
}

export interface Page {
  /** At most this many items; the store clamps it to its own maximum (200 by default). */
  limit?: number;
  offset?: number;
}

export interface NewRun {
  namespace: string;
  pipeline: string;
  version: number;
  initiator: Initiator;
  variables: Record<string, string>;
  retryOf?: number;
  /** Task ids of the config; a WAITING task run is created for each, in the same write. */
  taskIds: string[];
}

export type RunPatch = Partial<
  Pick<
    Run,
    'state' | 'status' | 'statusReason' | 'started' | 'ended' | 'logsExpired' | 'objectsExpired'
  >
>;
export type TaskRunPatch = Partial<
  Pick<
    TaskRun,
    | 'state'
    | 'status'
    | 'statusReason'
    | 'attempt'
    | 'exitCode'
    | 'workloadId'
    | 'started'
    | 'ended'
    | 'logsExpired'
  >
>;

export interface NewEvent {
  type: EventType;
  namespace?: string;
  pipeline?: string;
  run?: number;
  task?: string;
  details?: Record<string, unknown>;
}

export interface StateStore {
  // Installation

  /** A random id created on first use and kept for the life of the data. */
  installationId(): Promise<string>;

  // Namespaces

  listNamespaces(page?: Page): Promise<Namespace[]>;
  getNamespace(id: string): Promise<Namespace>;
  /** Rejects with ALREADY_EXISTS. */
  createNamespace(ns: Omit<Namespace, 'created' | 'modified'>): Promise<Namespace>;
  updateNamespace(id: string, patch: { name?: string; description?: string }): Promise<Namespace>;
  /** Deletes the namespace and everything in it. */
  deleteNamespace(id: string): Promise<void>;

  // Pipelines and their versioned configs

  listPipelines(namespace: string, page?: Page): Promise<Pipeline[]>;
  getPipeline(namespace: string, id: string): Promise<Pipeline>;
  /**
   * Stores `config` as the pipeline's next version (UNRELEASED), creating the pipeline (ACTIVE)
   * when it is new. Returns the stored version and whether the pipeline was created.
   */
  registerConfig(
    namespace: string,
    config: PipelineConfig,
  ): Promise<{ version: PipelineConfigVersion; pipelineCreated: boolean }>;
  listConfigs(namespace: string, pipeline: string, page?: Page): Promise<PipelineConfigVersion[]>;
  /** Version 0 means the live version (NOT_FOUND when none is live). */
  getConfig(namespace: string, pipeline: string, version: number): Promise<PipelineConfigVersion>;
  /** Makes `version` LIVE and the previously live one DEPRECATED, in one write. */
  deployConfig(
    namespace: string,
    pipeline: string,
    version: number,
  ): Promise<PipelineConfigVersion>;
  setPipelineState(namespace: string, pipeline: string, state: PipelineState): Promise<Pipeline>;
  /** Deletes the pipeline with its configs, runs and task runs. */
  deletePipeline(namespace: string, pipeline: string): Promise<void>;
  /**
   * Deletes versions beyond the newest `keep`, never the live one and never one that a run still
   * refers to. Returns the deleted version numbers.
   */
  pruneConfigs(namespace: string, pipeline: string, keep: number): Promise<number[]>;

  // Runs and task runs

  /** Allocates the next run id of the pipeline and inserts the run (QUEUED) and its task runs. */
  createRun(run: NewRun): Promise<{ run: Run; taskRuns: TaskRun[] }>;
  getRun(namespace: string, pipeline: string, id: number): Promise<Run>;
  /** Newest first. */
  listRuns(namespace: string, pipeline: string, page?: Page): Promise<Run[]>;
  /** Runs not COMPLETE, in every namespace, oldest (lowest queue position) first. No cap. */
  listUnfinishedRuns(): Promise<Run[]>;
  updateRun(namespace: string, pipeline: string, id: number, patch: RunPatch): Promise<Run>;
  /** In config order. */
  listTaskRuns(namespace: string, pipeline: string, run: number): Promise<TaskRun[]>;
  getTaskRun(namespace: string, pipeline: string, run: number, task: string): Promise<TaskRun>;
  updateTaskRun(
    namespace: string,
    pipeline: string,
    run: number,
    task: string,
    patch: TaskRunPatch,
  ): Promise<TaskRun>;
  /**
   * Runs of the pipeline that are COMPLETE, whose logs (or, with `what` = `objects`, objects)
   * have not expired, and that have at least `keep` newer runs. Oldest first.
   */
  listRunsPastRetention(
    namespace: string,
    pipeline: string,
    keep: number,
    what?: 'logs' | 'objects',
  ): Promise<Run[]>;

  // Events

  appendEvent(event: NewEvent): Promise<GoferEvent>;
  getEvent(id: number): Promise<GoferEvent>;
  /** Events with id > `afterId` in ascending order, or the newest first with `reverse`. */
  listEvents(opts: { afterId?: number; limit?: number; reverse?: boolean }): Promise<GoferEvent[]>;
  /** Deletes events emitted before `before` (epoch ms); returns how many. */
  pruneEvents(before: number): Promise<number>;

  // Extensions and the subscriptions of pipelines to them

  /** In name order. */
  listExtensions(): Promise<InstalledExtension[]>;
  getExtension(name: string): Promise<InstalledExtension>;
  /** Rejects with ALREADY_EXISTS. */
  createExtension(
    ext: Omit<InstalledExtension, 'created' | 'modified'>,
  ): Promise<InstalledExtension>;
  updateExtension(name: string, patch: ExtensionPatch): Promise<InstalledExtension>;
  /** Deletes the extension with all its subscriptions, in one write. */
  deleteExtension(name: string): Promise<void>;
  /** Every filter field is optional; ordered by namespace, pipeline, extension, label. */
  listSubscriptions(filter?: Partial<SubscriptionKey>): Promise<Subscription[]>;
  getSubscription(key: SubscriptionKey): Promise<Subscription>;
  /**
   * Rejects with ALREADY_EXISTS, or NOT_FOUND when the pipeline or extension is missing.
   * Deleting the pipeline deletes its subscriptions.
   */
  createSubscription(sub: Omit<Subscription, 'created' | 'modified'>): Promise<Subscription>;
  updateSubscription(key: SubscriptionKey, patch: SubscriptionPatch): Promise<Subscription>;
  deleteSubscription(key: SubscriptionKey): Promise<void>;

  // Plugin packages installed into the data directory

  /** In id order. */
  listPlugins(): Promise<InstalledPlugin[]>;
  /** Records a plugin, replacing the record of an earlier version with the same id. */
  putPlugin(plugin: InstalledPlugin): Promise<InstalledPlugin>;
  /** Missing is not an error. */
  deletePlugin(id: string): Promise<void>;

  close(): Promise<void>;
}

export type ExtensionPatch = Partial<Pick<InstalledExtension, 'enabled' | 'info'>>;
export type SubscriptionPatch = Partial<
  Pick<Subscription, 'state' | 'statusReason' | 'lastRunMs' | 'settings'>
>;
