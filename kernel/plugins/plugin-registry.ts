import { randomUUID } from 'node:crypto';
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type {
  ExtensionService,
  ExtensionView,
  PluginService,
  PluginView,
} from '../api/kernel-services.js';
import type { InstalledPlugin } from '../contracts/model.js';
import type { PluginManifest } from '../contracts/plugin.js';
import type { StateStore } from '../contracts/state-store.js';
import { GoferError, failedPrecondition, notFound } from '../errors.js';
import type { BrokenPlugin } from './installed-plugins.js';
import { readPluginManifest, type PluginSource } from './plugin-manifest.js';
import {
  missingBundledDependencies,
  packageSourceKind,
  stagePackage,
  unbundledError,
} from './plugin-package.js';
import type { PluginHost, PluginSelection } from './plugin-host.js';
import { checkInstallable } from './install-checks.js';
import { refuseUnrestrictedInstall } from './restricted-mode.js';

export interface PluginRegistryDeps {
  store: StateStore;
  host: PluginHost;
  kernelVersion: string;
  /** `<data_dir>/plugins/installed`. */
  installDir: string;
  builtinDirs: readonly string[];
  selections: readonly PluginSelection[];
  broken: readonly BrokenPlugin[];
  /** The extension registry, absent in a kernel without extensions. */
  extensions: () => ExtensionService | undefined;
  /** Restricted mode: packages that need what it lacks are refused at install. */
  restricted: boolean;
}

/**
 * `gofer plugin`: one view over the built-in plugins, the folders configuration lists, the
 * packages installed into the data directory and the extension registry, whose entries are
 * plugins of kind `extension`. Installed packages load from the next start, through the same
 * checks as every other plugin.
 */
export class PluginRegistry implements PluginService {
  constructor(private readonly deps: PluginRegistryDeps) {}

