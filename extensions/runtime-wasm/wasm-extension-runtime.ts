import type {
  ExtensionInstance,
  ExtensionLaunchSpec,
  ExtensionRuntime,
} from '../../kernel/contracts/extension.js';
import type { ComponentCache } from './component-cache.js';
import { importProblems } from './import-policy.js';
import { WasmExtensionError } from './wasm-extension-error.js';

export interface WasmExtensionRuntimeOptions {
  /** Where transpiled components are kept, by the sha256 of their bytes. */
  cacheDir: string;
  /** How long a worker may take to instantiate its component (default 30 s). */
  startTimeoutMs?: number;
}

/**
 * Runs extensions built as WebAssembly components (world `gofer:extension/extension` in
 * proto/wit/gofer-extension.wit), each instance in its own worker thread with its own memory.
 *
 * Nothing heavy is loaded until it is needed: jco's transpiler on the first check or launch,
 * worker code on the first launch, so a kernel with no wasm extensions pays nothing.
 */
export class WasmExtensionRuntime implements ExtensionRuntime {
  readonly kind = 'wasm' as const;
  private cache?: Promise<ComponentCache>;

  constructor(private readonly options: WasmExtensionRuntimeOptions) {}

  async check(source: string, grants: readonly string[]): Promise<string[]> {
    const component = await (await this.components()).load(source);
    return importProblems(component.imports, grants);
  }

  async launch(spec: ExtensionLaunchSpec): Promise<ExtensionInstance> {
    const component = await (await this.components()).load(spec.source);
    const problems = importProblems(component.imports, spec.grants);
    if (problems.length > 0) {
      throw new WasmExtensionError(
        'PERMISSION_DENIED',
        `extension ${spec.name} (${spec.source}) cannot run: ${problems.join('; ')}`,
        `reinstall it with the grants it needs, or rebuild it without those imports`,
      );
    }

    const { WasmExtensionInstance } = await import('./wasm-extension-instance.js');
    return WasmExtensionInstance.start(spec, component, this.options.startTimeoutMs ?? 30_000);
  }

  private components(): Promise<ComponentCache> {
    this.cache ??= import('./component-cache.js').then(
      ({ ComponentCache }) => new ComponentCache(this.options.cacheDir),
    );
    return this.cache;
  }
}
