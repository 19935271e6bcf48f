import { watch, type FSWatcher } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import type { LogChunk, LogService } from '../api/kernel-services.js';
import type { StateStore } from '../contracts/state-store.js';
import { failedPrecondition } from '../errors.js';
import type { EventBus } from '../events/event-bus.js';
import { AsyncQueue } from '../events/async-queue.js';
import { decodeRecords } from './log-framing.js';
import type { LogPaths } from './log-paths.js';

const READ_BYTES = 256 * 1024;

/**
 * Serves task logs from their files. Following a task tails its file, woken by file-change
 * notifications and by the task's completion event, never by a timer; once the task run is
 * complete the rest of the file is read and the stream ends.
 */
export class TaskLogService implements LogService {
  constructor(
    private readonly store: StateStore,
    private readonly events: EventBus,
    private readonly paths: LogPaths,
  ) {}

  async *taskLogs(
    namespace: string,
    pipeline: string,
    run: number,
    task: string,
    opts: { follow: boolean; signal?: AbortSignal },
  ): AsyncIterable<LogChunk> {
    const runRecord = await this.store.getRun(namespace, pipeline, run);
    if (runRecord.logsExpired) {
      throw failedPrecondition(
        `the logs of run ${run} of pipeline "${pipeline}" have expired`,
        'logs are kept for the newest runs.log_retention_runs runs',
      );
    }

    // Listen before looking, so a completion between the check and the wait is not missed.
    // Anything pushed on `wake` (a task event, a file change) means "look again".
    const wake = new AsyncQueue<'look'>(opts.signal);
    const unsubscribe = this.events.subscribe((e) => {
      if (
        e.namespace === namespace &&
        e.pipeline === pipeline &&
        e.run === run &&
        e.task === task
      ) {
        wake.push('look');
      }
    });
    let watcher: FSWatcher | undefined;
    let file: FileHandle | undefined;
    try {
      const path = this.paths.taskLog(namespace, pipeline, run, task);
      let taskRun = await this.store.getTaskRun(namespace, pipeline, run, task);
      let offset = 0;
      let pending = Buffer.alloc(0);
      const wakeIterator = wake[Symbol.asyncIterator]();

      for (;;) {
        const complete = taskRun.state === 'COMPLETE';
        if (!file) {
          file = await open(path, 'r').catch(() => undefined);
          if (file && opts.follow && !complete) {
            watcher = watch(path, () => wake.push('look'));
            watcher.on('error', () => wake.push('look'));
          }
        }
        if (file) {
          for (;;) {
            const buf = Buffer.alloc(READ_BYTES);
            const { bytesRead } = await file.read(buf, 0, READ_BYTES, offset);
            if (bytesRead === 0) break;
            offset += bytesRead;
            pending = pending.length
              ? Buffer.concat([pending, buf.subarray(0, bytesRead)])
              : buf.subarray(0, bytesRead);
            const { records, consumed } = decodeRecords(pending);
            pending = pending.subarray(consumed);
            for (const r of records) yield { task, stream: r.stream, data: Buffer.from(r.data) };
          }
        }
        if (!opts.follow || complete || opts.signal?.aborted) return;

        const next = await wakeIterator.next();
        if (next.done) return;
        taskRun = await this.store.getTaskRun(namespace, pipeline, run, task);
      }
    } finally {
      unsubscribe();
      wake.close();
      watcher?.close();
      await file?.close();
    }
  }

  async *runLogs(
    namespace: string,
    pipeline: string,
    run: number,
    opts: { follow: boolean; signal?: AbortSignal },
  ): AsyncIterable<LogChunk> {
    const taskRuns = await this.store.listTaskRuns(namespace, pipeline, run);
    if (!opts.follow) {
      for (const tr of taskRuns) yield* this.taskLogs(namespace, pipeline, run, tr.id, opts);
      return;
    }
    // Follow every task at once and interleave chunks as they arrive.
    const merged = new AsyncQueue<LogChunk>(opts.signal);
    let open_ = taskRuns.length;
    let failure: unknown;
    for (const tr of taskRuns) {
      void (async () => {
        try {
          for await (const chunk of this.taskLogs(namespace, pipeline, run, tr.id, opts))
            merged.push(chunk);
        } catch (err) {
          failure ??= err;
        } finally {
          if (--open_ === 0) merged.close();
        }
      })();
    }
    if (open_ === 0) merged.close();
    yield* merged;
    if (failure) throw failure;
  }
}
