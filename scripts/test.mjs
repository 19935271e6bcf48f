// The whole suite, as CI and `npm test` run it: build, type check, lint, check that generated
// proto code is current, make sure a Docker engine and the test images exist, then run every
// test file under dist/test with Node's test runner.
//
// Tests that need Docker fail when no engine can be had. Only outside CI, and only when the
// engine cannot be installed or started, do they skip, saying so loudly.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const only = args.filter((a) => !a.startsWith('--'));

function step(name, command, commandArgs, opts = {}) {
  process.stderr.write(`\n== ${name}\n`);
  const result = spawnSync(command, commandArgs, { cwd: root, stdio: 'inherit', ...opts });
  if (result.status !== 0) {
    process.stderr.write(`\nnpm test: ${name} failed\n`);
    process.exit(result.status ?? 1);
  }
}

const npx = (bin) => join(root, 'node_modules', '.bin', bin);

if (!args.includes('--no-checks')) {
  step('build', process.execPath, [join(root, 'scripts', 'build.mjs')]);
  step('type check (tsc --noEmit)', process.execPath, [
    join(root, 'node_modules', 'typescript-native', 'bin', 'tsc'),
    '--noEmit',
    '-p',
    'tsconfig.json',
  ]);
  step('eslint', npx('eslint'), ['.']);
  step('prettier', npx('prettier'), ['--check', '.']);
  if (existsSync(join(root, '.git'))) {
    step('generated proto code is current', process.execPath, [
      join(root, 'scripts', 'gen-proto.mjs'),
    ]);
    step('generated proto code is current (diff)', 'git', [
      'diff',
      '--exit-code',
      '--stat',
      '--',
      'proto/generated',
    ]);
  }
}

process.stderr.write('\n== docker engine\n');
const engine = spawnSync('bash', [join(root, 'scripts', 'docker-engine.sh')], { stdio: 'inherit' });
const env = { ...process.env };
if (engine.status !== 0) {
  if (process.env.CI) {
    process.stderr.write('npm test: no Docker engine in CI; the Docker tests cannot run\n');
    process.exit(1);
  }
  process.stderr.write('\n*** No Docker engine: tests that need one will be SKIPPED. ***\n\n');
  env.GOFER_TEST_NO_DOCKER = '1';
} else {
  step('test images', process.execPath, [join(root, 'scripts', 'test-images.mjs')]);
}

function testFiles(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return testFiles(path);
    return name.endsWith('.test.js') ? [path] : [];
  });
}

const files = testFiles(join(root, 'dist', 'test'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();
if (files.length === 0) {
  process.stderr.write('npm test: no test files found under dist/test\n');
  process.exit(1);
}
process.stderr.write(`\n== ${files.length} test files\n`);
const result = spawnSync(
  process.execPath,
  ['--test', '--test-concurrency=2', '--test-timeout=600000', ...files],
  {
    cwd: root,
    stdio: 'inherit',
    env,
  },
);
process.exit(result.status ?? 1);
