/**
 * The log wrapper run directly on this machine (no container): framing, exit codes, signal
 * forwarding, exec failures and the bounded drain. It is the binary `npm run build` compiled.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { decodeRecords } from '../../../kernel/logs/log-framing.js';
import { DEFAULT_LOGWRAP_PATH } from '../../../schedulers/docker/docker-scheduler.js';
import { within } from '../../support/docker-test-kit.js';

const dir = mkdtempSync(join(tmpdir(), 'gofer-logwrap-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

interface Wrapped {
  code: number | null;
  stdout: Buffer;
  stderr: Buffer;
  log: { stream: string; data: Buffer }[];
}

/** Runs `sh -c script` under the wrapper; `onSpawn` may signal the wrapper while it runs. */
function wrap(script: string, onSpawn?: (pid: number) => void): Promise<Wrapped> {
  const logFile = join(dir, `${++n}.log`);
  const child = spawn(DEFAULT_LOGWRAP_PATH, [logFile, '--', 'sh', '-c', script]);
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (b: Buffer) => out.push(b));
  child.stderr.on('data', (b: Buffer) => err.push(b));
  if (onSpawn) onSpawn(child.pid!);
  const done = new Promise<Wrapped>((resolve) =>
    child.on('close', (code) => {
      const { records, consumed } = decodeRecords(readFileSync(logFile));
      assert.equal(consumed, readFileSync(logFile).length, 'the log ends on a record boundary');
      resolve({ code, stdout: Buffer.concat(out), stderr: Buffer.concat(err), log: records });
    }),
  );
  return within(done, 20_000, `logwrap running ${script}`);
}

const joined = (w: Wrapped, stream: string) =>
  Buffer.concat(w.log.filter((r) => r.stream === stream).map((r) => r.data));

describe('the log wrapper', () => {
  test('it frames each stream into the log and copies it to its own streams', async () => {
    const w = await wrap("printf 'out\\n'; printf '\\377err' >&2; printf 'tail'");
    assert.equal(w.code, 0);
    assert.deepEqual(joined(w, 'stdout'), Buffer.from('out\ntail'));
    assert.deepEqual(joined(w, 'stderr'), Buffer.from([0xff, ...Buffer.from('err')]));
    assert.deepEqual(w.stdout, Buffer.from('out\ntail'));
    assert.deepEqual(w.stderr, Buffer.from([0xff, ...Buffer.from('err')]));
  });

  test('it exits with the command’s code, or 128 plus the signal that killed it', async () => {
    assert.equal((await wrap('exit 42')).code, 42);
    assert.equal((await wrap('kill -KILL $$')).code, 137);
  });

  test('it forwards SIGTERM to the command', async () => {
    const w = await wrap(
      'trap "echo term; exit 3" TERM; echo ready; while :; do sleep 0.05; done',
      (pid) => {
        setTimeout(() => process.kill(pid, 'SIGTERM'), 300);
      },
    );
    assert.equal(w.code, 3);
    assert.match(joined(w, 'stdout').toString(), /ready\nterm\n/);
  });

  test('a command that cannot be run exits 127 and says why in the log', async () => {
    const logFile = join(dir, 'missing.log');
    const child = spawn(DEFAULT_LOGWRAP_PATH, [logFile, '--', '/no/such/binary']);
    const code = await within(
      new Promise((resolve) => child.on('close', resolve)),
      10_000,
      'logwrap exit',
    );
    assert.equal(code, 127);
    const { records } = decodeRecords(readFileSync(logFile));
    assert.match(
      Buffer.concat(records.map((r) => r.data)).toString(),
      /cannot run '\/no\/such\/binary'/,
    );
  });

  test('a background process that keeps the pipes open delays the exit only boundedly', async () => {
    const w = await wrap('sleep 5 & echo started');
    assert.equal(w.code, 0);
    assert.equal(joined(w, 'stdout').toString(), 'started\n');
  });
});
