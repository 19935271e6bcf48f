/**
 * One followed container: when the engine reported it started, and how it ended. `exited`
 * settles once and never rejects, as the scheduler contract asks.
 */
import type { WorkloadOutcome } from '../../kernel/contracts/scheduler.js';

export interface ContainerExit {
  exitCode: number;
  oomKilled: boolean;
  at: number;
}

export class ContainerWatch {
  readonly started: Promise<number>;
  readonly exited: Promise<WorkloadOutcome>;
  /** Set by an `oom` event, which the engine sends before the `die` event. */
  oom = false;
  private resolveStarted!: (at: number) => void;
  private resolveExited!: (outcome: WorkloadOutcome) => void;
  private startedAt?: number;
  private outcome?: WorkloadOutcome;

  constructor(readonly containerId: string) {
    this.started = new Promise((resolve) => (this.resolveStarted = resolve));
    this.exited = new Promise((resolve) => (this.resolveExited = resolve));
  }

  get hasStarted(): boolean {
    return this.startedAt !== undefined;
  }

  get hasExited(): boolean {
    return this.outcome !== undefined;
  }

  markStarted(at: number): void {
    if (this.startedAt !== undefined) return;
    this.startedAt = at;
    this.resolveStarted(at);
  }

  settle(outcome: WorkloadOutcome): void {
    if (this.outcome) return;
    this.outcome = outcome;
    this.resolveExited(outcome);
  }
}
