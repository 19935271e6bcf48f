/**
 * A typed client for the gofer.v1 API. It speaks in the domain types of
 * kernel/contracts/model.ts, puts a deadline on every unary call, turns streams into async
 * iterables that end when a signal aborts, and turns gRPC failures into `GoferClientError`s
 * that keep the server's code and fix.
 */
import * as grpc from '@grpc/grpc-js';
import type { LogChunk } from '../kernel/api/kernel-services.js';
import type { SystemInfo } from '../kernel/api/kernel-services.js';
import type { LogStream } from '../kernel/logs/log-framing.js';
import { loadProtos } from '../proto/load-protos.js';
import type { GoferV1 } from '../proto/load-protos.js';
import { configToWire } from '../proto/pipeline-config-wire.js';
import * as wire from '../proto/model-wire.js';
import { enumFromWire } from '../proto/wire-enum.js';
import type {
  GoferEvent,
  Namespace,
  Pipeline,
  PipelineConfigVersion,
  Run,
  TaskRun,
} from '../kernel/contracts/model.js';
import type { PipelineConfig } from '../sdk/config/pipeline-config.js';
import { callMetadata, channelCredentials } from './client-connection.js';
import { GoferClientError } from './gofer-client-error.js';
import type {
  CancelAllRunsResponse__Output,
  CancelRunResponse__Output,
  CancelTaskRunResponse__Output,
  CreateNamespaceResponse__Output,
  DeleteNamespaceResponse__Output,
  DeletePipelineResponse__Output,
  DeployPipelineResponse__Output,
  DisablePipelineResponse__Output,
  EnablePipelineResponse__Output,
  GetEventResponse__Output,
  GetNamespaceResponse__Output,
  GetPipelineConfigResponse__Output,
  GetPipelineResponse__Output,
  GetRunResponse__Output,
  GetSystemInfoResponse__Output,
  GetTaskRunResponse__Output,
  ListNamespacesResponse__Output,
  ListPipelineConfigsResponse__Output,
  ListPipelinesResponse__Output,
  ListRunsResponse__Output,
  ListTaskRunsResponse__Output,
  RegisterPipelineResponse__Output,
  RetryRunResponse__Output,
  StartRunResponse__Output,
  UpdateNamespaceResponse__Output,
  BootstrapTokenResponse__Output,
  CreateTokenResponse__Output,
  GetTokenResponse__Output,
  ListTokensResponse__Output,
  WhoAmIResponse__Output,
} from '../proto/generated/gofer/v1/index.js';
import type { CreatedToken, NewToken, TokenInfo } from '../kernel/contracts/auth.js';
import type { WhoAmI } from '../kernel/api/kernel-services.js';
import { tokenFromWire, tokenKindToWire } from '../proto/token-wire.js';

export interface GoferClientOptions {
  /** `host:port`. */
  address: string;
  token?: string;
  /** Speak TLS; the server certificate is checked against `tlsCa` or the system roots. */
  tls?: boolean;
  /** PEM file of the CA that signed the server certificate (e.g. a self-signed one). */
  tlsCa?: string;
  /** Deadline for each unary call; defaults to 30 s. */
  timeoutMs?: number;
}

export interface ListOptions {
  offset?: number;
  limit?: number;
}

type Clients = {
  system: InstanceType<GoferV1['SystemService']>;
  namespaces: InstanceType<GoferV1['NamespaceService']>;
  pipelines: InstanceType<GoferV1['PipelineService']>;
  runs: InstanceType<GoferV1['RunService']>;
  logs: InstanceType<GoferV1['LogService']>;
  events: InstanceType<GoferV1['EventService']>;
  tokens: InstanceType<GoferV1['TokenService']>;
};

type Callback<R> = (err: grpc.ServiceError | null, res?: R) => void;

export class GoferClient {
  private readonly clients: Clients;
  private readonly metadata: grpc.Metadata;
  private readonly timeoutMs: number;

  constructor(options: GoferClientOptions) {
    const { v1 } = loadProtos();
    const credentials = channelCredentials(options);
    this.metadata = callMetadata(options);
    this.timeoutMs = options.timeoutMs ?? 30_000;

    // One channel for all services: the first client's channel is handed to the rest.
    const system = new v1.SystemService(options.address, credentials);
    const channel = { channelOverride: system.getChannel() };
    this.clients = {
      system,
      namespaces: new v1.NamespaceService(options.address, credentials, channel),
      pipelines: new v1.PipelineService(options.address, credentials, channel),
      runs: new v1.RunService(options.address, credentials, channel),
      logs: new v1.LogService(options.address, credentials, channel),
      events: new v1.EventService(options.address, credentials, channel),
      tokens: new v1.TokenService(options.address, credentials, channel),
    };
  }

