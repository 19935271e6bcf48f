import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import semver from 'semver';
import { PLUGIN_KINDS, type PluginKind, type PluginManifest } from '../contracts/plugin.js';
import { GoferError } from '../errors.js';

export const MANIFEST_FILE = 'gofer-plugin.json';
export const PACKAGE_FILE = 'package.json';

const ID = /^[a-z0-9]+([.-][a-z0-9]+)*$/;
const NAME = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/** A plugin found on disk: its checked manifest and where it lives. */
export interface PluginSource {
  manifest: PluginManifest;
  dir: string;
}

/**
 * Reads and checks a plugin's manifest against the format and this kernel's version: the
 * folder's `gofer-plugin.json`, or else the `"gofer"` field of its package.json, which takes
 * the package's own version and description when it gives none.
 */
export function readPluginManifest(dir: string, kernelVersion: string): PluginSource {
  const { raw, file } = readRawManifest(dir);
  const problems = checkManifest(raw, kernelVersion);
  const label =
    typeof (raw as { id?: unknown })?.id === 'string'
      ? `plugin "${(raw as { id: string }).id}"`
      : `plugin at ${dir}`;
  if (problems.length > 0) {
    throw new GoferError(
      'FAILED_PRECONDITION',
      `${label} has a bad manifest: ${problems.join('; ')}`,
      `fix ${file} (see docs/plugins.md)`,
    );
  }
  const manifest = raw as PluginManifest;
  if (!existsSync(resolve(dir, manifest.entry))) {
    throw new GoferError(
      'FAILED_PRECONDITION',
      `${label} names entry "${manifest.entry}", which does not exist in ${dir}`,
      'build the plugin (npm run build) or fix "entry" in its manifest',
    );
  }
  return { manifest, dir };
}

function readRawManifest(dir: string): { raw: unknown; file: string } {
  const file = join(dir, MANIFEST_FILE);
  const pkgFile = join(dir, PACKAGE_FILE);
  try {
    if (!existsSync(file) && existsSync(pkgFile)) {
      const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as Record<string, unknown>;
      if (typeof pkg.gofer === 'object' && pkg.gofer !== null) {
        const raw = { version: pkg.version, description: pkg.description, ...pkg.gofer };
        return { raw, file: `${pkgFile} ("gofer" field)` };
      }
    }
    return { raw: JSON.parse(readFileSync(file, 'utf8')), file };
  } catch (err) {
    throw new GoferError(
      'FAILED_PRECONDITION',
      `plugin at ${dir} has no readable ${MANIFEST_FILE} or "gofer" field in ${PACKAGE_FILE}: ` +
        (err as Error).message,
      `add a ${MANIFEST_FILE} (see docs/plugins.md) or remove ${dir} from plugins.paths`,
    );
  }
}

/** Returns every problem with a manifest; empty when it is fine for this kernel. */
export function checkManifest(raw: unknown, kernelVersion: string): string[] {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return ['the manifest must be a JSON object'];
  const m = raw as Record<string, unknown>;
  const problems: string[] = [];
  const str = (key: string) =>
    typeof m[key] === 'string' && (m[key] as string).length > 0 ? (m[key] as string) : undefined;

  if (!str('id') || !ID.test(m.id as string))
    problems.push('"id" must be lowercase words joined by "." or "-"');
  if (!PLUGIN_KINDS.includes(m.kind as PluginKind))
    problems.push(`"kind" must be one of ${PLUGIN_KINDS.join(', ')}`);
  if (!str('name') || !NAME.test(m.name as string))
    problems.push('"name" must be lowercase words joined by "-"');
  if (!str('version') || !semver.valid(m.version as string))
    problems.push('"version" must be a semver version like 1.2.3');
  if (!str('entry')) problems.push('"entry" must name the entry module');

  const range = str('kernel');
  if (!range || !semver.validRange(range)) {
    problems.push('"kernel" must be a semver range of supported kernel versions, like ^0.1.0');
  } else if (!semver.satisfies(kernelVersion, range, { includePrerelease: true })) {
    problems.push(
      `it supports kernel ${range} but this kernel is ${kernelVersion}; install a version of ` +
        `the plugin made for ${kernelVersion}`,
    );
  }

  if (m.requires !== undefined) {
    if (
      !Array.isArray(m.requires) ||
      m.requires.some((k) => !PLUGIN_KINDS.includes(k as PluginKind))
    ) {
      problems.push(`"requires" must list plugin kinds (${PLUGIN_KINDS.join(', ')})`);
    }
  }
  if (m.dependsOn !== undefined) {
    const deps = m.dependsOn as Record<string, unknown>;
    if (typeof deps !== 'object' || deps === null || Array.isArray(deps)) {
      problems.push('"dependsOn" must map plugin ids to version ranges');
    } else {
      for (const [id, r] of Object.entries(deps)) {
        if (typeof r !== 'string' || !semver.validRange(r))
          problems.push(`"dependsOn.${id}" must be a semver range`);
      }
    }
  }
  if (
    m.permissions !== undefined &&
    (!Array.isArray(m.permissions) || m.permissions.some((p) => typeof p !== 'string'))
  ) {
    problems.push('"permissions" must be a list of strings');
  }
  return problems;
}
