/**
 * Follows the state of job tasks through the manager. Docker's API has no task events (20.10
 * publishes service, node and, for the manager's own containers, container events only), so the
 * task list is read again whenever the manager's event stream reports anything, and at the
 * latest every `pollIntervalMs`: a change on another node is seen within that bound.
 *
 * One loop serves every waiter with a single `listTasks` call per round.
 */
import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import type { Logger } from '../../kernel/contracts/logger.js';

/** Task states after which the task never runs again. */
export const TERMINAL_STATES = new Set(['complete', 'failed', 'shutdown', 'rejected', 'orphaned']);

/** Terminal states reached by a container that ran; `rejected` never ran one and reads as 0. */
const ENDED_WITH_CODE = new Set(['complete', 'failed', 'shutdown']);

export interface TaskSnapshot {
  state: string;
  desired: string;
  exitCode: number | null;
  err: string | undefined;
  /** Epoch ms of the task's last state change. */
  at: number;
  nodeId: string | undefined;
  containerId: string | undefined;
}

/** What a waiter decides on each round: settle with this snapshot, or wait for the next. */
type Predicate = (task: TaskSnapshot | undefined) => boolean;

interface Waiter {
  serviceId: string;
  done: Predicate;
  deadline: number;
  resolve: (task: TaskSnapshot | undefined | 'timeout') => void;
}

const EVENT_RETRY_MS = 1_000;

export class JobTracker {
  private readonly waiters = new Set<Waiter>();
  private running = false;
  private wake: (() => void) | undefined;
  private events: Readable | undefined;
  private closed = false;

  constructor(
    private readonly docker: Docker,
    private readonly pollIntervalMs: number,
    private readonly logger: Logger,
  ) {}

  /** Resolves with the first snapshot `done` accepts, or `timeout` after `timeoutMs`. */
  waitFor(
    serviceId: string,
    done: Predicate,
    timeoutMs: number,
  ): Promise<TaskSnapshot | undefined | 'timeout'> {
    return new Promise((resolve) => {
      this.waiters.add({ serviceId, done, deadline: Date.now() + timeoutMs, resolve });
      void this.loop();
    });
  }

  /** The service's newest task now, or undefined when it has none. */
  async current(serviceId: string): Promise<TaskSnapshot | undefined> {
    return (await this.snapshots([serviceId])).get(serviceId);
  }

  close(): void {
    this.closed = true;
    this.events?.destroy();
    for (const w of this.waiters) w.resolve('timeout');
    this.waiters.clear();
    this.wake?.();
  }

  private async loop(): Promise<void> {
    if (this.running) return this.wake?.();
    this.running = true;
    this.openEvents();
    try {
      while (this.waiters.size > 0 && !this.closed) {
        await this.round();
        if (this.waiters.size === 0) break;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.pollIntervalMs);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wake = undefined;
      }
    } finally {
      this.running = false;
      this.events?.destroy();
      this.events = undefined;
    }
  }

  private async round(): Promise<void> {
    const ids = [...new Set([...this.waiters].map((w) => w.serviceId))];
    let snapshots: Map<string, TaskSnapshot>;
    try {
      snapshots = await this.snapshots(ids);
    } catch (err) {
      // The manager may be electing a leader; the next round asks again, deadlines still hold.
      this.logger.warn({ err: (err as Error).message }, 'cannot list swarm tasks');
      return this.expire();
    }
    for (const w of [...this.waiters]) {
      const task = snapshots.get(w.serviceId);
      if (w.done(task)) {
        this.waiters.delete(w);
        w.resolve(task);
      }
    }
    this.expire();
  }

  private expire(): void {
    const now = Date.now();
    for (const w of [...this.waiters]) {
      if (now >= w.deadline) {
        this.waiters.delete(w);
        w.resolve('timeout');
      }
    }
  }

  private async snapshots(serviceIds: string[]): Promise<Map<string, TaskSnapshot>> {
    const tasks = await this.docker.listTasks({ filters: { service: serviceIds } });
    const newest = new Map<string, { created: string; task: TaskSnapshot }>();
    for (const t of tasks as RawTask[]) {
      const serviceId = t.ServiceID;
      const created = t.CreatedAt ?? '';
      const known = newest.get(serviceId);
      if (known && known.created > created) continue;
      newest.set(serviceId, { created, task: snapshotOf(t) });
    }
    return new Map([...newest].map(([id, v]) => [id, v.task]));
  }

  private openEvents(): void {
    if (this.events || this.closed) return;
    this.docker
      .getEvents({ filters: { type: ['service', 'container', 'node'] } })
      .then((stream) => {
        const events = stream as Readable;
        if (this.closed || !this.running) return events.destroy();
        this.events = events;
        events.on('data', () => this.wake?.());
        const again = () => {
          if (this.events !== events) return;
          this.events = undefined;
          setTimeout(() => this.running && this.openEvents(), EVENT_RETRY_MS).unref();
        };
        events.on('error', again);
        events.on('end', again);
      })
      .catch(() => {
        setTimeout(() => this.running && this.openEvents(), EVENT_RETRY_MS).unref();
      });
  }
}

interface RawTask {
  ServiceID: string;
  NodeID?: string;
  CreatedAt?: string;
  DesiredState?: string;
  Status?: {
    State?: string;
    Timestamp?: string;
    Err?: string;
    ContainerStatus?: { ExitCode?: number; ContainerID?: string };
  };
}

function snapshotOf(t: RawTask): TaskSnapshot {
  const state = t.Status?.State ?? 'new';
  const code = t.Status?.ContainerStatus?.ExitCode;
  return {
    state,
    desired: t.DesiredState ?? '',
    // Swarm writes 0 before the container ends and -1 while stopping; only an end has a code.
    exitCode: ENDED_WITH_CODE.has(state) && typeof code === 'number' && code >= 0 ? code : null,
    err: t.Status?.Err,
    at: Date.parse(t.Status?.Timestamp ?? '') || Date.now(),
    nodeId: t.NodeID,
    containerId: t.Status?.ContainerStatus?.ContainerID,
  };
}
