/**
 * The Docker scheduler plugin: runs tasks and extension services as containers on the local
 * engine. Configured from the `scheduler.docker` section of the kernel config.
 */
import { existsSync } from 'node:fs';
import type { PluginFactory } from '../../kernel/contracts/plugin.js';
import type { Scheduler } from '../../kernel/contracts/scheduler.js';
import { DEFAULT_LOGWRAP_PATH, DockerScheduler } from './docker-scheduler.js';
import { parseDockerSchedulerOptions } from './docker-scheduler-options.js';

const createDockerScheduler: PluginFactory<Scheduler> = async (ctx) => {
  const options = parseDockerSchedulerOptions(ctx.config);
  const logger = ctx.logger;
  const logwrap = options.logwrapPath ?? DEFAULT_LOGWRAP_PATH;
  if (!existsSync(logwrap)) {
    logger.warn(
      { path: logwrap },
      'log wrapper missing; tasks will fail to start until it is built',
    );
  }
  const scheduler = new DockerScheduler(options, logger);
  // A missing engine must not stop the kernel from starting; tasks then fail with the reason.
  await scheduler.start().catch((err: unknown) => {
    logger.warn({ err }, 'docker engine not reachable at startup');
  });
  return scheduler;
};

export default createDockerScheduler;
