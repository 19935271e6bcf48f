import type { ResultFrame } from './call-channel.js';

type Kv = Array<[string, string]>;

/** The `guest` export of a transpiled gofer:extension component. */
export interface Guest {
  init(config: Kv): void;
  info(): unknown;
  subscribe(namespace: string, pipeline: string, label: string, settings: Kv): void;
  unsubscribe(namespace: string, pipeline: string, label: string): void;
  externalEvent(headers: Kv, body: Uint8Array): { status: number; body: string };
  tick(nowMs: bigint): bigint | number;
  runFinished?(
    namespace: string,
    pipeline: string,
    label: string,
    run: bigint,
    status: string,
  ): void;
  shutdown(): void;
}

/**
 * Turns a call frame into a guest call and its outcome into a result frame, inside the worker.
 * Frames are JSON, so this is where u64s become BigInts and bodies become bytes.
 *
 * An `err` result (jco throws its string, or in other modes an error with a `payload`) is a refusal and leaves the
 * instance usable. Anything else thrown, a trap above all, poisons the instance: jco refuses every
 * later call into it, so the result is `fatal` and the kernel replaces the worker.
 */
export class GuestAdapter {
  constructor(private readonly guest: Guest) {}

  run(op: string, args: unknown[]): ResultFrame {
    try {
      return { ok: this.dispatch(op, args) ?? null };
    } catch (err) {
      if (typeof err === 'string') return { refused: err };
      const payload = (err as { payload?: unknown } | null)?.payload;
      if (payload !== undefined) return { refused: String(payload) };
      return { fatal: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
    }
  }

  private dispatch(op: string, args: unknown[]): unknown {
    const g = this.guest;
    switch (op) {
      case 'init':
        return g.init(args[0] as Kv);
      case 'info':
        return g.info();
      case 'subscribe':
        return g.subscribe(args[0] as string, args[1] as string, args[2] as string, args[3] as Kv);
      case 'unsubscribe':
        return g.unsubscribe(args[0] as string, args[1] as string, args[2] as string);
      case 'externalEvent': {
        const body = Buffer.from(args[1] as string, 'base64');
        const response = g.externalEvent(args[0] as Kv, new Uint8Array(body));
        return { status: response.status, body: response.body };
      }
      case 'tick':
        return Number(g.tick(BigInt(args[0] as number)));
      case 'runFinished': {
        if (typeof g.runFinished !== 'function') return undefined;
        const [ns, pipeline, label, run, status] = args as [string, string, string, number, string];
        return g.runFinished(ns, pipeline, label, BigInt(run), status);
      }
      case 'shutdown':
        return g.shutdown();
      default:
        throw new Error(`unknown extension call ${op}`);
    }
  }
}
