/**
 * Serves an extension written with `defineExtension` as a container: a gRPC server for
 * gofer.v1.ExtensionGuestService on 127.0.0.1:$PORT that answers only calls carrying
 * $GOFER_EXTENSION_KEY, calling Gofer back at $GOFER_EXTENSION_HOST_ADDRESS with the same key.
 *
 * The extension's handlers are synchronous, and so are its host calls (`host.startRun`
 * returns the run id). So the handlers run in a worker thread, and a host call there blocks on
 * a shared buffer while the main thread makes the gRPC call and writes the answer back.
 *
 * This module is also what the container build maps `gofer:extension/host@0.1.0` to, so its
 * `log`, `startRun` and `timeZoneOffset` exports are the guest's host bindings.
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import * as grpc from '@grpc/grpc-js';
import {
  carriesKey,
  EXTENSION_ENV,
  keyMetadata,
  loadExtensionProtocol,
  unaryCall,
  unauthenticated,
} from '../../proto/extension-protocol.js';
import type { GuestExports } from './define-extension.js';

const GUEST_ROLE = 'gofer-extension-guest';
const SHARED_BYTES = 1024 * 1024;
const HOST_CALL_TIMEOUT_MS = 30_000;

type Kv = Array<[string, string]>;
type GuestMethod = keyof GuestExports;
type FromGuest =
  | { type: 'result'; id: number; ok: boolean; value?: unknown; error?: string }
  | { type: 'host'; method: string; request: object }
  | { type: 'log'; level: string; message: string };

/** Starts the server (main thread) or the guest loop (worker); call it once, at top level. */
export function serveGrpc(guest: GuestExports): void {
  if (!isMainThread && (workerData as { role?: string } | null)?.role === GUEST_ROLE) {
    runGuest(guest);
    return;
  }
  serveMain().catch((err: unknown) => {
    console.error(`gofer extension: ${(err as Error).message}`);
    process.exit(1);
  });
}

async function serveMain(): Promise<void> {
  const key = requireEnv(EXTENSION_ENV.key);
  const hostAddress = requireEnv(EXTENSION_ENV.hostAddress);
  const port = Number(requireEnv(EXTENSION_ENV.port));
  const { ExtensionGuestService, ExtensionHostService } = loadExtensionProtocol();
  const hostClient = new ExtensionHostService(hostAddress, grpc.credentials.createInsecure());
  const metadata = keyMetadata(key);

  const shared = new SharedArrayBuffer(8 + SHARED_BYTES);
  const worker = new Worker(process.argv[1], { workerData: { role: GUEST_ROLE, shared } });
  worker.on('exit', (code) => process.exit(code === 0 ? 1 : code));
  const pending = new Map<number, (m: FromGuest & { type: 'result' }) => void>();
  let nextId = 0;

  worker.on('message', (m: FromGuest) => {
    if (m.type === 'result') pending.get(m.id)?.(m);
    else if (m.type === 'log') {
      void unaryCall(hostClient, 'Log', m, metadata, 5_000).catch(() => undefined);
    } else {
      unaryCall(hostClient, m.method, m.request, metadata, HOST_CALL_TIMEOUT_MS).then(
        (value) => answer(shared, { ok: true, value }),
        (err: grpc.ServiceError) =>
          answer(shared, { ok: false, error: err.details || err.message }),
      );
    }
  });
  const callGuest = (method: GuestMethod, args: unknown[]) =>
    new Promise<unknown>((resolve, reject) => {
      const id = ++nextId;
      pending.set(id, (m) => {
        pending.delete(id);
        if (m.ok) resolve(m.value);
        else reject(new Error(m.error));
      });
      worker.postMessage({ id, method, args });
    });

  const server = new grpc.Server();
  const handle =
    <Req>(fn: (req: Req) => Promise<object>): grpc.handleUnaryCall<Req, object> =>
    (call, callback) => {
      if (!carriesKey(call.metadata, key)) return callback(unauthenticated());
      fn(call.request).then(
        (res) => callback(null, res),
        (err: Error) => callback({ code: grpc.status.FAILED_PRECONDITION, details: err.message }),
      );
    };
  type Ref = { namespace: string; pipeline: string; label: string };
  server.addService(ExtensionGuestService.service, {
    Init: handle(async (req: { config: Record<string, string> }) => {
      await callGuest('init', [toKv(req.config)]);
      return {};
    }),
    Info: handle(async () => ({ info: infoToWire(await callGuest('info', [])) })),
    Subscribe: handle(async (req: Ref & { settings: Record<string, string> }) => {
      await callGuest('subscribe', [req.namespace, req.pipeline, req.label, toKv(req.settings)]);
      return {};
    }),
    Unsubscribe: handle(async (req: Ref) => {
      await callGuest('unsubscribe', [req.namespace, req.pipeline, req.label]);
      return {};
    }),
    ExternalEvent: handle(async (req: { headers: Record<string, string>; body: Buffer }) => {
      const body = new Uint8Array(req.body);
      return (await callGuest('externalEvent', [toKv(req.headers), body])) as object;
    }),
    Tick: handle(async (req: { now_ms: number }) => ({
      next_in_ms: Number(await callGuest('tick', [BigInt(req.now_ms)])),
    })),
    RunFinished: handle(async (req: Ref & { run: number; status: string }) => {
      const status = req.status.toLowerCase();
      await callGuest('runFinished', [
        req.namespace,
        req.pipeline,
        req.label,
        BigInt(req.run),
        status,
      ]);
      return {};
    }),
    Shutdown: handle(async () => {
      await callGuest('shutdown', []);
      setTimeout(() => process.exit(0), 50).unref();
      return {};
    }),
  });
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (err) =>
      err ? reject(err) : resolve(),
    ),
  );
  process.on('SIGTERM', () => server.tryShutdown(() => process.exit(0)));
}

