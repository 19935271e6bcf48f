/**
 * The task's log file on the host. It must exist before the container starts, because the engine
 * would create a directory in place of a missing bind-mount source, and it must be writable by
 * whatever user the image runs as, because the log wrapper appends to it from inside.
 */
import { chmod, mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { SchedulerError } from '../../kernel/contracts/scheduler.js';

export async function prepareLogFile(path: string, workload: string): Promise<void> {
  try {
    await mkdir(dirname(path), { recursive: true });
    const handle = await open(path, 'a', 0o666);
    await handle.close();
    await chmod(path, 0o666);
  } catch (err) {
    throw new SchedulerError(
      'START_FAILED',
      `cannot prepare the log file ${path} for ${workload}: ${(err as Error).message}; ` +
        'check that the data directory is writable',
    );
  }
}
