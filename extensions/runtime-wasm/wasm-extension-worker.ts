/**
 * The body of one extension's worker thread: its own compiled modules, its own memory, its own
 * import object. It instantiates the transpiled component, says `ready`, and then serves calls
 * from the call channel synchronously, forever; the kernel ends it with `terminate()`.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import v8 from 'node:v8';
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import {
  CallChannel,
  State,
  type CallFrame,
  type HostCallFrame,
  type HostReplyFrame,
  type ReadyMessage,
} from './call-channel.js';
import { isImportAllowed } from './import-policy.js';
import { stubMissingJspi } from './component-glue-tuning.js';
import { capMemory } from './memory-cap.js';
import { GuestAdapter, type Guest } from './guest-adapter.js';

export interface WorkerData {
  name: string;
  componentDir: string;
  jsFile: string;
  memoryLimitBytes: number;
  grants: readonly string[];
  buffer: SharedArrayBuffer;
  port: MessagePort;
}

// QuickJS-built components use extended-const, which Node 20 accepts only behind this flag.
v8.setFlagsFromString('--experimental-wasm-extended-const');

// The compiler's ES lib has no WebAssembly namespace; this is the one function used here.
type CoreModule = object;
const { compile } = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
interface WasmApi {
  compile(bytes: Uint8Array): Promise<CoreModule>;
}

const data = workerData as WorkerData;
const channel = new CallChannel(data.buffer, data.port);
let inCall = false;

// A guest import is synchronous; this thread waits while the kernel thread does the (possibly
// asynchronous) work. Outside a call nobody listens on the channel, so only logs get through.
function hostCall(fn: HostCallFrame['fn'], args: unknown[]): unknown {
  if (!inCall) {
    if (fn === 'log') parentPort?.postMessage({ type: 'log', args });
    else throw `${fn} is only available while the host is calling the extension`;
    return undefined;
  }
  channel.send(State.HOST_CALL, { fn, args } satisfies HostCallFrame);
  channel.waitFor(State.HOST_REPLY);
  const reply = channel.receive() as HostReplyFrame;
  if ('err' in reply) throw reply.err;
  return reply.ok;
}

const hostImports = {
  log: (level: string, message: string) => void hostCall('log', [level, message]),
  startRun: (
    namespace: string,
    pipeline: string,
    label: string,
    variables: Array<[string, string]>,
    reason: string,
  ) => BigInt(hostCall('startRun', [namespace, pipeline, label, variables, reason]) as number),
  timeZoneOffset: (zone: string, atMs: bigint) =>
    hostCall('timeZoneOffset', [zone, Number(atMs)]) as number,
};

async function importObject(): Promise<Record<string, unknown>> {
  const imports: Record<string, unknown> = {
    'gofer:extension/host': hostImports,
    'gofer:extension/types': {},
  };
  if (data.grants.length === 0) return imports;

  // Granted WASI is a sandboxed shim per instance: empty environment, no arguments, no
  // preopened directories, no network. Interfaces the grants do not cover are left out.
  const { WASIShim } = await import('@bytecodealliance/preview2-shim/instantiation');
  const shim = new WASIShim({ sandbox: { preopens: {}, env: {}, args: [], enableNetwork: false } });
  for (const [name, impl] of Object.entries(shim.getImportObject())) {
    if (isImportAllowed(name, data.grants)) imports[name] = impl;
  }
  return imports;
}

async function instantiateGuest(): Promise<Guest> {
  stubMissingJspi();
  const glue = (await import(pathToFileURL(join(data.componentDir, data.jsFile)).href)) as {
    instantiate: (
      getCoreModule: (file: string) => Promise<CoreModule>,
      imports: Record<string, unknown>,
    ) => Promise<Record<string, unknown>>;
  };
  const getCoreModule = async (file: string) =>
    compile(capMemory(await readFile(join(data.componentDir, file)), data.memoryLimitBytes));
  const exports = await glue.instantiate(getCoreModule, await importObject());
  const guest = (exports.guest ?? exports['gofer:extension/guest@0.1.0']) as Guest | undefined;
  if (!guest) throw new Error('the component does not export gofer:extension/guest');
  return guest;
}

function serve(adapter: GuestAdapter): never {
  for (;;) {
    channel.waitFor(State.CALL);
    const { op, args } = channel.receive() as CallFrame;
    inCall = true;
    const frame = adapter.run(op, args);
    inCall = false;
    channel.send(State.RESULT, frame);
  }
}

try {
  const adapter = new GuestAdapter(await instantiateGuest());
  parentPort?.postMessage({ type: 'ready' } satisfies ReadyMessage);
  serve(adapter);
} catch (err) {
  const message = err instanceof Error ? err.message : String(err);
  parentPort?.postMessage({ type: 'failed', message } satisfies ReadyMessage);
}
