/**
 * One set of behaviour tests for every scheduler. A scheduler's `*-suite.test.ts` gives an
 * adapter (how to build its scheduler and how to write the few test programs) and calls
 * `schedulerSuite`. A test is skipped only where the not-applicable table in
 * docs/schedulers/README.md names the scheduler and the test, with the reason.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type {
  Scheduler,
  TaskWorkloadSpec,
  WorkloadOutcome,
} from '../../../kernel/contracts/scheduler.js';
import { readLog, within } from '../../support/docker-test-kit.js';

/** Entrypoint and command of one test program. */
export interface Program {
  entrypoint?: string[];
  command?: string[];
  env?: Record<string, string>;
}

export interface SuiteAdapter {
  /** The scheduler's name, as the not-applicable table writes it. */
  name: string;
  /** Why the whole suite cannot run here (no engine), or false. */
  skip: string | false;
  installation: string;
  image: string;
  /** Kind of `image`; `container` unless given. */
  imageKind?: TaskWorkloadSpec['imageKind'];
  /** Grace period the suite passes to `stop`. */
  graceMs: number;
  /** How long one task may take to run to its end. */
  taskBoundMs: number;
  setup(): Promise<void>;
  /** Removes everything the suite's schedulers left, found by the installation. */
  teardown(): Promise<void>;
  /**
   * A new scheduler instance each call; adoption tests make a second one. `installation` is
   * given for a scheduler that must serve another installation than the suite's.
   */
  scheduler(installation?: string): Scheduler;
  programs: {
    /** Prints every `KEY=VALUE` of its environment, each followed by a NUL byte. */
    env(): Program;
    /** Writes `text` to `stream` exactly, adding nothing. */
    write(stream: 'stdout' | 'stderr', text: string): Program;
    exit(code: number): Program;
    /** Runs until SIGTERM, then exits 0 at once. */
    trapTerm(): Program;
    /** Runs until SIGKILL; SIGTERM does nothing. */
    ignoreTerm(): Program;
    /** Sleeps `ms`, exits 0; SIGTERM ends it with 143. */
    sleep(ms: number): Program;
  };
}

/** Test keys to reasons, for one scheduler, from the published table. */
export function notApplicable(scheduler: string): Map<string, string> {
  const table = readFileSync(
    new URL('../../../../docs/schedulers/README.md', import.meta.url),
    'utf8',
  );
  const out = new Map<string, string>();
  for (const line of table.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    // | scheduler | `test` | reason |
    const key = /^`([a-z-]+)`$/.exec(cells[2] ?? '');
    if (cells.length >= 5 && cells[1] === scheduler && key) out.set(key[1], cells[3]);
  }
  return out;
}

