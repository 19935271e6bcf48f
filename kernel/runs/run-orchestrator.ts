import { rm } from 'node:fs/promises';
import type { RunService, StartRunRequest } from '../api/kernel-services.js';
import type { Logger } from '../contracts/logger.js';
import type { Initiator, Run, TaskRun } from '../contracts/model.js';
import type { Scheduler, WorkloadHandle } from '../contracts/scheduler.js';
import type { Page, StateStore } from '../contracts/state-store.js';
import { failedPrecondition, GoferError, invalidArgument } from '../errors.js';
import type { EventBus } from '../events/event-bus.js';
import type { LogPaths } from '../logs/log-paths.js';
import type { PipelineConfig, TaskConfig } from '../../sdk/config/pipeline-config.js';
import { CoalescingSweeper } from './coalescing-sweeper.js';
import { RunExecutor } from './run-executor.js';
import { RunQueue } from './run-queue.js';
import { checkRunVariables } from './task-environment.js';
import type { TaskPreparationStep } from './task-preparation.js';

export interface RunOrchestratorOptions {
  store: StateStore;
  scheduler: Scheduler;
  events: EventBus;
  logger: Logger;
  logPaths: LogPaths;
  installation: string;
  globalParallelism: number;
  defaultTaskConcurrency: number;
  cancelGraceMs: number;
  logRetentionRuns: number;
  removeFinishedWorkloads: boolean;
  preparation: readonly TaskPreparationStep[];
}

const DEFAULT_CANCEL_REASON = 'cancelled on request';

const runKey = (ns: string, pipeline: string, id: number) => `${ns}/${pipeline}/${id}`;

/**
 * Starts, queues, cancels and retries runs, and after a restart picks up every run that was in
 * flight. It owns the run queue and one `RunExecutor` per admitted run.
 */
export class RunOrchestrator implements RunService {
  private readonly executors = new Map<string, RunExecutor>();
  /** Runs admitted but whose executor is still being set up. */
  private readonly launching = new Map<string, Promise<void>>();
  private readonly queue: RunQueue;
  private accepting = true;
  private readonly logSweeps = new CoalescingSweeper();

  constructor(private readonly opts: RunOrchestratorOptions) {
    this.queue = new RunQueue(opts.globalParallelism);
  }

  async start(req: StartRunRequest): Promise<Run> {
    if (!this.accepting)
      throw new GoferError(
        'UNAVAILABLE',
        'the service is shutting down and takes no new runs',
        'start the run again once the service is back',
      );
    const problems = checkRunVariables(req.variables);
    if (problems.length > 0) {
      throw invalidArgument(problems.join('; '), 'rename the variables; see docs/variables.md');
    }

    const pipeline = await this.opts.store.getPipeline(req.namespace, req.pipeline);
    if (pipeline.state === 'DISABLED') {
      throw failedPrecondition(
        `pipeline "${req.pipeline}" is disabled`,
        `run \`gofer pipeline enable ${req.pipeline}\``,
      );
    }
    const live = await this.opts.store.getConfig(req.namespace, req.pipeline, 0).catch((err) => {
      if ((err as GoferError).code !== 'NOT_FOUND') throw err;
      throw failedPrecondition(
        `pipeline "${req.pipeline}" has no live config version`,
        `deploy one with \`gofer pipeline deploy ${req.pipeline} <version>\`, or register with \`gofer up\``,
      );
    });
    return this.create(req.namespace, req.pipeline, live.version, req.variables, req.initiator, 0);
  }

  async retry(namespace: string, pipeline: string, id: number, initiator: Initiator): Promise<Run> {
    if (!this.accepting)
      throw new GoferError('UNAVAILABLE', 'the service is shutting down and takes no new runs');
    const original = await this.opts.store.getRun(namespace, pipeline, id);
    return this.create(namespace, pipeline, original.version, original.variables, initiator, id);
  }

  get(namespace: string, pipeline: string, id: number): Promise<Run> {
    return this.opts.store.getRun(namespace, pipeline, id);
  }

  list(namespace: string, pipeline: string, page?: Page): Promise<Run[]> {
    return this.opts.store.listRuns(namespace, pipeline, page);
  }

  async cancel(namespace: string, pipeline: string, id: number, reason: string): Promise<Run> {
    reason = reason.trim() || DEFAULT_CANCEL_REASON;
    const key = runKey(namespace, pipeline, id);
    const executor = this.executors.get(key);
    if (executor) {
      await executor.cancel(reason);
      return executor.current;
    }
    const run = await this.opts.store.getRun(namespace, pipeline, id);
    if (run.state === 'QUEUED') return this.cancelQueued(run, reason);
    return run;
  }

  async cancelAll(namespace: string, pipeline: string, reason: string): Promise<number[]> {
    await this.opts.store.getPipeline(namespace, pipeline);
    const unfinished = (await this.opts.store.listUnfinishedRuns()).filter(
      (r) => r.namespace === namespace && r.pipeline === pipeline,
    );
    for (const run of unfinished) await this.cancel(namespace, pipeline, run.id, reason);
    return unfinished.map((r) => r.id);
  }

