/**
 * The Docker scheduler against the real engine: bytes in and out, exit codes, stopping, labels,
 * adoption and log durability. Needs a Docker engine on /var/run/docker.sock.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { HTTPD_IMAGE } from '../../support/test-images.js';
import {
  DockerTestKit,
  readLog,
  skipWithoutDocker,
  waitForLog,
  within,
} from '../../support/docker-test-kit.js';

const kit = new DockerTestKit();
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const startLatencies: number[] = [];

/** Starts a task and waits, bounded, for its outcome. */
async function runTask(spec: ReturnType<typeof kit.task>, scheduler = kit.scheduler()) {
  const t0 = Date.now();
  const handle = await scheduler.startTask(spec);
  startLatencies.push(Date.now() - t0);
  const outcome = await within(handle.exited, 60_000, `task ${spec.id} exit`);
  return { handle, outcome };
}

describe('the docker scheduler on the real engine', { skip: skipWithoutDocker }, () => {
  before(() => kit.setup());
  after(async () => {
    await kit.teardown();
    if (startLatencies.length) {
      const sorted = [...startLatencies].sort((a, b) => a - b);
      console.log(
        `# container start latency (startTask, image present): median ${sorted[sorted.length >> 1]} ms, ` +
          `min ${sorted[0]} ms, max ${sorted[sorted.length - 1]} ms over ${sorted.length} starts`,
      );
    }
  });

  test('environment variables reach the task byte for byte', async () => {
    const env = {
      WITH_EQUALS: 'a=b=c',
      EMPTY: '',
      NEWLINES: 'line one\nline two\n',
      SPACES: '  leading and trailing  ',
      UNICODE: 'grüße ✓',
    };
    const spec = kit.task({ env, entrypoint: ['cat', '/proc/self/environ'] });
    const { outcome } = await runTask(spec);

    assert.deepEqual(outcome.kind === 'exited' && outcome.exitCode, 0);
    const entries = readLog(spec.logFile).stdout.toString('utf8').split('\0');
    for (const [key, value] of Object.entries(env)) {
      assert.ok(
        entries.includes(`${key}=${value}`),
        `missing ${JSON.stringify(`${key}=${value}`)}`,
      );
    }
  });

  test('stdout and stderr are kept as the exact bytes the task wrote', async () => {
    const script = [
      "printf '\\xff\\xfe'",
      "head -c 102400 /dev/zero | tr '\\0' a; echo",
      'seq 1 100000',
      "printf 'to stderr\\n' >&2; printf '\\377 no newline' >&2",
      "printf 'last line without newline'",
    ].join('; ');
    const spec = kit.task({ command: ['sh', '-c', script] });
    const { outcome } = await runTask(spec);
    assert.equal(outcome.kind === 'exited' && outcome.exitCode, 0);

    const lines = Array.from({ length: 100_000 }, (_, i) => `${i + 1}\n`).join('');
    const expectedOut = Buffer.concat([
      Buffer.from([0xff, 0xfe]),
      Buffer.from('a'.repeat(102_400) + '\n'),
      Buffer.from(lines),
      Buffer.from('last line without newline'),
    ]);
    const expectedErr = Buffer.concat([
      Buffer.from('to stderr\n'),
      Buffer.from([0xff]),
      Buffer.from(' no newline'),
    ]);
    const log = readLog(spec.logFile);
    assert.equal(log.stdout.length, expectedOut.length);
    assert.equal(sha256(log.stdout), sha256(expectedOut));
    assert.equal(sha256(log.stderr), sha256(expectedErr));
  });

  test('exit codes are reported as the task ended', async () => {
    const ok = await runTask(kit.task({ command: ['true'] }));
    assert.deepEqual(ok.outcome.kind === 'exited' && ok.outcome.exitCode, 0);
    const three = await runTask(kit.task({ command: ['sh', '-c', 'exit 3'] }));
    assert.deepEqual(three.outcome.kind === 'exited' && three.outcome.exitCode, 3);
    assert.ok(ok.handle.startedAt > 0 && ok.handle.startedAt <= Date.now());
  });

  test('a command that does not exist exits 127 with the reason in its log', async () => {
    const spec = kit.task({ command: ['no-such-command', 'arg'] });
    const { outcome } = await runTask(spec);
    assert.equal(outcome.kind === 'exited' && outcome.exitCode, 127);
    assert.match(readLog(spec.logFile).stderr.toString(), /cannot run 'no-such-command'/);
  });

  test('a task that traps SIGTERM exits on its own within the grace period', async () => {
    const scheduler = kit.scheduler();
    const spec = kit.task({
      command: [
        'sh',
        '-c',
        'trap "echo got-term; exit 0" TERM; echo ready; while :; do sleep 0.1; done',
      ],
    });
    const handle = await scheduler.startTask(spec);
    await waitForLog(spec.logFile, 'ready');

    await within(scheduler.stop(spec.id, 20_000), 15_000, 'graceful stop');
    const outcome = await within(handle.exited, 5_000, 'exit after stop');
    assert.equal(outcome.kind === 'exited' && outcome.exitCode, 0);
    assert.match(readLog(spec.logFile).stdout.toString(), /got-term/);
  });

  test('a task that ignores SIGTERM is killed once the grace period has passed', async () => {
    const scheduler = kit.scheduler();
    const spec = kit.task({
      command: ['sh', '-c', 'trap "" TERM; echo ready; while :; do sleep 0.1; done'],
    });
    const handle = await scheduler.startTask(spec);
    await waitForLog(spec.logFile, 'ready');

    await within(scheduler.stop(spec.id, 300), 15_000, 'forced stop');
    const outcome = await within(handle.exited, 5_000, 'exit after stop');
    assert.equal(outcome.kind === 'exited' && outcome.exitCode, 137);
    await scheduler.stop(spec.id, 0);
    await scheduler.stop('no-such-container', 0);
  });

  test('other signals reach the task through the log wrapper', async () => {
    const scheduler = kit.scheduler();
    const spec = kit.task({
      command: [
        'sh',
        '-c',
        'trap "echo got-usr1; exit 5" USR1; echo ready; while :; do sleep 0.1; done',
      ],
    });
    const handle = await scheduler.startTask(spec);
    await waitForLog(spec.logFile, 'ready');

    await kit.docker.getContainer(spec.id).kill({ signal: 'SIGUSR1' });
    const outcome = await within(handle.exited, 10_000, 'exit after SIGUSR1');
    assert.equal(outcome.kind === 'exited' && outcome.exitCode, 5);
    assert.match(readLog(spec.logFile).stdout.toString(), /got-usr1/);
  });

  test('a background process holding the output pipes does not keep the task alive', async () => {
    const spec = kit.task({ command: ['sh', '-c', 'sleep 1000 & echo parent-done'] });
    const { outcome } = await runTask(spec);
    assert.equal(outcome.kind === 'exited' && outcome.exitCode, 0);
    assert.equal(readLog(spec.logFile).stdout.toString(), 'parent-done\n');
  });

  test('a task killed by a signal exits with 128 plus the signal number', async () => {
    const { outcome } = await runTask(kit.task({ command: ['sh', '-c', 'kill -USR2 $$'] }));
    assert.equal(outcome.kind === 'exited' && outcome.exitCode, 128 + 12);
  });

  test('containers carry their workload labels and resource limits', async () => {
    const spec = kit.task({
      command: ['true'],
      resources: { memory_bytes: 64 * 1024 * 1024, cpus: 0.5 },
    });
    await runTask(spec);
    const info = await kit.docker.getContainer(spec.id).inspect();
    assert.equal(info.Name, `/${spec.id}`);
    assert.equal(info.HostConfig.Memory, 64 * 1024 * 1024);
    assert.equal(info.HostConfig.NanoCpus, 500_000_000);
    assert.equal(info.HostConfig.Init, true);
    assert.equal(info.HostConfig.NetworkMode, 'none');
    assert.deepEqual(
      Object.fromEntries(
        Object.entries(info.Config.Labels).filter(([k]) => k.startsWith('gofer.')),
      ),
      {
        'gofer.installation': kit.installation,
        'gofer.kind': 'task',
        'gofer.namespace': 'default',
        'gofer.pipeline': 'docker-test',
        'gofer.run': String(spec.labels.run),
        'gofer.task': spec.labels.task,
        'gofer.attempt': '1',
      },
    );
  });

  test('a task that runs out of memory is reported as killed for it', async () => {
    const spec = kit.task({
      command: ['sh', '-c', 'x=$(head -c 64000000 /dev/zero | tr "\\0" a); echo ${#x}'],
      resources: { memory_bytes: 16 * 1024 * 1024 },
    });
    const { outcome } = await runTask(spec);
    assert.equal(outcome.kind, 'exited');
    assert.equal(outcome.kind === 'exited' && outcome.oomKilled, true);
    assert.equal(outcome.kind === 'exited' && outcome.exitCode, 137);
  });

  test('list finds this installation’s containers and never a foreign one', async () => {
    const scheduler = kit.scheduler();
    const spec = kit.task({ command: ['sh', '-c', 'exit 4'] });
    await runTask(spec, scheduler);

    const foreignIds: string[] = [];
    for (const installation of ['someone-else', `${kit.installation}-other`]) {
      const foreign = await kit.docker.createContainer({
        name: `${kit.installation}-foreign-${foreignIds.length}`,
        Image: spec.image,
        Cmd: ['true'],
        Labels: { 'gofer.installation': installation, 'gofer.kind': 'task' },
      });
      foreignIds.push(foreign.id);
    }
    try {
      const found = await scheduler.list(kit.installation);
      assert.ok(found.length > 0);
      assert.ok(found.every((w) => w.labels.installation === kit.installation));
      assert.ok(!found.some((w) => w.id.includes('-foreign-')));
      const mine = found.find((w) => w.id === spec.id);
      assert.deepEqual(mine, { id: spec.id, labels: spec.labels, state: 'exited', exitCode: 4 });
    } finally {
      for (const id of foreignIds) await kit.docker.getContainer(id).remove({ force: true });
    }
  });

  test('a new scheduler adopts a running container and an exited one', async () => {
    const first = kit.scheduler();
    const running = kit.task({ command: ['sh', '-c', 'echo ready; sleep 2; exit 6'] });
    const exited = kit.task({ command: ['sh', '-c', 'exit 9'] });
    await within((await first.startTask(exited)).exited, 30_000, 'first task exit');
    const started = await first.startTask(running);
    await first.close();

    const second = kit.scheduler();
    const adoptedExited = await second.adopt(exited.id);
    const done = await within(adoptedExited.exited, 2_000, 'adopted exited outcome');
    assert.equal(done.kind === 'exited' && done.exitCode, 9);

    const adoptedRunning = await second.adopt(running.id);
    assert.equal(adoptedRunning.startedAt > 0, true);
    assert.ok(Math.abs(adoptedRunning.startedAt - started.startedAt) < 1000);
    const later = await within(adoptedRunning.exited, 30_000, 'adopted running outcome');
    assert.equal(later.kind === 'exited' && later.exitCode, 6);

    const missing = await within((await second.adopt('no-such-container')).exited, 2_000, 'lost');
    assert.equal(missing.kind, 'lost');
  });

  test('logs are complete after the scheduler was closed and a new one adopts the task', async () => {
    const first = kit.scheduler();
    const script = 'for i in $(seq 1 20); do echo line-$i; echo err-$i >&2; sleep 0.1; done';
    const spec = kit.task({ command: ['sh', '-c', script] });
    await first.startTask(spec);
    await first.close();

    const second = kit.scheduler();
    const outcome = await within((await second.adopt(spec.id)).exited, 30_000, 'adopted exit');
    assert.equal(outcome.kind === 'exited' && outcome.exitCode, 0);
    const expected = (prefix: string) =>
      Array.from({ length: 20 }, (_, i) => `${prefix}-${i + 1}\n`).join('');
    const log = readLog(spec.logFile);
    assert.equal(log.stdout.toString(), expected('line'));
    assert.equal(log.stderr.toString(), expected('err'));
  });

  test('starting a task with an id in use replaces the old container', async () => {
    const scheduler = kit.scheduler();
    const spec = kit.task({ command: ['sleep', '1000'] });
    const old = await scheduler.startTask(spec);
    const replacement = await scheduler.startTask({ ...spec, command: ['sh', '-c', 'exit 2'] });

    const oldOutcome = await within(old.exited, 15_000, 'replaced task exit');
    assert.equal(oldOutcome.kind, 'exited');
    const newOutcome = await within(replacement.exited, 15_000, 'replacement exit');
    assert.equal(newOutcome.kind === 'exited' && newOutcome.exitCode, 2);
  });

  test('remove deletes the container and a missing one is not an error', async () => {
    const scheduler = kit.scheduler();
    const spec = kit.task({ command: ['true'] });
    await runTask(spec, scheduler);
    await scheduler.remove(spec.id);
    await scheduler.remove(spec.id);
    assert.equal(
      (await scheduler.list(kit.installation)).some((w) => w.id === spec.id),
      false,
    );
  });

  test('a service listens on its loopback port and a second start replaces it', async () => {
    const scheduler = kit.scheduler();
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const spec = {
      id: `${kit.installation}-svc`,
      labels: { installation: kit.installation, kind: 'extension' as const, extension: 'web' },
      image: HTTPD_IMAGE,
      imageKind: 'container' as const,
      pullPolicy: 'never' as const,
      env: { GREETING: 'hi' },
      port,
      logFile: `${kit.logDir}/svc.log`,
    };
    const first = await scheduler.startService(spec);
    assert.equal(first.address, `127.0.0.1:${port}`);
    assert.equal(
      await within(fetchWhenUp(`http://${first.address}/`), 15_000, 'service up'),
      'ok\n',
    );

    const second = await scheduler.startService(spec);
    assert.equal((await within(first.exited, 15_000, 'replaced service exit')).kind, 'exited');
    assert.equal(
      await within(fetchWhenUp(`http://${second.address}/`), 15_000, 'service up'),
      'ok\n',
    );
    const info = await kit.docker.getContainer(spec.id).inspect();
    assert.equal(info.Config.Labels['gofer.kind'], 'extension');
    assert.equal(info.HostConfig.NetworkMode, 'host');

    await within(scheduler.stop(spec.id, 5_000), 15_000, 'service stop');
    await scheduler.remove(spec.id);
  });
});

/** Fetches `url`, retrying while nothing listens yet; the caller bounds the wait. */
async function fetchWhenUp(url: string): Promise<string> {
  for (;;) {
    try {
      const res = await fetch(url);
      return await res.text();
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
