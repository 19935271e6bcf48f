/**
 * Steps that run just before each task attempt starts, and once when a run ends. They let parts
 * of the kernel outside the run engine shape a task's environment (resolving secret and object
 * references, injecting a run-scoped API token) without the engine knowing them.
 */
import type { TaskConfig } from '../../sdk/config/pipeline-config.js';
import type { Run } from '../contracts/model.js';

export interface PreparedTask {
  /** The environment to start the task with; a step may replace or add values. */
  env: Record<string, string>;
  /** Values the scheduler must mask in the task's logs. */
  mask: string[];
  /**
   * The image the scheduler is given, when a step replaced the task's own (a component stored
   * as an object is handed over as the file it was written to). Steps keep what they do not set.
   */
  image?: string;
}

export interface TaskPreparationStep {
  /**
   * Called in order, each with the previous step's result. Throwing a `GoferError` fails the
   * attempt with the error's message as the reason (`FAILED_PRECONDITION`), e.g. a secret that
   * does not exist, named by its key.
   */
  prepare(run: Run, task: TaskConfig, prepared: PreparedTask): Promise<PreparedTask>;
  /** Called once the run is complete, whatever its status; must not throw. */
  runEnded(run: Run): Promise<void>;
  /**
   * The values `prepare` masked for the task, found again without side effects, for an attempt
   * adopted after a restart. Steps that mask nothing, or nothing that can be had again, omit it.
   */
  masks?(run: Run, task: TaskConfig): Promise<string[]>;
}

export const TASK_PREPARATION_STEPS = Symbol.for('gofer.kernel.TaskPreparationSteps');
