/**
 * Masks secret values in task output before it reaches a log file. Schedulers written in
 * TypeScript use it directly; the Docker scheduler's log wrapper does the same in C with the
 * patterns `maskPatterns` expands here, so both follow one rule:
 *
 * - each value itself;
 * - for a multi-line value, each of its lines of at least `MIN_MASKED_LINE` bytes (a shorter
 *   line such as `}` would blank out unrelated output);
 * - the base64 of the value, and of the value followed by a newline (what `echo "$S" | base64`
 *   prints), each with and without `=` padding.
 *
 * Every occurrence becomes `***`, including one split across writes: the masker holds back the
 * longest tail of what it has seen that could still grow into a pattern, and nothing more.
 */

export const MASK = Buffer.from('***');
/** Lines of a multi-line secret shorter than this are not masked on their own. */
export const MIN_MASKED_LINE = 6;

/** The byte patterns to mask for `values`, longest first, without duplicates or empties. */
export function maskPatterns(values: readonly string[]): Buffer[] {
  const found = new Set<string>();
  const add = (text: string) => {
    if (text !== '') found.add(text);
  };
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

/** One stream's masker: feed it chunks in order, then `end` it once for the held-back tail. */
export class LogMasker {
  private held: Buffer = Buffer.alloc(0);
  /** Patterns by first byte, longest first, so a position is checked only against candidates. */
  private readonly byFirstByte = new Map<number, Buffer[]>();

  constructor(patterns: readonly Buffer[]) {
    for (const p of [...patterns].sort((a, b) => b.length - a.length)) {
      if (p.length === 0) continue;
      const list = this.byFirstByte.get(p[0]) ?? [];
      list.push(p);
      this.byFirstByte.set(p[0], list);
    }
  }

  get active(): boolean {
    return this.byFirstByte.size > 0;
  }

  /** Masked output that is safe to write now; may be empty while a possible match is held. */
  write(chunk: Uint8Array): Buffer {
    if (!this.active) return Buffer.from(chunk);
    const data = this.held.length > 0 ? Buffer.concat([this.held, chunk]) : Buffer.from(chunk);
    const out: Buffer[] = [];
    let copyFrom = 0;
    let i = 0;
    while (i < data.length) {
      const candidates = this.byFirstByte.get(data[i]);
      if (!candidates) {
        i++;
        continue;
      }
      const step = this.matchAt(data, i, candidates);
      if (step === 'partial') {
        out.push(data.subarray(copyFrom, i));
        this.held = Buffer.from(data.subarray(i));
        return Buffer.concat(out);
      }
      if (step > 0) {
        out.push(data.subarray(copyFrom, i), MASK);
        i += step;
        copyFrom = i;
      } else {
        i++;
      }
    }
    out.push(data.subarray(copyFrom));
    this.held = Buffer.alloc(0);
    return Buffer.concat(out);
  }

  /** What is still held back: at the end of the stream it cannot become a pattern any more. */
  end(): Buffer {
    const rest = this.held;
    this.held = Buffer.alloc(0);
    if (rest.length === 0) return rest;
    // A held tail may contain a whole shorter pattern after its start; mask what is complete.
    const out: Buffer[] = [];
    let copyFrom = 0;
    let i = 0;
    while (i < rest.length) {
      const full = (this.byFirstByte.get(rest[i]) ?? []).find(
        (p) => p.length <= rest.length - i && rest.subarray(i, i + p.length).equals(p),
      );
      if (full) {
        out.push(rest.subarray(copyFrom, i), MASK);
        i += full.length;
        copyFrom = i;
      } else {
        i++;
      }
    }
    out.push(rest.subarray(copyFrom));
    return Buffer.concat(out);
  }

  /**
   * The length of the longest pattern matching whole at `i`; `partial` when the data ends
   * inside what could still be a pattern; 0 when none can match here.
   */
  private matchAt(data: Buffer, i: number, candidates: Buffer[]): number | 'partial' {
    const left = data.length - i;
    let partial = false;
    for (const p of candidates) {
      if (p.length <= left) {
        if (data.compare(p, 0, p.length, i, i + p.length) === 0) {
          // A longer pattern still possible from here would have to be seen first.
          return partial ? 'partial' : p.length;
        }
      } else if (data.compare(p, 0, left, i, data.length) === 0) {
        partial = true;
      }
    }
    return partial ? 'partial' : 0;
  }
}
