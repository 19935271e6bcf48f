/**
 * The wasi scheduler plugin: runs tasks whose image is a WASI command component inside the
 * kernel process, each in its own worker. Selected with `scheduler.engine = "wasi"`; configured
 * from the `scheduler.wasi` section. It needs no engine, no network and nothing outside its
 * plugin data directory, so it is the scheduler of restricted mode.
 */
import type { PluginFactory } from '../../kernel/contracts/plugin.js';
import type { Scheduler } from '../../kernel/contracts/scheduler.js';
import { WasiScheduler } from './wasi-scheduler.js';
import { parseWasiSchedulerOptions } from './wasi-scheduler-options.js';

const createWasiScheduler: PluginFactory<Scheduler> = (ctx) =>
  new WasiScheduler(parseWasiSchedulerOptions(ctx.config, ctx.dataDir));

export default createWasiScheduler;
