import 'reflect-metadata';
import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  container as rootContainer,
  instanceCachingFactory,
  type DependencyContainer,
} from 'tsyringe';
import type { Logger as PinoLogger } from 'pino';
import { parseDuration } from '../sdk/config/duration.js';
import { ApiServer } from './api/api-server.js';
import type { KernelServices } from './api/kernel-services.js';
import type { KernelConfig } from './config/kernel-config.js';
import { AUTH, type Auth } from './contracts/auth.js';
import { LOGGER } from './contracts/logger.js';
import { SCHEDULER, type Scheduler } from './contracts/scheduler.js';
import { STATE_STORE, type StateStore } from './contracts/state-store.js';
import { OBJECT_STORE, type ObjectStore } from './contracts/object-store.js';
import { SECRET_STORE, type SecretStore } from './contracts/secret-store.js';
import { ObjectImageFiles } from './objects/object-image-files.js';
import { ObjectService } from './objects/object-service.js';
import { SecretService } from './secrets/secret-service.js';
import { StoreReferenceResolver } from './secrets/store-reference-resolver.js';
import { DataDirLock, notWritable } from './data-dir-lock.js';
import { EventBus } from './events/event-bus.js';
import type { ExtensionClock } from './extensions/extension-clock.js';
import { KERNEL_EXTENSIONS, KernelExtensions } from './extensions/kernel-extensions.js';
import { createLogger } from './logging/create-logger.js';
import { LogPaths } from './logs/log-paths.js';
import { TaskLogService } from './logs/log-service.js';
import { NamespaceRegistry } from './namespaces/namespace-registry.js';
import { PipelineRegistry } from './pipelines/pipeline-registry.js';
import { builtinPluginDirs } from './plugins/builtin-plugins.js';
import { createPlugins } from './plugins/installed-plugins.js';
import { PluginHost, type PluginSelection } from './plugins/plugin-host.js';
import {
  refuseUnrestrictedPlugins,
  refuseUnrestrictedScheduler,
} from './plugins/restricted-mode.js';
import { PluginRegistry } from './plugins/plugin-registry.js';
import { RunOrchestrator } from './runs/run-orchestrator.js';
import { TASK_PREPARATION_STEPS, type TaskPreparationStep } from './runs/task-preparation.js';
import { RunTokenStep } from './tokens/run-token-step.js';
import { TokenRegistry } from './tokens/token-registry.js';
import { KERNEL_VERSION } from './version.js';

/** Injection tokens for the kernel's own services, beside the plugin contracts' tokens. */
export const KERNEL_CONFIG = Symbol.for('gofer.kernel.Config');
export const INSTALLATION_ID = Symbol.for('gofer.kernel.InstallationId');

const EVENT_PRUNE_INTERVAL_MS = 60 * 60 * 1000;

export interface KernelOptions {
  /** A logger to use instead of one made from the config (tests pass a quiet one). */
  logger?: PinoLogger;
  /** Time for extension ticks; tests pass a clock they drive. */
  extensionClock?: ExtensionClock;
}

/**
 * One Gofer kernel: its own DI container, its plugins, its run orchestration and its API. Two
 * kernels can live in one process; nothing here is global.
 */
export class Kernel {
  private pruneTimer?: NodeJS.Timeout;
  private stopping?: Promise<void>;

  private constructor(
    readonly config: KernelConfig,
    readonly container: DependencyContainer,
    private readonly api: ApiServer,
    /** `host:port` the API listens on. */
    readonly address: string,
    private readonly lock: DataDirLock,
  ) {}

  static async start(config: KernelConfig, opts: KernelOptions = {}): Promise<Kernel> {
    try {
      mkdirSync(config.data_dir, { recursive: true });
    } catch (err) {
      throw notWritable(config.data_dir, err);
    }
    const lock = DataDirLock.acquire(config.data_dir);
    // Task logs are readable by tasks through their own bind mount only, not by other users.
    mkdirSync(join(config.data_dir, 'logs'), { recursive: true, mode: 0o700 });
    chmodSync(join(config.data_dir, 'logs'), 0o700);
    const cleanups: (() => Promise<unknown> | unknown)[] = [() => lock.release()];
    try {
      return await Kernel.boot(config, opts, lock, cleanups);
    } catch (err) {
      // Leave nothing running behind a failed start, so the process can exit.
      for (const cleanup of cleanups.reverse())
        await Promise.resolve()
          .then(cleanup)
          .catch(() => undefined);
      throw err;
    }
  }

