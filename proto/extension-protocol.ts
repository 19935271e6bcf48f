/**
 * The extension wire protocol (proto/gofer/v1/extension.proto) for both of its ends: the
 * kernel's container runtime and an extension's gRPC server (sdk/extension/serve-grpc.ts).
 * Loads only extension.proto, so an extension image carries that one file, and holds the
 * bearer-key rule both ends apply to every call.
 */
import { timingSafeEqual } from 'node:crypto';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { ProtoGrpcType } from './generated/extension.js';
import { LOADER_OPTIONS, protoRoot } from './load-protos.js';

export type ExtensionProtocol = ProtoGrpcType['gofer']['v1'];

/** Environment an extension container is started with. */
export const EXTENSION_ENV = {
  key: 'GOFER_EXTENSION_KEY',
  hostAddress: 'GOFER_EXTENSION_HOST_ADDRESS',
  port: 'PORT',
} as const;

let cached: ExtensionProtocol | undefined;

export function loadExtensionProtocol(): ExtensionProtocol {
  if (cached) return cached;
  const root = protoRoot();
  const definition = protoLoader.loadSync(join('gofer', 'v1', 'extension.proto'), {
    ...LOADER_OPTIONS,
    includeDirs: [root],
  });
  const loaded = grpc.loadPackageDefinition(definition) as unknown as ProtoGrpcType;
  cached = loaded.gofer.v1;
  return cached;
}

export function keyMetadata(key: string): grpc.Metadata {
  const metadata = new grpc.Metadata();
  metadata.set('authorization', `Bearer ${key}`);
  return metadata;
}

/** Whether the call carries `authorization: Bearer <key>`; compared in constant time. */
export function carriesKey(metadata: grpc.Metadata, key: string): boolean {
  const value = metadata.get('authorization')[0];
  if (typeof value !== 'string') return false;
  const given = Buffer.from(value.replace(/^Bearer\s+/i, ''));
  const expected = Buffer.from(key);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export const unauthenticated = (): Partial<grpc.ServiceError> => ({
  code: grpc.status.UNAUTHENTICATED,
  details: 'this call does not carry the extension key as `authorization: Bearer <key>`',
});

type UnaryMethod = (
  request: object,
  metadata: grpc.Metadata,
  options: grpc.CallOptions,
  callback: (err: grpc.ServiceError | null, res?: unknown) => void,
) => grpc.ClientUnaryCall;

/** One unary call with a deadline; rejects with the gRPC error. */
export function unaryCall<T>(
  client: grpc.Client,
  method: string,
  request: object,
  metadata: grpc.Metadata,
  timeoutMs: number,
): Promise<T> {
  const fn = (client as unknown as Record<string, UnaryMethod>)[method].bind(client);
  return new Promise<T>((resolve, reject) => {
    fn(request, metadata, { deadline: Date.now() + timeoutMs }, (err, res) =>
      err ? reject(err) : resolve(res as T),
    );
  });
}
