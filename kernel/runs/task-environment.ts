/**
 * The environment a task runs with. One precedence, documented in docs/variables.md: task
 * variables from the config, overridden by run variables, and the system variables (`GOFER_*`)
 * last, which neither configs nor runs may set.
 */
import type { TaskConfig } from '../../sdk/config/pipeline-config.js';
import {
  RESERVED_VARIABLE_PREFIX,
  VARIABLE_KEY_PATTERN,
} from '../../sdk/config/validate-pipeline-config.js';

export interface TaskEnvironmentInput {
  namespace: string;
  pipeline: string;
  run: number;
  task: TaskConfig;
  runVariables: Readonly<Record<string, string>>;
}

/** The variables Gofer sets in every task's environment. */
export const SYSTEM_TASK_VARIABLES = [
  'GOFER_NAMESPACE_ID',
  'GOFER_PIPELINE_ID',
  'GOFER_RUN_ID',
  'GOFER_TASK_ID',
  'GOFER_TASK_IMAGE',
] as const;

export function taskEnvironment(input: TaskEnvironmentInput): Record<string, string> {
  return {
    ...(input.task.variables ?? {}),
    ...input.runVariables,
    GOFER_NAMESPACE_ID: input.namespace,
    GOFER_PIPELINE_ID: input.pipeline,
    GOFER_RUN_ID: String(input.run),
    GOFER_TASK_ID: input.task.id,
    GOFER_TASK_IMAGE: input.task.image,
  };
}

/** Problems with run variables given at start; empty when they are fine. */
export function checkRunVariables(variables: Readonly<Record<string, string>>): string[] {
  const problems: string[] = [];
  for (const [key, value] of Object.entries(variables)) {
    if (!VARIABLE_KEY_PATTERN.test(key)) {
      problems.push(`variable key "${key}" must match ${VARIABLE_KEY_PATTERN.source}`);
    } else if (key.startsWith(RESERVED_VARIABLE_PREFIX)) {
      problems.push(
        `variable key "${key}" is reserved: ${RESERVED_VARIABLE_PREFIX} variables are set by the system`,
      );
    }
    if (typeof value !== 'string') problems.push(`variable "${key}" must be a string`);
  }
  return problems;
}
