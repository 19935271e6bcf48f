/**
 * The one wrapper every RPC goes through: it reads the bearer token, asks the auth plugin who is
 * calling and whether they may make this call, runs the handler, and turns any failure into a
 * gRPC status with its fix. Handlers therefore only translate requests into KernelServices calls.
 */
import { once } from 'node:events';
import type * as grpc from '@grpc/grpc-js';
import type { Auth, Principal } from '../contracts/auth.js';
import type { Logger } from '../contracts/logger.js';
import { GoferError, invalidArgument } from '../errors.js';
import { METHOD_ACCESS } from './method-access.js';
import { mapError, toServiceError } from './to-service-error.js';

export interface CallContext {
  principal: Principal;
  /** Aborts when the client cancels or the server shuts down. */
  signal: AbortSignal;
  /** Full method path, e.g. `/gofer.v1.RunService/Start`. */
  method: string;
  /** The bearer token as sent, for the few handlers that act on it (WhoAmI). */
  token?: string;
}

export type UnaryHandler = (request: never, ctx: CallContext) => Promise<object>;
export type StreamHandler = (request: never, ctx: CallContext) => AsyncIterable<object>;
export type Handler = { kind: 'unary'; fn: UnaryHandler } | { kind: 'stream'; fn: StreamHandler };

export function unary<Req, Res extends object>(
  fn: (request: Req, ctx: CallContext) => Promise<Res>,
): Handler {
  return { kind: 'unary', fn: fn as UnaryHandler };
}

export function stream<Req, Res extends object>(
  fn: (request: Req, ctx: CallContext) => AsyncIterable<Res>,
): Handler {
  return { kind: 'stream', fn: fn as StreamHandler };
}

const ABORTED = Symbol('aborted');

export class CallGuard {
  /** Streams in flight, so that shutdown can end them instead of waiting on a follow forever. */
  private readonly streams = new Set<AbortController>();

  constructor(
    private readonly auth: Auth,
    private readonly logger: Logger,
  ) {}

  wrap(path: string, handler: Handler): grpc.UntypedHandleCall {
    return handler.kind === 'unary'
      ? this.wrapUnary(path, handler.fn)
      : this.wrapStream(path, handler.fn);
  }

  /** Ends every open stream with UNAVAILABLE; called when the server starts shutting down. */
  endStreams(): void {
    for (const controller of this.streams) controller.abort(SHUTTING_DOWN);
  }

  private wrapUnary(path: string, fn: UnaryHandler): grpc.handleUnaryCall<object, object> {
    return (call, callback) => {
      // The signal is made only for handlers that ask for it; most never do. The engine also
      // reports "cancelled" after a call has been answered, which needs no abort.
      let controller: AbortController | undefined;
      let state: 'open' | 'cancelled' | 'answered' = 'open';
      call.on('cancelled', () => {
        if (state !== 'open') return;
        state = 'cancelled';
        controller?.abort();
      });
      const signal = () => {
        if (!controller) {
          controller = new AbortController();
          if (state === 'cancelled') controller.abort();
        }
        return controller.signal;
      };
      const answer: grpc.sendUnaryData<object> = (err, response) => {
        if (state === 'open') state = 'answered';
        callback(err, response);
      };
      this.admit(path, call.request, call.metadata)
        .then(({ principal, token }) =>
          fn(call.request as never, {
            principal,
            get signal() {
              return signal();
            },
            method: path,
            token,
          }),
        )
        .then(
          (response) => answer(null, response),
          (err: unknown) => answer(this.fail(path, err)),
        );
    };
  }

  private wrapStream(
    path: string,
    fn: StreamHandler,
  ): grpc.handleServerStreamingCall<object, object> {
    return (call) => {
      const controller = new AbortController();
      this.streams.add(controller);
      call.on('cancelled', () => controller.abort());
      this.pump(path, call, fn, controller.signal)
        .then(
          () => {
            // A stream ended by shutdown says so; one the client cancelled has nobody to tell.
            if (controller.signal.reason === SHUTTING_DOWN) {
              call.emit('error', toServiceError(SHUTTING_DOWN));
            } else if (!call.cancelled) call.end();
          },
          (err: unknown) => {
            if (!call.cancelled) call.emit('error', this.fail(path, err));
          },
        )
        .finally(() => this.streams.delete(controller));
    };
  }

  private async pump(
    path: string,
    call: grpc.ServerWritableStream<object, object>,
    fn: StreamHandler,
    signal: AbortSignal,
  ): Promise<void> {
    const { principal, token } = await this.admit(path, call.request, call.metadata);
    const iterator = fn(call.request as never, { principal, signal, method: path, token })[
      Symbol.asyncIterator
    ]();
    const aborted = new Promise<typeof ABORTED>((resolve) => {
      if (signal.aborted) resolve(ABORTED);
      signal.addEventListener('abort', () => resolve(ABORTED), { once: true });
    });

    // Race every step against the abort, so a stream ends on cancel even while the source waits.
    try {
      for (;;) {
        const next = await Promise.race([iterator.next(), aborted]);
        if (next === ABORTED || next.done) return;
        if (!call.write(next.value)) {
          const drained = await Promise.race([once(call, 'drain'), aborted]);
          if (drained === ABORTED) return;
        }
      }
    } finally {
      if (signal.aborted) void iterator.return?.().catch(() => undefined);
    }
  }

  /** Authenticates and authorizes the call; resolves with the caller and their token. */
  private async admit(
    path: string,
    request: unknown,
    metadata: grpc.Metadata,
  ): Promise<{ principal: Principal; token?: string }> {
    const access = METHOD_ACCESS.get(path);
    if (!access) throw new GoferError('INTERNAL', `no access rule for ${path}`);
    // Only bootstrap is public: it is how the first token comes to exist.
    if (access.public) return { principal: ANONYMOUS };

    const token = bearerToken(metadata);
    const principal = await this.auth.authenticate(token);
    let namespace: string | undefined;
    if (access.namespace) {
      const value = access.namespace(request as Record<string, unknown>);
      if (typeof value !== 'string' || value === '') {
        throw invalidArgument(
          `${path} needs a namespace`,
          'set the namespace field (the CLI sends --namespace, default "default")',
        );
      }
      namespace = value;
    }
    await this.auth.authorize(principal, { method: path, scope: access.scope, namespace });
    return { principal, token };
  }

  private fail(path: string, err: unknown) {
    const mapped = mapError(err);
    if (mapped.code === 'INTERNAL') this.logger.error({ err, method: path }, 'api call failed');
    else this.logger.debug({ method: path, code: mapped.code }, 'api call refused');
    return toServiceError(err);
  }
}

/** The caller of a public method: no grants, so it reaches nothing should it be asked. */
const ANONYMOUS: Principal = Object.freeze({
  kind: 'client',
  name: 'anonymous',
  namespaces: Object.freeze([]) as readonly string[],
});

/** The abort reason of streams ended by shutdown, told apart from a client's cancel. */
const SHUTTING_DOWN = new GoferError(
  'UNAVAILABLE',
  'the server is shutting down',
  'retry once it is back up',
);

/** Reads `authorization: Bearer <token>`; undefined when the header is absent. */
function bearerToken(metadata: grpc.Metadata): string | undefined {
  const values = metadata.get('authorization');
  if (values.length === 0) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(String(values[0]));
  if (!match) {
    throw new GoferError(
      'UNAUTHENTICATED',
      'the authorization metadata is not of the form `Bearer <token>`',
      'send `authorization: Bearer <token>` (the CLI does so from --token or GOFER_CLI_TOKEN)',
    );
  }
  return match[1];
}
