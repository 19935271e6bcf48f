/**
 * One running built-in program: its log file, its timers, and how it ends. Signals follow a
 * process's rules: SIGTERM is the program's to handle, SIGKILL ends it at once with 137, and
 * `exited` settles only after every byte the program wrote is in the log file.
 */
import type {
  WorkloadHandle,
  WorkloadInfo,
  WorkloadLabels,
  WorkloadOutcome,
} from '../../kernel/contracts/scheduler.js';
import type { LogStream } from '../../kernel/logs/log-framing.js';
import { TaskLogWriter } from '../../kernel/logs/task-log-writer.js';
import type { BuiltinProgram } from './builtin-program.js';
import { schedulerFailure } from './scheduler-failure.js';

/** Exit code of a process ended by SIGKILL: 128 + 9. */
export const SIGKILL_EXIT = 137;

export interface WorkloadStart {
  id: string;
  labels: WorkloadLabels;
  env: Record<string, string>;
  logFile: string;
  program: BuiltinProgram;
  /** Secret values to replace with `***` before output reaches the log file. */
  mask?: readonly string[];
}

export class InProcessWorkload {
  readonly handle: WorkloadHandle;
  private exitCode: number | null = null;
  private readonly timers = new Set<NodeJS.Timeout>();
  private writeError: unknown;
  private onTerm: () => void = () => {};
  private settle: (outcome: WorkloadOutcome) => void = () => {};

  private constructor(
    private readonly spec: WorkloadStart,
    private readonly log: TaskLogWriter,
  ) {
    const exited = new Promise<WorkloadOutcome>((resolve) => (this.settle = resolve));
    this.handle = { id: spec.id, startedAt: Date.now(), exited };
  }

  /** Opens the log file for appending, then starts the program. */
  static async start(spec: WorkloadStart): Promise<InProcessWorkload> {
    let log: TaskLogWriter;
    try {
      log = await TaskLogWriter.open(spec.logFile, spec.mask);
    } catch (err) {
      const reason = (err as Error).message;
      throw schedulerFailure(
        'START_FAILED',
        `workload ${spec.id}: cannot open log file ${spec.logFile}: ${reason}`,
      );
    }

    const workload = new InProcessWorkload(spec, log);
    const io = {
      env: { ...spec.env },
      write: (stream: LogStream, text: string) => workload.write(stream, text),
      exit: (code: number) => workload.finish(code),
      after: (ms: number, fn: () => void) => workload.after(ms, fn),
    };
    workload.onTerm = spec.program.start(io).onTerm;
    return workload;
  }

  get running(): boolean {
    return this.exitCode === null;
  }

  info(): WorkloadInfo {
    const state = this.running ? 'running' : 'exited';
    return { id: this.spec.id, labels: this.spec.labels, state, exitCode: this.exitCode };
  }

  get installation(): string {
    return this.spec.labels.installation;
  }

  /** SIGTERM now, SIGKILL once `graceMs` has passed; resolves when the workload has exited. */
  async stop(graceMs: number): Promise<void> {
    if (this.running) {
      this.after(Math.max(0, graceMs), () => this.kill());
      this.onTerm();
    }
    await this.handle.exited;
  }

  kill(): void {
    this.finish(SIGKILL_EXIT);
  }

  private write(stream: LogStream, text: string): void {
    if (!this.running || text.length === 0) return;
    this.log.write(stream, Buffer.from(text, 'utf8'));
  }

  private after(ms: number, fn: () => void): void {
    if (!this.running) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
  }

  /** Ends the program once; the outcome is reported after the log file is complete. */
  private finish(code: number): void {
    if (!this.running) return;
    this.exitCode = code;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();

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
