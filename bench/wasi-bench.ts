/**
 * Benchmark piece for the wasi scheduler: runs per second of 1-task pipelines whose task is the
 * example C component (through the preview1 adapter), on a real kernel in this process (SQLite
 * state store, wasi scheduler plugin, gRPC API on loopback). Runs are started through the
 * kernel's services with a fixed number in flight and counted when RUN_COMPLETED is published;
 * every run must end SUCCESSFUL. The target is 200 runs/s on 2 cores.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { loadConfig } from '../kernel/config/load-config.js';
import { EventBus } from '../kernel/events/event-bus.js';
import { Kernel } from '../kernel/kernel.js';
import type { BenchOptions } from './bench-piece.js';
import { median, round } from './percentile.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const WARMUP_RUNS = 50;
const MEASURED_RUNS = 1_000;
const IN_FLIGHT = 16;
const TARGET_RUNS_PER_S = 200;
const RUN_TIMEOUT_MS = 120_000;

function cTaskComponent(): string {
  const out = execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-wasi-task.mjs'), 'c'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 300_000,
  });
  return out.trim().split('\n').at(-1)!;
}

/** Starts `total` runs keeping `inFlight` going; resolves with each run's wall time. */
async function runMany(kernel: Kernel, pipeline: string, total: number, inFlight: number) {
  // A run may complete before its start call has returned here: keep what arrives early.
  const finished = new Map<number, string>();
  const waiting = new Map<number, (status: string) => void>();
  const walls: number[] = [];
  const failures: string[] = [];
  const unsubscribe = kernel.container.resolve(EventBus).subscribe((event) => {
    if (event.type !== 'RUN_COMPLETED' || event.pipeline !== pipeline) return;
    const status = String(event.details.status);
    const waiter = waiting.get(event.run!);
    if (waiter) waiter(status);
    else finished.set(event.run!, status);
  });
  let started = 0;
  const lane = async () => {
    while (started < total) {
      started++;
      const began = performance.now();
      const run = await kernel.services.runs.start({
        namespace: 'default',
        pipeline,
        variables: {},
        initiator: { kind: 'HUMAN', name: 'bench', reason: 'benchmark' },
      });
      const status =
        finished.get(run.id) ??
        (await new Promise<string>((resolve, reject) => {
          const timer = setTimeout(
            () => reject(new Error(`run ${run.id} of ${pipeline} took over 120 s`)),
            RUN_TIMEOUT_MS,
          );
          waiting.set(run.id, (s) => {
            clearTimeout(timer);
            resolve(s);
          });
        }));
      finished.delete(run.id);
      waiting.delete(run.id);
      walls.push(performance.now() - began);
      if (status !== 'SUCCESSFUL') failures.push(`run ${run.id}: ${status}`);
    }
  };
  try {
    await Promise.all(Array.from({ length: inFlight }, lane));
  } finally {
    unsubscribe();
  }
  if (failures.length > 0) {
    throw new Error(
      `${failures.length} runs did not succeed, e.g. ${failures[0]}; run with GOFER_BENCH_LOG=debug`,
    );
  }
  return walls;
}

type Task = { image: string; image_kind?: 'wasm'; command: string[] };

/** Runs per second and the median run time of 1-task pipelines of `task` on `engine`. */
async function measure(engine: string, task: Task, runs: number) {
  const dataDir = mkdtempSync(join(tmpdir(), 'gofer-bench-wasi-'));
  const config = loadConfig({
    env: {},
    devMode: true,
    overrides: {
      data_dir: dataDir,
      log_level: 'warn',
      server: { address: '127.0.0.1:0' },
      extensions: { events_address: '127.0.0.1:0', install_provided: false },
      // As many warm workers as runs in flight, so that no run waits for a worker to start.
      scheduler: { engine, wasi: { warm_workers: IN_FLIGHT } },
    },
  });
  const kernel = await Kernel.start(config, {
    logger: pino({ level: process.env.GOFER_BENCH_LOG ?? 'silent' }),
  });
  try {
    const pipeline = 'wasi-bench';
    const { pipelines } = kernel.services;
    const version = await pipelines.register('default', {
      id: pipeline,
      tasks: [{ id: 'hello', ...task }],
    });
    await pipelines.deploy('default', pipeline, version.version);

    await runMany(kernel, pipeline, WARMUP_RUNS, IN_FLIGHT);
    const began = performance.now();
    const walls = await runMany(kernel, pipeline, runs, IN_FLIGHT);
    return { perSecond: runs / ((performance.now() - began) / 1000), p50: median(walls) };
  } finally {
    await kernel.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function benchWasi(options: BenchOptions): Promise<Record<string, number | boolean>> {
  void options;
  const wasi = await measure(
    'wasi',
    { image: cTaskComponent(), image_kind: 'wasm', command: ['task'] },
    MEASURED_RUNS,
  );
  // The same pipelines with a task that costs nothing: what the kernel itself allows.
  const baseline = await measure(
    'inprocess',
    { image: 'inprocess', command: ['echo', 'hello'] },
    MEASURED_RUNS,
  );
  return {
    wasi_runs_per_s: round(wasi.perSecond, 1),
    wasi_run_ms_p50: round(wasi.p50, 2),
    wasi_inprocess_runs_per_s: round(baseline.perSecond, 1),
    wasi_runs_in_flight: IN_FLIGHT,
    wasi_cores: cpus().length,
    wasi_runs_per_s_target_met: wasi.perSecond >= TARGET_RUNS_PER_S,
  };
}
