import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { skipWithoutDocker } from '../../support/docker-test-kit.js';
import {
  StepClock,
  ensureProvidedImage,
  startProvidedKernel,
  until,
  type ProvidedKernel,
} from '../../support/provided-extension-kit.js';

// Monday 2025-01-06, 07:58 UTC = 08:58 in Berlin (CET, UTC+1). The wasm case fires on the
// Monday, the container case (run after it on the same clock) on the Tuesday.
const START = Date.parse('2025-01-06T07:58:00Z');
const NINE_IN_BERLIN = { wasm: '2025-01-06T08:00:00.000Z', container: '2025-01-07T08:00:00.000Z' };

describe('the provided cron extension through the kernel', { skip: skipWithoutDocker }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gofer-cron-'));
  const clock = new StepClock(START);
  let gofer: ProvidedKernel;

  const start = async () => {
    gofer = await startProvidedKernel({ clock, dataDir });
  };

  before(async () => {
    const image = await ensureProvidedImage('cron');
    await start();
    await gofer.ext.install({ name: 'cron-container', source: image, config: {}, grants: [] });
    for (const id of ['wasm-nine', 'container-nine']) await gofer.deploy(id);
  });
  after(async () => {
    await gofer?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  for (const runtime of ['wasm', 'container'] as const) {
    const extension = runtime === 'wasm' ? 'cron' : 'cron-container';

    it(`fires at nine on weekdays in Europe/Berlin on a test clock (${runtime})`, async () => {
      const pipeline = `${runtime}-nine`;
      const nine = Date.parse(NINE_IN_BERLIN[runtime]);
      const key = { namespace: 'default', pipeline, extension, label: 'nine' };
      await until(`${extension} running`, async () =>
        (await gofer.ext.get(extension)).status === 'RUNNING' ? true : undefined,
      );
      await gofer.ext.subscribe({
        ...key,
        settings: { expression: '0 9 * * MON-FRI', timezone: 'Europe/Berlin' },
      });

      await clock.runTo(nine - 1);
      assert.equal((await gofer.runs(pipeline)).length, 0);
      await clock.runTo(nine);
      const [run] = await gofer.waitForRuns(pipeline, 1);
      assert.deepEqual(run.initiator, {
        kind: 'EXTENSION',
        name: `${extension} (nine)`,
        reason: `cron: "0 9 * * MON-FRI" (Europe/Berlin), due at ${NINE_IN_BERLIN[runtime]}`,
      });
      // The next firing is a day away; the extension asks to be called back in the meantime
      // (the kernel caps waits at an hour) and starts nothing before then.
      await clock.runTo(nine + 3 * 60 * 60 * 1000);
      assert.equal((await gofer.runs(pipeline)).length, 1);

      await gofer.ext.unsubscribe(key);
      clock.forget();
    });

    it(`refuses at subscribe time an expression that never fires (${runtime})`, async () => {
      const subscribe = (settings: Record<string, string>) =>
        gofer.ext.subscribe({
          namespace: 'default',
          pipeline: `${runtime}-nine`,
          extension,
          label: 'never',
          settings,
        });
      await assert.rejects(subscribe({ expression: '0 0 30 2 *' }), (err: Error) => {
        assert.match(err.message, /expression "0 0 30 2 \*" never fires after/);
        return true;
      });
      await assert.rejects(subscribe({ expression: '0 0 * * * 2024' }), /never fires/);
      await assert.rejects(subscribe({ expression: '0 25 * * *' }), /hour field "25"/);
      await assert.rejects(
        subscribe({ expression: '@daily', timezone: 'Mars/Olympus' }),
        /timezone "Mars\/Olympus" is not known/,
      );
      const subs = await gofer.ext.listSubscriptions('default', `${runtime}-nine`);
      assert.deepEqual(subs, []);
    });
  }

  it('leaves the provided extensions as the operator set them across restarts', async () => {
    await gofer.ext.disable('cron');
    await gofer.stop();
    await start();
    const names = (await gofer.ext.list()).map((e) => e.name).sort();
    assert.deepEqual(names, ['cron', 'cron-container', 'github', 'interval']);
    assert.equal((await gofer.ext.get('cron')).enabled, false);
    await gofer.ext.enable('cron');
  });
});
