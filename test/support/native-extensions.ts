/**
 * Components built from C and Rust with scripts/build-native-extension.mjs (cached by content
 * hash), and a clock for kernel-level extension tests that says when the kernel has asked for a
 * tick, so a test moves time only once the previous tick has finished.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ExtensionClock } from '../../kernel/extensions/extension-clock.js';
import { REPO_ROOT } from './wasm-test-kit.js';

const CACHE = join(REPO_ROOT, '.cache', 'extensions');

/** Builds `entry` (a .c or .rs file relative to the repository root); returns the component. */
export function nativeComponent(entry: string, name: string, extraArgs: string[] = []): string {
  const out = join(CACHE, 'test', `${name}.wasm`);
  mkdirSync(dirname(out), { recursive: true });
  execFileSync(
    process.execPath,
    [
      join(REPO_ROOT, 'scripts', 'build-native-extension.mjs'),
      join(REPO_ROOT, entry),
      out,
      ...extraArgs,
    ],
    { stdio: ['ignore', 'inherit', 'inherit'], timeout: 300_000 },
  );
  return out;
}

export const cIntervalComponent = () => nativeComponent('sdk/c/examples/interval.c', 'interval-c');
export const rustIntervalComponent = () =>
  nativeComponent('sdk/rust/examples/interval.rs', 'interval-rust');

/**
 * A WIT package for a guest that imports WASI beside the gofer world: `worldFile` plus the
 * gofer WIT and the WASI packages jco ships (the version its preview2-shim implements).
 */
export function witWithWasi(worldFile: string, name: string): string {
  const dir = join(CACHE, 'test', `${name}-wit`);
  const builtin = join(REPO_ROOT, 'node_modules', '@bytecodealliance', 'jco', 'lib', 'wit');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'deps', 'gofer-extension'), { recursive: true });
  copyFileSync(join(REPO_ROOT, worldFile), join(dir, 'world.wit'));
  copyFileSync(
    join(REPO_ROOT, 'proto', 'wit', 'gofer-extension.wit'),
    join(dir, 'deps', 'gofer-extension', 'gofer-extension.wit'),
  );
  for (const pkg of ['cli', 'clocks', 'filesystem', 'io', 'random', 'sockets']) {
    cpSync(join(builtin, 'builtin', '0.2.12', `wasi-${pkg}`), join(dir, 'deps', `wasi-${pkg}`), {
      recursive: true,
    });
  }
  return dir;
}

/**
 * An extension clock moved by the test. A timer asked for with no delay fires at once (as the
 * supervisor's kick expects); `nextTimer` waits until the kernel has asked for a later one.
 */
export class SteppingClock implements ExtensionClock {
  private timers: { at: number; fn: () => void }[] = [];
  private waiting: (() => void)[] = [];

  constructor(private current: number) {}

  now(): number {
    return this.current;
  }

  setTimer(fn: () => void, ms: number): () => void {
    if (ms <= 0) {
      const immediate = setImmediate(fn);
      return () => clearImmediate(immediate);
    }
    const timer = { at: this.current + ms, fn };
    this.timers.push(timer);
    for (const wake of this.waiting.splice(0)) wake();
    return () => (this.timers = this.timers.filter((t) => t !== timer));
  }

  /** The time of the earliest pending timer, once there is one (bounded by `ms`). */
  async nextTimer(ms = 20_000): Promise<number> {
    const deadline = Date.now() + ms;
    while (this.timers.length === 0) {
      if (Date.now() > deadline) throw new Error(`no tick was asked for within ${ms} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 100);
        this.waiting.push(() => (clearTimeout(timer), resolve()));
      });
    }
    return Math.min(...this.timers.map((t) => t.at));
  }

  /** Moves time to `at` and fires every timer now due, in order. */
  advanceTo(at: number): void {
    this.current = at;
    const due = this.timers.filter((t) => t.at <= at).sort((a, b) => a.at - b.at);
    this.timers = this.timers.filter((t) => t.at > at);
    for (const t of due) t.fn();
  }
}
