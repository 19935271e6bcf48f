/**
 * Shared pieces of the Docker scheduler's integration tests: a scheduler on the real engine with
 * its own installation id, task specs, log file reading, bounded waits, and cleanup of every
 * container the installation made, found by label.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import type { Logger } from '../../kernel/contracts/logger.js';
import type { TaskWorkloadSpec } from '../../kernel/contracts/scheduler.js';
import { decodeRecords } from '../../kernel/logs/log-framing.js';
import { DockerScheduler } from '../../schedulers/docker/docker-scheduler.js';
import type { DockerSchedulerOptions } from '../../schedulers/docker/docker-scheduler-options.js';
import { BUSYBOX_IMAGE, ensureTestImages } from './test-images.js';

export const SOCKET = '/var/run/docker.sock';

/** Set by `npm test` outside CI when no engine could be had; the Docker tests then skip. */
export const skipWithoutDocker = process.env.GOFER_TEST_NO_DOCKER
  ? 'no Docker engine on this machine'
  : false;

export const quietLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => quietLogger,
};

export class DockerTestKit {
  readonly docker = new Docker({ socketPath: SOCKET });
  readonly installation = `test-${randomUUID().slice(0, 8)}`;
  readonly logDir = mkdtempSync(join(tmpdir(), 'gofer-docker-test-'));
  private readonly schedulers: DockerScheduler[] = [];
  private counter = 0;

  async setup(): Promise<void> {
    await ensureTestImages(this.docker);
  }

  scheduler(options: Partial<DockerSchedulerOptions> = {}): DockerScheduler {
    const scheduler = new DockerScheduler(
      {
        socketPath: SOCKET,
        networkMode: 'none',
        pullTimeoutMs: 30_000,
        pullRegistries: ['localhost', '127.0.0.1', '[::1]'],
        installation: this.installation,
        ...options,
      },
      quietLogger,
    );
    this.schedulers.push(scheduler);
    return scheduler;
  }

  /** A task spec with a fresh id and log file; `overrides` win. */
  task(overrides: Partial<TaskWorkloadSpec> = {}): TaskWorkloadSpec {
    const n = ++this.counter;
    const id = `${this.installation}-t${n}`;
    return {
      id,
      labels: {
        installation: this.installation,
        kind: 'task',
        namespace: 'default',
        pipeline: 'docker-test',
        run: n,
        task: `task-${n}`,
        attempt: 1,
      },
      image: BUSYBOX_IMAGE,
      imageKind: 'container',
      pullPolicy: 'never',
      env: {},
      logFile: join(this.logDir, `${id}.log`),
      ...overrides,
    };
  }

  async teardown(): Promise<void> {
    for (const scheduler of this.schedulers) await scheduler.close();
    const containers = await this.docker.listContainers({
      all: true,
      filters: { label: [`gofer.installation=${this.installation}`] },
    });
    for (const c of containers) await this.docker.getContainer(c.Id).remove({ force: true });
    rmSync(this.logDir, { recursive: true, force: true });
  }
}

/**
 * Removes every container of an installation, e.g. of a test kernel whose data directory is
 * about to go: runs still in flight at its stop leave theirs for a restart that will not come.
 */
export async function removeInstallationContainers(installation: string): Promise<void> {
  const docker = new Docker({ socketPath: '/var/run/docker.sock' });
  const containers = await docker
    .listContainers({ all: true, filters: { label: [`gofer.installation=${installation}`] } })
    .catch(() => []);
  for (const c of containers) {
    await docker
      .getContainer(c.Id)
      .remove({ force: true })
      .catch(() => undefined);
  }
}

/** The stdout and stderr bytes held in a framed log file. */
export function readLog(path: string): { stdout: Buffer; stderr: Buffer } {
  const { records } = decodeRecords(readFileSync(path));
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  for (const r of records) (r.stream === 'stdout' ? out : err).push(r.data);
  return { stdout: Buffer.concat(out), stderr: Buffer.concat(err) };
}

/** Rejects when `promise` has not settled within `ms`, so a broken build fails instead of hanging. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Waits until the log's stdout contains `text`, reading the file every 50 ms up to `ms`. */
export async function waitForLog(path: string, text: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    try {
      if (readLog(path).stdout.includes(text)) return;
    } catch {
      // Not created yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${path} did not show ${JSON.stringify(text)} within ${ms} ms`);
}
