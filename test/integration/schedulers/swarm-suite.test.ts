/**
 * The shared scheduler behaviour suite on the swarm scheduler, against a real two-node swarm on
 * this machine (test/support/swarm-cluster.ts), and what only swarm does: a task pinned to the
 * worker runs on the worker's engine, reports its logs and exit code through the manager, and is
 * stopped through the manager alone.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { TaskWorkloadSpec } from '../../../kernel/contracts/scheduler.js';
import { SwarmScheduler } from '../../../schedulers/swarm/swarm-scheduler.js';
import { quietLogger, readLog, skipWithoutDocker, within } from '../../support/docker-test-kit.js';
import { MANAGER_SOCKET, NODE_LABEL, SwarmCluster } from '../../support/swarm-cluster.js';
import { BUSYBOX_IMAGE, ensureTestImages } from '../../support/test-images.js';
import { containerPrograms } from './container-programs.js';
import { schedulerSuite } from './scheduler-suite.js';

const GRACE_MS = 2_000;
const installation = `test-${randomUUID().slice(0, 8)}`;
const cluster = new SwarmCluster();
const schedulers: SwarmScheduler[] = [];

function newScheduler(): SwarmScheduler {
  const scheduler = new SwarmScheduler(
    {
      socketPath: MANAGER_SOCKET,
      // Swarm fixes the grace at start, so it matches what the suite passes to stop.
      stopGraceMs: GRACE_MS,
      pollIntervalMs: 100,
      startTimeoutMs: 60_000,
    },
    quietLogger,
  );
  schedulers.push(scheduler);
  return scheduler;
}

/** Removes every job of this run, and any task container swarm left on either engine. */
async function sweep(): Promise<void> {
  const scheduler = newScheduler();
  for (const owner of [installation, `${installation}-other`]) {
    for (const w of await scheduler.list(owner)) await scheduler.remove(w.id);
  }
  for (const engine of [cluster.manager, cluster.worker]) {
    if (!engine) continue;
    const filters = { label: [`gofer.installation`] };
    for (const c of await engine.listContainers({ all: true, filters })) {
      if (c.Labels['gofer.installation']?.startsWith(installation)) {
        await engine.getContainer(c.Id).remove({ force: true });
      }
    }
  }
}

before(async () => {
  if (skipWithoutDocker) return;
  await ensureTestImages(cluster.manager);
  await cluster.start([BUSYBOX_IMAGE]);
});
after(async () => {
  if (skipWithoutDocker) return;
  for (const s of schedulers) await s.close();
  await cluster.stop();
});

schedulerSuite({
  name: 'swarm',
  skip: skipWithoutDocker,
  installation,
  image: BUSYBOX_IMAGE,
  graceMs: GRACE_MS,
  // Swarm waits about three seconds between the stop request and SIGTERM (see swarm.md).
  taskBoundMs: 60_000,
  setup: async () => undefined,
  teardown: sweep,
  scheduler: newScheduler,
  programs: containerPrograms,
});

describe('the swarm scheduler across nodes', { skip: skipWithoutDocker }, () => {
  const logDir = mkdtempSync(join(tmpdir(), 'gofer-swarm-test-'));
  let n = 0;
  const onWorker = (entrypoint: string[]): TaskWorkloadSpec => {
    const id = `${installation}-w${++n}`;
    return {
      id,
      labels: {
        installation,
        kind: 'task',
        pipeline: 'swarm',
        run: n,
        task: `pinned-${n}`,
        attempt: 1,
      },
      image: BUSYBOX_IMAGE,
      imageKind: 'container',
      pullPolicy: 'if-not-present',
      entrypoint,
      env: { WHERE: 'the worker' },
      placement: [`node.labels.${NODE_LABEL}==worker`],
      logFile: join(logDir, `${id}.log`),
    };
  };
  after(async () => {
    await sweep();
    rmSync(logDir, { recursive: true, force: true });
  });

  test('a task pinned to the worker runs on its engine and reports logs and exit code', async () => {
    const scheduler = newScheduler();
    const spec = onWorker(['sh', '-c', 'echo "out on $WHERE"; echo "err line" >&2; exit 7']);
    const handle = await within(scheduler.startTask(spec), 60_000, 'start on the worker');
    const outcome = await within(handle.exited, 60_000, 'end on the worker');
    assert.equal(outcome.kind === 'exited' && outcome.exitCode, 7);
    const log = readLog(spec.logFile);
    assert.equal(log.stdout.toString(), 'out on the worker\n');
    assert.equal(log.stderr.toString(), 'err line\n');

    // The worker's socket is read only to check where the container ran.
    const filters = {
      label: [`gofer.installation=${installation}`, `gofer.task=${spec.labels.task}`],
    };
    const onWorkerEngine = await cluster.worker.listContainers({ all: true, filters });
    const onManagerEngine = await cluster.manager.listContainers({ all: true, filters });
    assert.equal(onWorkerEngine.length, 1, 'the task container is not on the worker engine');
    assert.equal(onManagerEngine.length, 0, 'the task container ran on the manager');

    await scheduler.remove(spec.id);
    assert.equal((await scheduler.list(installation)).filter((w) => w.id === spec.id).length, 0);
  });

  test('a task on the worker that ignores SIGTERM is killed through the manager alone', async () => {
    const scheduler = newScheduler();
    const spec = onWorker(['sh', '-c', 'trap "" TERM; echo started; while :; do sleep 1; done']);
    const handle = await within(scheduler.startTask(spec), 60_000, 'start on the worker');
    await within(scheduler.stop(spec.id, GRACE_MS), 60_000, 'stop');
    const outcome = await within(handle.exited, 1_000, 'end after stop');
    assert.equal(outcome.kind === 'exited' && outcome.exitCode, 137);
    assert.equal(readLog(spec.logFile).stdout.toString(), 'started\n');
  });

  test('an image missing on the node is refused as not found', async () => {
    const scheduler = newScheduler();
    const spec = { ...onWorker(['true']), image: '127.0.0.1:5999/gofer-suite/missing:1' };
    await assert.rejects(scheduler.startTask(spec), (err: { code?: string }) => {
      assert.equal(err.code, 'IMAGE_NOT_FOUND');
      return true;
    });
  });

  test('pull policy always is refused before the task reaches the engine', async () => {
    const problems = await newScheduler().checkTask({
      id: 'always',
      image: BUSYBOX_IMAGE,
      imageKind: 'container',
      pullPolicy: 'always',
    });
    assert.equal(problems.length, 1);
    assert.match(problems[0], /pull policy "always"/);
  });
});