  private static async boot(
    config: KernelConfig,
    opts: KernelOptions,
    lock: DataDirLock,
    cleanups: (() => Promise<unknown> | unknown)[],
  ): Promise<Kernel> {
    const logger =
      opts.logger ??
      createLogger({ level: config.log_level, pretty: config.dev_mode ? undefined : false });
    const container = rootContainer.createChildContainer();
    container.register(KERNEL_CONFIG, { useValue: config });
    container.register(LOGGER, { useValue: logger });

    // Plugins first: everything else is built on the contracts they provide.
    const host = new PluginHost(KERNEL_VERSION, logger, config.data_dir, config.dev_mode);
    host.discover([...builtinPluginDirs(), ...config.plugins.paths]);
    const selections = pluginSelections(config);
    if (config.restricted) refuseUnrestrictedPlugins(host.list(), selections);
    const { created, broken } = await createPlugins(host, selections, (instance) => {
      const closable = instance as { close?: () => Promise<void> };
      if (typeof closable.close === 'function') cleanups.push(() => closable.close!());
    });
    container.register(STATE_STORE, { useValue: created.get('state-store')!.instance });
    container.register(AUTH, { useValue: created.get('auth')!.instance });
    if (config.restricted) {
      refuseUnrestrictedScheduler(created.get('scheduler')!.instance as Scheduler);
    }
    container.register(SCHEDULER, { useValue: created.get('scheduler')!.instance });
    container.register(OBJECT_STORE, { useValue: created.get('object-store')!.instance });
    container.register(SECRET_STORE, { useValue: created.get('secret-store')!.instance });
    container.register(PluginRegistry, {
      useValue: new PluginRegistry({
        store: created.get('state-store')!.instance as StateStore,
        host,
        kernelVersion: KERNEL_VERSION,
        installDir: join(config.data_dir, 'plugins', 'installed'),
        builtinDirs: builtinPluginDirs(),
        selections,
        broken,
        extensions: () => container.resolve<KernelExtensions>(KERNEL_EXTENSIONS).manager,
        restricted: config.restricted,
      }),
    });

    const store = container.resolve<StateStore>(STATE_STORE);
    container.register(INSTALLATION_ID, { useValue: await store.installationId() });
    // Tasks resumed by reconcile may be prepared before the API listens; they wait for it.
    let resolveAddress!: (address: string) => void;
    const apiAddress = new Promise<string>((resolve) => (resolveAddress = resolve));
    const runTokens = new RunTokenStep({
      auth: container.resolve<Auth>(AUTH),
      apiAddress: () => apiAddress,
      logger,
    });
    container.register(TASK_PREPARATION_STEPS, { useValue: runTokens });
    registerKernelServices(container);
    KernelExtensions.register(
      container,
      () => container.resolve<string>(INSTALLATION_ID),
      opts.extensionClock,
    );
    registerStoreSteps(container);

    // Bind the API before touching any run: a port already taken must stop this start before
    // it reconciles runs that another service may own.
    const services = container.resolve<KernelServices>(KERNEL_SERVICES);
    const api = new ApiServer({
      kernel: services,
      auth: container.resolve<Auth>(AUTH),
      server: config.server,
      devMode: config.dev_mode,
      logger,
    });
    const address = await api.start();
    cleanups.push(() => api.stop(0));
    resolveAddress(address);

    const runs = container.resolve(RunOrchestrator);
    await runs.reconcile();
    await runTokens.revokeLeftovers(store);
    await container.resolve<KernelExtensions>(KERNEL_EXTENSIONS).start();
    const kernel = new Kernel(config, container, api, address, lock);
    kernel.startRetention();
    logger.info(
      {
        address,
        version: KERNEL_VERSION,
        scheduler: config.scheduler.engine,
        devMode: config.dev_mode,
      },
      'gofer is serving',
    );
    return kernel;
  }

  get services(): KernelServices {
    return this.container.resolve<KernelServices>(KERNEL_SERVICES);
  }

