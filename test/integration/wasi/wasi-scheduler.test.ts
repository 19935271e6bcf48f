/**
 * What the wasi scheduler promises beyond the shared suite: the C task through the preview1
 * adapter, exact environment and arguments, no host files, masking, the memory cap, the time
 * limit, refused components, and a pipeline of wasm tasks run by a real kernel.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { TaskWorkloadSpec, WorkloadOutcome } from '../../../kernel/contracts/scheduler.js';
import { WasiScheduler } from '../../../schedulers/wasi/wasi-scheduler.js';
import type { WasiSchedulerOptions } from '../../../schedulers/wasi/wasi-scheduler-options.js';
import { readLog, within } from '../../support/docker-test-kit.js';
import { startTestKernel } from '../../support/test-kernel.js';
import { cTaskComponent, jsTaskComponent } from '../../support/wasi-task-components.js';
import { wasiProbeComponent } from '../../support/wasm-test-kit.js';

const dir = mkdtempSync(join(tmpdir(), 'gofer-wasi-'));
const cTask = cTaskComponent();
const jsTask = jsTaskComponent();
const schedulers: WasiScheduler[] = [];
let counter = 0;

function scheduler(options: Partial<WasiSchedulerOptions> = {}): WasiScheduler {
  const s = new WasiScheduler({
    cacheDir: join(dir, 'cache'),
    memoryLimitBytes: 256 << 20,
    timeLimitMs: 0,
    warmWorkers: 2,
    ...options,
  });
  schedulers.push(s);
  return s;
}

function spec(image: string, args: string[], more: Partial<TaskWorkloadSpec> = {}) {
  const id = `wasi-test-${++counter}`;
  return {
    id,
    labels: { installation: 'wasi-test', kind: 'task' as const, task: id },
    image,
    imageKind: 'wasm' as const,
    pullPolicy: 'never' as const,
    entrypoint: args,
    env: {},
    logFile: join(dir, 'logs', `${id}.log`),
    ...more,
  };
}

async function run(s: WasiScheduler, task: TaskWorkloadSpec) {
  const handle = await within(s.startTask(task), 60_000, `start of ${task.id}`);
  const outcome: WorkloadOutcome = await within(handle.exited, 60_000, `end of ${task.id}`);
  assert.equal(outcome.kind, 'exited', JSON.stringify(outcome));
  const log = readLog(task.logFile);
  return {
    code: outcome.kind === 'exited' ? outcome.exitCode : -1,
    stdout: log.stdout.toString('utf8'),
    stderr: log.stderr.toString('utf8'),
  };
}

after(async () => {
  for (const s of schedulers) await s.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the wasi scheduler', () => {
  it('runs the C task with its arguments and both streams, success as 0', async () => {
    const result = await run(scheduler(), spec(cTask, ['task', 'print', 'from c']));
    assert.deepEqual(result, { code: 0, stdout: 'from c', stderr: 'err:from c' });
  });

  it('reports a C task failing with any code as 1, since the preview1 adapter keeps no more', async () => {
    const s = scheduler();
    assert.equal((await run(s, spec(cTask, ['task', 'exit', '3']))).code, 1);
    assert.equal((await run(s, spec(cTask, ['task', 'exit', '0']))).code, 0);
  });

  it('gives a task exactly its own environment, nothing of the kernel process', async () => {
    const env = { ONLY: 'this', WITH_EQUALS: 'a=b' };
    const result = await run(scheduler(), spec(cTask, ['task', 'env'], { env }));
    assert.deepEqual(result.stdout.split('\0').filter(Boolean).sort(), [
      'ONLY=this',
      'WITH_EQUALS=a=b',
    ]);
  });

  it('lets a task reach no host file or directory', async () => {
    const result = await run(scheduler(), spec(cTask, ['task', 'files']));
    assert.equal(result.stdout, 'passwd:denied root:denied\n');
  });

  it('keeps the exact exit code of the JS task', async () => {
    const s = scheduler();
    const codes = await Promise.all(
      [0, 7, 200].map(async (c) => (await run(s, spec(jsTask, ['task', 'exit', String(c)]))).code),
    );
    assert.deepEqual(codes, [0, 7, 200]);
  });

  it('masks secret values on both streams before they reach the log file', async () => {
    const task = spec(cTask, ['task', 'print', 'token=hunter2!'], { mask: ['hunter2'] });
    const result = await run(scheduler(), task);
    assert.equal(result.stdout, 'token=***!');
    assert.equal(result.stderr, 'err:token=***!');
  });

  it('fails a task that grows its memory past the cap, and runs it under a larger one', async () => {
    const task = (memory: number) =>
      spec(jsTask, ['task', 'grow', '96'], { resources: { memory_bytes: memory } });
    const small = await run(scheduler(), task(64 << 20));
    assert.notEqual(small.code, 0);
    assert.doesNotMatch(small.stdout, /grew/);
    assert.match(small.stderr, /wasi: the task failed: .*memory/);
    assert.doesNotMatch(small.stderr, /undefined/);
    const large = await run(scheduler(), task(512 << 20));
    assert.equal(large.code, 0);
    assert.equal(large.stdout, 'grew 96 MiB\n');
  });

  it('stops a task at the time limit with 143 and says so on stderr', async () => {
    const result = await run(scheduler({ timeLimitMs: 300 }), spec(jsTask, ['task', 'hang']));
    assert.equal(result.code, 143);
    assert.match(result.stderr, /time limit of 300 ms reached/);
  });

  it('gives a stopped task the grace period to finish on its own', async () => {
    const s = scheduler();
    const task = spec(jsTask, ['task', 'sleep', '200']);
    const handle = await within(s.startTask(task), 60_000, 'start');
    await within(s.stop(task.id, 10_000), 20_000, 'stop');
    const outcome = await within(handle.exited, 1_000, 'end');
    assert.deepEqual(outcome.kind === 'exited' && outcome.exitCode, 0);
  });

  it('keeps tasks apart: a task stopped mid-run does not disturb one running beside it', async () => {
    const s = scheduler({ warmWorkers: 1 });
    const hung = spec(jsTask, ['task', 'hang']);
    const handle = await within(s.startTask(hung), 60_000, 'start');
    const beside = run(s, spec(jsTask, ['task', 'sleep', '300']));
    await s.stop(hung.id, 0);
    assert.equal((await within(handle.exited, 1_000, 'stopped')).kind, 'exited');
    assert.equal((await beside).code, 0);
    // The next task gets a fresh instance, whichever worker it lands on.
    assert.equal((await run(s, spec(jsTask, ['task', 'exit', '5']))).code, 5);
  });

  it('refuses a missing file as not found and a file that is no component', async () => {
    const s = scheduler();
    await assert.rejects(s.startTask(spec(join(dir, 'missing.wasm'), [])), {
      code: 'IMAGE_NOT_FOUND',
    });
    const junk = join(dir, 'junk.wasm');
    writeFileSync(junk, 'not wasm at all');
    await assert.rejects(s.startTask(spec(junk, [])), { code: 'START_FAILED' });
  });

  it('refuses a component that imports the network, naming what it imports', async () => {
    const probe = wasiProbeComponent();
    await assert.rejects(scheduler().startTask(spec(probe, [])), (err: Error) => {
      assert.equal((err as Error & { code?: string }).code, 'UNSUPPORTED_TASK');
      assert.match(err.message, /imports .*wasi:sockets/);
      return true;
    });
  });

  it('refuses at registration a container task and an image that is no .wasm path', async () => {
    const problems = await scheduler().checkTask({
      id: 'build',
      image: 'local/build:1',
      imageKind: 'container',
      pullPolicy: 'never',
    });
    assert.equal(problems.length, 2);
    assert.match(problems[0], /task "build": image kind "container" is not supported/);
    assert.match(problems[1], /is not the absolute path of a \.wasm file/);
  });
});

describe('a kernel on the wasi scheduler', () => {
  it('runs a component stored as a pipeline object, written once to a file of its own', async () => {
    const t = await startTestKernel({ scheduler: { engine: 'wasi' } });
    const dataDir = t.dataDir;
    try {
      const id = `wasi-object-${randomUUID().slice(0, 8)}`;
      const task = (key: string) => ({
        id: 'hello',
        image: `object:${key}`,
        image_kind: 'wasm' as const,
        command: ['task', 'print', 'from-object'],
      });
      await t.deploy({ id, tasks: [task('hello.wasm')] });
      await t.kernel.services.objects.put(
        { namespace: 'default', pipeline: id, key: 'hello.wasm' },
        readFileSync(cTask),
        { force: false },
      );
      for (let i = 0; i < 2; i++) {
        const { run, tasks } = await t.runToEnd(id);
        assert.equal(run.status, 'SUCCESSFUL', JSON.stringify(tasks.get('hello')?.statusReason));
      }
      const files = readdirSync(join(dataDir, 'object-images'));
      assert.equal(files.length, 1, `one file for one component: ${files.join(', ')}`);
      assert.deepEqual(readFileSync(join(dataDir, 'object-images', files[0])), readFileSync(cTask));

      // A key the pipeline has no object for fails the attempt, naming the key and the fix.
      await t.deploy({ id, tasks: [task('missing.wasm')] });
      const { run, tasks } = await t.runToEnd(id);
      assert.equal(run.status, 'FAILED');
      const reason = tasks.get('hello')!.statusReason;
      assert.equal(reason.kind, 'FAILED_PRECONDITION');
      assert.match(reason.description, /pipeline object "missing\.wasm"/);
      assert.match(reason.description, /gofer pipeline store put/);

      await assert.rejects(
        t.deploy({ id, tasks: [task('two words')] }),
        /object key "two words", which must be 1 to 128 letters/,
      );
    } finally {
      await t.stop();
    }
  });

  it('runs a pipeline of wasm tasks to success and failure and keeps their logs', async () => {
    const t = await startTestKernel({ scheduler: { engine: 'wasi' } });
    try {
      const id = `wasi-${randomUUID().slice(0, 8)}`;
      await t.deploy({
        id,
        tasks: [
          { id: 'hello', image: cTask, image_kind: 'wasm', command: ['task', 'print', 'hi'] },
          {
            id: 'fail',
            image: jsTask,
            image_kind: 'wasm',
            command: ['task', 'exit', '9'],
            depends_on: { hello: 'SUCCESS' },
          },
        ],
      });
      const { run, tasks } = await t.runToEnd(id);
      assert.equal(run.status, 'FAILED');
      assert.equal(tasks.get('hello')?.status, 'SUCCESSFUL');
      assert.equal(tasks.get('fail')?.exitCode, 9);
      const chunks: Buffer[] = [];
      const logs = t.kernel.services.logs.taskLogs('default', id, run.id, 'hello', {
        follow: false,
      });
      for await (const c of logs) chunks.push(Buffer.from(c.data));
      // stderr is unbuffered in wasi-libc and stdout is flushed at exit, hence the order.
      assert.equal(Buffer.concat(chunks).toString(), 'err:hihi');
    } finally {
      await t.stop();
    }
  });
});
