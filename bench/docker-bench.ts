/**
 * The Docker benchmark: the same pipelines run through Gofer (a real kernel with its docker
 * scheduler) and through dockerode directly, in one process, against the local engine. Both
 * sides talk to the engine through the same timestamping relay, so its cost falls on both, and
 * their runs alternate, so drift in the engine's speed falls on both too. docs/benchmarks.md
 * says how to read the figures.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { taskWorkloadId } from '../kernel/runs/workload-id.js';
import type { PipelineConfig } from '../sdk/config/pipeline-config.js';
import { DEFAULT_LOGWRAP_PATH } from '../schedulers/docker/docker-scheduler.js';
import { BUSYBOX_IMAGE, ensureTestImages } from '../test/support/test-images.js';
import type { BenchFigures, BenchOptions } from './bench-piece.js';
import { benchPipelines, type BenchPipelines } from './bench-pipelines.js';
import { childDelays, type ChildDelays, type TaskTimes } from './child-delays.js';
import { DockerRelay } from './docker-relay.js';
import { dockerReport } from './docker-report.js';
import { EngineEventLog } from './engine-event-log.js';
import { GoferRunner } from './gofer-runner.js';
import { RawDockerRunner } from './raw-docker-runner.js';
import { waitForRemoval } from './wait-for-removal.js';

const ENGINE_SOCKET = '/var/run/docker.sock';
const EVENT_WAIT_MS = 10_000;

/** What one side (Gofer or raw) measured: wall times in ms and the DAG's child delays. */
export interface SideResults {
  single: number[];
  dag: number[];
  delays: ChildDelays;
}

interface Rig {
  docker: Docker;
  relay: DockerRelay;
  engineEvents: EngineEventLog;
  gofer: GoferRunner;
  raw: RawDockerRunner;
  rawInstallation: string;
  pipelines: BenchPipelines;
}

export async function benchDocker(options: BenchOptions): Promise<BenchFigures> {
  const docker = new Docker({ socketPath: ENGINE_SOCKET });
  await ensureTestImages(docker);
  if (!existsSync(DEFAULT_LOGWRAP_PATH)) {
    throw new Error(`the log wrapper ${DEFAULT_LOGWRAP_PATH} is missing; run \`npm run build\``);
  }

  const cleanups: Array<() => unknown> = [];
  try {
    const rig = await setUp(docker, options, cleanups);
    console.log(
      `docker: image ${BUSYBOX_IMAGE}, network_mode ${options.networkMode}, task_concurrency ` +
        `${options.taskConcurrency} for Gofer's pipelines and the raw runner alike; ` +
        `${options.repeat} measured runs of each case after one warm-up`,
    );
    // Other work on the machine slows both sides; the load says how quiet the machine was.
    const loadBefore = loadavg()[0];
    const results = await measure(rig, options.repeat);
    const load = { before: loadBefore, after: loadavg()[0] };
    return dockerReport(results.gofer, results.raw, options, load);
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup();
  }
}

async function setUp(
  docker: Docker,
  options: BenchOptions,
  cleanups: Array<() => unknown>,
): Promise<Rig> {
  const relay = await DockerRelay.start(ENGINE_SOCKET);
  cleanups.push(() => relay.close());
  const engineEvents = await EngineEventLog.open(docker);
  cleanups.push(() => engineEvents.close());
  const logDir = mkdtempSync(join(tmpdir(), 'gofer-bench-raw-'));
  cleanups.push(() => rmSync(logDir, { recursive: true, force: true }));

  const gofer = await GoferRunner.start({
    socketPath: relay.socketPath,
    networkMode: options.networkMode,
  });
  cleanups.push(() => gofer.stop());
  const pipelines = benchPipelines(options.taskConcurrency);
  await gofer.deploy(pipelines.single);
  await gofer.deploy(pipelines.dag);

  // The raw side hears its exits on its own stream through the relay, as Gofer's scheduler does.
  const relayed = new Docker({ socketPath: relay.socketPath });
  const rawInstallation = `bench-raw-${process.pid}`;
  const rawEvents = await EngineEventLog.open(relayed, `gofer.installation=${rawInstallation}`);
  cleanups.push(() => rawEvents.close());
  const raw = new RawDockerRunner({
    docker: relayed,
    events: rawEvents,
    installation: rawInstallation,
    image: await docker.getImage(BUSYBOX_IMAGE).inspect(),
    logDir,
    networkMode: options.networkMode,
    logwrapPath: DEFAULT_LOGWRAP_PATH,
  });
  return {
    docker,
    relay,
    engineEvents,
    gofer,
    raw,
    rawInstallation,
    pipelines,
  };
}

