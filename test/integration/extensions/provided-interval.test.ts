import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { providedExtensionsDir } from '../../../kernel/extensions/provided-extensions.js';
import { removeInstallationContainers, skipWithoutDocker } from '../../support/docker-test-kit.js';
import {
  StepClock,
  ensureProvidedImage,
  startProvidedKernel,
  until,
  type ProvidedKernel,
} from '../../support/provided-extension-kit.js';

const START = Date.parse('2025-01-06T08:00:00Z');
const MINUTE = 60_000;
const INTERVAL_WASM = join(providedExtensionsDir(), 'interval', 'interval.wasm');

describe('the provided interval extension', { skip: skipWithoutDocker }, () => {
  const clock = new StepClock(START);
  let gofer: ProvidedKernel;
  let image: string;

  before(async () => {
    image = await ensureProvidedImage('interval');
    gofer = await startProvidedKernel({ clock });
    await gofer.ext.install({ name: 'interval-container', source: image, config: {}, grants: [] });
    for (const id of ['wasm-minutely', 'container-minutely']) await gofer.deploy(id);
  });
  after(async () => {
    await gofer?.stop();
  });

  it('is installed at start as wasm, once, however often the kernel starts', async () => {
    const installed = await gofer.ext.list();
    const provided = installed.filter((e) => ['interval', 'cron', 'github'].includes(e.name));
    assert.deepEqual(
      provided.map((e) => [e.name, e.runtime, e.enabled]),
      [
        ['cron', 'wasm', true],
        ['github', 'wasm', false],
        ['interval', 'wasm', true],
      ],
    );
    const interval = await until('interval running', async () => {
      const e = await gofer.ext.get('interval');
      return e.status === 'RUNNING' ? e : undefined;
    });
    assert.equal(interval.info?.name, 'interval');
  });

  for (const runtime of ['wasm', 'container'] as const) {
    it(`starts runs on the minute grid of a test clock (${runtime})`, async () => {
      const extension = runtime === 'wasm' ? 'interval' : 'interval-container';
      const pipeline = `${runtime}-minutely`;
      const key = { namespace: 'default', pipeline, extension, label: 'grid' };
      await until(`${extension} running`, async () =>
        (await gofer.ext.get(extension)).status === 'RUNNING' ? true : undefined,
      );
      const sub = await gofer.ext.subscribe({ ...key, settings: { EVERY: '1m' } });
      const anchor = sub.anchorMs;

      // The first tick places the grid; the next ones fall on it.
      await clock.runTo(anchor + MINUTE);
      await gofer.waitForRuns(pipeline, 1);
      await clock.runTo(anchor + 2 * MINUTE);
      const runs = await gofer.waitForRuns(pipeline, 2);
      assert.equal(runs.length, 2);
      for (const run of runs) {
        assert.equal(run.initiator.kind, 'EXTENSION');
        assert.equal(run.initiator.name, `${extension} (grid)`);
      }
      const reasons = runs.map((r) => r.initiator.reason).sort();
      const due = (k: number) => new Date(anchor + k * MINUTE).toISOString();
      assert.equal(reasons[0], `interval: every 60000 ms, due at ${due(1)}`);
      assert.equal(reasons[1], `interval: every 60000 ms, due at ${due(2)}`);

      await gofer.ext.unsubscribe(key);
      clock.forget();
    });
  }

  it('refuses an every below min_every, in the extension own words', async () => {
    await assert.rejects(
      gofer.ext.subscribe({
        namespace: 'default',
        pipeline: 'wasm-minutely',
        extension: 'interval',
        label: 'fast',
        settings: { every: '5s' },
      }),
      /every "5s" is below this installation's minimum of 60000 ms/,
    );
  });
});

describe('the provided interval extension on a real clock', { skip: skipWithoutDocker }, () => {
  let gofer: ProvidedKernel;

  before(async () => {
    const image = await ensureProvidedImage('interval');
    gofer = await startProvidedKernel({ extensions: { install_provided: false } });
    const config = { min_every: '100ms' };
    await gofer.ext.install({ name: 'fast-wasm', source: INTERVAL_WASM, config, grants: [] });
    await gofer.ext.install({ name: 'fast-container', source: image, config, grants: [] });
    for (const id of ['wasm-fast', 'container-fast']) await gofer.deploy(id);
  });
  after(async () => {
    await gofer?.stop();
  });

  for (const runtime of ['wasm', 'container'] as const) {
    it(`starts a run every 300ms with min_every lowered in config (${runtime})`, async () => {
      const extension = `fast-${runtime}`;
      const pipeline = `${runtime}-fast`;
      assert.equal((await gofer.ext.get(extension)).status, 'RUNNING');
      const key = { namespace: 'default', pipeline, extension, label: 'often' };
      await gofer.ext.subscribe({ ...key, settings: { every: '300ms' } });
      const runs = await gofer.waitForRuns(pipeline, 3, 30_000);
      await gofer.ext.unsubscribe(key);
      assert.ok(runs.every((r) => r.initiator.name === `${extension} (often)`));
    });
  }
});

describe('the provided interval extension across a restart', { skip: skipWithoutDocker }, () => {
  it('makes up for ticks missed while the service was down with one run, then keeps the grid', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'gofer-interval-restart-'));
    const pipeline = 'wasm-restarted';
    const key = { namespace: 'default', pipeline, extension: 'interval', label: 'grid' };
    const running = (gofer: ProvidedKernel) =>
      until('interval running', async () =>
        (await gofer.ext.get('interval')).status === 'RUNNING' ? true : undefined,
      );
    let gofer: ProvidedKernel | undefined;
    let installation = '';
    try {
      const before = new StepClock(START);
      gofer = await startProvidedKernel({ clock: before, dataDir });
      installation = gofer.installation;
      await gofer.deploy(pipeline);
      await running(gofer);
      const { anchorMs: anchor } = await gofer.ext.subscribe({ ...key, settings: { every: '1m' } });
      await before.runTo(anchor + MINUTE);
      await gofer.waitForRuns(pipeline, 1);
      await gofer.stop();
      gofer = undefined;

      // Down from the first grid point until half past the eleventh: ten points pass unseen.
      const after = new StepClock(anchor + 11.5 * MINUTE);
      gofer = await startProvidedKernel({ clock: after, dataDir });
      await running(gofer);
      await after.runTo(anchor + 11.5 * MINUTE);
      const caughtUp = await gofer.waitForRuns(pipeline, 2);
      assert.equal(caughtUp.length, 2);
      await after.runTo(anchor + 12 * MINUTE);
      const runs = await gofer.waitForRuns(pipeline, 3);
      assert.equal(runs.length, 3, 'one catch-up run, not one per missed tick');

      const due = (k: number) => new Date(anchor + k * MINUTE).toISOString();
      const reasons = runs.map((r) => r.initiator.reason).sort();
      assert.deepEqual(reasons, [
        `interval: every 60000 ms, due at ${due(1)}`,
        `interval: every 60000 ms, due at ${due(11)}`,
        `interval: every 60000 ms, due at ${due(12)}`,
      ]);
    } finally {
      await gofer?.stop();
      if (installation) await removeInstallationContainers(installation);
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
