import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { GoferError } from './errors.js';

const LOCK_FILE = 'gofer.lock';

/**
 * One service per data directory. The lock is a file holding the owner's pid, created
 * exclusively; a lock left by a process that no longer runs (a `kill -9`) is taken over.
 */
export class DataDirLock {
  private constructor(private readonly path: string) {}

  static acquire(dataDir: string): DataDirLock {
    const path = join(dataDir, LOCK_FILE);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(path, 'wx', 0o600);
        writeSync(fd, String(process.pid));
        closeSync(fd);
        return new DataDirLock(path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw notWritable(dataDir, err);
        const owner = Number(readFileSync(path, 'utf8').trim());
        if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isAlive(owner)) {
          throw new GoferError(
            'FAILED_PRECONDITION',
            `another Gofer service (pid ${owner}) is using the data directory ${dataDir}`,
            'stop that service, or give this one its own data_dir (GOFER_DATA_DIR)',
          );
        }
        rmSync(path, { force: true });
      }
    }
    throw new GoferError('FAILED_PRECONDITION', `cannot lock the data directory ${dataDir}`);
  }

  release(): void {
    rmSync(this.path, { force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function notWritable(dataDir: string, err: unknown): GoferError {
  return new GoferError(
    'FAILED_PRECONDITION',
    `the data directory ${dataDir} is not writable: ${(err as Error).message}`,
    'point data_dir (GOFER_DATA_DIR) at a folder this user can write to',
  );
}
