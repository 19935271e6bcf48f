/**
 * The delays from a parent's exit to its child's next steps, read from one run of the fan-out
 * DAG. A child's moment of release is the engine's `die` event of whatever let it go: for a
 * middle task, the root's exit, or, when the concurrency cap held it back, the exit of the
 * middle task that freed its slot (slots free in exit order and go to held tasks in config
 * order, as the run executor hands them out); for the join, the last middle task to exit.
 * From that moment the figures are the create request on the wire and the engine's `start`.
 */
import { JOIN_TASK, MIDDLE_TASKS, ROOT_TASK } from './bench-pipelines.js';

export interface TaskTimes {
  /** When the create request was sent (from the relay). */
  create?: number;
  /** The engine's start and die events. */
  start?: number;
  die?: number;
}

export interface ChildDelays {
  dispatch: number[];
  start: number[];
}

export function childDelays(tasks: ReadonlyMap<string, TaskTimes>, cap: number): ChildDelays {
  const must = (task: string, what: keyof TaskTimes): number => {
    const at = tasks.get(task)?.[what];
    if (at === undefined) throw new Error(`no ${what} time was recorded for task ${task}`);
    return at;
  };

  const rootDie = must(ROOT_TASK, 'die');
  const middleDies = MIDDLE_TASKS.map((t) => must(t, 'die')).sort((a, b) => a - b);
  const released = new Map<string, number>();
  MIDDLE_TASKS.forEach((task, i) => {
    released.set(task, i < cap ? rootDie : middleDies[i - cap]);
  });
  released.set(JOIN_TASK, middleDies[middleDies.length - 1]);

  const out: ChildDelays = { dispatch: [], start: [] };
  for (const [task, at] of released) {
    out.dispatch.push(must(task, 'create') - at);
    out.start.push(must(task, 'start') - at);
  }
  return out;
}
