/**
 * The example plugin package as a third party would ship it: `npm pack` of
 * examples/plugins/subprocess-scheduler, made once per test process into a temp folder.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const EXAMPLE_PLUGIN_DIR = fileURLToPath(
  new URL('../../../examples/plugins/subprocess-scheduler', import.meta.url),
);
export const EXAMPLE_PLUGIN_ID = 'example.scheduler.subprocess';

let packed: string | undefined;

/** The path of the example's tarball. */
export function packExamplePlugin(): string {
  if (packed) return packed;
  const out = mkdtempSync(join(tmpdir(), 'gofer-example-pack-'));
  const stdout = execFileSync(
    'npm',
    ['pack', '--ignore-scripts', '--offline', '--pack-destination', out, EXAMPLE_PLUGIN_DIR],
    { encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  packed = join(out, stdout.trim().split('\n').at(-1)!);
  return packed;
}
