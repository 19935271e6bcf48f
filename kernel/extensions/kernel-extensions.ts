import 'reflect-metadata';
import { join } from 'node:path';
import { instanceCachingFactory, type DependencyContainer } from 'tsyringe';
import { parseDuration } from '../../sdk/config/duration.js';
import { ContainerExtensionRuntime } from '../../extensions/runtime-container/container-extension-runtime.js';
import type { KernelConfig } from '../config/kernel-config.js';
import { LOGGER, type Logger } from '../contracts/logger.js';
import { SCHEDULER, type Scheduler } from '../contracts/scheduler.js';
import { STATE_STORE, type StateStore } from '../contracts/state-store.js';
import { EventBus } from '../events/event-bus.js';
import { RunOrchestrator } from '../runs/run-orchestrator.js';
import { SecretService } from '../secrets/secret-service.js';
import { systemClock, type ExtensionClock } from './extension-clock.js';
import { ExtensionManager } from './extension-manager.js';
import { ExtensionRuntimes } from './extension-runtimes.js';
import { installProvidedExtensions } from './provided-extensions.js';
import { EventsHttpServer } from './events-http-server.js';
import { SubscriptionRegistry } from './subscription-registry.js';

export const KERNEL_EXTENSIONS = Symbol.for('gofer.kernel.Extensions');

const MIN_TICK_MS = 10;
const MAX_TICK_MS = 60 * 60 * 1000;

/**
 * The kernel's extension system in one place: the manager, the subscription registry and the
 * events endpoint, built from the kernel's config and contracts. `start` returns at once; the
 * extensions come up in the background.
 */
export class KernelExtensions {
  /** `host:port` of the events endpoint once started; empty when it could not listen. */
  eventsAddress = '';
  private readonly events: EventsHttpServer;

  private constructor(
    readonly manager: ExtensionManager,
    readonly subscriptions: SubscriptionRegistry,
    private readonly config: KernelConfig['extensions'],
    private readonly logger: Logger,
    private readonly store: StateStore,
  ) {
    this.events = new EventsHttpServer((name, e) => manager.externalEvent(name, e), logger);
  }

  /** Registers the extension services in the kernel's container, created on first resolve. */
  static register(c: DependencyContainer, installation: () => string, clock?: ExtensionClock) {
    c.register<KernelExtensions>(KERNEL_EXTENSIONS, {
      useFactory: instanceCachingFactory<KernelExtensions>((c) =>
        KernelExtensions.create(c, installation(), clock ?? systemClock),
      ),
    });
  }

  private static create(
    c: DependencyContainer,
    installation: string,
    clock: ExtensionClock,
  ): KernelExtensions {
    const config = c.resolve<KernelConfig>(Symbol.for('gofer.kernel.Config'));
    const ext = config.extensions;
    const logger = c.resolve<Logger>(LOGGER).child({ component: 'extensions' });
    const store = c.resolve<StateStore>(STATE_STORE);
    const dir = join(config.data_dir, 'extensions');
    const container = new ContainerExtensionRuntime({
      scheduler: c.resolve<Scheduler>(SCHEDULER),
      installation,
      logDir: join(dir, 'logs'),
      readyTimeoutMs: parseDuration(ext.ready_timeout)!,
    });
    const readyWaitMs = parseDuration(ext.ready_timeout)!;
    const manager = new ExtensionManager({
      store,
      runs: c.resolve(RunOrchestrator),
      events: c.resolve(EventBus),
      runtimes: new ExtensionRuntimes(container, join(dir, 'wasm-cache')),
      logger,
      clock,
      restricted: config.restricted,
      readGlobalSecret: async (key) => {
        const secret = await c.resolve(SecretService).getGlobal(key, true);
        return 'value' in secret ? secret.value : Buffer.alloc(0);
      },
      options: {
        callTimeoutMs: parseDuration(ext.call_timeout)!,
        memoryLimitBytes: ext.memory_limit_mb * 1024 * 1024,
        backoffMs: parseDuration(ext.restart_backoff)!,
        backoffMaxMs: parseDuration(ext.restart_backoff_max)!,
        minTickMs: MIN_TICK_MS,
        maxTickMs: MAX_TICK_MS,
        readyWaitMs,
      },
    });
    const subscriptions = new SubscriptionRegistry({
      store,
      extensions: manager,
      logger,
      clock,
      readyWaitMs,
    });
    return new KernelExtensions(manager, subscriptions, ext, logger, store);
  }

  async start(): Promise<void> {
    // The endpoint is a convenience beside the API; a busy port must not keep Gofer down.
    this.eventsAddress = await this.events.start(this.config.events_address).catch((err) => {
      this.logger.error(
        { err, address: this.config.events_address },
        'extension events endpoint cannot listen; set extensions.events_address to a free port',
      );
      return '';
    });
    // Only records them: the manager then starts them in the background like any other.
    if (this.config.install_provided) {
      await installProvidedExtensions(this.store, this.logger).catch((err: unknown) =>
        this.logger.error({ err }, 'provided extensions could not be installed'),
      );
    }
    await this.manager.start();
  }

  async stop(): Promise<void> {
    await this.events.stop();
    await this.manager.stop();
  }
}
