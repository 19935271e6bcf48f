/**
 * The checks that need every task at once: duplicate ids, unknown parents, self dependencies and
 * dependency cycles. Runs after the per-task checks, on the tasks whose id is at least a string.
 */
import { findDependencyCycles } from './find-dependency-cycles.js';
import type { Problem } from './validate-pipeline-config.js';

export interface GraphTask {
  id: string;
  /** Position in the config's task list, for problem paths. */
  index: number;
  /** Parent ids as written under depends_on, known or not. */
  dependsOn: string[];
}

export function checkTaskGraph(tasks: readonly GraphTask[], problems: Problem[]): void {
  const first = new Map<string, GraphTask>();
  for (const task of tasks) {
    const earlier = first.get(task.id);
    if (earlier) {
      problems.push({
        path: `tasks[${task.index}].id`,
        message:
          `task ${quote(task.id)}: duplicate task id, also used by tasks[${earlier.index}]; ` +
          'task ids must be unique',
        tasks: [task.id],
      });
    } else first.set(task.id, task);
  }

  const edges = new Map<string, string[]>();
  for (const task of first.values()) {
    const parents: string[] = [];
    for (const parent of task.dependsOn) {
      const path = `tasks[${task.index}].depends_on.${parent}`;
      if (parent === task.id) {
        problems.push({
          path,
          message: `task ${quote(task.id)}: depends on itself; remove ${quote(parent)} from its depends_on`,
          tasks: [task.id],
        });
      } else if (!first.has(parent)) {
        const known = [...first.keys()].map(quote).join(', ');
        problems.push({
          path,
          message: `task ${quote(task.id)}: depends on unknown task ${quote(parent)}; the tasks are ${known}`,
          tasks: [task.id],
        });
      } else parents.push(parent);
    }
    edges.set(task.id, parents);
  }

  for (const cycle of findDependencyCycles(edges)) {
    const owner = first.get(cycle[0]);
    problems.push({
      path: owner ? `tasks[${owner.index}].depends_on` : 'tasks',
      message:
        `tasks ${cycle.map(quote).join(', ')} form a dependency cycle: ` +
        `${[...cycle, cycle[0]].join(' -> ')} (each depends on the next); ` +
        'remove one of these dependencies',
      tasks: cycle,
    });
  }
}

const quote = (text: string): string => JSON.stringify(text);
