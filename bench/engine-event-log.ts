/**
 * The engine's own record of when each benchmark container started and exited: its `start` and
 * `die` events with their `timeNano`, read on a stream of its own straight from the engine's
 * socket (not through the relay), for every container carrying a Gofer installation label.
 */
import type Docker from 'dockerode';

interface EngineEvent {
  Action?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
  timeNano?: number;
}

export interface ContainerTimes {
  name: string;
  labels: Record<string, string>;
  /** Wall-clock ms (fractional) from the engine's event. */
  start?: number;
  die?: number;
  exitCode?: number;
}

export class EngineEventLog {
  private readonly byName = new Map<string, ContainerTimes>();
  private readonly waiters = new Map<string, Array<() => void>>();

  private constructor(private readonly abort: AbortController) {}

  /** `label` narrows the stream, as the engine's filter does: a bare key or `key=value`. */
  static async open(docker: Docker, label = 'gofer.installation'): Promise<EngineEventLog> {
    const abort = new AbortController();
    const log = new EngineEventLog(abort);
    const stream = (await docker.getEvents({
      filters: { type: ['container'], event: ['start', 'die'], label: [label] },
      abortSignal: abort.signal,
    })) as NodeJS.ReadableStream;

    let pending = '';
    stream.on('data', (chunk: Buffer) => {
      const lines = (pending + chunk.toString('utf8')).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) log.record(JSON.parse(line) as EngineEvent);
    });
    // Aborting at close ends the stream with an error; nothing is lost by ignoring it then.
    stream.on('error', () => undefined);
    return log;
  }

  get(name: string): ContainerTimes | undefined {
    return this.byName.get(name);
  }

  /** Every container whose labels include all of `labels`. */
  matching(labels: Record<string, string>): ContainerTimes[] {
    return [...this.byName.values()].filter((c) =>
      Object.entries(labels).every(([k, v]) => c.labels[k] === v),
    );
  }

  /** Resolves once the engine reported `name`'s exit, or rejects after `timeoutMs`. */
  async waitForDie(name: string, timeoutMs: number): Promise<ContainerTimes> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        if (this.byName.get(name)?.die !== undefined) return resolve();
        timer = setTimeout(
          () => reject(new Error(`the engine reported no exit of ${name} within ${timeoutMs} ms`)),
          timeoutMs,
        );
        this.waiters.set(name, [...(this.waiters.get(name) ?? []), resolve]);
      });
    } finally {
      clearTimeout(timer);
    }
    return this.byName.get(name)!;
  }

  close(): void {
    this.abort.abort();
  }

  private record(event: EngineEvent): void {
    const attributes = event.Actor?.Attributes ?? {};
    const name = attributes.name;
    if (!name || event.timeNano === undefined) return;
    const { name: _name, image: _image, exitCode, ...labels } = attributes;
    const times = this.byName.get(name) ?? { name, labels };
    const at = event.timeNano / 1e6;
    if (event.Action === 'start') times.start = at;
    if (event.Action === 'die') {
      times.die = at;
      times.exitCode = Number(exitCode ?? -1);
    }
    this.byName.set(name, times);
    if (event.Action === 'die') {
      for (const wake of this.waiters.get(name) ?? []) wake();
      this.waiters.delete(name);
    }
  }
}
