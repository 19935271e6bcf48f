/**
 * The body of a task worker thread. For each task it is sent, one at a time, it instantiates the
 * transpiled command component afresh against a virtual WASI of the task's own, calls
 * `wasi:cli/run`, streams every write to the kernel thread as it happens and reports the exit
 * code last. The kernel thread terminates the worker to stop a task.
 */
import { pathToFileURL } from 'node:url';
import { parentPort } from 'node:worker_threads';
import { stubMissingJspi } from '../../extensions/runtime-wasm/component-glue-tuning.js';
import { WasiExit, createVirtualWasi, type OutputStreamName } from './virtual-wasi.js';

export interface TaskRunRequest {
  glueFile: string;
  /**
   * Core modules by file name, compiled (and memory-capped) once by the kernel thread. Sent only
   * when they differ from the ones this worker ran last, which it keeps; absent means those.
   */
  modules?: Record<string, object>;
  args: string[];
  env: Record<string, string>;
}

export type TaskWorkerMessage =
  | { type: 'output'; stream: OutputStreamName; bytes: Uint8Array }
  | { type: 'exit'; code: number; error?: string };

interface Glue {
  instantiate(
    getCoreModule: (file: string) => object,
    imports: Record<string, unknown>,
  ): Promise<Record<string, unknown>>;
}

type Run = { run(): void };

const post = (message: TaskWorkerMessage) => parentPort?.postMessage(message);

function runExport(exports: Record<string, unknown>): Run {
  const entry = Object.entries(exports).find(([name]) => /^(run|wasi:cli\/run(@.*)?)$/.test(name));
  const run = entry?.[1] as Run | undefined;
  if (typeof run?.run !== 'function') {
    throw new Error('the component does not export wasi:cli/run; build it as a WASI command');
  }
  return run;
}

/** The modules of the task this worker ran last; the kernel thread knows which they are. */
let lastModules: Record<string, object> = {};

async function runTask(data: TaskRunRequest): Promise<TaskWorkerMessage> {
  if (data.modules) lastModules = data.modules;
  const modules = lastModules;
  const imports = createVirtualWasi({
    args: data.args,
    env: data.env,
    output: (stream, bytes) => post({ type: 'output', stream, bytes }),
  });
  try {
    const glue = (await import(pathToFileURL(data.glueFile).href)) as Glue;
    const exports = await glue.instantiate((file) => modules[file], imports);
    runExport(exports).run();
    return { type: 'exit', code: 0 };
  } catch (err) {
    if (err instanceof WasiExit) return { type: 'exit', code: err.code };
    // A trap, a missing export or a failed instantiation: the task failed, and says why.
    return { type: 'exit', code: 1, error: describeFailure(err) };
  }
}

stubMissingJspi();

// Tasks arrive only between runs: `run` below is synchronous, so the next message waits for it.
parentPort?.on('message', (request: TaskRunRequest) => {
  void runTask(request).then(post);
});

/** The glue throws `undefined` for some traps, growing memory past the cap among them. */
function describeFailure(err: unknown): string {
  if (err instanceof Error && err.message) return err.message;
  if (err !== undefined && err !== null && !(err instanceof Error)) return String(err);
  return (
    'the component trapped without saying why; growing its memory past the cap is one way ' +
    'this happens (raise resources.memory_bytes or scheduler.wasi.memory_limit_mb)'
  );
}
