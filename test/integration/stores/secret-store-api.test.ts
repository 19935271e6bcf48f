import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import { StoreClient } from '../../../cli/store-client.js';
import { loadConfig } from '../../../kernel/config/load-config.js';
import { Kernel } from '../../../kernel/kernel.js';
import type { PipelineConfig } from '../../../sdk/config/pipeline-config.js';
import { startTestKernel, type TestKernel } from '../../support/test-kernel.js';

const printer: PipelineConfig = {
  id: 'printer',
  tasks: [
    {
      id: 'show-env',
      image: 'inprocess',
      command: ['env'],
      variables: { TOKEN: 'pipeline_secret{{deploy_token}}', SHARED: 'global_secret{{shared}}' },
    },
  ],
};

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

function secretsDb(dataDir: string): string {
  const found = filesUnder(dataDir).find((f) => f.endsWith('secrets.db'));
  assert.ok(found, 'the secret store keeps its own SQLite file in the data directory');
  return found;
}

describe('secrets over the API', () => {
  let t: TestKernel;
  let client: StoreClient;

  before(async () => {
    t = await startTestKernel({ scheduler: { engine: 'inprocess' } });
    client = new StoreClient({ address: t.kernel.address });
    await t.deploy(printer);
  });
  after(async () => {
    client.close();
    await t.stop();
  });

  it('returns metadata by default and the value only when asked; lists never hold values', async () => {
    await client.putPipelineSecret('default', 'printer', 'meta_only', Buffer.from('value-123456'));
    const plain = await client.getPipelineSecret('default', 'printer', 'meta_only');
    assert.equal(plain.info.key, 'meta_only');
    assert.ok(plain.info.created > 0);
    assert.equal(plain.value, undefined);
    const full = await client.getPipelineSecret('default', 'printer', 'meta_only', true);
    assert.equal(full.value?.toString(), 'value-123456');
    const list = await client.listPipelineSecrets('default', 'printer');
    assert.deepEqual(Object.keys(list.find((s) => s.key === 'meta_only')!).sort(), [
      'created',
      'key',
      'namespaces',
    ]);
  });

  it('refuses to overwrite without force and answers NOT_FOUND naming a missing key', async () => {
    await client.putPipelineSecret('default', 'printer', 'once', Buffer.from('first-value'));
    await assert.rejects(
      client.putPipelineSecret('default', 'printer', 'once', Buffer.from('second-value')),
      (err: Error & { code?: string; fix?: string }) =>
        err.code === 'ALREADY_EXISTS' && /--force/.test(String(err.fix)),
    );
    await client.putPipelineSecret('default', 'printer', 'once', Buffer.from('second-value'), {
      force: true,
    });
    const got = await client.getPipelineSecret('default', 'printer', 'once', true);
    assert.equal(got.value?.toString(), 'second-value');
    await assert.rejects(
      client.getPipelineSecret('default', 'printer', 'missing_one'),
      (err: Error & { code?: string }) =>
        err.code === 'NOT_FOUND' && /"missing_one"/.test(err.message),
    );
  });

  it('refuses values too short to mask, giving the rule', async () => {
    await assert.rejects(
      client.putPipelineSecret('default', 'printer', 'short', Buffer.from('abc')),
      (err: Error & { code?: string }) =>
        err.code === 'INVALID_ARGUMENT' && /at least 6 bytes/.test(err.message),
    );
  });

  it('keeps allowed namespaces on global secrets and refuses an invalid pattern', async () => {
    const info = await client.putGlobalSecret('glob_one', Buffer.from('global-value-1'), {
      namespaces: ['team-a', 'team-*'],
    });
    assert.deepEqual(info.namespaces, ['team-a', 'team-*']);
    const listed = await client.listGlobalSecrets();
    assert.deepEqual(listed.find((s) => s.key === 'glob_one')?.namespaces, ['team-a', 'team-*']);
    await assert.rejects(
      client.putGlobalSecret('glob_bad', Buffer.from('global-value-2'), { namespaces: ['team-['] }),
      { code: 'INVALID_ARGUMENT' },
    );
    await client.deleteGlobalSecret('glob_one');
    await assert.rejects(client.getGlobalSecret('glob_one'), { code: 'NOT_FOUND' });
  });

  it('keeps no plaintext, base64 or hex of a secret in any file of the data directory', async () => {
    const values = ['plain-secret-value-0xA1', 'multi-line\nsecret-value-B2\n'];
    await client.putPipelineSecret('default', 'printer', 'deploy_token', Buffer.from(values[0]));
    await client.putGlobalSecret('shared', Buffer.from(values[1]), { namespaces: ['default'] });
    for (let i = 0; i < 3; i++) {
      const { run, tasks } = await t.runToEnd('printer');
      assert.equal(run.status, 'SUCCESSFUL', tasks.get('show-env')?.statusReason.description);
    }
    const files = filesUnder(t.dataDir);
    assert.ok(
      files.some((f) => f.endsWith('secrets.db-wal')),
      'the WAL file is scanned too',
    );
    const forms = values.flatMap((v) => {
      const parts = [v, ...v.split('\n').filter((l) => l.length >= 6)];
      return parts.flatMap((p) => [
        p,
        Buffer.from(p).toString('base64').replace(/=+$/, ''),
        Buffer.from(p).toString('hex'),
      ]);
    });
    for (const file of files) {
      const bytes = readFileSync(file);
      for (const form of forms) {
        assert.equal(
          bytes.includes(Buffer.from(form)),
          false,
          `${file} holds ${JSON.stringify(form)}`,
        );
      }
    }
  });

  it('fails get when one byte of a stored ciphertext changes, or when it is moved to another key', async () => {
    await client.putPipelineSecret(
      'default',
      'printer',
      'tamper_me',
      Buffer.from('tamper-value-1'),
    );
    await client.putPipelineSecret(
      'default',
      'printer',
      'other_key',
      Buffer.from('other-value-22'),
    );
    const db = new Database(secretsDb(t.dataDir));
    try {
      const row = db.prepare("SELECT sealed FROM secrets WHERE key = 'tamper_me'").get() as {
        sealed: Buffer;
      };
      const flipped = Buffer.from(row.sealed);
      flipped[0] ^= 0x01;
      db.prepare("UPDATE secrets SET sealed = ? WHERE key = 'tamper_me'").run(flipped);
      db.prepare(
        `UPDATE secrets SET (nonce, sealed) =
           (SELECT nonce, sealed FROM secrets s WHERE s.key = 'deploy_token')
         WHERE key = 'other_key'`,
      ).run();
    } finally {
      db.close();
    }
    for (const key of ['tamper_me', 'other_key']) {
      await assert.rejects(
        client.getPipelineSecret('default', 'printer', key, true),
        (err: Error & { code?: string }) =>
          err.code === 'FAILED_PRECONDITION' && /integrity check/.test(err.message),
      );
    }
    // Metadata stays readable, so the secret can be found and put again.
    assert.equal(
      (await client.getPipelineSecret('default', 'printer', 'tamper_me')).info.key,
      'tamper_me',
    );
  });
});

