/**
 * Brings a plugin package from a local source into a staging folder and checks what the
 * manifest alone cannot: that the package carries the dependencies it declares, since an
 * installed plugin is never given an `npm install` (the kernel fetches nothing from the network).
 */
import { cpSync, existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { GoferError, invalidArgument, notFound } from '../errors.js';
import { unpackPackageTarball } from './package-archive.js';
import { PACKAGE_FILE } from './plugin-manifest.js';

export type PackageSourceKind = 'tarball' | 'directory' | 'wasm';

/** What kind of source a path is; NOT_FOUND or INVALID_ARGUMENT when none. */
export function packageSourceKind(source: string): PackageSourceKind {
  if (!existsSync(source)) {
    throw notFound(
      `plugin source ${source} does not exist on the kernel's host`,
      'give the path of a package tarball (npm pack), a package folder or a .wasm component',
    );
  }
  if (statSync(source).isDirectory()) return 'directory';
  const lower = source.toLowerCase();
  if (lower.endsWith('.wasm')) return 'wasm';
  if (lower.endsWith('.tgz') || lower.endsWith('.tar.gz')) return 'tarball';
  throw invalidArgument(
    `plugin source ${source} is neither a package tarball (.tgz), a folder nor a .wasm component`,
    'make a tarball with `npm pack` in the plugin package folder',
  );
}

/** Copies or unpacks the package at `source` into `staging`. */
export function stagePackage(source: string, kind: 'tarball' | 'directory', staging: string) {
  if (kind === 'tarball') {
    unpackPackageTarball(source, staging);
    return;
  }
  cpSync(source, staging, {
    recursive: true,
    // Version control data is no part of a package; links could reach outside it.
    filter: (path) => basename(path) !== '.git' && !statSync(path).isSymbolicLink(),
    dereference: false,
  });
}

/** Dependencies the package declares but does not carry in its own node_modules. */
export function missingBundledDependencies(dir: string): string[] {
  const file = join(dir, PACKAGE_FILE);
  if (!existsSync(file)) return [];
  const pkg = JSON.parse(readFileSync(file, 'utf8')) as { dependencies?: Record<string, string> };
  return Object.keys(pkg.dependencies ?? {}).filter(
    (name) => !existsSync(join(dir, 'node_modules', name, PACKAGE_FILE)),
  );
}

export function unbundledError(id: string, missing: string[]): GoferError {
  return new GoferError(
    'FAILED_PRECONDITION',
    `plugin "${id}" depends on ${missing.join(', ')}, which the package does not carry`,
    'list them in "bundleDependencies" of its package.json before `npm pack`, or bundle the plugin into one file; installed plugins get no `npm install`',
  );
}
