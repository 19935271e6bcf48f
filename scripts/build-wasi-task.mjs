// Builds the example WASI task components in examples/wasi-tasks/ and prints their paths:
//
//   node scripts/build-wasi-task.mjs [c|js ...]
//
// C: clang-19 with wasi-libc (apt: clang-19 lld-19 wasi-libc libclang-rt-19-dev-wasm32) gives a
// preview1 module, and `jco new --wasi-command` wraps it with the preview1 adapter into a
// command component. JS: componentize-js 0.23 builds task.js for the world in task.wit, whose
// WASI dependencies come from the copy jco ships. Results are cached under .cache/wasi-tasks/ by
// the hash of everything that goes in, so only the first build pays.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const examples = join(root, 'examples', 'wasi-tasks');
const cacheDir = join(root, '.cache', 'wasi-tasks');
const jcoWit = join(root, 'node_modules', '@bytecodealliance', 'jco', 'lib', 'wit', 'builtin');

/** Returns the path of the C example task component, building it when its inputs changed. */
export function buildCTask() {
  const source = join(examples, 'task.c');
  return cached('c', [readFileSync(source), clangVersion()], (out) => {
    const core = `${out}.core.wasm`;
    execFileSync('clang-19', ['--target=wasm32-wasi', '-O2', '-fuse-ld=lld', '-o', core, source], {
      stdio: 'inherit',
    });
    execFileSync(
      process.execPath,
      [
        join(root, 'node_modules', '@bytecodealliance', 'jco', 'dist', 'jco.js'),
        'new',
        core,
        '--wasi-command',
        '-o',
        out,
      ],
      { stdio: 'inherit' },
    );
    rmSync(core, { force: true });
  });
}

/** Returns the path of the JS example task component, building it when its inputs changed. */
export function buildJsTask() {
  const source = join(examples, 'task.js');
  const wit = join(examples, 'task.wit');
  const inputs = [readFileSync(source), readFileSync(wit), engineVersion()];
  return cached('js', inputs, (out) => {
    const witDir = `${out}.wit`;
    rmSync(witDir, { recursive: true, force: true });
    mkdirSync(join(witDir, 'deps'), { recursive: true });
    cpSync(wit, join(witDir, 'world.wit'));
    for (const pkg of ['cli', 'clocks', 'filesystem', 'io', 'random', 'sockets']) {
      cpSync(join(jcoWit, '0.2.12', `wasi-${pkg}`), join(witDir, 'deps', `wasi-${pkg}`), {
        recursive: true,
      });
    }
    const job = `${out}.job.json`;
    writeFileSync(
      job,
      JSON.stringify({
        sourcePath: source,
        witPath: witDir,
        worldName: 'task',
        disableFeatures: ['http', 'fetch-event'],
        outPath: out,
      }),
    );
    execFileSync(
      process.execPath,
      [
        '--import',
        pathToFileURL(join(root, 'scripts', 'build-tools-preopen.mjs')).href,
        join(root, 'scripts', 'componentize-extension.mjs'),
        job,
      ],
      { stdio: 'inherit', timeout: 600_000 },
    );
    rmSync(witDir, { recursive: true, force: true });
    rmSync(job, { force: true });
  });
}

function cached(name, inputs, build) {
  const h = createHash('sha256');
  for (const part of inputs) h.update(part).update('\0');
  const out = join(cacheDir, `${name}-${h.digest('hex').slice(0, 16)}.wasm`);
  if (existsSync(out)) return out;
  mkdirSync(cacheDir, { recursive: true });
  // Built beside its final name and renamed, so a reader never sees half a component.
  const partial = `${out}.${process.pid}.partial`;
  build(partial);
  renameSync(partial, out);
  return out;
}

function clangVersion() {
  try {
    return execFileSync('clang-19', ['--version'], { encoding: 'utf8' });
  } catch {
    throw new Error(
      'clang-19 is missing; install it with: apt-get install clang-19 lld-19 wasi-libc libclang-rt-19-dev-wasm32',
    );
  }
}

function engineVersion() {
  const manifest = join(
    root,
    'node_modules',
    '@bytecodealliance',
    'componentize-js',
    'package.json',
  );
  return JSON.parse(readFileSync(manifest, 'utf8')).version;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const which = process.argv.slice(2);
  const builders = { c: buildCTask, js: buildJsTask };
  for (const name of which.length > 0 ? which : ['c', 'js']) {
    if (!builders[name]) throw new Error(`build-wasi-task: unknown task ${name}; use c or js`);
    console.log(builders[name]());
  }
}
