/**
 * A scheduler that needs no engine: each task is a WASI command component (`image_kind:
 * "wasm"`, image = absolute path of a `.wasm` file) run in a worker thread of the kernel
 * process against a virtual WASI of its own. Arguments are the entrypoint then the command,
 * the environment is exactly the task's, stdin is empty, stdout and stderr go to the log file
 * as they are written. The task reaches no host file, no network and no host interface.
 *
 * Workloads live in this object's memory only, as with the inprocess scheduler: they end with
 * the kernel process, so a second instance has none to adopt.
 */
import { isAbsolute } from 'node:path';
import type {
  Scheduler,
  SchedulerCapabilities,
  ServiceHandle,
  ServiceWorkloadSpec,
  TaskWorkloadSpec,
  WorkloadHandle,
  WorkloadInfo,
} from '../../kernel/contracts/scheduler.js';
import { parseObjectImage } from '../../sdk/config/object-image.js';
import type { ImageKind, PullPolicy } from '../../sdk/config/pipeline-config.js';
import { schedulerFailure } from './scheduler-failure.js';
import { TaskComponentCache } from './task-component-cache.js';
import { TaskWorkerPool } from './task-worker-pool.js';
import type { WasiSchedulerOptions } from './wasi-scheduler-options.js';
import { WasiWorkload } from './wasi-workload.js';

/** argv[0] of a task whose entrypoint and command are both empty. */
const PROGRAM_NAME = 'task';

export class WasiScheduler implements Scheduler {
  readonly name = 'wasi';
  readonly capabilities: SchedulerCapabilities = {
    imageKinds: ['wasm'],
    pullsImages: false,
    services: false,
    needs: [],
  };

  private readonly workloads = new Map<string, WasiWorkload>();
  private readonly components: TaskComponentCache;
  private readonly pool: TaskWorkerPool;

  constructor(private readonly options: WasiSchedulerOptions) {
    this.components = new TaskComponentCache(options.cacheDir);
    this.pool = new TaskWorkerPool(options.warmWorkers);
  }

  async checkTask(task: {
    id: string;
    image: string;
    imageKind: ImageKind;
    pullPolicy: PullPolicy;
  }): Promise<string[]> {
    const problems: string[] = [];
    const id = JSON.stringify(task.id);
    if (task.imageKind !== 'wasm') {
      problems.push(
        `task ${id}: image kind ${JSON.stringify(task.imageKind)} is not supported by the wasi ` +
          `scheduler; set image_kind "wasm" and give a WASI command component as the image`,
      );
    }
    const object = parseObjectImage(task.image);
    if (object.type === 'malformed') {
      problems.push(`task ${id}: ${object.problem}`);
    } else if (
      object.type === 'none' &&
      (!isAbsolute(task.image) || !task.image.endsWith('.wasm'))
    ) {
      problems.push(
        `task ${id}: image ${JSON.stringify(task.image)} is not the absolute path of a .wasm ` +
          `file or object:<key>; the wasi scheduler runs WASI command components, e.g. ` +
          `"/srv/tasks/build.wasm" or "object:build.wasm" for a pipeline object`,
      );
    }
    return problems;
  }

  async startTask(spec: TaskWorkloadSpec): Promise<WorkloadHandle> {
    const taskId = spec.labels.task ?? spec.id;
    const problems = await this.checkTask({ ...spec, id: taskId });
    if (problems.length > 0) throw schedulerFailure('UNSUPPORTED_TASK', problems.join('\n'));
    if (parseObjectImage(spec.image).type === 'object') {
      // The kernel writes object images to files before an attempt starts; this one was not.
      throw schedulerFailure(
        'START_FAILED',
        `task ${taskId}: image ${spec.image} reached the scheduler unresolved; the kernel ` +
          'hands the wasi scheduler the file a component object was written to',
      );
    }
    const memory = spec.resources?.memory_bytes ?? this.options.memoryLimitBytes;
    const task = await this.components.load(taskId, spec.image, memory);

    // A second start with the same id replaces the first, as a container name would.
    const previous = this.workloads.get(spec.id);
    if (previous) {
      previous.kill();
      await previous.handle.exited;
    }

    const args = [...(spec.entrypoint ?? []), ...(spec.command ?? [])];
    const workload = await WasiWorkload.start({
      id: spec.id,
      labels: spec.labels,
      args: args.length > 0 ? args : [PROGRAM_NAME],
      env: spec.env,
      logFile: spec.logFile,
      task,
      mask: spec.mask,
      timeLimitMs: this.options.timeLimitMs,
      pool: this.pool,
    });
    this.workloads.set(spec.id, workload);
    return workload.handle;
  }

  async startService(spec: ServiceWorkloadSpec): Promise<ServiceHandle> {
    throw schedulerFailure(
      'UNSUPPORTED_TASK',
      `service ${spec.id}: the wasi scheduler cannot run extension services; run extensions ` +
        `as wasm components (gofer extension install <file.wasm>), which need no scheduler`,
    );
  }

  async stop(id: string, graceMs: number): Promise<void> {
    await this.workloads.get(id)?.stop(graceMs);
  }

  async list(installation: string): Promise<WorkloadInfo[]> {
    return [...this.workloads.values()]
      .filter((w) => w.installation === installation)
      .map((w) => w.info());
  }

  /** An id this scheduler does not hold was lost with the process that ran it. */
  async adopt(id: string): Promise<WorkloadHandle> {
    const workload = this.workloads.get(id);
    if (workload) return workload.handle;
    const outcome = { kind: 'lost' as const, reason: `no wasi workload ${id}`, at: Date.now() };
    return { id, startedAt: 0, exited: Promise.resolve(outcome) };
  }

  async remove(id: string): Promise<void> {
    const workload = this.workloads.get(id);
    if (!workload) return;
    workload.kill();
    await workload.handle.exited;
    if (this.workloads.get(id) === workload) this.workloads.delete(id);
  }

  /** Workloads are threads of this process and keep running; only idle workers are ended. */
  async close(): Promise<void> {
    await this.pool.close();
  }
}
