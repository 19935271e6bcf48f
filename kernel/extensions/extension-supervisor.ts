import type { ExtensionStatus } from '../api/kernel-services.js';
import type {
  ExtensionInstance,
  ExtensionRuntime,
  SubscriptionRef,
} from '../contracts/extension.js';
import type { Logger } from '../contracts/logger.js';
import type { InstalledExtension, Subscription } from '../contracts/model.js';
import type { StateStore } from '../contracts/state-store.js';
import { GoferError } from '../errors.js';
import type { ExtensionClock } from './extension-clock.js';
import type { ExtensionGate } from './extension-gate.js';
import { settingsForExtension } from './extension-settings.js';

export interface SupervisorOptions {
  callTimeoutMs: number;
  memoryLimitBytes: number;
  /** First restart delay; doubles with each failure in a row up to `backoffMaxMs`. */
  backoffMs: number;
  backoffMaxMs: number;
  /** Ticks are asked for at least this far apart, and at most this far. */
  minTickMs: number;
  maxTickMs: number;
}

/** An instance that stayed up this long has proved itself; its next crash restarts quickly. */
const STABLE_MS = 60_000;

export const refOf = (sub: Subscription): SubscriptionRef => ({
  namespace: sub.namespace,
  pipeline: sub.pipeline,
  label: sub.label,
});

/**
 * Keeps one enabled extension running: launch, init, info, replay of its subscriptions, the
 * tick loop, and restarts with exponential backoff when the instance exits on its own. A
 * failure here is recorded on the extension and its subscriptions, never thrown at the kernel.
 */
export class ExtensionSupervisor {
  status: ExtensionStatus = 'STOPPED';
  statusReason = '';
  private instance?: ExtensionInstance;
  private starting?: Promise<ExtensionInstance>;
  private failures = 0;
  private stopped = false;
  private cancelRestart?: () => void;
  private cancelTick?: () => void;
  private ticking = false;
  private tickAgain = false;
  private readonly waiters = new Set<() => void>();
  private runtime?: ExtensionRuntime;

  constructor(
    private readonly ext: InstalledExtension,
    private readonly deps: {
      gate: ExtensionGate;
      store: StateStore;
      logger: Logger;
      clock: ExtensionClock;
      /** The config as the extension is given it, secret references resolved. */
      resolveConfig: (config: Record<string, string>) => Promise<Record<string, string>>;
      options: SupervisorOptions;
    },
  ) {}

  get name(): string {
    return this.ext.name;
  }

  /** The running instance, if there is one right now. */
  get current(): ExtensionInstance | undefined {
    return this.instance;
  }

  /** Hands over the runtime (loaded lazily by the manager) and starts the first launch. */
  attach(runtime: ExtensionRuntime): void {
    this.runtime = runtime;
    this.start();
  }

  /** The runtime could not be had; recorded like any failure to start, without retries. */
  unavailable(reason: string): void {
    this.status = 'ERROR';
    this.statusReason = reason;
    this.wake();
    void this.markSubscriptionsUnreachable(`cannot run: ${reason}`);
  }

  start(): void {
    if (this.stopped || this.starting || this.instance || !this.runtime) return;
    this.status = 'STARTING';
    this.starting = this.launch().finally(() => (this.starting = undefined));
    this.starting.catch(() => undefined);
    this.wake();
  }