function runGuest(guest: GuestExports): void {
  parentPort!.on(
    'message',
    ({ id, method, args }: { id: number; method: GuestMethod; args: unknown[] }) => {
      try {
        const value = (guest[method] as (...a: unknown[]) => unknown)(...args);
        parentPort!.postMessage({ type: 'result', id, ok: true, value });
      } catch (err) {
        const error = typeof err === 'string' ? err : ((err as Error)?.message ?? String(err));
        parentPort!.postMessage({ type: 'result', id, ok: false, error });
      }
    },
  );
}

// The shared buffer: [0] a flag the guest waits on, [1] the answer's length, then its JSON.
function answer(shared: SharedArrayBuffer, reply: object): void {
  const flag = new Int32Array(shared, 0, 2);
  const bytes = new TextEncoder().encode(JSON.stringify(reply)).subarray(0, SHARED_BYTES);
  new Uint8Array(shared, 8, SHARED_BYTES).set(bytes);
  Atomics.store(flag, 1, bytes.length);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
}

function hostCall<T>(method: string, request: object): T {
  const { shared } = workerData as { shared: SharedArrayBuffer };
  const flag = new Int32Array(shared, 0, 2);
  Atomics.store(flag, 0, 0);
  parentPort!.postMessage({ type: 'host', method, request } satisfies FromGuest);
  if (Atomics.wait(flag, 0, 0, HOST_CALL_TIMEOUT_MS) === 'timed-out') {
    throw `Gofer did not answer ${method} within ${HOST_CALL_TIMEOUT_MS} ms`;
  }
  const length = Atomics.load(flag, 1);
  const text = new TextDecoder().decode(new Uint8Array(shared, 8, length).slice());
  const reply = JSON.parse(text) as { ok: boolean; value?: T; error?: string };
  // The WIT binding convention: a refused `result` call throws its error string.
  if (!reply.ok) throw reply.error ?? 'refused';
  return reply.value as T;
}

// The guest's host bindings (what `gofer:extension/host@0.1.0` resolves to in a container).

export function log(level: string, message: string): void {
  parentPort?.postMessage({ type: 'log', level, message } satisfies FromGuest);
}

export function startRun(
  namespace: string,
  pipeline: string,
  label: string,
  variables: Kv,
  reason: string,
): bigint {
  const res = hostCall<{ run: number }>('StartRun', {
    namespace,
    pipeline,
    label,
    variables: Object.fromEntries(variables),
    reason,
  });
  return BigInt(res.run);
}

export function timeZoneOffset(zone: string, atMs: bigint): number {
  return hostCall<{ offset_minutes: number }>('TimeZoneOffset', { zone, at_ms: Number(atMs) })
    .offset_minutes;
}

function toKv(map: Record<string, string>): Kv {
  return Object.entries(map);
}

function infoToWire(value: unknown): object {
  const info = value as ReturnType<GuestExports['info']>;
  return {
    name: info.name,
    version: info.version,
    documentation: info.documentation,
    config_params: info.configParams,
    subscription_params: info.subscriptionParams,
  };
}

function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set; Gofer sets it when it starts the extension`);
  return value;
}
