import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ExtensionInstance } from '../../../kernel/contracts/extension.js';
import {
  RecordingHost,
  launchSpec,
  probeComponent,
  wasiProbeComponent,
  wasmRuntime,
  within,
} from '../../support/wasm-test-kit.js';

const runtime = wasmRuntime();
let probe: string;
let wasiProbe: string;
const launched: ExtensionInstance[] = [];
const command = (text: string) => ({ headers: {}, body: new TextEncoder().encode(text) });
const WASI_GRANTS = [
  'wasi:cli/environment',
  'wasi:filesystem',
  'wasi:sockets',
  'wasi:http',
  'wasi:*',
];

describe('the wasm sandbox', () => {
  before(() => {
    probe = probeComponent();
    wasiProbe = wasiProbeComponent();
  });
  after(async () => {
    await Promise.allSettled(launched.map((instance) => instance.shutdown()));
  });

  it('refuses a component importing files, environment and sockets at check', async () => {
    const problems = await runtime.check(wasiProbe, []);
    for (const [iface, grant] of [
      ['wasi:filesystem/preopens', 'wasi:filesystem'],
      ['wasi:cli/environment', 'wasi:cli/environment'],
      ['wasi:sockets/tcp-create-socket', 'wasi:sockets'],
    ]) {
      const problem = problems.find((p) => p.includes(`imports ${iface}`));
      assert.ok(problem, `no problem names ${iface}: ${problems.join('\n')}`);
      assert.match(problem, new RegExp(`--grant ${grant}\\b`));
    }
  });

  it('does not let the wildcard grant stand in for files, environment or sockets', async () => {
    const problems = await runtime.check(wasiProbe, ['wasi:*']);
    assert.ok(problems.some((p) => p.includes('imports wasi:filesystem/preopens')));
    assert.ok(problems.some((p) => p.includes('imports wasi:cli/environment')));
    assert.ok(problems.some((p) => p.includes('imports wasi:sockets/')));
    assert.ok(!problems.some((p) => p.includes('imports wasi:clocks/')), problems.join('\n'));
  });

  it('will not launch a component whose imports are not granted', async () => {
    await assert.rejects(
      runtime.launch(launchSpec(wasiProbe, { grants: ['wasi:*'] })),
      (err: Error & { code?: string }) => {
        assert.equal(err.code, 'PERMISSION_DENIED');
        assert.match(err.message, /wasi:filesystem\/preopens/);
        return true;
      },
    );
  });

  it('gives a guest granted WASI an empty environment, no files and no network', async () => {
    assert.deepEqual(await runtime.check(wasiProbe, WASI_GRANTS), []);
    const spec = launchSpec(wasiProbe, { name: 'wasi-probe', grants: WASI_GRANTS });
    const instance = await within(60_000, runtime.launch(spec), 'launch');
    launched.push(instance);
    const report = JSON.parse((await instance.externalEvent(command('report'))).body) as {
      environment: unknown[];
      directories: string[];
      socket: string;
    };
    assert.ok(process.env.PATH, 'the host itself has an environment');
    assert.deepEqual(report.environment, []);
    assert.deepEqual(report.directories, []);
    // TODO(wasm): prove the shim's network denial from inside a guest - componentize-js 0.23
    // cannot bind wasi:sockets/network's resource, so the probe fails before the shim can say
    // access-denied; the check only shows that no connection was made.
    assert.match(report.socket, /^refused: /, report.socket);
  });

  it('keeps two instances of one component apart', async () => {
    const hostA = new RecordingHost();
    const hostB = new RecordingHost();
    const a = await within(60_000, runtime.launch(launchSpec(probe, { host: hostA })), 'launch');
    const b = await within(60_000, runtime.launch(launchSpec(probe, { host: hostB })), 'launch');
    launched.push(a, b);
    for (let i = 0; i < 4; i++) await a.externalEvent(command('count'));
    assert.equal((await a.externalEvent(command('count'))).body, '5');
    assert.equal((await b.externalEvent(command('count'))).body, '1');
    await b.externalEvent(command('start-run'));
    assert.equal(hostA.runs.length, 0);
    assert.equal(hostB.runs.length, 1);
    // One instance breaking leaves the other running.
    await a.externalEvent(command('arm-trap'));
    await assert.rejects(a.tick(0));
    assert.equal((await b.externalEvent(command('count'))).body, '2');
  });
});
