/** The shared scheduler behaviour suite on the inprocess scheduler's built-in programs. */
import { randomUUID } from 'node:crypto';
import {
  INPROCESS_IMAGE,
  InProcessScheduler,
} from '../../../schedulers/inprocess/inprocess-scheduler.js';
import { schedulerSuite } from './scheduler-suite.js';

schedulerSuite({
  name: 'inprocess',
  skip: false,
  installation: `test-${randomUUID().slice(0, 8)}`,
  image: INPROCESS_IMAGE,
  graceMs: 500,
  taskBoundMs: 10_000,
  setup: async () => undefined,
  teardown: async () => undefined,
  scheduler: () => new InProcessScheduler(),
  programs: {
    env: () => ({ command: ['env'] }),
    write: (stream, text) => ({ command: ['print', stream, text] }),
    exit: (code) => ({ command: ['fail', String(code)] }),
    trapTerm: () => ({ command: ['trap-term', '0'] }),
    ignoreTerm: () => ({ command: ['hang'] }),
    sleep: (ms) => ({ command: ['sleep', String(ms)] }),
  },
});
