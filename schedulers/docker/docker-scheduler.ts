/**
 * The scheduler on the local Docker engine. Each workload is one container named by its spec id
 * and labelled with its workload labels; the log wrapper inside it writes the task's exact output
 * to the log file on the host. Container ends are learnt from the engine's event stream, which
 * `ContainerEvents` keeps open for the scheduler's lifetime.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Docker from 'dockerode';
import type { ContainerInspectInfo, ImageInspectInfo } from 'dockerode';
import type { Logger } from '../../kernel/contracts/logger.js';
import { SchedulerError } from '../../kernel/contracts/scheduler.js';
import type {
  Scheduler,
  SchedulerCapabilities,
  SchedulerErrorCode,
  ServiceHandle,
  ServiceWorkloadSpec,
  TaskWorkloadSpec,
  WorkloadHandle,
  WorkloadInfo,
} from '../../kernel/contracts/scheduler.js';
import type { ImageKind, PullPolicy } from '../../sdk/config/pipeline-config.js';
import { containerConfig } from './container-config.js';
import type { ContainerRequest } from './container-config.js';
import { ContainerEvents } from './container-events.js';
import { isEndedState, lostOutcome } from './container-watch.js';
import type { ContainerWatch } from './container-watch.js';
import { INSTALLATION_LABEL, workloadLabelsOf } from '../shared/workload-labels.js';
import type { DockerSchedulerOptions } from './docker-scheduler-options.js';
import { engineMessage, engineStatus, isNoOp, isNotFound } from './engine-errors.js';
import { ImagePuller } from './image-puller.js';
import { prepareLogFile } from './log-file.js';
import { taskProblems } from './task-problems.js';

/** How long `startTask` waits for the engine's start event after the start call returned. */
const START_EVENT_TIMEOUT_MS = 10_000;
/** How long `stop` waits past SIGKILL before asking the engine directly. */
const STOP_SETTLE_MS = 30_000;

export const DEFAULT_LOGWRAP_PATH = fileURLToPath(new URL('./logwrap/logwrap', import.meta.url));

export class DockerScheduler implements Scheduler {
  readonly name = 'docker';
  readonly capabilities: SchedulerCapabilities = {
    imageKinds: ['container'],
    pullsImages: true,
    services: true,
    needs: ['container-engine'],
  };

  private readonly docker: Docker;
  private readonly events: ContainerEvents;
  private readonly puller: ImagePuller;
  private readonly logwrapPath: string;
  private closed = false;

  constructor(
    private readonly options: DockerSchedulerOptions,
    private readonly logger: Logger,
  ) {
    this.docker = new Docker({ socketPath: options.socketPath });
    const filter = options.installation
      ? `${INSTALLATION_LABEL}=${options.installation}`
      : INSTALLATION_LABEL;
    this.events = new ContainerEvents(this.docker, filter, logger);
    this.puller = new ImagePuller(this.docker, options.pullRegistries, options.pullTimeoutMs);
    this.logwrapPath = options.logwrapPath ?? DEFAULT_LOGWRAP_PATH;
  }

  /** Opens the event stream now, so that a missing engine shows at startup. */
  async start(): Promise<void> {
    await this.connect();
  }

  async checkTask(task: {
    id: string;
    image: string;
    imageKind: ImageKind;
    pullPolicy: PullPolicy;
  }): Promise<string[]> {
    return taskProblems(task, this.options.pullRegistries);
  }

  async startTask(spec: TaskWorkloadSpec): Promise<WorkloadHandle> {
    this.refuseUnsupported(spec.id, spec.image, spec.imageKind);
    await this.connect();
    const image = await this.puller.ensure(spec);
    return this.run(
      {
        id: spec.id,
        image: spec.image,
        labels: spec.labels,
        entrypoint: spec.entrypoint,
        command: spec.command,
        env: spec.env,
        mask: spec.mask,
        resources: spec.resources,
        logFile: spec.logFile,
        networkMode: this.options.networkMode,
        logwrapPath: this.logwrapPath,
      },
      image,
    );
  }

