/**
 * A job's output, read back through the manager with `service.logs`, because a task on another
 * node cannot write into this machine's log file. The engine hands output over line by line with
 * a timestamp in front of each line; the lines are put back in time order across both streams,
 * the timestamps dropped, and the bytes appended as framed records in one write.
 *
 * Two ways to read: `read` after the task ended (the engine's `follow: false` answer is complete
 * then), and `LiveJobLog` for a task being stopped, whose container swarm removes right after it
 * ends, so its output must be read while it still runs.
 */
import { appendFile, mkdir, open, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { decodeRecords, encodeRecord } from '../../kernel/logs/log-framing.js';
import { TaskLogWriter } from '../../kernel/logs/task-log-writer.js';
import type { LogRecord } from '../../kernel/logs/log-framing.js';
import { swarmFailure } from './swarm-failure.js';

/** `2026-12-03T23:18:13.714017975Z ` in front of every line when timestamps are asked for. */
const STAMP = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z /;

interface StampedRecord extends LogRecord {
  /** Seconds text and nanoseconds, compared as a pair so that no precision is lost. */
  seconds: string;
  nanos: number;
}

export async function prepareLogFile(path: string, workload: string): Promise<void> {
  try {
    await mkdir(dirname(path), { recursive: true });
    await (await open(path, 'a')).close();
  } catch (err) {
    throw swarmFailure(
      'START_FAILED',
      `cannot prepare the log file ${path} for ${workload}: ${(err as Error).message}; ` +
        'check that the data directory is writable',
    );
  }
}

/** Whether the file already holds output, written by an earlier scheduler instance. */
export async function hasOutput(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.size ? true : false;
}

/** Reads every line the service's task printed; call once the task has ended. */
export async function readJobLog(docker: Docker, serviceId: string): Promise<Buffer> {
  const raw = (await docker.getService(serviceId).logs({
    stdout: true,
    stderr: true,
    follow: false,
    timestamps: true,
  })) as unknown as Buffer;
  return frame(Buffer.isBuffer(raw) ? raw : Buffer.from(raw));
}

/** Appends the output, with every pattern of `mask` replaced as the scheduler contract asks. */
export async function writeJobLog(
  path: string,
  framed: Buffer,
  mask: readonly string[] = [],
): Promise<void> {
  if (framed.length === 0) return;
  if (mask.length === 0) return appendFile(path, framed);
  const log = await TaskLogWriter.open(path, mask);
  for (const r of decodeRecords(framed).records) log.write(r.stream, r.data);
  const failed = await log.close();
  if (failed) throw failed;
}

/** Follows a running task's output until `end`, keeping what arrived. */
export class LiveJobLog {
  private readonly chunks: Buffer[] = [];
  private stream: Readable | undefined;
  private lastData = Date.now();

  constructor(
    private readonly docker: Docker,
    private readonly serviceId: string,
  ) {}

  async open(): Promise<void> {
    const stream = (await this.docker.getService(this.serviceId).logs({
      stdout: true,
      stderr: true,
      follow: true,
      timestamps: true,
    })) as unknown as Readable;
    this.stream = stream;
    stream.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.lastData = Date.now();
    });
    stream.on('error', () => undefined);
  }

  /**
   * The engine never ends this stream for a job, so it is closed here once nothing new has come
   * for `quietMs`, within `maxMs` of the call.
   */
  async end(quietMs: number, maxMs: number): Promise<Buffer> {
    const deadline = Date.now() + maxMs;
    while (Date.now() < deadline && Date.now() - this.lastData < quietMs) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    this.stream?.destroy();
    return frame(Buffer.concat(this.chunks));
  }
}

/** Multiplexed, timestamped lines to framed records in time order. */
function frame(raw: Buffer): Buffer {
  const stamped: StampedRecord[] = [];
  for (const record of decodeRecords(raw).records) {
    const text = record.data.subarray(0, 40).toString('latin1');
    const match = STAMP.exec(text);
    if (!match) {
      stamped.push({ ...record, seconds: '', nanos: 0 });
      continue;
    }
    const nanos = Number((match[2] ?? '').padEnd(9, '0'));
    stamped.push({
      stream: record.stream,
      data: record.data.subarray(match[0].length),
      seconds: match[1],
      nanos,
    });
  }
  // Array sort is stable, so lines with one timestamp keep the order the engine gave.
  stamped.sort((a, b) =>
    a.seconds === b.seconds ? a.nanos - b.nanos : a.seconds < b.seconds ? -1 : 1,
  );
  return Buffer.concat(
    stamped.filter((r) => r.data.length > 0).map((r) => encodeRecord(r.stream, r.data)),
  );
}
