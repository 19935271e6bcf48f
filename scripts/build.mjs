// Compiles the TypeScript sources into dist/ and copies the assets that live beside them
// (plugin manifests), so that dist/ mirrors the source tree.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, statSync } from 'node:fs';
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
