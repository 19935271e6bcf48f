/**
 * One conformance suite for every build of the example interval extension: TypeScript as a
 * WASM component, TypeScript as a container image, C as WASM and Rust as WASM. Each build runs
 * on its own real kernel (SQLite file, real runtime, real runs) with a clock the test moves, and
 * meets the same assertions. The builds are made here, cached by content hash.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Docker from 'dockerode';
import { pino } from 'pino';
import { loadConfig } from '../../../kernel/config/load-config.js';
import type { ExtensionInstance } from '../../../kernel/contracts/extension.js';
import type { Run } from '../../../kernel/contracts/model.js';
import {
  KERNEL_EXTENSIONS,
  type KernelExtensions,
} from '../../../kernel/extensions/kernel-extensions.js';
import { Kernel } from '../../../kernel/kernel.js';
import { skipWithoutDocker } from '../../support/docker-test-kit.js';
import { ensureExtensionImage } from '../../support/extension-image.js';
import {
  SteppingClock,
  cIntervalComponent,
  rustIntervalComponent,
} from '../../support/native-extensions.js';
import { BUSYBOX_IMAGE, ensureTestImages } from '../../support/test-images.js';
import { REPO_ROOT, intervalComponent, within } from '../../support/wasm-test-kit.js';

const ANCHOR = 1_700_000_000_000;
const INTERVAL_IMAGE = 'local/gofer-interval-extension:1';
const docker = new Docker({ socketPath: '/var/run/docker.sock' });

interface Build {
  name: string;
  engine: 'docker' | 'inprocess';
  skip?: string | false;
  source(): Promise<string>;
}

const builds: Build[] = [
  { name: 'TypeScript as WASM', engine: 'inprocess', source: async () => intervalComponent() },
  {
    name: 'TypeScript as a container',
    engine: 'docker',
    skip: skipWithoutDocker,
    async source() {
      await ensureTestImages(docker);
      const entry = join(REPO_ROOT, 'test', 'support', 'extensions', 'interval-container.ts');
      await ensureExtensionImage(docker, entry, INTERVAL_IMAGE);
      return INTERVAL_IMAGE;
    },
  },
  { name: 'C as WASM', engine: 'inprocess', source: async () => cIntervalComponent() },
  { name: 'Rust as WASM', engine: 'inprocess', source: async () => rustIntervalComponent() },
];

const reasonAt = (at: number) => `interval: every 10000 ms, due at ${new Date(at).toISOString()}`;

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

for (const build of builds) {
  describe(`the interval extension built as ${build.name}`, { skip: build.skip }, () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'gofer-conformance-'));
    const clock = new SteppingClock(ANCHOR);
    const logLines: string[] = [];
    let kernel: Kernel;
    let source: string;

    const s = () => kernel.services;
    const key = (pipeline: string, label: string) => ({
      namespace: 'default',
      pipeline,
      extension: 'ticker',
      label,
    });
    const runsOf = async (pipeline: string) =>
      (await s().runs.list('default', pipeline)).sort((a: Run, b: Run) => a.id - b.id);
    const runCount = (pipeline: string, n: number) =>
      until(`run ${n} of ${pipeline}`, async () => {
        const runs = await runsOf(pipeline);
        return runs.length >= n ? runs : undefined;
      });
    const instance = async (): Promise<ExtensionInstance> => {
      const ext = kernel.container.resolve<KernelExtensions>(KERNEL_EXTENSIONS);
      const supervisor = await ext.manager.supervisor('ticker');
      return supervisor.ready(20_000);
    };
    /** Moves to the tick the kernel asked for and returns its time. */
    const step = async (to?: number) => {
      const next = await clock.nextTimer();
      clock.advanceTo(to ?? next);
      return next;
    };
    const deploy = async (id: string) => {
      const task =
        build.engine === 'docker'
          ? { id: 'done', image: BUSYBOX_IMAGE, command: ['true'], pull_policy: 'never' }
          : { id: 'done', image: 'inprocess', command: ['echo', 'done'] };
      const v = await s().pipelines.register('default', { id, tasks: [task] } as never);
      await s().pipelines.deploy('default', id, v.version);
    };

    before(async () => {
      source = await build.source();
      const config = loadConfig({
        env: {},
        devMode: true,
        overrides: {
          data_dir: dataDir,
          log_level: 'debug',
          server: { address: '127.0.0.1:0' },
          scheduler: { engine: build.engine },
          extensions: {
            events_address: '127.0.0.1:0',
            restart_backoff: '200ms',
            ready_timeout: '20s',
            install_provided: false,
          },
        } as never,
      });
      const logger = pino({ level: 'debug' }, { write: (line: string) => logLines.push(line) });
      kernel = await Kernel.start(config, { logger, extensionClock: clock });
      for (const id of ['target', 'other', 'stray']) await deploy(id);
    });

    after(async () => {
      await kernel?.stop();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('describes itself: name, version, documentation and parameters', async () => {
      const view = await s().extensions!.install({
        name: 'ticker',
        source,
        config: { MIN_EVERY: '1s' },
        grants: [],
      });
      assert.equal(view.status, 'RUNNING', view.statusReason);
      assert.equal(view.info?.name, 'interval');
      assert.equal(view.info?.version, '0.1.0');
      assert.match(view.info?.documentation ?? '', /at most one catch-up run/);
      assert.deepEqual(
        view.info?.configParams.map((p) => [p.key, p.required]),
        [['min_every', false]],
      );
      assert.deepEqual(
        view.info?.subscriptionParams.map((p) => [p.key, p.required, p.documentation]),
        [['every', true, 'How often to start a run, e.g. "5m".']],
      );
    });

    it('refuses a config whose min_every is not a duration, in its own words', async () => {
      const installing = s().extensions!.install({
        name: 'broken',
        source,
        config: { min_every: 'banana' },
        grants: [],
      });
      installing.catch(() => undefined);
      const view = await until('the refusal', async () => {
        // The record appears once the install has checked the component.
        const v = await s()
          .extensions!.get('broken')
          .catch(() => undefined);
        return v?.status === 'ERROR' ? v : undefined;
      });
      assert.match(view.statusReason, /min_every "banana" is not a duration/);
      await s().extensions!.uninstall('broken');
      await within(
        30_000,
        installing.catch(() => undefined),
        'the install call',
      );
    });

    it('refuses subscriptions without every, with a bad every, or below min_every', async () => {
      const subscribe = (settings: Record<string, string>) =>
        s().subscriptions!.subscribe({ ...key('target', 'bad'), settings });
      const refusal = (pattern: RegExp) => (err: Error & { code?: string }) => {
        assert.equal(err.code, 'INVALID_ARGUMENT');
        assert.match(err.message, pattern);
        return true;
      };
      await assert.rejects(subscribe({}), refusal(/setting "every" is required/));
      await assert.rejects(
        subscribe({ every: 'often' }),
        refusal(/every "often" is not a duration; write it like "30s"/),
      );
      await assert.rejects(
        subscribe({ every: '10ms' }),
        refusal(/every "10ms" is below this installation's minimum of 1000 ms/),
      );
      assert.deepEqual(await s().subscriptions!.list({ namespace: 'default' }), []);
    });

    it('starts runs on the anchored grid, once for a late tick, without drift', async () => {
      const sub = await s().subscriptions!.subscribe({
        ...key('target', 'ten'),
        settings: { every: '10s' },
      });
      assert.equal(sub.anchorMs, ANCHOR);
      // The first tick (at the anchor) starts nothing and asks for the next grid point.
      assert.equal(await step(), ANCHOR + 10_000);
      let runs = await runCount('target', 1);
      assert.deepEqual(runs[0].initiator, {
        kind: 'EXTENSION',
        name: 'ticker (ten)',
        reason: reasonAt(ANCHOR + 10_000),
      });
      // A tick 15 s late fires once, for the newest grid point, and comes back onto the grid.
      assert.equal(await step(ANCHOR + 35_000), ANCHOR + 20_000);
      runs = await runCount('target', 2);
      assert.equal(runs[1].initiator.reason, reasonAt(ANCHOR + 30_000));
      assert.equal(await step(), ANCHOR + 40_000);
      runs = await runCount('target', 3);
      assert.equal(runs[2].initiator.reason, reasonAt(ANCHOR + 40_000));
      assert.equal(runs.length, 3);
    });

    it('stops starting runs for a subscription once it is unsubscribed', async () => {
      await s().subscriptions!.unsubscribe(key('target', 'ten'));
      await s().subscriptions!.subscribe({ ...key('other', 'ten'), settings: { every: '10s' } });
      // Both would be due at the same grid point; only the one still subscribed fires.
      await step(ANCHOR + 50_000);
      const runs = await runCount('other', 1);
      assert.equal(runs[0].initiator.reason, reasonAt(ANCHOR + 50_000));
      assert.equal((await runsOf('target')).length, 3);
    });

    it('is refused by the host when it starts a run of a pipeline not subscribed to it', async () => {
      // Told of a subscription the kernel never made, the extension asks for a run of it.
      await (
        await instance()
      ).subscribe(
        { namespace: 'default', pipeline: 'stray', label: 'rogue' },
        { every: '10s', gofer_anchor_ms: String(ANCHOR), gofer_last_run_ms: String(ANCHOR) },
      );
      await step(ANCHOR + 60_000);
      await runCount('other', 2);
      const refused = await until('the logged refusal', async () =>
        logLines.find((l) => l.includes('could not start a run of default/stray/rogue')),
      );
      assert.match(refused, /holds no subscription to extension ticker with label \\"rogue\\"/);
      assert.deepEqual(await runsOf('stray'), []);
    });

    it('shuts down when uninstalled, and its subscriptions go with it', async () => {
      const running = await instance();
      await s().extensions!.uninstall('ticker');
      const exit = await within(20_000, running.exited, 'the exit');
      assert.equal(exit.requested, true);
      assert.deepEqual(await s().subscriptions!.list({ namespace: 'default' }), []);
      await assert.rejects(s().extensions!.get('ticker'), { code: 'NOT_FOUND' });
    });
  });
}
