import type { EventService } from '../api/kernel-services.js';
import type { GoferEvent } from '../contracts/model.js';
import type { NewEvent, StateStore } from '../contracts/state-store.js';
import { AsyncQueue } from './async-queue.js';

type Listener = (event: GoferEvent) => void;

const PAGE = 200;

/**
 * Records every state change as an event and hands it to listeners in id order. Publishing
 * never waits on a listener: each follower has its own unbounded queue, so one slow reader
 * cannot stall the kernel.
 */
export class EventBus implements EventService {
  private readonly listeners = new Set<Listener>();
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly store: StateStore) {}

  /** Persists the event, then tells listeners; emits are published in the order they were made. */
  emit(event: NewEvent): Promise<GoferEvent> {
    const stored = this.tail.then(() => this.store.appendEvent(event));
    this.tail = stored.then(
      (e) => this.publish(e),
      () => undefined,
    );
    return stored;
  }

  /** Calls `listener` for every event emitted from now on; returns the unsubscribe function. */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get(id: number): Promise<GoferEvent> {
    return this.store.getEvent(id);
  }

  async *list(opts: {
    afterId?: number;
    reverse?: boolean;
    follow?: boolean;
    limit?: number;
    signal?: AbortSignal;
  }): AsyncIterable<GoferEvent> {
    if (opts.reverse) {
      yield* await this.store.listEvents({ reverse: true, limit: opts.limit ?? PAGE });
      return;
    }

    // Subscribe before reading history so nothing emitted in between is missed; duplicates
    // across the seam are dropped by id.
    const live = new AsyncQueue<GoferEvent>(opts.signal);
    const unsubscribe = opts.follow ? this.subscribe((e) => live.push(e)) : () => undefined;
    try {
      let lastId = opts.afterId ?? 0;
      let remaining = opts.limit ?? Number.POSITIVE_INFINITY;
      for (;;) {
        const page = await this.store.listEvents({
          afterId: lastId,
          limit: Math.min(PAGE, remaining),
        });
        for (const event of page) {
          yield event;
          lastId = event.id;
        }
        remaining -= page.length;
        if (page.length < PAGE || remaining <= 0) break;
      }
      if (!opts.follow) return;
      for await (const event of live) {
        if (event.id <= lastId) continue;
        lastId = event.id;
        yield event;
      }
    } finally {
      unsubscribe();
      live.close();
    }
  }

  private publish(event: GoferEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A listener's failure is its own; the bus carries on.
      }
    }
  }
}
