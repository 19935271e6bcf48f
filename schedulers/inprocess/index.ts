/**
 * The in-process scheduler plugin: runs tasks as built-in programs inside the kernel process,
 * with no engine. Selected with `scheduler.engine = "inprocess"`; it takes no configuration.
 */
import type { PluginFactory } from '../../kernel/contracts/plugin.js';
import type { Scheduler } from '../../kernel/contracts/scheduler.js';
import { InProcessScheduler } from './inprocess-scheduler.js';

const createInProcessScheduler: PluginFactory<Scheduler> = () => new InProcessScheduler();

export default createInProcessScheduler;
