import { parseDuration, formatDuration } from '../../sdk/config/duration.js';
import type { PipelineConfig, TaskConfig } from '../../sdk/config/pipeline-config.js';
import type { Logger } from '../contracts/logger.js';
import type { Run, StatusReason, TaskRun, TaskRunStatus } from '../contracts/model.js';
import type { Scheduler, WorkloadHandle, WorkloadOutcome } from '../contracts/scheduler.js';
import type { StateStore, TaskRunPatch } from '../contracts/state-store.js';
import type { EventBus } from '../events/event-bus.js';
import type { LogPaths } from '../logs/log-paths.js';
import { readiness } from './dependency-rules.js';
import { runOutcome, type RunEnding } from './run-outcome.js';
import type { PreparedTask, TaskPreparationStep } from './task-preparation.js';
import { taskEnvironment } from './task-environment.js';
import { taskWorkloadId } from './workload-id.js';

/** Scheduler refusals that another attempt would meet again. */
const PERMANENT_START_ERRORS = new Set([
  'IMAGE_PULL_REFUSED',
  'IMAGE_NOT_FOUND',
  'UNSUPPORTED_TASK',
]);

export interface RunExecutorDeps {
  store: StateStore;
  scheduler: Scheduler;
  events: EventBus;
  logger: Logger;
  logPaths: LogPaths;
  installation: string;
  cancelGraceMs: number;
  defaultTaskConcurrency: number;
  removeFinishedWorkloads: boolean;
  /** Run in order before each attempt starts, and told when the run ends. */
  preparation: readonly TaskPreparationStep[];
}

/** One attempt of a task that holds a concurrency slot. */
interface Attempt {
  task: TaskConfig;
  number: number;
  workloadId: string;
  handle?: WorkloadHandle;
  /** Set when the attempt is being stopped on purpose, with the status it should end in. */
  stopping?: { status: TaskRunStatus; reason: StatusReason };
  /** Aborts a start still in progress (a pull), for a stop that comes before the workload. */
  starting?: AbortController;
  timer?: NodeJS.Timeout;
}

/**
 * Carries one run from admission to its final status. Task runs start as soon as their parents
 * are complete and allow it (see dependency-rules.ts), at most `task_concurrency` at once; every
 * transition is written to the store and emitted as an event before the next decision, and
 * decisions are made one at a time, so the run's state is never decided twice.
 */
export class RunExecutor {
  private readonly tasks = new Map<string, TaskConfig>();
  private readonly taskRuns = new Map<string, TaskRun>();
  private readonly active = new Map<string, Attempt>();
  /** Tasks whose parents allow them to run, waiting for a concurrency slot, in config order. */
  private readonly ready: string[] = [];
  private ending: RunEnding = { kind: 'normal' };
  private finished = false;
  private halted = false;
  private runTimer?: NodeJS.Timeout;
  private queue: Promise<void> = Promise.resolve();
  private resolveDone!: (run: Run) => void;
  private readonly log: Logger;

  /** Settles with the completed run. */
  readonly done: Promise<Run>;

  constructor(
    private readonly deps: RunExecutorDeps,
    private run: Run,
    private readonly config: PipelineConfig,
    taskRuns: TaskRun[],
  ) {
    for (const task of config.tasks) this.tasks.set(task.id, task);
    for (const tr of taskRuns) this.taskRuns.set(tr.id, tr);
    this.log = deps.logger.child({ namespace: run.namespace, pipeline: run.pipeline, run: run.id });
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
  }

  get current(): Run {
    return this.run;
  }