describe('the secret store outside dev mode', () => {
  const start = async (key: string | undefined) => {
    const dir = mkdtempSync(join(tmpdir(), 'gofer-secret-key-'));
    const config = loadConfig({
      env: key === undefined ? {} : { GOFER_SECRET_STORE__SQLITE__ENCRYPTION_KEY: key },
      devMode: false,
      overrides: {
        data_dir: dir,
        scheduler: { engine: 'inprocess' },
        server: { address: '127.0.0.1:0' },
      },
    });
    try {
      const kernel = await Kernel.start(config, { logger: pino({ level: 'silent' }) });
      await kernel.stop();
      return undefined;
    } catch (err) {
      return err as Error;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  for (const [what, key] of [
    ['missing', undefined],
    ['short', 'abcd1234'],
    ['a known default', '0'.repeat(64)],
  ] as const) {
    it(`refuses to start with a ${what} key, saying how to set one`, async () => {
      const err = await start(key);
      assert.ok(err, 'the kernel must not start');
      assert.match(
        `${err.message} ${(err as { fix?: string }).fix ?? ''}`,
        /GOFER_SECRET_STORE__SQLITE__ENCRYPTION_KEY=\$\(openssl rand -hex 32\)/,
      );
    });
  }

  it('starts with a proper key', async () => {
    assert.equal(await start(randomBytes(32).toString('hex')), undefined);
  });
});
