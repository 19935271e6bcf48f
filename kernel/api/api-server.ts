/**
 * The gRPC server in front of KernelServices. It serves the gofer.v1 services through one
 * CallGuard (auth and error mapping), plus the standard health service, and it refuses to speak
 * plain text where someone other than this machine could listen.
 */
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import { loadProtos, SERVICE_NAMES, type ServiceName } from '../../proto/load-protos.js';
import type { Auth } from '../contracts/auth.js';
import type { Logger } from '../contracts/logger.js';
import type { KernelConfig } from '../config/kernel-config.js';
import { GoferError } from '../errors.js';
import { CallGuard, type Handler } from './call-guard.js';
import { eventHandlers } from './handlers/event-handlers.js';
import { extensionHandlers, subscriptionHandlers } from './handlers/extension-handlers.js';
import { logHandlers } from './handlers/log-handlers.js';
import { namespaceHandlers } from './handlers/namespace-handlers.js';
import { pipelineHandlers } from './handlers/pipeline-handlers.js';
import { pluginHandlers } from './handlers/plugin-handlers.js';
import { runHandlers } from './handlers/run-handlers.js';
import { systemHandlers } from './handlers/system-handlers.js';
import { tokenHandlers } from './handlers/token-handlers.js';
import { objectHandlers } from './handlers/object-handlers.js';
import { secretHandlers } from './handlers/secret-handlers.js';
import type { KernelServices } from './kernel-services.js';
import { missingAccessEntries } from './method-access.js';

/** Largest request or response the API takes, on server and client alike. */
export const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

export interface ApiServerOptions {
  kernel: KernelServices;
  auth: Auth;
  server: KernelConfig['server'];
  devMode: boolean;
  /** A pino logger, or anything with the same small interface. */
  logger: Logger;
}

export class ApiServer {
  // Objects and secrets travel whole in one message; several MiB must fit.
  private readonly grpcServer = new grpc.Server({
    'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
    'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
  });
  private readonly health: HealthImplementation;
  private readonly guard: CallGuard;
  private readonly logger: Logger;

  constructor(private readonly options: ApiServerOptions) {
    this.logger = options.logger.child({ component: 'api' });
    this.guard = new CallGuard(options.auth, this.logger);
    this.health = new HealthImplementation(
      Object.fromEntries(
        ['', ...SERVICE_NAMES.map((s) => `gofer.v1.${s}`)].map((s) => [s, 'NOT_SERVING']),
      ),
    );
    this.addServices();
    this.health.addToServer(this.grpcServer);
  }

  /** Binds the configured address; resolves with the bound `host:port` (useful with port 0). */
  async start(): Promise<string> {
    const { host, port } = splitAddress(this.options.server.address);
    const credentials = this.credentials(host);
    const bound = await new Promise<number>((resolve, reject) => {
      this.grpcServer.bindAsync(`${host}:${port}`, credentials, (err, actual) =>
        err ? reject(bindFailed(this.options.server.address, err)) : resolve(actual),
      );
    });
    for (const name of ['', ...SERVICE_NAMES.map((s) => `gofer.v1.${s}`)]) {
      this.health.setStatus(name, 'SERVING');
    }
    const address = `${host}:${bound}`;
    this.logger.info({ address, tls: credentials !== insecure }, 'api listening');
    return address;
  }

