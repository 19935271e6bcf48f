/**
 * Runs inside the restricted test's namespaces (see test/integration/restricted/): starts
 * `gofer service start --restricted` as an operator would, checks the sandbox really is one,
 * installs the interval wasm extension, subscribes a pipeline of one wasm task to it, waits for
 * the run it starts to complete, stops the service and prints one JSON line of what it saw.
 *
 * Input in the environment: RESTRICTED_CONFIG (the read-only config file), RESTRICTED_DATA_DIR,
 * RESTRICTED_TASK (a task component) and RESTRICTED_INTERVAL (the interval component).
 */
import { existsSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { ExtensionClient } from '../../cli/extension-client.js';
import type { Run } from '../../kernel/contracts/model.js';
import { ServiceProcess } from './service-process.js';

const env = (name: string) => {
  const value = process.env[name];
  if (!value) throw new Error(`restricted-driver: ${name} is not set`);
  return value;
};

/** What a task or the kernel would meet if it tried to leave the sandbox. */
async function sandboxFacts() {
  const writeOutside = (() => {
    try {
      writeFileSync(join(env('RESTRICTED_CONFIG'), '..', 'escaped'), 'x');
      return 'written';
    } catch (err) {
      return (err as NodeJS.ErrnoException).code ?? 'failed';
    }
  })();
  const dockerSocket = await new Promise<string>((resolve) => {
    const socket = connect('/var/run/docker.sock');
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'failed'));
  });
  return {
    interfaces: Object.keys(networkInterfaces()).sort(),
    writeOutside,
    dockerSocket,
    dockerSocketVisible: existsSync('/var/run/docker.sock'),
    uid: process.getuid?.(),
  };
}

async function waitForRun(service: ServiceProcess, pipeline: string): Promise<Run> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const runs = await service.client.listRuns('default', pipeline);
    const done = runs.find((r) => r.state === 'COMPLETE');
    if (done) return done;
    if (Date.now() > deadline) throw new Error(`no run of ${pipeline} completed within 60 s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function main() {
  const facts = await sandboxFacts();
  const service = new ServiceProcess({}, env('RESTRICTED_DATA_DIR'), {
    args: ['--restricted', '--config', env('RESTRICTED_CONFIG')],
  });
  await service.start();
  try {
    const extensions = new ExtensionClient({
      address: service.address,
      namespace: 'default',
      output: 'json',
      tls: false,
      timeoutMs: 60_000,
    });
    await extensions.install({
      name: 'tick',
      source: env('RESTRICTED_INTERVAL'),
      config: { min_every: '1s' },
      grants: [],
    });
    const pipeline = 'restricted';
    const config = {
      id: pipeline,
      tasks: [
        {
          id: 'hello',
          image: env('RESTRICTED_TASK'),
          image_kind: 'wasm' as const,
          command: ['task', 'print', 'inside'],
        },
      ],
    };
    const version = await service.client.registerPipeline('default', config);
    await service.client.deployPipeline('default', pipeline, version.version);
    await extensions.subscribe({
      namespace: 'default',
      pipeline,
      extension: 'tick',
      label: 'every-second',
      settings: { every: '1s' },
    });
    const run = await waitForRun(service, pipeline);
    const [task] = await service.client.listTaskRuns('default', pipeline, run.id);
    extensions.close();
    const exitCode = await service.stop();
    console.log(
      JSON.stringify({ facts, run, task, serviceExit: exitCode, serviceLog: service.log }),
    );
  } catch (err) {
    await service.stop();
    console.log(JSON.stringify({ facts, error: String(err), serviceLog: service.log }));
  }
}

await main();