async function measure(
  rig: Rig,
  repeat: number,
): Promise<{ gofer: SideResults; raw: SideResults }> {
  const empty = (): SideResults => ({ single: [], dag: [], delays: { dispatch: [], start: [] } });
  const gofer = empty();
  const raw = empty();
  let rawRun = 0;

  const goferOnce = (config: PipelineConfig, into?: SideResults) =>
    runGofer(rig, config).then((r) => into && record(into, config, r));
  const rawOnce = (config: PipelineConfig, into?: SideResults) =>
    runRaw(rig, config, ++rawRun).then((r) => into && record(into, config, r));

  for (const config of [rig.pipelines.single, rig.pipelines.dag]) {
    await goferOnce(config);
    await rawOnce(config);
    for (let i = 0; i < repeat; i++) {
      // Alternating who goes first keeps any effect of going second off one side.
      if (i % 2 === 0) await goferOnce(config, gofer).then(() => rawOnce(config, raw));
      else await rawOnce(config, raw).then(() => goferOnce(config, gofer));
    }
    const label = config === rig.pipelines.single ? 'one task' : '20-task DAG';
    console.log(`docker: ${label}: ${repeat} runs on each side done`);
  }
  return { gofer, raw };
}

interface OneRun {
  wallMs: number;
  times: Map<string, TaskTimes>;
}

function record(into: SideResults, config: PipelineConfig, run: OneRun): void {
  if (config.tasks.length === 1) {
    into.single.push(run.wallMs);
    return;
  }
  into.dag.push(run.wallMs);
  const delays = childDelays(run.times, config.task_concurrency!);
  into.delays.dispatch.push(...delays.dispatch);
  into.delays.start.push(...delays.start);
}

async function runGofer(rig: Rig, config: PipelineConfig): Promise<OneRun> {
  const { run, wallMs } = await rig.gofer.run(config.id);
  const name = (task: string) =>
    taskWorkloadId(rig.gofer.installation, 'default', config.id, run, task, 1);
  const times = await taskTimes(rig, config, name);
  await waitForRemoval(rig.docker, {
    'gofer.installation': rig.gofer.installation,
    'gofer.pipeline': config.id,
    'gofer.run': String(run),
  });
  return { wallMs, times };
}

async function runRaw(rig: Rig, config: PipelineConfig, run: number): Promise<OneRun> {
  const wallMs = await rig.raw.run(config, run);
  const times = await taskTimes(rig, config, (task) => rig.raw.containerName(config.id, run, task));
  await waitForRemoval(rig.docker, {
    'gofer.installation': rig.rawInstallation,
    'gofer.pipeline': config.id,
    'gofer.run': String(run),
  });
  return { wallMs, times };
}

/** Each task's create (from the relay), start and die (from the engine), by task id. */
async function taskTimes(
  rig: Rig,
  config: PipelineConfig,
  name: (task: string) => string,
): Promise<Map<string, TaskTimes>> {
  const times = new Map<string, TaskTimes>();
  for (const task of config.tasks) {
    const container = await rig.engineEvents.waitForDie(name(task.id), EVENT_WAIT_MS);
    times.set(task.id, {
      create: rig.relay.creates.get(container.name),
      start: container.start,
      die: container.die,
    });
  }
  return times;
}
