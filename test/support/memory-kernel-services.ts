/**
 * A small in-memory KernelServices for testing the API transport (auth, error mapping, streams)
 * without the real kernel. It keeps just enough state to answer each call plausibly and raises
 * the same coded errors the kernel does. It runs no tasks: tests feed log output and events in
 * through `appendLog`, `completeTask` and `emit`.
 */
import { EventEmitter, once } from 'node:events';
import type {
  GoferEvent,
  Namespace,
  Pipeline,
  PipelineConfigVersion,
  Run,
  TaskRun,
} from '../../kernel/contracts/model.js';
import type { Page } from '../../kernel/contracts/state-store.js';
import type { ObjectInfo, ObjectKey } from '../../kernel/contracts/object-store.js';
import type { SecretInfo } from '../../kernel/contracts/secret-store.js';
import { alreadyExists, failedPrecondition, notFound } from '../../kernel/errors.js';
import type {
  KernelServices,
  LogChunk,
  StartRunRequest,
} from '../../kernel/api/kernel-services.js';
import type { LogStream } from '../../kernel/logs/log-framing.js';
import { TokenRegistry } from '../../kernel/tokens/token-registry.js';
import type { PipelineConfig } from '../../sdk/config/pipeline-config.js';

const objectId = (key: ObjectKey) =>
  JSON.stringify([key.namespace, key.pipeline, key.run ?? 0, key.key]);

const noAuth = () => Promise.reject(new Error('not used'));

const slice = <T>(items: T[], page?: Page) =>
  items.slice(page?.offset ?? 0, (page?.offset ?? 0) + (page?.limit ?? 200));

export class MemoryKernelServices implements KernelServices {
  readonly namespaceMap = new Map<string, Namespace>();
  readonly pipelineMap = new Map<string, Pipeline>();
  readonly configMap = new Map<string, PipelineConfigVersion[]>();
  readonly runMap = new Map<string, Run[]>();
  readonly taskRunMap = new Map<string, TaskRun[]>();
  private readonly eventLog: GoferEvent[] = [];
  private readonly logMap = new Map<string, { chunks: LogChunk[]; complete: boolean }>();
  /** Fires `change` on every new event or log chunk, so followers wait instead of polling. */
  private readonly changes = new EventEmitter().setMaxListeners(0);

  /** No token manager behind it: token calls fail as they do with the allow-all plugin. */
  readonly tokens = new TokenRegistry({ authenticate: noAuth, authorize: noAuth }, 'memory');

  constructor() {
    this.namespaceMap.set('default', {
      id: 'default',
      name: 'Default',
      description: '',
      created: 1,
      modified: 1,
    });
  }

  // Test controls

  emit(event: Omit<GoferEvent, 'id' | 'emitted'>): GoferEvent {
    const stored = { ...event, id: this.eventLog.length + 1, emitted: Date.now() };
    this.eventLog.push(stored);
    this.changes.emit('change');
    return stored;
  }

  appendLog(
    ns: string,
    pipeline: string,
    run: number,
    task: string,
    stream: LogStream,
    data: Buffer,
  ) {
    this.logOf(ns, pipeline, run, task).chunks.push({ task, stream, data });
    this.changes.emit('change');
  }

  completeTask(ns: string, pipeline: string, run: number, task: string) {
    this.logOf(ns, pipeline, run, task).complete = true;
    this.changes.emit('change');
  }

  /** How many followers are waiting right now; lets a test see that a cancel released them. */
  waiters(): number {
    return this.changes.listenerCount('change');
  }

  // KernelServices

  namespaces: KernelServices['namespaces'] = {
    list: async (page) => slice([...this.namespaceMap.values()], page),
    get: async (id) => this.mustGet(this.namespaceMap, id, `namespace ${id}`),
    create: async (ns) => {
      if (this.namespaceMap.has(ns.id))
        throw alreadyExists(`namespace ${ns.id} already exists`, 'choose another id');
      const created = { ...ns, created: Date.now(), modified: Date.now() };
      this.namespaceMap.set(ns.id, created);
      return created;
    },
    update: async (id, patch) => {
      const ns = {
        ...this.mustGet(this.namespaceMap, id, `namespace ${id}`),
        ...patch,
        modified: Date.now(),
      };
      this.namespaceMap.set(id, ns);
      return ns;
    },
    delete: async (id) => {
      this.mustGet(this.namespaceMap, id, `namespace ${id}`);
      this.namespaceMap.delete(id);
    },
  };

