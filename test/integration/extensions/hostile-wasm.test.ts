/**
 * Hostile WASM extensions through the real kernel: one that loops forever, one that traps, one
 * that grows memory without bound, and one that reaches for files, the environment and the
 * network. Each is contained (restarted with backoff, its subscriptions replayed) while the
 * kernel keeps answering gRPC calls within a 1 s deadline. No container engine is involved.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { GoferClient } from '../../../cli/gofer-client.js';
import { loadConfig } from '../../../kernel/config/load-config.js';
import {
  KERNEL_EXTENSIONS,
  type KernelExtensions,
} from '../../../kernel/extensions/kernel-extensions.js';
import { Kernel } from '../../../kernel/kernel.js';
import { nativeComponent, witWithWasi } from '../../support/native-extensions.js';

const GUESTS = 'test/integration/extensions/guests';
const MEMORY_LIMIT_MB = 64;
const WASI_GRANTS = ['wasi:cli/environment', 'wasi:filesystem', 'wasi:sockets', 'wasi:*'];

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await fn().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('hostile wasm extensions on a real kernel', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gofer-hostile-'));
  const logLines: string[] = [];
  let kernel: Kernel;
  let api: GoferClient;
  let hostile: string;
  let wasiHostile: string;

  const s = () => kernel.services;
  const eventsUrl = (name: string) =>
    `http://${kernel.container.resolve<KernelExtensions>(KERNEL_EXTENSIONS).eventsAddress}/events/${name}`;
  const send = async (name: string, command: string) => {
    const res = await fetch(eventsUrl(name), { method: 'POST', body: command });
    return { status: res.status, text: await res.text() };
  };

  /** Installs the hostile guest under `name` with two subscriptions, and checks it answers. */
  const installHostile = async (name: string) => {
    const view = await s().extensions!.install({ name, source: hostile, config: {}, grants: [] });
    assert.equal(view.status, 'RUNNING', view.statusReason);
    for (const label of ['a', 'b']) {
      await s().subscriptions!.subscribe({
        namespace: 'default',
        pipeline: 'target',
        extension: name,
        label,
        settings: {},
      });
    }
    assert.deepEqual(await send(name, 'count'), { status: 200, text: '1' });
    assert.deepEqual(await send(name, 'state'), { status: 200, text: 'subs=a,b' });
  };

  /**
   * Sends `command` and, while the guest misbehaves, calls GetSystemInfo over gRPC with a 1 s
   * deadline until the event call comes back; every one must answer.
   */
  const misbehaveWhileServing = async (name: string, command: string) => {
    let done = false;
    const event = send(name, command).finally(() => (done = true));
    let answered = 0;
    do {
      const info = await api.systemInfo();
      assert.ok(info.version, 'GetSystemInfo answered');
      answered++;
    } while (!done);
    return { response: await event, answered };
  };

  /** A fresh instance (its counter starts again) that was handed its subscriptions back. */
  const assertRestartedWithSubscriptions = async (name: string, reason: RegExp) => {
    await until(`${name} running again`, async () => {
      const res = await send(name, 'count');
      return res.status === 200 && res.text === '1' ? res : undefined;
    });
    assert.deepEqual(await send(name, 'state'), { status: 200, text: 'subs=a,b' });
    const failure = logLines.find((l) => l.includes('"extension failed"') && l.includes(name));
    assert.ok(failure, `the failure of ${name} was logged`);
    assert.match(failure, reason);
    const subs = await s().subscriptions!.list({ namespace: 'default' });
    assert.deepEqual(
      subs.filter((sub) => sub.extension === name).map((sub) => [sub.label, sub.state]),
      [
        ['a', 'ACTIVE'],
        ['b', 'ACTIVE'],
      ],
    );
  };

  before(async () => {
    hostile = nativeComponent(`${GUESTS}/hostile.c`, 'hostile');
    const wit = witWithWasi(`${GUESTS}/wasi-hostile.wit`, 'wasi-hostile');
    wasiHostile = nativeComponent(`${GUESTS}/wasi-hostile.c`, 'wasi-hostile', [
      '--wit',
      wit,
      '--world',
      'wasi-hostile',
    ]);
    const config = loadConfig({
      env: {},
      devMode: true,
      overrides: {
        data_dir: dataDir,
        log_level: 'debug',
        server: { address: '127.0.0.1:0' },
        scheduler: { engine: 'inprocess' },
        extensions: {
          events_address: '127.0.0.1:0',
          call_timeout: '1s',
          restart_backoff: '200ms',
          memory_limit_mb: MEMORY_LIMIT_MB,
          install_provided: false,
        },
      } as never,
    });
    const logger = pino({ level: 'debug' }, { write: (line: string) => logLines.push(line) });
    kernel = await Kernel.start(config, { logger });
    api = new GoferClient({ address: kernel.address, timeoutMs: 1_000 });
    const v = await s().pipelines.register('default', {
      id: 'target',
      tasks: [{ id: 'done', image: 'inprocess', command: ['echo', 'done'] }],
    } as never);
    await s().pipelines.deploy('default', 'target', v.version);
  });

  after(async () => {
    api?.close();
    await kernel?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('stops one that loops forever at the deadline and restarts it', async () => {
    await installHostile('spinner');
    const { response, answered } = await misbehaveWhileServing('spinner', 'spin');
    assert.notEqual(response.status, 200);
    assert.match(response.text, /did not return within/);
    assert.ok(answered >= 2, `GetSystemInfo answered ${answered} times during the spin`);
    await assertRestartedWithSubscriptions('spinner', /deadline of 1000 ms/);
  });

  it('replaces one that traps', async () => {
    await installHostile('trapper');
    const { response } = await misbehaveWhileServing('trapper', 'trap');
    assert.notEqual(response.status, 200);
    await assertRestartedWithSubscriptions('trapper', /unreachable|trap/i);
  });

  it('caps one that grows its memory without bound, and replaces it', async () => {
    await installHostile('grower');
    const rssBefore = process.memoryUsage().rss;
    const { response } = await misbehaveWhileServing('grower', 'grow');
    assert.notEqual(response.status, 200);
    const grownMb = (process.memoryUsage().rss - rssBefore) / 2 ** 20;
    assert.ok(grownMb < 4 * MEMORY_LIMIT_MB, `the process grew by ${grownMb.toFixed(0)} MiB`);
    await assertRestartedWithSubscriptions('grower', /unreachable|trap/i);
  });

  it('refuses at install one that imports files, the environment and sockets', async () => {
    await assert.rejects(
      s().extensions!.install({ name: 'snoop', source: wasiHostile, config: {}, grants: [] }),
      (err: Error & { code?: string }) => {
        assert.equal(err.code, 'PERMISSION_DENIED');
        for (const iface of [
          'wasi:cli/environment',
          'wasi:filesystem/preopens',
          'wasi:sockets/tcp-create-socket',
        ]) {
          assert.match(err.message, new RegExp(`imports ${iface}`));
        }
        assert.match(err.message, /--grant wasi:filesystem/);
        return true;
      },
    );
    await assert.rejects(s().extensions!.get('snoop'), { code: 'NOT_FOUND' });
  });

  it('gives one granted WASI an empty environment, no directories and no sockets', async () => {
    assert.ok(process.env.PATH, 'the kernel itself has an environment');
    const view = await s().extensions!.install({
      name: 'snoop',
      source: wasiHostile,
      config: {},
      grants: WASI_GRANTS,
    });
    assert.equal(view.status, 'RUNNING', view.statusReason);
    const report = await send('snoop', 'report');
    assert.equal(report.status, 200, report.text);
    // wasi:sockets error-code 1 is access-denied.
    assert.match(report.text, /^environment=0 directories=0 socket=refused at \w+: error-code 1$/);
  });
});
