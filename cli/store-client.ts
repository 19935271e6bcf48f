/**
 * The typed client for objects and secrets. It has its own channel because these calls carry
 * whole values (several MiB) and need the raised message size on the client side too; the
 * options are the same as `GoferClient`'s.
 */
import type * as grpc from '@grpc/grpc-js';
import { MAX_MESSAGE_BYTES } from '../kernel/api/api-server.js';
import type { ObjectInfo, ObjectKey, ObjectScope } from '../kernel/contracts/object-store.js';
import type { SecretInfo } from '../kernel/contracts/secret-store.js';
import { loadProtos, type GoferV1 } from '../proto/load-protos.js';
import type {
  GetObjectResponse__Output,
  GetSecretResponse__Output,
  ListObjectsResponse__Output,
  ListSecretsResponse__Output,
  PutObjectResponse__Output,
  PutSecretResponse__Output,
  SecretInfo__Output,
} from '../proto/generated/gofer/v1/index.js';
import { callMetadata, channelCredentials } from './client-connection.js';
import type { GoferClientOptions } from './gofer-client.js';
import { GoferClientError } from './gofer-client-error.js';

type Callback<R> = (err: grpc.ServiceError | null, res?: R) => void;

export interface StoredSecret {
  info: SecretInfo;
  /** Present only when asked for. */
  value?: Buffer;
}

export class StoreClient {
  private readonly objects: InstanceType<GoferV1['ObjectService']>;
  private readonly secrets: InstanceType<GoferV1['SecretService']>;
  private readonly metadata: grpc.Metadata;
  private readonly timeoutMs: number;

  constructor(options: GoferClientOptions) {
    const { v1 } = loadProtos();
    const credentials = channelCredentials(options);
    this.metadata = callMetadata(options);
    this.timeoutMs = options.timeoutMs ?? 30_000;
    const sizes = {
      'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
      'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
    };
    this.objects = new v1.ObjectService(options.address, credentials, sizes);
    this.secrets = new v1.SecretService(options.address, credentials, {
      ...sizes,
      channelOverride: this.objects.getChannel(),
    });
  }

  close(): void {
    this.objects.close();
  }

  // Objects: `run` absent for pipeline objects, set for run objects.

  async listObjects(scope: ObjectScope): Promise<ObjectInfo[]> {
    const res = await this.call<ListObjectsResponse__Output>((cb) =>
      scope.run === undefined
        ? this.objects.ListPipelineObjects(scope, this.metadata, this.options(), cb)
        : this.objects.ListRunObjects(scope, this.metadata, this.options(), cb),
    );
    return res.objects.map((o) => ({ key: o.key, created: o.created, size: o.size }));
  }

  async getObject(key: ObjectKey): Promise<{ info: ObjectInfo; value: Buffer }> {
    const res = await this.call<GetObjectResponse__Output>((cb) =>
      key.run === undefined
        ? this.objects.GetPipelineObject(key, this.metadata, this.options(), cb)
        : this.objects.GetRunObject(key, this.metadata, this.options(), cb),
    );
    const o = res.object!;
    return { info: { key: o.key, created: o.created, size: o.size }, value: res.value };
  }

  async putObject(
    key: ObjectKey,
    value: Buffer,
    opts: { force?: boolean } = {},
  ): Promise<{ info: ObjectInfo; evicted: string[] }> {
    const request = { ...key, value, force: opts.force ?? false };
    const res = await this.call<PutObjectResponse__Output>((cb) =>
      key.run === undefined
        ? this.objects.PutPipelineObject(request, this.metadata, this.options(), cb)
        : this.objects.PutRunObject(request, this.metadata, this.options(), cb),
    );
    const o = res.object!;
    return { info: { key: o.key, created: o.created, size: o.size }, evicted: res.evicted };
  }

  async deleteObject(key: ObjectKey): Promise<void> {
    await this.call<object>((cb) =>
      key.run === undefined
        ? this.objects.DeletePipelineObject(key, this.metadata, this.options(), cb)
        : this.objects.DeleteRunObject(key, this.metadata, this.options(), cb),
    );
  }

  // Pipeline secrets

  async listPipelineSecrets(namespace: string, pipeline: string): Promise<SecretInfo[]> {
    const res = await this.call<ListSecretsResponse__Output>((cb) =>
      this.secrets.ListPipelineSecrets({ namespace, pipeline }, this.metadata, this.options(), cb),
    );
    return res.secrets.map(secretFromWire);
  }

  async getPipelineSecret(
    namespace: string,
    pipeline: string,
    key: string,
    includeValue = false,
  ): Promise<StoredSecret> {
    const request = { namespace, pipeline, key, include_value: includeValue };
    const res = await this.call<GetSecretResponse__Output>((cb) =>
      this.secrets.GetPipelineSecret(request, this.metadata, this.options(), cb),
    );
    return storedFromWire(res);
  }

  async putPipelineSecret(
    namespace: string,
    pipeline: string,
    key: string,
    value: Buffer,
    opts: { force?: boolean } = {},
  ): Promise<SecretInfo> {
    const request = { namespace, pipeline, key, value, force: opts.force ?? false };
    const res = await this.call<PutSecretResponse__Output>((cb) =>
      this.secrets.PutPipelineSecret(request, this.metadata, this.options(), cb),
    );
    return secretFromWire(res.secret!);
  }

  async deletePipelineSecret(namespace: string, pipeline: string, key: string): Promise<void> {
    await this.call<object>((cb) =>
      this.secrets.DeletePipelineSecret(
        { namespace, pipeline, key },
        this.metadata,
        this.options(),
        cb,
      ),
    );
  }

  // Global secrets

  async listGlobalSecrets(): Promise<SecretInfo[]> {
    const res = await this.call<ListSecretsResponse__Output>((cb) =>
      this.secrets.ListGlobalSecrets({}, this.metadata, this.options(), cb),
    );
    return res.secrets.map(secretFromWire);
  }

  async getGlobalSecret(key: string, includeValue = false): Promise<StoredSecret> {
    const res = await this.call<GetSecretResponse__Output>((cb) =>
      this.secrets.GetGlobalSecret(
        { key, include_value: includeValue },
        this.metadata,
        this.options(),
        cb,
      ),
    );
    return storedFromWire(res);
  }

  async putGlobalSecret(
    key: string,
    value: Buffer,
    opts: { force?: boolean; namespaces?: string[] } = {},
  ): Promise<SecretInfo> {
    const request = { key, value, force: opts.force ?? false, namespaces: opts.namespaces ?? [] };
    const res = await this.call<PutSecretResponse__Output>((cb) =>
      this.secrets.PutGlobalSecret(request, this.metadata, this.options(), cb),
    );
    return secretFromWire(res.secret!);
  }

  async deleteGlobalSecret(key: string): Promise<void> {
    await this.call<object>((cb) =>
      this.secrets.DeleteGlobalSecret({ key }, this.metadata, this.options(), cb),
    );
  }

  private options(): grpc.CallOptions {
    return { deadline: Date.now() + this.timeoutMs };
  }

  private call<Res>(start: (cb: Callback<Res>) => unknown): Promise<Res> {
    return new Promise((resolve, reject) => {
      start((err, res) => (err ? reject(GoferClientError.from(err)) : resolve(res as Res)));
    });
  }
}

function secretFromWire(w: SecretInfo__Output): SecretInfo {
  return { key: w.key, created: w.created, namespaces: [...w.namespaces] };
}

function storedFromWire(res: GetSecretResponse__Output): StoredSecret {
  const info = secretFromWire(res.secret!);
  return res._value === 'value' && res.value ? { info, value: res.value } : { info };
}
