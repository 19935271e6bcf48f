import { WasmExtensionError } from './wasm-extension-error.js';

const PAGE = 65_536;
const MEMORY_SECTION = 5;

/**
 * Returns a copy of core module `bytes` whose own memories cannot grow past `limitBytes`: each
 * memory's limits get a maximum (or a lower one). Worker resource limits do not bound wasm
 * memory, and V8 has no other per-instance cap, so the module itself must carry it. Imported
 * memories are left alone; they are defined, and capped, in the module that exports them.
 */
export function capMemory(bytes: Uint8Array, limitBytes: number): Uint8Array {
  const maxPages = Math.max(1, Math.floor(limitBytes / PAGE));
  const parts: Uint8Array[] = [bytes.subarray(0, 8)];
  let pos = 8;
  while (pos < bytes.length) {
    const id = bytes[pos];
    const [size, sizeLen] = readLeb(bytes, pos + 1);
    const start = pos + 1 + sizeLen;
    const end = start + size;
    if (id === MEMORY_SECTION) {
      const body = capMemorySection(bytes.subarray(start, end), maxPages, limitBytes);
      parts.push(Uint8Array.of(id), Uint8Array.from(writeLeb(body.length)), body);
    } else {
      parts.push(bytes.subarray(pos, end));
    }
    pos = end;
  }
  return Buffer.concat(parts);
}

function capMemorySection(body: Uint8Array, maxPages: number, limitBytes: number): Uint8Array {
  const [count, countLen] = readLeb(body, 0);
  const out: number[] = [...writeLeb(count)];
  let pos = countLen;
  for (let i = 0; i < count; i++) {
    const flags = body[pos++];
    // Flag bit 2 is memory64; its limits are 64-bit and no guest of ours uses it.
    if (flags & 0x04) {
      throw new WasmExtensionError(
        'INVALID_ARGUMENT',
        'the component uses a 64-bit memory, which the wasm runtime cannot cap',
        'build the extension for wasm32',
      );
    }
    const [min, minLen] = readLeb(body, pos);
    pos += minLen;
    let max = maxPages;
    if (flags & 0x01) {
      const [declared, maxLen] = readLeb(body, pos);
      pos += maxLen;
      max = Math.min(declared, maxPages);
    }
    if (min > maxPages) {
      throw new WasmExtensionError(
        'FAILED_PRECONDITION',
        `the component needs ${min * PAGE} bytes of memory to start, more than the limit of ` +
          `${limitBytes} bytes`,
        'raise the extension memory limit (memoryLimitBytes)',
      );
    }
    out.push(flags | 0x01, ...writeLeb(min), ...writeLeb(max));
  }
  return Uint8Array.from(out);
}

function readLeb(bytes: Uint8Array, at: number): [value: number, length: number] {
  let value = 0;
  let shift = 0;
  let pos = at;
  for (;;) {
    const byte = bytes[pos++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if ((byte & 0x80) === 0) return [value, pos - at];
  }
}

function writeLeb(value: number): number[] {
  const out: number[] = [];
  let rest = value;
  do {
    let byte = rest % 128;
    rest = Math.floor(rest / 128);
    if (rest > 0) byte |= 0x80;
    out.push(byte);
  } while (rest > 0);
  return out;
}
