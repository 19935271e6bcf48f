import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { PipelineConfig, TaskConfig } from '../../../sdk/config/pipeline-config.js';
import type { GoferEvent } from '../../../kernel/contracts/model.js';
import { EventBus } from '../../../kernel/events/event-bus.js';
import { startTestKernel, type TestKernel } from '../../support/test-kernel.js';

// The run engine end to end on a real kernel (SQLite file, plugin loading, event bus) with the
// in-process scheduler, which needs no container engine.

const task = (id: string, command: string[], extra: Partial<TaskConfig> = {}): TaskConfig => ({
  id,
  image: 'inprocess',
  command,
  ...extra,
});

const pipeline = (
  id: string,
  tasks: TaskConfig[],
  extra: Partial<PipelineConfig> = {},
): PipelineConfig => ({
  id,
  name: id,
  tasks,
  ...extra,
});

async function collectLogs(t: TestKernel, pipelineId: string, run: number, taskId: string) {
  const out: Record<'stdout' | 'stderr', Buffer[]> = { stdout: [], stderr: [] };
  for await (const c of t.kernel.services.logs.taskLogs('default', pipelineId, run, taskId, {
    follow: false,
  })) {
    out[c.stream].push(c.data);
  }
  return {
    stdout: Buffer.concat(out.stdout).toString(),
    stderr: Buffer.concat(out.stderr).toString(),
  };
}

