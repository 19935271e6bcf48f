import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../contracts/logger.js';
import type { StateStore } from '../contracts/state-store.js';

/**
 * The extensions Gofer ships, as the wasm components `npm run build` makes beside their
 * sources. github needs a webhook secret before it can start, so it is recorded disabled:
 * installing it under its own name with `-c webhook_secret=...` is the operator's step.
 */
export const PROVIDED_EXTENSIONS = [
  { name: 'interval', file: join('interval', 'interval.wasm'), enabled: true },
  { name: 'cron', file: join('cron', 'cron.wasm'), enabled: true },
  { name: 'github', file: join('github', 'github.wasm'), enabled: false },
] as const;

/** extensions/ of the source tree, whether this module runs from dist/ or from source. */
export function providedExtensionsDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const kernelDir = dirname(here);
  const top = dirname(kernelDir);
  return join(basename(top) === 'dist' ? dirname(top) : top, 'extensions');
}

/**
 * Records every provided extension the store lacks, so that the manager starts it with the
 * others. One already there (under that name) is left exactly as the operator has it, which
 * makes this idempotent across restarts and concurrent starts. A component that was never
 * built is skipped with a warning that says how to build it.
 */
export async function installProvidedExtensions(
  store: StateStore,
  logger: Logger,
  dir = providedExtensionsDir(),
): Promise<string[]> {
  const installed: string[] = [];
  const present = new Set((await store.listExtensions()).map((e) => e.name));
  for (const provided of PROVIDED_EXTENSIONS) {
    if (present.has(provided.name)) continue;
    const source = join(dir, provided.file);
    if (!existsSync(source)) {
      logger.warn(
        { extension: provided.name, source },
        'provided extension not built; run `npm run build`, or set extensions.install_provided = false',
      );
      continue;
    }
    try {
      await store.createExtension({
        name: provided.name,
        source,
        runtime: 'wasm',
        enabled: provided.enabled,
        config: {},
        grants: [],
        info: null,
      });
      installed.push(provided.name);
    } catch (err) {
      // Another kernel on the same store got there first: that is the outcome wanted.
      if ((err as { code?: string }).code !== 'ALREADY_EXISTS') throw err;
    }
  }
  if (installed.length > 0) logger.info({ extensions: installed }, 'provided extensions installed');
  return installed;
}
