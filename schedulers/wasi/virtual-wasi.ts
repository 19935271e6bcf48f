/**
 * A complete WASI 0.2 import set for one task instance, built fresh per task: the arguments and
 * environment it is given and nothing of the host's, empty stdin, stdout and stderr handed to a
 * callback as they are written, clocks, random, a filesystem with no preopened directory and no
 * sockets at all. Every class is made per call, so no handle of one task means anything to
 * another.
 *
 * jco's preview2-shim is not used: its `exit` calls `process.exit`, its stdio and environment
 * are process-wide, and it preopens or reaches the network unless told otherwise.
 */
import { randomFillSync } from 'node:crypto';

export type OutputStreamName = 'stdout' | 'stderr';

export interface VirtualWasiOptions {
  args: readonly string[];
  env: Readonly<Record<string, string>>;
  /** Receives a copy of every byte the task writes, in order. */
  output(stream: OutputStreamName, bytes: Uint8Array): void;
}

/** Thrown by `wasi:cli/exit`; the task runner catches it and reports `code`. */
export class WasiExit {
  constructor(readonly code: number) {}
}

/** How much one `write` may carry; `check-write` reports it as the free space. */
const WRITE_BUDGET = 1 << 20;
const NS_PER_MS = 1_000_000n;

export function createVirtualWasi(opts: VirtualWasiOptions): Record<string, unknown> {
  const env = Object.entries(opts.env);
  const args = [...opts.args];
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  const started = process.hrtime.bigint();
  const monotonicNow = () => process.hrtime.bigint() - started;

  class IoError {
    constructor(private readonly message: string) {}
    toDebugString(): string {
      return this.message;
    }
  }

  class Pollable {
    constructor(private readonly deadlineNs: bigint) {}
    ready(): boolean {
      return monotonicNow() >= this.deadlineNs;
    }
    /** Blocks the task's own thread, never the kernel's: tasks run in workers. */
    block(): void {
      for (;;) {
        const left = this.deadlineNs - monotonicNow();
        if (left <= 0n) return;
        Atomics.wait(sleeper, 0, 0, Number(left / NS_PER_MS) + 1);
      }
    }
    get deadline(): bigint {
      return this.deadlineNs;
    }
  }
  const readyNow = () => new Pollable(0n);

  class InputStream {
    read(): Uint8Array {
      throw { tag: 'closed' };
    }
    blockingRead(): Uint8Array {
      throw { tag: 'closed' };
    }
    skip(): bigint {
      throw { tag: 'closed' };
    }
    blockingSkip(): bigint {
      throw { tag: 'closed' };
    }
    subscribe(): Pollable {
      return readyNow();
    }
  }

  class OutputStream {
    constructor(private readonly name: OutputStreamName) {}
    checkWrite(): bigint {
      return BigInt(WRITE_BUDGET);
    }
    write(bytes: Uint8Array): void {
      // The view is into the guest's memory, which the next call may overwrite: copy it.
      if (bytes.length > 0) opts.output(this.name, bytes.slice());
    }
    blockingWriteAndFlush(bytes: Uint8Array): void {
      this.write(bytes);
    }
    flush(): void {}
    blockingFlush(): void {}
    writeZeroes(len: bigint): void {
      this.write(new Uint8Array(Number(len)));
    }
    blockingWriteZeroesAndFlush(len: bigint): void {
      this.writeZeroes(len);
    }
    splice(): bigint {
      throw { tag: 'closed' };
    }
    blockingSplice(): bigint {
      throw { tag: 'closed' };
    }
    subscribe(): Pollable {
      return readyNow();
    }
  }

  // Resources a task can name but never obtain: no directory is preopened, no terminal exists.
  class Descriptor {}
  class DirectoryEntryStream {}
  class TerminalInput {}
  class TerminalOutput {}

  const stdin = new InputStream();
  const stdout = new OutputStream('stdout');
  const stderr = new OutputStream('stderr');
  const randomBytes = (len: bigint) => randomFillSync(new Uint8Array(Number(len)));
  const randomU64 = () => randomFillSync(new BigUint64Array(1))[0];

  return {
    'wasi:cli/environment': {
      getEnvironment: () => env,
      getArguments: () => args,
      initialCwd: () => undefined,
    },
    'wasi:cli/exit': {
      exit: (status: { tag: string }) => {
        throw new WasiExit(status.tag === 'ok' ? 0 : 1);
      },
      exitWithCode: (code: number) => {
        throw new WasiExit(code);
      },
    },
    'wasi:cli/stdin': { getStdin: () => stdin },
    'wasi:cli/stdout': { getStdout: () => stdout },
    'wasi:cli/stderr': { getStderr: () => stderr },
    'wasi:cli/terminal-input': { TerminalInput },
    'wasi:cli/terminal-output': { TerminalOutput },
    'wasi:cli/terminal-stdin': { getTerminalStdin: () => undefined },
    'wasi:cli/terminal-stdout': { getTerminalStdout: () => undefined },
    'wasi:cli/terminal-stderr': { getTerminalStderr: () => undefined },
    'wasi:io/error': { Error: IoError },
    'wasi:io/poll': {
      Pollable,
      poll: (list: Pollable[]) => {
        const earliest = list.reduce((a, b) => (b.deadline < a.deadline ? b : a), list[0]);
        earliest?.block();
        return Uint32Array.from(list.flatMap((p, i) => (p.ready() ? [i] : [])));
      },
    },
    'wasi:io/streams': { InputStream, OutputStream },
    'wasi:clocks/monotonic-clock': {
      now: monotonicNow,
      resolution: () => 1n,
      subscribeInstant: (when: bigint) => new Pollable(when),
      subscribeDuration: (ns: bigint) => new Pollable(monotonicNow() + ns),
    },
    'wasi:clocks/wall-clock': {
      now: () => {
        const ms = Date.now();
        return { seconds: BigInt(Math.floor(ms / 1000)), nanoseconds: (ms % 1000) * 1_000_000 };
      },
      resolution: () => ({ seconds: 0n, nanoseconds: 1_000_000 }),
    },
    'wasi:random/random': { getRandomBytes: randomBytes, getRandomU64: randomU64 },
    'wasi:random/insecure': {
      getInsecureRandomBytes: randomBytes,
      getInsecureRandomU64: randomU64,
    },
    'wasi:random/insecure-seed': { insecureSeed: () => [randomU64(), randomU64()] },
    'wasi:filesystem/preopens': { getDirectories: () => [] },
    'wasi:filesystem/types': {
      Descriptor,
      DirectoryEntryStream,
      filesystemErrorCode: () => undefined,
    },
  };
}

/** Interfaces `createVirtualWasi` provides; a component importing anything else is refused. */
export const PROVIDED_INTERFACES = [
  'wasi:cli/',
  'wasi:io/',
  'wasi:clocks/',
  'wasi:random/',
  'wasi:filesystem/',
];