  close(): void {
    this.clients.system.close();
  }

  // System

  async systemInfo(): Promise<SystemInfo> {
    const res = await this.call<GetSystemInfoResponse__Output>((cb) =>
      this.clients.system.GetSystemInfo({}, this.metadata, this.options(), cb),
    );
    return {
      version: res.version,
      devMode: res.dev_mode,
      scheduler: res.scheduler,
      stateStore: res.state_store,
      auth: res.auth,
    };
  }

  // Namespaces

  async listNamespaces(page: ListOptions = {}): Promise<Namespace[]> {
    const res = await this.call<ListNamespacesResponse__Output>((cb) =>
      this.clients.namespaces.List({ ...page }, this.metadata, this.options(), cb),
    );
    return res.namespaces.map(wire.namespaceFromWire);
  }

  async getNamespace(id: string): Promise<Namespace> {
    const res = await this.call<GetNamespaceResponse__Output>((cb) =>
      this.clients.namespaces.Get({ id }, this.metadata, this.options(), cb),
    );
    return wire.namespaceFromWire(res.namespace!);
  }

  async createNamespace(ns: {
    id: string;
    name?: string;
    description?: string;
  }): Promise<Namespace> {
    const res = await this.call<CreateNamespaceResponse__Output>((cb) =>
      this.clients.namespaces.Create(ns, this.metadata, this.options(), cb),
    );
    return wire.namespaceFromWire(res.namespace!);
  }

  async updateNamespace(
    id: string,
    patch: { name?: string; description?: string },
  ): Promise<Namespace> {
    const res = await this.call<UpdateNamespaceResponse__Output>((cb) =>
      this.clients.namespaces.Update({ id, ...patch }, this.metadata, this.options(), cb),
    );
    return wire.namespaceFromWire(res.namespace!);
  }

  async deleteNamespace(id: string): Promise<void> {
    await this.call<DeleteNamespaceResponse__Output>((cb) =>
      this.clients.namespaces.Delete({ id }, this.metadata, this.options(), cb),
    );
  }

  // Pipelines

  async listPipelines(namespace: string, page: ListOptions = {}): Promise<Pipeline[]> {
    const res = await this.call<ListPipelinesResponse__Output>((cb) =>
      this.clients.pipelines.List({ namespace, ...page }, this.metadata, this.options(), cb),
    );
    return res.pipelines.map(wire.pipelineFromWire);
  }

  async getPipeline(namespace: string, id: string): Promise<Pipeline> {
    const res = await this.call<GetPipelineResponse__Output>((cb) =>
      this.clients.pipelines.Get({ namespace, id }, this.metadata, this.options(), cb),
    );
    return wire.pipelineFromWire(res.pipeline!);
  }

  async registerPipeline(
    namespace: string,
    config: PipelineConfig,
  ): Promise<PipelineConfigVersion> {
    const request = { namespace, config: configToWire(config) };
    const res = await this.call<RegisterPipelineResponse__Output>((cb) =>
      this.clients.pipelines.Register(request, this.metadata, this.options(), cb),
    );
    return wire.versionFromWire(res.config!);
  }

  async deployPipeline(
    namespace: string,
    id: string,
    version: number,
  ): Promise<PipelineConfigVersion> {
    const res = await this.call<DeployPipelineResponse__Output>((cb) =>
      this.clients.pipelines.Deploy({ namespace, id, version }, this.metadata, this.options(), cb),
    );
    return wire.versionFromWire(res.config!);
  }

  async enablePipeline(namespace: string, id: string): Promise<Pipeline> {
    const res = await this.call<EnablePipelineResponse__Output>((cb) =>
      this.clients.pipelines.Enable({ namespace, id }, this.metadata, this.options(), cb),
    );
    return wire.pipelineFromWire(res.pipeline!);
  }

  async disablePipeline(namespace: string, id: string): Promise<Pipeline> {
    const res = await this.call<DisablePipelineResponse__Output>((cb) =>
      this.clients.pipelines.Disable({ namespace, id }, this.metadata, this.options(), cb),
    );
    return wire.pipelineFromWire(res.pipeline!);
  }

  async deletePipeline(namespace: string, id: string): Promise<void> {
    await this.call<DeletePipelineResponse__Output>((cb) =>
      this.clients.pipelines.Delete({ namespace, id }, this.metadata, this.options(), cb),
    );
  }

  async listConfigs(
    namespace: string,
    id: string,
    page: ListOptions = {},
  ): Promise<PipelineConfigVersion[]> {
    const res = await this.call<ListPipelineConfigsResponse__Output>((cb) =>
      this.clients.pipelines.ListConfigs(
        { namespace, id, ...page },
        this.metadata,
        this.options(),
        cb,
      ),
    );
    return res.configs.map(wire.versionFromWire);
  }

