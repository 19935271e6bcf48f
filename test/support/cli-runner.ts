/**
 * Runs the built `gofer` binary as a user would, with an environment that holds no `GOFER_*`
 * setting of the machine running the tests, so each test states every setting it relies on.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { CLI } from './service-process.js';

export interface CliResult {
  code: number;
  stdout: Buffer;
  stderr: Buffer;
}

export class CliRunner {
  constructor(
    /** Settings every call gets, e.g. `HOME`, `GOFER_CLI_ADDRESS`, `GOFER_CLI_TOKEN`. */
    readonly env: Record<string, string>,
  ) {}

  /** Runs `gofer ...args` to its end; a call that outlives 60 s is killed and fails. */
  run(args: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
    return new Promise((resolve) => {
      execFile(
        process.execPath,
        [CLI, ...args],
        { env: this.environment(env), encoding: 'buffer', timeout: 60_000 },
        (err, stdout, stderr) => {
          const code = err ? Number((err as { code?: unknown }).code ?? 1) : 0;
          resolve({ code: Number.isInteger(code) ? code : 1, stdout, stderr });
        },
      );
    });
  }

  /** Runs `gofer ...args` and parses its stdout as JSON, failing on a non-zero exit. */
  async json<T = unknown>(args: string[], env: Record<string, string | undefined> = {}) {
    const result = await this.run([...args, '--output', 'json'], env);
    if (result.code !== 0)
      throw new Error(`gofer ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
    return JSON.parse(result.stdout.toString()) as T;
  }

  /** Starts `gofer ...args` and leaves it running, for commands that follow. */
  spawn(args: string[], env: Record<string, string | undefined> = {}): ChildProcess {
    return spawn(process.execPath, [CLI, ...args], {
      env: this.environment(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  }

  private environment(extra: Record<string, string | undefined>): NodeJS.ProcessEnv {
    const base = Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !name.startsWith('GOFER_')),
    );
    const merged: NodeJS.ProcessEnv = { ...base, ...this.env };
    for (const [name, value] of Object.entries(extra)) {
      if (value === undefined) delete merged[name];
      else merged[name] = value;
    }
    return merged;
  }
}

/** Waits for a spawned command to exit, killing it if it has not within `ms`. */
export function exitOf(child: ChildProcess, ms = 30_000): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}
