import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import Docker from 'dockerode';
import {
  keyMetadata,
  loadExtensionProtocol,
  unaryCall,
} from '../../../proto/extension-protocol.js';
import { pino } from 'pino';
import { loadConfig } from '../../../kernel/config/load-config.js';
import type { Subscription } from '../../../kernel/contracts/model.js';
import {
  KERNEL_EXTENSIONS,
  type KernelExtensions,
} from '../../../kernel/extensions/kernel-extensions.js';
import { Kernel } from '../../../kernel/kernel.js';
import { skipWithoutDocker } from '../../support/docker-test-kit.js';
import { ensureProbeImage } from '../../support/extension-image.js';
import { ManualClock } from '../../support/manual-clock.js';
import { BUSYBOX_IMAGE, ensureTestImages } from '../../support/test-images.js';

const docker = new Docker({ socketPath: '/var/run/docker.sock' });
const ANCHOR_EPOCH = 1_700_000_000_000;
/** A tag on a loopback registry that nothing serves, so a missing image fails fast, locally. */
const FLAKY_IMAGE = '127.0.0.1:1/gofer-probe-flaky:1';

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await fn();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} did not happen within ${ms} ms (last error: ${String(last)})`);
}

describe('container extensions on a real kernel', { skip: skipWithoutDocker }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gofer-ext-'));
  const clock = new ManualClock(ANCHOR_EPOCH);
  let kernel: Kernel;
  let image: string;

  const start = async () => {
    const config = loadConfig({
      env: {},
      devMode: true,
      overrides: {
        data_dir: dataDir,
        log_level: 'warn',
        server: { address: '127.0.0.1:0' },
        extensions: {
          events_address: '127.0.0.1:0',
          restart_backoff: '200ms',
          ready_timeout: '20s',
          install_provided: false,
        },
      },
    });
    kernel = await Kernel.start(config, {
      logger: pino({ level: process.env.GOFER_TEST_LOG ?? 'silent' }),
      extensionClock: clock,
    });
  };
  const eventsUrl = (name: string) =>
    `http://${kernel.container.resolve<KernelExtensions>(KERNEL_EXTENSIONS).eventsAddress}/events/${name}`;
  const post = async (name: string, action: string, body: unknown = {}) => {
    const res = await fetch(eventsUrl(name), {
      method: 'POST',
      headers: { 'x-probe-action': action },
      body: JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };
  const probeState = async (name = 'probe') => {
    const { status, json } = await post(name, 'state');
    return status === 200
      ? (json as {
          subscriptions: { ref: { label: string } }[];
          ticks: number[];
          config: Record<string, string>;
        })
      : undefined;
  };
  const deploy = async (id: string) => {
    const s = kernel.services;
    const v = await s.pipelines.register('default', {
      id,
      tasks: [{ id: 'done', image: BUSYBOX_IMAGE, command: ['true'], pull_policy: 'never' }],
    } as never);
    await s.pipelines.deploy('default', id, v.version);
  };
  const key = (label: string, extension = 'probe') => ({
    namespace: 'default',
    pipeline: 'target',
    extension,
    label,
  });

  before(async () => {
    await ensureTestImages(docker);
    image = await ensureProbeImage(docker);
    await start();
    await deploy('target');
    await deploy('other');
  });

  after(async () => {
    await kernel?.stop();
    await docker
      .getImage(FLAKY_IMAGE)
      .remove()
      .catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('installs, lists, shows the documentation, disables, enables and uninstalls', async () => {
    const ext = kernel.services.extensions!;
    const installed = await ext.install({
      name: 'scratch',
      source: image,
      config: { GREETING: 'hi' },
      grants: [],
    });
    assert.equal(installed.runtime, 'container');
    assert.equal(installed.status, 'RUNNING');
    assert.deepEqual(installed.configKeys, ['greeting']);
    assert.equal(installed.info?.name, 'probe');
    assert.match(installed.info?.documentation ?? '', /Starts runs/);
    assert.deepEqual(
      installed.info?.subscriptionParams.map((p) => p.key),
      ['mode'],
    );
    assert.equal((await probeState('scratch'))?.config.greeting, 'hi');
    assert.deepEqual(
      (await ext.list()).map((e) => e.name),
      ['scratch'],
    );

    const disabled = await ext.disable('scratch');
    assert.equal(disabled.enabled, false);
    assert.equal((await post('scratch', 'state')).status, 404);
    const enabled = await ext.enable('scratch');
    assert.equal(enabled.status, 'RUNNING');

    await ext.uninstall('scratch');
    await assert.rejects(ext.get('scratch'), { code: 'NOT_FOUND' });
    assert.equal((await post('scratch', 'state')).status, 404);
  });

  it('hands the extension its refusal of bad settings back to the caller', async () => {
    await kernel.services.extensions!.install({
      name: 'probe',
      source: image,
      config: {},
      grants: [],
    });
    await assert.rejects(
      kernel.services.subscriptions!.subscribe({ ...key('bad'), settings: { MODE: 'sometimes' } }),
      (err: Error & { code?: string }) => {
        assert.equal(err.code, 'INVALID_ARGUMENT');
        assert.match(err.message, /mode "sometimes" must be "manual" or "tick"/);
        return true;
      },
    );
    assert.deepEqual(await kernel.services.subscriptions!.list({ namespace: 'default' }), []);
  });

  it('drives ticks from the kernel clock and hands over the anchor', async () => {
    const sub = await kernel.services.subscriptions!.subscribe({
      ...key('hook'),
      settings: { Mode: 'manual' },
    });
    assert.deepEqual(sub.settings, { mode: 'manual' });
    assert.equal(sub.anchorMs, ANCHOR_EPOCH);
    clock.advance(5);
    const state = await until(
      'a tick',
      async () => {
        const s = await probeState();
        return s?.ticks.includes(ANCHOR_EPOCH + 5) ? s : undefined;
      },
      10_000,
    );
    const restored = state.subscriptions.find((s) => s.ref.label === 'hook') as unknown as {
      settings: Record<string, string>;
    };
    assert.equal(restored.settings.gofer_anchor_ms, String(ANCHOR_EPOCH));
  });

  it('starts a run that records the extension as initiator and carries its variables', async () => {
    const { status, json } = await post('probe', 'start-run', {
      namespace: 'default',
      pipeline: 'target',
      label: 'hook',
      variables: { BRANCH: 'main', EMPTY: '' },
      reason: 'a push to main',
    });
    assert.equal(status, 200, JSON.stringify(json));
    const run = await kernel.services.runs.get('default', 'target', json.run as number);
    assert.deepEqual(run.initiator, {
      kind: 'EXTENSION',
      name: 'probe (hook)',
      reason: 'a push to main',
    });
    assert.deepEqual(run.variables, { BRANCH: 'main', EMPTY: '' });
  });

  it('refuses a run of a pipeline that holds no subscription to the extension', async () => {
    const { status, json } = await post('probe', 'start-run', {
      namespace: 'default',
      pipeline: 'other',
      label: 'hook',
      variables: {},
      reason: 'sneaky',
    });
    assert.equal(status, 403);
    assert.match(String(json.refused), /holds no subscription to extension probe/);
    assert.deepEqual(await kernel.services.runs.list('default', 'other'), []);
  });

  it('tells the extension when a subscribed pipeline is deleted', async () => {
    await deploy('doomed');
    await kernel.services.subscriptions!.subscribe({
      namespace: 'default',
      pipeline: 'doomed',
      extension: 'probe',
      label: 'gone',
      settings: { mode: 'manual' },
    });
    const watching = async () =>
      ((await probeState())?.subscriptions ?? []).some((s) => s.ref.label === 'gone');
    assert.equal(await watching(), true);
    await kernel.services.pipelines.delete('default', 'doomed');
    assert.equal(await watching(), false, 'the extension dropped the subscription');
    assert.deepEqual(
      await kernel.services.subscriptions!.list({ namespace: 'default', pipeline: 'doomed' }),
      [],
    );
  });

  it('passes the exact body bytes and the headers to the extension', async () => {
    const body = Buffer.from([...Array(256).keys()].map((i) => i));
    const headers = new Headers({ 'X-Custom': 'One', 'content-type': 'application/octet-stream' });
    headers.append('x-twice', 'a');
    headers.append('x-twice', 'b');
    const res = await fetch(eventsUrl('probe'), { method: 'POST', headers, body });
    assert.equal(res.status, 200);
    const echo = (await res.json()) as { headers: Record<string, string>; body: string };
    assert.equal(echo.body, body.toString('hex'));
    assert.equal(echo.headers['x-custom'], 'One');
    assert.equal(echo.headers['x-twice'], 'a, b');
    assert.equal(echo.headers['content-type'], 'application/octet-stream');

    const unknown = await fetch(eventsUrl('nobody'), { method: 'POST', body: 'x' });
    assert.equal(unknown.status, 404);
    assert.equal(((await unknown.json()) as { error: { code: string } }).error.code, 'NOT_FOUND');
  });

  it('refuses calls in either direction that do not carry the extension key', async () => {
    const [container] = await docker.listContainers({
      filters: { label: ['gofer.extension=probe'] },
    });
    const info = await docker.getContainer(container.Id).inspect();
    const env = Object.fromEntries(info.Config.Env.map((e) => e.split(/=(.*)/s).slice(0, 2)));
    const { ExtensionGuestService, ExtensionHostService } = loadExtensionProtocol();
    const insecure = grpc.credentials.createInsecure();
    const guest = new ExtensionGuestService(`127.0.0.1:${env.PORT}`, insecure);
    const hostClient = new ExtensionHostService(env.GOFER_EXTENSION_HOST_ADDRESS, insecure);
    try {
      for (const metadata of [new grpc.Metadata(), keyMetadata('not-the-key')]) {
        await assert.rejects(unaryCall(guest, 'Info', {}, metadata, 5_000), {
          code: grpc.status.UNAUTHENTICATED,
        });
        await assert.rejects(
          unaryCall(hostClient, 'StartRun', { ...key('hook'), reason: 'x' }, metadata, 5_000),
          { code: grpc.status.UNAUTHENTICATED },
        );
      }
      await unaryCall(guest, 'Info', {}, keyMetadata(env.GOFER_EXTENSION_KEY), 5_000);
    } finally {
      guest.close();
      hostClient.close();
    }
  });

  it('restarts a killed extension container and replays its subscriptions', async () => {
    const [container] = await docker.listContainers({
      filters: { label: ['gofer.extension=probe'] },
    });
    assert.ok(container, 'the probe container is running');
    await docker.getContainer(container.Id).kill();
    const state = await until('the restarted probe', async () => {
      const s = await probeState();
      const [now] = await docker.listContainers({ filters: { label: ['gofer.extension=probe'] } });
      return s && now && now.Id !== container.Id ? s : undefined;
    });
    assert.deepEqual(
      state.subscriptions.map((s) => s.ref.label),
      ['hook'],
    );
  });

  it('restores every subscription after a restart of the service', async () => {
    await kernel.stop();
    await start();
    const state = await until('the probe after restart', () => probeState());
    assert.deepEqual(
      state.subscriptions.map((s) => s.ref.label),
      ['hook'],
    );
    const [sub] = await kernel.services.subscriptions!.list({ namespace: 'default' });
    assert.equal(sub.state, 'ACTIVE');
  });

  it('marks the subscriptions of an unreachable extension ERROR while the kernel serves', async () => {
    execFileSync('docker', ['tag', image, FLAKY_IMAGE]);
    await kernel.services.extensions!.install({
      name: 'flaky',
      source: FLAKY_IMAGE,
      config: {},
      grants: [],
    });
    await kernel.services.subscriptions!.subscribe({
      ...key('flaky', 'flaky'),
      settings: { mode: 'manual' },
    });
    await kernel.stop();
    execFileSync('docker', ['rmi', FLAKY_IMAGE]);
    await start();

    const errored = await until('the ERROR state', async () => {
      const subs = await kernel.services.subscriptions!.list({ namespace: 'default' });
      const sub = subs.find((s: Subscription) => s.extension === 'flaky');
      return sub?.state === 'ERROR' ? sub : undefined;
    });
    assert.match(errored.statusReason, /extension flaky could not be started/);
    assert.equal((await kernel.services.extensions!.get('flaky')).status, 'ERROR');
    // The rest of the kernel carries on: the API answers and the healthy extension works.
    assert.ok((await kernel.services.pipelines.list('default')).length >= 2);
    assert.ok(await until('the probe', () => probeState()));
  });
});
