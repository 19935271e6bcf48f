import { invalidArgument } from '../../kernel/errors.js';

/** Parses a run number, version or similar positional argument. */
export function positiveInt(value: string, name: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0) {
    throw invalidArgument(
      `${name} must be a positive whole number, got ${JSON.stringify(value)}`,
      `pass the ${name} as a number, e.g. 1`,
    );
  }
  return n;
}
