import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import semver from 'semver';
import type { Logger } from '../contracts/logger.js';
import type { PluginContext, PluginFactory, PluginKind } from '../contracts/plugin.js';
import { GoferError } from '../errors.js';
import { readPluginManifest, type PluginSource } from './plugin-manifest.js';

/** Methods a plugin's instance must have, per kind, checked when it is created. */
const REQUIRED_METHODS: Partial<Record<PluginKind, string[]>> = {
  scheduler: ['checkTask', 'startTask', 'startService', 'stop', 'list', 'adopt', 'remove', 'close'],
  'state-store': ['installationId', 'createRun', 'updateRun', 'appendEvent', 'listEvents', 'close'],
  auth: ['authenticate', 'authorize'],
};

/** How long a plugin factory may take before the kernel gives up on it. */
const FACTORY_TIMEOUT_MS = 30_000;

export interface PluginSelection {
  kind: PluginKind;
  name: string;
  /** The plugin's configuration section. */
  config: Record<string, unknown>;
  /** Config key that chose it, for error messages (`scheduler.engine`). */
  setting: string;
}

export interface CreatedPlugin {
  source: PluginSource;
  instance: unknown;
}

/**
 * Finds plugins (built-in and configured folders alike), checks them at the door, and creates
 * the ones configuration selects, in dependency order. Each kernel has its own host: nothing is
 * registered globally.
 */
export class PluginHost {
  private readonly sources = new Map<string, PluginSource>();
  private readonly created = new Map<PluginKind, CreatedPlugin>();

  constructor(
    private readonly kernelVersion: string,
    private readonly logger: Logger,
    private readonly dataDir: string,
    private readonly devMode: boolean,
  ) {}

  /** Reads every plugin folder; a bad manifest or a duplicate id stops the kernel here. */
  discover(dirs: string[]): void {
    for (const dir of dirs) {
      const source = readPluginManifest(resolve(dir), this.kernelVersion);
      const existing = this.sources.get(source.manifest.id);
      if (existing) {
        throw new GoferError(
          'FAILED_PRECONDITION',
          `plugin "${source.manifest.id}" is installed twice: in ${existing.dir} and in ${source.dir}`,
          'remove one of the two folders from plugins.paths',
        );
      }
      this.sources.set(source.manifest.id, source);
    }
  }

  list(): PluginSource[] {
    return [...this.sources.values()];
  }

  /** Creates the selected plugins, each after the kinds it `requires`. */
  async createAll(
    selections: PluginSelection[],
    /** Told of each instance as soon as it exists, so a later failure can release it. */
    onCreated: (instance: unknown) => void = () => undefined,
  ): Promise<Map<PluginKind, CreatedPlugin>> {
    const chosen = selections.map((sel) => ({ sel, source: this.find(sel) }));
    for (const { source } of chosen) this.checkDependencies(source);

    const pending = [...chosen];
    while (pending.length > 0) {
      const index = pending.findIndex(({ source }) =>
        (source.manifest.requires ?? []).every((kind) => this.created.has(kind)),
      );
      if (index < 0) {
        const { source } = pending[0];
        const missing = (source.manifest.requires ?? []).filter((k) => !this.created.has(k));
        throw new GoferError(
          'FAILED_PRECONDITION',
          `plugin "${source.manifest.id}" requires a ${missing.join(', ')} plugin, and none is selected or their requirements form a loop`,
          'select a plugin of that kind in the configuration',
        );
      }
      const [{ sel, source }] = pending.splice(index, 1);
      const instance = await this.create(source, sel);
      onCreated(instance);
      this.created.set(sel.kind, { source, instance });
    }
    return this.created;
  }

  private find(sel: PluginSelection): PluginSource {
    const matches = this.list().filter(
      (s) => s.manifest.kind === sel.kind && s.manifest.name === sel.name,
    );
    if (matches.length === 1) return matches[0];
    const names = this.list()
      .filter((s) => s.manifest.kind === sel.kind)
      .map((s) => s.manifest.name);
    if (matches.length === 0) {
      throw new GoferError(
        'FAILED_PRECONDITION',
        `no ${sel.kind} plugin is named "${sel.name}" (set by ${sel.setting})`,
        names.length > 0
          ? `set ${sel.setting} to one of: ${names.join(', ')}`
          : `install a ${sel.kind} plugin`,
      );
    }
    throw new GoferError(
      'FAILED_PRECONDITION',
      `${matches.length} ${sel.kind} plugins are named "${sel.name}": ${matches.map((m) => m.manifest.id).join(', ')}`,
      'remove all but one of them from plugins.paths',
    );
  }