  pipelines: KernelServices['pipelines'] = {
    list: async (ns, page) =>
      slice(
        [...this.pipelineMap.values()].filter((p) => p.namespace === ns),
        page,
      ),
    get: async (ns, id) => this.pipeline(ns, id),
    register: async (ns, config: PipelineConfig) => {
      this.mustGet(this.namespaceMap, ns, `namespace ${ns}`);
      const key = `${ns}/${config.id}`;
      if (!this.pipelineMap.has(key)) {
        this.pipelineMap.set(key, {
          namespace: ns,
          id: config.id,
          state: 'ACTIVE',
          liveVersion: 0,
          created: Date.now(),
          modified: Date.now(),
        });
      }
      const versions = this.configMap.get(key) ?? [];
      const version: PipelineConfigVersion = {
        namespace: ns,
        pipeline: config.id,
        version: versions.length + 1,
        state: 'UNRELEASED',
        config,
        registered: Date.now(),
        deprecated: 0,
      };
      this.configMap.set(key, [...versions, version]);
      return version;
    },
    deploy: async (ns, id, version) => {
      const pipeline = this.pipeline(ns, id);
      const versions = this.configMap.get(`${ns}/${id}`) ?? [];
      const target = versions.find((v) => v.version === version);
      if (!target)
        throw notFound(
          `pipeline ${id} has no version ${version}`,
          `run \`gofer pipeline config list ${id}\``,
        );
      for (const v of versions)
        if (v.state === 'LIVE') Object.assign(v, { state: 'DEPRECATED', deprecated: Date.now() });
      target.state = 'LIVE';
      pipeline.liveVersion = version;
      return target;
    },
    enable: async (ns, id) => Object.assign(this.pipeline(ns, id), { state: 'ACTIVE' as const }),
    disable: async (ns, id) => Object.assign(this.pipeline(ns, id), { state: 'DISABLED' as const }),
    delete: async (ns, id) => {
      this.pipeline(ns, id);
      this.pipelineMap.delete(`${ns}/${id}`);
    },
    listConfigs: async (ns, id, page) => {
      this.pipeline(ns, id);
      return slice(this.configMap.get(`${ns}/${id}`) ?? [], page);
    },
    getConfig: async (ns, id, version) => {
      const wanted = version === 0 ? this.pipeline(ns, id).liveVersion : version;
      const found = (this.configMap.get(`${ns}/${id}`) ?? []).find((v) => v.version === wanted);
      if (!found)
        throw notFound(
          `pipeline ${id} has no version ${version}`,
          `run \`gofer pipeline config list ${id}\``,
        );
      return found;
    },
  };

  runs: KernelServices['runs'] = {
    start: async (req: StartRunRequest) =>
      this.startRun(req.namespace, req.pipeline, req.variables, req.initiator),
    get: async (ns, pipeline, id) => this.run(ns, pipeline, id),
    list: async (ns, pipeline, page) =>
      slice([...(this.runMap.get(`${ns}/${pipeline}`) ?? [])].reverse(), page),
    cancel: async (ns, pipeline, id, reason) =>
      Object.assign(this.run(ns, pipeline, id), {
        state: 'COMPLETE' as const,
        status: 'CANCELLED' as const,
        statusReason: { kind: 'USER_CANCELLED' as const, description: reason },
      }),
    cancelAll: async (ns, pipeline) =>
      (this.runMap.get(`${ns}/${pipeline}`) ?? [])
        .filter((r) => r.state !== 'COMPLETE')
        .map((r) => r.id),
    retry: async (ns, pipeline, id, initiator) => {
      const old = this.run(ns, pipeline, id);
      return { ...(await this.startRun(ns, pipeline, old.variables, initiator)), retryOf: id };
    },
    listTaskRuns: async (ns, pipeline, run) =>
      this.taskRunMap.get(`${ns}/${pipeline}/${this.run(ns, pipeline, run).id}`) ?? [],
    getTaskRun: async (ns, pipeline, run, task) => this.taskRun(ns, pipeline, run, task),
    cancelTaskRun: async (ns, pipeline, run, task) =>
      Object.assign(this.taskRun(ns, pipeline, run, task), {
        state: 'COMPLETE' as const,
        status: 'CANCELLED' as const,
      }),
  };

