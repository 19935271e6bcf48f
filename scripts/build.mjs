// Compiles the TypeScript sources into dist/ and copies the assets that live beside them
// (plugin manifests), so that dist/ mirrors the source tree.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsc = join(root, 'node_modules', 'typescript-native', 'bin', 'tsc');

if (!existsSync(tsc)) {
  console.error('build: the TypeScript compiler is missing; run `npm ci` first');
  process.exit(1);
}
execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.json')], { stdio: 'inherit' });

const assetDirs = ['kernel', 'plugins', 'schedulers', 'extensions', 'sdk'];
const isAsset = (name) => name === 'gofer-plugin.json' || name.endsWith('.schema.json');

function copyAssets(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (name === 'node_modules') continue;
    if (statSync(path).isDirectory()) copyAssets(path);
    else if (isAsset(name)) cpSync(path, join(root, 'dist', relative(root, path)));
  }
}
for (const dir of assetDirs) if (existsSync(join(root, dir))) copyAssets(join(root, dir));

// The Docker scheduler's log wrapper is a static C program that runs inside task containers.
// It is built only where gcc exists and only when its source changed; without it the Docker
// scheduler refuses to start and says how to build it.
function buildLogwrap() {
  const src = join(root, 'schedulers', 'docker', 'logwrap', 'logwrap.c');
  if (!existsSync(src)) return;
  const outDir = join(root, 'dist', 'schedulers', 'docker', 'logwrap');
  const out = join(outDir, 'logwrap');
  const stamp = `${out}.sha256`;
  const hash = createHash('sha256').update(readFileSync(src)).digest('hex');
  if (existsSync(out) && existsSync(stamp) && readFileSync(stamp, 'utf8') === hash) return;
  try {
    execFileSync('gcc', ['--version'], { stdio: 'ignore' });
  } catch {
    console.warn('build: gcc not found; skipping the Docker log wrapper (apt-get install gcc)');
    return;
  }
  mkdirSync(outDir, { recursive: true });
  execFileSync('gcc', ['-static', '-O2', '-Wall', '-Wextra', '-o', out, src], { stdio: 'inherit' });
  writeFileSync(stamp, hash);
}
buildLogwrap();

// Extensions written with sdk/extension become WebAssembly components. Each build is cached by
// content hash under .cache/extensions/, so this costs a bundle per extension unless one changed.
async function buildExtensions() {
  const { buildExtension } = await import('./build-extension.mjs');
  const extensions = [
    ['extensions/interval/interval-extension.ts', 'extensions/interval/interval.wasm'],
    ['extensions/cron/cron-extension.ts', 'extensions/cron/cron.wasm'],
    ['extensions/github/github-extension.ts', 'extensions/github/github.wasm'],
  ];
  for (const [entry, out] of extensions) await buildExtension(join(root, entry), join(root, out));
}
await buildExtensions();
