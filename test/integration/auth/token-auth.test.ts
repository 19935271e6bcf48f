/**
 * The token auth plugin on a real kernel over real gRPC, with its SQLite file on disk:
 * bootstrap happens once (under concurrency, across processes, after other tokens and after a
 * restart), grants match whole names, and expired, disabled and deleted tokens are refused.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GoferClient } from '../../../cli/gofer-client.js';
import { AUTH, type Auth } from '../../../kernel/contracts/auth.js';
import { PACKAGE_ROOT } from '../../../kernel/version.js';
import { startTestKernel } from '../../support/test-kernel.js';
import { realAuthConfig, startAuthFixture, type AuthFixture } from './auth-fixture.js';

const TOKEN_DIR = ['plugins', 'gofer.auth.token'];

async function refusal(call: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await call;
  } catch (err) {
    return err as { code: string; message: string };
  }
  assert.fail('the call was expected to fail');
}

describe('token auth', () => {
  let fx: AuthFixture;
  before(async () => {
    fx = await startAuthFixture();
  });
  after(async () => {
    await fx?.stop();
  });

  it('refuses a call without a token, or with an unknown one, as UNAUTHENTICATED', async () => {
    const none = await refusal(fx.client().listPipelines('team-a'));
    assert.equal(none.code, 'UNAUTHENTICATED');
    assert.match(none.message, /no token/);
    const unknown = await refusal(fx.client('gofer_not-a-real-token').systemInfo());
    assert.equal(unknown.code, 'UNAUTHENTICATED');
    assert.match(unknown.message, /not known/);
  });

  it('lets a second bootstrap fail with ALREADY_EXISTS', async () => {
    assert.equal((await refusal(fx.client().bootstrapToken())).code, 'ALREADY_EXISTS');
  });

  it('names the namespace a client token cannot reach', async () => {
    const denied = await refusal(fx.client(fx.teamA).listPipelines('team-b'));
    assert.equal(denied.code, 'PERMISSION_DENIED');
    assert.match(denied.message, /"team-b"/);
  });

  it('matches grants against whole names, and globs across them', async () => {
    const admin = fx.client(fx.management);
    await admin.createNamespace({ id: 'team-a-prod' });
    await admin.createNamespace({ id: 'other' });
    const glob = await admin.createToken({ name: 'g', kind: 'client', namespaces: ['team-*'] });
    const exact = fx.client(fx.teamA);

    assert.deepEqual(await exact.listPipelines('team-a'), []);
    assert.equal((await refusal(exact.listPipelines('team-a-prod'))).code, 'PERMISSION_DENIED');
    const byGlob = fx.client(glob.token);
    assert.deepEqual(await byGlob.listPipelines('team-a-prod'), []);
    assert.deepEqual(await byGlob.listPipelines('team-b'), []);
    assert.equal((await refusal(byGlob.listPipelines('other'))).code, 'PERMISSION_DENIED');

    const visible = (await byGlob.listNamespaces()).map((n) => n.id).sort();
    assert.deepEqual(visible, ['team-a', 'team-a-prod', 'team-b']);
  });

  it('refuses an invalid grant pattern when the token is created', async () => {
    const admin = fx.client(fx.management);
    for (const bad of ['team-[', 'a{b', 'a/b', '']) {
      const err = await refusal(
        admin.createToken({ name: 'bad', kind: 'client', namespaces: [bad] }),
      );
      assert.equal(err.code, 'INVALID_ARGUMENT', `grant ${JSON.stringify(bad)}`);
    }
  });

  it('refuses a token once it has expired', async () => {
    const admin = fx.client(fx.management);
    const expires = Date.now() + 1500;
    const made = await admin.createToken({
      name: 'short',
      kind: 'client',
      namespaces: ['team-a'],
      expires,
    });
    const client = fx.client(made.token);
    assert.equal((await client.whoami()).principal.name, 'short');
    const deadline = Date.now() + 10_000;
    while (Date.now() <= expires) {
      assert.ok(Date.now() < deadline, 'the expiry did not pass in time');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const err = await refusal(client.whoami());
    assert.equal(err.code, 'UNAUTHENTICATED');
    assert.match(err.message, /expired/);
  });

  it('refuses a disabled token until it is enabled, and a deleted one for good', async () => {
    const admin = fx.client(fx.management);
    const made = await admin.createToken({ name: 'd', kind: 'client', namespaces: ['team-a'] });
    const client = fx.client(made.token);
    await admin.disableToken(made.info.id);
    const disabled = await refusal(client.listPipelines('team-a'));
    assert.equal(disabled.code, 'UNAUTHENTICATED');
    assert.match(disabled.message, /disabled/);
    await admin.enableToken(made.info.id);
    assert.deepEqual(await client.listPipelines('team-a'), []);
    await admin.deleteToken(made.info.id);
    assert.equal((await refusal(client.listPipelines('team-a'))).code, 'UNAUTHENTICATED');
    assert.equal((await refusal(admin.getToken(made.info.id))).code, 'NOT_FOUND');
  });

  it('records the run initiator from the token, not from the request', async () => {
    await fx.kernel.deploy(
      { id: 'hello', tasks: [{ id: 'say', image: 'inprocess', command: ['echo', 'hi'] }] },
      'team-a',
    );
    const run = await fx.client(fx.teamA).startRun('team-a', 'hello', {}, 'because');
    assert.deepEqual(run.initiator, { kind: 'HUMAN', name: 'a', reason: 'because' });
    await fx.kernel.waitForRun('hello', run.id, 'team-a', 30_000);
  });

  it('keeps only hashes: no file of the token database holds a plain token', async () => {
    const admin = fx.client(fx.management);
    const made = await admin.createToken({ name: 'h', kind: 'client', namespaces: ['team-a'] });
    const dir = join(fx.kernel.dataDir, ...TOKEN_DIR);
    const files = readdirSync(dir).map((name) => readFileSync(join(dir, name)));
    assert.ok(files.length >= 2, 'the database and its WAL were found');
    for (const token of [fx.management, fx.teamA, fx.teamB, made.token]) {
      const secret = token.slice('gofer_'.length);
      for (const bytes of files) {
        assert.equal(bytes.includes(token), false);
        assert.equal(bytes.includes(secret), false);
      }
    }
  });
});

describe('bootstrap', () => {
  it('succeeds exactly once among many parallel calls on separate connections', async () => {
    const kernel = await startTestKernel(realAuthConfig());
    const clients = Array.from(
      { length: 12 },
      () => new GoferClient({ address: kernel.kernel.address, timeoutMs: 10_000 }),
    );
    try {
      const results = await Promise.allSettled(clients.map((c) => c.bootstrapToken()));
      const won = results.filter((r) => r.status === 'fulfilled');
      assert.equal(won.length, 1);
      for (const r of results.filter((r) => r.status === 'rejected')) {
        assert.equal((r.reason as { code: string }).code, 'ALREADY_EXISTS');
      }
    } finally {
      for (const c of clients) c.close();
      await kernel.stop();
    }
  });

  it('succeeds exactly once among processes opening the same token file at once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gofer-bootstrap-'));
    const entry = join(PACKAGE_ROOT, 'dist', 'plugins', 'token-auth', 'index.js');
    const script = `
      const { default: create } = await import(${JSON.stringify(entry)});
      const quiet = { debug() {}, info() {}, warn() {}, error() {}, child() { return quiet; } };
      const auth = await create({ config: {}, dataDir: ${JSON.stringify(dir)}, logger: quiet,
        kernelVersion: '0.1.0', devMode: false, contracts: {} });
      const outcome = await auth.tokens.bootstrap().then(() => 'won', (e) => e.code);
      await auth.close();
      console.log(outcome);`;
    try {
      const outcomes = await Promise.all(Array.from({ length: 6 }, () => runNode(script)));
      assert.equal(outcomes.filter((o) => o === 'won').length, 1, outcomes.join(', '));
      assert.equal(outcomes.filter((o) => o === 'ALREADY_EXISTS').length, 5);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('works after other tokens exist and refuses again after a restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'gofer-bootstrap-restart-'));
    try {
      let kernel = await startTestKernel(realAuthConfig(), dataDir);
      // Run and extension tokens are made by the kernel itself; they do not count.
      const tokens = kernel.kernel.container.resolve<Auth>(AUTH).tokens!;
      await tokens.create({ name: 'run/x/y/1', kind: 'client', namespaces: ['x'] });
      await tokens.create({ name: 'ext', kind: 'extension', namespaces: ['*'] });
      let client = new GoferClient({ address: kernel.kernel.address, timeoutMs: 10_000 });
      const first = await client.bootstrapToken();
      client.close();
      await kernel.stop();

      kernel = await startTestKernel(realAuthConfig(), dataDir);
      client = new GoferClient({ address: kernel.kernel.address, timeoutMs: 10_000 });
      assert.equal((await refusal(client.bootstrapToken())).code, 'ALREADY_EXISTS');
      client.close();
      const admin = new GoferClient({
        address: kernel.kernel.address,
        token: first.token,
        timeoutMs: 10_000,
      });
      const me = await admin.whoami();
      assert.equal(me.principal.kind, 'management');
      assert.equal(me.token?.bootstrap, true);
      admin.close();
      await kernel.stop();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('run tokens left over', () => {
  it('are revoked at the next start when their run is over', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'gofer-run-token-'));
    try {
      let kernel = await startTestKernel(realAuthConfig(), dataDir);
      const tokens = () => kernel.kernel.container.resolve<Auth>(AUTH).tokens!;
      // As a crash would leave it: the token of a run that is no longer in flight.
      await tokens().create({
        name: 'run/default/gone/7',
        kind: 'client',
        namespaces: ['default'],
        metadata: { 'gofer.run': 'default/gone/7' },
      });
      const kept = await tokens().create({ name: 'k', kind: 'client', namespaces: ['default'] });
      await kernel.stop();

      kernel = await startTestKernel(realAuthConfig(), dataDir);
      assert.deepEqual(
        (await tokens().list()).map((t) => t.id),
        [kept.info.id],
      );
      await kernel.stop();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

function runNode(script: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('exit', () => {
      clearTimeout(timer);
      resolve(out.trim());
    });
  });
}
