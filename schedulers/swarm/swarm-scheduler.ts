/**
 * The scheduler on a Docker Swarm cluster. Each task is one replicated job service named by its
 * spec id, run once on whichever node its placement allows, and followed through the manager
 * alone: task state from the task list, output from the service's logs, stop and removal by
 * updating the job to no completions, which makes swarm shut the task down on its node.
 */
import Docker from 'dockerode';
import type { Logger } from '../../kernel/contracts/logger.js';
import type {
  AdoptOptions,
  Scheduler,
  SchedulerCapabilities,
  ServiceHandle,
  ServiceWorkloadSpec,
  TaskWorkloadSpec,
  WorkloadHandle,
  WorkloadInfo,
  WorkloadOutcome,
} from '../../kernel/contracts/scheduler.js';
import type { ImageKind, PullPolicy } from '../../sdk/config/pipeline-config.js';
import { hasOutput, LiveJobLog, prepareLogFile, readJobLog, writeJobLog } from './job-log.js';
import { jobSpec, NO_COMPLETIONS } from './job-spec.js';
import { JobTracker, TERMINAL_STATES } from './job-tracker.js';
import type { TaskSnapshot } from './job-tracker.js';
import { engineMessage, isNotFound, swarmFailure } from './swarm-failure.js';
import { INSTALLATION_LABEL, workloadLabelsOf } from '../shared/workload-labels.js';
import { LOG_FILE_LABEL } from './swarm-labels.js';
import type { SwarmSchedulerOptions } from './swarm-scheduler-options.js';
import { swarmTaskProblems } from './swarm-task-problems.js';

/** How long `stop` and `remove` wait past the grace period for swarm to report the end. */
const SETTLE_MS = 30_000;
/** A stopped task's log stream is closed once it has been quiet this long. */
const LOG_QUIET_MS = 500;
const FOREVER = Number.MAX_SAFE_INTEGER;
/** How long a task must be absent from the task list before it counts as vanished. */
const MISSING_MS = 2_000;

interface ServiceInfo {
  ID: string;
  Version?: { Index?: number };
  Spec?: Record<string, unknown> & { Labels?: Record<string, string>; Mode?: unknown };
}

export class SwarmScheduler implements Scheduler {
  readonly name = 'swarm';
  readonly capabilities: SchedulerCapabilities = {
    imageKinds: ['container'],
    pullsImages: false,
    services: false,
    needs: ['container-engine'],
  };

  private readonly docker: Docker;
  private readonly tracker: JobTracker;
  /** One follower per service, shared by the start handle, `adopt` and `stop`. */
  private readonly follows = new Map<string, Promise<WorkloadOutcome>>();
  private readonly live = new Map<string, LiveJobLog>();
  /** Secret values to mask in each job's output, by service id. */
  private readonly masks = new Map<string, readonly string[]>();
  private closed = false;

  constructor(
    private readonly options: SwarmSchedulerOptions,
    private readonly logger: Logger,
  ) {
    this.docker = new Docker({ socketPath: options.socketPath });
    this.tracker = new JobTracker(this.docker, options.pollIntervalMs, logger);
  }

  /** Checks that the engine is a swarm manager, so a wrong socket shows at startup. */
  async start(): Promise<void> {
    const info = (await this.engine('read the engine info', () => this.docker.info())) as {
      Swarm?: { ControlAvailable?: boolean; LocalNodeState?: string };
    };
    if (!info.Swarm?.ControlAvailable) {
      throw swarmFailure(
        'ENGINE_UNAVAILABLE',
        `the engine on ${this.options.socketPath} is not a swarm manager (swarm state ` +
          `"${info.Swarm?.LocalNodeState ?? 'unknown'}"); run \`docker swarm init\` there or set ` +
          'scheduler.swarm.socket to a manager',
      );
    }
  }

  async checkTask(task: {
    id: string;
    image: string;
    imageKind: ImageKind;
    pullPolicy: PullPolicy;
  }): Promise<string[]> {
    return swarmTaskProblems(task);
  }

