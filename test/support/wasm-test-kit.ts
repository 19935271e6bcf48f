/**
 * Helpers for the wasm runtime's tests: components built from TypeScript with the real build
 * script (cached by content hash, so only the first run pays for componentize), a host that
 * records what the guest asked for, and launch specs with test-sized limits.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type {
  ExtensionHost,
  ExtensionLaunchSpec,
  ExtensionLogLevel,
} from '../../kernel/contracts/extension.js';
import { WasmExtensionRuntime } from '../../extensions/runtime-wasm/wasm-extension-runtime.js';

/** The repository root (this file runs from dist/test/support). */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const CACHE = join(REPO_ROOT, '.cache', 'extensions');

/** Builds `entry` (relative to the repository root) into a component; returns its path. */
export function buildComponent(entry: string, name: string, extraArgs: string[] = []): string {
  const out = join(CACHE, 'test', `${name}.wasm`);
  mkdirSync(dirname(out), { recursive: true });
  execFileSync(
    process.execPath,
    [join(REPO_ROOT, 'scripts', 'build-extension.mjs'), join(REPO_ROOT, entry), out, ...extraArgs],
    { stdio: ['ignore', 'inherit', 'inherit'], timeout: 300_000 },
  );
  return out;
}

export const intervalComponent = () =>
  buildComponent('extensions/interval/interval-extension.ts', 'interval');
export const probeComponent = () =>
  buildComponent('test/integration/wasm/guests/probe-extension.ts', 'probe');

/**
 * The WASI probe's world needs WASI's WIT beside the gofer one; it is assembled from the copy jco
 * ships (the version StarlingMonkey itself imports), so nothing is vendored.
 */
export function wasiProbeComponent(): string {
  const dir = join(CACHE, 'test', `wasi-probe-wit-${process.pid}`);
  const builtin = join(REPO_ROOT, 'node_modules', '@bytecodealliance', 'jco', 'lib', 'wit');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'deps', 'gofer-extension'), { recursive: true });
  const guests = join(REPO_ROOT, 'test', 'integration', 'wasm', 'guests');
  copyFileSync(join(guests, 'wasi-probe.wit'), join(dir, 'world.wit'));
  copyFileSync(
    join(REPO_ROOT, 'proto', 'wit', 'gofer-extension.wit'),
    join(dir, 'deps', 'gofer-extension', 'gofer-extension.wit'),
  );
  for (const pkg of ['cli', 'clocks', 'filesystem', 'io', 'random', 'sockets']) {
    cpSync(join(builtin, 'builtin', '0.2.12', `wasi-${pkg}`), join(dir, 'deps', `wasi-${pkg}`), {
      recursive: true,
    });
  }
  const entry = 'test/integration/wasm/guests/wasi-probe-extension.ts';
  return buildComponent(entry, 'wasi-probe', ['--wasi', '--wit', dir, '--world', 'wasi-probe']);
}

export function wasmRuntime(): WasmExtensionRuntime {
  return new WasmExtensionRuntime({ cacheDir: join(CACHE, 'transpiled') });
}

export interface StartedRun {
  namespace: string;
  pipeline: string;
  label: string;
  variables: Record<string, string>;
  reason: string;
}

/** A host that starts no real runs: it numbers them and keeps what it was asked. */
export class RecordingHost implements ExtensionHost {
  readonly runs: StartedRun[] = [];
  readonly logs: Array<{ level: ExtensionLogLevel; message: string }> = [];
  refuseRuns?: string;

  async startRun(req: StartedRun): Promise<{ run: number }> {
    // A real host awaits the state store; so does this one, to exercise the async proxy.
    await new Promise((resolve) => setImmediate(resolve));
    if (this.refuseRuns) throw new Error(this.refuseRuns);
    this.runs.push(req);
    return { run: this.runs.length };
  }

  log(level: ExtensionLogLevel, message: string): void {
    this.logs.push({ level, message });
  }

  async timeZoneOffset(zone: string, at: number): Promise<number> {
    if (zone !== 'UTC') throw new Error(`unknown time zone ${zone}`);
    void at;
    return 0;
  }
}

export function launchSpec(
  source: string,
  overrides: Partial<ExtensionLaunchSpec> = {},
): ExtensionLaunchSpec {
  return {
    name: 'test-extension',
    source,
    grants: [],
    host: new RecordingHost(),
    callTimeoutMs: 5_000,
    memoryLimitBytes: 256 * 1024 * 1024,
    ...overrides,
  };
}

/** Rejects after `ms`, so a broken build fails a test instead of hanging it. */
export function within<T>(ms: number, promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
