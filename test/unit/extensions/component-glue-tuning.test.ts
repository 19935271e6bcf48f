import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import v8 from 'node:v8';
import { Worker } from 'node:worker_threads';
import {
  skipOptimizingGlueInit,
  stubMissingJspi,
} from '../../../extensions/runtime-wasm/component-glue-tuning.js';

type Wasm = { promising?: (fn: unknown) => unknown };

describe('preparing a thread for component glue', () => {
  it('makes a missing WebAssembly.promising throw, so the glue falls back to the plain export', () => {
    const wasm = (globalThis as unknown as { WebAssembly: Wasm }).WebAssembly;
    const hadJspi = typeof wasm.promising === 'function';
    stubMissingJspi();
    assert.equal(typeof wasm.promising, 'function');
    if (hadJspi) return;

    // The shape jco generates, for each of a few exports.
    const plain = () => 42;
    let wrapped: unknown;
    try {
      wrapped = wasm.promising!(plain);
    } catch (err) {
      assert.ok(err instanceof TypeError);
      wrapped = plain;
    }
    assert.equal(wrapped, plain);
  });

  it('can be applied more than once', () => {
    stubMissingJspi();
    stubMissingJspi();
    const wasm = (globalThis as unknown as { WebAssembly: Wasm }).WebAssembly;
    assert.throws(() => wasm.promising!(() => 0), TypeError);
  });

  it('tells the optimizer once, from the main thread only, never from a worker', async () => {
    const calls: string[] = [];
    const original = v8.setFlagsFromString;
    v8.setFlagsFromString = (flags: string) => void calls.push(flags);
    try {
      skipOptimizingGlueInit();
      skipOptimizingGlueInit();
    } finally {
      v8.setFlagsFromString = original;
    }
    assert.deepEqual(calls, ['--turbo-filter=-_initGenerator']);

    // Several workers changing a process-wide flag at once is what must never happen.
    const moduleUrl = new URL(
      '../../../extensions/runtime-wasm/component-glue-tuning.js',
      import.meta.url,
    ).href;
    const worker = new Worker(
      `const v8 = require('node:v8');
       const calls = [];
       v8.setFlagsFromString = (f) => calls.push(f);
       import(${JSON.stringify(moduleUrl)}).then((m) => {
         m.skipOptimizingGlueInit();
         require('node:worker_threads').parentPort.postMessage(calls);
       });`,
      { eval: true },
    );
    const [fromWorker] = (await once(worker, 'message')) as [string[]];
    await worker.terminate();
    assert.deepEqual(fromWorker, []);
  });
});
