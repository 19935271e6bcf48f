import { readFileSync, statSync } from 'node:fs';
import { MAX_MESSAGE_BYTES } from '../kernel/api/api-server.js';
import { invalidArgument, notFound } from '../kernel/errors.js';
import { byteCount } from './output.js';

/**
 * The largest value one put can carry. The value travels in one API message with the key, the
 * scope and the flags, so it keeps well clear of the message limit for those.
 */
export const MAX_VALUE_BYTES = MAX_MESSAGE_BYTES - 64 * 1024;

/** `key=value`, or `key=@file` for the file's bytes. */
export function parseKeyValue(arg: string): { key: string; value: Buffer } {
  const at = arg.indexOf('=');
  if (at <= 0) {
    throw invalidArgument(
      `"${arg}" is not key=value`,
      'write it as key=value, or key=@path to take the value from a file',
    );
  }
  const key = arg.slice(0, at);
  const raw = arg.slice(at + 1);
  const value = raw.startsWith('@') ? readValueFile(raw.slice(1)) : Buffer.from(raw);
  checkSize(value.length, `the value of ${key}`);
  return { key, value };
}

function readValueFile(path: string): Buffer {
  const stats = statSync(path, { throwIfNoEntry: false });
  if (!stats) {
    throw notFound(
      `file ${path} does not exist`,
      `check the path after @; a relative one is read from ${process.cwd()}`,
    );
  }
  if (stats.isDirectory()) {
    throw invalidArgument(`${path} is a directory, not a file`, 'give a file after @');
  }
  // Checked before reading, so an oversized file is neither read nor sent.
  checkSize(stats.size, `file ${path}`);
  try {
    return readFileSync(path);
  } catch (err) {
    throw invalidArgument(
      `cannot read file ${path}: ${(err as Error).message}`,
      'check that the file is readable by you',
    );
  }
}

function checkSize(size: number, what: string): void {
  if (size <= MAX_VALUE_BYTES) return;
  throw invalidArgument(
    `${what} is ${sized(size)}, more than the ${sized(MAX_VALUE_BYTES)} one value may hold`,
    'store a smaller value, or split it across several keys',
  );
}

/** "70254592 bytes (67.0 MiB)": exact for comparing, and readable. */
const sized = (n: number) => `${byteCount(n)} (${(n / 1024 / 1024).toFixed(1)} MiB)`;
