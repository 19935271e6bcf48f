/**
 * The shared scheduler behaviour suite on the wasi scheduler, with the example JavaScript task
 * as every test program: it keeps exact exit codes, which the C one through the preview1 adapter
 * cannot. Text to print travels in the environment so that no byte is reinterpreted.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WasiScheduler } from '../../../schedulers/wasi/wasi-scheduler.js';
import { jsTaskComponent } from '../../support/wasi-task-components.js';
import { schedulerSuite } from './scheduler-suite.js';

const cacheDir = mkdtempSync(join(tmpdir(), 'gofer-wasi-suite-'));
const task = (...args: string[]) => ({ entrypoint: ['task', ...args] });

schedulerSuite({
  name: 'wasi',
  skip: false,
  installation: `test-${randomUUID().slice(0, 8)}`,
  image: jsTaskComponent(),
  imageKind: 'wasm',
  graceMs: 500,
  taskBoundMs: 60_000,
  setup: async () => undefined,
  teardown: async () => rmSync(cacheDir, { recursive: true, force: true }),
  scheduler: () =>
    new WasiScheduler({ cacheDir, memoryLimitBytes: 256 << 20, timeLimitMs: 0, warmWorkers: 2 }),
  programs: {
    env: () => task('env'),
    write: (stream, text) => ({ ...task('print', stream), env: { TASK_TEXT: text } }),
    exit: (code) => task('exit', String(code)),
    trapTerm: () => task('hang'),
    ignoreTerm: () => task('hang'),
    sleep: (ms) => task('sleep', String(ms)),
  },
});
