import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ExtensionInstance } from '../../../kernel/contracts/extension.js';
import { launchSpec, probeComponent, wasmRuntime, within } from '../../support/wasm-test-kit.js';

const runtime = wasmRuntime();
let source: string;
const launched: ExtensionInstance[] = [];
const command = (text: string) => ({ headers: {}, body: new TextEncoder().encode(text) });

async function launchProbe(overrides: Parameters<typeof launchSpec>[1] = {}) {
  const spec = launchSpec(source, { name: 'probe', ...overrides });
  const instance = await within(60_000, runtime.launch(spec), 'launch');
  launched.push(instance);
  return instance;
}

describe('a misbehaving wasm guest', () => {
  before(() => {
    source = probeComponent();
  });
  after(async () => {
    await Promise.allSettled(launched.map((instance) => instance.shutdown()));
  });

  it('is stopped at the deadline while the kernel thread keeps answering', async () => {
    const instance = await launchProbe({ callTimeoutMs: 500 });
    let timerFires = 0;
    const timer = setInterval(() => timerFires++, 10);
    try {
      await assert.rejects(
        within(10_000, instance.externalEvent(command('spin')), 'spin call'),
        (err: Error & { code?: string }) => {
          assert.equal(err.code, 'DEADLINE_EXCEEDED');
          assert.match(err.message, /extension probe: externalEvent did not return within/);
          assert.match(err.message, /deadline of 500 ms/);
          return true;
        },
      );
    } finally {
      clearInterval(timer);
    }
    // A blocked kernel thread would have fired the 10 ms timer zero times during the spin.
    assert.ok(timerFires >= 5, `the timer fired ${timerFires} times during the spin`);
    const exit = await within(5_000, instance.exited, 'exited');
    assert.equal(exit.requested, false);
    assert.match(exit.reason, /deadline of 500 ms/);
    await assert.rejects(instance.tick(0), /deadline/);
  });

  it('settles exited when it traps, and refuses later calls', async () => {
    const instance = await launchProbe();
    assert.equal((await instance.externalEvent(command('arm-trap'))).body, 'armed');
    await assert.rejects(instance.tick(0), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'UNAVAILABLE');
      assert.match(err.message, /tick broke the instance/);
      return true;
    });
    const exit = await within(5_000, instance.exited, 'exited');
    assert.equal(exit.requested, false);
    assert.match(exit.reason, /probe: trapping on purpose|RuntimeError/);
    await assert.rejects(instance.info(), /broke the instance/);
  });

  it('leaves the instance usable when it refuses a call', async () => {
    const instance = await launchProbe();
    await assert.rejects(instance.externalEvent(command('nonsense')), /unknown command "nonsense"/);
    assert.equal((await instance.externalEvent(command('count'))).body, '1');
  });

  it('cannot grow its memory past the cap, and the host is unharmed', async () => {
    const cap = 160 * 1024 * 1024;
    const instance = await launchProbe({ memoryLimitBytes: cap });
    const rssBefore = process.memoryUsage().rss;
    // Asking for twice the cap: the guest's allocator must fail, whatever it does next.
    const outcome = await instance.externalEvent(command('grow:320')).then(
      (response) => `returned ${response.body}`,
      (err: Error) => `failed: ${err.message}`,
    );
    assert.match(outcome, /^failed: /, outcome);
    const grownMb = (process.memoryUsage().rss - rssBefore) / 2 ** 20;
    assert.ok(grownMb < 200, `the process grew by ${grownMb.toFixed(0)} MiB`);
    // The kernel side still works: a fresh instance answers.
    const fresh = await launchProbe();
    assert.equal((await fresh.externalEvent(command('count'))).body, '1');
  });

  it('carries frames larger than the shared buffer both ways', async () => {
    // The channel holds 256 KiB; the guest reads the body in an interpreted loop, so the
    // deadline is generous rather than the sizes large.
    const instance = await launchProbe({ callTimeoutMs: 60_000 });
    const request = `length:${'y'.repeat(300 * 1024)}`;
    assert.equal((await instance.externalEvent(command(request))).body, String(request.length));
    const big = await instance.externalEvent(command(`big:${512 * 1024}`));
    assert.equal(big.body.length, 512 * 1024);
    assert.equal((await instance.externalEvent(command('count'))).body, '1');
  });

  it('reaches the host through a start-run made during a call', async () => {
    const spec = launchSpec(source, { name: 'probe' });
    const instance = await within(60_000, runtime.launch(spec), 'launch');
    launched.push(instance);
    assert.equal((await instance.externalEvent(command('start-run'))).body, '1');
  });
});
