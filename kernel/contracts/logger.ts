/**
 * The small logger interface plugins receive. Fields first, then a constant message; errors go
 * under `err`. Field names used across Gofer: namespace, pipeline, run, task, extension, plugin.
 */
export interface Logger {
  debug(fields: Record<string, unknown>, msg: string): void;
  info(fields: Record<string, unknown>, msg: string): void;
  warn(fields: Record<string, unknown>, msg: string): void;
  error(fields: Record<string, unknown>, msg: string): void;
  child(fields: Record<string, unknown>): Logger;
}

export const LOGGER = Symbol.for('gofer.contract.Logger');
