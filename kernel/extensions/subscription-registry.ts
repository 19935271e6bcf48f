import type { SubscriptionService } from '../api/kernel-services.js';
import type { Logger } from '../contracts/logger.js';
import type { Subscription, SubscriptionKey } from '../contracts/model.js';
import type { StateStore } from '../contracts/state-store.js';
import { alreadyExists, invalidArgument } from '../errors.js';
import type { ExtensionClock } from './extension-clock.js';
import type { ExtensionManager } from './extension-manager.js';
import { normaliseKeys, settingsForExtension } from './extension-settings.js';
import { refOf } from './extension-supervisor.js';

const LABEL = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

/**
 * Subscriptions of pipelines to extensions. The extension validates settings before anything is
 * stored, so its refusal reaches the user in its own words and a bad subscription never exists.
 */
export class SubscriptionRegistry implements SubscriptionService {
  constructor(
    private readonly deps: {
      store: StateStore;
      extensions: ExtensionManager;
      logger: Logger;
      clock: ExtensionClock;
      readyWaitMs: number;
    },
  ) {}

  async subscribe(req: SubscriptionKey & { settings: Record<string, string> }) {
    const { store } = this.deps;
    if (!LABEL.test(req.label)) {
      throw invalidArgument(
        `label "${req.label}" is not letters, digits, _, . and -`,
        'choose a label like "nightly" or "every-5m"',
      );
    }
    const settings = normaliseKeys(req.settings, 'setting');
    await store.getPipeline(req.namespace, req.pipeline);
    if (await store.getSubscription(req).catch(() => undefined)) {
      throw alreadyExists(
        `pipeline "${req.pipeline}" already subscribes to ${req.extension} with label "${req.label}"`,
        'unsubscribe first, or choose another label',
      );
    }
    const supervisor = await this.deps.extensions.supervisor(req.extension);
    const instance = await supervisor.ready(this.deps.readyWaitMs);

    const draft: Subscription = {
      ...keyOf(req),
      settings,
      state: 'ACTIVE',
      statusReason: '',
      anchorMs: this.deps.clock.now(),
      lastRunMs: 0,
      created: 0,
      modified: 0,
    };
    try {
      await instance.subscribe(refOf(draft), settingsForExtension(draft));
    } catch (err) {
      throw invalidArgument(
        `extension ${req.extension} refused the subscription: ${(err as Error).message}`,
        `see the settings it takes with \`gofer extension get ${req.extension}\``,
      );
    }
    try {
      const { created: _c, modified: _m, ...row } = draft;
      const stored = await store.createSubscription(row);
      supervisor.kick();
      return stored;
    } catch (err) {
      await instance.unsubscribe(refOf(draft)).catch(() => undefined);
      throw err;
    }
  }

  async unsubscribe(key: SubscriptionKey): Promise<void> {
    const sub = await this.deps.store.getSubscription(key);
    await this.deps.store.deleteSubscription(key);
    await this.tellExtension(sub, 'unsubscribe');
  }

  /**
   * For the registries' delete of a namespace or pipeline: drops its subscriptions and tells
   * their extensions, so none keeps watching for a pipeline that is gone.
   */
  async deleteScope(prefix: { namespace: string; pipeline?: string }): Promise<void> {
    for (const sub of await this.list(prefix)) {
      const key = {
        namespace: sub.namespace,
        pipeline: sub.pipeline,
        extension: sub.extension,
        label: sub.label,
      };
      await this.deps.store.deleteSubscription(key);
      await this.tellExtension(sub, 'unsubscribe');
    }
  }

  list(filter: { namespace: string; pipeline?: string }): Promise<Subscription[]> {
    return this.deps.store.listSubscriptions({
      namespace: filter.namespace,
      pipeline: filter.pipeline || undefined,
    });
  }

  async enable(key: SubscriptionKey): Promise<Subscription> {
    const sub = await this.deps.store.getSubscription(key);
    if (sub.state === 'ACTIVE') return sub;
    const supervisor = await this.deps.extensions.supervisor(key.extension);
    const instance = await supervisor.ready(this.deps.readyWaitMs);
    try {
      await instance.subscribe(refOf(sub), settingsForExtension(sub));
    } catch (err) {
      throw invalidArgument(
        `extension ${key.extension} refused the subscription: ${(err as Error).message}`,
        'unsubscribe and subscribe again with settings it accepts',
      );
    }
    const enabled = await this.deps.store.updateSubscription(key, {
      state: 'ACTIVE',
      statusReason: '',
    });
    supervisor.kick();
    return enabled;
  }

  async disable(key: SubscriptionKey): Promise<Subscription> {
    const sub = await this.deps.store.getSubscription(key);
    const disabled = await this.deps.store.updateSubscription(key, {
      state: 'DISABLED',
      statusReason: '',
    });
    if (sub.state !== 'DISABLED') await this.tellExtension(sub, 'unsubscribe');
    return disabled;
  }

  /** Best effort: the store is the truth, and a restarted extension gets only what it holds. */
  private async tellExtension(sub: Subscription, what: 'unsubscribe'): Promise<void> {
    const supervisor = await this.deps.extensions.supervisor(sub.extension).catch(() => undefined);
    const instance = supervisor?.current;
    await instance?.[what](refOf(sub)).catch((err: unknown) => {
      this.deps.logger.warn(
        { err, extension: sub.extension },
        'extension did not take unsubscribe',
      );
    });
  }
}

const keyOf = (k: SubscriptionKey): SubscriptionKey => ({
  namespace: k.namespace,
  pipeline: k.pipeline,
  extension: k.extension,
  label: k.label,
});
