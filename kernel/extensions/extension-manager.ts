import type { ExtensionService, ExtensionView, RunService } from '../api/kernel-services.js';
import type { ExternalEvent, ExternalEventResponse } from '../contracts/extension.js';
import type { Logger } from '../contracts/logger.js';
import type { GoferEvent, InstalledExtension } from '../contracts/model.js';
import type { StateStore } from '../contracts/state-store.js';
import { GoferError, failedPrecondition, invalidArgument, notFound } from '../errors.js';
import type { EventBus } from '../events/event-bus.js';
import { extensionNeeds, refuseUnrestrictedInstall } from '../plugins/restricted-mode.js';
import type { ExtensionClock } from './extension-clock.js';
import {
  checkConfigSecrets,
  resolveConfigSecrets,
  type GlobalSecretReader,
} from './extension-config-secrets.js';
import { ExtensionGate } from './extension-gate.js';
import type { ExtensionRuntimes } from './extension-runtimes.js';
import { runtimeKindFor } from './extension-runtimes.js';
import { normaliseKeys } from './extension-settings.js';
import { ExtensionSupervisor, refOf, type SupervisorOptions } from './extension-supervisor.js';

const NAME = /^[a-z][a-z0-9-]{0,62}$/;
const FINISHED = new Set(['SUCCESSFUL', 'FAILED', 'CANCELLED']);

export interface ExtensionManagerDeps {
  store: StateStore;
  runs: RunService;
  events: EventBus;
  runtimes: ExtensionRuntimes;
  logger: Logger;
  clock: ExtensionClock;
  /** For config values written as `global_secret{{ key }}`. */
  readGlobalSecret: GlobalSecretReader;
  /** Restricted mode: extensions that need a container engine or network are refused. */
  restricted: boolean;
  options: SupervisorOptions & {
    /** How long a call waits for an extension that is still starting. */
    readyWaitMs: number;
  };
}

/**
 * The registry of installed extensions and the owner of their running instances. Kernel start
 * only kicks off each enabled extension's launch, so a slow or broken extension never delays
 * or stops the kernel; its trouble shows on the extension and its subscriptions instead.
 */
export class ExtensionManager implements ExtensionService {
  private readonly supervisors = new Map<string, ExtensionSupervisor>();
  private readonly gates = new Map<string, ExtensionGate>();
  private unsubscribeBus?: () => void;
  private closed = false;

  constructor(private readonly deps: ExtensionManagerDeps) {}

  /** Starts every enabled extension in the background and follows finished runs. */
  async start(): Promise<void> {
    this.unsubscribeBus = this.deps.events.subscribe((e) => this.onEvent(e));
    for (const ext of await this.deps.store.listExtensions()) {
      if (ext.enabled) this.launch(ext);
    }
  }

  async stop(): Promise<void> {
    this.closed = true;
    this.unsubscribeBus?.();
    await Promise.all([...this.supervisors.values()].map((s) => s.stop()));
    this.supervisors.clear();
  }

  runtimeFor(source: string) {
    return runtimeKindFor(source);
  }

  async install(req: {
    name: string;
    source: string;
    config: Record<string, string>;
    grants: string[];
  }): Promise<ExtensionView> {
    if (!NAME.test(req.name)) {
      throw invalidArgument(
        `extension name "${req.name}" is not lowercase letters, digits and -, starting with a letter`,
        'choose a name like "interval" or "github-hooks"',
      );
    }
    if (req.source.trim() === '') {
      throw invalidArgument('source is required', 'give an image reference or a .wasm file path');
    }
    const config = normaliseKeys(req.config, 'config');
    await checkConfigSecrets(config, this.deps.readGlobalSecret);
    const grants = [...new Set(req.grants.map((g) => g.trim()).filter(Boolean))].sort();
    const kind = runtimeKindFor(req.source);
    if (this.deps.restricted) {
      refuseUnrestrictedInstall(
        `extension ${req.name} (${req.source})`,
        extensionNeeds(kind, grants),
      );
    }
    const runtime = await this.deps.runtimes.get(kind);
    const problems = await runtime.check(req.source, grants);
    if (problems.length > 0) {
      throw new GoferError(
        kind === 'wasm' ? 'PERMISSION_DENIED' : 'INVALID_ARGUMENT',
        `extension ${req.name} (${req.source}) cannot be installed: ${problems.join('; ')}`,
        kind === 'wasm'
          ? 'grant what it needs with --grant <permission>, or rebuild it without those imports'
          : 'give a local image reference and no --grant',
      );
    }
    const ext = await this.deps.store.createExtension({
      name: req.name,
      source: req.source,
      runtime: kind,
      enabled: true,
      config,
      grants,
      info: null,
    });
    const supervisor = this.launch(ext);
    await supervisor
      .ready(this.deps.options.readyWaitMs, { firstStartOnly: true })
      .catch(() => undefined);
    return this.get(req.name);
  }