  logs: KernelServices['logs'] = {
    taskLogs: (ns, pipeline, run, task, opts) => {
      this.taskRun(ns, pipeline, run, task);
      return this.follow(() => [this.logOf(ns, pipeline, run, task)], opts);
    },
    runLogs: (ns, pipeline, run, opts) => {
      const tasks = (
        this.taskRunMap.get(`${ns}/${pipeline}/${this.run(ns, pipeline, run).id}`) ?? []
      ).map((t) => t.id);
      return this.follow(() => tasks.map((t) => this.logOf(ns, pipeline, run, t)), opts);
    },
  };

  events: KernelServices['events'] = {
    get: async (id) => {
      const event = this.eventLog.find((e) => e.id === id);
      if (!event) throw notFound(`event ${id} not found`);
      return event;
    },
    list: (opts) => this.listEvents(opts),
  };

  // Objects and secrets: one map each, keyed by the scope's parts, enough to answer calls.
  readonly objectMap = new Map<string, { info: ObjectInfo; value: Buffer }>();
  readonly secretMap = new Map<string, { info: SecretInfo; value: Buffer }>();

  objects: KernelServices['objects'] = {
    list: async (scope) =>
      [...this.objectMap.entries()]
        .filter(([k]) =>
          k.startsWith(
            JSON.stringify([scope.namespace, scope.pipeline, scope.run ?? 0]).slice(0, -1),
          ),
        )
        .map(([, v]) => v.info),
    get: async (key) => {
      const found = this.objectMap.get(objectId(key));
      if (!found) throw notFound(`object "${key.key}" not found`);
      return found;
    },
    put: async (key, value, opts) => {
      if (this.objectMap.has(objectId(key)) && !opts.force) {
        throw alreadyExists(`object "${key.key}" already exists`, 'use --force');
      }
      const info = { key: key.key, created: Date.now(), size: value.length };
      this.objectMap.set(objectId(key), { info, value });
      return { info, evicted: [] };
    },
    delete: async (key) => {
      if (!this.objectMap.delete(objectId(key))) throw notFound(`object "${key.key}" not found`);
    },
  };

  secrets: KernelServices['secrets'] = {
    listPipeline: async (ns, pipeline) => this.secretInfos([ns, pipeline]),
    getPipeline: async (ns, pipeline, key, includeValue) =>
      this.secretGet([ns, pipeline, key], includeValue),
    putPipeline: async (ns, pipeline, key, value, opts) =>
      this.secretPut([ns, pipeline, key], value, opts.force, []),
    deletePipeline: async (ns, pipeline, key) => this.secretDelete([ns, pipeline, key]),
    listGlobal: async () => this.secretInfos([]),
    getGlobal: async (key, includeValue) => this.secretGet([key], includeValue),
    putGlobal: async (key, value, opts) =>
      this.secretPut([key], value, opts.force, opts.namespaces),
    deleteGlobal: async (key) => this.secretDelete([key]),
  };

  system() {
    return {
      version: '0.1.0',
      devMode: false,
      scheduler: 'memory',
      stateStore: 'memory',
      auth: 'test',
    };
  }

  // Internals

  private secretInfos(scope: string[]): SecretInfo[] {
    return [...this.secretMap.entries()]
      .filter(
        ([k]) =>
          (JSON.parse(k) as string[]).length === scope.length + 1 &&
          k.startsWith(JSON.stringify(scope).slice(0, -1)),
      )
      .map(([, v]) => v.info);
  }

  private secretGet(id: string[], includeValue: boolean) {
    const found = this.secretMap.get(JSON.stringify(id));
    if (!found) throw notFound(`secret "${id.at(-1)}" not found`);
    return includeValue ? found : { info: found.info };
  }

  private secretPut(id: string[], value: Buffer, force: boolean, namespaces: string[]) {
    if (this.secretMap.has(JSON.stringify(id)) && !force) {
      throw alreadyExists(`secret "${id.at(-1)}" already exists`, 'use --force');
    }
    const info = { key: id.at(-1)!, created: Date.now(), namespaces };
    this.secretMap.set(JSON.stringify(id), { info, value });
    return info;
  }

  private secretDelete(id: string[]): void {
    if (!this.secretMap.delete(JSON.stringify(id)))
      throw notFound(`secret "${id.at(-1)}" not found`);
  }

  private async *listEvents(opts: {
    afterId?: number;
    reverse?: boolean;
    follow?: boolean;
    limit?: number;
    signal?: AbortSignal;
  }) {
    let after = opts.afterId ?? 0;
    const stored = this.eventLog.filter((e) => e.id > after);
    for (const event of opts.reverse ? [...stored].reverse() : stored) {
      yield event;
      after = Math.max(after, event.id);
    }
    while (opts.follow && !opts.signal?.aborted) {
      for (const event of this.eventLog.filter((e) => e.id > after)) {
        yield event;
        after = event.id;
      }
      await this.nextChange(opts.signal);
    }
  }

