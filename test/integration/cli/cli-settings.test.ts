import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Pipeline, Run } from '../../../kernel/contracts/model.js';
import { type CliService, startCliService, task } from './cli-service.js';

// Where the CLI takes its settings from, end to end: flag over GOFER_CLI_* over the config file,
// GOFER_API_TOKEN when no flag or GOFER_CLI_TOKEN gives a token. Each namespace holds a pipeline
// named after it and each test token has its own name, so the service's answer shows which
// setting won.

describe('the CLI settings, against a real service', () => {
  let s: CliService;
  let fileConfig: string;
  let otherConfig: string;
  const noAddressOrToken = { GOFER_CLI_ADDRESS: undefined, GOFER_CLI_TOKEN: undefined };

  const toml = (name: string, settings: Record<string, string>) => {
    const path = join(s.home, name);
    writeFileSync(
      path,
      Object.entries(settings)
        .map(([key, value]) => `${key} = ${JSON.stringify(value)}\n`)
        .join(''),
    );
    return path;
  };
  const pipelinesOf = async (args: string[], env: Record<string, string | undefined>) =>
    (await s.cli.json<Pipeline[]>(['pipeline', 'list', ...args], env)).map((p) => p.id);
  const initiatorOf = async (args: string[], env: Record<string, string | undefined>) =>
    (await s.cli.json<Run>(['run', 'start', 'default-only', '-n', 'default', ...args], env))
      .initiator.name;

  before(async () => {
    s = await startCliService();
    for (const ns of ['from-home', 'from-env', 'from-flag', 'from-file']) {
      assert.equal((await s.cli.run(['namespace', 'create', ns])).code, 0);
      const path = join(s.home, `${ns}.json`);
      writeFileSync(path, JSON.stringify({ id: `in-${ns}`, tasks: [task('greet', ['echo'])] }));
      assert.equal((await s.cli.run(['up', path, '-n', ns])).code, 0);
    }
    const path = join(s.home, 'default-only.json');
    writeFileSync(path, JSON.stringify({ id: 'default-only', tasks: [task('greet', ['echo'])] }));
    assert.equal((await s.cli.run(['up', path])).code, 0);

    mkdirSync(join(s.home, '.config', 'gofer'), { recursive: true });
    toml('.config/gofer/cli.toml', { namespace: 'from-home' });
    fileConfig = toml('named.toml', {
      address: s.service.address,
      namespace: 'from-file',
      token: 'ext',
    });
    otherConfig = toml('other.toml', { namespace: 'from-flag' });
  });
  after(() => s.stop());

  it('reads ~/.config/gofer/cli.toml when no other config file is named', async () => {
    assert.deepEqual(await pipelinesOf([], {}), ['in-from-home']);
  });

  it('reads the file GOFER_CLI_CONFIG names instead, and the one --config names over both', async () => {
    const env = { ...noAddressOrToken, GOFER_CLI_CONFIG: fileConfig };
    assert.deepEqual(await pipelinesOf([], env), ['in-from-file']);
    assert.deepEqual(await pipelinesOf(['--config', otherConfig], {}), ['in-from-flag']);
  });

  it('takes the address and token from the file when nothing else gives them', async () => {
    const env = { ...noAddressOrToken, GOFER_CLI_CONFIG: fileConfig };
    assert.equal(await initiatorOf([], env), 'cron');
  });

  it('lets GOFER_CLI_* beat the file, and a flag beat GOFER_CLI_*', async () => {
    const env = { GOFER_CLI_CONFIG: fileConfig, GOFER_CLI_NAMESPACE: 'from-env' };
    assert.deepEqual(await pipelinesOf([], env), ['in-from-env']);
    assert.deepEqual(await pipelinesOf(['-n', 'from-flag'], env), ['in-from-flag']);

    const tokens = { GOFER_CLI_CONFIG: fileConfig, GOFER_CLI_TOKEN: 'client' };
    assert.equal(await initiatorOf([], tokens), 'ci-bot');
    assert.equal(await initiatorOf(['--token', 'mgmt'], tokens), 'admin');
  });

  it('uses GOFER_API_TOKEN only when neither --token nor GOFER_CLI_TOKEN gives a token', async () => {
    const env = { GOFER_CLI_TOKEN: undefined, GOFER_API_TOKEN: 'ext' };
    assert.equal(await initiatorOf([], env), 'cron');
    assert.equal(await initiatorOf([], { ...env, GOFER_CLI_TOKEN: 'client' }), 'ci-bot');
    assert.equal(await initiatorOf(['-t', 'mgmt'], env), 'admin');
  });

  it('sends no token when none is set, which a service that checks tokens refuses', async () => {
    const refused = await s.cli.run(['pipeline', 'list'], { GOFER_CLI_TOKEN: undefined });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr.toString(), /^gofer pipeline list: no token given/);
  });

  it('prints what the output setting asks for, with the same precedence', async () => {
    const jsonFile = toml('json.toml', { output: 'json', namespace: 'from-file' });
    const fromFile = await s.cli.run(['pipeline', 'list', '--config', jsonFile]);
    assert.equal(JSON.parse(fromFile.stdout.toString())[0].id, 'in-from-file');

    const table = await s.cli.run(['pipeline', 'list', '--config', jsonFile], {
      GOFER_CLI_OUTPUT: 'table',
    });
    assert.throws(() => JSON.parse(table.stdout.toString()));
    assert.match(table.stdout.toString(), /in-from-file/);

    const flag = await s.cli.run(['pipeline', 'list', '--config', jsonFile, '-o', 'json'], {
      GOFER_CLI_OUTPUT: 'table',
    });
    assert.equal(JSON.parse(flag.stdout.toString())[0].id, 'in-from-file');
  });

  it('lets an --address flag beat a wrong GOFER_CLI_ADDRESS, and fails on the wrong one alone', async () => {
    const wrong = { GOFER_CLI_ADDRESS: '127.0.0.1:1' };
    assert.deepEqual(await pipelinesOf(['-a', s.service.address, '-n', 'from-env'], wrong), [
      'in-from-env',
    ]);
    const failed = await s.cli.run(['pipeline', 'list', '--timeout', '2'], wrong);
    assert.equal(failed.code, 1);
    assert.match(failed.stderr.toString(), /^gofer pipeline list: /);
  });

  it('refuses a config file that --config names but that does not exist, with the fix', async () => {
    const missing = join(s.home, 'missing.toml');
    const result = await s.cli.run(['pipeline', 'list', '--config', missing]);
    assert.equal(result.code, 1);
    assert.equal(
      result.stderr.toString(),
      `gofer pipeline list: the CLI config file ${missing} does not exist\n` +
        '  fix: fix --config or GOFER_CLI_CONFIG, or create the file\n',
    );
  });
});
