import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ExtensionInstance } from '../../../kernel/contracts/extension.js';
import {
  RecordingHost,
  intervalComponent,
  launchSpec,
  wasmRuntime,
  within,
} from '../../support/wasm-test-kit.js';

const SUB = { namespace: 'default', pipeline: 'build', label: 'nightly' };
const runtime = wasmRuntime();
let source: string;
const launched: ExtensionInstance[] = [];

async function launchInterval(host = new RecordingHost(), config = { min_every: '1s' }) {
  const instance = await within(60_000, runtime.launch(launchSpec(source, { host })), 'launch');
  launched.push(instance);
  await instance.init(config);
  return instance;
}

describe('the interval extension built from TypeScript', () => {
  before(() => {
    source = intervalComponent();
  });
  after(async () => {
    await Promise.allSettled(launched.map((instance) => instance.shutdown()));
  });

  it('passes the import check with no grants and describes itself', async () => {
    assert.deepEqual(await runtime.check(source, []), []);
    const instance = await launchInterval();
    const info = await instance.info();
    assert.equal(info.name, 'interval');
    assert.deepEqual(
      info.subscriptionParams.map((p) => [p.key, p.required]),
      [['every', true]],
    );
    assert.deepEqual(
      info.configParams.map((p) => p.key),
      ['min_every'],
    );
  });

  it('refuses a config whose min_every is not a duration, in its own words', async () => {
    const instance = await within(60_000, runtime.launch(launchSpec(source)), 'launch');
    launched.push(instance);
    await assert.rejects(instance.init({ min_every: 'banana' }), (err: Error) => {
      assert.match(err.message, /min_every "banana" is not a duration/);
      assert.equal((err as Error & { code?: string }).code, 'INVALID_ARGUMENT');
      return true;
    });
  });

  it('refuses a subscription without every, with a bad every, or below min_every', async () => {
    const instance = await launchInterval();
    await assert.rejects(instance.subscribe(SUB, {}), /setting "every" is required/);
    await assert.rejects(instance.subscribe(SUB, { every: 'often' }), /every "often" is not a/);
    await assert.rejects(
      instance.subscribe(SUB, { every: '10ms' }),
      /every "10ms" is below this installation's minimum of 1000 ms/,
    );
    // A refusal leaves the instance usable.
    await instance.subscribe(SUB, { every: '5s' });
  });

  it('starts runs at anchor + k * every on a test clock, without drift', async () => {
    const host = new RecordingHost();
    const instance = await launchInterval(host);
    await instance.subscribe(SUB, { every: '10s', gofer_anchor_ms: '1000' });

    assert.equal(await instance.tick(1_000), 10_000);
    assert.equal(await instance.tick(10_999), 1);
    assert.equal(host.runs.length, 0);
    assert.equal(await instance.tick(11_000), 10_000);
    assert.equal(host.runs.length, 1);
    // A late tick fires once and the next wait brings it back onto the grid.
    assert.equal(await instance.tick(24_000), 7_000);
    assert.equal(await instance.tick(31_000), 10_000);
    assert.equal(host.runs.length, 3);
    assert.deepEqual(
      host.runs.map((r) => [r.namespace, r.pipeline, r.label]),
      Array(3).fill(['default', 'build', 'nightly']),
    );
    assert.match(host.runs[0].reason, /due at 1970-01-01T00:00:11.000Z/);
  });

  it('after a restart starts one catch-up run however many ticks it missed', async () => {
    const host = new RecordingHost();
    const instance = await launchInterval(host);
    // Last run at grid point 1 (11 s); the extension was down until 95 s: points 2..9 missed.
    await instance.subscribe(SUB, {
      every: '10s',
      gofer_anchor_ms: '1000',
      gofer_last_run_ms: '11000',
    });
    assert.equal(await instance.tick(95_000), 6_000);
    assert.equal(host.runs.length, 1);
    assert.match(host.runs[0].reason, /due at 1970-01-01T00:01:31.000Z/);
    assert.equal(await instance.tick(99_000), 2_000);
    assert.equal(host.runs.length, 1);
  });

  it('does not fire on its first tick when it missed nothing', async () => {
    const host = new RecordingHost();
    const instance = await launchInterval(host);
    await instance.subscribe(SUB, {
      every: '10s',
      gofer_anchor_ms: '1000',
      gofer_last_run_ms: '91000',
    });
    assert.equal(await instance.tick(95_000), 6_000);
    assert.equal(host.runs.length, 0);
  });

  it('logs the host refusing a run and keeps ticking', async () => {
    const host = new RecordingHost();
    host.refuseRuns = 'pipeline build is disabled';
    const instance = await launchInterval(host);
    await instance.subscribe(SUB, { every: '1s', gofer_anchor_ms: '0' });
    assert.equal(await instance.tick(500), 500);
    assert.equal(await instance.tick(1_500), 500);
    assert.equal(host.runs.length, 0);
    assert.ok(
      host.logs.some((l) => l.level === 'error' && /pipeline build is disabled/.test(l.message)),
      `logs: ${JSON.stringify(host.logs)}`,
    );
  });

  it('stops firing for an unsubscribed pipeline', async () => {
    const host = new RecordingHost();
    const instance = await launchInterval(host);
    await instance.subscribe(SUB, { every: '1s', gofer_anchor_ms: '0' });
    await instance.unsubscribe(SUB);
    assert.equal(await instance.tick(5_000), 0);
    assert.equal(host.runs.length, 0);
  });

  it('settles exited as requested on shutdown', async () => {
    const instance = await launchInterval();
    await instance.shutdown();
    const exit = await within(5_000, instance.exited, 'exited');
    assert.equal(exit.requested, true);
    await assert.rejects(instance.tick(0), /shut down/);
  });
});