export function schedulerSuite(adapter: SuiteAdapter): void {
  const skips = notApplicable(adapter.name);
  const logDir = mkdtempSync(join(tmpdir(), `gofer-suite-${adapter.name}-`));
  const made: Scheduler[] = [];
  let counter = 0;
  let scheduler: Scheduler;

  const newScheduler = (installation?: string) => {
    const s = adapter.scheduler(installation);
    made.push(s);
    return s;
  };
  const spec = (program: Program, overrides: Partial<TaskWorkloadSpec> = {}): TaskWorkloadSpec => {
    const n = ++counter;
    const id = `${adapter.installation}-s${n}`;
    return {
      id,
      labels: {
        installation: adapter.installation,
        kind: 'task',
        namespace: 'default',
        pipeline: 'suite',
        run: n,
        task: `task-${n}`,
        attempt: 1,
      },
      image: adapter.image,
      imageKind: adapter.imageKind ?? 'container',
      pullPolicy: 'never',
      entrypoint: program.entrypoint,
      command: program.command,
      env: program.env ?? {},
      logFile: join(logDir, `${id}.log`),
      ...overrides,
    };
  };
  const exitCodeOf = (outcome: WorkloadOutcome) =>
    outcome.kind === 'exited' ? outcome.exitCode : `lost: ${outcome.reason}`;
  const run = async (s: TaskWorkloadSpec) => {
    const handle = await within(scheduler.startTask(s), adapter.taskBoundMs, `start of ${s.id}`);
    return within(handle.exited, adapter.taskBoundMs, `end of ${s.id}`);
  };
  /** A test unless the table says it does not apply to this scheduler. */
  const check = (key: string, name: string, fn: () => Promise<void>) =>
    test(name, { skip: skips.get(key) ?? false }, fn);

  describe(
    `the ${adapter.name} scheduler keeps the shared scheduler behaviour`,
    { skip: adapter.skip },
    () => {
      before(async () => {
        await adapter.setup();
        scheduler = newScheduler();
      });
      after(async () => {
        for (const s of made) await s.close();
        await adapter.teardown();
        rmSync(logDir, { recursive: true, force: true });
      });

      check(
        'start',
        'a started task reports when it started and ends with its exit code',
        async () => {
          const s = spec(adapter.programs.exit(0));
          const before = Date.now() - 5_000;
          const handle = await within(scheduler.startTask(s), adapter.taskBoundMs, 'start');
          assert.equal(handle.id, s.id);
          assert.ok(
            handle.startedAt >= before,
            `startedAt ${handle.startedAt} is before the start`,
          );
          assert.equal(exitCodeOf(await within(handle.exited, adapter.taskBoundMs, 'end')), 0);
        },
      );

      check('env', 'environment variables reach the task byte for byte', async () => {
        const env = {
          WITH_EQUALS: 'a=b=c',
          EMPTY: '',
          NEWLINES: 'line one\nline two\n',
          SPACES: '  leading and trailing  ',
          UNICODE: 'grüße ✓',
        };
        const program = adapter.programs.env();
        const s = spec({ ...program, env: { ...program.env, ...env } });
        assert.equal(exitCodeOf(await run(s)), 0);
        const entries = readLog(s.logFile).stdout.toString('utf8').split('\0');
        for (const [key, value] of Object.entries(env)) {
          assert.ok(
            entries.includes(`${key}=${value}`),
            `missing ${JSON.stringify(`${key}=${value}`)}`,
          );
        }
      });

      check('logs', 'each stream keeps the exact bytes the task wrote', async () => {
        const text = 'first line\r\n\n  spaced  \ttab\nünïcødé ✓\nno newline at the end';
        for (const stream of ['stdout', 'stderr'] as const) {
          const s = spec(adapter.programs.write(stream, text));
          assert.equal(exitCodeOf(await run(s)), 0);
          const log = readLog(s.logFile);
          assert.equal(log[stream].toString('utf8'), text);
          assert.equal(log[stream === 'stdout' ? 'stderr' : 'stdout'].length, 0);
        }
      });

      check('mask', 'values the kernel asks to mask never reach the log file', async () => {
        const secret = 'hunter2-very-secret';
        const s = spec(adapter.programs.write('stdout', `before ${secret} after\n`));
        assert.equal(exitCodeOf(await run({ ...s, mask: [secret] })), 0);
        assert.equal(readLog(s.logFile).stdout.toString('utf8'), 'before *** after\n');
      });

      check('exit-codes', 'exit codes are reported as the task ended', async () => {
        const codes = [0, 1, 3, 42, 255];
        const outcomes = await Promise.all(codes.map((c) => run(spec(adapter.programs.exit(c)))));
        assert.deepEqual(outcomes.map(exitCodeOf), codes);
      });

      check(
        'cancel-grace',
        'a task that traps SIGTERM ends on its own within the grace period',
        async () => {
          const s = spec(adapter.programs.trapTerm());
          const handle = await within(scheduler.startTask(s), adapter.taskBoundMs, 'start');
          await within(scheduler.stop(s.id, adapter.graceMs), adapter.taskBoundMs, 'stop');
          assert.equal(exitCodeOf(await within(handle.exited, 1_000, 'end after stop')), 0);
        },
      );

      check(
        'cancel-kill',
        'a task that ignores SIGTERM is killed once the grace period has passed',
        async () => {
          const s = spec(adapter.programs.ignoreTerm());
          const handle = await within(scheduler.startTask(s), adapter.taskBoundMs, 'start');
          await within(scheduler.stop(s.id, adapter.graceMs), adapter.taskBoundMs, 'stop');
          assert.equal(exitCodeOf(await within(handle.exited, 1_000, 'end after stop')), 137);
        },
      );

      check('timeout', 'a timed-out task stopped by the kernel ends with SIGTERM', async () => {
        const s = spec(adapter.programs.sleep(120_000));
        const handle = await within(scheduler.startTask(s), adapter.taskBoundMs, 'start');
        // The kernel enforces a task timeout by calling stop when it expires.
        await within(scheduler.stop(s.id, adapter.graceMs), adapter.taskBoundMs, 'stop');
        assert.equal(exitCodeOf(await within(handle.exited, 1_000, 'end after stop')), 143);
        await within(scheduler.stop(s.id, adapter.graceMs), adapter.taskBoundMs, 'second stop');
      });

      check(
        'labels',
        'list finds this installation’s workloads with their labels and never a foreign one',
        async () => {
          const mine = spec(adapter.programs.exit(0));
          const foreignInstallation = `${adapter.installation}-other`;
          const foreign = spec(adapter.programs.exit(0), {
            labels: { ...mine.labels, installation: foreignInstallation },
            id: `${mine.id}-foreign`,
          });
          await run(mine);
          const other = newScheduler(foreignInstallation);
          const foreignRun = await within(other.startTask(foreign), adapter.taskBoundMs, 'start');
          await within(foreignRun.exited, adapter.taskBoundMs, 'foreign end');
          try {
            const listed = await scheduler.list(adapter.installation);
            const found = listed.find((w) => w.id === mine.id);
            assert.ok(found, `${mine.id} missing from ${JSON.stringify(listed.map((w) => w.id))}`);
            assert.deepEqual(found.labels, mine.labels);
            assert.equal(found.state, 'exited');
            assert.equal(found.exitCode, 0);
            assert.ok(!listed.some((w) => w.id === foreign.id), 'a foreign workload was listed');
            assert.deepEqual(
              (await other.list(foreignInstallation)).map((w) => w.id),
              [foreign.id],
            );
          } finally {
            await other.remove(foreign.id);
          }
        },
      );

      check(
        'adopt',
        'a new scheduler instance adopts a running task and an ended one',
        async () => {
          const ended = spec(adapter.programs.write('stdout', 'ended output'));
          const running = spec(adapter.programs.sleep(3_000));
          await run(ended);
          await within(scheduler.startTask(running), adapter.taskBoundMs, 'start');
          await scheduler.close();
          scheduler = newScheduler();

          const listed = await scheduler.list(adapter.installation);
          for (const id of [ended.id, running.id])
            assert.ok(
              listed.some((w) => w.id === id),
              `${id} not listed`,
            );
          const [a, b] = await Promise.all([
            scheduler.adopt(ended.id),
            scheduler.adopt(running.id),
          ]);
          assert.equal(exitCodeOf(await within(a.exited, adapter.taskBoundMs, 'adopted end')), 0);
          assert.equal(exitCodeOf(await within(b.exited, adapter.taskBoundMs, 'adopted run')), 0);
          assert.equal(readLog(ended.logFile).stdout.toString(), 'ended output');
          const gone = await scheduler.adopt(`${adapter.installation}-never-started`);
          assert.equal((await within(gone.exited, 1_000, 'missing adopt')).kind, 'lost');
        },
      );

      check(
        'adopt-mask',
        'a task adopted by a new instance still has the values it was started with masked',
        async () => {
          const secret = 'hunter2-adopted-secret';
          const s = spec(adapter.programs.write('stdout', `before ${secret} after\n`));
          // Closed at once, the first instance may not have seen the end or written the output.
          await within(scheduler.startTask({ ...s, mask: [secret] }), adapter.taskBoundMs, 'start');
          await scheduler.close();
          scheduler = newScheduler();
          const adopted = await scheduler.adopt(s.id, { mask: [secret] });
          assert.equal(exitCodeOf(await within(adopted.exited, adapter.taskBoundMs, 'end')), 0);
          assert.equal(readLog(s.logFile).stdout.toString('utf8'), 'before *** after\n');
        },
      );

      check(
        'remove',
        'remove deletes an ended workload and a missing one is not an error',
        async () => {
          const s = spec(adapter.programs.exit(0));
          await run(s);
          await within(scheduler.remove(s.id), adapter.taskBoundMs, 'remove');
          const listed = await scheduler.list(adapter.installation);
          assert.ok(!listed.some((w) => w.id === s.id), `${s.id} is still listed`);
          await within(scheduler.remove(s.id), adapter.taskBoundMs, 'second remove');
        },
      );

      check(
        'pull-policy',
        'a missing image with pull policy never is refused as not found',
        async () => {
          // A loopback registry name, so that no lookup can leave this machine.
          const s = spec(adapter.programs.exit(0), {
            image: '127.0.0.1:5999/gofer-suite/missing:1',
          });
          await assert.rejects(scheduler.startTask(s), (err: { code?: string }) => {
            assert.equal(err.code, 'IMAGE_NOT_FOUND');
            return true;
          });
        },
      );
    },
  );
}