  async startService(spec: ServiceWorkloadSpec): Promise<ServiceHandle> {
    this.refuseUnsupported(spec.id, spec.image, spec.imageKind);
    await this.connect();
    const image = await this.puller.ensure(spec);
    const handle = await this.run(
      {
        id: spec.id,
        image: spec.image,
        labels: { ...spec.labels, kind: 'extension' },
        env: { ...spec.env, PORT: String(spec.port) },
        logFile: spec.logFile,
        // A service must be reachable on the host's loopback, whatever tasks are given.
        networkMode: 'host',
        logwrapPath: this.logwrapPath,
      },
      image,
    );
    return { ...handle, address: `127.0.0.1:${spec.port}` };
  }

  async stop(id: string, graceMs: number): Promise<void> {
    const info = await this.inspect(id);
    if (!info || !(info.State.Running || info.State.Paused || info.State.Restarting)) return;
    // Its end arrives as an event; the stream replays from before this call if it was down.
    await this.connect();
    const watch = this.follow(info);

    await this.signal(id, 'SIGTERM');
    const kill = setTimeout(() => void this.signal(id, 'SIGKILL'), Math.max(0, graceMs));
    const settle = setTimeout(() => void this.settleFromEngine(watch), graceMs + STOP_SETTLE_MS);
    try {
      await watch.exited;
    } finally {
      clearTimeout(kill);
      clearTimeout(settle);
    }
  }

  async list(installation: string): Promise<WorkloadInfo[]> {
    const containers = await this.engine('ENGINE_UNAVAILABLE', 'list containers', () =>
      this.docker.listContainers({
        all: true,
        filters: { label: [`${INSTALLATION_LABEL}=${installation}`] },
      }),
    );
    const out: WorkloadInfo[] = [];
    for (const c of containers) {
      const labels = workloadLabelsOf(c.Labels);
      // The engine filtered by label already; this guards against a label that was only a prefix.
      if (!labels || labels.installation !== installation) continue;
      const heardExit = this.events.exitCodeHeard(c.Id);
      if (heardExit !== undefined && !isEndedState(c.State)) {
        // The die event was heard, but the engine's list has not caught up with it yet.
        out.push({ id: nameOf(c), labels, state: 'exited', exitCode: heardExit });
        continue;
      }
      const state =
        c.State === 'created' ? 'created' : isEndedState(c.State) ? 'exited' : 'running';
      const code = /^Exited \((-?\d+)\)/.exec(c.Status ?? '');
      out.push({
        id: nameOf(c),
        labels,
        state,
        exitCode:
          state === 'exited' ? (code ? Number(code[1]) : await this.exitCodeOf(c.Id)) : null,
      });
    }
    return out;
  }

  async adopt(id: string): Promise<WorkloadHandle> {
    await this.connect();
    const info = await this.inspect(id);
    if (!info) {
      const at = Date.now();
      return {
        id,
        startedAt: 0,
        exited: Promise.resolve(lostOutcome(`container ${id} does not exist`, at)),
      };
    }
    const startedAt = Math.max(0, Date.parse(info.State.StartedAt) || 0);
    if (info.State.Status === 'created') {
      const outcome = lostOutcome(`container ${id} was created but never started`, Date.now());
      return { id, startedAt: 0, exited: Promise.resolve(outcome) };
    }
    return { id, startedAt, exited: this.follow(info).exited };
  }

