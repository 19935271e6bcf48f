import type { ExtensionRuntime } from '../contracts/extension.js';
import type { ExtensionRuntimeKind } from '../contracts/model.js';
import { failedPrecondition } from '../errors.js';

/** Where the wasm runtime lives, relative to this module, in the source tree and in dist/. */
const WASM_RUNTIME_MODULE = '../../extensions/runtime-wasm/wasm-extension-runtime.js';

export function runtimeKindFor(source: string): ExtensionRuntimeKind {
  return source.toLowerCase().endsWith('.wasm') ? 'wasm' : 'container';
}

/**
 * The runtimes extensions run on, chosen by source. The container runtime is handed in; the
 * wasm runtime is imported on first use, so a kernel without wasm extensions never loads it,
 * and a build without it refuses wasm installs with a clear message.
 */
export class ExtensionRuntimes {
  private wasm?: Promise<ExtensionRuntime>;

  constructor(
    private readonly container: ExtensionRuntime,
    private readonly wasmCacheDir: string,
  ) {}

  get(kind: ExtensionRuntimeKind): Promise<ExtensionRuntime> {
    if (kind === 'container') return Promise.resolve(this.container);
    this.wasm ??= this.loadWasm();
    return this.wasm;
  }

  private async loadWasm(): Promise<ExtensionRuntime> {
    // A variable specifier keeps the compiler from requiring the module to exist.
    const specifier: string = new URL(WASM_RUNTIME_MODULE, import.meta.url).href;
    let mod: {
      WasmExtensionRuntime: new (o: { cacheDir: string }) => ExtensionRuntime;
    };
    try {
      mod = (await import(specifier)) as typeof mod;
    } catch (err) {
      this.wasm = undefined;
      throw failedPrecondition(
        `this build of Gofer has no wasm extension runtime (${(err as Error).message})`,
        'install the extension as a container image instead, or use a build that includes extensions/runtime-wasm',
      );
    }
    return new mod.WasmExtensionRuntime({ cacheDir: this.wasmCacheDir });
  }
}