  async startTask(spec: TaskWorkloadSpec): Promise<WorkloadHandle> {
    this.refuseClosed();
    const problems = swarmTaskProblems({ ...spec, id: spec.labels.task ?? spec.id });
    if (problems.length > 0) throw swarmFailure('UNSUPPORTED_TASK', problems.join('\n'));
    const service = jobSpec(spec, this.options.stopGraceMs);
    await prepareLogFile(spec.logFile, spec.id);
    await this.remove(spec.id);

    const created = await this.engine(`create job service ${spec.id}`, () =>
      this.docker.createService(service as never),
    );
    const serviceId = (created as { id?: string; ID?: string }).id ?? '';
    if (spec.mask?.length) this.masks.set(serviceId, spec.mask);
    const first = await this.tracker.waitFor(
      serviceId,
      (t) => t !== undefined && (t.state === 'running' || TERMINAL_STATES.has(t.state)),
      this.options.startTimeoutMs,
    );
    if (first === 'timeout' || first === undefined) {
      await this.remove(spec.id).catch(() => undefined);
      throw swarmFailure(
        'START_FAILED',
        `job ${spec.id} (${spec.image}) did not start within ${this.options.startTimeoutMs} ms; ` +
          'check that a node meets its placement and has the image (`docker node ls`, `docker service ps`)',
      );
    }
    if (first.exitCode === null && first.state !== 'running') {
      await this.remove(spec.id).catch(() => undefined);
      const missing = /no such image/i.test(first.err ?? '');
      throw swarmFailure(
        missing ? 'IMAGE_NOT_FOUND' : 'START_FAILED',
        `job ${spec.id} could not start ${spec.image}: ${first.err ?? first.state}` +
          (missing ? '; load the image into every node (`docker save | docker load`)' : ''),
      );
    }
    this.logger.debug({ workload: spec.id, node: first.nodeId }, 'swarm job started');
    const exited = this.follow(spec.id, serviceId, spec.logFile);
    return { id: spec.id, startedAt: first.at, exited };
  }

  async startService(spec: ServiceWorkloadSpec): Promise<ServiceHandle> {
    throw swarmFailure(
      'UNSUPPORTED_TASK',
      `service ${spec.id}: the swarm scheduler runs only tasks, because an extension must listen ` +
        "on the kernel's own loopback; run extensions with the docker scheduler",
    );
  }

