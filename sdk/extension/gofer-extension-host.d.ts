/**
 * The host interface as the guest sees it once componentize-js has bound the
 * `gofer:extension/host` import (proto/wit/gofer-extension.wit). Only guest bundles import this
 * module; it does not exist in Node.
 */
declare module 'gofer:extension/host@0.1.0' {
  export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
  export function log(level: LogLevel, message: string): void;
  /** Throws the host's refusal as a string. */
  export function startRun(
    namespace: string,
    pipeline: string,
    label: string,
    variables: Array<[string, string]>,
    reason: string,
  ): bigint | number;
  export function timeZoneOffset(zone: string, atMs: bigint): number;
}
