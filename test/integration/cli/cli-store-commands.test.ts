import assert from 'node:assert/strict';
import { mkdirSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Run } from '../../../kernel/contracts/model.js';
import { MAX_MESSAGE_BYTES } from '../../../kernel/api/api-server.js';
import { type CliService, startCliService, task } from './cli-service.js';

// `gofer ... store put` and `secret ... put` with values from files, and `run get` once
// retention has reached a run, against a real service that keeps logs and objects of one run.

describe('the store commands against a real service', () => {
  let s: CliService;
  const path = (name: string) => join(s.home, name);

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

  async function runToEnd(pipeline: string): Promise<Run> {
    const started = await s.cli.json<Run>(['run', 'start', pipeline]);
    return until(async () => {
      const { run } = await s.cli.json<{ run: Run }>(['run', 'get', pipeline, String(started.id)]);
      return run.state === 'COMPLETE' ? run : undefined;
    }, `${pipeline} run ${started.id} to complete`);
  }

  before(async () => {
    s = await startCliService({
      GOFER_RUNS__LOG_RETENTION_RUNS: '1',
      GOFER_OBJECT_STORE__RUN_OBJECT_EXPIRY: '1',
    });
    for (const id of ['kept', 'files']) {
      writeFileSync(
        path(`${id}.json`),
        JSON.stringify({ id, tasks: [task('greet', ['echo', 'hi'])] }),
      );
      const up = await s.cli.run(['up', path(`${id}.json`)]);
      assert.equal(up.code, 0, up.stderr.toString());
    }
    // Its one run is never past retention, so run objects can be put on it.
    await runToEnd('files');
    writeFileSync(path('one.txt'), 'x');
    writeFileSync(path('six.txt'), 'secret');
    mkdirSync(path('folder'));
    writeFileSync(path('big.bin'), '');
    truncateSync(path('big.bin'), MAX_MESSAGE_BYTES); // sparse, so it costs no disk
  });
  after(() => s.stop());

  it('says "1 byte" for a one-byte value and "N bytes" otherwise, in put and list', async () => {
    const one = await s.cli.run(['pipeline', 'store', 'put', 'kept', `a=@${path('one.txt')}`]);
    assert.equal(one.code, 0, one.stderr.toString());
    assert.equal(one.stdout.toString(), 'stored a (1 byte)\n');
    const two = await s.cli.run(['pipeline', 'store', 'put', 'kept', 'b=xy']);
    assert.equal(two.stdout.toString(), 'stored b (2 bytes)\n');

    const list = (await s.cli.run(['pipeline', 'store', 'list', 'kept'])).stdout.toString();
    assert.match(list, /│ a +│ 1 byte +│/);
    assert.match(list, /│ b +│ 2 bytes +│/);
  });

  for (const [command, args] of [
    ['pipeline store put', ['pipeline', 'store', 'put', 'files']],
    ['run store put', ['run', 'store', 'put', 'files', '1']],
    ['secret pipeline put', ['secret', 'pipeline', 'put', 'files']],
    ['secret global put', ['secret', 'global', 'put']],
  ] as const) {
    it(`gofer ${command} names a missing file, a folder or an oversized file, and stores nothing`, async () => {
      const missing = path('nope.txt');
      const cases: [string, string][] = [
        [
          missing,
          `gofer ${command}: file ${missing} does not exist\n` +
            `  fix: check the path after @; a relative one is read from ${process.cwd()}\n`,
        ],
        [
          path('folder'),
          `gofer ${command}: ${path('folder')} is a directory, not a file\n` +
            '  fix: give a file after @\n',
        ],
        [
          path('big.bin'),
          `gofer ${command}: file ${path('big.bin')} is ${MAX_MESSAGE_BYTES} bytes (64.0 MiB), ` +
            `more than the ${MAX_MESSAGE_BYTES - 65536} bytes (63.9 MiB) one value may hold\n` +
            '  fix: store a smaller value, or split it across several keys\n',
        ],
      ];
      for (const [file, stderr] of cases) {
        const result = await s.cli.run([...args, `bad=@${file}`]);
        assert.equal(result.code, 1);
        assert.equal(result.stderr.toString(), stderr);
        assert.equal(result.stdout.length, 0);
      }
      // The same command with a good file works, so the failures above were the files'.
      const good = await s.cli.run([...args, `good=@${path('six.txt')}`, '--force']);
      assert.equal(good.code, 0, good.stderr.toString());
    });
  }

  it('shows in the run table that retention removed the logs and objects of an older run', async () => {
    const first = await runToEnd('kept');
    const put = await s.cli.run(['run', 'store', 'put', 'kept', String(first.id), 'r=1']);
    assert.equal(put.code, 0, put.stderr.toString());
    const fresh = (await s.cli.run(['run', 'get', 'kept', String(first.id)])).stdout.toString();
    assert.match(fresh, /│ logs +│ kept +│/);
    assert.match(fresh, /│ objects +│ kept +│/);

    await runToEnd('kept');
    // Retention runs just after a run completes; give it a bounded moment.
    await until(async () => {
      const { run } = await s.cli.json<{ run: Run }>(['run', 'get', 'kept', String(first.id)]);
      return run.objectsExpired && run.logsExpired ? run : undefined;
    }, `run ${first.id} to expire`);
    const table = await s.cli.run(['run', 'get', 'kept', String(first.id)]);
    assert.equal(table.code, 0, table.stderr.toString());
    assert.match(table.stdout.toString(), /│ logs +│ expired +│/);
    assert.match(table.stdout.toString(), /│ objects +│ expired +│/);
  });
});
