import { rm } from 'node:fs/promises';
import type { NamespaceService } from '../api/kernel-services.js';
import type { Namespace } from '../contracts/model.js';
import type { Page, StateStore } from '../contracts/state-store.js';
import { failedPrecondition, invalidArgument } from '../errors.js';
import type { EventBus } from '../events/event-bus.js';
import type { LogPaths } from '../logs/log-paths.js';
import type { RunOrchestrator } from '../runs/run-orchestrator.js';
import type { ScopeCleanup } from './scope-cleanup.js';
import { ID_PATTERN } from '../../sdk/config/validate-pipeline-config.js';

export const DEFAULT_NAMESPACE = 'default';

/** Namespaces: the top of the hierarchy. `default` always exists and cannot be deleted. */
export class NamespaceRegistry implements NamespaceService {
  constructor(
    private readonly store: StateStore,
    private readonly events: EventBus,
    private readonly runs: RunOrchestrator,
    private readonly logPaths: LogPaths,
    /** Stores that keep data under the namespace (objects, secrets), emptied on delete. */
    private readonly cleanups: readonly ScopeCleanup[] = [],
  ) {}

  list(page?: Page): Promise<Namespace[]> {
    return this.store.listNamespaces(page);
  }

  get(id: string): Promise<Namespace> {
    return this.store.getNamespace(id);
  }

  async create(ns: { id: string; name: string; description: string }): Promise<Namespace> {
    if (!ID_PATTERN.test(ns.id)) {
      throw invalidArgument(`namespace id "${ns.id}" must be 3 to 64 letters, digits, "_" or "-"`);
    }
    const created = await this.store.createNamespace({
      id: ns.id,
      name: ns.name || ns.id,
      description: ns.description,
    });
    await this.events.emit({ type: 'NAMESPACE_CREATED', namespace: ns.id });
    return created;
  }

  async update(id: string, patch: { name?: string; description?: string }): Promise<Namespace> {
    const updated = await this.store.updateNamespace(id, patch);
    await this.events.emit({ type: 'NAMESPACE_UPDATED', namespace: id });
    return updated;
  }

  /** Runs in flight in the namespace are cancelled and waited for before anything is deleted. */
  async delete(id: string): Promise<void> {
    if (id === DEFAULT_NAMESPACE) {
      throw failedPrecondition(
        'the default namespace cannot be deleted',
        'delete its pipelines instead',
      );
    }
    await this.store.getNamespace(id);
    await this.runs.cancelAndWait({ namespace: id }, `namespace "${id}" is being deleted`);
    for (const cleanup of this.cleanups) await cleanup.deleteScope({ namespace: id });
    await this.store.deleteNamespace(id);
    await rm(this.logPaths.namespaceDir(id), { recursive: true, force: true });
    await this.events.emit({ type: 'NAMESPACE_DELETED', namespace: id });
  }
}