  /**
   * Stops taking calls, ends open streams with UNAVAILABLE, and waits up to `timeoutMs` for
   * unary calls in flight before cutting the rest.
   */
  async stop(timeoutMs: number): Promise<void> {
    for (const name of ['', ...SERVICE_NAMES.map((s) => `gofer.v1.${s}`)]) {
      this.health.setStatus(name, 'NOT_SERVING');
    }
    this.guard.endStreams();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.logger.warn({ timeoutMs }, 'api calls still in flight at shutdown; cutting them');
        this.grpcServer.forceShutdown();
        resolve();
      }, timeoutMs);
      this.grpcServer.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private addServices(): void {
    const { v1 } = loadProtos();
    const { kernel, auth } = this.options;
    const handlers: Record<ServiceName, Record<string, Handler>> = {
      SystemService: systemHandlers(kernel),
      NamespaceService: namespaceHandlers(kernel, auth),
      PipelineService: pipelineHandlers(kernel),
      RunService: runHandlers(kernel),
      LogService: logHandlers(kernel),
      EventService: eventHandlers(kernel, auth),
      ExtensionService: extensionHandlers(kernel),
      SubscriptionService: subscriptionHandlers(kernel),
      PluginService: pluginHandlers(kernel),
      TokenService: tokenHandlers(kernel),
      ObjectService: objectHandlers(kernel),
      SecretService: secretHandlers(kernel),
    };

    // A method without an access rule or a handler would be a hole; refuse to start instead.
    const definitions = SERVICE_NAMES.map((name) => [name, v1[name].service] as const);
    const paths = definitions.flatMap(([, def]) => Object.values(def).map((m) => m.path));
    const unguarded = missingAccessEntries(paths);
    const unhandled = definitions.flatMap(([name, def]) =>
      Object.entries(def)
        .filter(([method]) => !handlers[name][method])
        .map(([, m]) => m.path),
    );
    if (unguarded.length > 0 || unhandled.length > 0) {
      throw new GoferError(
        'INTERNAL',
        `api methods without an access rule: [${unguarded.join(', ')}]; without a handler: [${unhandled.join(', ')}]`,
        'add them to kernel/api/method-access.ts and kernel/api/handlers/',
      );
    }

    for (const [name, def] of definitions) {
      const implementation = Object.fromEntries(
        Object.entries(def).map(([method, m]) => [
          method,
          this.guard.wrap(m.path, handlers[name][method]),
        ]),
      );
      this.grpcServer.addService(def, implementation);
    }
  }

  private credentials(host: string): grpc.ServerCredentials {
    const { address, tls_cert, tls_key } = this.options.server;
    if (tls_cert || tls_key) {
      if (!tls_cert || !tls_key) {
        throw new GoferError(
          'INVALID_ARGUMENT',
          `server.tls_cert and server.tls_key must be set together (got cert "${tls_cert}", key "${tls_key}")`,
          'set both to PEM files, or neither for plain text on loopback',
        );
      }
      return grpc.ServerCredentials.createSsl(
        null,
        [
          {
            cert_chain: readPem(tls_cert, 'server.tls_cert'),
            private_key: readPem(tls_key, 'server.tls_key'),
          },
        ],
        false,
      );
    }
    if (!isLoopback(host) && !this.options.devMode) {
      throw new GoferError(
        'FAILED_PRECONDITION',
        `server.address ${address} is not a loopback address, and the API speaks plain text only on loopback`,
        'set server.tls_cert and server.tls_key to PEM files, bind server.address to 127.0.0.1, or start with --dev-mode',
      );
    }
    return insecure;
  }
}

const insecure = grpc.ServerCredentials.createInsecure();

function readPem(path: string, setting: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new GoferError(
      'FAILED_PRECONDITION',
      `cannot read ${setting} ${path}: ${(err as Error).message}`,
      `point ${setting} at a readable PEM file`,
    );
  }
}

/** Splits `host:port`, `[v6]:port`; the host keeps its brackets for grpc-js. */
export function splitAddress(address: string): { host: string; port: number } {
  const match = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(address.trim());
  if (!match) {
    throw new GoferError(
      'INVALID_ARGUMENT',
      `server.address "${address}" is not host:port`,
      'set server.address like 127.0.0.1:8080 or [::1]:8080',
    );
  }
  return { host: match[1], port: Number(match[2]) };
}

export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  return bare === 'localhost' || bare === '::1' || /^127(\.\d{1,3}){3}$/.test(bare);
}

function bindFailed(address: string, err: Error): GoferError {
  return new GoferError(
    'UNAVAILABLE',
    `cannot listen on ${address}: ${err.message}`,
    'choose a free port in server.address (GOFER_SERVER__ADDRESS)',
  );
}
