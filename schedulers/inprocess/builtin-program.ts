/**
 * The programs the in-process scheduler can run in place of a container's process. The task's
 * entrypoint and command, joined, name one program and its arguments:
 *
 * - `echo ARGS...` prints the arguments joined by spaces and a newline on stdout, exits 0.
 * - `fail CODE [MESSAGE...]` prints MESSAGE and a newline on stderr, exits CODE (0-255).
 * - `sleep MS` waits MS milliseconds and exits 0; SIGTERM ends it at once with 143.
 * - `env` prints each `KEY=VALUE` of its environment followed by a NUL byte, exits 0.
 * - `print STREAM TEXT...` prints TEXT (joined by spaces) on `stdout` or `stderr` with no
 *   newline added, exits 0.
 * - `trap-term MS` runs until stopped, then keeps running MS milliseconds and exits 0: a
 *   process that handles SIGTERM slowly.
 * - `hang` never exits on its own and ignores SIGTERM; only SIGKILL ends it.
 *
 * Any program ends with 137 on SIGKILL; the workload, not the program, handles that.
 */
import type { LogStream } from '../../kernel/logs/log-framing.js';
import { schedulerFailure } from './scheduler-failure.js';

/** What a running program may do; the workload owns the timers and the log file. */
export interface ProgramIo {
  readonly env: Readonly<Record<string, string>>;
  write(stream: LogStream, text: string): void;
  /** Ends the program; only the first call counts. */
  exit(code: number): void;
  /** A timer cleared when the program ends, however it ends. */
  after(ms: number, fn: () => void): void;
}

export interface BuiltinProgram {
  /** Starts the program; the result reacts to SIGTERM. */
  start(io: ProgramIo): { onTerm(): void };
}

/** Exit code of a process ended by SIGTERM: 128 + 15, as a shell reports it. */
export const SIGTERM_EXIT = 143;

const PROGRAMS = ['echo', 'fail', 'sleep', 'env', 'print', 'trap-term', 'hang'];
const ignoreTerm = { onTerm: () => {} };

/**
 * Parses the command line of a task. Rejects with START_FAILED naming the program and its usage
 * when the command is not one of the built-in programs, the way an engine fails to start a
 * container whose executable is missing.
 */
export function parseBuiltinProgram(argv: readonly string[]): BuiltinProgram {
  const [name, ...args] = argv;
  switch (name) {
    case 'echo':
      return finishAtOnce((io) => io.write('stdout', `${args.join(' ')}\n`), 0);
    case 'fail': {
      const code = parseInteger(args[0], 0, 255, 'fail CODE [MESSAGE...]', argv);
      const message = args.slice(1).join(' ');
      return finishAtOnce((io) => message && io.write('stderr', `${message}\n`), code);
    }
    case 'sleep': {
      const ms = parseInteger(args[0], 0, Number.MAX_SAFE_INTEGER, 'sleep MS', argv);
      return {
        start: (io) => {
          io.after(ms, () => io.exit(0));
          return { onTerm: () => io.exit(SIGTERM_EXIT) };
        },
      };
    }
    case 'env':
      return finishAtOnce((io) => {
        const entries = Object.entries(io.env).map(([key, value]) => `${key}=${value}\0`);
        io.write('stdout', entries.join(''));
      }, 0);
    case 'print': {
      const stream = args[0];
      if (stream !== 'stdout' && stream !== 'stderr') throw usage('print STREAM TEXT...', argv);
      return finishAtOnce((io) => io.write(stream, args.slice(1).join(' ')), 0);
    }
    case 'trap-term': {
      const ms = parseInteger(args[0], 0, Number.MAX_SAFE_INTEGER, 'trap-term MS', argv);
      return { start: (io) => ({ onTerm: () => io.after(ms, () => io.exit(0)) }) };
    }
    case 'hang':
      return { start: () => ignoreTerm };
    default:
      throw schedulerFailure(
        'START_FAILED',
        `command ${JSON.stringify(argv)} names no built-in program of the inprocess scheduler; ` +
          `set the task's command to one of: ${PROGRAMS.join(', ')} (see docs/schedulers/inprocess.md)`,
      );
  }
}

/**
 * A program that does its work and exits on the next turn of the event loop, so that the
 * caller has the handle before the exit, as with a real process.
 */
function finishAtOnce(work: (io: ProgramIo) => unknown, code: number): BuiltinProgram {
  return {
    start: (io) => {
      io.after(0, () => {
        work(io);
        io.exit(code);
      });
      return ignoreTerm;
    },
  };
}

function parseInteger(
  text: string | undefined,
  min: number,
  max: number,
  form: string,
  argv: readonly string[],
): number {
  const value = text !== undefined && /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(value >= min && value <= max)) throw usage(form, argv);
  return value;
}

function usage(form: string, argv: readonly string[]) {
  return schedulerFailure(
    'START_FAILED',
    `command ${JSON.stringify(argv)} is not valid for the inprocess scheduler; write it as \`${form}\``,
  );
}
