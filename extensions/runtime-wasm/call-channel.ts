import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';

/** How long the kernel side spins for an answer before it waits asynchronously. */
const SPIN_MS = 0.05;
/** How long a worker spins for the next call before it sleeps. */
const WORKER_SPIN_MS = 0.2;

/**
 * One side of the channel between the kernel thread and an extension's worker. Both sides share
 * a SharedArrayBuffer: a small header (state, payload length, where the payload is) and a payload
 * area holding one JSON frame. A side writes its frame and flips the state with Atomics; the other
 * side is woken by Atomics.wait (the worker, which may block) or Atomics.waitAsync (the kernel,
 * which must not). This costs a few µs where a postMessage round trip costs ~60 µs.
 *
 * A frame too large for the payload area travels over a MessagePort instead; the reader takes it
 * with receiveMessageOnPort, which works on a thread blocked in a synchronous host import.
 *
 * Only one exchange is in flight at a time; the kernel side serialises calls.
 */
export const State = {
  /** Nothing in flight (also: the worker finished a call and its result was read). */
  IDLE: 0,
  /** Kernel -> worker: a call into the guest. */
  CALL: 1,
  /** Worker -> kernel: a guest import needs the host. */
  HOST_CALL: 2,
  /** Kernel -> worker: the host's answer to HOST_CALL. */
  HOST_REPLY: 3,
  /** Worker -> kernel: the call's outcome. */
  RESULT: 4,
} as const;

/** Kernel -> worker. Arguments are JSON: u64s as numbers, bodies as base64. */
export type CallFrame = { op: string; args: unknown[] };
/** Worker -> kernel: a value, the guest's `err` string, or what broke the instance. */
export type ResultFrame = { ok: unknown } | { refused: string } | { fatal: string };
export type HostCallFrame = { fn: 'log' | 'startRun' | 'timeZoneOffset'; args: unknown[] };
export type HostReplyFrame = { ok: unknown } | { err: string };
/** The worker's one postMessage, once instantiated (or not). */
export type ReadyMessage = { type: 'ready' } | { type: 'failed'; message: string };

const STATE = 0;
const LENGTH = 1;
const VIA_PORT = 2;
const HEADER_BYTES = 16;

/** Payload area big enough for every ordinary call; webhook bodies may overflow to the port. */
export const DEFAULT_CHANNEL_BYTES = 256 * 1024;

type WaitAsync = (
  view: Int32Array,
  index: number,
  value: number,
  timeout?: number,
) => { async: false; value: 'not-equal' | 'timed-out' } | { async: true; value: Promise<string> };

const encoder = new TextEncoder();

export class CallChannel {
  private readonly header: Int32Array;
  private readonly payload: Uint8Array;

  constructor(
    readonly buffer: SharedArrayBuffer,
    private readonly port: MessagePort,
  ) {
    this.header = new Int32Array(buffer, 0, 4);
    this.payload = new Uint8Array(buffer, HEADER_BYTES);
  }

  static allocate(bytes = DEFAULT_CHANNEL_BYTES): SharedArrayBuffer {
    return new SharedArrayBuffer(HEADER_BYTES + bytes);
  }

  get state(): number {
    return Atomics.load(this.header, STATE);
  }

  /** Publishes `frame` and moves to `state`, waking the other side. */
  send(state: number, frame: unknown): void {
    const text = JSON.stringify(frame) ?? 'null';
    const { read, written } = encoder.encodeInto(text, this.payload);
    if (read < text.length) {
      this.port.postMessage(text);
      this.header[VIA_PORT] = 1;
      this.header[LENGTH] = 0;
    } else {
      this.header[VIA_PORT] = 0;
      this.header[LENGTH] = written;
    }
    Atomics.store(this.header, STATE, state);
    Atomics.notify(this.header, STATE);
  }

  /** The frame the other side last sent. */
  receive(): unknown {
    if (this.header[VIA_PORT] === 1) {
      const message = receiveMessageOnPort(this.port);
      if (!message) throw new Error('call channel: a large frame was announced but never arrived');
      return JSON.parse(message.message as string);
    }
    const length = this.header[LENGTH];
    return JSON.parse(Buffer.from(this.buffer, HEADER_BYTES, length).toString('utf8'));
  }

  /** Worker side: blocks the thread until the state is one of `states`. */
  waitFor(...states: number[]): number {
    // Calls often come in bursts (a replay of subscriptions, a run of webhooks): a short spin
    // answers the next one without the futex wake-up a sleeping thread needs.
    const spinUntil = performance.now() + WORKER_SPIN_MS;
    for (;;) {
      const current = Atomics.load(this.header, STATE);
      if (states.includes(current)) return current;
      if (performance.now() < spinUntil) continue;
      Atomics.wait(this.header, STATE, current);
    }
  }

  /**
   * Kernel side: resolves once the state leaves `current`, or with 'timed-out' after
   * `timeoutMs`. Never blocks the thread.
   */
  async changeFrom(current: number, timeoutMs: number): Promise<number | 'timed-out'> {
    // Most calls answer within tens of microseconds; a short bounded spin catches them without
    // the event-loop round trip a waitAsync wake costs, and gives up quickly on slow ones.
    const spinUntil = performance.now() + SPIN_MS;
    do {
      const now = Atomics.load(this.header, STATE);
      if (now !== current) return now;
    } while (performance.now() < spinUntil);

    const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;
    const waiting = waitAsync(this.header, STATE, current, Math.max(0, timeoutMs));
    const outcome = waiting.async ? await waiting.value : waiting.value;
    if (outcome === 'timed-out') return 'timed-out';
    return Atomics.load(this.header, STATE);
  }
}
