/**
 * Appends a task's output to its log file in Gofer's framing (the one Docker uses for
 * multiplexed streams: stream byte, three zero bytes, big-endian uint32 length, then the bytes),
 * masking secret values first. The masking rule matches Gofer's: each value, each line of at
 * least 6 bytes of a multi-line value, and the base64 of the value and of the value with a
 * newline, with and without padding. An occurrence split across writes is masked too: the
 * writer holds back the longest tail that could still grow into a pattern.
 */
import { writeSync } from 'node:fs';

const MASK = Buffer.from('***');
const MIN_MASKED_LINE = 6;

export function maskPatterns(values) {
  const found = new Set();
  const add = (text) => text !== '' && found.add(text);
  for (const value of values) {
    if (value === '') continue;
    add(value);
    const lines = value.split(/\r?\n/);
    if (lines.length > 1) {
      for (const line of lines) if (Buffer.byteLength(line) >= MIN_MASKED_LINE) add(line);
    }
    for (const encoded of [value, `${value}\n`].map((v) => Buffer.from(v).toString('base64'))) {
      add(encoded);
      add(encoded.replace(/=+$/, ''));
    }
  }
  return [...found].map((p) => Buffer.from(p)).sort((a, b) => b.length - a.length);
}

function frame(stream, data) {
  const header = Buffer.alloc(8);
  header[0] = stream === 'stdout' ? 1 : 2;
  header.writeUInt32BE(data.length, 4);
  return Buffer.concat([header, data]);
}

/** One stream of one task. */
export class StreamWriter {
  constructor(fd, stream, patterns) {
    this.fd = fd;
    this.stream = stream;
    this.patterns = patterns;
    this.held = Buffer.alloc(0);
  }

  write(chunk) {
    const data = Buffer.concat([this.held, chunk]);
    const { out, keep } = this.mask(data, false);
    this.held = keep;
    this.emit(out);
  }

  end() {
    const { out } = this.mask(this.held, true);
    this.held = Buffer.alloc(0);
    this.emit(out);
  }

  emit(data) {
    if (data.length > 0) writeSync(this.fd, frame(this.stream, data));
  }

  /** Masked bytes safe to write now, and the tail to hold back unless this is the end. */
  mask(data, final) {
    if (this.patterns.length === 0) return { out: data, keep: Buffer.alloc(0) };
    const out = [];
    let from = 0;
    let i = 0;
    while (i < data.length) {
      const hit = this.patterns.find((p) => data.subarray(i, i + p.length).equals(p));
      if (hit) {
        out.push(data.subarray(from, i), MASK);
        i += hit.length;
        from = i;
        continue;
      }
      if (!final && this.couldGrow(data.subarray(i))) break;
      i++;
    }
    out.push(data.subarray(from, i));
    return { out: Buffer.concat(out), keep: Buffer.from(data.subarray(i)) };
  }

  /** Whether `tail` is a proper prefix of a pattern, so more bytes could complete it. */
  couldGrow(tail) {
    return this.patterns.some(
      (p) => tail.length < p.length && p.subarray(0, tail.length).equals(tail),
    );
  }
}
