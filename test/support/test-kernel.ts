import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { PipelineConfig } from '../../sdk/config/pipeline-config.js';
import { loadConfig, type DeepPartial } from '../../kernel/config/load-config.js';
import type { KernelConfig } from '../../kernel/config/kernel-config.js';
import type { Run, TaskRun } from '../../kernel/contracts/model.js';
import { INSTALLATION_ID, Kernel } from '../../kernel/kernel.js';
import { removeInstallationContainers } from './docker-test-kit.js';

export interface TestKernel {
  kernel: Kernel;
  dataDir: string;
  /** Registers and deploys `config` in `namespace`. */
  deploy(config: PipelineConfig, namespace?: string): Promise<number>;
  /** Starts a run and waits for it to complete. */
  runToEnd(
    pipeline: string,
    variables?: Record<string, string>,
    namespace?: string,
  ): Promise<{ run: Run; tasks: Map<string, TaskRun> }>;
  waitForRun(
    pipeline: string,
    id: number,
    namespace?: string,
    timeoutMs?: number,
  ): Promise<{ run: Run; tasks: Map<string, TaskRun> }>;
  stop(): Promise<void>;
}

/**
 * A real kernel in this process: real plugins, a SQLite file in a temp dir, gRPC on port 0. It
 * runs in dev mode (allow-all auth) unless `overrides.dev_mode` is false.
 */
export async function startTestKernel(
  overrides: DeepPartial<KernelConfig> = {},
  dataDir?: string,
): Promise<TestKernel> {
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'gofer-kernel-'));
  const config = loadConfig({
    env: {},
    devMode: overrides.dev_mode ?? true,
    overrides: {
      data_dir: dir,
      log_level: 'warn',
      ...overrides,
      server: { address: '127.0.0.1:0', ...(overrides.server ?? {}) },
      // The provided extensions are the subject of their own tests; elsewhere they cost two workers.
      extensions: {
        events_address: '127.0.0.1:0',
        install_provided: false,
        ...(overrides.extensions ?? {}),
      },
    },
  });
  const kernel = await Kernel.start(config, {
    logger: pino({ level: process.env.GOFER_TEST_LOG ?? 'silent' }),
  });
  const services = kernel.services;

  const waitForRun: TestKernel['waitForRun'] = async (
    pipeline,
    id,
    namespace = 'default',
    timeoutMs = 120_000,
  ) => {
    const deadline = Date.now() + timeoutMs;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    try {
      let run = await services.runs.get(namespace, pipeline, id);
      if (run.state !== 'COMPLETE') {
        for await (const e of services.events.list({ follow: true, signal: controller.signal })) {
          if (
            e.type === 'RUN_COMPLETED' &&
            e.namespace === namespace &&
            e.pipeline === pipeline &&
            e.run === id
          )
            break;
        }
        run = await services.runs.get(namespace, pipeline, id);
      }
      if (run.state !== 'COMPLETE')
        throw new Error(
          `run ${id} of ${pipeline} did not complete within ${timeoutMs} ms (state ${run.state}, ${deadline})`,
        );
      const tasks = new Map(
        (await services.runs.listTaskRuns(namespace, pipeline, id)).map((t) => [t.id, t]),
      );
      return { run, tasks };
    } finally {
      clearTimeout(timer);
    }
  };

  return {
    kernel,
    dataDir: dir,
    async deploy(pipelineConfig, namespace = 'default') {
      const version = await services.pipelines.register(namespace, pipelineConfig);
      await services.pipelines.deploy(namespace, pipelineConfig.id, version.version);
      return version.version;
    },
    async runToEnd(pipeline, variables = {}, namespace = 'default') {
      const run = await services.runs.start({
        namespace,
        pipeline,
        variables,
        initiator: { kind: 'HUMAN', name: 'test', reason: 'test' },
      });
      return waitForRun(pipeline, run.id, namespace);
    },
    waitForRun,
    async stop() {
      const installation = kernel.container.resolve<string>(INSTALLATION_ID);
      await kernel.stop();
      if (dataDir) return;
      if (['docker', 'swarm'].includes(config.scheduler.engine)) {
        await removeInstallationContainers(installation);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
