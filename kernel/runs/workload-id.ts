/**
 * A task attempt's workload id: `gofer.<installation>.<namespace>.<pipeline>.<run>.<task>.<attempt>`.
 * Ids never contain `.`, so the parts cannot run into each other, and the installation prefix
 * keeps two Gofer installations on one engine apart.
 */
export function taskWorkloadId(
  installation: string,
  namespace: string,
  pipeline: string,
  run: number,
  task: string,
  attempt: number,
): string {
  return ['gofer', installation.slice(0, 12), namespace, pipeline, run, task, attempt].join('.');
}
