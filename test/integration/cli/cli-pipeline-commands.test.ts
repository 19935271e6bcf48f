import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Pipeline, PipelineConfigVersion } from '../../../kernel/contracts/model.js';
import { type CliService, startCliService, task } from './cli-service.js';

// `gofer pipeline ...` and `gofer up` against a real service with the in-process scheduler.

describe('the pipeline commands against a real service', () => {
  let s: CliService;
  const config = (id: string, message = 'hello') => ({
    id,
    tasks: [task('greet', ['echo', message])],
  });
  const file = (name: string, text: string) => {
    const path = join(s.home, name);
    writeFileSync(path, text);
    return path;
  };

  before(async () => {
    s = await startCliService();
  });
  after(() => s.stop());

  it('registers a .json config, says how to deploy it, and leaves it unreleased', async () => {
    const path = file('plain.json', JSON.stringify(config('plain')));
    const table = await s.cli.run(['pipeline', 'register', path]);
    assert.equal(table.code, 0, table.stderr.toString());
    assert.equal(
      table.stdout.toString(),
      'registered plain version 1; deploy it with `gofer pipeline deploy plain 1`\n',
    );

    const again = await s.cli.json<PipelineConfigVersion>(['pipeline', 'register', path]);
    assert.equal(again.version, 2);
    assert.equal(again.state, 'UNRELEASED');
    assert.deepEqual(again.config, config('plain'));
  });

  it('registers the config a .mjs program prints, showing its stderr only when it fails', async () => {
    const program = file(
      'program.mjs',
      `console.error('building');\nconsole.log(JSON.stringify(${JSON.stringify(config('fromjs'))}));\n`,
    );
    const ok = await s.cli.run(['pipeline', 'register', program]);
    assert.equal(ok.code, 0, ok.stderr.toString());
    assert.equal(ok.stderr.toString(), '');
    assert.match(ok.stdout.toString(), /^registered fromjs version 1;/);

    const broken = file('broken.mjs', `console.error('no tasks here');\nprocess.exit(3);\n`);
    const bad = await s.cli.run(['pipeline', 'register', broken]);
    assert.equal(bad.code, 1);
    assert.equal(
      bad.stderr.toString(),
      `gofer pipeline register: ${broken} exited with code 3; its stderr ends:\nno tasks here\n` +
        '  fix: fix the pipeline program; run it with node yourself to see all of its output\n',
    );
    assert.equal(bad.stdout.length, 0);
  });

  it('up runs a .ts program with tsx, registers it and deploys the new version', async () => {
    const program = file(
      'program.ts',
      `const id: string = 'fromts';\nconsole.log(JSON.stringify({ id, tasks: [{ id: 'greet', image: 'inprocess', command: ['echo', 'hello'] }] }));\n`,
    );
    const up = await s.cli.run(['up', program]);
    assert.equal(up.code, 0, up.stderr.toString());
    assert.equal(
      up.stdout.toString(),
      'fromts version 1 is live; start it with `gofer run start fromts`\n',
    );
    const second = await s.cli.json<PipelineConfigVersion>(['up', program]);
    assert.deepEqual([second.version, second.state], [2, 'LIVE']);

    const pipeline = await s.cli.json<Pipeline>(['pipeline', 'get', 'fromts']);
    assert.equal(pipeline.liveVersion, 2);
    assert.equal(pipeline.state, 'ACTIVE');
  });

  it('lists the pipelines of the namespace as a table and as JSON', async () => {
    const list = await s.cli.json<Pipeline[]>(['pipeline', 'list']);
    assert.deepEqual(list.map((p) => p.id).sort(), ['fromjs', 'fromts', 'plain']);
    assert.ok(list.every((p) => p.namespace === 'default'));

    const table = await s.cli.run(['pipeline', 'list']);
    assert.equal(table.code, 0, table.stderr.toString());
    for (const id of ['fromjs', 'fromts', 'plain'])
      assert.match(table.stdout.toString(), new RegExp(id));

    const limited = await s.cli.json<Pipeline[]>(['pipeline', 'list', '--limit', '1']);
    assert.equal(limited.length, 1);
  });

  it('deploys an older version, and config list shows which version is live', async () => {
    const deployed = await s.cli.run(['pipeline', 'deploy', 'fromts', '1']);
    assert.equal(deployed.code, 0, deployed.stderr.toString());
    assert.equal(deployed.stdout.toString(), 'fromts version 1 is live\n');

    const versions = await s.cli.json<PipelineConfigVersion[]>([
      'pipeline',
      'config',
      'list',
      'fromts',
    ]);
    const states = Object.fromEntries(versions.map((v) => [v.version, v.state]));
    assert.equal(states[1], 'LIVE');
    assert.notEqual(states[2], 'LIVE');
    assert.equal((await s.cli.json<Pipeline>(['pipeline', 'get', 'fromts'])).liveVersion, 1);

    const table = await s.cli.run(['pipeline', 'config', 'list', 'fromts']);
    assert.match(table.stdout.toString(), /LIVE/);
  });

  it('config get prints the live config by default and any version by number, unchanged', async () => {
    const exact = {
      id: 'exact',
      parallelism: 0,
      tasks: [
        task('first', ['echo', 'a'], { entrypoint: [], retries: 0, inject_api_token: false }),
        task('second', ['echo', 'b'], { depends_on: { first: 'FAILURE' }, variables: { X: '' } }),
      ],
    };
    const path = file('exact.json', JSON.stringify(exact));
    for (const args of [
      ['up', path],
      ['pipeline', 'register', path],
    ]) {
      const result = await s.cli.run(args);
      assert.equal(result.code, 0, result.stderr.toString());
    }

    const live = await s.cli.run(['pipeline', 'config', 'get', 'exact']);
    assert.equal(live.code, 0, live.stderr.toString());
    assert.deepEqual(JSON.parse(live.stdout.toString()), exact, 'the table form is the config');

    const second = await s.cli.json<PipelineConfigVersion>([
      'pipeline',
      'config',
      'get',
      'exact',
      '2',
    ]);
    assert.equal(second.version, 2);
    assert.equal(second.state, 'UNRELEASED');
    assert.deepEqual(second.config, exact);
  });

  it('disable refuses new runs with the fix, and enable lets them start again', async () => {
    const disabled = await s.cli.json<Pipeline>(['pipeline', 'disable', 'fromts']);
    assert.equal(disabled.state, 'DISABLED');

    const refused = await s.cli.run(['run', 'start', 'fromts']);
    assert.equal(refused.code, 1);
    assert.equal(
      refused.stderr.toString(),
      'gofer run start: pipeline "fromts" is disabled\n  fix: run `gofer pipeline enable fromts`\n',
    );

    const enabled = await s.cli.run(['pipeline', 'enable', 'fromts']);
    assert.equal(enabled.code, 0, enabled.stderr.toString());
    assert.equal(enabled.stdout.toString(), 'fromts is ACTIVE\n');
    assert.equal((await s.cli.run(['run', 'start', 'fromts'])).code, 0);
  });

  it('refuses to start a pipeline that has no live version, saying how to deploy one', async () => {
    const refused = await s.cli.run(['run', 'start', 'plain']);
    assert.equal(refused.code, 1);
    assert.equal(
      refused.stderr.toString(),
      'gofer run start: pipeline "plain" has no live config version\n' +
        '  fix: deploy one with `gofer pipeline deploy plain <version>`, or register with `gofer up`\n',
    );
  });

  it('refuses a version that is not a number before calling the service', async () => {
    const bad = await s.cli.run(['pipeline', 'deploy', 'plain', 'latest']);
    assert.equal(bad.code, 1);
    assert.equal(
      bad.stderr.toString(),
      'gofer pipeline deploy: version must be a positive whole number, got "latest"\n' +
        '  fix: pass the version as a number, e.g. 1\n',
    );
  });

  it('deletes a pipeline, after which get reports it missing', async () => {
    const deleted = await s.cli.json<{ deleted: string }>(['pipeline', 'delete', 'fromjs']);
    assert.deepEqual(deleted, { deleted: 'fromjs' });

    const missing = await s.cli.run(['pipeline', 'get', 'fromjs']);
    assert.equal(missing.code, 1);
    assert.match(
      missing.stderr.toString(),
      /^gofer pipeline get: pipeline "fromjs" in namespace "default" not found\n/,
    );
    const list = await s.cli.json<Pipeline[]>(['pipeline', 'list']);
    assert.ok(!list.some((p) => p.id === 'fromjs'));
  });
});