  /**
   * Starts the run, or resumes it after a restart: task runs that were running are followed
   * through `adopted` (a handle per task id), and ones whose workload vanished are failed.
   */
  async start(adopted = new Map<string, WorkloadHandle>()): Promise<void> {
    await this.serially(async () => {
      if (this.run.state !== 'RUNNING') {
        this.run = await this.deps.store.updateRun(
          this.run.namespace,
          this.run.pipeline,
          this.run.id,
          {
            state: 'RUNNING',
            started: Date.now(),
          },
        );
        await this.emit('RUN_STARTED', undefined, {
          version: this.run.version,
          initiator: this.run.initiator,
        });
      }
      if (this.run.statusReason.kind === 'USER_CANCELLED') {
        this.ending = { kind: 'cancelled', reason: this.run.statusReason.description };
      }
      this.armRunTimeout();

      for (const tr of this.taskRuns.values()) {
        if (tr.state === 'COMPLETE' || tr.state === 'WAITING') continue;
        const handle = adopted.get(tr.id);
        if (handle) {
          if (tr.state !== 'RUNNING' || tr.started === 0) {
            await this.patchTask(tr.id, { state: 'RUNNING', started: handle.startedAt });
          }
          this.follow(this.tasks.get(tr.id)!, tr.attempt, handle);
        } else if (tr.state === 'RUNNING') {
          await this.complete(tr.id, 'FAILED', {
            kind: 'ORPHANED',
            description:
              "the task's workload was gone when Gofer started again: the scheduler's " +
              'workloads end with the service (wasi, inprocess), or it was removed',
          });
        } else {
          // It was being prepared when Gofer stopped and never started: the same attempt again.
          await this.patchTask(tr.id, { state: 'WAITING', attempt: Math.max(0, tr.attempt - 1) });
        }
      }
    });
    this.dispatch();
  }

  /**
   * Stops deciding, for a service shutdown: timers are cleared and no further transition is
   * written, so the run stays as the store has it and is reconciled at the next start. Running
   * workloads are left alone.
   */
  halt(): void {
    this.halted = true;
    clearTimeout(this.runTimer);
    for (const attempt of this.active.values()) clearTimeout(attempt.timer);
  }

  /** Stops the run: waiting tasks never start, running ones get SIGTERM then SIGKILL. */
  cancel(reason: string): Promise<void> {
    return this.serially(async () => {
      if (this.finished || this.ending.kind !== 'normal') return;
      this.ending = { kind: 'cancelled', reason };
      this.run = await this.deps.store.updateRun(
        this.run.namespace,
        this.run.pipeline,
        this.run.id,
        {
          statusReason: { kind: 'USER_CANCELLED', description: reason },
        },
      );
      await this.emit('RUN_CANCEL_REQUESTED', undefined, { reason });
      this.stopEverything('CANCELLED', { kind: 'USER_CANCELLED', description: reason });
    }).then(() => this.dispatch());
  }

  /** Stops one task run; its children then follow the dependency rules for a cancelled parent. */
  cancelTask(taskId: string, reason: string): Promise<void> {
    return this.serially(async () => {
      const tr = this.taskRuns.get(taskId);
      if (!tr || tr.state === 'COMPLETE') return;
      await this.emit('TASK_RUN_CANCEL_REQUESTED', taskId, { reason });
      const attempt = this.active.get(taskId);
      const why: StatusReason = { kind: 'USER_CANCELLED', description: reason };
      if (attempt) this.stopAttempt(attempt, 'CANCELLED', why);
      else {
        this.dropReady(taskId);
        await this.complete(taskId, 'CANCELLED', why);
      }
    }).then(() => this.dispatch());
  }

  // Decisions

  /** Re-evaluates the run; cheap to call after any change. */
  private dispatch(): void {
    void this.serially(async () => {
      if (this.finished) return;
      await this.settleWaitingTasks();
      this.launchReady();
      const allComplete = [...this.taskRuns.values()].every((t) => t.state === 'COMPLETE');
      if (allComplete && this.active.size === 0) await this.finish();
    });
  }

