/**
 * The scheduler contract: how the kernel runs workloads on an engine. A scheduler runs two kinds
 * of workload: one-shot task runs, and long-lived extension services reachable on loopback.
 * Implementations live in `schedulers/` and are loaded as plugins of kind `scheduler`.
 *
 * Every method is asynchronous, so an implementation may sit behind a network or a worker.
 */
import type {
  ImageKind,
  PullPolicy,
  RegistryAuth,
  TaskResources,
} from '../../sdk/config/pipeline-config.js';

/** Injection token for the active scheduler. */
export const SCHEDULER = Symbol.for('gofer.contract.Scheduler');

/** Labels every workload carries so the kernel can find its own workloads, and only those. */
export interface WorkloadLabels {
  /** Identifies one Gofer installation; two installations on one engine never see each other. */
  installation: string;
  kind: 'task' | 'extension';
  namespace?: string;
  pipeline?: string;
  run?: number;
  task?: string;
  attempt?: number;
  /** For extensions: the extension's name. */
  extension?: string;
}

export interface TaskWorkloadSpec {
  /**
   * Unique, stable id for this attempt, made of `[a-z0-9_.-]`. A scheduler uses it as its own
   * workload name, so that a second start with the same id replaces the first.
   */
  id: string;
  labels: WorkloadLabels;
  image: string;
  imageKind: ImageKind;
  pullPolicy: PullPolicy;
  registryAuth?: RegistryAuth;
  entrypoint?: string[];
  command?: string[];
  /** Passed byte for byte: values may hold `=`, newlines, spaces or nothing at all. */
  env: Record<string, string>;
  resources?: TaskResources;
  /** Placement constraints from the task config; schedulers that cannot place work ignore them. */
  placement?: string[];
  /**
   * Absolute path of the task's log file. The scheduler makes sure that everything the task
   * writes reaches this file, appended in the framing of `kernel/logs/log-framing.ts`, and that
   * the file is complete when `exited` settles.
   */
  logFile: string;
  /**
   * Secret values the task may print. The scheduler replaces every occurrence of each with
   * `***` before output reaches the log file, including occurrences split across writes.
   * `kernel/logs/log-masker.ts` implements the rule for schedulers written in TypeScript.
   */
  mask?: readonly string[];
  /**
   * Aborted when the kernel no longer wants the task started (it was cancelled while its image
   * was being pulled); `startTask` then gives up as soon as it can and rejects.
   */
  signal?: AbortSignal;
}

export interface ServiceWorkloadSpec {
  id: string;
  labels: WorkloadLabels;
  image: string;
  imageKind: ImageKind;
  pullPolicy: PullPolicy;
  registryAuth?: RegistryAuth;
  env: Record<string, string>;
  /** Loopback port the service must listen on; the kernel chose it and also passes it in env. */
  port: number;
  /** Where the scheduler appends the service's output, framed like a task's. */
  logFile: string;
}

/** How a workload ended. A scheduler never rejects `exited`; failures are outcomes. */
export type WorkloadOutcome =
  | { kind: 'exited'; exitCode: number; oomKilled: boolean; at: number }
  /** The engine lost the workload (its container vanished, its node died). */
  | { kind: 'lost'; reason: string; at: number };

export interface WorkloadHandle {
  id: string;
  /** Epoch ms at which the engine reported the workload started. */
  startedAt: number;
  exited: Promise<WorkloadOutcome>;
}

export interface ServiceHandle extends WorkloadHandle {
  /** `host:port` on loopback. */
  address: string;
}

/** A workload found on the engine by its labels, for reconciliation after a restart. */
export interface WorkloadInfo {
  id: string;
  labels: WorkloadLabels;
  state: 'created' | 'running' | 'exited';
  exitCode: number | null;
}

export interface SchedulerCapabilities {
  /** Image kinds the scheduler can run; a task of another kind is refused at registration. */
  imageKinds: readonly ImageKind[];
  /** Whether pull policy and registry credentials mean anything here. */
  pullsImages: boolean;
  /** Whether `startService` is supported (long-lived extension workloads). */
  services: boolean;
  /** What the scheduler needs from its environment, e.g. `container-engine`; see restricted mode. */
  needs: readonly string[];
}

/** Error codes a scheduler uses when `startTask` or `startService` rejects. */
export type SchedulerErrorCode =
  | 'IMAGE_NOT_FOUND'
  | 'IMAGE_PULL_FAILED'
  | 'IMAGE_PULL_TIMEOUT'
  | 'IMAGE_PULL_REFUSED'
  | 'UNSUPPORTED_TASK'
  | 'ENGINE_UNAVAILABLE'
  | 'START_FAILED';

export class SchedulerError extends Error {
  constructor(
    readonly code: SchedulerErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'SchedulerError';
  }
}

export interface AdoptOptions {
  /**
   * Values to mask in output not yet written, as `mask` of the start did. It may hold fewer
   * values than the start had: values that cannot be had again (a run token) are missing.
   */
  mask?: readonly string[];
}

export interface Scheduler {
  /** The name configuration selects it by, e.g. `docker`. */
  readonly name: string;
  readonly capabilities: SchedulerCapabilities;

  /**
   * Checks that a task could run here; returns human-readable problems, each naming the task id,
   * empty when fine. Called at registration, so it must not contact the engine.
   */
  checkTask(task: {
    id: string;
    image: string;
    imageKind: ImageKind;
    pullPolicy: PullPolicy;
  }): Promise<string[]>;

  /**
   * Pulls the image as the policy says, creates and starts the workload. Resolves once the
   * engine reports it started. Rejects with a `SchedulerError` saying which image and why when it
   * cannot start; never hangs past the scheduler's stated pull and start timeouts.
   */
  startTask(spec: TaskWorkloadSpec): Promise<WorkloadHandle>;

  /** Starts a long-lived service; replaces any workload with the same id. */
  startService(spec: ServiceWorkloadSpec): Promise<ServiceHandle>;

  /**
   * Asks the workload to stop: SIGTERM, then SIGKILL once `graceMs` has passed. Resolves once it
   * has exited. A workload that is already gone is not an error.
   */
  stop(id: string, graceMs: number): Promise<void>;

  /** Lists this installation's workloads that still exist on the engine. */
  list(installation: string): Promise<WorkloadInfo[]>;

  /**
   * Follows a workload found by `list`; `exited` settles at once if it already ended. The kernel
   * passes again what the workload's start was told to mask, for schedulers that write its
   * output only later.
   */
  adopt(id: string, options?: AdoptOptions): Promise<WorkloadHandle>;

  /** Removes an ended workload and what the engine kept for it. Missing is not an error. */
  remove(id: string): Promise<void>;

  /** Releases connections; workloads keep running. */
  close(): Promise<void>;
}
