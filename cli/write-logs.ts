import { once } from 'node:events';
import type { LogChunk } from '../kernel/api/kernel-services.js';

/**
 * Writes task output as raw bytes: stdout chunks to our stdout, stderr chunks to our stderr, so
 * `gofer run logs ... > out` holds exactly what the task printed. Waits on back-pressure so a
 * slow pipe does not make the CLI buffer a whole log in memory.
 */
export async function writeLogs(
  chunks: AsyncIterable<LogChunk>,
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
): Promise<void> {
  for await (const chunk of chunks) {
    const target = chunk.stream === 'stderr' ? err : out;
    if (!target.write(chunk.data)) await once(target, 'drain');
  }
}

/** An abort signal that fires on Ctrl-C, so a follow ends cleanly instead of being killed. */
export function interruptSignal(): AbortSignal {
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  return controller.signal;
}
