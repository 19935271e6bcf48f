import type { SchedulerErrorCode } from '../../kernel/contracts/scheduler.js';

/**
 * An error the kernel reads by its `code`, as it reads every scheduler's errors. Built here
 * rather than imported so the plugin depends on the contracts' types alone.
 */
export interface SchedulerFailure extends Error {
  readonly code: SchedulerErrorCode;
}

export function schedulerFailure(code: SchedulerErrorCode, message: string): SchedulerFailure {
  return Object.assign(new Error(message), { name: 'SchedulerError', code });
}
