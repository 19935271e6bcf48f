import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import Docker from 'dockerode';
import type { GoferClient } from '../../../cli/gofer-client.js';
import type { GoferEvent } from '../../../kernel/contracts/model.js';
import type { PipelineConfig } from '../../../sdk/config/pipeline-config.js';
import { ServiceProcess } from '../../support/service-process.js';
import { BUSYBOX_IMAGE, ensureTestImages } from '../../support/test-images.js';

// A real `gofer service start` process on the real Docker engine, driven over gRPC.

const skip = process.env.GOFER_TEST_NO_DOCKER ? 'no Docker engine' : false;
const docker = new Docker({ socketPath: '/var/run/docker.sock' });

/** Output that Docker's log drivers would mangle: long lines, bursts, bad UTF-8, no final newline. */
const TRICKY_OUTPUT = [
  "printf 'start\\n'",
  'seq 1 100000',
  "head -c 102400 /dev/zero | tr '\\0' 'x'; echo",
  "printf '\\377\\376\\200 not utf-8\\n'",
  "printf 'to stderr\\n' >&2",
  "printf 'bad \\303\\050 bytes\\n' >&2",
  'seq 1 3000 | sed s/^/err/ >&2',
].join('; ');
const TAIL = "printf 'no trailing newline'; printf 'stderr tail' >&2";

function expectedBytes(script: string): { stdout: string; stderr: string } {
  const result = spawnSync('busybox', ['sh', '-c', script], { maxBuffer: 64 * 1024 * 1024 });
  assert.equal(result.status, 0, `the reference run of the script failed: ${result.stderr}`);
  return { stdout: sha256(result.stdout), stderr: sha256(result.stderr) };
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function logHashes(
  client: GoferClient,
  pipeline: string,
  run: number,
  task: string,
  follow = false,
) {
  const parts: Record<'stdout' | 'stderr', Buffer[]> = { stdout: [], stderr: [] };
  for await (const chunk of client.taskRunLogs('default', pipeline, run, task, { follow }))
    parts[chunk.stream].push(chunk.data);
  return {
    stdout: sha256(Buffer.concat(parts.stdout)),
    stderr: sha256(Buffer.concat(parts.stderr)),
  };
}

async function waitForEvent(
  client: GoferClient,
  match: (e: GoferEvent) => boolean,
  timeoutMs = 60_000,
): Promise<GoferEvent> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    for await (const e of client.listEvents({ follow: true, signal: controller.signal }))
      if (match(e)) return e;
  } catch (err) {
    if (!controller.signal.aborted) throw err;
  } finally {
    clearTimeout(timer);
  }
  throw new Error(`no matching event within ${timeoutMs} ms`);
}

async function waitForRunEnd(client: GoferClient, pipeline: string, run: number) {
  const current = await client.getRun('default', pipeline, run);
  if (current.state !== 'COMPLETE') {
    await waitForEvent(
      client,
      (e) => e.type === 'RUN_COMPLETED' && e.pipeline === pipeline && e.run === run,
      120_000,
    );
  }
  const finished = await client.getRun('default', pipeline, run);
  const tasks = new Map(
    (await client.listTaskRuns('default', pipeline, run)).map((t) => [t.id, t]),
  );
  return { run: finished, tasks };
}

async function deploy(client: GoferClient, config: PipelineConfig): Promise<void> {
  const registered = await client.registerPipeline('default', config);
  await client.deployPipeline('default', config.id, registered.version);
}

const startRun = (client: GoferClient, pipeline: string) =>
  client.startRun('default', pipeline, {});

async function containersOf(pipeline: string, run: number) {
  return docker.listContainers({
    all: true,
    filters: { label: [`gofer.pipeline=${pipeline}`, `gofer.run=${run}`] },
  });
}

