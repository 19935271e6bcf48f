/**
 * Follows the engine's container events (start, die, oom) on one long-lived stream and turns
 * them into the `started` and `exited` promises of the containers the scheduler follows; nothing
 * here polls the engine. When the stream breaks it is reopened with `since` set to the last
 * event seen, so the engine replays what was missed, and every followed container is inspected
 * once, because the engine's replay buffer is bounded and a container may have vanished.
 */
import type Docker from 'dockerode';
import type { Logger } from '../../kernel/contracts/logger.js';
import { ContainerWatch, lostOutcome } from './container-watch.js';
import type { ContainerExit } from './container-watch.js';
import { engineMessage, isNotFound } from './engine-errors.js';

interface EngineEvent {
  Type?: string;
  Action?: string;
  id?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
  time?: number;
  timeNano?: number;
}

/** What was heard about containers nobody followed yet, so a late follower misses nothing. */
interface Heard {
  startedAt?: number;
  oom?: boolean;
  exit?: ContainerExit;
}

const HEARD_LIMIT = 1024;
const RECONNECT_MIN_MS = 100;
const RECONNECT_MAX_MS = 5000;

export class ContainerEvents {
  private readonly watches = new Map<string, ContainerWatch>();
  private readonly heard = new Map<string, Heard>();
  /** Exits heard lately, followed or not: the engine's container list can lag its own events. */
  private readonly ended = new Map<string, number>();
  /** Whole seconds: the engine's `since` then replays that whole second; handling is idempotent. */
  private since = Math.floor(Date.now() / 1000);
  private abort?: AbortController;
  private reconnectTimer?: NodeJS.Timeout;
  private reconnectDelay = RECONNECT_MIN_MS;
  private connecting?: Promise<void>;
  private closed = false;

  constructor(
    private readonly docker: Docker,
    /** `gofer.installation=<id>`, or the bare key to hear every Gofer container. */
    private readonly labelFilter: string,
    private readonly logger: Logger,
  ) {}

  /** Opens the stream if it is not open; rejects when the engine cannot be reached. */
  connect(): Promise<void> {
    if (this.abort && !this.connecting) return Promise.resolve();
    this.connecting ??= this.open().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  /** Follows a container by engine id; the same watch is returned while it is followed. */
  watch(containerId: string): ContainerWatch {
    const existing = this.watches.get(containerId);
    if (existing) return existing;

    const watch = new ContainerWatch(containerId);
    const heard = this.heard.get(containerId);
    this.heard.delete(containerId);
    if (heard?.startedAt !== undefined) watch.markStarted(heard.startedAt);
    if (heard?.oom) watch.oom = true;
    if (heard?.exit) {
      watch.settle({ kind: 'exited', ...heard.exit });
      return watch;
    }
    this.watches.set(containerId, watch);
    watch.exited.then(() => this.watches.delete(containerId));
    return watch;
  }

  /** The exit code of a container whose `die` event was heard lately, if one was. */
  exitCodeHeard(containerId: string): number | undefined {
    return this.ended.get(containerId);
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    this.abort?.abort();
  }

  private async open(): Promise<void> {
    const abort = new AbortController();
    const stream = (await this.docker.getEvents({
      since: this.since,
      filters: { type: ['container'], event: ['start', 'die', 'oom'], label: [this.labelFilter] },
      abortSignal: abort.signal,
    })) as NodeJS.ReadableStream;
    if (this.closed) {
      abort.abort();
      return;
    }
    this.abort = abort;
    this.reconnectDelay = RECONNECT_MIN_MS;

    let pending = '';
    let ended = false;
    const onEnd = (err?: Error) => {
      if (ended) return;
      ended = true;
      if (this.closed) return;
      this.logger.warn({ err }, 'docker event stream ended; reconnecting');
      this.scheduleReconnect();
    };
    stream.on('data', (chunk: Buffer) => {
      const lines = (pending + chunk.toString('utf8')).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) this.handleLine(line);
    });
    stream.on('error', onEnd);
    stream.on('end', () => onEnd());
    stream.on('close', () => onEnd());
  }

  private scheduleReconnect(): void {
    this.abort = undefined;
    this.reconnectTimer = setTimeout(() => {
      this.connect()
        .then(() => this.reconcile())
        .catch((err: unknown) => {
          this.logger.warn({ err: engineMessage(err) }, 'docker event stream reconnect failed');
          this.reconnectDelay = Math.min(this.reconnectDelay * 2, RECONNECT_MAX_MS);
          if (!this.closed) this.scheduleReconnect();
        });
    }, this.reconnectDelay);
    this.reconnectTimer.unref();
  }

  private handleLine(line: string): void {
    let event: EngineEvent;
    try {
      event = JSON.parse(line) as EngineEvent;
    } catch {
      this.logger.warn({ line }, 'docker event stream sent a line that is not JSON');
      return;
    }
    const id = event.Actor?.ID ?? event.id;
    if (!id) return;
    if (event.time !== undefined) this.since = Math.max(this.since, event.time);
    const at = event.timeNano ? Math.floor(event.timeNano / 1e6) : (event.time ?? 0) * 1000;

    switch (event.Action) {
      case 'start':
        this.onStart(id, at);
        break;
      case 'oom':
        this.onOom(id);
        break;
      case 'die':
        void this.onDie(id, Number(event.Actor?.Attributes?.exitCode ?? -1), at);
        break;
    }
  }

  private onStart(id: string, at: number): void {
    const watch = this.watches.get(id);
    if (watch) watch.markStarted(at);
    else this.remember(id, { startedAt: at });
  }

  private onOom(id: string): void {
    const watch = this.watches.get(id);
    if (watch) watch.oom = true;
    else this.remember(id, { oom: true });
  }

  private async onDie(id: string, exitCode: number, at: number): Promise<void> {
    this.ended.set(id, exitCode);
    if (this.ended.size > HEARD_LIMIT) this.ended.delete(this.ended.keys().next().value as string);
    const watch = this.watches.get(id);
    if (!watch) {
      const oom = this.heard.get(id)?.oom ?? false;
      this.remember(id, { exit: { exitCode, oomKilled: oom, at } });
      return;
    }
    // The oom event can be missing (cgroup v1 reports it late), so a SIGKILL exit, the only way
    // the OOM killer ends a process, asks the engine; every other exit is reported at once.
    const oomKilled = watch.oom || (exitCode === 137 && (await this.inspectOomKilled(id)));
    watch.settle({ kind: 'exited', exitCode, oomKilled, at });
  }

  private async inspectOomKilled(id: string): Promise<boolean> {
    try {
      return (await this.docker.getContainer(id).inspect()).State.OOMKilled;
    } catch {
      return false;
    }
  }

  private remember(id: string, heard: Heard): void {
    this.heard.set(id, { ...this.heard.get(id), ...heard });
    if (this.heard.size > HEARD_LIMIT) this.heard.delete(this.heard.keys().next().value as string);
  }

  /** After a gap in the stream: settles what ended or vanished while nobody was listening. */
  private async reconcile(): Promise<void> {
    for (const watch of [...this.watches.values()]) {
      try {
        const info = await this.docker.getContainer(watch.containerId).inspect();
        watch.applyInspect(info);
      } catch (err) {
        if (!isNotFound(err)) continue;
        const reason = `container ${watch.containerId} vanished while the event stream was down`;
        watch.settle(lostOutcome(reason, Date.now()));
      }
    }
  }
}
