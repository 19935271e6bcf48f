/**
 * Admission of runs under two limits: a global cap on runs in flight and each pipeline's own
 * `parallelism`. Runs that do not fit wait in FIFO order (the store shows them as QUEUED); a run
 * is admitted as soon as it fits, and a slot frees on every terminal state. A run blocked by its
 * own pipeline's limit does not hold back runs of other pipelines queued behind it.
 */
export interface QueuedRun {
  key: string;
  pipelineKey: string;
  /** The pipeline's limit; 0 means only the global limit applies. */
  parallelism: number;
  admit: () => void;
}

export class RunQueue {
  private readonly waiting: QueuedRun[] = [];
  private readonly inFlight = new Map<string, string>();
  private readonly perPipeline = new Map<string, number>();

  /** `globalLimit` 0 means unlimited. */
  constructor(private readonly globalLimit: number) {}

  /** Queues the run; `admit` is called (synchronously, if it fits now) when it may start. */
  enqueue(run: QueuedRun): void {
    this.waiting.push(run);
    this.pump();
  }

  /** Marks a run as in flight without queueing, for runs adopted after a restart. */
  occupy(key: string, pipelineKey: string): void {
    if (this.inFlight.has(key)) return;
    this.inFlight.set(key, pipelineKey);
    this.perPipeline.set(pipelineKey, (this.perPipeline.get(pipelineKey) ?? 0) + 1);
  }

  /** Frees the run's slot, or takes it out of the queue if it never started. */
  release(key: string): void {
    const pipelineKey = this.inFlight.get(key);
    if (pipelineKey !== undefined) {
      this.inFlight.delete(key);
      const n = (this.perPipeline.get(pipelineKey) ?? 1) - 1;
      if (n > 0) this.perPipeline.set(pipelineKey, n);
      else this.perPipeline.delete(pipelineKey);
    } else {
      const index = this.waiting.findIndex((r) => r.key === key);
      if (index >= 0) this.waiting.splice(index, 1);
    }
    this.pump();
  }

  isQueued(key: string): boolean {
    return this.waiting.some((r) => r.key === key);
  }

  get size(): { inFlight: number; queued: number } {
    return { inFlight: this.inFlight.size, queued: this.waiting.length };
  }

  private pump(): void {
    for (let i = 0; i < this.waiting.length;) {
      if (this.globalLimit > 0 && this.inFlight.size >= this.globalLimit) return;
      const run = this.waiting[i];
      const running = this.perPipeline.get(run.pipelineKey) ?? 0;
      if (run.parallelism > 0 && running >= run.parallelism) {
        i++;
        continue;
      }
      this.waiting.splice(i, 1);
      this.occupy(run.key, run.pipelineKey);
      run.admit();
    }
  }
}
