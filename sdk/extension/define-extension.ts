import type {
  ExtensionInfo,
  ExternalEvent,
  ExternalEventResponse,
  RunFinishedNotice,
  SubscriptionRef,
} from '../../kernel/contracts/extension.js';
import { errorText } from './extension-host-api.js';

/**
 * An extension written once in TypeScript. Every handler is optional except `info`; a handler
 * that refuses (bad settings, say) throws an `Error` whose message the user reads as it is.
 * Handlers are synchronous: the guest has no event loop between calls, so a promise would never
 * settle. Time comes only from `tick`, which the host calls when the last `tick` asked.
 */
export interface ExtensionDefinition {
  info: ExtensionInfo;
  init?(config: Record<string, string>): void;
  subscribe?(sub: SubscriptionRef, settings: Record<string, string>): void;
  unsubscribe?(sub: SubscriptionRef): void;
  /** Returns the ms until the next tick is wanted; 0 means none until something changes. */
  tick?(now: number): number;
  externalEvent?(event: ExternalEvent): ExternalEventResponse;
  runFinished?(notice: RunFinishedNotice): void;
  shutdown?(): void;
}

type Kv = Array<[string, string]>;
type Param = ExtensionInfo['configParams'][number];
type WitRunStatus = 'successful' | 'failed' | 'cancelled';

/** The `guest` export as componentize-js binds it to the WIT world `gofer:extension/extension`. */
export interface GuestExports {
  init(config: Kv): void;
  info(): {
    name: string;
    version: string;
    documentation: string;
    configParams: Param[];
    subscriptionParams: Param[];
  };
  subscribe(namespace: string, pipeline: string, label: string, settings: Kv): void;
  unsubscribe(namespace: string, pipeline: string, label: string): void;
  externalEvent(headers: Kv, body: Uint8Array): ExternalEventResponse;
  tick(nowMs: bigint | number): bigint;
  runFinished(
    namespace: string,
    pipeline: string,
    label: string,
    run: bigint | number,
    status: WitRunStatus,
  ): void;
  shutdown(): void;
}

/**
 * Adapts a definition to the WIT shapes. A `result` export reports a thrown error as its `err`
 * string (componentize-js turns a thrown string into `err`); the others let it escape, which
 * traps the instance, and the host then replaces it.
 */
export function defineExtension(def: ExtensionDefinition): GuestExports {
  return {
    init: (config) => refusing(() => def.init?.(Object.fromEntries(config))),
    info: () => ({ ...def.info }),
    subscribe: (namespace, pipeline, label, settings) =>
      refusing(() => def.subscribe?.({ namespace, pipeline, label }, Object.fromEntries(settings))),
    unsubscribe: (namespace, pipeline, label) =>
      refusing(() => def.unsubscribe?.({ namespace, pipeline, label })),
    externalEvent: (headers, body) =>
      refusing(() => {
        if (!def.externalEvent) return { status: 404, body: 'this extension takes no events' };
        return def.externalEvent({ headers: Object.fromEntries(headers), body });
      }),
    tick: (nowMs) => BigInt(Math.max(0, Math.ceil(def.tick?.(Number(nowMs)) ?? 0))),
    runFinished: (namespace, pipeline, label, run, status) =>
      def.runFinished?.({
        subscription: { namespace, pipeline, label },
        run: Number(run),
        status: status.toUpperCase() as RunFinishedNotice['status'],
      }),
    shutdown: () => def.shutdown?.(),
  };
}

function refusing<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw errorText(err);
  }
}
