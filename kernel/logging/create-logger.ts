import { pino, type Logger as PinoLogger } from 'pino';

export interface LoggerOptions {
  level: string;
  /** Human-readable lines instead of JSON; defaults to whether stderr is a terminal. */
  pretty?: boolean;
  /** Where lines go; defaults to stderr. */
  destination?: NodeJS.WritableStream;
}

/**
 * The kernel's root logger: JSON lines for machines, pretty lines on a terminal. Values under
 * keys that usually hold credentials are redacted wherever they appear.
 */
export function createLogger(opts: LoggerOptions): PinoLogger {
  const pretty = opts.pretty ?? Boolean(process.stderr.isTTY);
  const base = {
    level: opts.level,
    base: undefined,
    redact: {
      paths: ['*.password', '*.token', '*.secret', 'registryAuth', '*.registryAuth'],
      censor: '[redacted]',
    },
    errorKey: 'err',
  };
  if (pretty && !opts.destination) {
    return pino({
      ...base,
      transport: { target: 'pino-pretty', options: { destination: 2, ignore: 'pid,hostname' } },
    });
  }
  return pino(
    base,
    (opts.destination as pino.DestinationStream | undefined) ?? pino.destination(2),
  );
}
