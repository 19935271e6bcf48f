/**
 * What the API layer asks of the kernel. The gRPC handlers translate requests into these calls
 * and their results (or `GoferError`s, `StoreError`s, `AuthError`s by `code`) into responses, so
 * nothing here knows about gRPC.
 */
import type { PipelineConfig } from '../../sdk/config/pipeline-config.js';
import type { CreatedToken, NewToken, Principal, TokenInfo } from '../contracts/auth.js';
import type {
  ExtensionRuntimeKind,
  GoferEvent,
  Initiator,
  InstalledExtension,
  Subscription,
  SubscriptionKey,
  Namespace,
  Pipeline,
  PipelineConfigVersion,
  Run,
  TaskRun,
} from '../contracts/model.js';
import type { Page } from '../contracts/state-store.js';
import type { PluginKind } from '../contracts/plugin.js';
import type { ObjectInfo, ObjectKey, ObjectScope } from '../contracts/object-store.js';
import type { SecretInfo } from '../contracts/secret-store.js';
import type { LogStream } from '../logs/log-framing.js';

export interface NamespaceService {
  list(page?: Page): Promise<Namespace[]>;
  get(id: string): Promise<Namespace>;
  create(ns: { id: string; name: string; description: string }): Promise<Namespace>;
  update(id: string, patch: { name?: string; description?: string }): Promise<Namespace>;
  /** Cancels the namespace's runs in flight, then deletes it and everything in it. */
  delete(id: string): Promise<void>;
}

export interface PipelineService {
  list(namespace: string, page?: Page): Promise<Pipeline[]>;
  get(namespace: string, id: string): Promise<Pipeline>;
  /**
   * Validates `config` (INVALID_ARGUMENT naming the offending task ids) and the scheduler's
   * ability to run its tasks, then stores it as the next version.
   */
  register(namespace: string, config: PipelineConfig): Promise<PipelineConfigVersion>;
  deploy(namespace: string, id: string, version: number): Promise<PipelineConfigVersion>;
  enable(namespace: string, id: string): Promise<Pipeline>;
  disable(namespace: string, id: string): Promise<Pipeline>;
  /** Cancels the pipeline's runs in flight, then deletes it with its configs and runs. */
  delete(namespace: string, id: string): Promise<void>;
  listConfigs(namespace: string, id: string, page?: Page): Promise<PipelineConfigVersion[]>;
  /** Version 0 means the live version. */
  getConfig(namespace: string, id: string, version: number): Promise<PipelineConfigVersion>;
}

export interface StartRunRequest {
  namespace: string;
  pipeline: string;
  variables: Record<string, string>;
  initiator: Initiator;
}

export interface RunService {
  /** Creates the run on the live config version; it starts now or waits QUEUED for a slot. */
  start(req: StartRunRequest): Promise<Run>;
  get(namespace: string, pipeline: string, id: number): Promise<Run>;
  list(namespace: string, pipeline: string, page?: Page): Promise<Run[]>;
  /** Resolves once the cancel is recorded; the run reaches CANCELLED shortly after. */
  cancel(namespace: string, pipeline: string, id: number, reason: string): Promise<Run>;
  /** Cancels every run of the pipeline that is not complete; returns their ids. */
  cancelAll(namespace: string, pipeline: string, reason: string): Promise<number[]>;
  /** Starts a new run with the same variables on the same config version. */
  retry(namespace: string, pipeline: string, id: number, initiator: Initiator): Promise<Run>;
  listTaskRuns(namespace: string, pipeline: string, run: number): Promise<TaskRun[]>;
  getTaskRun(namespace: string, pipeline: string, run: number, task: string): Promise<TaskRun>;
  cancelTaskRun(
    namespace: string,
    pipeline: string,
    run: number,
    task: string,
    reason: string,
  ): Promise<TaskRun>;
}

export interface LogChunk {
  task: string;
  stream: LogStream;
  data: Buffer;
}

