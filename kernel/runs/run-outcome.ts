/**
 * A run's final status, from its task runs, in a fixed precedence so the same task outcomes
 * always give the same answer: CANCELLED, then FAILED, then SUCCESSFUL. A run that was cancelled
 * or timed out as a whole says so, whatever its tasks did.
 */
import type { RunStatus, StatusReason, TaskRun } from '../contracts/model.js';

export type RunEnding =
  { kind: 'normal' } | { kind: 'cancelled'; reason: string } | { kind: 'timed-out'; after: string };

export function runOutcome(
  taskRuns: readonly TaskRun[],
  ending: RunEnding,
): { status: RunStatus; reason: StatusReason } {
  if (ending.kind === 'cancelled') {
    return { status: 'CANCELLED', reason: { kind: 'USER_CANCELLED', description: ending.reason } };
  }
  if (ending.kind === 'timed-out') {
    return {
      status: 'FAILED',
      reason: { kind: 'TIMEOUT', description: `the run exceeded its timeout of ${ending.after}` },
    };
  }

  const cancelled = taskRuns.filter((t) => t.status === 'CANCELLED').map((t) => t.id);
  if (cancelled.length > 0) {
    return {
      status: 'CANCELLED',
      reason: {
        kind: 'USER_CANCELLED',
        description: `task runs cancelled: ${cancelled.join(', ')}`,
      },
    };
  }
  const failed = taskRuns
    .filter((t) => t.status === 'FAILED' || t.status === 'UNKNOWN')
    .map((t) => t.id);
  if (failed.length > 0) {
    return {
      status: 'FAILED',
      reason: { kind: 'ABNORMAL_EXIT', description: `task runs failed: ${failed.join(', ')}` },
    };
  }
  return { status: 'SUCCESSFUL', reason: { kind: 'NONE', description: '' } };
}
