/**
 * The files one workload keeps in its folder. The scheduler and the task wrapper talk only
 * through them, so a scheduler started after a restart finds everything a previous one knew:
 *
 * - `spec.json`: what to run, written by the scheduler before the wrapper starts;
 * - `started.json`: the wrapper's pid, the command's process group and when it started;
 * - `exit.json`: how the command ended, written once by the wrapper as its last act;
 * - `work/`: the fresh directory the command runs in.
 *
 * Each JSON file is written to a temporary name and renamed, so a reader never sees half of one.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const SPEC_FILE = 'spec.json';
export const STARTED_FILE = 'started.json';
export const EXIT_FILE = 'exit.json';
export const WORK_DIR = 'work';

/** Writes `value` as JSON to `dir/name` in one rename. */
export function writeJson(dir, name, value) {
  const tmp = join(dir, `.${name}.${process.pid}.tmp`);
  writeFileSync(tmp, JSON.stringify(value));
  renameSync(tmp, join(dir, name));
}

/** The parsed file, or undefined when it does not exist (yet). */
export function readJson(dir, name) {
  try {
    return JSON.parse(readFileSync(join(dir, name), 'utf8'));
  } catch (err) {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Whether a process exists; a pid we may not signal still exists. */
export function alive(pid) {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}
