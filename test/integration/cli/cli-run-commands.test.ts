import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Run, TaskRun } from '../../../kernel/contracts/model.js';
import { exitOf } from '../../support/cli-runner.js';
import { type CliService, startCliService, task } from './cli-service.js';

// `gofer run ...` and `gofer taskrun ...` against a real service with the in-process scheduler.

interface RunView {
  run: Run;
  taskRuns: TaskRun[];
}

describe('the run and taskrun commands against a real service', () => {
  let s: CliService;

  /** Polls `check` every 100 ms for at most `ms`, so a broken build fails instead of hanging. */
  async function until<T>(check: () => Promise<T | undefined>, what: string, ms = 30_000) {
    const deadline = Date.now() + ms;
    for (;;) {
      const value = await check();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  const completed = (pipeline: string, id: number) =>
    until(async () => {
      const { run } = await s.cli.json<RunView>(['run', 'get', pipeline, String(id)]);
      return run.state === 'COMPLETE' ? run : undefined;
    }, `${pipeline} run ${id} to complete`);

  async function up(config: object): Promise<void> {
    const path = join(s.home, `${(config as { id: string }).id}.json`);
    writeFileSync(path, JSON.stringify(config));
    const result = await s.cli.run(['up', path]);
    assert.equal(result.code, 0, result.stderr.toString());
  }

  before(async () => {
    s = await startCliService();
    await up({ id: 'greeting', tasks: [task('greet', ['echo', 'hello'])] });
    await up({ id: 'failing', tasks: [task('break', ['fail', '3', 'it broke'])] });
    await up({ id: 'slow', tasks: [task('hold', ['sleep', '60000'])] });
    await up({
      id: 'talking',
      tasks: [
        task('pause', ['sleep', '1000']),
        task('speak', ['print', 'stdout', 'to', 'out'], { depends_on: { pause: 'SUCCESS' } }),
        task('warn', ['print', 'stderr', 'to', 'err'], { depends_on: { pause: 'SUCCESS' } }),
      ],
    });
  });
  after(() => s.stop());

  it('starts a run with -v values split at the first =, initiated by the token holder', async () => {
    const run = await s.cli.json<Run>([
      'run',
      'start',
      'greeting',
      '-v',
      'Q=a=b',
      '-v',
      'EMPTY=',
      '--reason',
      'by hand',
    ]);
    assert.deepEqual(run.variables, { Q: 'a=b', EMPTY: '' });
    assert.deepEqual(run.initiator, { kind: 'HUMAN', name: 'admin', reason: 'by hand' });
    assert.equal((await completed('greeting', run.id)).status, 'SUCCESSFUL');

    const table = await s.cli.run(['run', 'start', 'greeting']);
    assert.equal(table.code, 0, table.stderr.toString());
    assert.match(
      table.stdout.toString(),
      /^started greeting run 2; follow it with `gofer run get greeting 2`\n$/,
    );
    await completed('greeting', 2);
  });

  it('refuses a variable without = and names it, before calling the service', async () => {
    const bad = await s.cli.run(['run', 'start', 'greeting', '-v', 'NOEQUALS']);
    assert.equal(bad.code, 1);
    assert.equal(
      bad.stderr.toString(),
      'gofer run start: variable "NOEQUALS" is not KEY=VALUE\n' +
        '  fix: write it as -v KEY=VALUE, e.g. -v BRANCH=main\n',
    );
  });

  it('with run start --wait, exits 0 and prints the run when it succeeds', async () => {
    const done = await s.cli.run(['run', 'start', 'greeting', '--wait', '-o', 'json']);
    assert.equal(done.code, 0, done.stderr.toString());
    const view = JSON.parse(done.stdout.toString()) as RunView;
    assert.equal(view.run.state, 'COMPLETE');
    assert.equal(view.run.status, 'SUCCESSFUL');
    assert.deepEqual(
      view.taskRuns.map((t) => [t.id, t.status]),
      [['greet', 'SUCCESSFUL']],
    );

    const table = await s.cli.run(['run', 'start', 'greeting', '--wait']);
    assert.equal(table.code, 0, table.stderr.toString());
    assert.match(table.stdout.toString(), /SUCCESSFUL/);
  });

  it('with run start --wait, exits 1 when the run fails, and still prints it', async () => {
    const done = await s.cli.run(['run', 'start', 'failing', '--wait', '-o', 'json']);
    assert.equal(done.code, 1, done.stderr.toString());
    const view = JSON.parse(done.stdout.toString()) as RunView;
    assert.equal(view.run.status, 'FAILED');
    assert.equal(view.taskRuns[0].exitCode, 3);
    assert.equal(done.stderr.toString(), '', 'a failed run is a result, not an error');
  });

  it('lists runs newest first and shows one run with its task runs', async () => {
    const runs = await s.cli.json<Run[]>(['run', 'list', 'greeting']);
    assert.deepEqual(
      runs.map((r) => r.id),
      [4, 3, 2, 1],
    );
    assert.equal((await s.cli.json<Run[]>(['run', 'list', 'greeting', '-l', '2'])).length, 2);
    const table = await s.cli.run(['run', 'list', 'greeting']);
    assert.equal(table.code, 0, table.stderr.toString());
    assert.match(table.stdout.toString(), /SUCCESSFUL/);

    const view = await s.cli.json<RunView>(['run', 'get', 'greeting', '1']);
    assert.equal(view.run.id, 1);
    assert.deepEqual(
      view.taskRuns.map((t) => t.id),
      ['greet'],
    );
    const shown = await s.cli.run(['run', 'get', 'greeting', '1']);
    assert.match(shown.stdout.toString(), /greet/);
  });

  it('reports a missing run as gofer run get: <message> with exit code 1', async () => {
    const missing = await s.cli.run(['run', 'get', 'greeting', '99']);
    assert.equal(missing.code, 1);
    assert.match(
      missing.stderr.toString(),
      /^gofer run get: run 99 of pipeline "greeting" in namespace "default" not found\n/,
    );
    assert.equal(missing.stdout.length, 0);
  });

  it('retries a run with the same variables on the same version', async () => {
    const retried = await s.cli.json<Run>(['run', 'retry', 'greeting', '1', '-r', 'again']);
    assert.equal(retried.retryOf, 1);
    assert.deepEqual(retried.variables, { Q: 'a=b', EMPTY: '' });
    assert.equal(retried.initiator.reason, 'again');
    assert.equal((await completed('greeting', retried.id)).status, 'SUCCESSFUL');
  });

  it('cancels a run, which then ends CANCELLED', async () => {
    const run = await s.cli.json<Run>(['run', 'start', 'slow']);
    const cancelled = await s.cli.run(['run', 'cancel', 'slow', String(run.id), '-r', 'enough']);
    assert.equal(cancelled.code, 0, cancelled.stderr.toString());
    assert.equal(cancelled.stdout.toString(), `cancelling slow run ${run.id}\n`);
    const ended = await completed('slow', run.id);
    assert.equal(ended.status, 'CANCELLED');
    assert.match(ended.statusReason.description, /enough/);
  });

  it('cancel-all cancels every run in flight and says when none was', async () => {
    const first = await s.cli.json<Run>(['run', 'start', 'slow']);
    const second = await s.cli.json<Run>(['run', 'start', 'slow']);
    const ids = await s.cli.json<number[]>(['run', 'cancel-all', 'slow']);
    assert.deepEqual([...ids].sort(), [first.id, second.id].sort());
    for (const id of ids) assert.equal((await completed('slow', id)).status, 'CANCELLED');

    const none = await s.cli.run(['run', 'cancel-all', 'slow']);
    assert.equal(none.code, 0, none.stderr.toString());
    assert.equal(none.stdout.toString(), 'no run was in flight\n');
  });

  it('taskrun logs --follow waits for a task that has not started and ends when it completes', async () => {
    const run = await s.cli.json<Run>(['run', 'start', 'talking']);
    const follower = s.cli.spawn(['taskrun', 'logs', 'talking', String(run.id), 'speak', '-f']);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    follower.stdout!.on('data', (d: Buffer) => out.push(d));
    follower.stderr!.on('data', (d: Buffer) => err.push(d));
    assert.equal(await exitOf(follower), 0, Buffer.concat(err).toString());
    assert.equal(Buffer.concat(out).toString(), 'to out');
    assert.equal((await completed('talking', run.id)).status, 'SUCCESSFUL');
  });

  it('run logs writes each task stream to its own stream, byte for byte', async () => {
    const logs = await s.cli.run(['run', 'logs', 'talking', '1']);
    assert.equal(logs.code, 0, logs.stderr.toString());
    assert.deepEqual(logs.stdout, Buffer.from('to out'));
    assert.deepEqual(logs.stderr, Buffer.from('to err'));

    const followed = await s.cli.run(['run', 'logs', 'talking', '1', '--follow']);
    assert.deepEqual([followed.stdout, followed.stderr], [logs.stdout, logs.stderr]);

    const one = await s.cli.run(['taskrun', 'logs', 'talking', '1', 'warn']);
    assert.deepEqual([one.stdout, one.stderr], [Buffer.alloc(0), Buffer.from('to err')]);
  });

  it('lists and shows the task runs of a run', async () => {
    const list = await s.cli.json<TaskRun[]>(['taskrun', 'list', 'talking', '1']);
    assert.deepEqual(
      list.map((t) => [t.id, t.status]),
      [
        ['pause', 'SUCCESSFUL'],
        ['speak', 'SUCCESSFUL'],
        ['warn', 'SUCCESSFUL'],
      ],
    );
    const one = await s.cli.json<TaskRun>(['taskrun', 'get', 'talking', '1', 'speak']);
    assert.deepEqual([one.id, one.exitCode, one.run], ['speak', 0, 1]);
    const table = await s.cli.run(['taskrun', 'list', 'talking', '1']);
    assert.match(table.stdout.toString(), /pause[\s\S]*speak[\s\S]*warn/);
  });

  it('cancels one task run, which ends CANCELLED', async () => {
    const run = await s.cli.json<Run>(['run', 'start', 'slow']);
    await until(async () => {
      const hold = await s.cli.json<TaskRun>(['taskrun', 'get', 'slow', String(run.id), 'hold']);
      return hold.state === 'RUNNING' ? hold : undefined;
    }, 'the task to run');

    const cancelled = await s.cli.run(['taskrun', 'cancel', 'slow', String(run.id), 'hold']);
    assert.equal(cancelled.code, 0, cancelled.stderr.toString());
    assert.equal(cancelled.stdout.toString(), `cancelling task hold of slow run ${run.id}\n`);
    await completed('slow', run.id);
    const hold = await s.cli.json<TaskRun>(['taskrun', 'get', 'slow', String(run.id), 'hold']);
    assert.equal(hold.status, 'CANCELLED');
  });
});
