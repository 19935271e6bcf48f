/**
 * Errors the kernel reads by their `code`, and the words the engine gave. Built here rather than
 * imported so the plugin depends on the contracts' types alone.
 */
import type { SchedulerErrorCode } from '../../kernel/contracts/scheduler.js';

export interface SwarmFailure extends Error {
  readonly code: SchedulerErrorCode;
}

export function swarmFailure(code: SchedulerErrorCode, message: string): SwarmFailure {
  return Object.assign(new Error(message), { name: 'SchedulerError', code });
}

interface EngineError {
  statusCode?: number;
  json?: { message?: string } | null;
  message?: string;
}

export function isNotFound(err: unknown): boolean {
  return (err as EngineError | null)?.statusCode === 404;
}

export function engineMessage(err: unknown): string {
  const e = err as EngineError | null;
  const text = e?.json?.message ?? e?.message ?? String(err);
  return text.replace(/^\(HTTP code \d+\) [a-z ]+- /, '').trim();
}
