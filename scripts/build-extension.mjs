// Builds an extension written with sdk/extension into a WebAssembly component:
//
//   node scripts/build-extension.mjs <entry.ts> <out.wasm> [--wit <file-or-dir>] [--world <name>]
//                                    [--wasi]
//
// The entry's default export is the `defineExtension(...)` value. It is bundled with esbuild into
// one ES module, then componentize-js 0.23 (StarlingMonkey) turns that into a component. Without
// `--wasi` every WASI feature of the engine is disabled, so the component imports only the
// gofer host. Builds are cached under .cache/extensions/ by the hash of everything that goes in,
// so an unchanged extension costs one bundle, not a 15-second componentize.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const ALL_FEATURES = ['stdio', 'random', 'clocks', 'http', 'fetch-event'];

export async function buildExtension(entry, out, opts = {}) {
  const witPath = resolve(opts.wit ?? join(root, 'proto', 'wit', 'gofer-extension.wit'));
  const worldName = opts.world ?? 'extension';
  const disableFeatures = opts.wasi ? [] : ALL_FEATURES;
  const cacheDir = resolve(opts.cacheDir ?? join(root, '.cache', 'extensions'));
  mkdirSync(cacheDir, { recursive: true });

  const source = await bundle(resolve(entry));
  const key = hash([
    source,
    witText(witPath),
    worldName,
    disableFeatures.join(','),
    engineVersion(),
  ]);
  const cached = join(cacheDir, `${key}.wasm`);
  if (!existsSync(cached)) {
    const sourcePath = join(cacheDir, `${key}.${process.pid}.js`);
    const jobPath = join(cacheDir, `${key}.${process.pid}.job.json`);
    writeFileSync(sourcePath, source);
    const tmpOut = `${cached}.${process.pid}.partial`;
    writeFileSync(
      jobPath,
      JSON.stringify({ sourcePath, witPath, worldName, disableFeatures, outPath: tmpOut }),
    );
    execFileSync(
      process.execPath,
      [
        '--import',
        pathToFileURL(join(root, 'scripts', 'build-tools-preopen.mjs')).href,
        join(root, 'scripts', 'componentize-extension.mjs'),
        jobPath,
      ],
      { stdio: 'inherit' },
    );
    renameSync(tmpOut, cached);
  }
  mkdirSync(dirname(resolve(out)), { recursive: true });
  // Copied beside its final name and renamed, so a concurrent reader never sees half a file.
  const partialOut = `${resolve(out)}.${process.pid}.partial`;
  copyFileSync(cached, partialOut);
  renameSync(partialOut, resolve(out));
  return { out: resolve(out), cached: cached };
}

// The guest needs `export const guest`; authors write `export default defineExtension(...)`.
async function bundle(entry) {
  const result = await build({
    stdin: {
      contents: `import extension from ${JSON.stringify(entry)};\nexport const guest = extension;\n`,
      resolveDir: dirname(entry),
      loader: 'ts',
    },
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    external: ['gofer:extension/*', 'wasi:*'],
    write: false,
    logLevel: 'warning',
  });
  return result.outputFiles[0].text;
}

function witText(witPath) {
  return readFileSync(witPath.endsWith('.wit') ? witPath : join(witPath, 'world.wit'), 'utf8');
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
    else if (rest[i] === '--wasi') opts.wasi = true;
    else if (rest[i] === '--cache-dir') opts.cacheDir = rest[++i];
    else
      throw new Error(
        `build-extension: unknown option ${rest[i]}; see the usage at the top of the script`,
      );
  }
  if (!entry || !out)
    throw new Error('usage: node scripts/build-extension.mjs <entry.ts> <out.wasm>');
  return { entry, out, opts };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { entry, out, opts } = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const { cached } = await buildExtension(entry, out, opts);
  console.error(`build-extension: ${out} (${Date.now() - started} ms, cache ${cached})`);
}
