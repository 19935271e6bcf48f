// The example JavaScript task. Its first argument picks what it does, so one component serves
// every test program:
//
//   env                  prints each KEY=VALUE of its environment followed by a NUL byte
//   print <stream> <t>   writes <t> to stdout or stderr exactly (or $TASK_TEXT when <t> is absent)
//   exit <code>          exits with <code>
//   sleep <ms>           sleeps on the monotonic clock, then exits 0
//   hang                 loops until it is stopped
//   grow <mib>           allocates <mib> MiB, then exits 0
//   hello                prints a greeting and its arguments
import { getArguments, getEnvironment } from 'wasi:cli/environment@0.2.12';
import { exitWithCode } from 'wasi:cli/exit@0.2.12';
import { getStdout } from 'wasi:cli/stdout@0.2.12';
import { getStderr } from 'wasi:cli/stderr@0.2.12';
import { subscribeDuration } from 'wasi:clocks/monotonic-clock@0.2.12';

const encoder = new TextEncoder();

function write(stream, text) {
  const out = stream === 'stderr' ? getStderr() : getStdout();
  const bytes = encoder.encode(text);
  // blocking-write-and-flush takes at most 4096 bytes a call.
  for (let at = 0; at < bytes.length; at += 4096) {
    out.blockingWriteAndFlush(bytes.subarray(at, at + 4096));
  }
}

function main(args, env) {
  const [op, a, b] = args;
  switch (op) {
    case 'env':
      write('stdout', env.map(([k, v]) => `${k}=${v}\0`).join(''));
      return 0;
    case 'print':
      write(a, b ?? Object.fromEntries(env).TASK_TEXT ?? '');
      return 0;
    case 'exit':
      return Number(a);
    case 'sleep':
      subscribeDuration(BigInt(Number(a)) * 1_000_000n).block();
      return 0;
    case 'hang':
      for (;;) subscribeDuration(1_000_000_000n).block();
    case 'grow': {
      const chunks = [];
      for (let i = 0; i < Number(a); i++) chunks.push(new Uint8Array(1 << 20).fill(i));
      write('stdout', `grew ${chunks.length} MiB\n`);
      return 0;
    }
    default:
      write('stdout', `hello from js: ${args.join(' ')}\n`);
      return 0;
  }
}

export const run = {
  run() {
    const args = getArguments();
    // A command's arguments start with its own name, as argv does.
    const code = main(args.slice(1), getEnvironment());
    if (code !== 0) exitWithCode(code);
  },
};
