import { Worker } from 'node:worker_threads';
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { WasmExtensionError } from './wasm-extension-error.js';

/** A component transpiled to JS glue plus core modules, in a folder of its own. */
export interface TranspiledComponent {
  sha256: string;
  dir: string;
  /** The ES module exporting `instantiate(getCoreModule, imports)`. */
  jsFile: string;
  /** Interfaces the component imports, unversioned where jco reports them so. */
  imports: string[];
}

const MANIFEST = 'component.manifest.json';

/**
 * Transpiles components with jco (instantiation 'async', so each instance gets the import object
 * the runtime builds) and keeps the result on disk under the sha256 of the component's bytes: a
 * second launch of the same bytes, in this process or the next, costs one hash.
 */
export class ComponentCache {
  private readonly loaded = new Map<string, Promise<TranspiledComponent>>();

  constructor(private readonly cacheDir: string) {}

  async load(source: string): Promise<TranspiledComponent> {
    const bytes = await readSource(source);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    let pending = this.loaded.get(sha256);
    if (!pending) {
      pending = this.fromDiskOrTranspile(source, bytes, sha256);
      this.loaded.set(sha256, pending);
      pending.catch(() => this.loaded.delete(sha256));
    }
    return pending;
  }

  private async fromDiskOrTranspile(
    source: string,
    bytes: Uint8Array,
    sha256: string,
  ): Promise<TranspiledComponent> {
    const dir = join(this.cacheDir, sha256);
    try {
      const manifest = JSON.parse(await readFile(join(dir, MANIFEST), 'utf8')) as {
        imports: string[];
        jsFile: string;
      };
      return { sha256, dir, jsFile: manifest.jsFile, imports: manifest.imports };
    } catch {
      // Not cached yet (or a partial entry from a crash): transpile below.
    }

    const result = await transpileInWorker(bytes);
    if (!result.ok) {
      throw new WasmExtensionError(
        'INVALID_ARGUMENT',
        `${source} is not a WebAssembly component jco can load: ${result.message}`,
        'build the extension with scripts/build-extension.mjs',
      );
    }
    await this.write(dir, result.files, result.imports);
    return { sha256, dir, jsFile: 'component.js', imports: result.imports };
  }

  // Written into a scratch folder and renamed, so a reader never sees half an entry.
  private async write(dir: string, files: Record<string, Uint8Array>, imports: string[]) {
    const scratch = `${dir}.${process.pid}.${Date.now()}.partial`;
    for (const [name, content] of Object.entries(files)) {
      if (name.endsWith('.d.ts')) continue;
      await mkdir(dirname(join(scratch, name)), { recursive: true });
      await writeFile(join(scratch, name), content);
    }
    // The glue is ESM; the folder must say so whatever package it sits in.
    await writeFile(join(scratch, 'package.json'), '{ "type": "module" }\n');
    await writeFile(join(scratch, MANIFEST), JSON.stringify({ jsFile: 'component.js', imports }));
    try {
      await rename(scratch, dir);
    } catch {
      await rm(scratch, { recursive: true, force: true }); // another process got there first
    }
  }
}

async function readSource(source: string): Promise<Uint8Array> {
  try {
    return await readFile(source);
  } catch (err) {
    throw new WasmExtensionError(
      'NOT_FOUND',
      `cannot read component ${source}: ${(err as Error).message}`,
      'give the absolute path of a .wasm component file on the machine the service runs on',
    );
  }
}

type TranspileResult =
  | { ok: true; files: Record<string, Uint8Array>; imports: string[] }
  | { ok: false; message: string };

function transpileInWorker(bytes: Uint8Array): Promise<TranspileResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./transpile-worker.js', import.meta.url), {
      workerData: { bytes },
    });
    worker.once('message', (result: TranspileResult) => {
      resolve(result);
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`the transpile worker exited with code ${code}`));
    });
  });
}
