import type { RunService } from '../api/kernel-services.js';
import type { ExtensionHost, ExtensionLogLevel } from '../contracts/extension.js';
import type { Logger } from '../contracts/logger.js';
import type { StateStore } from '../contracts/state-store.js';
import { GoferError } from '../errors.js';
import type { ExtensionClock } from './extension-clock.js';
import { timeZoneOffset } from './time-zone-offset.js';

const denied = (message: string, fix?: string) => new GoferError('PERMISSION_DENIED', message, fix);

/**
 * What one extension may ask of the kernel, whichever runtime hosts it. Its credentials reach
 * only runs of pipelines that hold an active subscription to it under the label it names, and
 * they die with `revoke` (disable, uninstall).
 */
export class ExtensionGate implements ExtensionHost {
  private revoked = false;

  constructor(
    private readonly name: string,
    private readonly deps: {
      store: StateStore;
      runs: RunService;
      logger: Logger;
      clock: ExtensionClock;
    },
  ) {}

  revoke(): void {
    this.revoked = true;
  }

  async startRun(req: {
    namespace: string;
    pipeline: string;
    label: string;
    variables: Record<string, string>;
    reason: string;
  }): Promise<{ run: number }> {
    if (this.revoked) {
      throw denied(`extension ${this.name} is disabled or uninstalled and may start no runs`);
    }
    const key = {
      namespace: req.namespace,
      pipeline: req.pipeline,
      extension: this.name,
      label: req.label,
    };
    const sub = await this.deps.store.getSubscription(key).catch(() => undefined);
    if (!sub) {
      throw denied(
        `pipeline "${req.pipeline}" in namespace "${req.namespace}" holds no subscription to ` +
          `extension ${this.name} with label "${req.label}"`,
        `subscribe it: gofer pipeline subscribe ${req.pipeline} ${this.name} ${req.label}`,
      );
    }
    if (sub.state !== 'ACTIVE') {
      throw denied(
        `the subscription of pipeline "${req.pipeline}" to extension ${this.name} with label ` +
          `"${req.label}" is ${sub.state}${sub.statusReason ? ` (${sub.statusReason})` : ''}`,
        `enable it: gofer subscription enable ${req.pipeline} ${this.name} ${req.label}`,
      );
    }

    const run = await this.deps.runs.start({
      namespace: req.namespace,
      pipeline: req.pipeline,
      variables: { ...req.variables },
      initiator: { kind: 'EXTENSION', name: `${this.name} (${req.label})`, reason: req.reason },
    });
    await this.deps.store
      .updateSubscription(key, { lastRunMs: this.deps.clock.now() })
      .catch((err: unknown) => this.deps.logger.warn({ err }, 'recording the last run failed'));
    return { run: run.id };
  }

  log(level: ExtensionLogLevel, message: string): void {
    this.deps.logger[level]({ extension: this.name, message }, 'extension says');
  }

  async timeZoneOffset(zone: string, at: number): Promise<number> {
    return timeZoneOffset(zone, at);
  }
}
