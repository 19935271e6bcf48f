/**
 * Appends a task's output to its log file, masked and framed, for schedulers that write the file
 * themselves (the in-process and wasi schedulers). Writes are queued in order and never block the
 * caller; a write that fails is kept and reported by `close`, so the task's outcome can say the
 * log is incomplete.
 */
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { encodeRecord, type LogStream } from './log-framing.js';
import { LogMasker, maskPatterns } from './log-masker.js';

export class TaskLogWriter {
  private writes: Promise<void> = Promise.resolve();
  private error: unknown;
  private readonly maskers: Record<LogStream, LogMasker>;

  private constructor(
    private readonly file: FileHandle,
    mask: readonly string[],
  ) {
    const patterns = maskPatterns(mask);
    this.maskers = { stdout: new LogMasker(patterns), stderr: new LogMasker(patterns) };
  }

  /** Opens `path` for appending, creating its folder; rejects with the file system's error. */
  static async open(path: string, mask: readonly string[] = []): Promise<TaskLogWriter> {
    await mkdir(dirname(path), { recursive: true });
    return new TaskLogWriter(await open(path, 'a'), mask);
  }

  write(stream: LogStream, data: Uint8Array): void {
    const bytes = Buffer.isBuffer(data)
      ? data
      : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    this.append(stream, this.maskers[stream].write(bytes));
  }

  /**
   * Writes out what the maskers held back (it can no longer grow into a secret) and closes the
   * file once every write is done. Resolves with the first write error, undefined when none.
   */
  async close(): Promise<unknown> {
    this.append('stdout', this.maskers.stdout.end());
    this.append('stderr', this.maskers.stderr.end());
    await this.writes
      .then(() => this.file.close())
      .catch((err: unknown) => void (this.error ??= err));
    return this.error;
  }

  private append(stream: LogStream, data: Buffer): void {
    if (data.length === 0) return;
    const record = encodeRecord(stream, data);
    this.writes = this.writes
      .then(async () => void (await this.file.write(record)))
      .catch((err: unknown) => void (this.error ??= err));
  }
}
