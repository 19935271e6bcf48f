/**
 * Warm worker threads for tasks. Starting a worker costs tens of milliseconds, far more than
 * running a small task, so a worker whose task ended by itself (it reported its exit code) goes
 * back to the pool and runs the next task, which gets a fresh instance, fresh memory and a
 * virtual WASI of its own. A worker whose task was stopped, timed out, trapped or failed is
 * terminated and never reused, so nothing a misbehaving task left behind reaches another task.
 */
import { Worker } from 'node:worker_threads';
import { skipOptimizingGlueInit } from '../../extensions/runtime-wasm/component-glue-tuning.js';

const WORKER_URL = new URL('./wasi-task-worker.js', import.meta.url);

export class TaskWorkerPool {
  private readonly idle: Worker[] = [];
  /** The modules each worker holds from its last task, so that they are not sent again. */
  private readonly heldModules = new WeakMap<Worker, object>();
  private closed = false;

  /** @param maxIdle how many finished workers are kept warm; 0 gives each task a new one. */
  constructor(private readonly maxIdle: number) {}

  /** A worker of its own for one task: a warm one when there is one. */
  acquire(): Worker {
    const worker = this.idle.pop() ?? spawn();
    worker.ref();
    if (this.idle.length === 0 && this.maxIdle > 0 && !this.closed) this.idle.push(spawn());
    return worker;
  }

  /**
   * Whether `worker` must be sent `modules` for its next task, i.e. it does not hold them from
   * its last one; records that it holds them from now on.
   */
  needsModules(worker: Worker, modules: object): boolean {
    if (this.heldModules.get(worker) === modules) return false;
    this.heldModules.set(worker, modules);
    return true;
  }

  /** Takes back a worker whose task reported its exit code. */
  release(worker: Worker): void {
    worker.removeAllListeners('message');
    worker.removeAllListeners('error');
    worker.removeAllListeners('exit');
    if (this.closed || this.idle.length >= this.maxIdle) {
      void worker.terminate();
      return;
    }
    worker.on('error', ignore);
    worker.unref();
    this.idle.push(worker);
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.idle.splice(0).map((w) => w.terminate()));
  }
}

const ignore = () => undefined;

function spawn(): Worker {
  // The worker inherits no environment of the kernel's and no stdio: the task sees only WASI.
  skipOptimizingGlueInit();
  const worker = new Worker(WORKER_URL, { env: {}, stdout: true, stderr: true });
  // An idle worker that dies is simply not there to be picked; `exit` of a busy one is watched
  // by its workload.
  worker.on('error', ignore);
  worker.unref();
  return worker;
}
