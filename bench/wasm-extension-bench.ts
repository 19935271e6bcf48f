/**
 * Benchmark piece for the wasm extension runtime: what one `tick` of the interval extension
 * costs from the kernel's side, across the worker boundary (a subscription is in place, so the
 * guest does its real bookkeeping; no run is due), and how much resident memory each further
 * instance adds.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ExtensionHost, ExtensionInstance } from '../kernel/contracts/extension.js';
import { WasmExtensionRuntime } from '../extensions/runtime-wasm/wasm-extension-runtime.js';
import { median, round } from './percentile.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const WARMUP_CALLS = 500;
const MEASURED_CALLS = 5_000;
const EXTRA_INSTANCES = 6;

const quietHost: ExtensionHost = {
  startRun: async () => ({ run: 1 }),
  log: () => undefined,
  timeZoneOffset: async () => 0,
};

function intervalComponent(): string {
  const out = join(ROOT, 'extensions', 'interval', 'interval.wasm');
  if (!existsSync(out)) {
    const entry = join(ROOT, 'extensions', 'interval', 'interval-extension.ts');
    execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-extension.mjs'), entry, out], {
      stdio: 'inherit',
      timeout: 300_000,
    });
  }
  return out;
}

async function launch(runtime: WasmExtensionRuntime, source: string): Promise<ExtensionInstance> {
  const instance = await runtime.launch({
    name: 'interval',
    source,
    grants: [],
    host: quietHost,
    callTimeoutMs: 5_000,
    memoryLimitBytes: 256 * 1024 * 1024,
  });
  await instance.init({ min_every: '1s' });
  const sub = { namespace: 'bench', pipeline: 'noop', label: 'hourly' };
  await instance.subscribe(sub, { every: '1h', gofer_anchor_ms: '0' });
  return instance;
}

const collect = () => (globalThis as { gc?: () => void }).gc?.();

export async function benchWasmExtension(): Promise<{
  wasm_call_us_p50: number;
  wasm_instance_mb: number;
}> {
  const source = intervalComponent();
  const runtime = new WasmExtensionRuntime({ cacheDir: join(tmpdir(), 'gofer-wasm-bench-cache') });
  const first = await launch(runtime, source);
  const instances = [first];
  try {
    const now = 3_600_000 * 10 + 1;
    for (let i = 0; i < WARMUP_CALLS; i++) await first.tick(now);
    const samples: number[] = [];
    for (let i = 0; i < MEASURED_CALLS; i++) {
      const start = process.hrtime.bigint();
      await first.tick(now);
      samples.push(Number(process.hrtime.bigint() - start) / 1_000);
    }

    collect();
    const before = process.memoryUsage().rss;
    for (let i = 0; i < EXTRA_INSTANCES; i++) {
      const instance = await launch(runtime, source);
      instances.push(instance);
      await instance.tick(now);
    }
    collect();
    const added = (process.memoryUsage().rss - before) / EXTRA_INSTANCES / 2 ** 20;
    return { wasm_call_us_p50: round(median(samples)), wasm_instance_mb: round(added, 1) };
  } finally {
    await Promise.allSettled(instances.map((instance) => instance.shutdown()));
  }
}
