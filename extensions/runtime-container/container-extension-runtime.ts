import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import type {
  ExtensionExit,
  ExtensionInstance,
  ExtensionLaunchSpec,
  ExtensionRuntime,
} from '../../kernel/contracts/extension.js';
import type { Scheduler, ServiceHandle } from '../../kernel/contracts/scheduler.js';
import type { PullPolicy } from '../../sdk/config/pipeline-config.js';
import {
  EXTENSION_ENV,
  keyMetadata,
  loadExtensionProtocol,
  unaryCall,
} from '../../proto/extension-protocol.js';
import { ContainerExtensionInstance } from './container-extension-instance.js';
import { ExtensionHostServer } from './extension-host-server.js';

export interface ContainerExtensionRuntimeOptions {
  scheduler: Scheduler;
  /** Labels the containers so the kernel finds its own, and only its own. */
  installation: string;
  /** Each extension's output is appended to `<logDir>/<name>.log`. */
  logDir: string;
  pullPolicy?: PullPolicy;
  /** How long a started container may take to answer Info (default 30 s). */
  readyTimeoutMs?: number;
  /** SIGTERM to SIGKILL on shutdown (default 5 s). */
  stopGraceMs?: number;
}

const READY_POLL_MS = 100;

/**
 * Runs extensions as containers through the scheduler's `startService`. Each instance gets a
 * fresh random key, a host server of its own on a free loopback port, and a loopback port to
 * serve on; every call in both directions carries the key.
 */
export class ContainerExtensionRuntime implements ExtensionRuntime {
  readonly kind = 'container' as const;

  constructor(private readonly options: ContainerExtensionRuntimeOptions) {}

  async check(source: string, grants: readonly string[]): Promise<string[]> {
    const problems: string[] = [];
    if (!/^[\w][\w.\-/:@]*$/.test(source)) {
      problems.push(`"${source}" is not an image reference (like local/my-extension:1)`);
    }
    // Containers are confined by the engine, not by grants; saying so beats ignoring them.
    if (grants.length > 0) {
      problems.push(`grants (${grants.join(', ')}) apply to wasm extensions only`);
    }
    if (!this.options.scheduler.capabilities.services) {
      problems.push(`scheduler "${this.options.scheduler.name}" cannot run extension services`);
    }
    return problems;
  }

  async launch(spec: ExtensionLaunchSpec): Promise<ExtensionInstance> {
    const key = randomBytes(32).toString('hex');
    const hostServer = new ExtensionHostServer(spec.host, key);
    const hostAddress = await hostServer.start();
    let handle: ServiceHandle | undefined;
    try {
      const port = await freeLoopbackPort();
      mkdirSync(this.options.logDir, { recursive: true });
      handle = await this.options.scheduler.startService({
        id: `gofer-ext-${this.options.installation}-${spec.name}`.toLowerCase(),
        labels: {
          installation: this.options.installation,
          kind: 'extension',
          extension: spec.name,
        },
        image: spec.source,
        imageKind: 'container',
        pullPolicy: this.options.pullPolicy ?? 'if-not-present',
        env: {
          [EXTENSION_ENV.key]: key,
          [EXTENSION_ENV.hostAddress]: hostAddress,
          [EXTENSION_ENV.port]: String(port),
        },
        port,
        logFile: join(this.options.logDir, `${spec.name}.log`),
      });
      return await this.connect(spec, handle, key, hostServer);
    } catch (err) {
      if (handle) await this.options.scheduler.stop(handle.id, 0).catch(() => undefined);
      hostServer.close();
      throw err;
    }
  }

  private async connect(
    spec: ExtensionLaunchSpec,
    handle: ServiceHandle,
    key: string,
    hostServer: ExtensionHostServer,
  ): Promise<ExtensionInstance> {
    const { ExtensionGuestService } = loadExtensionProtocol();
    const client = new ExtensionGuestService(handle.address, grpc.credentials.createInsecure());
    let requested = false;
    const exited: Promise<ExtensionExit> = handle.exited.then((outcome) => {
      client.close();
      hostServer.close();
      const reason =
        outcome.kind === 'lost'
          ? `container lost: ${outcome.reason}`
          : `container exited with code ${outcome.exitCode}${outcome.oomKilled ? ' (out of memory)' : ''}`;
      return { reason, requested };
    });
    const ended = await Promise.race([
      this.waitReady(client, key, spec.name, handle.address),
      exited.then((exit) => exit),
    ]);
    if (ended !== true) {
      throw new Error(
        `extension ${spec.name} (${spec.source}) ended before it was ready: ${ended.reason}`,
      );
    }

    const grace = this.options.stopGraceMs ?? 5_000;
    return new ContainerExtensionInstance({
      name: spec.name,
      client,
      key,
      callTimeoutMs: spec.callTimeoutMs,
      exited,
      stop: async () => {
        requested = true;
        await this.options.scheduler.stop(handle.id, grace);
        await this.options.scheduler.remove(handle.id).catch(() => undefined);
        await exited;
      },
    });
  }

  /** Polls Info until it answers, within the ready timeout; resolves true or rejects. */
  private async waitReady(
    client: grpc.Client,
    key: string,
    name: string,
    address: string,
  ): Promise<true> {
    const timeout = this.options.readyTimeoutMs ?? 30_000;
    const deadline = Date.now() + timeout;
    const metadata = keyMetadata(key);
    let last = 'no answer yet';
    while (Date.now() < deadline) {
      try {
        await unaryCall(client, 'Info', {}, metadata, Math.min(1_000, deadline - Date.now()));
        return true;
      } catch (err) {
        last = (err as grpc.ServiceError).details || (err as Error).message;
        if ((err as grpc.ServiceError).code === grpc.status.UNAUTHENTICATED) break;
      }
      await new Promise((resolve) => setTimeout(resolve, READY_POLL_MS));
    }
    throw new Error(
      `extension ${name} did not answer on ${address} within ${timeout} ms (last: ${last}); ` +
        `it must serve gofer.v1.ExtensionGuestService on 127.0.0.1:$PORT`,
    );
  }
}

/** A port nobody listens on right now; the container binds it moments later. */
function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
