import { join } from 'node:path';

/**
 * Where task logs live: `<data_dir>/logs/<namespace>/<pipeline>/<run>/<task>.log`. Ids cannot
 * hold `/` or `.`-only names (validation allows letters, digits, `_` and `-`), so distinct tasks
 * never share a file.
 */
export class LogPaths {
  constructor(private readonly dataDir: string) {}

  runDir(namespace: string, pipeline: string, run: number): string {
    return join(this.dataDir, 'logs', namespace, pipeline, String(run));
  }

  pipelineDir(namespace: string, pipeline: string): string {
    return join(this.dataDir, 'logs', namespace, pipeline);
  }

  namespaceDir(namespace: string): string {
    return join(this.dataDir, 'logs', namespace);
  }

  taskLog(namespace: string, pipeline: string, run: number, task: string): string {
    return join(this.runDir(namespace, pipeline, run), `${task}.log`);
  }
}
