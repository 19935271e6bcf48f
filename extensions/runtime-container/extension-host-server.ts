import * as grpc from '@grpc/grpc-js';
import type { ExtensionHost, ExtensionLogLevel } from '../../kernel/contracts/extension.js';
import type { HostLogRequest__Output } from '../../proto/generated/gofer/v1/HostLogRequest.js';
import type { HostStartRunRequest__Output } from '../../proto/generated/gofer/v1/HostStartRunRequest.js';
import type { HostTimeZoneOffsetRequest__Output } from '../../proto/generated/gofer/v1/HostTimeZoneOffsetRequest.js';
import {
  carriesKey,
  loadExtensionProtocol,
  unauthenticated,
} from '../../proto/extension-protocol.js';

const LEVELS: readonly ExtensionLogLevel[] = ['debug', 'info', 'warn', 'error'];

/**
 * The gRPC server one container extension calls back: `ExtensionHostService` on a free
 * loopback port, answering only calls that carry this instance's key. Closing it revokes the
 * key for good, since the next instance gets a new key and a new server.
 */
export class ExtensionHostServer {
  private readonly server = new grpc.Server();
  private closed = false;

  constructor(
    private readonly host: ExtensionHost,
    private readonly key: string,
  ) {
    const { ExtensionHostService } = loadExtensionProtocol();
    this.server.addService(ExtensionHostService.service, {
      StartRun: this.guarded((req: HostStartRunRequest__Output) =>
        this.host.startRun({
          namespace: req.namespace,
          pipeline: req.pipeline,
          label: req.label,
          variables: req.variables,
          reason: req.reason,
        }),
      ),
      Log: this.guarded(async (req: HostLogRequest__Output) => {
        const level = LEVELS.includes(req.level as ExtensionLogLevel)
          ? (req.level as ExtensionLogLevel)
          : 'info';
        this.host.log(level, req.message);
        return {};
      }),
      TimeZoneOffset: this.guarded(async (req: HostTimeZoneOffsetRequest__Output) => ({
        offset_minutes: await this.host.timeZoneOffset(req.zone, req.at_ms),
      })),
    });
  }

  /** Binds 127.0.0.1 on a port the system picks; resolves with `host:port`. */
  start(): Promise<string> {
    return new Promise((resolve, reject) => {
      this.server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) =>
        err ? reject(err) : resolve(`127.0.0.1:${port}`),
      );
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.server.forceShutdown();
  }

  private guarded<Req>(fn: (req: Req) => Promise<object>): grpc.handleUnaryCall<Req, object> {
    return (call, callback) => {
      if (this.closed || !carriesKey(call.metadata, this.key)) {
        callback(unauthenticated());
        return;
      }
      fn(call.request).then(
        (res) => callback(null, res),
        (err: unknown) =>
          callback({
            code: hostStatus(err),
            details: err instanceof Error ? err.message : String(err),
          }),
      );
    };
  }
}

/** A refused run is PERMISSION_DENIED; an unknown zone INVALID_ARGUMENT; the rest by code. */
function hostStatus(err: unknown): grpc.status {
  switch ((err as { code?: unknown } | null)?.code) {
    case 'PERMISSION_DENIED':
      return grpc.status.PERMISSION_DENIED;
    case 'INVALID_ARGUMENT':
      return grpc.status.INVALID_ARGUMENT;
    case 'NOT_FOUND':
      return grpc.status.NOT_FOUND;
    case 'FAILED_PRECONDITION':
      return grpc.status.FAILED_PRECONDITION;
    default:
      return grpc.status.UNKNOWN;
  }
}
