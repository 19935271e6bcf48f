/**
 * The baseline: runs a pipeline config by driving dockerode directly, with no state store, no
 * events and no API. It still does everything a container needs to run the way Gofer runs it:
 * the same create options (built by the docker scheduler's own `containerConfig`: image, init,
 * network mode, labels, log wrapper entrypoint, bind mounts, log driver), a prepared log file,
 * the exit learnt from the engine's event stream, removal after the exit, the DAG's order and
 * the same concurrency cap, taking ready tasks in config order.
 */
import { join } from 'node:path';
import type Docker from 'dockerode';
import type { ImageInspectInfo } from 'dockerode';
import { taskEnvironment } from '../kernel/runs/task-environment.js';
import type { PipelineConfig, TaskConfig } from '../sdk/config/pipeline-config.js';
import { containerConfig } from '../schedulers/docker/container-config.js';
import { prepareLogFile } from '../schedulers/docker/log-file.js';
import type { EngineEventLog } from './engine-event-log.js';

export interface RawDockerRunnerOptions {
  docker: Docker;
  /** An event stream on the same socket as `docker`, narrowed to `installation`. */
  events: EngineEventLog;
  installation: string;
  image: ImageInspectInfo;
  logDir: string;
  networkMode: 'host' | 'none';
  logwrapPath: string;
}

const TASK_TIMEOUT_MS = 60_000;

export class RawDockerRunner {
  constructor(private readonly opts: RawDockerRunnerOptions) {}

  /** The container name of one task, as `containerName` in the engine's events. */
  containerName(pipeline: string, run: number, task: string): string {
    return ['raw', this.opts.installation, pipeline, run, task].join('.');
  }

  /** Runs every task of `config` once; resolves with the wall time in ms when the last exits. */
  async run(config: PipelineConfig, run: number): Promise<number> {
    const began = performance.now();
    const cap = config.task_concurrency || 8;
    const done = new Set<string>();
    const launched = new Set<string>();
    let active = 0;

    await new Promise<void>((resolve, reject) => {
      const pump = () => {
        if (done.size === config.tasks.length) return resolve();
        for (const task of config.tasks) {
          if (active >= cap) break;
          if (launched.has(task.id)) continue;
          if (!Object.keys(task.depends_on ?? {}).every((p) => done.has(p))) continue;
          launched.add(task.id);
          active++;
          this.runTask(config.id, run, task).then(() => {
            active--;
            done.add(task.id);
            pump();
          }, reject);
        }
      };
      pump();
    });
    return performance.now() - began;
  }

  private async runTask(pipeline: string, run: number, task: TaskConfig): Promise<void> {
    const { docker, events, installation, image } = this.opts;
    const id = this.containerName(pipeline, run, task.id);
    const logFile = join(this.opts.logDir, pipeline, String(run), `${task.id}.log`);
    await prepareLogFile(logFile, id);
    const config = containerConfig(
      {
        id,
        image: task.image,
        labels: {
          installation,
          kind: 'task',
          namespace: 'default',
          pipeline,
          run,
          task: task.id,
          attempt: 1,
        },
        entrypoint: task.entrypoint,
        command: task.command,
        env: taskEnvironment({ namespace: 'default', pipeline, run, task, runVariables: {} }),
        logFile,
        networkMode: this.opts.networkMode,
        logwrapPath: this.opts.logwrapPath,
      },
      image,
    );

    const container = await docker.createContainer(config);
    await container.start();
    const exit = await events.waitForDie(id, TASK_TIMEOUT_MS);
    // Removal is not waited for, as Gofer does not wait for it before the next decision.
    void container.remove({ force: true, v: true }).catch(() => undefined);
    if (exit.exitCode !== 0) {
      throw new Error(`raw task ${id} exited with code ${exit.exitCode}; check the test image`);
    }
  }
}