  private checkDependencies(source: PluginSource): void {
    for (const [id, range] of Object.entries(source.manifest.dependsOn ?? {})) {
      const dep = this.sources.get(id);
      if (!dep) {
        throw new GoferError(
          'FAILED_PRECONDITION',
          `plugin "${source.manifest.id}" depends on plugin "${id}", which is not installed`,
          `install "${id}" ${range}`,
        );
      }
      if (!semver.satisfies(dep.manifest.version, range, { includePrerelease: true })) {
        throw new GoferError(
          'FAILED_PRECONDITION',
          `plugin "${source.manifest.id}" needs "${id}" ${range}, but ${dep.manifest.version} is installed`,
          `install a version of "${id}" that satisfies ${range}`,
        );
      }
    }
  }

  private async create(source: PluginSource, sel: PluginSelection): Promise<unknown> {
    const { manifest } = source;
    const log = this.logger.child({ plugin: manifest.id });
    const factory = await this.importFactory(source);

    const contracts: Partial<Record<PluginKind, unknown>> = {};
    for (const kind of manifest.requires ?? []) contracts[kind] = this.created.get(kind)?.instance;
    const dataDir = join(this.dataDir, 'plugins', manifest.id);
    mkdirSync(dataDir, { recursive: true });
    const ctx: PluginContext = {
      kernelVersion: this.kernelVersion,
      config: Object.freeze({ ...sel.config }),
      logger: log,
      dataDir,
      devMode: this.devMode,
      contracts: Object.freeze(contracts),
    };

    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new GoferError(
              'DEADLINE_EXCEEDED',
              `plugin "${manifest.id}" did not finish starting within ${FACTORY_TIMEOUT_MS / 1000}s`,
              "check the plugin's log lines above",
            ),
          ),
        FACTORY_TIMEOUT_MS,
      );
    });
    let instance: unknown;
    try {
      instance = await Promise.race([Promise.resolve().then(() => factory(ctx)), timeout]);
    } catch (err) {
      if ((err as GoferError).code === 'DEADLINE_EXCEEDED') throw err;
      throw new GoferError(
        'FAILED_PRECONDITION',
        `plugin "${manifest.id}" failed to start: ${(err as Error).message}`,
        (err as GoferError).fix ?? `check the configuration section for ${sel.kind} "${sel.name}"`,
      );
    } finally {
      clearTimeout(timer);
    }

    const missing = (REQUIRED_METHODS[manifest.kind] ?? []).filter(
      (m) => typeof (instance as Record<string, unknown> | null)?.[m] !== 'function',
    );
    if (missing.length > 0) {
      throw new GoferError(
        'FAILED_PRECONDITION',
        `plugin "${manifest.id}" does not implement the ${manifest.kind} contract: missing ${missing.join(', ')}`,
        'use a version of the plugin built for this kernel',
      );
    }
    log.info({ version: manifest.version, kind: manifest.kind }, 'plugin started');
    return instance;
  }

  private async importFactory(source: PluginSource): Promise<PluginFactory> {
    const entry = resolve(source.dir, source.manifest.entry);
    let mod: { default?: unknown };
    try {
      mod = await import(pathToFileURL(entry).href);
    } catch (err) {
      throw new GoferError(
        'FAILED_PRECONDITION',
        `plugin "${source.manifest.id}" cannot be loaded from ${entry}: ${(err as Error).message}`,
        'rebuild or reinstall the plugin',
      );
    }
    if (typeof mod.default !== 'function') {
      throw new GoferError(
        'FAILED_PRECONDITION',
        `plugin "${source.manifest.id}": ${entry} must export a factory function as its default export`,
        'export default (ctx) => implementation; see docs/plugins.md',
      );
    }
    return mod.default as PluginFactory;
  }
}
