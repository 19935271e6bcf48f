// Builds an extension written in C (sdk/c) or Rust (sdk/rust) into a WebAssembly component:
//
//   node scripts/build-native-extension.mjs <entry.c|entry.rs> <out.wasm> [--wit <file-or-dir>]
//                                           [--world <name>] [--cache-dir <dir>]
//
// C is compiled with clang-19 for wasm32-wasi (Debian's wasi-libc) together with
// sdk/c/gofer_extension.c; Rust with Debian's rustc 1.63 for wasm32-unknown-unknown as one
// crate, linked by scripts/wasm-ld-rlib.sh. The core module then gets the WIT embedded
// (`jco embed`) and becomes a component (`jco new`). Builds are cached under .cache/extensions/
// by the hash of the sources, the SDK, the WIT, the world and the tool versions.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
} from 'node:fs';
import { rmSync, statSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const jco = join(root, 'node_modules', '@bytecodealliance', 'jco', 'dist', 'jco.js');
const RUSTC = '/usr/bin/rustc';
const CLANG = 'clang-19';

const languages = {
  '.c': {
    sdk: join(root, 'sdk', 'c'),
    tools: [[CLANG, '--version']],
    compile: (entry, core) =>
      run(CLANG, [
        '--target=wasm32-wasi',
        '-O2',
        '-mexec-model=reactor',
        '-Wall',
        '-Werror',
        `-I${join(root, 'sdk', 'c')}`,
        '-o',
        core,
        entry,
        join(root, 'sdk', 'c', 'gofer_extension.c'),
      ]),
  },
  '.rs': {
    sdk: join(root, 'sdk', 'rust'),
    tools: [[RUSTC, '--version']],
    compile: (entry, core) =>
      run(RUSTC, [
        '--edition',
        '2021',
        '--target',
        'wasm32-unknown-unknown',
        '--crate-type',
        'cdylib',
        '-C',
        'opt-level=2',
        '-C',
        'panic=abort',
        '-C',
        'strip=debuginfo',
        '-C',
        `linker=${join(root, 'scripts', 'wasm-ld-rlib.sh')}`,
        '-C',
        'linker-flavor=wasm-ld',
        '-o',
        core,
        entry,
      ]),
  },
};

export function buildNativeExtension(entry, out, opts = {}) {
  const source = resolve(entry);
  const language = languages[extname(source)];
  if (!language) {
    throw new Error(`build-native-extension: ${entry} is neither .c nor .rs; name the entry file`);
  }
  const witPath = resolve(opts.wit ?? join(root, 'proto', 'wit', 'gofer-extension.wit'));
  const world = opts.world ?? 'extension';
  const cacheDir = resolve(opts.cacheDir ?? join(root, '.cache', 'extensions'));
  mkdirSync(cacheDir, { recursive: true });

  const key = hash([
    readFileSync(source),
    ...filesUnder(language.sdk).map((f) => readFileSync(f)),
    ...filesUnder(witPath).map((f) => readFileSync(f)),
    readFileSync(fileURLToPath(import.meta.url)),
    world,
    ...language.tools.map(([cmd, ...args]) => run(cmd, args)),
    jcoVersion(),
  ]);
  const cached = join(cacheDir, `${key}.wasm`);
  if (!existsSync(cached)) {
    const core = join(cacheDir, `${key}.${process.pid}.core.wasm`);
    const embedded = join(cacheDir, `${key}.${process.pid}.embed.wasm`);
    try {
      language.compile(source, core);
      // jco embed reads the WIT through preview2-shim, which preopens nothing since 0.26.
      const preopen = pathToFileURL(join(root, 'scripts', 'build-tools-preopen.mjs')).href;
      run(process.execPath, [
        '--import',
        preopen,
        jco,
        'embed',
        core,
        '--wit',
        witPath,
        '-n',
        world,
        '-o',
        embedded,
      ]);
      run(process.execPath, [jco, 'new', embedded, '-o', `${cached}.${process.pid}.partial`]);
      renameSync(`${cached}.${process.pid}.partial`, cached);
    } finally {
      rmSync(core, { force: true });
      rmSync(embedded, { force: true });
    }
  }
  mkdirSync(dirname(resolve(out)), { recursive: true });
  // Copied beside its final name and renamed, so a concurrent reader never sees half a file.
  const partialOut = `${resolve(out)}.${process.pid}.partial`;
  copyFileSync(cached, partialOut);
  renameSync(partialOut, resolve(out));
  return { out: resolve(out), cached };
}

function run(cmd, args) {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
}

function filesUnder(path) {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { recursive: true })
    .map((name) => join(path, String(name)))
    .filter((file) => statSync(file).isFile())
    .sort();
}

function jcoVersion() {
  const manifest = join(root, 'node_modules', '@bytecodealliance', 'jco', 'package.json');
  return JSON.parse(readFileSync(manifest, 'utf8')).version;
}

function hash(parts) {
  const h = createHash('sha256');
  for (const part of parts) h.update(part).update('\0');
  return h.digest('hex').slice(0, 32);
}

function parseArgs(argv) {
  const [entry, out, ...rest] = argv;
  const opts = {};
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === '--wit') opts.wit = rest[++i];
    else if (rest[i] === '--world') opts.world = rest[++i];
    else if (rest[i] === '--cache-dir') opts.cacheDir = rest[++i];
    else
      throw new Error(
        `build-native-extension: unknown option ${rest[i]}; see the usage at the top of the script`,
      );
  }
  if (!entry || !out) {
    throw new Error('usage: node scripts/build-native-extension.mjs <entry.c|.rs> <out.wasm>');
  }
  return { entry, out, opts };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { entry, out, opts } = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const { cached } = buildNativeExtension(entry, out, opts);
  console.error(`build-native-extension: ${out} (${Date.now() - started} ms, cache ${cached})`);
}
