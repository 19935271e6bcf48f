/**
 * Checks on request fields that the wire cannot express: proto3 sends an empty string for a
 * missing id and 0 for a missing number. Each failure is INVALID_ARGUMENT naming the field.
 */
import type { Page } from '../contracts/state-store.js';
import { invalidArgument } from '../errors.js';

/** Environment variable names; run variables become task environment. */
const VARIABLE_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function requireText(value: string, field: string): string {
  if (value.trim() === '') {
    throw invalidArgument(`${field} is required`, `set ${field} to a non-empty value`);
  }
  return value;
}

export function requirePositive(value: number, field: string): number {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw invalidArgument(`${field} must be a positive integer, got ${value}`, `set ${field}`);
  }
  return value;
}

export function nonNegative(value: number, field: string): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw invalidArgument(
      `${field} must not be negative, got ${value}`,
      `set ${field} to 0 or more`,
    );
  }
  return value;
}

export function variables(
  map: Record<string, string>,
  field = 'variables',
): Record<string, string> {
  const bad = Object.keys(map).filter((key) => !VARIABLE_KEY.test(key));
  if (bad.length > 0) {
    throw invalidArgument(
      `${field} has keys that are not variable names: ${bad.map((k) => JSON.stringify(k)).join(', ')}`,
      'use keys made of letters, digits and _ that do not start with a digit, e.g. -v BRANCH=main',
    );
  }
  return { ...map };
}

export function page(req: { offset: number; limit: number }): Page {
  return {
    offset: nonNegative(req.offset, 'offset'),
    limit: nonNegative(req.limit, 'limit') || undefined,
  };
}