  async remove(id: string): Promise<void> {
    try {
      await this.docker.getContainer(id).remove({ force: true, v: true });
    } catch (err) {
      if (!isNoOp(err)) {
        throw new SchedulerError(
          'ENGINE_UNAVAILABLE',
          `cannot remove container ${id}: ${engineMessage(err)}`,
        );
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.events.close();
  }

  private refuseUnsupported(id: string, image: string, imageKind: ImageKind): void {
    if (imageKind !== 'container' || !image || !image.trim()) {
      throw new SchedulerError(
        'UNSUPPORTED_TASK',
        `workload ${id}: the docker scheduler runs only non-empty "container" images, not ` +
          `${JSON.stringify(image)} of kind "${imageKind}"`,
      );
    }
  }

  private async connect(): Promise<void> {
    if (this.closed) {
      throw new SchedulerError(
        'ENGINE_UNAVAILABLE',
        'the docker scheduler was closed; create a new one',
      );
    }
    try {
      await this.events.connect();
    } catch (err) {
      throw new SchedulerError(
        'ENGINE_UNAVAILABLE',
        `cannot reach the Docker engine on ${this.options.socketPath}: ${engineMessage(err)}; ` +
          `start it (scripts/docker-engine.sh) or set scheduler.docker.socket`,
      );
    }
  }

  /** Creates and starts the container, replacing any with the same name. */
  private async run(req: ContainerRequest, image: ImageInspectInfo): Promise<WorkloadHandle> {
    if (!existsSync(req.logwrapPath)) {
      throw new SchedulerError(
        'START_FAILED',
        `the log wrapper ${req.logwrapPath} is missing, so ${req.id} cannot start; run ` +
          '`npm run build` on a machine with gcc',
      );
    }
    const config = containerConfig(req, image);
    await prepareLogFile(req.logFile, req.id);

    // Create first and replace only on a name conflict: the common case costs one request.
    const container = await this.engine('START_FAILED', `create container ${req.id}`, async () => {
      try {
        return await this.docker.createContainer(config);
      } catch (err) {
        if (engineStatus(err) === 404) this.puller.forget(req.image);
        if (engineStatus(err) !== 409) throw err;
        await this.remove(req.id);
        return this.docker.createContainer(config);
      }
    });
    const watch = this.events.watch(container.id);
    try {
      await container.start();
    } catch (err) {
      await this.remove(req.id).catch(() => undefined);
      throw new SchedulerError(
        'START_FAILED',
        `cannot start ${req.id} (${req.image}): ${engineMessage(err)}`,
      );
    }

    const startedAt = await this.startedAt(watch, req.id);
    this.logger.debug({ workload: req.id, image: req.image }, 'container started');
    return { id: req.id, startedAt, exited: watch.exited };
  }

  /** The engine's start time from its event; asks the engine once if the event is late. */
  private async startedAt(watch: ContainerWatch, id: string): Promise<number> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), START_EVENT_TIMEOUT_MS);
    });
    const at = await Promise.race([watch.started, late]);
    clearTimeout(timer);
    if (at !== undefined) return at;

    const info = await this.inspect(watch.containerId);
    const parsed = info ? Date.parse(info.State.StartedAt) : NaN;
    if (Number.isFinite(parsed) && parsed > 0) return parsed;
    throw new SchedulerError('START_FAILED', `the engine never reported ${id} as started`);
  }

  /** Follows a container found by inspect, settling at once when it has already ended. */
  private follow(info: ContainerInspectInfo): ContainerWatch {
    const watch = this.events.watch(info.Id);
    watch.applyInspect(info);
    return watch;
  }

  /** A bound on `stop`: if no die event came, the engine's own state decides. */
  private async settleFromEngine(watch: ContainerWatch): Promise<void> {
    const info = await this.inspect(watch.containerId).catch(() => undefined);
    if (info) return watch.applyInspect(info);
    watch.settle(lostOutcome(`container ${watch.containerId} vanished while stopping`, Date.now()));
  }

  private async signal(id: string, signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
    try {
      await this.docker.getContainer(id).kill({ signal });
    } catch (err) {
      if (!isNoOp(err)) this.logger.warn({ workload: id, err: engineMessage(err) }, 'kill failed');
    }
  }

  private async inspect(id: string): Promise<ContainerInspectInfo | undefined> {
    try {
      return await this.docker.getContainer(id).inspect();
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw new SchedulerError('ENGINE_UNAVAILABLE', `cannot inspect ${id}: ${engineMessage(err)}`);
    }
  }

  private async exitCodeOf(containerId: string): Promise<number | null> {
    return (await this.inspect(containerId))?.State.ExitCode ?? null;
  }

  private async engine<T>(
    code: SchedulerErrorCode,
    what: string,
    call: () => Promise<T>,
  ): Promise<T> {
    try {
      return await call();
    } catch (err) {
      throw new SchedulerError(code, `cannot ${what}: ${engineMessage(err)}`);
    }
  }
}

function nameOf(container: Docker.ContainerInfo): string {
  return (container.Names?.[0] ?? container.Id).replace(/^\//, '');
}
