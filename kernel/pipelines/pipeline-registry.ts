import { rm } from 'node:fs/promises';
import type { PipelineService } from '../api/kernel-services.js';
import type { Pipeline, PipelineConfigVersion } from '../contracts/model.js';
import type { Scheduler } from '../contracts/scheduler.js';
import type { Page, StateStore } from '../contracts/state-store.js';
import { GoferError } from '../errors.js';
import type { EventBus } from '../events/event-bus.js';
import type { LogPaths } from '../logs/log-paths.js';
import type { RunOrchestrator } from '../runs/run-orchestrator.js';
import type { ScopeCleanup } from '../namespaces/scope-cleanup.js';
import {
  formatProblems,
  validatePipelineConfig,
} from '../../sdk/config/validate-pipeline-config.js';

export interface PipelineRegistryOptions {
  store: StateStore;
  scheduler: Scheduler;
  events: EventBus;
  runs: RunOrchestrator;
  logPaths: LogPaths;
  configVersionsKept: number;
  /** Stores that keep data under the pipeline (objects, secrets), emptied on delete. */
  cleanups?: readonly ScopeCleanup[];
}

/** Registers, deploys and deletes pipelines; every config is checked before it is stored. */
export class PipelineRegistry implements PipelineService {
  constructor(private readonly opts: PipelineRegistryOptions) {}

  list(namespace: string, page?: Page): Promise<Pipeline[]> {
    return this.opts.store
      .getNamespace(namespace)
      .then(() => this.opts.store.listPipelines(namespace, page));
  }

  get(namespace: string, id: string): Promise<Pipeline> {
    return this.opts.store.getPipeline(namespace, id);
  }

  async register(namespace: string, input: unknown): Promise<PipelineConfigVersion> {
    const { store, scheduler, events } = this.opts;
    await store.getNamespace(namespace);

    const checked = validatePipelineConfig(input);
    if (!checked.ok) {
      throw new GoferError(
        'INVALID_ARGUMENT',
        `the pipeline config is not valid:\n${formatProblems(checked.problems)}`,
        'fix the config and register it again',
      );
    }
    const config = checked.config;
    const unsupported: string[] = [];
    for (const task of config.tasks) {
      const problems = await scheduler.checkTask({
        id: task.id,
        image: task.image,
        imageKind: task.image_kind ?? 'container',
        pullPolicy: task.pull_policy ?? 'if-not-present',
      });
      unsupported.push(...problems);
    }
    if (unsupported.length > 0) {
      throw new GoferError(
        'INVALID_ARGUMENT',
        `the "${scheduler.name}" scheduler cannot run this pipeline:\n${unsupported.join('\n')}`,
        `change the tasks, or select a scheduler that runs them with scheduler.engine`,
      );
    }

    const { version, pipelineCreated } = await store.registerConfig(namespace, config);
    if (pipelineCreated)
      await events.emit({ type: 'PIPELINE_REGISTERED', namespace, pipeline: config.id });
    await events.emit({
      type: 'PIPELINE_CONFIG_REGISTERED',
      namespace,
      pipeline: config.id,
      details: { version: version.version },
    });

    const pruned = await store.pruneConfigs(namespace, config.id, this.opts.configVersionsKept);
    if (pruned.length > 0) {
      await events.emit({
        type: 'PIPELINE_CONFIGS_PRUNED',
        namespace,
        pipeline: config.id,
        details: { versions: pruned },
      });
    }
    return version;
  }

  async deploy(namespace: string, id: string, version: number): Promise<PipelineConfigVersion> {
    const { store, events } = this.opts;
    const before = await store.getPipeline(namespace, id);
    await store.getConfig(namespace, id, version);
    const live = await store.deployConfig(namespace, id, version);
    await events.emit({
      type: 'PIPELINE_DEPLOYED',
      namespace,
      pipeline: id,
      details: { from: before.liveVersion, to: version },
    });
    return live;
  }

  async enable(namespace: string, id: string): Promise<Pipeline> {
    const pipeline = await this.opts.store.setPipelineState(namespace, id, 'ACTIVE');
    await this.opts.events.emit({ type: 'PIPELINE_ENABLED', namespace, pipeline: id });
    return pipeline;
  }

  async disable(namespace: string, id: string): Promise<Pipeline> {
    const pipeline = await this.opts.store.setPipelineState(namespace, id, 'DISABLED');
    await this.opts.events.emit({ type: 'PIPELINE_DISABLED', namespace, pipeline: id });
    return pipeline;
  }

  /** Runs in flight are cancelled and waited for first, so no task outlives its pipeline. */
  async delete(namespace: string, id: string): Promise<void> {
    const { store, events, runs, logPaths } = this.opts;
    await store.getPipeline(namespace, id);
    await runs.cancelAndWait({ namespace, pipeline: id }, `pipeline "${id}" is being deleted`);
    for (const cleanup of this.opts.cleanups ?? []) {
      await cleanup.deleteScope({ namespace, pipeline: id });
    }
    await store.deletePipeline(namespace, id);
    await rm(logPaths.pipelineDir(namespace, id), { recursive: true, force: true });
    await events.emit({ type: 'PIPELINE_DELETED', namespace, pipeline: id });
  }

  listConfigs(namespace: string, id: string, page?: Page): Promise<PipelineConfigVersion[]> {
    return this.opts.store
      .getPipeline(namespace, id)
      .then(() => this.opts.store.listConfigs(namespace, id, page));
  }

  getConfig(namespace: string, id: string, version: number): Promise<PipelineConfigVersion> {
    return this.opts.store.getConfig(namespace, id, version);
  }
}