  async uninstall(name: string): Promise<void> {
    await this.deps.store.getExtension(name);
    await this.halt(name);
    await this.deps.store.deleteExtension(name);
    this.gates.delete(name);
  }

  async enable(name: string): Promise<ExtensionView> {
    const ext = await this.deps.store.updateExtension(name, { enabled: true });
    const supervisor = this.launch(ext);
    await supervisor
      .ready(this.deps.options.readyWaitMs, { firstStartOnly: true })
      .catch(() => undefined);
    return this.get(name);
  }

  async disable(name: string): Promise<ExtensionView> {
    await this.deps.store.getExtension(name);
    await this.halt(name);
    await this.deps.store.updateExtension(name, { enabled: false });
    return this.get(name);
  }

  async list(): Promise<ExtensionView[]> {
    return (await this.deps.store.listExtensions()).map((ext) => this.view(ext));
  }

  async get(name: string): Promise<ExtensionView> {
    return this.view(await this.deps.store.getExtension(name));
  }

  /** The supervisor of an enabled extension; for the subscription registry and events. */
  async supervisor(name: string): Promise<ExtensionSupervisor> {
    const ext = await this.deps.store.getExtension(name);
    const supervisor = this.supervisors.get(name);
    if (!ext.enabled || !supervisor) {
      throw failedPrecondition(
        `extension ${name} is disabled`,
        `enable it with \`gofer extension enable ${name}\``,
      );
    }
    return supervisor;
  }

  /** Hands a webhook to an enabled extension; NOT_FOUND for an unknown or disabled one. */
  async externalEvent(name: string, event: ExternalEvent): Promise<ExternalEventResponse> {
    const ext = await this.deps.store.getExtension(name).catch(() => undefined);
    const supervisor = this.supervisors.get(name);
    if (!ext?.enabled || !supervisor) {
      throw notFound(`no enabled extension named "${name}" takes events here`);
    }
    const instance = await supervisor.ready(this.deps.options.readyWaitMs);
    return instance.externalEvent(event);
  }

  private launch(ext: InstalledExtension): ExtensionSupervisor {
    const existing = this.supervisors.get(ext.name);
    if (existing) return existing;
    const gate = new ExtensionGate(ext.name, {
      store: this.deps.store,
      runs: this.deps.runs,
      logger: this.deps.logger,
      clock: this.deps.clock,
    });
    this.gates.get(ext.name)?.revoke();
    this.gates.set(ext.name, gate);
    const supervisor = new ExtensionSupervisor(ext, {
      gate,
      store: this.deps.store,
      logger: this.deps.logger,
      clock: this.deps.clock,
      resolveConfig: (config) => resolveConfigSecrets(config, this.deps.readGlobalSecret),
      options: this.deps.options,
    });
    this.supervisors.set(ext.name, supervisor);
    if (this.closed) return supervisor;
    // The runtime may need loading (wasm); the supervisor starts once it is there.
    void this.deps.runtimes.get(ext.runtime).then(
      (runtime) => supervisor.attach(runtime),
      (err: unknown) => supervisor.unavailable((err as Error).message),
    );
    return supervisor;
  }

  /** Revokes the extension's credentials first, then stops its instance. */
  private async halt(name: string): Promise<void> {
    this.gates.get(name)?.revoke();
    const supervisor = this.supervisors.get(name);
    this.supervisors.delete(name);
    await supervisor?.stop();
  }

  private view(ext: InstalledExtension): ExtensionView {
    const supervisor = this.supervisors.get(ext.name);
    const { config, ...rest } = ext;
    return {
      ...rest,
      configKeys: Object.keys(config).sort(),
      status: ext.enabled ? (supervisor?.status ?? 'STOPPED') : 'STOPPED',
      statusReason: ext.enabled ? (supervisor?.statusReason ?? '') : 'disabled',
    };
  }

  /** Tells extensions when runs of pipelines subscribed to them finish. */
  private onEvent(event: GoferEvent): void {
    if (event.type !== 'RUN_COMPLETED') return;
    const status = String(event.details.status ?? '');
    if (!FINISHED.has(status)) return;
    void this.deps.store
      .listSubscriptions({ namespace: event.namespace, pipeline: event.pipeline })
      .then(async (subs) => {
        for (const sub of subs.filter((s) => s.state === 'ACTIVE')) {
          const instance = this.supervisors.get(sub.extension)?.current;
          await instance
            ?.runFinished({
              subscription: refOf(sub),
              run: event.run,
              status: status as 'SUCCESSFUL' | 'FAILED' | 'CANCELLED',
            })
            .catch((err: unknown) =>
              this.deps.logger.debug({ err, extension: sub.extension }, 'run notice not taken'),
            );
        }
      })
      .catch((err: unknown) => this.deps.logger.warn({ err }, 'run notices failed'));
  }
}