  listTaskRuns(namespace: string, pipeline: string, run: number): Promise<TaskRun[]> {
    return this.opts.store
      .getRun(namespace, pipeline, run)
      .then(() => this.opts.store.listTaskRuns(namespace, pipeline, run));
  }

  getTaskRun(namespace: string, pipeline: string, run: number, task: string): Promise<TaskRun> {
    return this.opts.store.getTaskRun(namespace, pipeline, run, task);
  }

  async cancelTaskRun(
    namespace: string,
    pipeline: string,
    run: number,
    task: string,
    reason: string,
  ): Promise<TaskRun> {
    reason = reason.trim() || DEFAULT_CANCEL_REASON;
    const taskRun = await this.opts.store.getTaskRun(namespace, pipeline, run, task);
    const executor = this.executors.get(runKey(namespace, pipeline, run));
    if (executor) await executor.cancelTask(task, reason);
    else if (taskRun.state !== 'COMPLETE') await this.cancel(namespace, pipeline, run, reason);
    return this.opts.store.getTaskRun(namespace, pipeline, run, task);
  }

  /** Cancels every run in flight in a namespace or pipeline and waits for them to end. */
  async cancelAndWait(
    filter: { namespace: string; pipeline?: string },
    reason: string,
  ): Promise<void> {
    const unfinished = (await this.opts.store.listUnfinishedRuns()).filter(
      (r) =>
        r.namespace === filter.namespace &&
        (filter.pipeline === undefined || r.pipeline === filter.pipeline),
    );
    await Promise.all(
      unfinished.map(async (r) => {
        await this.cancel(r.namespace, r.pipeline, r.id, reason);
        await this.executors.get(runKey(r.namespace, r.pipeline, r.id))?.done;
      }),
    );
  }

  /**
   * Picks up the runs that were in flight when the service stopped: running task workloads are
   * followed to their end, vanished ones fail, queued runs queue again in their old order, and
   * task workloads of runs that are already complete are removed.
   */
  async reconcile(): Promise<void> {
    const { store, scheduler, installation, logger } = this.opts;
    const workloads = await scheduler.list(installation);
    const unfinished = await store.listUnfinishedRuns();
    const live = new Set(unfinished.map((r) => runKey(r.namespace, r.pipeline, r.id)));

    for (const w of workloads) {
      if (w.labels.kind !== 'task') continue;
      const key = runKey(w.labels.namespace ?? '', w.labels.pipeline ?? '', Number(w.labels.run));
      if (!live.has(key)) await scheduler.remove(w.id).catch(() => undefined);
    }

    // Runs in flight take their slots before any queued run is admitted.
    for (const run of unfinished) {
      if (run.state === 'QUEUED') continue;
      const taskRuns = await store.listTaskRuns(run.namespace, run.pipeline, run.id);
      const config = await this.configOf(run);
      const adopted = new Map<string, WorkloadHandle>();
      for (const tr of taskRuns) {
        if (tr.state !== 'RUNNING' && tr.state !== 'PROCESSING') continue;
        const found = workloads.find(
          (w) =>
            w.labels.kind === 'task' &&
            w.labels.namespace === run.namespace &&
            w.labels.pipeline === run.pipeline &&
            Number(w.labels.run) === run.id &&
            w.labels.task === tr.id &&
            Number(w.labels.attempt) === tr.attempt,
        );
        if (!found) continue;
        const task = config.tasks.find((t) => t.id === tr.id);
        const mask = task ? await this.masksFor(run, task) : [];
        adopted.set(tr.id, await scheduler.adopt(found.id, { mask }));
      }
      logger.info(
        { namespace: run.namespace, pipeline: run.pipeline, run: run.id, adopted: adopted.size },
        'resuming run',
      );
      this.queue.occupy(
        runKey(run.namespace, run.pipeline, run.id),
        `${run.namespace}/${run.pipeline}`,
      );
      await this.launch(run, config, taskRuns, adopted);
    }
    for (const run of unfinished) if (run.state === 'QUEUED') await this.enqueue(run);
  }

  /** What an adopted attempt's output must mask, as far as it can be found again. */
  private async masksFor(run: Run, task: TaskConfig): Promise<string[]> {
    const masks: string[] = [];
    for (const step of this.opts.preparation) {
      if (!step.masks) continue;
      try {
        masks.push(...(await step.masks(run, task)));
      } catch (err) {
        this.opts.logger.warn({ err, task: task.id }, 'cannot find the values to mask again');
      }
    }
    return masks;
  }

  /** Takes no new runs; runs in flight keep going and are reconciled at the next start. */
  stopAccepting(): void {
    this.accepting = false;
  }

