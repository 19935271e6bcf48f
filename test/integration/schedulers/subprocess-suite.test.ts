/**
 * The shared scheduler behaviour suite on the example subprocess scheduler, loaded from its
 * packed tarball the way an installed plugin is: unpacked, then its entry imported.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { PluginContext, PluginFactory } from '../../../kernel/contracts/plugin.js';
import type { Scheduler } from '../../../kernel/contracts/scheduler.js';
import { unpackPackageTarball } from '../../../kernel/plugins/package-archive.js';
import { quietLogger } from '../../support/docker-test-kit.js';
import { packExamplePlugin } from '../../support/example-plugin-package.js';
import { schedulerSuite } from './scheduler-suite.js';

const root = mkdtempSync(join(tmpdir(), 'gofer-subprocess-suite-'));
let factory: PluginFactory<Scheduler>;

const sh = (script: string, env: Record<string, string> = {}) => ({
  entrypoint: ['sh', '-c', script],
  env,
});

schedulerSuite({
  name: 'subprocess',
  skip: false,
  installation: `test-${randomUUID().slice(0, 8)}`,
  image: 'host',
  graceMs: 500,
  taskBoundMs: 10_000,
  setup: async () => {
    const dir = join(root, 'package');
    unpackPackageTarball(packExamplePlugin(), dir);
    factory = (await import(pathToFileURL(join(dir, 'index.js')).href)).default;
  },
  teardown: async () => rmSync(root, { recursive: true, force: true }),
  scheduler: () => {
    const ctx: PluginContext = {
      kernelVersion: '0.1.0',
      config: {},
      logger: quietLogger,
      dataDir: join(root, 'data'),
      devMode: false,
      contracts: {},
    };
    return factory(ctx) as Scheduler;
  },
  programs: {
    env: () => ({ entrypoint: ['env', '-0'] }),
    write: (stream, text) =>
      sh(stream === 'stdout' ? 'printf "%s" "$TEXT"' : 'printf "%s" "$TEXT" >&2', { TEXT: text }),
    exit: (code) => sh(`exit ${code}`),
    trapTerm: () => sh('trap "exit 0" TERM; while :; do sleep 0.05; done'),
    ignoreTerm: () => sh('trap "" TERM; while :; do sleep 0.05; done'),
    sleep: (ms) => sh(`sleep ${ms / 1000}`),
  },
});
