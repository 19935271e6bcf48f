/**
 * Entry module of the subprocess scheduler plugin. Gofer imports it and calls the default
 * export with a plugin context (see Gofer's docs/plugins.md); nothing from Gofer is imported.
 */
import { join } from 'node:path';
import { SubprocessScheduler } from './subprocess-scheduler.js';

/**
 * @param {{ config: Record<string, unknown>, dataDir: string, logger: { info: Function } }} ctx
 */
export default function createSubprocessScheduler(ctx) {
  const image = typeof ctx.config.image === 'string' ? ctx.config.image : undefined;
  const path = typeof ctx.config.path === 'string' ? ctx.config.path : undefined;
  const scheduler = new SubprocessScheduler({
    stateDir: join(ctx.dataDir, 'workloads'),
    image,
    path,
  });
  ctx.logger.info(
    { stateDir: scheduler.stateDir, image: scheduler.image },
    'subprocess scheduler ready',
  );
  return scheduler;
}
