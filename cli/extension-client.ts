/**
 * The API client for extensions and subscriptions, beside GoferClient and made from the same
 * settings: one deadline per call, failures as `GoferClientError`s with the server's fix.
 */
import type * as grpc from '@grpc/grpc-js';
import type { ExtensionView } from '../kernel/api/kernel-services.js';
import type { Subscription, SubscriptionKey } from '../kernel/contracts/model.js';
import { extensionFromWire, subscriptionFromWire } from '../proto/extension-wire.js';
import { unaryCall } from '../proto/extension-protocol.js';
import { loadProtos } from '../proto/load-protos.js';
import { callMetadata, channelCredentials } from './client-connection.js';
import type { ClientConfig } from './client-config.js';
import { GoferClientError } from './gofer-client-error.js';

// The responses are read field by field through the wire mappers, which check their shapes.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Res = Record<string, any>;

export class ExtensionClient {
  private readonly extensions: grpc.Client;
  private readonly subscriptions: grpc.Client;
  private readonly metadata: grpc.Metadata;

  constructor(private readonly config: ClientConfig) {
    const { v1 } = loadProtos();
    const credentials = channelCredentials(config);
    this.metadata = callMetadata(config);
    this.extensions = new v1.ExtensionService(config.address, credentials);
    this.subscriptions = new v1.SubscriptionService(config.address, credentials, {
      channelOverride: this.extensions.getChannel(),
    });
  }

  close(): void {
    this.extensions.close();
  }

  async install(req: {
    name: string;
    source: string;
    config: Record<string, string>;
    grants: string[];
  }): Promise<ExtensionView> {
    return extensionFromWire((await this.call(this.extensions, 'Install', req)).extension);
  }

  async uninstall(name: string): Promise<void> {
    await this.call(this.extensions, 'Uninstall', { name });
  }

  async enable(name: string): Promise<ExtensionView> {
    return extensionFromWire((await this.call(this.extensions, 'Enable', { name })).extension);
  }

  async disable(name: string): Promise<ExtensionView> {
    return extensionFromWire((await this.call(this.extensions, 'Disable', { name })).extension);
  }

  async list(): Promise<ExtensionView[]> {
    const res = await this.call(this.extensions, 'List', {});
    return (res.extensions as never[]).map(extensionFromWire);
  }

  async get(name: string): Promise<ExtensionView> {
    return extensionFromWire((await this.call(this.extensions, 'Get', { name })).extension);
  }

  async subscribe(
    req: SubscriptionKey & { settings: Record<string, string> },
  ): Promise<Subscription> {
    const res = await this.call(this.subscriptions, 'Subscribe', req);
    return subscriptionFromWire(res.subscription);
  }

  async unsubscribe(key: SubscriptionKey): Promise<void> {
    await this.call(this.subscriptions, 'Unsubscribe', key);
  }

  async listSubscriptions(namespace: string, pipeline = ''): Promise<Subscription[]> {
    const res = await this.call(this.subscriptions, 'List', { namespace, pipeline });
    return (res.subscriptions as never[]).map(subscriptionFromWire);
  }

  async setSubscription(key: SubscriptionKey, enabled: boolean): Promise<Subscription> {
    const res = await this.call(this.subscriptions, enabled ? 'Enable' : 'Disable', key);
    return subscriptionFromWire(res.subscription);
  }

  private call(client: grpc.Client, method: string, request: object): Promise<Res> {
    return unaryCall<Res>(client, method, request, this.metadata, this.config.timeoutMs).catch(
      (err: grpc.ServiceError) => {
        throw GoferClientError.from(err);
      },
    );
  }
}
