/**
 * The swarm scheduler plugin: runs tasks as one-shot jobs on a Docker Swarm cluster, through the
 * manager's engine. Configured from the `scheduler.swarm` section of the kernel config.
 */
import type { PluginFactory } from '../../kernel/contracts/plugin.js';
import type { Scheduler } from '../../kernel/contracts/scheduler.js';
import { SwarmScheduler } from './swarm-scheduler.js';
import { parseSwarmSchedulerOptions } from './swarm-scheduler-options.js';

const createSwarmScheduler: PluginFactory<Scheduler> = async (ctx) => {
  const options = parseSwarmSchedulerOptions(ctx.config);
  const logger = ctx.logger;
  const scheduler = new SwarmScheduler(options, logger);
  // A missing manager must not stop the kernel from starting; tasks then fail with the reason.
  await scheduler.start().catch((err: unknown) => {
    logger.warn({ err }, 'swarm manager not reachable at startup');
  });
  return scheduler;
};

export default createSwarmScheduler;
