// `npm run bench`: builds Gofer so the figures are of the code as it is now, makes sure a Docker
// engine answers, then runs the compiled benchmark runner (dist/bench/run-benchmarks.js) with the
// arguments given after `--`. `--no-build` skips the build.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const runner = join(root, 'dist', 'bench', 'run-benchmarks.js');
const args = process.argv.slice(2);
const build = !args.includes('--no-build');

function step(command, argv, what) {
  const result = spawnSync(command, argv, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0) {
    console.error(`bench: ${what} failed (exit ${result.status ?? result.signal})`);
    process.exit(1);
  }
}

// The build's and the engine script's output goes to stderr, so stdout ends with the JSON line.
if (build) {
  const result = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs')], {
    cwd: root,
    stdio: ['ignore', 2, 'inherit'],
  });
  if (result.status !== 0) {
    console.error(
      'bench: `npm run build` failed; fix the build, or pass --no-build to measure dist/ as it is',
    );
    process.exit(1);
  }
}
if (!existsSync(runner)) {
  console.error('bench: dist/bench/run-benchmarks.js is missing; run `npm run build` first');
  process.exit(1);
}
step('bash', [join(root, 'scripts', 'docker-engine.sh')], 'starting the Docker engine');

const result = spawnSync(process.execPath, [runner, ...args.filter((a) => a !== '--no-build')], {
  cwd: root,
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
