/**
 * A Gofer scheduler that runs each task's entrypoint and command as a process on this host, in
 * a fresh directory, with only the task's environment (plus PATH, HOME and TMPDIR pointing into
 * that directory). Tasks name the image `host` (configurable), so a pipeline written for a
 * container engine is refused at registration instead of running on the host by surprise.
 *
 * Every task gets a folder under the state directory (see workload-files.js) and a detached
 * wrapper process (task-wrapper.js) that outlives the kernel; a new scheduler instance finds
 * the folders again, which is how workloads are listed and adopted after a restart.
 */
import { spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  rmSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  EXIT_FILE,
  SPEC_FILE,
  STARTED_FILE,
  WORK_DIR,
  alive,
  readJson,
  writeJson,
} from './workload-files.js';

const WRAPPER_ERRORS = 'wrapper.err';
const WRAPPER = fileURLToPath(new URL('./task-wrapper.js', import.meta.url));
const POLL_MS = 25;
const START_BOUND_MS = 10_000;
/** How long a killed process group may take to be reaped and recorded. */
const KILL_BOUND_MS = 5_000;
const ID = /^[a-z0-9_.-]+$/i;

/** Errors carry a stable code, as Gofer compares them by value. */
class SubprocessError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
    this.name = 'SchedulerError';
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms).unref());

export class SubprocessScheduler {
  name = 'subprocess';
  capabilities = Object.freeze({
    imageKinds: ['container'],
    pullsImages: false,
    services: false,
    needs: ['host-processes'],
  });

  /** @param {{ stateDir: string, image?: string, path?: string }} options */
  constructor({ stateDir, image = 'host', path = process.env.PATH ?? '/usr/bin:/bin' }) {
    this.stateDir = stateDir;
    this.image = image;
    this.path = path;
    this.closed = false;
    mkdirSync(stateDir, { recursive: true });
  }

  async checkTask(task) {
    const problems = [];
    if (task.image !== this.image) {
      problems.push(
        `task ${task.id}: the subprocess scheduler runs host commands, not image "${task.image}"; set its image to "${this.image}"`,
      );
    }
    if (task.imageKind !== 'container') {
      problems.push(
        `task ${task.id}: the subprocess scheduler cannot run image kind ${task.imageKind}`,
      );
    }
    return problems;
  }

  async startTask(spec) {
    const [problem] = await this.checkTask(spec);
    if (problem) throw new SubprocessError('UNSUPPORTED_TASK', problem);
    const argv = [...(spec.entrypoint ?? []), ...(spec.command ?? [])];
    if (argv.length === 0) {
      throw new SubprocessError('UNSUPPORTED_TASK', `task ${spec.id}: give it a command to run`);
    }
    const dir = this.dirOf(spec.id);
    // A second start with the same id replaces the first.
    if (existsSync(dir)) await this.remove(spec.id);
    mkdirSync(join(dir, WORK_DIR), { recursive: true });
    const work = join(dir, WORK_DIR);
    const env = { PATH: this.path, HOME: work, TMPDIR: work, ...spec.env };
    writeJson(dir, SPEC_FILE, {
      id: spec.id,
      labels: spec.labels,
      argv,
      env,
      logFile: spec.logFile,
      mask: spec.mask ?? [],
    });

    mkdirSync(dirname(spec.logFile), { recursive: true });
    // The wrapper's own trouble goes to a file of the workload, to be quoted if it fails.
    const errors = openSync(join(dir, WRAPPER_ERRORS), 'w');
    const wrapper = spawn(process.execPath, [WRAPPER, dir], {
      detached: true,
      stdio: ['ignore', 'ignore', errors],
    });
    closeSync(errors);
    wrapper.unref();
    const started = await this.waitFor(dir, STARTED_FILE, START_BOUND_MS);
    if (!started) {
      const said = readFileSync(join(dir, WRAPPER_ERRORS), 'utf8').trim().split('\n')[0] ?? '';
      throw new SubprocessError(
        'START_FAILED',
        `task ${spec.id}: its wrapper did not start within ${START_BOUND_MS / 1000}s${said ? `: ${said}` : ''}`,
      );
    }
    return this.handle(spec.id, started);
  }

  async startService(spec) {
    throw new SubprocessError(
      'UNSUPPORTED_TASK',
      `service ${spec.id}: the subprocess scheduler runs tasks only; run extensions on another scheduler`,
    );
  }

  async stop(id, graceMs) {
    const dir = this.dirOf(id);
    const started = readJson(dir, STARTED_FILE);
    if (!started || readJson(dir, EXIT_FILE)) return;
    this.signal(started.pid, 'SIGTERM');
    if (await this.waitFor(dir, EXIT_FILE, graceMs)) return;
    this.signal(started.pid, 'SIGKILL');
    await this.waitFor(dir, EXIT_FILE, KILL_BOUND_MS);
  }

  async list(installation) {
    const out = [];
    for (const id of readdirSync(this.stateDir)) {
      const dir = this.dirOf(id);
      const spec = readJson(dir, SPEC_FILE);
      if (spec?.labels?.installation !== installation) continue;
      const ended = readJson(dir, EXIT_FILE);
      const started = readJson(dir, STARTED_FILE);
      const running = started && !ended && alive(started.wrapperPid);
      out.push({
        id,
        labels: spec.labels,
        state: running ? 'running' : started || ended ? 'exited' : 'created',
        exitCode: ended ? ended.exitCode : null,
      });
    }
    return out.sort((a, b) => a.id.localeCompare(b.id));
  }

  async adopt(id) {
    const started = ID.test(id) ? readJson(this.dirOf(id), STARTED_FILE) : undefined;
    if (!started) {
      const at = Date.now();
      return {
        id,
        startedAt: at,
        exited: Promise.resolve({ kind: 'lost', reason: `no workload ${id} on this host`, at }),
      };
    }
    return this.handle(id, started);
  }

  async remove(id) {
    if (!ID.test(id)) return;
    const dir = this.dirOf(id);
    const started = readJson(dir, STARTED_FILE);
    if (started && !readJson(dir, EXIT_FILE)) this.signal(started.pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }

  async close() {
    this.closed = true;
  }

  dirOf(id) {
    return join(this.stateDir, id);
  }

  handle(id, started) {
    return { id, startedAt: started.startedAt, exited: this.follow(id, started) };
  }

  /** Settles once the wrapper recorded the end, or as lost once the wrapper is gone without one. */
  async follow(id, started) {
    const dir = this.dirOf(id);
    for (;;) {
      const ended = readJson(dir, EXIT_FILE);
      if (ended)
        return { kind: 'exited', exitCode: ended.exitCode, oomKilled: false, at: ended.at };
      if (!existsSync(dir))
        return { kind: 'lost', reason: `workload ${id} was removed`, at: Date.now() };
      if (!alive(started.wrapperPid) && !readJson(dir, EXIT_FILE)) {
        return {
          kind: 'lost',
          reason: `the wrapper of ${id} died without recording an end`,
          at: Date.now(),
        };
      }
      if (this.closed) return new Promise(() => undefined);
      await sleep(POLL_MS);
    }
  }

  async waitFor(dir, name, boundMs) {
    const deadline = Date.now() + boundMs;
    for (;;) {
      const found = readJson(dir, name);
      if (found || Date.now() >= deadline) return found;
      await sleep(POLL_MS);
    }
  }

  /** Signals the command's whole process group, so its children stop with it. */
  signal(pid, signal) {
    if (!pid) return;
    try {
      process.kill(-pid, signal);
    } catch (err) {
      if (err.code !== 'ESRCH') throw err;
    }
  }
}
