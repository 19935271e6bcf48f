/**
 * Task components ready to run: transpiled once per content hash by the wasm runtime's
 * `ComponentCache` (on disk, so a restart costs one hash), checked against what the virtual WASI
 * provides, and compiled once per memory cap. A task's worker receives the compiled modules, so
 * starting a task costs an instantiation, not a compilation.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ComponentCache,
  type TranspiledComponent,
} from '../../extensions/runtime-wasm/component-cache.js';
import { capMemory } from '../../extensions/runtime-wasm/memory-cap.js';
import { schedulerFailure } from './scheduler-failure.js';
import { PROVIDED_INTERFACES } from './virtual-wasi.js';

export interface LoadedTask {
  glueFile: string;
  /** Compiled core modules by the file name the glue asks for. */
  modules: Record<string, object>;
}

// The compiler's ES lib has no WebAssembly namespace; this is the one function used here.
const { compile } = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
interface WasmApi {
  compile(bytes: Uint8Array): Promise<object>;
}

export class TaskComponentCache {
  private readonly components: ComponentCache;
  private readonly compiled = new Map<string, Promise<LoadedTask>>();
  /** Transpiled components by path, size and mtime, so an unchanged file is not re-hashed. */
  private readonly byFile = new Map<string, Promise<TranspiledComponent>>();

  constructor(cacheDir: string) {
    this.components = new ComponentCache(cacheDir);
  }

  /** Loads the component at `path` with its memories capped at `memoryLimitBytes`. */
  async load(taskId: string, path: string, memoryLimitBytes: number): Promise<LoadedTask> {
    let component: TranspiledComponent;
    try {
      component = await this.transpiled(path);
    } catch (err) {
      const code =
        (err as { code?: string }).code === 'NOT_FOUND' ? 'IMAGE_NOT_FOUND' : 'START_FAILED';
      throw schedulerFailure(code, `task ${taskId}: ${(err as Error).message}`);
    }
    const refused = component.imports.filter(
      (name) => !PROVIDED_INTERFACES.some((prefix) => name.startsWith(prefix)),
    );
    if (refused.length > 0) {
      throw schedulerFailure(
        'UNSUPPORTED_TASK',
        `task ${taskId}: component ${path} imports ${refused.join(', ')}, which the wasi ` +
          `scheduler does not provide (no network, no host interfaces); rebuild it without them`,
      );
    }

    const key = `${component.sha256}:${memoryLimitBytes}`;
    let pending = this.compiled.get(key);
    if (!pending) {
      pending = compileAll(component.dir, component.jsFile, memoryLimitBytes);
      this.compiled.set(key, pending);
      pending.catch(() => this.compiled.delete(key));
    }
    try {
      return await pending;
    } catch (err) {
      throw schedulerFailure('START_FAILED', `task ${taskId}: ${path}: ${(err as Error).message}`);
    }
  }

  private async transpiled(path: string): Promise<TranspiledComponent> {
    // A missing file fails here, and ComponentCache words it the same way as any other.
    const info = await stat(path).catch(() => undefined);
    if (!info) return this.components.load(path);
    const key = `${path}:${info.size}:${info.mtimeMs}`;
    let pending = this.byFile.get(key);
    if (!pending) {
      pending = this.components.load(path);
      this.byFile.set(key, pending);
      pending.catch(() => this.byFile.delete(key));
    }
    return pending;
  }
}

async function compileAll(dir: string, jsFile: string, limit: number): Promise<LoadedTask> {
  const modules: Record<string, object> = {};
  for (const file of await readdir(dir)) {
    if (!file.endsWith('.wasm')) continue;
    modules[file] = await compile(capMemory(await readFile(join(dir, file)), limit));
  }
  return { glueFile: join(dir, jsFile), modules };
}
