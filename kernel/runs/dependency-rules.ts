/**
 * When a task may run, given how its parents ended. This table is the whole rule; it is written
 * out for users in docs/dependencies.md and every cell is tested.
 *
 *   parent ended  | needs ANY | needs SUCCESS | needs FAILURE
 *   SUCCESSFUL    | run       | run           | skip
 *   FAILED        | run       | skip          | run
 *   SKIPPED       | run       | skip          | skip
 *   CANCELLED     | run       | skip          | skip
 *
 * A task runs only when every parent allows it; one parent that does not makes it SKIPPED.
 * (Tasks of a run that is being cancelled never start, whatever this table says.)
 */
import type { RequiredParentStatus } from '../../sdk/config/pipeline-config.js';
import type { TaskRunStatus } from '../contracts/model.js';

export type ParentOutcome = Exclude<TaskRunStatus, 'UNKNOWN'>;

export function parentAllows(required: RequiredParentStatus, parent: ParentOutcome): boolean {
  switch (required) {
    case 'ANY':
      return true;
    case 'SUCCESS':
      return parent === 'SUCCESSFUL';
    case 'FAILURE':
      return parent === 'FAILED';
  }
}

export type Readiness = { kind: 'wait' } | { kind: 'run' } | { kind: 'skip'; reason: string };

/**
 * Decides a waiting task's fate. `parents` holds the final status of each parent that is
 * complete; a parent missing from it is still in progress.
 */
export function readiness(
  dependsOn: Record<string, RequiredParentStatus>,
  parents: ReadonlyMap<string, TaskRunStatus>,
): Readiness {
  const unmet: string[] = [];
  for (const [parent, required] of Object.entries(dependsOn)) {
    const status = parents.get(parent);
    if (status === undefined) return { kind: 'wait' };
    const outcome: ParentOutcome = status === 'UNKNOWN' ? 'FAILED' : status;
    if (!parentAllows(required, outcome))
      unmet.push(`${parent} ended ${outcome}, needed ${required}`);
  }
  if (unmet.length > 0)
    return { kind: 'skip', reason: `dependencies not met: ${unmet.join('; ')}` };
  return { kind: 'run' };
}
