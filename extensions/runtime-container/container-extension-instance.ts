import type * as grpc from '@grpc/grpc-js';
import type {
  ExtensionExit,
  ExtensionInfo,
  ExtensionInstance,
  ExternalEvent,
  ExternalEventResponse,
  RunFinishedNotice,
  SubscriptionRef,
} from '../../kernel/contracts/extension.js';
import type { GuestExternalEventResponse__Output } from '../../proto/generated/gofer/v1/GuestExternalEventResponse.js';
import type { GuestInfoResponse__Output } from '../../proto/generated/gofer/v1/GuestInfoResponse.js';
import type { GuestTickResponse__Output } from '../../proto/generated/gofer/v1/GuestTickResponse.js';
import { keyMetadata, unaryCall } from '../../proto/extension-protocol.js';

export interface ContainerInstanceParts {
  name: string;
  client: grpc.Client;
  key: string;
  callTimeoutMs: number;
  exited: Promise<ExtensionExit>;
  /** Stops the container and releases the host server; called once by `shutdown`. */
  stop(): Promise<void>;
}

/**
 * A running container extension seen through the contract. A refusal from the extension comes
 * back as a plain `Error` carrying the extension's own words.
 */
export class ContainerExtensionInstance implements ExtensionInstance {
  readonly exited: Promise<ExtensionExit>;
  private readonly metadata: grpc.Metadata;
  private stopping?: Promise<void>;

  constructor(private readonly parts: ContainerInstanceParts) {
    this.exited = parts.exited;
    this.metadata = keyMetadata(parts.key);
  }

  async init(config: Record<string, string>): Promise<void> {
    await this.call('Init', { config });
  }

  async info(): Promise<ExtensionInfo> {
    return infoFromWire(await this.call<GuestInfoResponse__Output>('Info', {}));
  }

  async subscribe(sub: SubscriptionRef, settings: Record<string, string>): Promise<void> {
    await this.call('Subscribe', { ...sub, settings });
  }

  async unsubscribe(sub: SubscriptionRef): Promise<void> {
    await this.call('Unsubscribe', { ...sub });
  }

  async externalEvent(event: ExternalEvent): Promise<ExternalEventResponse> {
    const res = await this.call<GuestExternalEventResponse__Output>('ExternalEvent', {
      headers: event.headers,
      body: Buffer.from(event.body),
    });
    return { status: res.status, body: res.body };
  }

  async tick(now: number): Promise<number> {
    return (await this.call<GuestTickResponse__Output>('Tick', { now_ms: now })).next_in_ms;
  }

  async runFinished(notice: RunFinishedNotice): Promise<void> {
    await this.call('RunFinished', {
      ...notice.subscription,
      run: notice.run,
      status: notice.status,
    });
  }

  shutdown(): Promise<void> {
    this.stopping ??= (async () => {
      // Telling it first lets it release what it holds; the stop follows either way.
      await this.call('Shutdown', {}).catch(() => undefined);
      await this.parts.stop();
    })();
    return this.stopping;
  }

  private async call<T>(method: string, request: object): Promise<T> {
    try {
      return await unaryCall<T>(
        this.parts.client,
        method,
        request,
        this.metadata,
        this.parts.callTimeoutMs,
      );
    } catch (err) {
      const e = err as grpc.ServiceError;
      throw new Error(e.details || e.message, { cause: err });
    }
  }
}

export function infoFromWire(res: GuestInfoResponse__Output): ExtensionInfo {
  const info = res.info;
  const params = (list: { key: string; required: boolean; documentation: string }[] = []) =>
    list.map((p) => ({ key: p.key, required: p.required, documentation: p.documentation }));
  return {
    name: info?.name ?? '',
    version: info?.version ?? '',
    documentation: info?.documentation ?? '',
    configParams: params(info?.config_params),
    subscriptionParams: params(info?.subscription_params),
  };
}
