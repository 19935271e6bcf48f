/**
 * A unix-socket relay in front of the Docker engine that records, on the wire, when each
 * container create request was sent and for which container name. Pointing a client (Gofer's
 * docker scheduler, or the raw runner) at `socketPath` measures when that client decided to
 * create a container, independent of its own bookkeeping. The forwarding runs in a worker thread
 * (docker-relay-worker.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { RelayMessage, RelayWorkerData } from './docker-relay-worker.js';

const START_TIMEOUT_MS = 10_000;

export class DockerRelay {
  /** Container name to the wall-clock time (ms, fractional) its create request was sent. */
  readonly creates = new Map<string, number>();

  private constructor(
    private readonly worker: Worker,
    private readonly dir: string,
    readonly socketPath: string,
  ) {
    worker.on('message', (msg: RelayMessage) => {
      if (msg.kind === 'create' && !this.creates.has(msg.name)) this.creates.set(msg.name, msg.at);
    });
  }

  static async start(enginePath: string): Promise<DockerRelay> {
    const dir = mkdtempSync(join(tmpdir(), 'gofer-bench-relay-'));
    const socketPath = join(dir, 'docker.sock');
    const worker = new Worker(new URL('./docker-relay-worker.js', import.meta.url), {
      workerData: { listenPath: socketPath, enginePath } satisfies RelayWorkerData,
    });
    let timer: NodeJS.Timeout | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        timer = setTimeout(
          () => reject(new Error(`the relay did not listen on ${socketPath} within 10 s`)),
          START_TIMEOUT_MS,
        );
        worker.on('error', reject);
        worker.on('message', (msg: RelayMessage) => {
          if (msg.kind === 'listening') resolve();
          if (msg.kind === 'failed') reject(new Error(`the relay cannot listen: ${msg.message}`));
        });
      });
    } catch (err) {
      await worker.terminate();
      rmSync(dir, { recursive: true, force: true });
      throw err;
    } finally {
      clearTimeout(timer);
    }
    return new DockerRelay(worker, dir, socketPath);
  }

  async close(): Promise<void> {
    this.worker.postMessage({ kind: 'close' });
    await Promise.race([
      new Promise((resolve) => this.worker.once('exit', resolve)),
      new Promise((resolve) => setTimeout(resolve, 2000).unref()),
    ]);
    await this.worker.terminate();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