  /**
   * Graceful stop: take no new runs, drain the API, release the plugins. Running task workloads
   * are left alone and reconciled at the next start.
   */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      const logger = this.container.resolve<PinoLogger>(LOGGER);
      clearInterval(this.pruneTimer);
      this.container.resolve(RunOrchestrator).stopAccepting();
      await this.container.resolve<KernelExtensions>(KERNEL_EXTENSIONS).stop();
      await this.api.stop(parseDuration(this.config.server.shutdown_timeout) ?? 15_000);
      await this.container.resolve(RunOrchestrator).halt();
      await this.container.resolve(ObjectService).idle();
      await this.container.resolve<Scheduler>(SCHEDULER).close();
      await this.container.resolve<StateStore>(STATE_STORE).close();
      this.lock.release();
      await this.container.resolve<ObjectStore>(OBJECT_STORE).close();
      await this.container.resolve<SecretStore>(SECRET_STORE).close();
      await this.container.resolve<Auth>(AUTH).close?.();
      logger.info({}, 'gofer stopped');
      logger.flush?.();
    })();
    return this.stopping;
  }

  private startRetention(): void {
    const store = this.container.resolve<StateStore>(STATE_STORE);
    const logger = this.container.resolve<PinoLogger>(LOGGER);
    const keepMs = parseDuration(this.config.runs.event_retention)!;
    const prune = () =>
      store
        .pruneEvents(Date.now() - keepMs)
        .then((n) => n > 0 && logger.info({ deleted: n }, 'old events pruned'))
        .catch((err) => logger.warn({ err }, 'event pruning failed'));
    void prune();
    this.pruneTimer = setInterval(prune, EVENT_PRUNE_INTERVAL_MS);
    this.pruneTimer.unref();
  }
}

export const KERNEL_SERVICES = Symbol.for('gofer.kernel.Services');

/** The plugins configuration selects, one per contract kind. */
function pluginSelections(config: KernelConfig): PluginSelection[] {
  const section = (parent: Record<string, unknown>, name: string) =>
    (parent[name] as Record<string, unknown> | undefined) ?? {};
  const authEngine = config.dev_mode ? 'allow-all' : config.auth.engine;
  return [
    {
      kind: 'state-store',
      name: config.state_store.engine,
      config: section(config.state_store, config.state_store.engine),
      setting: 'state_store.engine',
    },
    {
      kind: 'auth',
      name: authEngine,
      config: section(config.auth, authEngine),
      setting: config.dev_mode ? 'dev mode' : 'auth.engine',
    },
    {
      kind: 'scheduler',
      name: config.scheduler.engine,
      config: section(config.scheduler, config.scheduler.engine),
      setting: 'scheduler.engine',
    },
    {
      kind: 'object-store',
      name: config.object_store.engine,
      config: section(config.object_store, config.object_store.engine),
      setting: 'object_store.engine',
    },
    {
      kind: 'secret-store',
      name: config.secret_store.engine,
      config: section(config.secret_store, config.secret_store.engine),
      setting: 'secret_store.engine',
    },
  ];
}

