/**
 * Builder for a pipeline config. A pipeline program builds one and ends with `finish()`, which
 * prints the config as JSON on stdout for `gofer pipeline register` to read:
 *
 *     new Pipeline('build', 'Build').tasks(new Task('test', 'node:20').command('npm', 'test')).finish();
 *
 * Any language can do the same by printing JSON that follows sdk/config/pipeline-config.schema.json.
 */
import type { PipelineConfig } from './config/pipeline-config.js';
import { formatProblems, validatePipelineConfig } from './config/validate-pipeline-config.js';
import type { Task } from './task.js';

export class Pipeline {
  private readonly config: Omit<PipelineConfig, 'tasks'>;
  private readonly taskList: Task[] = [];

  constructor(id: string, name?: string) {
    this.config = name === undefined ? { id } : { id, name };
  }

  description(text: string): this {
    this.config.description = text;
    return this;
  }

  /** Runs of this pipeline allowed at once; 0 leaves only the kernel's global limit. */
  parallelism(runs: number): this {
    this.config.parallelism = runs;
    return this;
  }

  /** Tasks of one run allowed to run at once; 0 uses the kernel's default. */
  taskConcurrency(tasks: number): this {
    this.config.task_concurrency = tasks;
    return this;
  }

  /** A duration such as "1h"; a run taking longer is stopped and fails. */
  timeout(duration: string): this {
    this.config.timeout = duration;
    return this;
  }

  /** Adds tasks after those already added; order is kept in the config and in listings. */
  tasks(...tasks: Task[]): this {
    this.taskList.push(...tasks);
    return this;
  }

  /** The pipeline as plain config, unchecked; see `finish()` for the checked form. */
  toConfig(): PipelineConfig {
    return { ...structuredClone(this.config), tasks: this.taskList.map((t) => t.toConfig()) };
  }

  /**
   * Validates the config and prints it as JSON on stdout, and nothing else there. When it is
   * invalid, prints every problem on stderr instead and exits with status 1.
   */
  finish(): void {
    const result = validatePipelineConfig(this.toConfig());
    if (result.ok) {
      process.stdout.write(`${JSON.stringify(result.config, null, 2)}\n`);
      return;
    }

    const text = `pipeline ${JSON.stringify(this.config.id)} is invalid:\n${formatProblems(result.problems)}\n`;
    process.exitCode = 1;
    // Exit only once stderr has taken the text: on some platforms pipes are written later.
    process.stderr.write(text, () => process.exit(1));
  }
}
