/**
 * A real kernel for the provided extensions' tests and benchmark: the provided components
 * installed at start (wasm), container images of the same sources on request, a test clock,
 * and gRPC clients for the API the way the CLI reaches it.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { pino } from 'pino';
import { ExtensionClient } from '../../cli/extension-client.js';
import { GoferClient } from '../../cli/gofer-client.js';
import { loadConfig, type DeepPartial } from '../../kernel/config/load-config.js';
import type { KernelConfig } from '../../kernel/config/kernel-config.js';
import type { Run } from '../../kernel/contracts/model.js';
import type { ExtensionClock } from '../../kernel/extensions/extension-clock.js';
import {
  KERNEL_EXTENSIONS,
  type KernelExtensions,
} from '../../kernel/extensions/kernel-extensions.js';
import { INSTALLATION_ID, Kernel } from '../../kernel/kernel.js';
import { removeInstallationContainers } from './docker-test-kit.js';
import { ensureExtensionImage } from './extension-image.js';
import { BUSYBOX_IMAGE, ensureTestImages } from './test-images.js';
import { REPO_ROOT } from './wasm-test-kit.js';

export const docker = new Docker({ socketPath: '/var/run/docker.sock' });

export interface ProvidedKernel {
  kernel: Kernel;
  client: GoferClient;
  ext: ExtensionClient;
  eventsUrl(extension: string): string;
  /** Registers and deploys a one-task pipeline that exits at once. */
  deploy(id: string): Promise<void>;
  runs(pipeline: string): Promise<Run[]>;
  /** Polls (over gRPC) until `pipeline` has at least `count` runs; bounded by `ms`. */
  waitForRuns(pipeline: string, count: number, ms?: number): Promise<Run[]>;
  /** The kernel's installation id, which labels its containers. */
  installation: string;
  /** Stops the kernel; with a data directory of its own, also removes it and its containers. */
  stop(): Promise<void>;
}

export async function startProvidedKernel(
  opts: {
    clock?: ExtensionClock;
    dataDir?: string;
    extensions?: DeepPartial<KernelConfig['extensions']>;
  } = {},
): Promise<ProvidedKernel> {
  await ensureTestImages(docker);
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'gofer-provided-'));
  const config = loadConfig({
    env: {},
    devMode: true,
    overrides: {
      data_dir: dataDir,
      log_level: 'warn',
      server: { address: '127.0.0.1:0' },
      extensions: {
        events_address: '127.0.0.1:0',
        restart_backoff: '200ms',
        ready_timeout: '60s',
        install_provided: true,
        ...opts.extensions,
      },
    },
  });
  const kernel = await Kernel.start(config, {
    logger: pino({ level: process.env.GOFER_TEST_LOG ?? 'silent' }),
    extensionClock: opts.clock,
  });
  const address = kernel.address;
  const installation = kernel.container.resolve<string>(INSTALLATION_ID);
  const client = new GoferClient({ address });
  const ext = new ExtensionClient({
    address,
    namespace: 'default',
    output: 'table',
    tls: false,
    timeoutMs: 120_000,
  } as never);
  const runs = (pipeline: string) => client.listRuns('default', pipeline);

  return {
    kernel,
    client,
    ext,
    eventsUrl: (name) =>
      `http://${kernel.container.resolve<KernelExtensions>(KERNEL_EXTENSIONS).eventsAddress}/events/${name}`,
    async deploy(id) {
      const version = await client.registerPipeline('default', {
        id,
        tasks: [{ id: 'done', image: BUSYBOX_IMAGE, command: ['true'], pull_policy: 'never' }],
      } as never);
      await client.deployPipeline('default', id, version.version);
    },
    runs,
    async waitForRuns(pipeline, count, ms = 30_000) {
      const deadline = Date.now() + ms;
      for (;;) {
        const found = await runs(pipeline);
        if (found.length >= count) return found;
        if (Date.now() > deadline) {
          throw new Error(`${pipeline} had ${found.length} runs, not ${count}, after ${ms} ms`);
        }
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    installation,
    async stop() {
      client.close();
      ext.close();
      await kernel.stop();
      if (opts.dataDir) return;
      await removeInstallationContainers(installation);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * The container image of a provided extension, built from the very source its wasm component
 * is: an entry that serves the definition with serveGrpc, bundled by extension-image.ts.
 */
export async function ensureProvidedImage(name: 'interval' | 'cron' | 'github'): Promise<string> {
  const dir = join(REPO_ROOT, '.cache', 'extensions', 'images');
  mkdirSync(dir, { recursive: true });
  const entry = join(dir, `${name}-container.ts`);
  const definition = join(REPO_ROOT, 'extensions', name, `${name}-extension.ts`);
  const serve = join(REPO_ROOT, 'sdk', 'extension', 'serve-grpc.ts');
  writeFileSync(
    entry,
    `import { serveGrpc } from ${JSON.stringify(serve)};\n` +
      `import extension from ${JSON.stringify(definition)};\nserveGrpc(extension);\n`,
  );
  const image = `local/gofer-${name}-extension:1`;
  await ensureExtensionImage(docker, entry, image);
  return image;
}

/** Rejects after `ms`, so that a broken build fails instead of hanging. */
export async function until<T>(
  what: string,
  fn: () => Promise<T | undefined>,
  ms = 30_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await fn();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} did not happen within ${ms} ms (last error: ${String(last)})`);
}

/**
 * A clock that moves only when told, and says how many timers wait on it, so that a test
 * moves time only once the extension has asked for its next tick (asking happens after the
 * previous tick's answer crosses back, which is asynchronous).
 */
export class StepClock implements ExtensionClock {
  private timers: { at: number; fn: () => void }[] = [];

  constructor(private current: number) {}

  now(): number {
    return this.current;
  }

  setTimer(fn: () => void, ms: number): () => void {
    const timer = { at: this.current + ms, fn };
    this.timers.push(timer);
    return () => (this.timers = this.timers.filter((t) => t !== timer));
  }

  /** When the earliest pending timer is due, once one is pending; bounded by `ms`. */
  async armed(ms = 30_000): Promise<number> {
    return until(
      'a tick to be asked for',
      async () => (this.timers.length > 0 ? Math.min(...this.timers.map((t) => t.at)) : undefined),
      ms,
    );
  }

  /**
   * Fires every timer due up to `target`, one at a time, waiting after each for the tick it
   * started to ask for the next; stops at the first timer past `target` and moves there.
   */
  async runTo(target: number, ms = 30_000): Promise<void> {
    for (;;) {
      const at = await this.armed(ms);
      if (at > target) break;
      this.advance(Math.max(0, at - this.current));
    }
    this.advance(Math.max(0, target - this.current));
  }

  /**
   * Drops every pending timer. runTo assumes one extension ticks at a time (a second one's
   * timer could otherwise move the clock past the first one's tick still in flight), so a test
   * calls this once it has unsubscribed, leaving nothing of its own for the next test.
   */
  forget(): void {
    this.timers = [];
  }

  advance(ms: number): void {
    this.current += ms;
    const due = this.timers.filter((t) => t.at <= this.current).sort((a, b) => a.at - b.at);
    this.timers = this.timers.filter((t) => t.at > this.current);
    for (const t of due) t.fn();
  }
}
