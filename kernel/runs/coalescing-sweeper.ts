/**
 * Runs a clean-up at most once at a time per key. A request made while one runs is folded into
 * a single rerun after it, so a burst of completed runs costs one or two sweeps, not one each
 * over the same backlog.
 */
export class CoalescingSweeper {
  private readonly running = new Map<string, { again: boolean; done: Promise<void> }>();

  /** Starts `sweep` for `key`, or asks the sweep in progress to go once more. */
  request(key: string, sweep: () => Promise<void>): Promise<void> {
    const current = this.running.get(key);
    if (current) {
      current.again = true;
      return current.done;
    }
    const entry = { again: false, done: Promise.resolve() };
    entry.done = (async () => {
      try {
        do {
          entry.again = false;
          await sweep();
        } while (entry.again);
      } finally {
        this.running.delete(key);
      }
    })();
    this.running.set(key, entry);
    return entry.done;
  }

  /** Resolves once every sweep in progress has finished. */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.running.values()].map((e) => e.done));
  }
}
