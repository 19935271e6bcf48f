import {
  log as hostLog,
  startRun as hostStartRun,
  timeZoneOffset as hostTimeZoneOffset,
} from 'gofer:extension/host@0.1.0';
import type { ExtensionLogLevel } from '../../kernel/contracts/extension.js';

/** What an extension may ask of Gofer. Every call is synchronous from the extension's side. */
export interface ExtensionHostApi {
  /**
   * Starts a run of a pipeline subscribed under `label` and returns its id. Throws an `Error`
   * with the host's reason when the subscription is gone or the run is refused.
   */
  startRun(req: {
    namespace: string;
    pipeline: string;
    label: string;
    variables?: Record<string, string>;
    reason: string;
  }): number;
  log(level: ExtensionLogLevel, message: string): void;
  /** UTC offset in minutes of IANA zone `zone` at epoch ms `at`; throws for an unknown zone. */
  timeZoneOffset(zone: string, at: number): number;
}

// The guest engines disagree on how a u64 arrives (a BigInt in StarlingMonkey, a Number in
// QuickJS), so every number crossing the boundary is normalised here, once.
export const host: ExtensionHostApi = {
  startRun(req) {
    const variables = Object.entries(req.variables ?? {});
    try {
      return Number(hostStartRun(req.namespace, req.pipeline, req.label, variables, req.reason));
    } catch (err) {
      throw new Error(errorText(err), { cause: err });
    }
  },
  log(level, message) {
    hostLog(level, message);
  },
  timeZoneOffset(zone, at) {
    try {
      return hostTimeZoneOffset(zone, BigInt(Math.trunc(at)));
    } catch (err) {
      throw new Error(errorText(err), { cause: err });
    }
  },
};

/** The text of anything thrown across the boundary: a string, an `Error` or a payload. */
export function errorText(err: unknown): string {
  if (typeof err === 'string') return err;
  if (err instanceof Error) return err.message;
  const payload = (err as { payload?: unknown } | null)?.payload;
  return typeof payload === 'string' ? payload : String(err);
}
