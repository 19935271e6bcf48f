/**
 * Loads the gRPC API from proto/gofer/v1/*.proto at run time. Server and client both come through
 * here, with the same options that scripts/gen-proto.mjs generates the types with, so the objects
 * on the wire look exactly as proto/generated/ describes them.
 */
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { ProtoGrpcType as EventTypes } from './generated/event_service.js';
import type { ProtoGrpcType as ExtensionTypes } from './generated/extension_service.js';
import type { ProtoGrpcType as LogTypes } from './generated/log_service.js';
import type { ProtoGrpcType as NamespaceTypes } from './generated/namespace_service.js';
import type { ProtoGrpcType as ObjectTypes } from './generated/object_service.js';
import type { ProtoGrpcType as PipelineTypes } from './generated/pipeline_service.js';
import type { ProtoGrpcType as PluginTypes } from './generated/plugin_service.js';
import type { ProtoGrpcType as RunTypes } from './generated/run_service.js';
import type { ProtoGrpcType as SecretTypes } from './generated/secret_service.js';
import type { ProtoGrpcType as SystemTypes } from './generated/system_service.js';
import type { ProtoGrpcType as TokenTypes } from './generated/token_service.js';

type V1<T extends { gofer: { v1: unknown } }> = T['gofer']['v1'];
export type GoferV1 = V1<SystemTypes> &
  V1<NamespaceTypes> &
  V1<PipelineTypes> &
  V1<RunTypes> &
  V1<LogTypes> &
  V1<EventTypes> &
  V1<TokenTypes> &
  V1<ObjectTypes> &
  V1<SecretTypes> &
  V1<ExtensionTypes> &
  V1<PluginTypes>;

export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
};

/** The services the API serves, by the name the proto package gives them. */
export const SERVICE_NAMES = [
  'SystemService',
  'NamespaceService',
  'PipelineService',
  'RunService',
  'LogService',
  'EventService',
  'TokenService',
  'ObjectService',
  'SecretService',
  'ExtensionService',
  'SubscriptionService',
  'PluginService',
] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/**
 * The protos stay in the source tree while the code runs from dist/, so walk up from this module
 * until the folder that holds `gofer/v1` turns up.
 */
export function protoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'proto');
    if (existsSync(join(candidate, 'gofer', 'v1'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) {
      throw new Error(
        `gofer: cannot find proto/gofer/v1 above ${fileURLToPath(import.meta.url)}; ` +
          'reinstall the package so that its proto/ folder is present',
      );
    }
    dir = parent;
  }
}

let cached: { definition: protoLoader.PackageDefinition; v1: GoferV1 } | undefined;

/** Loads (once per process) and returns the package definition and the `gofer.v1` namespace. */
export function loadProtos(): { definition: protoLoader.PackageDefinition; v1: GoferV1 } {
  if (cached) return cached;
  const root = protoRoot();
  const files = readdirSync(join(root, 'gofer', 'v1'))
    .filter((name) => name.endsWith('.proto'))
    .sort()
    .map((name) => `gofer/v1/${name}`);
  const definition = protoLoader.loadSync(files, { ...LOADER_OPTIONS, includeDirs: [root] });
  const loaded = grpc.loadPackageDefinition(definition) as unknown as { gofer: { v1: GoferV1 } };
  cached = { definition, v1: loaded.gofer.v1 };
  return cached;
}
