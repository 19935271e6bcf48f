/**
 * Benchmark piece: from an extension's trigger to the run it starts being recorded in the
 * store, for the provided github extension as a wasm component and as a container. Each sample
 * is one signed webhook POST to the events endpoint of a real kernel; the extension verifies
 * it, asks the kernel to start a run, and answers with the run's id. A sample ends when the
 * kernel announces the run as queued, which it does right after committing the run's row to
 * SQLite (not when the POST's answer arrives, which also waits for the work the kernel does
 * next to launch the run); each run is read back from the store to check it is there.
 *
 * The wasm kernel uses the in-process scheduler (no container engine at all); the container
 * one needs Docker, to start the extension, and runs its pipeline's tasks as containers.
 */
import { createHmac } from 'node:crypto';
import { Agent, request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { loadConfig } from '../kernel/config/load-config.js';
import type { KernelConfig } from '../kernel/config/kernel-config.js';
import { STATE_STORE, type StateStore } from '../kernel/contracts/state-store.js';
import { EventBus } from '../kernel/events/event-bus.js';
import {
  KERNEL_EXTENSIONS,
  type KernelExtensions,
} from '../kernel/extensions/kernel-extensions.js';
import { providedExtensionsDir } from '../kernel/extensions/provided-extensions.js';
import { INSTALLATION_ID, Kernel } from '../kernel/kernel.js';
import { removeInstallationContainers } from '../test/support/docker-test-kit.js';
import type { DeepPartial } from '../kernel/config/load-config.js';
import { percentile, round } from './percentile.js';

const SECRET = 'bench-secret';
const WARMUP = 10;
const WASM_SAMPLES = 300;
const CONTAINER_SAMPLES = 60;
const BODY = JSON.stringify({
  ref: 'refs/heads/main',
  after: '0123456789abcdef0123456789abcdef01234567',
  repository: { full_name: 'bench/repo' },
  sender: { login: 'bench' },
});
const HEADERS = {
  'content-type': 'application/json',
  'x-github-event': 'push',
  'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(BODY).digest('hex')}`,
};

interface Case {
  source: string;
  scheduler: DeepPartial<KernelConfig>['scheduler'];
  task: object;
  samples: number;
}

interface Samples {
  recorded: number[];
  replied: number[];
}

async function measure(c: Case): Promise<Samples> {
  const dataDir = mkdtempSync(join(tmpdir(), 'gofer-trigger-bench-'));
  let kernel: Kernel | undefined;
  try {
    const config = loadConfig({
      env: {},
      devMode: true,
      overrides: {
        data_dir: dataDir,
        log_level: 'error',
        server: { address: '127.0.0.1:0' },
        scheduler: c.scheduler,
        extensions: { events_address: '127.0.0.1:0', install_provided: false },
      },
    });
    kernel = await Kernel.start(config, { logger: pino({ level: 'silent' }) });
    const s = kernel.services;
    const version = await s.pipelines.register('default', {
      id: 'hooked',
      tasks: [c.task],
    } as never);
    await s.pipelines.deploy('default', 'hooked', version.version);
    await s.extensions!.install({
      name: 'hooks',
      source: c.source,
      config: { webhook_secret: SECRET },
      grants: [],
    });
    await s.subscriptions!.subscribe({
      namespace: 'default',
      pipeline: 'hooked',
      extension: 'hooks',
      label: 'push',
      settings: { repository: 'bench/repo' },
    });
    const address = kernel.container.resolve<KernelExtensions>(KERNEL_EXTENSIONS).eventsAddress;
    const [host, port] = address.split(':');
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const store = kernel.container.resolve<StateStore>(STATE_STORE);
    // RUN_QUEUED is emitted right after the run's row is committed: the moment it is recorded.
    const recorded = new Map<number, number>();
    const unsubscribe = kernel.container.resolve(EventBus).subscribe((e) => {
      if (e.type === 'RUN_QUEUED' && e.pipeline === 'hooked')
        recorded.set(e.run, performance.now());
    });

    const samples: Samples = { recorded: [], replied: [] };
    for (let i = 0; i < WARMUP + c.samples; i++) {
      const began = performance.now();
      const res = await post(host, Number(port), agent);
      const replied = performance.now() - began;
      const run = (JSON.parse(res.body) as { started?: Array<{ run: number }> }).started?.[0]?.run;
      const at = run === undefined ? undefined : recorded.get(run);
      if (res.status !== 200 || at === undefined) {
        throw new Error(`webhook ${i} was answered ${res.status}: ${res.body}`);
      }
      await store.getRun('default', 'hooked', run!);
      if (i >= WARMUP) {
        samples.recorded.push(at - began);
        samples.replied.push(replied);
      }
    }
    unsubscribe();
    agent.destroy();
    return samples;
  } finally {
    const installation = kernel?.container.resolve<string>(INSTALLATION_ID);
    await kernel?.stop();
    // Runs still in flight leave containers for a restart that will not come.
    if (installation && c.scheduler?.engine === 'docker') {
      await removeInstallationContainers(installation);
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
}

// node:http with a kept-alive socket, as a webhook sender would hold one: fetch (undici) adds
// about a millisecond of its own per request here, which is the client's cost, not Gofer's.
function post(host: string, port: number, agent: Agent): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers = { ...HEADERS, 'content-length': String(Buffer.byteLength(BODY)) };
    const req = request(
      { host, port, path: '/events/hooks', method: 'POST', headers, agent },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.setTimeout(30_000, () => req.destroy(new Error('webhook POST timed out after 30 s')));
    req.on('error', reject);
    req.end(BODY);
  });
}

export async function benchExtensionTrigger(): Promise<{
  wasm_trigger_ms_p50: number;
  wasm_trigger_ms_p99: number;
  container_trigger_ms_p50: number;
  wasm_webhook_reply_ms_p50: number;
  container_webhook_reply_ms_p50: number;
}> {
  const wasm = await measure({
    source: join(providedExtensionsDir(), 'github', 'github.wasm'),
    scheduler: { engine: 'inprocess' },
    task: { id: 'done', image: 'inprocess', command: ['echo', 'hooked'] },
    samples: WASM_SAMPLES,
  });
  // The container image is built from the same source by the test support builder.
  const { ensureProvidedImage } = await import('../test/support/provided-extension-kit.js');
  const image = await ensureProvidedImage('github');
  const { BUSYBOX_IMAGE } = await import('../test/support/test-images.js');
  const container = await measure({
    source: image,
    scheduler: { engine: 'docker' },
    task: { id: 'done', image: BUSYBOX_IMAGE, command: ['true'], pull_policy: 'never' },
    samples: CONTAINER_SAMPLES,
  });
  return {
    wasm_trigger_ms_p50: round(percentile(wasm.recorded, 50)),
    wasm_trigger_ms_p99: round(percentile(wasm.recorded, 99)),
    container_trigger_ms_p50: round(percentile(container.recorded, 50)),
    // The whole round trip a webhook sender waits for, for comparison.
    wasm_webhook_reply_ms_p50: round(percentile(wasm.replied, 50)),
    container_webhook_reply_ms_p50: round(percentile(container.replied, 50)),
  };
}
