/**
 * One task running in its own worker thread. WASI has no signals, so a stop cannot be handled by
 * the task: `stop` gives it the grace period to end on its own, then terminates the worker and
 * reports 143, what a process that does not trap SIGTERM ends with. `kill` (removal) reports
 * 137. A time limit ends the task the same way a stop does, with a line on stderr saying so.
 * `exited` settles only after every byte the task wrote is in the log file.
 */
import type { Worker } from 'node:worker_threads';
import type {
  WorkloadHandle,
  WorkloadInfo,
  WorkloadLabels,
  WorkloadOutcome,
} from '../../kernel/contracts/scheduler.js';
import type { LogStream } from '../../kernel/logs/log-framing.js';
import { TaskLogWriter } from '../../kernel/logs/task-log-writer.js';
import { schedulerFailure } from './scheduler-failure.js';
import type { LoadedTask } from './task-component-cache.js';
import type { TaskWorkerPool } from './task-worker-pool.js';
import type { TaskRunRequest, TaskWorkerMessage } from './wasi-task-worker.js';

/** Exit codes of a process ended by SIGTERM (128 + 15) and SIGKILL (128 + 9). */
export const STOPPED_EXIT = 143;
export const KILLED_EXIT = 137;

export interface WasiWorkloadStart {
  id: string;
  labels: WorkloadLabels;
  args: string[];
  env: Record<string, string>;
  logFile: string;
  task: LoadedTask;
  mask?: readonly string[];
  /** Run time after which the task is stopped; 0 means none. */
  timeLimitMs: number;
  pool: TaskWorkerPool;
}

export class WasiWorkload {
  readonly handle: WorkloadHandle;
  private exitCode: number | null = null;
  private writeError: unknown;
  private readonly timers = new Set<NodeJS.Timeout>();
  private settle: (outcome: WorkloadOutcome) => void = () => {};
  private worker!: Worker;

  private constructor(
    private readonly spec: WasiWorkloadStart,
    private readonly log: TaskLogWriter,
  ) {
    const exited = new Promise<WorkloadOutcome>((resolve) => (this.settle = resolve));
    this.handle = { id: spec.id, startedAt: Date.now(), exited };
  }

  static async start(spec: WasiWorkloadStart): Promise<WasiWorkload> {
    let log: TaskLogWriter;
    try {
      log = await TaskLogWriter.open(spec.logFile, spec.mask);
    } catch (err) {
      throw schedulerFailure(
        'START_FAILED',
        `workload ${spec.id}: cannot open log file ${spec.logFile}: ${(err as Error).message}`,
      );
    }
    const workload = new WasiWorkload(spec, log);
    workload.launch();
    return workload;
  }

  get running(): boolean {
    return this.exitCode === null;
  }

  get installation(): string {
    return this.spec.labels.installation;
  }

  info(): WorkloadInfo {
    const state = this.running ? 'running' : 'exited';
    return { id: this.spec.id, labels: this.spec.labels, state, exitCode: this.exitCode };
  }

  /** Waits up to `graceMs` for the task to end, then ends it with 143. */
  async stop(graceMs: number): Promise<void> {
    if (this.running) this.after(Math.max(0, graceMs), () => this.finish(STOPPED_EXIT));
    await this.handle.exited;
  }

  kill(): void {
    this.finish(KILLED_EXIT);
  }

  private launch(): void {
    const { task, args, env } = this.spec;
    this.worker = this.spec.pool.acquire();
    // Posting the compiled modules costs about a millisecond; a warm worker keeps its last ones.
    const modules = this.spec.pool.needsModules(this.worker, task.modules)
      ? task.modules
      : undefined;
    const request: TaskRunRequest = { glueFile: task.glueFile, modules, args, env };
    this.worker.on('message', (message: TaskWorkerMessage) => this.onMessage(message));
    this.worker.on('error', (err) => this.fail(`the task's worker failed: ${err.message}`));
    this.worker.on('exit', () => this.fail('the task ended without reporting an exit code'));
    if (this.spec.timeLimitMs > 0) {
      this.after(this.spec.timeLimitMs, () => {
        this.write('stderr', `\nwasi: time limit of ${this.spec.timeLimitMs} ms reached\n`);
        this.finish(STOPPED_EXIT);
      });
    }
    this.worker.postMessage(request);
  }

  private onMessage(message: TaskWorkerMessage): void {
    if (message.type === 'output') {
      this.write(message.stream, message.bytes);
      return;
    }
    if (message.error) {
      this.write('stderr', `\nwasi: the task failed: ${message.error}\n`);
      this.finish(message.code);
      return;
    }
    this.finish(message.code, true);
  }

  private fail(reason: string): void {
    if (!this.running) return;
    this.write('stderr', `\nwasi: ${reason}\n`);
    this.finish(1);
  }

  private write(stream: LogStream, data: Uint8Array | string): void {
    if (!this.running) return;
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data);
    this.log.write(stream, bytes);
  }

  private after(ms: number, fn: () => void): void {
    if (!this.running) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
  }

  /** Ends the task once; the outcome is reported after the log file is complete. */
  private finish(code: number, reusable = false): void {
    if (!this.running) return;
    this.exitCode = code;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    if (reusable) this.spec.pool.release(this.worker);
    else void this.worker.terminate();
    void this.log.close().then((err) => {
      this.writeError = err;
      this.settle(this.outcome(code));
    });
  }

  private outcome(exitCode: number): WorkloadOutcome {
    const at = Date.now();
    if (this.writeError === undefined) return { kind: 'exited', exitCode, oomKilled: false, at };
    const reason = (this.writeError as Error).message;
    return {
      kind: 'lost',
      reason: `log file ${this.spec.logFile} could not be written: ${reason}`,
      at,
    };
  }
}