/** Wires the kernel's services inside the kernel's own container; each is created once. */
function registerKernelServices(c: DependencyContainer): void {
  const config = () => c.resolve<KernelConfig>(KERNEL_CONFIG);
  const single = <T>(
    token: symbol | (new (...args: never[]) => T),
    make: (c: DependencyContainer) => T,
  ) => c.register<T>(token as symbol, { useFactory: instanceCachingFactory<T>(make) });

  single(LogPaths, () => new LogPaths(config().data_dir));
  single(EventBus, (c) => new EventBus(c.resolve<StateStore>(STATE_STORE)));
  single(RunOrchestrator, (c) => {
    const cfg = config();
    return new RunOrchestrator({
      store: c.resolve<StateStore>(STATE_STORE),
      scheduler: c.resolve<Scheduler>(SCHEDULER),
      events: c.resolve(EventBus),
      logger: c.resolve<PinoLogger>(LOGGER),
      logPaths: c.resolve(LogPaths),
      installation: c.resolve<string>(INSTALLATION_ID),
      globalParallelism: cfg.runs.global_parallelism,
      defaultTaskConcurrency: cfg.runs.task_concurrency,
      cancelGraceMs: parseDuration(cfg.runs.cancel_grace)!,
      logRetentionRuns: cfg.runs.log_retention_runs,
      removeFinishedWorkloads: cfg.runs.remove_finished_workloads,
      preparation: c.isRegistered(TASK_PREPARATION_STEPS)
        ? c.resolveAll<TaskPreparationStep>(TASK_PREPARATION_STEPS)
        : [],
    });
  });
  single(
    PipelineRegistry,
    (c) =>
      new PipelineRegistry({
        store: c.resolve<StateStore>(STATE_STORE),
        scheduler: c.resolve<Scheduler>(SCHEDULER),
        events: c.resolve(EventBus),
        runs: c.resolve(RunOrchestrator),
        logPaths: c.resolve(LogPaths),
        configVersionsKept: config().runs.config_versions_kept,
        cleanups: [
          c.resolve<KernelExtensions>(KERNEL_EXTENSIONS).subscriptions,
          c.resolve(ObjectService),
          c.resolve(SecretService),
        ],
      }),
  );
  single(
    NamespaceRegistry,
    (c) =>
      new NamespaceRegistry(
        c.resolve<StateStore>(STATE_STORE),
        c.resolve(EventBus),
        c.resolve(RunOrchestrator),
        c.resolve(LogPaths),
        [
          c.resolve<KernelExtensions>(KERNEL_EXTENSIONS).subscriptions,
          c.resolve(ObjectService),
          c.resolve(SecretService),
        ],
      ),
  );
  single(
    TaskLogService,
    (c) =>
      new TaskLogService(
        c.resolve<StateStore>(STATE_STORE),
        c.resolve(EventBus),
        c.resolve(LogPaths),
      ),
  );
  single<KernelServices>(KERNEL_SERVICES, (c) => {
    const cfg = config();
    return {
      namespaces: c.resolve(NamespaceRegistry),
      pipelines: c.resolve(PipelineRegistry),
      runs: c.resolve(RunOrchestrator),
      logs: c.resolve(TaskLogService),
      events: c.resolve(EventBus),
      objects: c.resolve(ObjectService),
      secrets: c.resolve(SecretService),
      tokens: new TokenRegistry(
        c.resolve<Auth>(AUTH),
        cfg.dev_mode ? 'allow-all' : cfg.auth.engine,
      ),
      extensions: c.resolve<KernelExtensions>(KERNEL_EXTENSIONS).manager,
      subscriptions: c.resolve<KernelExtensions>(KERNEL_EXTENSIONS).subscriptions,
      plugins: c.resolve(PluginRegistry),
      system: () => ({
        version: KERNEL_VERSION,
        devMode: cfg.dev_mode,
        scheduler: cfg.scheduler.engine,
        stateStore: cfg.state_store.engine,
        auth: cfg.dev_mode ? 'allow-all' : cfg.auth.engine,
      }),
    };
  });
}

/**
 * The object and secret services, and the preparation steps built on them: reference
 * resolution before each attempt, run object expiry at each run's end. Registered before the
 * run orchestrator is first resolved, which is when it collects its steps.
 */
function registerStoreSteps(c: DependencyContainer): void {
  const cfg = c.resolve<KernelConfig>(KERNEL_CONFIG);
  const objects = new ObjectService({
    store: c.resolve<StateStore>(STATE_STORE),
    objects: c.resolve<ObjectStore>(OBJECT_STORE),
    events: c.resolve(EventBus),
    logger: c.resolve<PinoLogger>(LOGGER),
    pipelineObjectLimit: cfg.object_store.pipeline_object_limit,
    runObjectExpiry: cfg.object_store.run_object_expiry,
  });
  const secrets = new SecretService(
    c.resolve<StateStore>(STATE_STORE),
    c.resolve<SecretStore>(SECRET_STORE),
  );
  c.register(ObjectService, { useValue: objects });
  c.register(SecretService, { useValue: secrets });
  c.register(TASK_PREPARATION_STEPS, { useValue: new StoreReferenceResolver(secrets, objects) });
  c.register(TASK_PREPARATION_STEPS, { useValue: objects });
  c.register(TASK_PREPARATION_STEPS, {
    useValue: new ObjectImageFiles(objects, join(cfg.data_dir, 'object-images')),
  });
}