  /** Version 0 means the live version. */
  async getConfig(namespace: string, id: string, version: number): Promise<PipelineConfigVersion> {
    const res = await this.call<GetPipelineConfigResponse__Output>((cb) =>
      this.clients.pipelines.GetConfig(
        { namespace, id, version },
        this.metadata,
        this.options(),
        cb,
      ),
    );
    return wire.versionFromWire(res.config!);
  }

  // Runs

  async startRun(
    namespace: string,
    pipeline: string,
    variables: Record<string, string>,
    reason = '',
  ): Promise<Run> {
    const request = { namespace, pipeline, variables, reason };
    const res = await this.call<StartRunResponse__Output>((cb) =>
      this.clients.runs.Start(request, this.metadata, this.options(), cb),
    );
    return wire.runFromWire(res.run!);
  }

  async getRun(namespace: string, pipeline: string, id: number): Promise<Run> {
    const res = await this.call<GetRunResponse__Output>((cb) =>
      this.clients.runs.Get({ namespace, pipeline, id }, this.metadata, this.options(), cb),
    );
    return wire.runFromWire(res.run!);
  }

  async listRuns(namespace: string, pipeline: string, page: ListOptions = {}): Promise<Run[]> {
    const res = await this.call<ListRunsResponse__Output>((cb) =>
      this.clients.runs.List({ namespace, pipeline, ...page }, this.metadata, this.options(), cb),
    );
    return res.runs.map(wire.runFromWire);
  }

  async cancelRun(namespace: string, pipeline: string, id: number, reason = ''): Promise<Run> {
    const res = await this.call<CancelRunResponse__Output>((cb) =>
      this.clients.runs.Cancel(
        { namespace, pipeline, id, reason },
        this.metadata,
        this.options(),
        cb,
      ),
    );
    return wire.runFromWire(res.run!);
  }

  async cancelAllRuns(namespace: string, pipeline: string, reason = ''): Promise<number[]> {
    const res = await this.call<CancelAllRunsResponse__Output>((cb) =>
      this.clients.runs.CancelAll(
        { namespace, pipeline, reason },
        this.metadata,
        this.options(),
        cb,
      ),
    );
    return res.run_ids;
  }

  async retryRun(namespace: string, pipeline: string, id: number, reason = ''): Promise<Run> {
    const res = await this.call<RetryRunResponse__Output>((cb) =>
      this.clients.runs.Retry(
        { namespace, pipeline, id, reason },
        this.metadata,
        this.options(),
        cb,
      ),
    );
    return wire.runFromWire(res.run!);
  }

  async listTaskRuns(namespace: string, pipeline: string, run: number): Promise<TaskRun[]> {
    const res = await this.call<ListTaskRunsResponse__Output>((cb) =>
      this.clients.runs.ListTaskRuns(
        { namespace, pipeline, run },
        this.metadata,
        this.options(),
        cb,
      ),
    );
    return res.task_runs.map(wire.taskRunFromWire);
  }

  async getTaskRun(namespace: string, pipeline: string, run: number, id: string): Promise<TaskRun> {
    const res = await this.call<GetTaskRunResponse__Output>((cb) =>
      this.clients.runs.GetTaskRun(
        { namespace, pipeline, run, id },
        this.metadata,
        this.options(),
        cb,
      ),
    );
    return wire.taskRunFromWire(res.task_run!);
  }

  async cancelTaskRun(
    namespace: string,
    pipeline: string,
    run: number,
    id: string,
    reason = '',
  ): Promise<TaskRun> {
    const request = { namespace, pipeline, run, id, reason };
    const res = await this.call<CancelTaskRunResponse__Output>((cb) =>
      this.clients.runs.CancelTaskRun(request, this.metadata, this.options(), cb),
    );
    return wire.taskRunFromWire(res.task_run!);
  }

  // Logs and events (streams: no deadline, they end when `signal` aborts)

  taskRunLogs(
    namespace: string,
    pipeline: string,
    run: number,
    id: string,
    opts: { follow?: boolean; signal?: AbortSignal } = {},
  ): AsyncIterable<LogChunk> {
    const call = this.clients.logs.TaskRunLogs(
      { namespace, pipeline, run, id, follow: opts.follow ?? false },
      this.metadata,
    );
    return this.iterate(call, opts.signal, toChunk);
  }

  runLogs(
    namespace: string,
    pipeline: string,
    run: number,
    opts: { follow?: boolean; signal?: AbortSignal } = {},
  ): AsyncIterable<LogChunk> {
    const call = this.clients.logs.RunLogs(
      { namespace, pipeline, run, follow: opts.follow ?? false },
      this.metadata,
    );
    return this.iterate(call, opts.signal, toChunk);
  }