describe('the service on Docker', { skip }, () => {
  const service = new ServiceProcess({
    GOFER_RUNS__CANCEL_GRACE: '1s',
    GOFER_SCHEDULER__DOCKER__NETWORK_MODE: 'none',
  });

  before(async () => {
    await ensureTestImages(docker);
    await service.start();
  });
  after(() => service.stop());

  it('keeps every byte of both streams, as streamed live and as stored', async () => {
    const script = `${TRICKY_OUTPUT}; ${TAIL}`;
    const expected = expectedBytes(script);
    await deploy(service.client, {
      id: 'bytes',
      tasks: [{ id: 'noisy', image: BUSYBOX_IMAGE, command: ['sh', '-c', script] }],
    });
    const run = await startRun(service.client, 'bytes');
    const live = await logHashes(service.client, 'bytes', run.id, 'noisy', true);
    const { run: done } = await waitForRunEnd(service.client, 'bytes', run.id);
    assert.equal(done.status, 'SUCCESSFUL');
    assert.deepEqual(live, expected, 'live stream');
    assert.deepEqual(
      await logHashes(service.client, 'bytes', run.id, 'noisy'),
      expected,
      'from storage',
    );
  });

  it('stops a task that traps SIGTERM gracefully, and kills one that ignores it after the grace period', async () => {
    await deploy(service.client, {
      id: 'stoppable',
      tasks: [
        {
          id: 'polite',
          image: BUSYBOX_IMAGE,
          command: [
            'sh',
            '-c',
            'trap "echo got TERM; exit 0" TERM; echo ready; while :; do sleep 0.1; done',
          ],
        },
        {
          id: 'stubborn',
          image: BUSYBOX_IMAGE,
          command: ['sh', '-c', 'trap "" TERM; echo ready; while :; do sleep 0.1; done'],
        },
      ],
    });
    const run = await startRun(service.client, 'stoppable');
    for (const task of ['polite', 'stubborn']) {
      await waitForEvent(
        service.client,
        (e) =>
          e.type === 'TASK_RUN_STARTED' &&
          e.pipeline === 'stoppable' &&
          e.run === run.id &&
          e.task === task,
      );
    }
    await service.client.cancelRun('default', 'stoppable', run.id, 'test cancel');
    const { run: done, tasks } = await waitForRunEnd(service.client, 'stoppable', run.id);
    assert.equal(done.status, 'CANCELLED');
    assert.equal(tasks.get('polite')!.status, 'CANCELLED');
    assert.equal(tasks.get('polite')!.exitCode, 0);
    const politeOut = [];
    for await (const c of service.client.taskRunLogs('default', 'stoppable', run.id, 'polite'))
      politeOut.push(c.data);
    assert.match(Buffer.concat(politeOut).toString(), /got TERM/);
    assert.equal(tasks.get('stubborn')!.exitCode, 137);
  });

  it('reconciles after kill -9: running tasks are followed to the end with their logs, vanished ones fail', async () => {
    const script = `${TRICKY_OUTPUT}; sleep 4; seq 1 2000; ${TAIL}`;
    const expected = expectedBytes(script);
    await deploy(service.client, {
      id: 'survivor',
      tasks: [
        { id: 'noisy', image: BUSYBOX_IMAGE, command: ['sh', '-c', script] },
        { id: 'doomed', image: BUSYBOX_IMAGE, command: ['sleep', '60'] },
        {
          id: 'after',
          image: BUSYBOX_IMAGE,
          command: ['echo', 'after'],
          depends_on: { noisy: 'SUCCESS' },
        },
      ],
    });
    const run = await startRun(service.client, 'survivor');
    for (const task of ['noisy', 'doomed']) {
      await waitForEvent(
        service.client,
        (e) =>
          e.type === 'TASK_RUN_STARTED' &&
          e.pipeline === 'survivor' &&
          e.run === run.id &&
          e.task === task,
      );
    }

    await service.kill9();
    const doomed = (await containersOf('survivor', run.id)).find(
      (c) => c.Labels['gofer.task'] === 'doomed',
    );
    assert.ok(doomed, 'the doomed task has a container');
    await docker.getContainer(doomed.Id).remove({ force: true });
    await new Promise((r) => setTimeout(r, 5000)); // noisy finishes while the service is down
    await service.start();

    const { run: done, tasks } = await waitForRunEnd(service.client, 'survivor', run.id);
    assert.equal(tasks.get('noisy')!.status, 'SUCCESSFUL');
    assert.equal(tasks.get('after')!.status, 'SUCCESSFUL');
    assert.equal(tasks.get('doomed')!.status, 'FAILED');
    assert.equal(tasks.get('doomed')!.statusReason.kind, 'ORPHANED');
    assert.equal(done.status, 'FAILED');
    assert.deepEqual(
      await logHashes(service.client, 'survivor', run.id, 'noisy'),
      expected,
      'logs after restart',
    );

    const leftovers = await containersOf('survivor', run.id);
    assert.deepEqual(
      leftovers.map((c) => c.Names),
      [],
      'no task container of the finished run is left',
    );

    const next = await startRun(service.client, 'survivor');
    assert.ok(next.id > run.id);
    await service.client.cancelRun('default', 'survivor', next.id, 'done testing');
    assert.equal(
      (await waitForRunEnd(service.client, 'survivor', next.id)).run.status,
      'CANCELLED',
    );
  });

  it('stops gracefully on SIGTERM, leaving a running task to finish and be picked up at the next start', async () => {
    await deploy(service.client, {
      id: 'graceful',
      tasks: [
        {
          id: 'slow',
          image: BUSYBOX_IMAGE,
          command: ['sh', '-c', 'echo begin; sleep 3; echo end'],
        },
      ],
    });
    const run = await startRun(service.client, 'graceful');
    await waitForEvent(
      service.client,
      (e) => e.type === 'TASK_RUN_STARTED' && e.pipeline === 'graceful' && e.run === run.id,
    );

    assert.equal(await service.stop(), 0, 'the service exits 0 on SIGTERM');
    const running = await containersOf('graceful', run.id);
    assert.equal(running.length, 1, 'the task container was left running');
    assert.equal(running[0].State, 'running');

    await service.start();
    const { run: done, tasks } = await waitForRunEnd(service.client, 'graceful', run.id);
    assert.equal(done.status, 'SUCCESSFUL');
    assert.equal(tasks.get('slow')!.exitCode, 0);
    const out = [];
    for await (const c of service.client.taskRunLogs('default', 'graceful', run.id, 'slow'))
      out.push(c.data);
    assert.equal(Buffer.concat(out).toString(), 'begin\nend\n');
  });

  it('queues a second run of a pipeline with parallelism 1 until the first ends', async () => {
    await deploy(service.client, {
      id: 'single',
      parallelism: 1,
      tasks: [{ id: 'work', image: BUSYBOX_IMAGE, command: ['sleep', '1'] }],
    });
    const first = await startRun(service.client, 'single');
    const second = await startRun(service.client, 'single');
    assert.equal((await service.client.getRun('default', 'single', second.id)).state, 'QUEUED');
    const a = await waitForRunEnd(service.client, 'single', first.id);
    const b = await waitForRunEnd(service.client, 'single', second.id);
    assert.equal(a.run.status, 'SUCCESSFUL');
    assert.equal(b.run.status, 'SUCCESSFUL');
    assert.ok(b.run.started >= a.run.ended);
  });
});