  private async *follow(
    sources: () => { chunks: LogChunk[]; complete: boolean }[],
    opts: { follow: boolean; signal?: AbortSignal },
  ) {
    const read = new Map<object, number>();
    for (;;) {
      const logs = sources();
      for (const log of logs) {
        const from = read.get(log) ?? 0;
        for (const chunk of log.chunks.slice(from)) yield chunk;
        read.set(log, log.chunks.length);
      }
      if (!opts.follow || opts.signal?.aborted || logs.every((l) => l.complete)) return;
      await this.nextChange(opts.signal);
    }
  }

  private async nextChange(signal?: AbortSignal): Promise<void> {
    await once(this.changes, 'change', { signal }).catch(() => undefined);
  }

  private async startRun(
    ns: string,
    pipelineId: string,
    variables: Record<string, string>,
    initiator: Run['initiator'],
  ) {
    const pipeline = this.pipeline(ns, pipelineId);
    if (pipeline.state === 'DISABLED')
      throw failedPrecondition(
        `pipeline ${pipelineId} is disabled`,
        `run \`gofer pipeline enable ${pipelineId}\``,
      );
    if (pipeline.liveVersion === 0)
      throw failedPrecondition(
        `pipeline ${pipelineId} has no live version`,
        `run \`gofer pipeline deploy ${pipelineId} 1\``,
      );
    const runs = this.runMap.get(`${ns}/${pipelineId}`) ?? [];
    const run: Run = {
      namespace: ns,
      pipeline: pipelineId,
      id: runs.length + 1,
      version: pipeline.liveVersion,
      state: 'RUNNING',
      status: 'UNKNOWN',
      statusReason: { kind: 'NONE', description: '' },
      initiator,
      variables,
      retryOf: 0,
      queued: 0,
      started: Date.now(),
      ended: 0,
      logsExpired: false,
      objectsExpired: false,
    };
    this.runMap.set(`${ns}/${pipelineId}`, [...runs, run]);
    const config = (this.configMap.get(`${ns}/${pipelineId}`) ?? []).find(
      (v) => v.version === run.version,
    )!.config;
    this.taskRunMap.set(
      `${ns}/${pipelineId}/${run.id}`,
      config.tasks.map((t) => ({
        namespace: ns,
        pipeline: pipelineId,
        run: run.id,
        id: t.id,
        state: 'WAITING',
        status: 'UNKNOWN',
        statusReason: { kind: 'NONE', description: '' },
        attempt: 0,
        exitCode: null,
        workloadId: '',
        created: Date.now(),
        started: 0,
        ended: 0,
        logsExpired: false,
      })),
    );
    return run;
  }

  private logOf(ns: string, pipeline: string, run: number, task: string) {
    const key = `${ns}/${pipeline}/${run}/${task}`;
    let log = this.logMap.get(key);
    if (!log) this.logMap.set(key, (log = { chunks: [], complete: false }));
    return log;
  }

  private pipeline(ns: string, id: string): Pipeline {
    return this.mustGet(
      this.pipelineMap,
      `${ns}/${id}`,
      `pipeline ${id} in namespace ${ns}`,
      `run \`gofer pipeline list -n ${ns}\``,
    );
  }

  private run(ns: string, pipeline: string, id: number): Run {
    this.pipeline(ns, pipeline);
    const run = (this.runMap.get(`${ns}/${pipeline}`) ?? []).find((r) => r.id === id);
    if (!run)
      throw notFound(
        `run ${id} of pipeline ${pipeline} not found`,
        `run \`gofer run list ${pipeline}\``,
      );
    return run;
  }

  private taskRun(ns: string, pipeline: string, run: number, task: string): TaskRun {
    const found = (
      this.taskRunMap.get(`${ns}/${pipeline}/${this.run(ns, pipeline, run).id}`) ?? []
    ).find((t) => t.id === task);
    if (!found)
      throw notFound(
        `task ${task} of run ${run} not found`,
        `run \`gofer taskrun list ${pipeline} ${run}\``,
      );
    return found;
  }

  private mustGet<T>(map: Map<string, T>, key: string, what: string, fix?: string): T {
    const value = map.get(key);
    if (value === undefined) throw notFound(`${what} not found`, fix);
    return value;
  }
}