  /** Skips or readies waiting tasks until nothing changes (a skip can unblock its children). */
  private async settleWaitingTasks(): Promise<void> {
    for (let changed = true; changed;) {
      changed = false;
      const ended = new Map<string, TaskRunStatus>();
      for (const tr of this.taskRuns.values())
        if (tr.state === 'COMPLETE') ended.set(tr.id, tr.status);

      for (const task of this.config.tasks) {
        const tr = this.taskRuns.get(task.id)!;
        if (tr.state !== 'WAITING' || this.active.has(task.id) || this.ready.includes(task.id))
          continue;
        if (this.ending.kind !== 'normal') {
          await this.complete(task.id, 'CANCELLED', this.stopReason());
          changed = true;
          continue;
        }
        const decision = readiness(task.depends_on ?? {}, ended);
        if (decision.kind === 'skip') {
          await this.complete(task.id, 'SKIPPED', {
            kind: 'DEPENDENCY_NOT_MET',
            description: decision.reason,
          });
          changed = true;
        } else if (decision.kind === 'run') {
          this.ready.push(task.id);
        }
      }
    }
  }

  private launchReady(): void {
    const cap = this.config.task_concurrency || this.deps.defaultTaskConcurrency;
    while (this.ready.length > 0 && this.active.size < cap && this.ending.kind === 'normal') {
      const taskId = this.ready.shift()!;
      const tr = this.taskRuns.get(taskId)!;
      this.launch(this.tasks.get(taskId)!, tr.attempt + 1);
    }
  }

  // Attempts

  private launch(task: TaskConfig, number: number): void {
    const { scheduler, installation, logPaths } = this.deps;
    const { namespace, pipeline, id: run } = this.run;
    const attempt: Attempt = {
      task,
      number,
      workloadId: taskWorkloadId(installation, namespace, pipeline, run, task.id, number),
      starting: new AbortController(),
    };
    this.active.set(task.id, attempt);

    void (async () => {
      const logFile = logPaths.taskLog(namespace, pipeline, run, task.id);
      try {
        await this.serially(() =>
          this.patchTask(task.id, {
            state: 'PROCESSING',
            attempt: number,
            workloadId: attempt.workloadId,
          }),
        );
        let prepared: PreparedTask = {
          env: taskEnvironment({
            namespace,
            pipeline,
            run,
            task,
            runVariables: this.run.variables,
          }),
          mask: [],
        };
        try {
          for (const step of this.deps.preparation) {
            prepared = await step.prepare(this.run, task, prepared);
          }
        } catch (err) {
          await this.attemptEnded(attempt, {
            status: 'FAILED',
            reason: { kind: 'FAILED_PRECONDITION', description: (err as Error).message },
          });
          return;
        }
        if (attempt.stopping) throw new Error('the task was stopped before it started');
        const handle = await scheduler.startTask({
          id: attempt.workloadId,
          labels: {
            installation,
            kind: 'task',
            namespace,
            pipeline,
            run,
            task: task.id,
            attempt: number,
          },
          image: prepared.image ?? task.image,
          imageKind: task.image_kind ?? 'container',
          pullPolicy: task.pull_policy ?? 'if-not-present',
          registryAuth: task.registry_auth,
          entrypoint: task.entrypoint,
          command: task.command,
          env: prepared.env,
          mask: prepared.mask,
          signal: attempt.starting!.signal,
          resources: task.resources,
          placement: task.placement,
          logFile,
        });
        attempt.handle = handle;
        if (attempt.stopping) {
          void scheduler.stop(handle.id, this.deps.cancelGraceMs).catch(() => undefined);
        }
        await this.serially(async () => {
          await this.patchTask(task.id, { state: 'RUNNING', started: handle.startedAt });
          await this.emit('TASK_RUN_STARTED', task.id, { attempt: number, workload: handle.id });
        });
        this.follow(task, number, handle, attempt);
      } catch (err) {
        this.log.warn({ task: task.id, err }, 'task could not start');
        // The scheduler's own code (IMAGE_NOT_FOUND, START_FAILED...) leads, as its docs name it.
        const code = (err as { code?: unknown }).code;
        const message = (err as Error).message;
        const failure: StatusReason = {
          kind: 'SCHEDULER_ERROR',
          description:
            typeof code === 'string' && /^[A-Z][A-Z_]+$/.test(code)
              ? `${code}: ${message}`
              : message,
        };
        // Some refusals cannot change between attempts; retrying them only repeats the refusal.
        const final = PERMANENT_START_ERRORS.has((err as { code?: string }).code ?? '');
        await this.attemptEnded(
          attempt,
          attempt.stopping ?? { status: 'FAILED', reason: failure, final },
        );
      }
    })().catch((err) => this.log.error({ task: task.id, err }, 'task bookkeeping failed'));
  }

