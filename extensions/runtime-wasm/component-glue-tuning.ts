/**
 * Two costs of jco's glue on Node 20, each larger than instantiating the component itself, and
 * the remedies that remove them. Threads that instantiate components (task workers and extension
 * workers) call `stubMissingJspi` before they load any glue; the thread that creates them calls
 * `skipOptimizingGlueInit` before it creates the first one.
 *
 * - The glue wraps a few core exports as `try { f = WebAssembly.promising(g) } catch { f = g }`.
 *   Node 20 has no JSPI, so each call throws a TypeError, and V8 builds that error's message by
 *   parsing the whole glue module again to describe the call site: about 3 ms per instantiation.
 *   Where `promising` is missing, a function that throws one prepared error takes its place, so
 *   the glue takes the same fallback for nothing.
 * - The glue's `_initGenerator` holds every binding of the component in one function of several
 *   thousand lines that runs once per instance. V8 still optimizes it once it has run a few
 *   times, which takes over a second of CPU in each worker thread for no gain. The optimizing
 *   compiler is told to leave functions of that name alone. V8 flags belong to the whole
 *   process and are not safe to change from several threads at once, so the flag is set once,
 *   from the main thread, before any worker exists; no other code here has that name.
 */
import v8 from 'node:v8';
import { isMainThread } from 'node:worker_threads';

const NO_JSPI = new TypeError('WebAssembly.promising is not supported by this runtime');
let optimizerTold = false;

/** Once per process, from the main thread, before the first component worker is created. */
export function skipOptimizingGlueInit(): void {
  if (optimizerTold || !isMainThread) return;
  optimizerTold = true;
  v8.setFlagsFromString('--turbo-filter=-_initGenerator');
}

/** In each thread that loads component glue, before it loads any. */
export function stubMissingJspi(): void {
  const wasm = (globalThis as unknown as { WebAssembly: Record<string, unknown> }).WebAssembly;
  if (typeof wasm.promising === 'function') return;
  Object.defineProperty(wasm, 'promising', {
    configurable: true,
    writable: true,
    value: function promising(): never {
      throw NO_JSPI;
    },
  });
}