  async stop(id: string, graceMs: number): Promise<void> {
    const service = await this.inspect(id);
    if (!service) return;
    const task = await this.tracker.current(service.ID);
    if (!task || TERMINAL_STATES.has(task.state)) return;

    // Swarm removes the container right after shutting it down, so its output is read live.
    if (!this.live.has(service.ID)) {
      const live = new LiveJobLog(this.docker, service.ID);
      await live.open().catch(() => undefined);
      this.live.set(service.ID, live);
    }
    const exited = this.follow(id, service.ID, service.Spec?.Labels?.[LOG_FILE_LABEL]);
    await this.noCompletions(service);
    if (graceMs !== this.options.stopGraceMs) {
      this.logger.debug(
        { workload: id, graceMs, stopGraceMs: this.options.stopGraceMs },
        'swarm fixes the grace period at start; using scheduler.swarm.stop_grace',
      );
    }
    const bound = Math.max(graceMs, this.options.stopGraceMs) + SETTLE_MS;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, bound)));
    await Promise.race([exited.then(() => undefined), late]);
    clearTimeout(timer);
  }

  async list(installation: string): Promise<WorkloadInfo[]> {
    const services = (await this.engine('list services', () =>
      this.docker.listServices({ filters: { label: [`${INSTALLATION_LABEL}=${installation}`] } }),
    )) as ServiceInfo[];
    const out: WorkloadInfo[] = [];
    for (const s of services) {
      const labels = workloadLabelsOf(s.Spec?.Labels);
      if (!labels || labels.installation !== installation) continue;
      const name = String((s.Spec as { Name?: string } | undefined)?.Name ?? s.ID);
      const task = await this.tracker.current(s.ID);
      out.push({ id: name, labels, ...stateOf(task) });
    }
    return out;
  }

  async adopt(id: string, options: AdoptOptions = {}): Promise<WorkloadHandle> {
    this.refuseClosed();
    const service = await this.inspect(id);
    if (!service) {
      return {
        id,
        startedAt: 0,
        exited: Promise.resolve(lost(`job service ${id} does not exist`)),
      };
    }
    // The output is written when the job ends, by this instance: it must mask what the start did.
    if (options.mask?.length) this.masks.set(service.ID, options.mask);
    const task = await this.tracker.current(service.ID);
    const exited = this.follow(id, service.ID, service.Spec?.Labels?.[LOG_FILE_LABEL]);
    return { id, startedAt: task?.at ?? 0, exited };
  }

  /**
   * Removes the job. Deleting the service alone would leave a running task running, so a job
   * still running is first set to no completions, which makes swarm shut its task down and remove
   * it on its node. An ended task's container is not removed by swarm (moby/moby#44312); the
   * ones on the manager's own engine are swept here, by the service id swarm labels them with.
   */
  async remove(id: string): Promise<void> {
    const service = await this.inspect(id);
    if (!service) return;
    const task = await this.tracker.current(service.ID);
    if (task && !TERMINAL_STATES.has(task.state)) {
      await this.noCompletions(service);
      const gone = await this.tracker.waitFor(
        service.ID,
        (t) => t === undefined || TERMINAL_STATES.has(t.state),
        this.options.stopGraceMs + SETTLE_MS,
      );
      if (gone === 'timeout') this.logger.warn({ workload: id }, 'swarm kept the job task running');
    }
    try {
      await this.docker.getService(service.ID).remove();
    } catch (err) {
      if (!isNotFound(err)) {
        throw swarmFailure('ENGINE_UNAVAILABLE', `cannot remove job ${id}: ${engineMessage(err)}`);
      }
    }
    this.follows.delete(service.ID);
    await this.sweepLocal(service.ID);
  }

  /** Task containers of the service on the manager's engine. */
  // TODO(swarm): ended task containers on other nodes stay - swarm offers no call that removes them
  private async sweepLocal(serviceId: string): Promise<void> {
    const filters = { label: [`com.docker.swarm.service.id=${serviceId}`] };
    const containers = await this.docker.listContainers({ all: true, filters }).catch(() => []);
    for (const c of containers) {
      await this.docker
        .getContainer(c.Id)
        .remove({ force: true, v: true })
        .catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.tracker.close();
  }

  private follow(
    id: string,
    serviceId: string,
    logFile: string | undefined,
  ): Promise<WorkloadOutcome> {
    let follow = this.follows.get(serviceId);
    if (!follow) {
      follow = this.untilEnd(id, serviceId, logFile);
      this.follows.set(serviceId, follow);
    }
    return follow;
  }

  private async untilEnd(
    id: string,
    serviceId: string,
    logFile: string | undefined,
  ): Promise<WorkloadOutcome> {
    // The task list can miss a task for a moment; only a lasting absence means it is gone.
    let missingSince: number | undefined;
    const end = await this.tracker.waitFor(
      serviceId,
      (t) => {
        if (t) missingSince = undefined;
        else missingSince ??= Date.now();
        return t
          ? TERMINAL_STATES.has(t.state)
          : Date.now() - (missingSince ?? Date.now()) >= MISSING_MS;
      },
      FOREVER,
    );
    // Closed: the workload keeps running and a new scheduler will adopt it.
    if (end === 'timeout') return new Promise<never>(() => undefined);

    const live = this.live.get(serviceId);
    this.live.delete(serviceId);
    if (logFile) await this.collectLog(id, serviceId, logFile, live);
    if (end === undefined) return lost(`the task of job ${id} vanished before it ended`);
    if (end.exitCode === null) return lost(`job ${id} ended ${end.state}: ${end.err ?? ''}`.trim());
    return { kind: 'exited', exitCode: end.exitCode, oomKilled: false, at: end.at };
  }

  /** Appends the job's output once: a file that holds output was written by an earlier instance. */
  private async collectLog(
    id: string,
    serviceId: string,
    logFile: string,
    live: LiveJobLog | undefined,
  ): Promise<void> {
    try {
      const framed = live
        ? await live.end(LOG_QUIET_MS, LOG_QUIET_MS * 6)
        : await readJobLog(this.docker, serviceId);
      if (!(await hasOutput(logFile)))
        await writeJobLog(logFile, framed, this.masks.get(serviceId));
      this.masks.delete(serviceId);
    } catch (err) {
      this.logger.warn({ workload: id, err: engineMessage(err) }, 'cannot read the job output');
    }
  }

  private async noCompletions(service: ServiceInfo): Promise<void> {
    if (JSON.stringify(service.Spec?.Mode) === JSON.stringify(NO_COMPLETIONS)) return;
    try {
      await this.docker
        .getService(service.ID)
        .update({ version: service.Version?.Index, ...service.Spec, Mode: NO_COMPLETIONS });
    } catch (err) {
      if (!isNotFound(err)) {
        throw swarmFailure(
          'ENGINE_UNAVAILABLE',
          `cannot stop job ${service.ID}: ${engineMessage(err)}`,
        );
      }
    }
  }

  private async inspect(id: string): Promise<ServiceInfo | undefined> {
    try {
      return (await this.docker.getService(id).inspect()) as ServiceInfo;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw swarmFailure('ENGINE_UNAVAILABLE', `cannot inspect job ${id}: ${engineMessage(err)}`);
    }
  }

  private refuseClosed(): void {
    if (this.closed) {
      throw swarmFailure('ENGINE_UNAVAILABLE', 'the swarm scheduler was closed; create a new one');
    }
  }

  private async engine<T>(what: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      throw swarmFailure(
        'ENGINE_UNAVAILABLE',
        `cannot ${what} on the swarm manager ${this.options.socketPath}: ${engineMessage(err)}`,
      );
    }
  }
}

function stateOf(task: TaskSnapshot | undefined): Pick<WorkloadInfo, 'state' | 'exitCode'> {
  if (!task || ['new', 'pending', 'assigned', 'accepted'].includes(task.state)) {
    return { state: 'created', exitCode: null };
  }
  if (TERMINAL_STATES.has(task.state)) return { state: 'exited', exitCode: task.exitCode };
  return { state: 'running', exitCode: null };
}

function lost(reason: string): WorkloadOutcome {
  return { kind: 'lost', reason, at: Date.now() };
}
