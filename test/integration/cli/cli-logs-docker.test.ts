import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CliRunner, exitOf } from '../../support/cli-runner.js';
import { skipWithoutDocker } from '../../support/docker-test-kit.js';
import { startTestKernel, type TestKernel } from '../../support/test-kernel.js';
import { BUSYBOX_IMAGE, ensureTestImages } from '../../support/test-images.js';

// The log commands on a kernel that runs real containers: what `gofer taskrun logs` and
// `gofer run logs` write must be exactly what the container's process wrote, on each stream.

/** Bytes no text decoding survives, a pause so a follower sees the rest live, and no final newline. */
const SCRIPT = [
  "printf 'start\\000\\377\\r\\n'",
  'sleep 2',
  "printf 'bad \\303\\050 bytes\\n' >&2",
  'seq 1 20000',
  "printf 'no trailing newline'",
  "printf 'stderr tail' >&2",
].join('; ');

describe('the log commands against a kernel on Docker', { skip: skipWithoutDocker }, () => {
  let t: TestKernel;
  let home: string;
  let cli: CliRunner;
  let expected: { stdout: Buffer; stderr: Buffer };

  before(async () => {
    await ensureTestImages();
    const reference = spawnSync('busybox', ['sh', '-c', SCRIPT], { maxBuffer: 16 * 1024 * 1024 });
    assert.equal(reference.status, 0, `the reference run failed: ${reference.stderr}`);
    expected = { stdout: reference.stdout, stderr: reference.stderr };

    t = await startTestKernel({
      scheduler: { engine: 'docker', docker: { network_mode: 'none' } },
    });
    home = mkdtempSync(join(tmpdir(), 'gofer-cli-home-'));
    cli = new CliRunner({ HOME: home, GOFER_CLI_ADDRESS: t.kernel.address });
    await t.deploy({
      id: 'bytes',
      tasks: [{ id: 'noisy', image: BUSYBOX_IMAGE, command: ['sh', '-c', SCRIPT] }],
    });
  });
  after(async () => {
    await t.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it('taskrun logs --follow writes the live output byte for byte and ends with the task', async () => {
    const run = await cli.json<{ id: number }>(['run', 'start', 'bytes']);
    const follower = cli.spawn(['taskrun', 'logs', 'bytes', String(run.id), 'noisy', '--follow']);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    follower.stdout!.on('data', (d: Buffer) => out.push(d));
    follower.stderr!.on('data', (d: Buffer) => err.push(d));
    assert.equal(await exitOf(follower, 120_000), 0, Buffer.concat(err).toString());
    assert.deepEqual(Buffer.concat(out), expected.stdout, 'stdout');
    assert.deepEqual(Buffer.concat(err), expected.stderr, 'stderr');

    const { run: done } = await t.waitForRun('bytes', run.id);
    assert.equal(done.status, 'SUCCESSFUL');
  });

  it('run logs and taskrun logs write the stored output byte for byte', async () => {
    const stored = await cli.run(['taskrun', 'logs', 'bytes', '1', 'noisy']);
    assert.equal(stored.code, 0, stored.stderr.toString());
    assert.deepEqual([stored.stdout, stored.stderr], [expected.stdout, expected.stderr]);

    const whole = await cli.run(['run', 'logs', 'bytes', '1']);
    assert.equal(whole.code, 0, whole.stderr.toString());
    assert.deepEqual([whole.stdout, whole.stderr], [expected.stdout, expected.stderr]);
  });
});
