/**
 * The API client for plugins, beside GoferClient and made from the same settings: one deadline
 * per call, failures as `GoferClientError`s with the server's fix.
 */
import type * as grpc from '@grpc/grpc-js';
import type { PluginView } from '../kernel/api/kernel-services.js';
import { unaryCall } from '../proto/extension-protocol.js';
import { loadProtos } from '../proto/load-protos.js';
import { callMetadata, channelCredentials } from './client-connection.js';
import type { ClientConfig } from './client-config.js';
import { GoferClientError } from './gofer-client-error.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Res = Record<string, any>;

export function pluginFromWire(p: Res): PluginView {
  return {
    id: String(p.id),
    kind: p.kind,
    name: String(p.name),
    version: String(p.version),
    origin: p.origin,
    inUse: Boolean(p.in_use),
    status: String(p.status),
    statusReason: String(p.status_reason),
    dir: String(p.dir),
    source: String(p.source),
    description: String(p.description),
    permissions: [...(p.permissions as string[])],
    kernel: String(p.kernel),
    dependsOn: { ...(p.depends_on as Record<string, string>) },
    installed: Number(p.installed),
  };
}

export class PluginClient {
  private readonly client: grpc.Client;
  private readonly metadata: grpc.Metadata;

  constructor(private readonly config: ClientConfig) {
    const { v1 } = loadProtos();
    const credentials = channelCredentials(config);
    this.metadata = callMetadata(config);
    this.client = new v1.PluginService(config.address, credentials);
  }

  close(): void {
    this.client.close();
  }

  async install(req: { source: string; name: string; grants: string[] }): Promise<PluginView> {
    return pluginFromWire((await this.call('Install', req)).plugin);
  }

  async list(): Promise<PluginView[]> {
    return ((await this.call('List', {})).plugins as Res[]).map(pluginFromWire);
  }

  async get(id: string): Promise<PluginView> {
    return pluginFromWire((await this.call('Get', { id })).plugin);
  }

  async remove(id: string): Promise<void> {
    await this.call('Remove', { id });
  }

  private call(method: string, request: object): Promise<Res> {
    return unaryCall<Res>(this.client, method, request, this.metadata, this.config.timeoutMs).catch(
      (err: grpc.ServiceError) => {
        throw GoferClientError.from(err);
      },
    );
  }
}