export interface LogService {
  /**
   * Yields the task's output as stored. With `follow`, keeps yielding live output until the task
   * run is complete and everything has been read. A task that never started yields nothing and
   * ends at once. Rejects with NOT_FOUND or FAILED_PRECONDITION (logs expired).
   */
  taskLogs(
    namespace: string,
    pipeline: string,
    run: number,
    task: string,
    opts: { follow: boolean; signal?: AbortSignal },
  ): AsyncIterable<LogChunk>;
  /** All tasks of a run, interleaved as they arrive when following. */
  runLogs(
    namespace: string,
    pipeline: string,
    run: number,
    opts: { follow: boolean; signal?: AbortSignal },
  ): AsyncIterable<LogChunk>;
}

export interface EventService {
  get(id: number): Promise<GoferEvent>;
  /**
   * Stored events after `afterId` (oldest first), or newest first with `reverse`; with `follow`,
   * then every new event as it is emitted, without gaps or duplicates, until `signal` aborts.
   */
  list(opts: {
    afterId?: number;
    reverse?: boolean;
    follow?: boolean;
    limit?: number;
    signal?: AbortSignal;
  }): AsyncIterable<GoferEvent>;
}

export interface WhoAmI {
  principal: Principal;
  /** The calling token's record; absent when the auth plugin keeps no tokens (dev mode). */
  token?: TokenInfo;
}

/** API tokens, served from the auth plugin's `TokenManager`; see docs/auth.md. */
export interface TokenService {
  /** The first management token, once per installation; ALREADY_EXISTS after. */
  bootstrap(): Promise<CreatedToken>;
  create(token: NewToken): Promise<CreatedToken>;
  list(): Promise<TokenInfo[]>;
  get(id: string): Promise<TokenInfo>;
  enable(id: string): Promise<TokenInfo>;
  disable(id: string): Promise<TokenInfo>;
  delete(id: string): Promise<void>;
  /** `token` is the caller's bearer token as sent, undefined when the call had none. */
  whoami(principal: Principal, token: string | undefined): Promise<WhoAmI>;
}

export interface SystemInfo {
  version: string;
  devMode: boolean;
  scheduler: string;
  stateStore: string;
  auth: string;
}

/** Pipeline objects (`run` absent) and run objects (`run` set); values are bytes. */
export interface ObjectService {
  /** NOT_FOUND when the pipeline or run does not exist. */
  list(scope: ObjectScope): Promise<ObjectInfo[]>;
  /** NOT_FOUND naming the key. */
  get(key: ObjectKey): Promise<{ info: ObjectInfo; value: Buffer }>;
  /**
   * ALREADY_EXISTS without `force`; a new pipeline key past the limit evicts the oldest, named
   * in `evicted` and in a PIPELINE_OBJECT_EVICTED event.
   */
  put(
    key: ObjectKey,
    value: Buffer,
    opts: { force: boolean },
  ): Promise<{ info: ObjectInfo; evicted: string[] }>;
  delete(key: ObjectKey): Promise<void>;
}

/** Pipeline secrets (namespace and pipeline set) and global secrets (neither). */
export interface SecretService {
  listPipeline(namespace: string, pipeline: string): Promise<SecretInfo[]>;
  /** The value only with `includeValue`. */
  getPipeline(
    namespace: string,
    pipeline: string,
    key: string,
    includeValue: boolean,
  ): Promise<{ info: SecretInfo; value?: Buffer }>;
  /** Values shorter than the masking minimum are INVALID_ARGUMENT. */
  putPipeline(
    namespace: string,
    pipeline: string,
    key: string,
    value: Buffer,
    opts: { force: boolean },
  ): Promise<SecretInfo>;
  deletePipeline(namespace: string, pipeline: string, key: string): Promise<void>;
  listGlobal(): Promise<SecretInfo[]>;
  getGlobal(key: string, includeValue: boolean): Promise<{ info: SecretInfo; value?: Buffer }>;
  /** `namespaces`: exact names or whole-name globs; an invalid pattern is INVALID_ARGUMENT. */
  putGlobal(
    key: string,
    value: Buffer,
    opts: { force: boolean; namespaces: string[] },
  ): Promise<SecretInfo>;
  deleteGlobal(key: string): Promise<void>;
}