describe('run orchestration (in-process scheduler)', () => {
  let t: TestKernel;
  before(async () => {
    t = await startTestKernel({
      scheduler: { engine: 'inprocess' },
      runs: { cancel_grace: '300ms', task_concurrency: 8 },
    });
  });
  after(() => t.stop());

  it('runs a fan-out and fan-in in DAG order and skips the on-failure task when nothing failed', async () => {
    await t.deploy(
      pipeline('fanout', [
        task('prepare', ['echo', 'ready']),
        task('left', ['sleep', '50'], { depends_on: { prepare: 'SUCCESS' } }),
        task('right', ['sleep', '50'], { depends_on: { prepare: 'SUCCESS' } }),
        task('join', ['echo', 'joined'], { depends_on: { left: 'SUCCESS', right: 'SUCCESS' } }),
        task('on-failure', ['echo', 'cleanup'], { depends_on: { left: 'FAILURE' } }),
      ]),
    );
    const { run, tasks } = await t.runToEnd('fanout');
    assert.equal(run.status, 'SUCCESSFUL');
    assert.equal(tasks.get('join')!.status, 'SUCCESSFUL');
    assert.equal(tasks.get('on-failure')!.status, 'SKIPPED');
    assert.match(
      tasks.get('on-failure')!.statusReason.description,
      /left ended SUCCESSFUL, needed FAILURE/,
    );
    assert.ok(
      tasks.get('left')!.started >= tasks.get('prepare')!.ended,
      'left started after prepare ended',
    );
    assert.ok(
      tasks.get('join')!.started >= tasks.get('right')!.ended,
      'join started after right ended',
    );
    assert.equal(run.version, 1);
  });

  it('runs the on-failure task and skips the join when one arm fails, and the run fails naming it', async () => {
    await t.deploy(
      pipeline('failing', [
        task('left', ['fail', '3', 'boom']),
        task('right', ['echo', 'fine']),
        task('join', ['echo', 'joined'], { depends_on: { left: 'SUCCESS', right: 'SUCCESS' } }),
        task('on-failure', ['echo', 'cleanup'], { depends_on: { left: 'FAILURE' } }),
        task('always', ['echo', 'always'], { depends_on: { join: 'ANY' } }),
      ]),
    );
    const { run, tasks } = await t.runToEnd('failing');
    assert.equal(run.status, 'FAILED');
    assert.match(run.statusReason.description, /left/);
    assert.equal(tasks.get('left')!.exitCode, 3);
    assert.match(tasks.get('left')!.statusReason.description, /exited with code 3/);
    assert.equal(tasks.get('join')!.status, 'SKIPPED');
    assert.equal(tasks.get('on-failure')!.status, 'SUCCESSFUL');
    assert.equal(tasks.get('always')!.status, 'SUCCESSFUL', 'ANY runs after a skipped parent');
  });

  it('passes system, task and run variables with run variables over task ones', async () => {
    await t.deploy(
      pipeline('vars', [
        task('dump', ['env'], {
          variables: { FROM_TASK: 'task', OVERRIDDEN: 'task', EQ: 'a=b=c' },
        }),
      ]),
    );
    const { run } = await t.runToEnd('vars', {
      OVERRIDDEN: 'run',
      MULTI: 'line one\nline two',
      EMPTY: '',
    });
    const { stdout } = await collectLogs(t, 'vars', run.id, 'dump');
    const env = new Map(
      stdout
        .split('\0')
        .filter(Boolean)
        .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
    );
    assert.equal(env.get('FROM_TASK'), 'task');
    assert.equal(env.get('OVERRIDDEN'), 'run');
    assert.equal(env.get('EQ'), 'a=b=c');
    assert.equal(env.get('MULTI'), 'line one\nline two');
    assert.equal(env.get('EMPTY'), '');
    assert.equal(env.get('GOFER_PIPELINE_ID'), 'vars');
    assert.equal(env.get('GOFER_RUN_ID'), String(run.id));
    assert.equal(env.get('GOFER_TASK_ID'), 'dump');
    assert.equal(env.get('GOFER_TASK_IMAGE'), 'inprocess');
    assert.equal(env.get('GOFER_NAMESPACE_ID'), 'default');
  });

  it('refuses run variables that would set system variables', async () => {
    await assert.rejects(
      t.kernel.services.runs.start({
        namespace: 'default',
        pipeline: 'vars',
        variables: { GOFER_RUN_ID: '9' },
        initiator: { kind: 'HUMAN', name: 't', reason: '' },
      }),
      (err: { code?: string; message: string }) =>
        err.code === 'INVALID_ARGUMENT' && /GOFER_RUN_ID/.test(err.message),
    );
  });

  it('never runs more tasks of a run at once than its task concurrency', async () => {
    const tasks = Array.from({ length: 6 }, (_, i) => task(`wide${i}`, ['sleep', '100']));
    await t.deploy(pipeline('wide', tasks, { task_concurrency: 2 }));
    const events: GoferEvent[] = [];
    const unsubscribe = t.kernel.container
      .resolve(EventBus)
      .subscribe((e) => e.pipeline === 'wide' && events.push(e));
    const { run } = await t.runToEnd('wide');
    unsubscribe();
    assert.equal(run.status, 'SUCCESSFUL');
    let running = 0;
    let peak = 0;
    for (const e of events) {
      if (e.type === 'TASK_RUN_STARTED') peak = Math.max(peak, ++running);
      if (e.type === 'TASK_RUN_COMPLETED') running--;
    }
    assert.equal(peak, 2);
  });

  it('queues runs beyond the pipeline parallelism in FIFO order and shows them as QUEUED', async () => {
    await t.deploy(pipeline('serial', [task('work', ['sleep', '150'])], { parallelism: 1 }));
    const start = () =>
      t.kernel.services.runs.start({
        namespace: 'default',
        pipeline: 'serial',
        variables: {},
        initiator: { kind: 'HUMAN', name: 't', reason: '' },
      });
    const first = await start();
    const second = await start();
    const third = await start();
    assert.equal(first.state, 'RUNNING');
    assert.equal(second.state, 'QUEUED');
    assert.equal(third.state, 'QUEUED');
    const done = await Promise.all([first, second, third].map((r) => t.waitForRun('serial', r.id)));
    assert.ok(done.every((d) => d.run.status === 'SUCCESSFUL'));
    assert.ok(done[1].run.started >= done[0].run.ended, 'second started after first ended');
    assert.ok(done[2].run.started >= done[1].run.ended, 'third started after second ended');
  });

  it('fails a task that exceeds its timeout, killing it after the grace period', async () => {
    await t.deploy(pipeline('slow', [task('stuck', ['hang'], { timeout: '200ms' })]));
    const { run, tasks } = await t.runToEnd('slow');
    assert.equal(run.status, 'FAILED');
    assert.equal(tasks.get('stuck')!.statusReason.kind, 'TIMEOUT');
    assert.equal(tasks.get('stuck')!.exitCode, 137);
  });

  it('retries a failing task and shows the attempt count', async () => {
    await t.deploy(pipeline('flaky', [task('flaky', ['fail', '1'], { retries: 2 })]));
    const { run, tasks } = await t.runToEnd('flaky');
    assert.equal(run.status, 'FAILED');
    assert.equal(tasks.get('flaky')!.attempt, 3);
  });

  it('cancels a run: running tasks stop, waiting ones never start, and the reason is kept', async () => {
    await t.deploy(
      pipeline('cancelme', [
        task('long', ['trap-term', '50']),
        task('after', ['echo', 'x'], { depends_on: { long: 'ANY' } }),
      ]),
    );
    const services = t.kernel.services;
    const started = await services.runs.start({
      namespace: 'default',
      pipeline: 'cancelme',
      variables: {},
      initiator: { kind: 'HUMAN', name: 't', reason: '' },
    });
    await waitForEvent(
      t,
      (e) => e.type === 'TASK_RUN_STARTED' && e.pipeline === 'cancelme' && e.run === started.id,
    );
    await services.runs.cancel('default', 'cancelme', started.id, 'changed my mind');
    const { run, tasks } = await t.waitForRun('cancelme', started.id);
    assert.equal(run.status, 'CANCELLED');
    assert.equal(run.statusReason.description, 'changed my mind');
    assert.equal(tasks.get('long')!.status, 'CANCELLED');
    assert.equal(
      tasks.get('long')!.exitCode,
      0,
      'the task handled SIGTERM within the grace period',
    );
    assert.equal(tasks.get('after')!.status, 'CANCELLED');
    assert.equal(tasks.get('after')!.started, 0, 'the waiting task never started');
  });

  it('cancels a single task run; its ANY child still runs', async () => {
    await t.deploy(
      pipeline('onetask', [
        task('hangs', ['hang']),
        task('next', ['echo', 'x'], { depends_on: { hangs: 'ANY' } }),
      ]),
    );
    const services = t.kernel.services;
    const started = await services.runs.start({
      namespace: 'default',
      pipeline: 'onetask',
      variables: {},
      initiator: { kind: 'HUMAN', name: 't', reason: '' },
    });
    await waitForEvent(
      t,
      (e) => e.type === 'TASK_RUN_STARTED' && e.pipeline === 'onetask' && e.run === started.id,
    );
    await services.runs.cancelTaskRun('default', 'onetask', started.id, 'hangs', 'enough');
    const { run, tasks } = await t.waitForRun('onetask', started.id);
    assert.equal(tasks.get('hangs')!.status, 'CANCELLED');
    assert.equal(tasks.get('hangs')!.exitCode, 137, 'SIGKILL after the grace period');
    assert.equal(tasks.get('next')!.status, 'SUCCESSFUL');
    assert.equal(run.status, 'CANCELLED');
  });

  it('retries a run with the same variables on the same config version', async () => {
    await t.deploy(pipeline('again', [task('dump', ['env'])]));
    const { run: first } = await t.runToEnd('again', { COLOR: 'blue' });
    await t.deploy(pipeline('again', [task('dump', ['echo', 'v2'])]));
    const retried = await t.kernel.services.runs.retry('default', 'again', first.id, {
      kind: 'HUMAN',
      name: 't',
      reason: '',
    });
    const { run } = await t.waitForRun('again', retried.id);
    assert.equal(run.version, 1);
    assert.equal(run.retryOf, first.id);
    assert.deepEqual(run.variables, { COLOR: 'blue' });
    assert.match((await collectLogs(t, 'again', run.id, 'dump')).stdout, /COLOR=blue/);
  });

  it('fails a whole run that exceeds its timeout', async () => {
    await t.deploy(pipeline('runtimeout', [task('stuck', ['hang'])], { timeout: '200ms' }));
    const { run, tasks } = await t.runToEnd('runtimeout');
    assert.equal(run.status, 'FAILED');
    assert.equal(run.statusReason.kind, 'TIMEOUT');
    assert.equal(tasks.get('stuck')!.status, 'CANCELLED');
  });

  it('keeps stdout and stderr apart and answers at once for a task that never started', async () => {
    await t.deploy(
      pipeline('logs', [
        task('speak', ['print', 'stdout', 'out-text']),
        task('complain', ['print', 'stderr', 'err-text']),
        task('never', ['echo', 'x'], { depends_on: { speak: 'FAILURE' } }),
      ]),
    );
    const { run } = await t.runToEnd('logs');
    assert.deepEqual(await collectLogs(t, 'logs', run.id, 'speak'), {
      stdout: 'out-text',
      stderr: '',
    });
    assert.deepEqual(await collectLogs(t, 'logs', run.id, 'complain'), {
      stdout: '',
      stderr: 'err-text',
    });
    const chunks = [];
    for await (const c of t.kernel.services.logs.taskLogs('default', 'logs', run.id, 'never', {
      follow: true,
    }))
      chunks.push(c);
    assert.equal(chunks.length, 0);
  });

  it('refuses a disabled pipeline and a pipeline with nothing deployed, saying how to fix it', async () => {
    const services = t.kernel.services;
    await services.pipelines.register(
      'default',
      pipeline('undeployed', [task('only', ['echo', 'x'])]),
    );
    await assert.rejects(
      services.runs.start({
        namespace: 'default',
        pipeline: 'undeployed',
        variables: {},
        initiator: { kind: 'HUMAN', name: 't', reason: '' },
      }),
      (err: { code?: string; fix?: string }) =>
        err.code === 'FAILED_PRECONDITION' && /gofer pipeline deploy/.test(err.fix ?? ''),
    );
    await services.pipelines.disable('default', 'fanout');
    await assert.rejects(
      services.runs.start({
        namespace: 'default',
        pipeline: 'fanout',
        variables: {},
        initiator: { kind: 'HUMAN', name: 't', reason: '' },
      }),
      (err: { code?: string }) => err.code === 'FAILED_PRECONDITION',
    );
    await services.pipelines.enable('default', 'fanout');
  });

  it('refuses a config this scheduler cannot run, naming the task', async () => {
    await assert.rejects(
      t.kernel.services.pipelines.register(
        'default',
        pipeline('wasmy', [task('comp', ['x'], { image: 'task.wasm', image_kind: 'wasm' })]),
      ),
      (err: { code?: string; message: string }) =>
        err.code === 'INVALID_ARGUMENT' && /task "comp"/.test(err.message),
    );
  });

  it('refuses an invalid config with every problem, naming the tasks', async () => {
    await assert.rejects(
      t.kernel.services.pipelines.register('default', {
        id: 'cyclic',
        tasks: [
          task('aaa', ['echo'], { depends_on: { bbb: 'SUCCESS' } }),
          task('bbb', ['echo'], { depends_on: { aaa: 'SUCCESS' } }),
        ],
      }),
      (err: { code?: string; message: string }) =>
        err.code === 'INVALID_ARGUMENT' && /aaa -> bbb -> aaa|bbb -> aaa -> bbb/.test(err.message),
    );
  });
});

async function waitForEvent(
  t: TestKernel,
  match: (e: GoferEvent) => boolean,
  timeoutMs = 30_000,
): Promise<GoferEvent> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    for await (const e of t.kernel.services.events.list({
      follow: true,
      signal: controller.signal,
    }))
      if (match(e)) return e;
    throw new Error('event did not arrive in time');
  } finally {
    clearTimeout(timer);
  }
}
