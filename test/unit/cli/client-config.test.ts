import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { resolveClientConfig } from '../../../cli/client-config.js';

describe('client config precedence', () => {
  let home: string;
  let file: string;
  before(() => {
    home = mkdtempSync(join(tmpdir(), 'gofer-cli-config-'));
    mkdirSync(join(home, '.config', 'gofer'), { recursive: true });
    file = join(home, '.config', 'gofer', 'cli.toml');
    writeFileSync(
      file,
      'address = "file:1"\nnamespace = "from-file"\ntoken = "file-token"\noutput = "json"\ntls = true\n',
    );
  });
  after(() => rmSync(home, { recursive: true, force: true }));

  it('uses the defaults when nothing is set and no file exists', () => {
    const config = resolveClientConfig({}, {}, join(home, 'nowhere'));
    assert.deepEqual(config, {
      address: '127.0.0.1:8080',
      namespace: 'default',
      token: undefined,
      output: 'table',
      tls: false,
      tlsCa: undefined,
      timeoutMs: 30000,
      file: undefined,
    });
  });

  it('reads ~/.config/gofer/cli.toml over the defaults', () => {
    const config = resolveClientConfig({}, {}, home);
    assert.equal(config.address, 'file:1');
    assert.equal(config.namespace, 'from-file');
    assert.equal(config.output, 'json');
    assert.equal(config.tls, true);
    assert.equal(config.file, file);
  });

  it('lets GOFER_CLI_* variables beat the file', () => {
    const env = {
      GOFER_CLI_ADDRESS: 'env:2',
      GOFER_CLI_NAMESPACE: 'from-env',
      GOFER_CLI_TLS: 'false',
      GOFER_CLI_OUTPUT: 'table',
    };
    const config = resolveClientConfig({}, env, home);
    assert.deepEqual(
      [config.address, config.namespace, config.tls, config.output],
      ['env:2', 'from-env', false, 'table'],
    );
  });

  it('lets flags beat the environment', () => {
    const config = resolveClientConfig(
      { address: 'flag:3', namespace: 'from-flag', output: 'table' },
      { GOFER_CLI_ADDRESS: 'env:2', GOFER_CLI_NAMESPACE: 'from-env' },
      home,
    );
    assert.deepEqual(
      [config.address, config.namespace, config.output],
      ['flag:3', 'from-flag', 'table'],
    );
  });

  it('takes the token from GOFER_API_TOKEN only when neither flag nor GOFER_CLI_TOKEN gives one', () => {
    assert.equal(resolveClientConfig({}, { GOFER_API_TOKEN: 'task' }, home).token, 'task');
    assert.equal(
      resolveClientConfig({}, { GOFER_API_TOKEN: 'task', GOFER_CLI_TOKEN: 'cli' }, home).token,
      'cli',
    );
    assert.equal(
      resolveClientConfig(
        { token: 'flag' },
        { GOFER_API_TOKEN: 'task', GOFER_CLI_TOKEN: 'cli' },
        home,
      ).token,
      'flag',
    );
    assert.equal(resolveClientConfig({}, {}, home).token, 'file-token');
  });

  it('reads the file named by --config before GOFER_CLI_CONFIG before the default', () => {
    const a = join(home, 'a.toml');
    const b = join(home, 'b.toml');
    writeFileSync(a, 'namespace = "a"\n');
    writeFileSync(b, 'namespace = "b"\n');
    assert.equal(resolveClientConfig({ config: a }, { GOFER_CLI_CONFIG: b }, home).namespace, 'a');
    assert.equal(resolveClientConfig({}, { GOFER_CLI_CONFIG: b }, home).namespace, 'b');
  });

  it('refuses a named config file that does not exist, with the fix', () => {
    assert.throws(() => resolveClientConfig({ config: join(home, 'missing.toml') }, {}, home), {
      code: 'INVALID_ARGUMENT',
      message: /missing\.toml does not exist/,
    });
  });

  it('refuses an output format it does not know, naming it', () => {
    assert.throws(() => resolveClientConfig({}, { GOFER_CLI_OUTPUT: 'yaml' }, home), {
      message: /output must be table or json, got "yaml"/,
    });
  });

  it('refuses an address without a port or with a scheme, saying what to write', () => {
    assert.throws(() => resolveClientConfig({ address: '127.0.0.1' }, {}, home), {
      message: /has no port/,
    });
    assert.throws(() => resolveClientConfig({ address: 'http://127.0.0.1:8080' }, {}, home), {
      message: /without a scheme/,
    });
  });

  it('refuses unknown keys in the config file, naming them', () => {
    const file = join(home, 'typo.toml');
    writeFileSync(file, 'adress = "127.0.0.1:9"\n');
    assert.throws(() => resolveClientConfig({ config: file }, {}, home), {
      message: /unknown keys: adress/,
    });
  });
});
