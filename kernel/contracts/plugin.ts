/**
 * The plugin format. A plugin is a folder (or an npm package) holding a manifest,
 * `gofer-plugin.json`, and an entry module whose default export is a plain factory. The factory
 * gets a small `PluginContext` and returns the implementation of the contract its kind names,
 * so a plugin packaged on its own needs neither the kernel's DI library nor any kernel code.
 *
 * Built-in plugins are loaded through exactly this path. See docs/plugins.md.
 */
import type { Logger } from './logger.js';

export type PluginKind =
  'scheduler' | 'state-store' | 'auth' | 'object-store' | 'secret-store' | 'extension';

export const PLUGIN_KINDS: readonly PluginKind[] = [
  'scheduler',
  'state-store',
  'auth',
  'object-store',
  'secret-store',
  'extension',
];

export interface PluginManifest {
  /** Unique id, lowercase words joined by `-` or `.`, e.g. `gofer.scheduler.docker`. */
  id: string;
  kind: PluginKind;
  /** The name configuration selects it by within its kind, e.g. `docker` for `scheduler = "docker"`. */
  name: string;
  /** Semver of the plugin itself. */
  version: string;
  /** Semver range of kernel versions the plugin works with, e.g. `^0.1.0`. */
  kernel: string;
  /** Entry module, relative to the manifest; its default export is a `PluginFactory`. */
  entry: string;
  /** Kinds of contract the plugin needs from the kernel before it can be created. */
  requires?: PluginKind[];
  /** Other plugins by id, with the version range needed. */
  dependsOn?: Record<string, string>;
  /** What the plugin asks to reach, e.g. `container-engine`, `network`, `filesystem`. */
  permissions?: string[];
  description?: string;
}

export interface PluginContext {
  /** The running kernel's version. */
  kernelVersion: string;
  /** The plugin's own configuration section (e.g. `scheduler.docker`), never others'. */
  config: Readonly<Record<string, unknown>>;
  logger: Logger;
  /** A directory the plugin may write to, inside the kernel's data directory. */
  dataDir: string;
  /** Whether the kernel runs in development mode. */
  devMode: boolean;
  /** Contracts of the kinds the manifest `requires`, already created. */
  contracts: Readonly<Partial<Record<PluginKind, unknown>>>;
}

/** What an entry module's default export must be. */
export type PluginFactory<T = unknown> = (ctx: PluginContext) => T | Promise<T>;
