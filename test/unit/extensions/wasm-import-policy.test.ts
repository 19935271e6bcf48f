import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  grantFor,
  importProblems,
  isImportAllowed,
} from '../../../extensions/runtime-wasm/import-policy.js';
import { capMemory } from '../../../extensions/runtime-wasm/memory-cap.js';

describe('the wasm import policy', () => {
  it('always allows the gofer contract and nothing else without grants', () => {
    assert.ok(isImportAllowed('gofer:extension/host', []));
    assert.ok(isImportAllowed('gofer:extension/types@0.1.0', []));
    assert.ok(!isImportAllowed('wasi:clocks/wall-clock@0.2.12', []));
    assert.ok(!isImportAllowed('wasi:io/streams', []));
  });

  it('allows clocks and random by package or interface grant, and io with them', () => {
    assert.ok(isImportAllowed('wasi:clocks/wall-clock@0.2.12', ['wasi:clocks']));
    assert.ok(isImportAllowed('wasi:random/random', ['wasi:random/random']));
    assert.ok(isImportAllowed('wasi:io/poll', ['wasi:clocks']));
    assert.ok(!isImportAllowed('wasi:random/random', ['wasi:clocks']));
  });

  it('needs a grant naming files, sockets, http or the environment', () => {
    for (const [name, grant] of [
      ['wasi:filesystem/preopens@0.2.12', 'wasi:filesystem'],
      ['wasi:sockets/tcp', 'wasi:sockets'],
      ['wasi:http/outgoing-handler', 'wasi:http'],
      ['wasi:cli/environment@0.2.12', 'wasi:cli/environment'],
    ]) {
      assert.ok(!isImportAllowed(name, ['wasi:*']), `${name} allowed by the wildcard`);
      assert.equal(grantFor(name), grant);
      assert.ok(isImportAllowed(name, [grant]), `${name} refused with ${grant}`);
    }
    assert.ok(!isImportAllowed('wasi:cli/environment', ['wasi:cli']));
    assert.ok(isImportAllowed('wasi:cli/stdout', ['wasi:cli']));
  });

  it('names the import and the grant that would allow it', () => {
    assert.deepEqual(importProblems(['gofer:extension/host', 'wasi:sockets/tcp@0.2.12'], []), [
      'the component imports wasi:sockets/tcp@0.2.12, which is not granted; ' +
        'allow it with --grant wasi:sockets if the extension should have it',
    ]);
  });
});

// A module with one memory of `min` pages and, when given, a maximum.
function moduleWithMemory(min: number, max?: number): Uint8Array {
  const limits = max === undefined ? [0x00, min] : [0x01, min, max];
  const section = [0x01, ...limits];
  return Uint8Array.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 0x05, section.length, ...section]);
}

describe('capping a core module memory', () => {
  it('adds a maximum to a memory that had none', () => {
    const capped = capMemory(moduleWithMemory(1), 4 * 65_536);
    assert.deepEqual([...capped.subarray(8)], [0x05, 0x04, 0x01, 0x01, 0x01, 0x04]);
  });

  it('keeps a maximum lower than the cap and lowers a higher one', () => {
    assert.deepEqual([...capMemory(moduleWithMemory(1, 2), 4 * 65_536).subarray(-2)], [1, 2]);
    assert.deepEqual([...capMemory(moduleWithMemory(1, 9), 4 * 65_536).subarray(-2)], [1, 4]);
  });

  it('refuses a module that needs more than the cap to start', () => {
    assert.throws(() => capMemory(moduleWithMemory(8), 4 * 65_536), /needs 524288 bytes/);
  });
});
