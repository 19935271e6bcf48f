/**
 * Transpiles one component in a worker thread: jco's transpiler is itself WebAssembly and runs
 * for a second or more on a large component, which on the kernel's own thread would stall every
 * API call meanwhile.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { transpileBytes } from '@bytecodealliance/jco-transpile';

const { bytes } = workerData as { bytes: Uint8Array };
try {
  const result = await transpileBytes(bytes, { instantiation: 'async', name: 'component' });
  parentPort!.postMessage({ ok: true, files: result.files, imports: result.imports });
} catch (err) {
  parentPort!.postMessage({ ok: false, message: (err as Error).message });
}
