/**
 * The example WASI task components (examples/wasi-tasks/), built by the real build script and
 * cached by content hash under .cache/wasi-tasks/, so only the first test run pays for clang and
 * componentize.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './wasm-test-kit.js';

function build(which: 'c' | 'js'): string {
  const out = execFileSync(
    process.execPath,
    [join(REPO_ROOT, 'scripts', 'build-wasi-task.mjs'), which],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 600_000 },
  );
  return out.trim().split('\n').at(-1)!;
}

/** C, through the preview1 adapter: its exit code is only success (0) or failure (1). */
export const cTaskComponent = () => build('c');
/** JavaScript (componentize-js) calling `wasi:cli/exit`'s exit-with-code: exact exit codes. */
export const jsTaskComponent = () => build('js');
