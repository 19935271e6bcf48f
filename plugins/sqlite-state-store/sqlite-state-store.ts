import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import type {
  GoferEvent,
  InstalledExtension,
  InstalledPlugin,
  Subscription,
  SubscriptionKey,
  Namespace,
  Pipeline,
  PipelineConfigVersion,
  PipelineState,
  Run,
  TaskRun,
} from '../../kernel/contracts/model.js';
import type {
  ExtensionPatch,
  SubscriptionPatch,
  NewEvent,
  NewRun,
  Page,
  RunPatch,
  StateStore,
  TaskRunPatch,
} from '../../kernel/contracts/state-store.js';
import type { PipelineConfig } from '../../sdk/config/pipeline-config.js';
import { ConfigQueries } from './config-queries.js';
import { EventQueries } from './event-queries.js';
import { ExtensionQueries } from './extension-queries.js';
import { PluginQueries } from './plugin-queries.js';
import { NamespaceQueries } from './namespace-queries.js';
import { openDatabase } from './open-database.js';
import { PipelineQueries } from './pipeline-queries.js';
import { RunQueries } from './run-queries.js';
import type { SqliteOptions } from './sqlite-options.js';
import { SubscriptionQueries } from './subscription-queries.js';
import { TaskRunQueries } from './task-run-queries.js';

/**
 * The state store on one SQLite file. Methods are async to honour the contract, but the work
 * inside is synchronous: better-sqlite3 is fastest that way, and a statement blocks the event
 * loop only for microseconds.
 *
 * Every write runs in a transaction begun with BEGIN IMMEDIATE, which takes the write lock at
 * the start. A deferred transaction would read first and fail with SQLITE_BUSY when it later
 * tried to write beside another process; an immediate one waits on the busy timeout instead.
 * Reads run in deferred transactions so that a lookup and its follow-up see one snapshot.
 */
export class SqliteStateStore implements StateStore {
  private readonly namespaces: NamespaceQueries;
  private readonly pipelines: PipelineQueries;
  private readonly configs: ConfigQueries;
  private readonly runs: RunQueries;
  private readonly taskRuns: TaskRunQueries;
  private readonly events: EventQueries;
  private readonly extensions: ExtensionQueries;
  private readonly subscriptions: SubscriptionQueries;
  private readonly plugins: PluginQueries;
  private readonly selectInstallation;
  private readonly insertInstallation;

  private constructor(private readonly db: Database.Database) {
    this.namespaces = new NamespaceQueries(db);
    this.pipelines = new PipelineQueries(db, this.namespaces);
    this.configs = new ConfigQueries(db, this.pipelines);
    this.taskRuns = new TaskRunQueries(db, this.pipelines);
    this.runs = new RunQueries(db, this.pipelines, this.configs, this.taskRuns);
    this.events = new EventQueries(db);
    this.extensions = new ExtensionQueries(db);
    this.subscriptions = new SubscriptionQueries(db, this.pipelines, this.extensions);
    this.plugins = new PluginQueries(db);
    this.selectInstallation = db.prepare<[], { id: string }>('SELECT id FROM installation');
    this.insertInstallation = db.prepare<[string, number]>(
      'INSERT OR IGNORE INTO installation (singleton, id, created) VALUES (1, ?, ?)',
    );
  }

  /** Opens the file, creating and migrating it as needed. */
  static open(options: SqliteOptions): SqliteStateStore {
    return new SqliteStateStore(openDatabase(options));
  }

  async installationId(): Promise<string> {
    const existing = this.read(() => this.selectInstallation.get());
    if (existing) return existing.id;

    // Two processes may both miss; the IGNORE makes the first insert win for both.
    return this.write(() => {
      this.insertInstallation.run(randomUUID(), Date.now());
      return (this.selectInstallation.get() as { id: string }).id;
    });
  }

  // Namespaces

  async listNamespaces(page?: Page): Promise<Namespace[]> {
    return this.read(() => this.namespaces.list(page));
  }

  async getNamespace(id: string): Promise<Namespace> {
    return this.read(() => this.namespaces.get(id));
  }

  async createNamespace(ns: Omit<Namespace, 'created' | 'modified'>): Promise<Namespace> {
    return this.write(() => this.namespaces.create(ns));
  }

  async updateNamespace(
    id: string,
    patch: { name?: string; description?: string },
  ): Promise<Namespace> {
    return this.write(() => this.namespaces.update(id, patch));
  }

  async deleteNamespace(id: string): Promise<void> {
    this.write(() => this.namespaces.delete(id));
  }

  // Pipelines and configs

  async listPipelines(namespace: string, page?: Page): Promise<Pipeline[]> {
    return this.read(() => this.pipelines.list(namespace, page));
  }

  async getPipeline(namespace: string, id: string): Promise<Pipeline> {
    return this.read(() => this.pipelines.get(namespace, id));
  }

  async registerConfig(
    namespace: string,
    config: PipelineConfig,
  ): Promise<{ version: PipelineConfigVersion; pipelineCreated: boolean }> {
    return this.write(() => this.configs.register(namespace, config));
  }

  async listConfigs(
    namespace: string,
    pipeline: string,
    page?: Page,
  ): Promise<PipelineConfigVersion[]> {
    return this.read(() => this.configs.list(namespace, pipeline, page));
  }