  /**
   * The running instance, waiting for a start in progress (or a restart) up to `timeoutMs`. With
   * `firstStartOnly` (install and enable, which report how the start went) a failed start ends
   * the wait at once instead of waiting through the restarts that follow it.
   */
  async ready(
    timeoutMs: number,
    opts: { firstStartOnly?: boolean } = {},
  ): Promise<ExtensionInstance> {
    const deadline = Date.now() + timeoutMs;
    while (!this.stopped) {
      if (this.instance) return this.instance;
      if (opts.firstStartOnly && this.status === 'ERROR' && !this.starting) break;
      if (this.starting) {
        const started = await withTimeout(this.starting, deadline - Date.now()).catch(
          () => undefined,
        );
        if (started) return started;
        if (opts.firstStartOnly && this.status === 'ERROR') break;
      } else {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
          this.waiters.add(() => (clearTimeout(timer), resolve()));
        });
      }
      if (Date.now() >= deadline) break;
    }
    throw new GoferError(
      'FAILED_PRECONDITION',
      `extension ${this.name} cannot be reached: ${this.statusReason || this.status}`,
      `see \`gofer extension get ${this.name}\` and its log under the data directory`,
    );
  }

  /** Asks for a tick now, e.g. after a subscription changed. */
  kick(): void {
    this.scheduleTick(0);
  }

  /** Shuts the instance down on purpose; no restart follows. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelRestart?.();
    this.cancelTick?.();
    this.wake();
    const instance = this.instance ?? (await this.starting?.catch(() => undefined));
    this.instance = undefined;
    this.status = 'STOPPED';
    this.statusReason = '';
    await instance?.shutdown().catch((err: unknown) => {
      this.deps.logger.warn({ err, extension: this.name }, 'extension shutdown failed');
    });
  }

  private async launch(): Promise<ExtensionInstance> {
    const { options, logger } = this.deps;
    const runtime = this.runtime!;
    let instance: ExtensionInstance | undefined;
    try {
      const config = await this.deps.resolveConfig(this.ext.config);
      instance = await runtime.launch({
        name: this.ext.name,
        source: this.ext.source,
        grants: this.ext.grants,
        host: this.deps.gate,
        callTimeoutMs: options.callTimeoutMs,
        memoryLimitBytes: options.memoryLimitBytes,
      });
      await instance.init(config);
      const info = await instance.info();
      await this.deps.store.updateExtension(this.ext.name, { info });
      await this.restoreSubscriptions(instance);
    } catch (err) {
      await instance?.shutdown().catch(() => undefined);
      await this.failed(`could not be started: ${(err as Error).message}`, true);
      throw err;
    }
    if (this.stopped) {
      await instance.shutdown().catch(() => undefined);
      throw new Error(`extension ${this.name} was stopped while it started`);
    }

    const startedAt = Date.now();
    this.instance = instance;
    this.status = 'RUNNING';
    this.statusReason = '';
    this.wake();
    logger.info({ extension: this.name, runtime: runtime.kind }, 'extension running');
    void instance.exited.then((exit) => {
      if (this.instance !== instance || exit.requested || this.stopped) return;
      this.instance = undefined;
      this.cancelTick?.();
      if (Date.now() - startedAt >= STABLE_MS) this.failures = 0;
      void this.failed(`exited: ${exit.reason}`, false);
    });
    this.kick();
    return instance;
  }

  /** Replays every subscription that is not disabled; each failure marks only its own. */
  private async restoreSubscriptions(instance: ExtensionInstance): Promise<void> {
    const subs = await this.deps.store.listSubscriptions({ extension: this.ext.name });
    for (const sub of subs.filter((s) => s.state !== 'DISABLED')) {
      try {
        await instance.subscribe(refOf(sub), settingsForExtension(sub));
        if (sub.state !== 'ACTIVE') {
          await this.deps.store.updateSubscription(sub, { state: 'ACTIVE', statusReason: '' });
        }
      } catch (err) {
        await this.deps.store.updateSubscription(sub, {
          state: 'ERROR',
          statusReason: `extension ${this.name} refused it on restore: ${(err as Error).message}`,
        });
      }
    }
  }

  /** Records the failure and schedules the next attempt. */
  private async failed(reason: string, unreachable: boolean): Promise<void> {
    this.status = 'ERROR';
    this.statusReason = reason;
    this.deps.logger.warn({ extension: this.name, reason }, 'extension failed');
    if (unreachable) await this.markSubscriptionsUnreachable(reason);
    if (this.stopped) return;
    const { backoffMs, backoffMaxMs } = this.deps.options;
    const delay = Math.min(backoffMaxMs, backoffMs * 2 ** this.failures);
    this.failures += 1;
    const timer = setTimeout(() => this.start(), delay);
    timer.unref();
    this.cancelRestart = () => clearTimeout(timer);
  }

  private async markSubscriptionsUnreachable(reason: string): Promise<void> {
    try {
      const subs = await this.deps.store.listSubscriptions({ extension: this.ext.name });
      for (const sub of subs.filter((s) => s.state !== 'DISABLED')) {
        await this.deps.store.updateSubscription(sub, {
          state: 'ERROR',
          statusReason: `extension ${this.name} ${reason}`,
        });
      }
    } catch (err) {
      this.deps.logger.warn({ err, extension: this.name }, 'marking subscriptions failed');
    }
  }

  private scheduleTick(ms: number): void {
    if (this.stopped) return;
    this.cancelTick?.();
    this.cancelTick = this.deps.clock.setTimer(() => void this.tick(), ms);
  }

  /** One tick at a time; a kick during a tick runs another right after it. */
  private async tick(): Promise<void> {
    const instance = this.instance;
    if (!instance) return;
    if (this.ticking) {
      this.tickAgain = true;
      return;
    }
    this.ticking = true;
    try {
      const next = await instance.tick(this.deps.clock.now());
      if (next > 0 && this.instance === instance) {
        const { minTickMs, maxTickMs } = this.deps.options;
        this.scheduleTick(Math.min(maxTickMs, Math.max(minTickMs, next)));
      }
    } catch (err) {
      this.deps.logger.warn({ err, extension: this.name }, 'extension tick failed');
    } finally {
      this.ticking = false;
      if (this.tickAgain) {
        this.tickAgain = false;
        this.kick();
      }
    }
  }

  private wake(): void {
    for (const wake of this.waiters) wake();
    this.waiters.clear();
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timed out')), Math.max(0, ms));
    promise.then(
      (v) => (clearTimeout(timer), resolve(v)),
      (e: unknown) => (clearTimeout(timer), reject(e as Error)),
    );
  });
}
