/**
 * One followed container: when the engine reported it started, and how it ended. `exited`
 * settles once and never rejects, as the scheduler contract asks.
 */
import type { ContainerInspectInfo } from 'dockerode';
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

  /** Takes the engine's own record: its start time, and its end once it has ended. */
  applyInspect(info: ContainerInspectInfo): void {
    const startedAt = Date.parse(info.State.StartedAt);
    // The engine writes year 1 for a container that never started.
    if (startedAt > 0) this.markStarted(startedAt);
    if (!isEndedState(info.State.Status)) return;
    this.settle({
      kind: 'exited',
      exitCode: info.State.ExitCode,
      oomKilled: info.State.OOMKilled,
      at: Date.parse(info.State.FinishedAt) || Date.now(),
    });
  }

  settle(outcome: WorkloadOutcome): void {
    if (this.outcome) return;
    this.outcome = outcome;
    this.resolveExited(outcome);
  }
}

/** Engine container states after which the process is gone for good. */
export function isEndedState(state: string | undefined): boolean {
  return state === 'exited' || state === 'dead' || state === 'removing';
}

export function lostOutcome(reason: string, at: number): WorkloadOutcome {
  return { kind: 'lost', reason, at };
}
