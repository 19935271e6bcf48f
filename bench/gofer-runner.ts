/**
 * Gofer under measurement: a real kernel in this process (SQLite state store, docker scheduler
 * plugin, gRPC API on a loopback port) whose docker scheduler talks to the engine through the
 * given socket. A run's wall time goes from the `start` call to the moment the kernel publishes
 * its RUN_COMPLETED event.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { loadConfig } from '../kernel/config/load-config.js';
import type { GoferEvent } from '../kernel/contracts/model.js';
import { EventBus } from '../kernel/events/event-bus.js';
import { INSTALLATION_ID, Kernel } from '../kernel/kernel.js';
import type { PipelineConfig } from '../sdk/config/pipeline-config.js';

export interface GoferRunnerOptions {
  socketPath: string;
  networkMode: 'host' | 'none';
}

const RUN_TIMEOUT_MS = 120_000;

export class GoferRunner {
  private readonly completions = new Map<string, { at: number; event: GoferEvent }>();
  private readonly waiters = new Map<string, () => void>();

  private constructor(
    private readonly kernel: Kernel,
    private readonly dataDir: string,
    /** The installation id the kernel labels its containers with. */
    readonly installation: string,
  ) {
    kernel.container.resolve(EventBus).subscribe((event) => {
      if (event.type !== 'RUN_COMPLETED') return;
      const key = `${event.pipeline}/${event.run}`;
      this.completions.set(key, { at: performance.now(), event });
      this.waiters.get(key)?.();
    });
  }

  static async start(opts: GoferRunnerOptions): Promise<GoferRunner> {
    const dataDir = mkdtempSync(join(tmpdir(), 'gofer-bench-'));
    const config = loadConfig({
      env: {},
      devMode: true,
      overrides: {
        data_dir: dataDir,
        log_level: 'warn',
        server: { address: '127.0.0.1:0' },
        scheduler: {
          engine: 'docker',
          docker: { socket: opts.socketPath, network_mode: opts.networkMode },
        },
      },
    });
    let kernel: Kernel;
    try {
      kernel = await Kernel.start(config, {
        logger: pino({ level: process.env.GOFER_BENCH_LOG ?? 'silent' }),
      });
    } catch (err) {
      rmSync(dataDir, { recursive: true, force: true });
      throw err;
    }
    return new GoferRunner(kernel, dataDir, kernel.container.resolve<string>(INSTALLATION_ID));
  }

  async deploy(config: PipelineConfig): Promise<void> {
    const { pipelines } = this.kernel.services;
    const version = await pipelines.register('default', config);
    await pipelines.deploy('default', config.id, version.version);
  }

  /** Starts a run and waits for it to end; fails unless it ended SUCCESSFUL. */
  async run(pipeline: string): Promise<{ run: number; wallMs: number }> {
    const began = performance.now();
    const run = await this.kernel.services.runs.start({
      namespace: 'default',
      pipeline,
      variables: {},
      initiator: { kind: 'HUMAN', name: 'bench', reason: 'benchmark' },
    });
    const key = `${pipeline}/${run.id}`;

    let timer: NodeJS.Timeout | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        if (this.completions.has(key)) return resolve();
        this.waiters.set(key, resolve);
        timer = setTimeout(
          () => reject(new Error(`run ${run.id} of ${pipeline} did not end within 120 s`)),
          RUN_TIMEOUT_MS,
        );
      });
    } finally {
      clearTimeout(timer);
      this.waiters.delete(key);
    }

    const { at, event } = this.completions.get(key)!;
    if (event.details.status !== 'SUCCESSFUL') {
      throw new Error(
        `run ${run.id} of ${pipeline} ended ${String(event.details.status)}: ` +
          `${String(event.details.reason)}; run it with GOFER_BENCH_LOG=debug to see why`,
      );
    }
    return { run: run.id, wallMs: at - began };
  }

  async stop(): Promise<void> {
    await this.kernel.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
