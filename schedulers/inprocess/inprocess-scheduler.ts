/**
 * A scheduler that needs no engine: each task runs one of a few built-in programs (see
 * builtin-program.ts) inside the kernel's own process, and writes its log file like any other
 * scheduler. It lets the kernel start and run pipelines in tests without Docker.
 *
 * Workloads live in this object's memory only, so they vanish with it; a second instance sees
 * none of the first one's workloads.
 */
import type {
  Scheduler,
  SchedulerCapabilities,
  ServiceHandle,
  ServiceWorkloadSpec,
  TaskWorkloadSpec,
  WorkloadHandle,
  WorkloadInfo,
} from '../../kernel/contracts/scheduler.js';
import type { ImageKind, PullPolicy } from '../../sdk/config/pipeline-config.js';
import { parseBuiltinProgram } from './builtin-program.js';
import { InProcessWorkload } from './inprocess-workload.js';
import { schedulerFailure } from './scheduler-failure.js';

/** The one image this scheduler runs; any other name is refused at registration. */
export const INPROCESS_IMAGE = 'inprocess';

export class InProcessScheduler implements Scheduler {
  readonly name = 'inprocess';
  readonly capabilities: SchedulerCapabilities = {
    imageKinds: ['container'],
    pullsImages: false,
    services: false,
    needs: [],
  };

  private readonly workloads = new Map<string, InProcessWorkload>();

  async checkTask(task: {
    id: string;
    image: string;
    imageKind: ImageKind;
    pullPolicy: PullPolicy;
  }): Promise<string[]> {
    const problems: string[] = [];
    if (task.imageKind !== 'container') {
      problems.push(
        `task ${JSON.stringify(task.id)}: image kind ${JSON.stringify(task.imageKind)} is not ` +
          `supported by the inprocess scheduler; use image_kind "container"`,
      );
    }
    if (task.image !== INPROCESS_IMAGE) {
      problems.push(
        `task ${JSON.stringify(task.id)}: image ${JSON.stringify(task.image)} cannot run on the ` +
          `inprocess scheduler, which runs only its built-in image; set image to "${INPROCESS_IMAGE}"`,
      );
    }
    return problems;
  }

  async startTask(spec: TaskWorkloadSpec): Promise<WorkloadHandle> {
    const problems = await this.checkTask({ ...spec, id: spec.labels.task ?? spec.id });
    if (problems.length > 0) throw schedulerFailure('UNSUPPORTED_TASK', problems.join('\n'));
    const program = parseBuiltinProgram([...(spec.entrypoint ?? []), ...(spec.command ?? [])]);

    // A second start with the same id replaces the first, as a container name would.
    const previous = this.workloads.get(spec.id);
    if (previous) {
      previous.kill();
      await previous.handle.exited;
    }

    const workload = await InProcessWorkload.start({
      id: spec.id,
      labels: spec.labels,
      env: spec.env,
      logFile: spec.logFile,
      program,
      mask: spec.mask,
    });
    this.workloads.set(spec.id, workload);
    return workload.handle;
  }

  async startService(spec: ServiceWorkloadSpec): Promise<ServiceHandle> {
    throw schedulerFailure(
      'UNSUPPORTED_TASK',
      `service ${spec.id}: the inprocess scheduler cannot run extension services; ` +
        `use the docker scheduler (scheduler.engine = "docker") for extensions`,
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

  /**
   * Returns the handle given at start. An id this scheduler does not hold was lost, as a
   * container that vanished would be, so `exited` reports that instead of the call failing.
   */
  async adopt(id: string): Promise<WorkloadHandle> {
    const workload = this.workloads.get(id);
    if (workload) return workload.handle;
    const outcome = {
      kind: 'lost' as const,
      reason: `no inprocess workload ${id}`,
      at: Date.now(),
    };
    return { id, startedAt: 0, exited: Promise.resolve(outcome) };
  }

  /** Forgets the workload, killing it first if it still runs, as a forced container removal. */
  async remove(id: string): Promise<void> {
    const workload = this.workloads.get(id);
    if (!workload) return;
    workload.kill();
    await workload.handle.exited;
    if (this.workloads.get(id) === workload) this.workloads.delete(id);
  }

  /** Nothing to release: workloads keep running, like containers after a client disconnects. */
  async close(): Promise<void> {}
}
