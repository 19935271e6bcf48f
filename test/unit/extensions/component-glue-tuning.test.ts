import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { prepareForComponentGlue } from '../../../extensions/runtime-wasm/component-glue-tuning.js';

type Wasm = { promising?: (fn: unknown) => unknown };

describe('preparing a thread for component glue', () => {
  it('makes a missing WebAssembly.promising throw, so the glue falls back to the plain export', () => {
    const wasm = (globalThis as unknown as { WebAssembly: Wasm }).WebAssembly;
    const hadJspi = typeof wasm.promising === 'function';
    prepareForComponentGlue();
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
    prepareForComponentGlue();
    prepareForComponentGlue();
    const wasm = (globalThis as unknown as { WebAssembly: Wasm }).WebAssembly;
    assert.throws(() => wasm.promising!(() => 0), TypeError);
  });
});
