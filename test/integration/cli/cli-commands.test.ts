import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { type ApiFixture, eventually, startApi } from '../api/api-fixture.js';

const bin = fileURLToPath(new URL('../../../cli/main.js', import.meta.url));

interface Result {
  code: number;
  stdout: Buffer;
  stderr: Buffer;
}

describe('the gofer CLI against a live API', () => {
  let api: ApiFixture;
  let dir: string;
  const config = (id: string) => ({ id, tasks: [{ id: 'build', image: 'local/build' }] });

  // Asynchronous on purpose: the server answering the CLI runs in this very process.
  function gofer(...args: string[]): Promise<Result> {
    return new Promise((resolve) => {
      const env = {
        ...process.env,
        HOME: dir,
        GOFER_CLI_ADDRESS: api.address,
        GOFER_CLI_TOKEN: 'mgmt',
      };
      execFile(
        process.execPath,
        [bin, ...args],
        { env, encoding: 'buffer', timeout: 30_000 },
        (err, stdout, stderr) => {
          resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
        },
      );
    });
  }

  before(async () => {
    api = await startApi();
    dir = mkdtempSync(join(tmpdir(), 'gofer-cli-'));
  });
  after(async () => {
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('registers the config a .mjs program prints, showing its stderr only on failure', async () => {
    const program = join(dir, 'pipeline.mjs');
    writeFileSync(
      program,
      `console.error('building');\nconsole.log(JSON.stringify(${JSON.stringify(config('fromjs'))}));\n`,
    );
    const ok = await gofer('pipeline', 'register', program);
    assert.equal(ok.code, 0, ok.stderr.toString());
    assert.match(ok.stdout.toString(), /registered fromjs version 1/);

    const failing = join(dir, 'broken.mjs');
    writeFileSync(failing, `console.error('no tasks here');\nprocess.exit(3);\n`);
    const bad = await gofer('pipeline', 'register', failing);
    assert.equal(bad.code, 1);
    assert.match(
      bad.stderr.toString(),
      /^gofer pipeline register: .*exited with code 3; its stderr ends:\nno tasks here\n {2}fix: /,
    );
  });

  it('runs a .ts program with tsx, and up deploys the version it registered', async () => {
    const program = join(dir, 'pipeline.ts');
    writeFileSync(
      program,
      `const id: string = 'fromts';\nconsole.log(JSON.stringify({ id, tasks: [{ id: 'build', image: 'local/build' }] }));\n`,
    );
    const up = await gofer('up', program);
    assert.equal(up.code, 0, up.stderr.toString());
    assert.equal((await api.client().getPipeline('default', 'fromts')).liveVersion, 1);

    const got = await gofer('pipeline', 'config', 'get', 'fromts', '-o', 'json');
    assert.deepEqual(JSON.parse(got.stdout.toString()).config, config('fromts'));
  });

  it('passes -v values split at the first = and prints errors with their fix', async () => {
    const started = await gofer(
      'run',
      'start',
      'fromts',
      '-v',
      'Q=a=b',
      '-v',
      'EMPTY=',
      '--output',
      'json',
    );
    assert.equal(started.code, 0, started.stderr.toString());
    assert.deepEqual(JSON.parse(started.stdout.toString()).variables, { Q: 'a=b', EMPTY: '' });

    const missing = await gofer('run', 'get', 'fromts', '99');
    assert.equal(missing.code, 1);
    assert.equal(
      missing.stderr.toString(),
      'gofer run get: run 99 of pipeline fromts not found\n  fix: run `gofer run list fromts`\n',
    );
  });

  it('writes task output as raw bytes, stdout to stdout and stderr to stderr', async () => {
    const out = Buffer.from([0x00, 0x01, 0xfe, 0xff, 0x0d, 0x0a]);
    api.kernel.appendLog('default', 'fromts', 1, 'build', 'stdout', out);
    api.kernel.appendLog('default', 'fromts', 1, 'build', 'stderr', Buffer.from('warn\n'));
    api.kernel.appendLog('default', 'fromts', 1, 'build', 'stdout', Buffer.from('end'));
    const logs = await gofer('taskrun', 'logs', 'fromts', '1', 'build');
    assert.equal(logs.code, 0, logs.stderr.toString());
    assert.deepEqual(logs.stdout, Buffer.concat([out, Buffer.from('end')]));
    assert.deepEqual(logs.stderr, Buffer.from('warn\n'));
  });

  it('with run start --wait, prints the final status and exits non-zero for a failed run', async () => {
    const waiting = api.kernel.waiters();
    const result = gofer('run', 'start', 'fromts', '--wait', '-o', 'json');
    await eventually(
      () =>
        (api.kernel.runMap.get('default/fromts')?.length ?? 0) === 2 &&
        api.kernel.waiters() > waiting,
      'the CLI to follow run 2',
      15_000,
    );
    const run = api.kernel.runMap.get('default/fromts')![1];
    Object.assign(run, { state: 'COMPLETE', status: 'FAILED', ended: Date.now() });
    api.kernel.emit({
      type: 'RUN_COMPLETED',
      namespace: 'default',
      pipeline: 'fromts',
      run: run.id,
      task: '',
      details: {},
    });
    const done = await result;
    assert.equal(done.code, 1, done.stderr.toString());
    assert.equal(JSON.parse(done.stdout.toString()).run.status, 'FAILED');
  });
});
