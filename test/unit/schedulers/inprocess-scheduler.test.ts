import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import type { PluginFactory, PluginManifest } from '../../../kernel/contracts/plugin.js';
import type {
  Scheduler,
  TaskWorkloadSpec,
  WorkloadOutcome,
} from '../../../kernel/contracts/scheduler.js';
import { decodeRecords } from '../../../kernel/logs/log-framing.js';
import { InProcessScheduler } from '../../../schedulers/inprocess/inprocess-scheduler.js';

const BOUND_MS = 10_000;
let dir: string;
let counter = 0;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'gofer-inprocess-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

function spec(command: string[], extra: Partial<TaskWorkloadSpec> = {}): TaskWorkloadSpec {
  const id = `w${++counter}`;
  return {
    id,
    labels: { installation: 'inst-a', kind: 'task', task: `task-${id}` },
    image: 'inprocess',
    imageKind: 'container',
    pullPolicy: 'never',
    command,
    env: {},
    logFile: join(dir, 'logs', `${id}.log`),
    ...extra,
  };
}

/** Every wait in these tests is bounded, so a broken scheduler fails instead of hanging. */
async function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle`)), BOUND_MS);
  });
  try {
    return await Promise.race([promise, limit]);
  } finally {
    clearTimeout(timer);
  }
}

async function run(scheduler: Scheduler, s: TaskWorkloadSpec): Promise<WorkloadOutcome> {
  const handle = await scheduler.startTask(s);
  return within(handle.exited, `workload ${s.id}`);
}

function exitCodeOf(outcome: WorkloadOutcome): number {
  assert.equal(outcome.kind, 'exited');
  return outcome.kind === 'exited' ? outcome.exitCode : -1;
}

function logOf(s: TaskWorkloadSpec): Array<[string, string]> {
  const { records, consumed } = decodeRecords(readFileSync(s.logFile));
  assert.equal(consumed, readFileSync(s.logFile).length, 'the log ends on a whole record');
  return records.map((r) => [r.stream, r.data.toString('utf8')]);
}

describe('InProcessScheduler', () => {
  const scheduler = new InProcessScheduler();

  it('is loaded through its manifest and factory like any scheduler plugin', async () => {
    const manifestUrl = new URL('../../../schedulers/inprocess/gofer-plugin.json', import.meta.url);
    const manifest = JSON.parse(readFileSync(manifestUrl, 'utf8')) as PluginManifest;
    assert.deepEqual(
      [manifest.id, manifest.kind, manifest.name, manifest.version, manifest.kernel],
      ['gofer.scheduler.inprocess', 'scheduler', 'inprocess', '0.1.0', '^0.1.0'],
    );
    assert.deepEqual(manifest.permissions ?? [], []);

    const entry = await import(new URL(manifest.entry.replace(/^\.\//, ''), manifestUrl).href);
    const factory = entry.default as PluginFactory<Scheduler>;
    const created = await factory({} as never);
    assert.equal(created.name, 'inprocess');
    assert.deepEqual(created.capabilities.imageKinds, ['container']);
    assert.equal(created.capabilities.services, false);
  });

  it('accepts tasks of image inprocess and refuses other images and kinds with a reason', async () => {
    const fine = {
      id: 'build',
      image: 'inprocess',
      imageKind: 'container' as const,
      pullPolicy: 'never' as const,
    };
    assert.deepEqual(await scheduler.checkTask(fine), []);

    const problems = await scheduler.checkTask({
      ...fine,
      image: 'local/tool:1',
      imageKind: 'wasm',
    });
    assert.equal(problems.length, 2);
    assert.match(problems[0], /task "build": image kind "wasm" is not supported/);
    assert.match(problems[1], /task "build": image "local\/tool:1".*set image to "inprocess"/);
  });

  it('refuses to start a task of another image with UNSUPPORTED_TASK', async () => {
    await assert.rejects(scheduler.startTask(spec(['echo'], { image: 'local/tool:1' })), {
      code: 'UNSUPPORTED_TASK',
      message: /local\/tool:1/,
    });
  });

  it('refuses commands that are not built-in programs with START_FAILED and the usage', async () => {
    await assert.rejects(scheduler.startTask(spec(['ls', '-l'])), {
      code: 'START_FAILED',
      message: /"ls".*echo, fail, sleep, env, print, trap-term, hang/,
    });
    await assert.rejects(scheduler.startTask(spec([])), { code: 'START_FAILED' });
    await assert.rejects(scheduler.startTask(spec(['sleep', 'soon'])), {
      code: 'START_FAILED',
      message: /sleep MS/,
    });
    await assert.rejects(scheduler.startTask(spec(['fail', '256'])), { code: 'START_FAILED' });
    await assert.rejects(scheduler.startTask(spec(['print', 'stdlog', 'x'])), {
      code: 'START_FAILED',
    });
  });

  it('runs echo, writing its arguments and a newline to stdout in the log framing', async () => {
    const s = spec(['hello', 'world'], { entrypoint: ['echo'] });
    assert.equal(exitCodeOf(await run(scheduler, s)), 0);
    assert.deepEqual(logOf(s), [['stdout', 'hello world\n']]);
  });

  it('runs fail, writing the message to stderr and exiting with the code', async () => {
    const s = spec(['fail', '3', 'disk', 'full']);
    assert.equal(exitCodeOf(await run(scheduler, s)), 3);
    assert.deepEqual(logOf(s), [['stderr', 'disk full\n']]);
  });

  it('runs env, printing the given environment byte for byte, NUL-separated', async () => {
    const env = { A: 'x=y', EMPTY: '', MULTI: 'one\ntwo', Space: ' s ' };
    const s = spec(['env'], { env });
    assert.equal(exitCodeOf(await run(scheduler, s)), 0);
    assert.deepEqual(logOf(s), [['stdout', 'A=x=y\0EMPTY=\0MULTI=one\ntwo\0Space= s \0']]);
  });

  it('runs print on either stream without adding a newline', async () => {
    const s = spec(['print', 'stderr', 'no newline']);
    assert.equal(exitCodeOf(await run(scheduler, s)), 0);
    assert.deepEqual(logOf(s), [['stderr', 'no newline']]);
  });

  it('appends to a log file that already holds output', async () => {
    const first = spec(['echo', 'one']);
    await run(scheduler, first);
    const second = spec(['print', 'stdout', 'two'], { logFile: first.logFile });
    await run(scheduler, second);
    assert.deepEqual(logOf(first), [
      ['stdout', 'one\n'],
      ['stdout', 'two'],
    ]);
  });

  it('runs sleep to completion with exit 0', async () => {
    assert.equal(exitCodeOf(await run(scheduler, spec(['sleep', '20']))), 0);
  });

  it('ends sleep with 143 on stop, before the grace runs out', async () => {
    const s = spec(['sleep', '600000']);
    const handle = await scheduler.startTask(s);
    await within(scheduler.stop(s.id, 600_000), 'stop');
    assert.equal(exitCodeOf(await within(handle.exited, 'exit')), 143);
  });

  it('lets trap-term finish with 0 when its shutdown fits in the grace', async () => {
    const s = spec(['trap-term', '20']);
    const handle = await scheduler.startTask(s);
    await within(scheduler.stop(s.id, 600_000), 'stop');
    assert.equal(exitCodeOf(await within(handle.exited, 'exit')), 0);
  });

  it('kills trap-term with 137 when its shutdown outlasts the grace', async () => {
    const s = spec(['trap-term', '600000']);
    const handle = await scheduler.startTask(s);
    await within(scheduler.stop(s.id, 20), 'stop');
    assert.equal(exitCodeOf(await within(handle.exited, 'exit')), 137);
  });

  it('kills hang with 137 after the grace, since it ignores SIGTERM', async () => {
    const s = spec(['hang']);
    const handle = await scheduler.startTask(s);
    assert.deepEqual((await scheduler.list('inst-a')).find((w) => w.id === s.id)?.state, 'running');
    await within(scheduler.stop(s.id, 20), 'stop');
    assert.equal(exitCodeOf(await within(handle.exited, 'exit')), 137);
  });

  it('treats stopping a workload that is gone or ended as done', async () => {
    await within(scheduler.stop('never-started', 10), 'stop of a missing workload');
    const s = spec(['echo']);
    await run(scheduler, s);
    await within(scheduler.stop(s.id, 10), 'stop of an ended workload');
  });

  it('replaces a running workload when a task starts again with the same id', async () => {
    const first = spec(['hang']);
    const firstHandle = await scheduler.startTask(first);
    const again = await scheduler.startTask({ ...first, command: ['echo', 'again'] });
    assert.equal(exitCodeOf(await within(firstHandle.exited, 'replaced workload')), 137);
    assert.equal(exitCodeOf(await within(again.exited, 'replacement')), 0);
  });

  it('lists only the workloads of the given installation, with their state', async () => {
    const own = new InProcessScheduler();
    const mine = spec(['fail', '4']);
    const theirs = spec(['echo'], { labels: { installation: 'inst-b', kind: 'task' } });
    await run(own, mine);
    await run(own, theirs);

    assert.deepEqual(await own.list('inst-a'), [
      { id: mine.id, labels: mine.labels, state: 'exited', exitCode: 4 },
    ]);
    assert.deepEqual(
      (await own.list('inst-b')).map((w) => w.id),
      [theirs.id],
    );
  });

  it('adopts a known workload with the handle it started with', async () => {
    const s = spec(['hang']);
    const handle = await scheduler.startTask(s);
    const adopted = await scheduler.adopt(s.id);
    assert.equal(adopted.exited, handle.exited);
    await within(scheduler.stop(s.id, 0), 'stop');
  });

  it('reports an unknown workload as lost when adopting it', async () => {
    const adopted = await scheduler.adopt('not-here');
    const outcome = await within(adopted.exited, 'adopted exit');
    assert.equal(outcome.kind, 'lost');
  });

  it('forgets a removed workload, killing it first if it still runs', async () => {
    const own = new InProcessScheduler();
    const s = spec(['hang']);
    const handle = await own.startTask(s);
    await within(own.remove(s.id), 'remove');
    assert.equal(exitCodeOf(await within(handle.exited, 'exit')), 137);
    assert.deepEqual(await own.list('inst-a'), []);
    await own.remove(s.id);
  });

  it('rejects services with UNSUPPORTED_TASK', async () => {
    const service = {
      id: 'ext1',
      labels: { installation: 'inst-a', kind: 'extension' as const },
      image: 'inprocess',
      imageKind: 'container' as const,
      pullPolicy: 'never' as const,
      env: {},
      port: 1,
      logFile: join(dir, 'ext.log'),
    };
    await assert.rejects(scheduler.startService(service), { code: 'UNSUPPORTED_TASK' });
  });

  it('fails to start with START_FAILED when the log file cannot be opened', async () => {
    const s = spec(['echo'], { logFile: dir });
    await assert.rejects(scheduler.startTask(s), { code: 'START_FAILED', message: /log file/ });
  });
});