  /**
   * For a shutdown: every executor stops deciding, so nothing writes to the store once it is
   * closed; runs in flight are picked up by `reconcile` at the next start.
   */
  async halt(): Promise<void> {
    this.accepting = false;
    for (const executor of this.executors.values()) executor.halt();
    await this.logSweeps.idle();
  }

  get stats(): { inFlight: number; queued: number } {
    return this.queue.size;
  }

  // Internals

  private async create(
    namespace: string,
    pipeline: string,
    version: number,
    variables: Record<string, string>,
    initiator: Initiator,
    retryOf: number,
  ): Promise<Run> {
    const config = await this.opts.store.getConfig(namespace, pipeline, version);
    const { run } = await this.opts.store.createRun({
      namespace,
      pipeline,
      version,
      initiator,
      variables,
      retryOf,
      taskIds: config.config.tasks.map((t) => t.id),
    });
    await this.opts.events.emit({
      type: 'RUN_QUEUED',
      namespace,
      pipeline,
      run: run.id,
      details: { version, initiator, retry_of: retryOf || undefined },
    });
    await this.enqueue(run);
    const key = runKey(namespace, pipeline, run.id);
    await this.launching.get(key);
    return (
      this.executors.get(key)?.current ??
      (await this.opts.store.getRun(namespace, pipeline, run.id))
    );
  }

  private async enqueue(run: Run): Promise<void> {
    const config = await this.opts.store.getConfig(run.namespace, run.pipeline, run.version);
    const key = runKey(run.namespace, run.pipeline, run.id);
    this.queue.enqueue({
      key,
      pipelineKey: `${run.namespace}/${run.pipeline}`,
      parallelism: config.config.parallelism ?? 0,
      admit: () => {
        const launched = this.opts.store
          .listTaskRuns(run.namespace, run.pipeline, run.id)
          .then(async (taskRuns) => this.launch(run, await this.configOf(run), taskRuns, new Map()))
          .catch((err) => this.opts.logger.error({ run: run.id, err }, 'could not start run'))
          .finally(() => this.launching.delete(key));
        this.launching.set(key, launched);
      },
    });
  }

  /** The pipeline config the run was started on. */
  private async configOf(run: Run): Promise<PipelineConfig> {
    return (await this.opts.store.getConfig(run.namespace, run.pipeline, run.version)).config;
  }

  private async launch(
    run: Run,
    config: PipelineConfig,
    taskRuns: TaskRun[],
    adopted: Map<string, WorkloadHandle>,
  ): Promise<void> {
    const key = runKey(run.namespace, run.pipeline, run.id);
    const executor = new RunExecutor(
      {
        store: this.opts.store,
        scheduler: this.opts.scheduler,
        events: this.opts.events,
        logger: this.opts.logger,
        logPaths: this.opts.logPaths,
        installation: this.opts.installation,
        cancelGraceMs: this.opts.cancelGraceMs,
        defaultTaskConcurrency: this.opts.defaultTaskConcurrency,
        removeFinishedWorkloads: this.opts.removeFinishedWorkloads,
        preparation: this.opts.preparation,
      },
      run,
      config,
      taskRuns,
    );
    this.executors.set(key, executor);
    void executor.done
      .then((done) => {
        this.executors.delete(key);
        this.queue.release(key);
        return this.logSweeps.request(`${done.namespace}/${done.pipeline}`, () =>
          this.expireOldLogs(done.namespace, done.pipeline),
        );
      })
      .catch((err) => this.opts.logger.warn({ err }, 'log retention failed'));
    await executor.start(adopted);
  }

  private async cancelQueued(run: Run, reason: string): Promise<Run> {
    const { store, events } = this.opts;
    this.queue.release(runKey(run.namespace, run.pipeline, run.id));
    for (const tr of await store.listTaskRuns(run.namespace, run.pipeline, run.id)) {
      await store.updateTaskRun(run.namespace, run.pipeline, run.id, tr.id, {
        state: 'COMPLETE',
        status: 'CANCELLED',
        statusReason: { kind: 'USER_CANCELLED', description: reason },
        ended: Date.now(),
      });
    }
    const done = await store.updateRun(run.namespace, run.pipeline, run.id, {
      state: 'COMPLETE',
      status: 'CANCELLED',
      statusReason: { kind: 'USER_CANCELLED', description: reason },
      ended: Date.now(),
    });
    await events.emit({
      type: 'RUN_COMPLETED',
      namespace: run.namespace,
      pipeline: run.pipeline,
      run: run.id,
      details: { status: 'CANCELLED', reason },
    });
    return done;
  }

  /** Deletes the logs of runs that have `log_retention_runs` newer runs. */
  private async expireOldLogs(namespace: string, pipeline: string): Promise<void> {
    const { store, logPaths, logRetentionRuns } = this.opts;
    for (const old of await store.listRunsPastRetention(namespace, pipeline, logRetentionRuns)) {
      await rm(logPaths.runDir(namespace, pipeline, old.id), { recursive: true, force: true });
      await store.updateRun(namespace, pipeline, old.id, { logsExpired: true });
    }
  }
}