  async getConfig(
    namespace: string,
    pipeline: string,
    version: number,
  ): Promise<PipelineConfigVersion> {
    return this.read(() => this.configs.get(namespace, pipeline, version));
  }

  async deployConfig(
    namespace: string,
    pipeline: string,
    version: number,
  ): Promise<PipelineConfigVersion> {
    return this.write(() => this.configs.deploy(namespace, pipeline, version));
  }

  async setPipelineState(
    namespace: string,
    pipeline: string,
    state: PipelineState,
  ): Promise<Pipeline> {
    return this.write(() => this.pipelines.setState(namespace, pipeline, state));
  }

  async deletePipeline(namespace: string, pipeline: string): Promise<void> {
    this.write(() => this.pipelines.delete(namespace, pipeline));
  }

  async pruneConfigs(namespace: string, pipeline: string, keep: number): Promise<number[]> {
    return this.write(() => this.configs.prune(namespace, pipeline, keep));
  }

  // Runs and task runs

  async createRun(run: NewRun): Promise<{ run: Run; taskRuns: TaskRun[] }> {
    return this.write(() => this.runs.create(run));
  }

  async getRun(namespace: string, pipeline: string, id: number): Promise<Run> {
    return this.read(() => this.runs.get(namespace, pipeline, id));
  }

  async listRuns(namespace: string, pipeline: string, page?: Page): Promise<Run[]> {
    return this.read(() => this.runs.list(namespace, pipeline, page));
  }

  async listUnfinishedRuns(): Promise<Run[]> {
    return this.read(() => this.runs.listUnfinished());
  }

  async updateRun(namespace: string, pipeline: string, id: number, patch: RunPatch): Promise<Run> {
    return this.write(() => this.runs.update(namespace, pipeline, id, patch));
  }

  async listTaskRuns(namespace: string, pipeline: string, run: number): Promise<TaskRun[]> {
    return this.read(() => this.taskRuns.list(namespace, pipeline, run));
  }

  async getTaskRun(
    namespace: string,
    pipeline: string,
    run: number,
    task: string,
  ): Promise<TaskRun> {
    return this.read(() => this.taskRuns.get(namespace, pipeline, run, task));
  }

  async updateTaskRun(
    namespace: string,
    pipeline: string,
    run: number,
    task: string,
    patch: TaskRunPatch,
  ): Promise<TaskRun> {
    return this.write(() => this.taskRuns.update(namespace, pipeline, run, task, patch));
  }

  async listRunsPastRetention(
    namespace: string,
    pipeline: string,
    keep: number,
    what: 'logs' | 'objects' = 'logs',
  ): Promise<Run[]> {
    return this.read(() => this.runs.listPastRetention(namespace, pipeline, keep, what));
  }

  // Events

  async appendEvent(event: NewEvent): Promise<GoferEvent> {
    return this.write(() => this.events.append(event));
  }

  async getEvent(id: number): Promise<GoferEvent> {
    return this.read(() => this.events.get(id));
  }

  async listEvents(opts: {
    afterId?: number;
    limit?: number;
    reverse?: boolean;
  }): Promise<GoferEvent[]> {
    return this.read(() => this.events.list(opts));
  }

  async pruneEvents(before: number): Promise<number> {
    return this.write(() => this.events.prune(before));
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  // Extensions and subscriptions

  async listExtensions(): Promise<InstalledExtension[]> {
    return this.read(() => this.extensions.list());
  }

  async getExtension(name: string): Promise<InstalledExtension> {
    return this.read(() => this.extensions.get(name));
  }

  async createExtension(
    ext: Omit<InstalledExtension, 'created' | 'modified'>,
  ): Promise<InstalledExtension> {
    return this.write(() => this.extensions.create(ext));
  }

  async updateExtension(name: string, patch: ExtensionPatch): Promise<InstalledExtension> {
    return this.write(() => this.extensions.update(name, patch));
  }

  async deleteExtension(name: string): Promise<void> {
    this.write(() => this.extensions.delete(name));
  }

  async listSubscriptions(filter?: Partial<SubscriptionKey>): Promise<Subscription[]> {
    return this.read(() => this.subscriptions.list(filter));
  }

  async getSubscription(key: SubscriptionKey): Promise<Subscription> {
    return this.read(() => this.subscriptions.get(key));
  }

  async createSubscription(sub: Omit<Subscription, 'created' | 'modified'>): Promise<Subscription> {
    return this.write(() => this.subscriptions.create(sub));
  }

  async updateSubscription(key: SubscriptionKey, patch: SubscriptionPatch): Promise<Subscription> {
    return this.write(() => this.subscriptions.update(key, patch));
  }

  async deleteSubscription(key: SubscriptionKey): Promise<void> {
    this.write(() => this.subscriptions.delete(key));
  }

  // Installed plugins

  async listPlugins(): Promise<InstalledPlugin[]> {
    return this.read(() => this.plugins.list());
  }

  async putPlugin(plugin: InstalledPlugin): Promise<InstalledPlugin> {
    return this.write(() => this.plugins.put(plugin));
  }

  async deletePlugin(id: string): Promise<void> {
    this.write(() => this.plugins.delete(id));
  }

  private write<T>(work: () => T): T {
    return this.db.transaction(work).immediate();
  }

  private read<T>(work: () => T): T {
    return this.db.transaction(work).deferred();
  }
}
