/**
 * The two pipelines the Docker benchmark runs, through Gofer and through the raw runner alike:
 * one task that does nothing, and a fan-out/fan-in DAG of 20 such tasks (a root, 18 middle
 * tasks that each need the root, and a join that needs every middle task).
 */
import type { PipelineConfig, TaskConfig } from '../sdk/config/pipeline-config.js';
import { BUSYBOX_IMAGE } from '../test/support/test-images.js';

export const SINGLE_PIPELINE = 'bench-single';
export const DAG_PIPELINE = 'bench-dag';
export const ROOT_TASK = 'root';
export const JOIN_TASK = 'join';
export const MIDDLE_TASKS = Array.from(
  { length: 18 },
  (_, i) => `middle-${String(i + 1).padStart(2, '0')}`,
);

export interface BenchPipelines {
  single: PipelineConfig;
  dag: PipelineConfig;
}

export function benchPipelines(taskConcurrency: number): BenchPipelines {
  const needs = (...parents: string[]) =>
    Object.fromEntries(parents.map((p) => [p, 'SUCCESS' as const]));
  return {
    single: {
      id: SINGLE_PIPELINE,
      name: 'One task',
      task_concurrency: taskConcurrency,
      tasks: [noop('only')],
    },
    dag: {
      id: DAG_PIPELINE,
      name: 'Fan-out and fan-in of 20 tasks',
      task_concurrency: taskConcurrency,
      tasks: [
        noop(ROOT_TASK),
        ...MIDDLE_TASKS.map((id) => noop(id, needs(ROOT_TASK))),
        noop(JOIN_TASK, needs(...MIDDLE_TASKS)),
      ],
    },
  };
}

/** A task that starts and exits 0 at once, so the figures are all orchestration. */
function noop(id: string, depends_on?: TaskConfig['depends_on']): TaskConfig {
  return { id, image: BUSYBOX_IMAGE, command: ['true'], ...(depends_on ? { depends_on } : {}) };
}