  async install(req: { source: string; name: string; grants: string[] }): Promise<PluginView> {
    const source = resolve(req.source);
    const kind = packageSourceKind(source);
    if (kind === 'wasm') {
      const name =
        req.name ||
        basename(source)
          .replace(/\.wasm$/i, '')
          .toLowerCase();
      return extensionView(
        await this.extensionsOrFail().install({ ...req, name, source, config: {} }),
      );
    }

    mkdirSync(this.deps.installDir, { recursive: true });
    const staging = join(this.deps.installDir, `.staging-${randomUUID()}`);
    try {
      stagePackage(source, kind, staging);
      const { manifest } = readPluginManifest(staging, this.deps.kernelVersion);
      checkInstallable(manifest, this.known(), await this.deps.store.listPlugins());
      if (this.deps.restricted) {
        refuseUnrestrictedInstall(`plugin "${manifest.id}"`, manifest.permissions ?? []);
      }
      const missing = missingBundledDependencies(staging);
      if (missing.length > 0) throw unbundledError(manifest.id, missing);
      if (manifest.kind !== 'extension') await checkEntry(manifest, staging);

      const dir = join(this.deps.installDir, manifest.id, manifest.version);
      const previous = (await this.deps.store.listPlugins()).find((p) => p.id === manifest.id);
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(join(this.deps.installDir, manifest.id), { recursive: true });
      renameSync(staging, dir);
      if (manifest.kind === 'extension') await this.registerExtension(manifest, dir, req.grants);
      const record = await this.deps.store.putPlugin({
        id: manifest.id,
        kind: manifest.kind,
        name: manifest.name,
        version: manifest.version,
        dir,
        source,
        installed: Date.now(),
      });
      // A version in use stays on disk: the running kernel may still load files from it.
      if (previous && previous.dir !== dir && !this.inUse(manifest)) {
        rmSync(previous.dir, { recursive: true, force: true });
      }
      return this.installedView(record, { manifest, dir });
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
  }

  async list(): Promise<PluginView[]> {
    const views = new Map<string, PluginView>();
    const records = await this.deps.store.listPlugins();
    const byId = new Map(records.map((r) => [r.id, r]));
    for (const source of this.deps.host.list()) {
      const record = byId.get(source.manifest.id);
      // Removed since this kernel started: gone from disk, only the loaded code remains.
      if (!record && source.dir.startsWith(this.deps.installDir)) continue;
      views.set(
        source.manifest.id,
        record && record.dir === source.dir
          ? this.installedView(record, source, 'loaded')
          : this.sourceView(source),
      );
    }
    for (const record of records) {
      const broken = this.deps.broken.find((b) => b.record.id === record.id);
      if (broken) views.set(record.id, brokenView(record, broken.error));
      else if (views.get(record.id)?.dir !== record.dir) {
        views.set(
          record.id,
          this.installedView(record, readPluginManifest(record.dir, this.deps.kernelVersion)),
        );
      }
    }
    for (const ext of (await this.deps.extensions()?.list()) ?? []) {
      const packaged = [...views.values()].some(
        (v) => v.kind === 'extension' && v.name === ext.name,
      );
      if (!packaged && !views.has(ext.name)) views.set(ext.name, extensionView(ext));
    }
    return [...views.values()].sort(
      (a, b) => a.kind.localeCompare(b.kind) || a.id.localeCompare(b.id),
    );
  }

  async get(id: string): Promise<PluginView> {
    const found = (await this.list()).find((p) => p.id === id);
    if (!found) {
      throw notFound(
        `no plugin has the id "${id}"`,
        'see `gofer plugin list` for the plugins there are',
      );
    }
    return found;
  }

  async remove(id: string): Promise<void> {
    const view = await this.get(id);
    if (view.origin === 'built-in' || view.origin === 'configured') {
      const where =
        view.origin === 'built-in' ? 'built into Gofer' : `listed in plugins.paths (${view.dir})`;
      throw failedPrecondition(
        `plugin "${id}" is ${where} and cannot be removed`,
        view.origin === 'built-in'
          ? 'select another engine instead of removing it'
          : 'remove its folder from plugins.paths',
      );
    }
    if (view.inUse && view.kind !== 'extension') {
      const sel = this.deps.selections.find((s) => s.kind === view.kind)!;
      throw failedPrecondition(
        `plugin "${id}" is in use: it is the ${view.kind} this kernel runs (${sel.setting} = "${view.name}")`,
        `set ${sel.setting} to another ${view.kind} and restart Gofer, then remove it`,
      );
    }
    const dependents = this.deps.host.list().filter((s) => id in (s.manifest.dependsOn ?? {}));
    if (dependents.length > 0) {
      throw failedPrecondition(
        `plugin "${id}" is in use: ${dependents.map((d) => `"${d.manifest.id}"`).join(', ')} depend on it`,
        'remove those plugins first',
      );
    }
    if (view.kind === 'extension') await this.removeExtension(view);
    if (view.origin === 'installed') {
      await this.deps.store.deletePlugin(id);
      rmSync(join(this.deps.installDir, id), { recursive: true, force: true });
    }
  }

  private async registerExtension(manifest: PluginManifest, dir: string, grants: string[]) {
    await this.extensionsOrFail().install({
      name: manifest.name,
      source: join(dir, manifest.entry),
      config: {},
      grants,
    });
  }

  /** An extension with subscriptions is in use; without, it is uninstalled. */
  private async removeExtension(view: PluginView): Promise<void> {
    const extensions = this.extensionsOrFail();
    const subs = await this.deps.store.listSubscriptions({ extension: view.name });
    if (subs.length > 0) {
      throw failedPrecondition(
        `plugin "${view.id}" is in use: extension ${view.name} has ${subs.length} ` +
          `subscription(s), e.g. ${subs[0].namespace}/${subs[0].pipeline}`,
        'unsubscribe those pipelines first (gofer subscription list), or use ' +
          `\`gofer extension uninstall ${view.name}\` to remove it with them`,
      );
    }
    await extensions.uninstall(view.name).catch((err: GoferError) => {
      if (err.code !== 'NOT_FOUND') throw err;
    });
  }

  private extensionsOrFail(): ExtensionService {
    const extensions = this.deps.extensions();
    if (!extensions) {
      throw new GoferError(
        'UNAVAILABLE',
        'this kernel runs no extension system',
        'start Gofer with its extension support built in',
      );
    }
    return extensions;
  }

  /** Manifests of every plugin this kernel knows, installed since its start or not. */
  private known(): PluginManifest[] {
    return this.deps.host.list().map((s) => s.manifest);
  }

  private inUse(manifest: PluginManifest): boolean {
    return this.deps.selections.some((s) => s.kind === manifest.kind && s.name === manifest.name);
  }

  private sourceView(source: PluginSource): PluginView {
    const builtin = this.deps.builtinDirs.some((d) => resolve(d) === resolve(source.dir));
    return {
      ...manifestFields(source.manifest),
      origin: builtin ? 'built-in' : 'configured',
      inUse: this.inUse(source.manifest),
      status: this.inUse(source.manifest) ? 'loaded' : 'available',
      statusReason: '',
      dir: source.dir,
      source: source.dir,
      installed: 0,
    };
  }

  private installedView(
    record: InstalledPlugin,
    source: PluginSource,
    status?: string,
  ): PluginView {
    const loaded = status === 'loaded';
    return {
      ...manifestFields(source.manifest),
      origin: 'installed',
      inUse: loaded && this.inUse(source.manifest),
      status: loaded ? (this.inUse(source.manifest) ? 'loaded' : 'available') : 'pending restart',
      statusReason: loaded ? '' : 'installed after this kernel started; it loads at the next start',
      dir: record.dir,
      source: record.source,
      installed: record.installed,
    };
  }
}

function manifestFields(m: PluginManifest) {
  return {
    id: m.id,
    kind: m.kind,
    name: m.name,
    version: m.version,
    description: m.description ?? '',
    permissions: m.permissions ?? [],
    kernel: m.kernel,
    dependsOn: m.dependsOn ?? {},
  };
}

function brokenView(record: InstalledPlugin, error: GoferError): PluginView {
  return {
    id: record.id,
    kind: record.kind as PluginView['kind'],
    name: record.name,
    version: record.version,
    description: '',
    permissions: [],
    kernel: '',
    dependsOn: {},
    origin: 'installed',
    inUse: false,
    status: 'broken',
    statusReason: `${error.message}${error.fix ? `; ${error.fix}` : ''}`,
    dir: record.dir,
    source: record.source,
    installed: record.installed,
  };
}

function extensionView(ext: ExtensionView): PluginView {
  return {
    id: ext.name,
    kind: 'extension',
    name: ext.name,
    version: ext.info?.version ?? '',
    description: '',
    permissions: ext.grants,
    kernel: '',
    dependsOn: {},
    origin: 'extension',
    inUse: ext.enabled,
    status: ext.status,
    statusReason: ext.statusReason,
    dir: '',
    source: ext.source,
    installed: ext.created,
  };
}

/** Loads the entry module once at install, so a package that cannot load is refused now. */
async function checkEntry(manifest: PluginManifest, dir: string): Promise<void> {
  const entry = join(dir, manifest.entry);
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(entry).href)) as { default?: unknown };
  } catch (err) {
    throw failedPrecondition(
      `plugin "${manifest.id}" cannot be loaded from ${manifest.entry}: ${(err as Error).message}`,
      'build the package and carry its dependencies in it (see docs/plugins.md)',
    );
  }
  if (typeof mod.default !== 'function') {
    throw failedPrecondition(
      `plugin "${manifest.id}": ${manifest.entry} must export a factory function as its default export`,
      'export default (ctx) => implementation; see docs/plugins.md',
    );
  }
}