  /** Follows a started (or adopted) workload to its end. */
  private follow(
    task: TaskConfig,
    number: number,
    handle: WorkloadHandle,
    existing?: Attempt,
  ): void {
    const attempt: Attempt = existing ?? {
      task,
      number,
      workloadId: handle.id,
      handle,
    };
    this.active.set(task.id, attempt);

    const timeoutMs = task.timeout ? parseDuration(task.timeout) : undefined;
    if (timeoutMs !== undefined && !attempt.stopping) {
      const left = Math.max(0, handle.startedAt + timeoutMs - Date.now());
      attempt.timer = setTimeout(() => {
        this.stopAttempt(attempt, 'FAILED', {
          kind: 'TIMEOUT',
          description: `the task exceeded its timeout of ${formatDuration(timeoutMs)}`,
        });
      }, left);
    }

    void handle.exited
      .then((outcome) =>
        this.attemptEnded(attempt, attempt.stopping ?? this.judge(outcome), outcome),
      )
      .catch((err) => this.log.error({ task: task.id, err }, 'task bookkeeping failed'));
  }

  private judge(outcome: WorkloadOutcome): { status: TaskRunStatus; reason: StatusReason } {
    if (outcome.kind === 'lost')
      return { status: 'FAILED', reason: { kind: 'ORPHANED', description: outcome.reason } };
    if (outcome.exitCode === 0)
      return { status: 'SUCCESSFUL', reason: { kind: 'NONE', description: '' } };
    const oom = outcome.oomKilled ? ' after running out of memory' : '';
    return {
      status: 'FAILED',
      reason: {
        kind: 'ABNORMAL_EXIT',
        description: `the task exited with code ${outcome.exitCode}${oom}`,
      },
    };
  }

  private async attemptEnded(
    attempt: Attempt,
    result: { status: TaskRunStatus; reason: StatusReason; final?: boolean },
    outcome?: WorkloadOutcome,
  ): Promise<void> {
    clearTimeout(attempt.timer);
    const exitCode = outcome?.kind === 'exited' ? outcome.exitCode : null;
    const retries = attempt.task.retries ?? 0;
    const retry =
      result.status === 'FAILED' &&
      !result.final &&
      attempt.number <= retries &&
      this.ending.kind === 'normal';

    await this.serially(async () => {
      this.active.delete(attempt.task.id);
      if (retry) {
        await this.patchTask(attempt.task.id, { exitCode, state: 'WAITING' });
        await this.emit('TASK_RUN_RETRYING', attempt.task.id, {
          attempt: attempt.number,
          reason: result.reason.description,
        });
        this.ready.unshift(attempt.task.id);
      } else {
        await this.complete(attempt.task.id, result.status, result.reason, exitCode, outcome?.at);
      }
    });
    if (attempt.handle && this.deps.removeFinishedWorkloads) {
      void this.deps.scheduler
        .remove(attempt.handle.id)
        .catch((err) => this.log.warn({ err }, 'could not remove workload'));
    }
    this.dispatch();
  }

  private stopAttempt(attempt: Attempt, status: TaskRunStatus, reason: StatusReason): void {
    if (attempt.stopping) return;
    attempt.stopping = { status, reason };
    clearTimeout(attempt.timer);
    if (!attempt.handle) attempt.starting?.abort();
    if (attempt.handle) {
      void this.deps.scheduler
        .stop(attempt.handle.id, this.deps.cancelGraceMs)
        .catch((err) => this.log.warn({ task: attempt.task.id, err }, 'could not stop workload'));
    }
  }