  async getEvent(id: number): Promise<GoferEvent> {
    const res = await this.call<GetEventResponse__Output>((cb) =>
      this.clients.events.GetEvent({ id }, this.metadata, this.options(), cb),
    );
    return wire.eventFromWire(res.event!);
  }

  listEvents(
    opts: {
      afterId?: number;
      reverse?: boolean;
      follow?: boolean;
      limit?: number;
      signal?: AbortSignal;
    } = {},
  ): AsyncIterable<GoferEvent> {
    const request = {
      after_id: opts.afterId ?? 0,
      reverse: opts.reverse ?? false,
      follow: opts.follow ?? false,
      limit: opts.limit ?? 0,
    };
    return this.iterate(
      this.clients.events.ListEvents(request, this.metadata),
      opts.signal,
      wire.eventFromWire,
    );
  }

  // Tokens

  /** Sends no token, whatever the client holds: bootstrap is how the first one comes to be. */
  async bootstrapToken(): Promise<CreatedToken> {
    const res = await this.call<BootstrapTokenResponse__Output>((cb) =>
      this.clients.tokens.Bootstrap({}, new grpc.Metadata(), this.options(), cb),
    );
    return { token: res.secret, info: tokenFromWire(res.token!) };
  }

  async createToken(token: NewToken): Promise<CreatedToken> {
    const request = {
      name: token.name,
      kind: tokenKindToWire(token.kind),
      namespaces: token.namespaces ?? [],
      expires: token.expires ?? 0,
      metadata: token.metadata ?? {},
    };
    const res = await this.call<CreateTokenResponse__Output>((cb) =>
      this.clients.tokens.Create(request, this.metadata, this.options(), cb),
    );
    return { token: res.secret, info: tokenFromWire(res.token!) };
  }

  async listTokens(): Promise<TokenInfo[]> {
    const res = await this.call<ListTokensResponse__Output>((cb) =>
      this.clients.tokens.List({}, this.metadata, this.options(), cb),
    );
    return res.tokens.map(tokenFromWire);
  }

  async getToken(id: string): Promise<TokenInfo> {
    const res = await this.call<GetTokenResponse__Output>((cb) =>
      this.clients.tokens.Get({ id }, this.metadata, this.options(), cb),
    );
    return tokenFromWire(res.token!);
  }

  async enableToken(id: string): Promise<TokenInfo> {
    const res = await this.call<GetTokenResponse__Output>((cb) =>
      this.clients.tokens.Enable({ id }, this.metadata, this.options(), cb),
    );
    return tokenFromWire(res.token!);
  }

  async disableToken(id: string): Promise<TokenInfo> {
    const res = await this.call<GetTokenResponse__Output>((cb) =>
      this.clients.tokens.Disable({ id }, this.metadata, this.options(), cb),
    );
    return tokenFromWire(res.token!);
  }

  async deleteToken(id: string): Promise<void> {
    await this.call<object>((cb) =>
      this.clients.tokens.Delete({ id }, this.metadata, this.options(), cb),
    );
  }

  async whoami(): Promise<WhoAmI> {
    const res = await this.call<WhoAmIResponse__Output>((cb) =>
      this.clients.tokens.WhoAmI({}, this.metadata, this.options(), cb),
    );
    return {
      principal: {
        kind: res.kind as WhoAmI['principal']['kind'],
        name: res.name,
        namespaces: res.namespaces,
      },
      token: res.token ? tokenFromWire(res.token) : undefined,
    };
  }

  // Plumbing

  private options(): grpc.CallOptions {
    return { deadline: Date.now() + this.timeoutMs };
  }

  private call<Res>(start: (cb: Callback<Res>) => unknown): Promise<Res> {
    return new Promise((resolve, reject) => {
      start((err, res) => (err ? reject(GoferClientError.from(err)) : resolve(res as Res)));
    });
  }

  private async *iterate<W, T>(
    call: grpc.ClientReadableStream<W>,
    signal: AbortSignal | undefined,
    map: (w: W) => T,
  ): AsyncIterable<T> {
    const onAbort = () => call.cancel();
    if (signal?.aborted) call.cancel();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for await (const message of call) yield map(message as W);
    } catch (err) {
      // A cancel we asked for is how a follow ends, not a failure.
      if ((err as grpc.ServiceError).code === grpc.status.CANCELLED && signal?.aborted) return;
      throw GoferClientError.from(err as grpc.ServiceError);
    } finally {
      signal?.removeEventListener('abort', onAbort);
      call.cancel();
    }
  }
}

function toChunk(w: { task: string; stream: string; data: Buffer }): LogChunk {
  return {
    task: w.task,
    stream: enumFromWire<LogStream>('LOG_STREAM', w.stream, 'lower') ?? 'stdout',
    data: w.data,
  };
}
