/**
 * Job latency on the swarm scheduler against the docker scheduler, measured the same way: the
 * same one-task job (`true` in the busybox test image) started N times in a row on each, timed
 * from `startTask` until `exited` settles, median reported. The swarm side runs on a one-node
 * swarm made on the local engine for the run and left again afterwards.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import type { Scheduler, TaskWorkloadSpec } from '../kernel/contracts/scheduler.js';
import { DockerScheduler } from '../schedulers/docker/docker-scheduler.js';
import { SwarmScheduler } from '../schedulers/swarm/swarm-scheduler.js';
import { BUSYBOX_IMAGE, ensureTestImages } from '../test/support/test-images.js';
import { quietLogger } from '../test/support/docker-test-kit.js';

const SOCKET = '/var/run/docker.sock';
const RUNS = 10;
const run = promisify(execFile);

export async function benchSwarm(): Promise<{
  swarm_job_ms_p50: number;
  docker_job_ms_p50: number;
}> {
  const docker = new Docker({ socketPath: SOCKET });
  await ensureTestImages(docker);
  const dir = mkdtempSync(join(tmpdir(), 'gofer-swarm-bench-'));
  const installation = `bench-${randomUUID().slice(0, 8)}`;
  try {
    const dockerScheduler = new DockerScheduler(
      {
        socketPath: SOCKET,
        networkMode: 'host',
        pullTimeoutMs: 30_000,
        pullRegistries: [],
        installation,
      },
      quietLogger,
    );
    const docker_job_ms_p50 = await medianJob(dockerScheduler, installation, dir, 'd');
    await dockerScheduler.close();

    const madeSwarm = await joinSwarm(docker);
    try {
      const swarm = new SwarmScheduler(
        { socketPath: SOCKET, stopGraceMs: 10_000, pollIntervalMs: 100, startTimeoutMs: 60_000 },
        quietLogger,
      );
      const swarm_job_ms_p50 = await medianJob(swarm, installation, dir, 's');
      await swarm.close();
      return { swarm_job_ms_p50, docker_job_ms_p50 };
    } finally {
      if (madeSwarm) await leaveSwarm(docker);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Starts the job RUNS times one after another; each is removed after it is timed. */
async function medianJob(
  scheduler: Scheduler,
  installation: string,
  dir: string,
  tag: string,
): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < RUNS + 1; i++) {
    const spec: TaskWorkloadSpec = {
      id: `${installation}-${tag}${i}`,
      labels: { installation, kind: 'task', pipeline: 'bench', run: i, task: 'true', attempt: 1 },
      image: BUSYBOX_IMAGE,
      imageKind: 'container',
      pullPolicy: 'never',
      entrypoint: ['true'],
      env: {},
      logFile: join(dir, `${tag}${i}.log`),
    };
    const t0 = performance.now();
    const handle = await scheduler.startTask(spec);
    await handle.exited;
    // The first run warms caches on both sides and is not counted.
    if (i > 0) times.push(performance.now() - t0);
    await scheduler.remove(spec.id);
  }
  times.sort((a, b) => a - b);
  return Math.round(times[times.length >> 1]);
}

/** Makes the local engine a one-node swarm unless it is a manager already; true if it made one. */
async function joinSwarm(docker: Docker): Promise<boolean> {
  const info = (await docker.info()) as {
    Swarm: { LocalNodeState: string; ControlAvailable: boolean };
  };
  if (info.Swarm.LocalNodeState === 'active' && info.Swarm.ControlAvailable) return false;
  await run('docker', [
    'swarm',
    'init',
    '--advertise-addr',
    '127.0.0.1',
    '--listen-addr',
    '127.0.0.1:2377',
  ]);
  for (let i = 0; i < 50; i++) {
    const names = ((await docker.listNetworks()) as { Name: string }[]).map((n) => n.Name);
    if (names.includes('ingress')) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await removeNetwork(docker, 'ingress');
  await removeNetwork(docker, 'docker_gwbridge');
  return true;
}

async function leaveSwarm(docker: Docker): Promise<void> {
  await run('docker', ['swarm', 'leave', '--force']);
  await removeNetwork(docker, 'docker_gwbridge');
}

async function removeNetwork(docker: Docker, name: string): Promise<void> {
  await docker
    .getNetwork(name)
    .remove()
    .catch(() => undefined);
}