export type ExtensionStatus = 'STARTING' | 'RUNNING' | 'ERROR' | 'STOPPED';

/** An installed extension as users see it: config values stay hidden, only the keys show. */
export interface ExtensionView extends Omit<InstalledExtension, 'config'> {
  configKeys: string[];
  status: ExtensionStatus;
  statusReason: string;
}

export interface ExtensionService {
  /**
   * Records the extension and starts it; the runtime follows from `source` (`.wasm`: wasm,
   * anything else: a container image). Rejects with PERMISSION_DENIED listing the grants a
   * wasm source needs and lacks.
   */
  install(req: {
    name: string;
    source: string;
    config: Record<string, string>;
    grants: string[];
  }): Promise<ExtensionView>;
  /** Stops it, removes its subscriptions and revokes its credentials. */
  uninstall(name: string): Promise<void>;
  enable(name: string): Promise<ExtensionView>;
  /** A disabled extension is not started and starts no runs. */
  disable(name: string): Promise<ExtensionView>;
  list(): Promise<ExtensionView[]>;
  get(name: string): Promise<ExtensionView>;
  /** Which runtime a source selects, without installing anything. */
  runtimeFor(source: string): ExtensionRuntimeKind;
}

export interface SubscriptionService {
  /** The extension validates `settings`; its refusal is INVALID_ARGUMENT in its own words. */
  subscribe(req: SubscriptionKey & { settings: Record<string, string> }): Promise<Subscription>;
  unsubscribe(key: SubscriptionKey): Promise<void>;
  list(filter: { namespace: string; pipeline?: string }): Promise<Subscription[]>;
  enable(key: SubscriptionKey): Promise<Subscription>;
  disable(key: SubscriptionKey): Promise<Subscription>;
}

/** Where a plugin comes from, as `gofer plugin list` shows it. */
export type PluginOrigin = 'built-in' | 'configured' | 'installed' | 'extension';

/** One plugin of any origin, extensions included: they are plugins of kind `extension`. */
export interface PluginView {
  id: string;
  kind: PluginKind;
  name: string;
  version: string;
  origin: PluginOrigin;
  /** The configured engine of its kind, or an enabled extension. */
  inUse: boolean;
  /** `loaded`, `available`, `pending restart`, `broken`, or an extension's status. */
  status: string;
  statusReason: string;
  dir: string;
  source: string;
  description: string;
  /** What it asks for; for an extension, what it was granted. */
  permissions: string[];
  kernel: string;
  dependsOn: Record<string, string>;
  /** Epoch ms; 0 for a built-in or configured plugin. */
  installed: number;
}

export interface PluginService {
  /**
   * Installs from a path on the kernel's host: a package tarball or folder (unpacked into the
   * data directory, loaded from the next start), or a `.wasm` extension component named `name`
   * (its base name when empty) with the permissions in `grants`.
   */
  install(req: { source: string; name: string; grants: string[] }): Promise<PluginView>;
  list(): Promise<PluginView[]>;
  get(id: string): Promise<PluginView>;
  /** FAILED_PRECONDITION with the reason for a built-in plugin or one in use. */
  remove(id: string): Promise<void>;
}

export interface KernelServices {
  namespaces: NamespaceService;
  pipelines: PipelineService;
  runs: RunService;
  logs: LogService;
  events: EventService;
  objects: ObjectService;
  secrets: SecretService;
  tokens: TokenService;
  system(): SystemInfo;
  /** Absent in a kernel built without extensions (the API then answers UNAVAILABLE). */
  extensions?: ExtensionService;
  subscriptions?: SubscriptionService;
  plugins?: PluginService;
}
