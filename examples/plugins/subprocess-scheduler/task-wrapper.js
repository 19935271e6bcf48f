/**
 * Runs one task: `node task-wrapper.js <workload dir>`. The scheduler starts it detached, so it
 * outlives the kernel that started it; it starts the command in its own process group (the
 * group the scheduler signals to stop it), frames its output into the task's log file, and
 * records how it ended in `exit.json` before exiting itself.
 */
import { spawn } from 'node:child_process';
import { closeSync, fsyncSync, openSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import { StreamWriter, maskPatterns } from './log-writer.js';
import {
  EXIT_FILE,
  SPEC_FILE,
  STARTED_FILE,
  WORK_DIR,
  readJson,
  writeJson,
} from './workload-files.js';

const dir = process.argv[2];
const spec = readJson(dir, SPEC_FILE);
const log = openSync(spec.logFile, 'a');
const patterns = maskPatterns(spec.mask ?? []);
const streams = {
  stdout: new StreamWriter(log, 'stdout', patterns),
  stderr: new StreamWriter(log, 'stderr', patterns),
};

let finished = false;
function finish(exitCode, reason) {
  if (finished) return;
  finished = true;
  streams.stdout.end();
  streams.stderr.end();
  // The log must be complete before anyone learns that the task ended.
  fsyncSync(log);
  closeSync(log);
  writeJson(dir, EXIT_FILE, { exitCode, reason, at: Date.now() });
  process.exit(0);
}

const [file, ...args] = spec.argv;
const child = spawn(file, args, {
  cwd: join(dir, WORK_DIR),
  env: spec.env,
  stdio: ['ignore', 'pipe', 'pipe'],
  detached: true,
});
child.stdout.on('data', (chunk) => streams.stdout.write(chunk));
child.stderr.on('data', (chunk) => streams.stderr.write(chunk));

child.on('spawn', () => {
  writeJson(dir, STARTED_FILE, { wrapperPid: process.pid, pid: child.pid, startedAt: Date.now() });
});
child.on('error', (err) => {
  // The command could not be started at all: say why in the task's own log, as a shell would.
  streams.stderr.write(Buffer.from(`${file}: ${err.message}\n`));
  writeJson(dir, STARTED_FILE, { wrapperPid: process.pid, pid: 0, startedAt: Date.now() });
  finish(err.code === 'ENOENT' ? 127 : 126, err.message);
});
// `close` comes after both pipes are drained, so no output is lost.
child.on('close', (code, signal) => {
  finish(code ?? 128 + (constants.signals[signal] ?? 0), signal ? `killed by ${signal}` : '');
});