  private stopEverything(status: TaskRunStatus, reason: StatusReason): void {
    this.ready.length = 0;
    for (const attempt of this.active.values()) this.stopAttempt(attempt, status, reason);
  }

  private stopReason(): StatusReason {
    if (this.ending.kind === 'cancelled')
      return { kind: 'USER_CANCELLED', description: this.ending.reason };
    if (this.ending.kind === 'timed-out')
      return {
        kind: 'TIMEOUT',
        description: `the run exceeded its timeout of ${this.ending.after}`,
      };
    return { kind: 'NONE', description: '' };
  }

  private armRunTimeout(): void {
    const timeoutMs = this.config.timeout ? parseDuration(this.config.timeout) : undefined;
    if (timeoutMs === undefined) return;
    const left = Math.max(0, this.run.started + timeoutMs - Date.now());
    this.runTimer = setTimeout(() => {
      void this.serially(async () => {
        if (this.finished || this.ending.kind !== 'normal') return;
        this.ending = { kind: 'timed-out', after: formatDuration(timeoutMs) };
        this.stopEverything('CANCELLED', this.stopReason());
      }).then(() => this.dispatch());
    }, left);
  }

  private dropReady(taskId: string): void {
    const index = this.ready.indexOf(taskId);
    if (index >= 0) this.ready.splice(index, 1);
  }

  // Bookkeeping

  private async complete(
    taskId: string,
    status: TaskRunStatus,
    reason: StatusReason,
    exitCode?: number | null,
    /** When the engine saw it end; defaults to now. */
    endedAt?: number,
  ): Promise<void> {
    const patch: TaskRunPatch = {
      state: 'COMPLETE',
      status,
      statusReason: reason,
      ended: endedAt ?? Date.now(),
    };
    if (exitCode !== undefined) patch.exitCode = exitCode;
    await this.patchTask(taskId, patch);
    await this.emit('TASK_RUN_COMPLETED', taskId, {
      status,
      reason: reason.description,
      exit_code: exitCode ?? null,
    });
  }

  private async finish(): Promise<void> {
    this.finished = true;
    clearTimeout(this.runTimer);
    const { status, reason } = runOutcome([...this.taskRuns.values()], this.ending);
    this.run = await this.deps.store.updateRun(this.run.namespace, this.run.pipeline, this.run.id, {
      state: 'COMPLETE',
      status,
      statusReason: reason,
      ended: Date.now(),
    });
    await this.emit('RUN_COMPLETED', undefined, { status, reason: reason.description });
    for (const step of this.deps.preparation) {
      await step.runEnded(this.run).catch((err) => this.log.warn({ err }, 'run clean-up failed'));
    }
    this.log.info({ status }, 'run completed');
    this.resolveDone(this.run);
  }

  private async patchTask(taskId: string, patch: TaskRunPatch): Promise<void> {
    const { namespace, pipeline, id } = this.run;
    this.taskRuns.set(
      taskId,
      await this.deps.store.updateTaskRun(namespace, pipeline, id, taskId, patch),
    );
  }

  private emit(
    type: Parameters<EventBus['emit']>[0]['type'],
    task: string | undefined,
    details: Record<string, unknown>,
  ) {
    const { namespace, pipeline, id } = this.run;
    return this.deps.events.emit({ type, namespace, pipeline, run: id, task, details });
  }

  /** Runs `fn` after every decision queued before it, so decisions never interleave. */
  private serially<T>(fn: () => Promise<T>): Promise<T> {
    // A halted executor decides nothing more; what is left is for the next start's reconcile.
    const result = this.queue.then(() => (this.halted ? new Promise<T>(() => undefined) : fn()));
    this.queue = result.then(
      () => undefined,
      (err) => this.log.error({ err }, 'run bookkeeping failed'),
    );
    return result;
  }
}
