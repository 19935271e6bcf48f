import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { parseDuration } from '../../sdk/config/duration.js';
import { GoferError } from '../errors.js';
import { defaultConfig, type KernelConfig } from './kernel-config.js';
import { SYSTEM_TASK_VARIABLES } from '../runs/task-environment.js';

export interface LoadConfigOptions {
  /** Explicit config file; must exist. */
  file?: string;
  /** Environment to read `GOFER_*` variables from; defaults to `process.env`. */
  env?: NodeJS.ProcessEnv;
  devMode?: boolean;
  /** Restricted mode (`gofer service start --restricted`). */
  restricted?: boolean;
  /** Applied last, for tests and embedding. */
  overrides?: DeepPartial<KernelConfig>;
}

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

const SYSTEM_CONFIG_FILE = '/etc/gofer/gofer.toml';
const ENV_PREFIX = 'GOFER_';
/**
 * Variables with the prefix that are not config paths: the config file's name, the CLI's token,
 * and what Gofer itself gives every task, so that a task may run Gofer too.
 */
const NON_CONFIG_ENV = new Set<string>([
  'GOFER_CONFIG',
  'GOFER_API_TOKEN',
  ...SYSTEM_TASK_VARIABLES,
]);

/** Builds the service configuration from defaults, file, environment and overrides. */
export function loadConfig(opts: LoadConfigOptions = {}): KernelConfig {
  const env = opts.env ?? process.env;
  const config = defaultConfig() as unknown as Record<string, unknown>;

  const file =
    opts.file ??
    env.GOFER_CONFIG ??
    (existsSync(SYSTEM_CONFIG_FILE) ? SYSTEM_CONFIG_FILE : undefined);
  if (file) mergeInto(config, readConfigFile(file), file);

  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || NON_CONFIG_ENV.has(name) || value === undefined) continue;
    if (name.startsWith('GOFER_CLI_')) continue;
    applyEnv(config, name, value);
  }
  if (opts.overrides) mergeInto(config, opts.overrides as Record<string, unknown>, 'overrides');
  if (opts.devMode) config.dev_mode = true;
  if (opts.restricted) config.restricted = true;

  const result = config as unknown as KernelConfig;
  result.data_dir = resolve(result.data_dir);
  validate(result);
  return result;
}

function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new GoferError(
      'INVALID_ARGUMENT',
      `cannot read config file ${file}: ${(err as Error).message}`,
      'pass an existing file with --config or GOFER_CONFIG',
    );
  }
  try {
    return parseToml(text) as Record<string, unknown>;
  } catch (err) {
    throw new GoferError(
      'INVALID_ARGUMENT',
      `config file ${file} is not valid TOML: ${(err as Error).message}`,
    );
  }
}

/**
 * Merges `source` into `target`. Keys the defaults know keep their type; sections that hold
 * plugin-specific settings (a plugin's own table under `scheduler`, `state_store`,
 * `object_store`, `secret_store`, `auth`) take whatever the file says, since only the plugin
 * knows their shape.
 */
function mergeInto(
  target: Record<string, unknown>,
  source: Record<string, unknown>,
  origin: string,
  path = '',
): void {
  for (const [key, value] of Object.entries(source)) {
    const keyPath = path ? `${path}.${key}` : key;
    const current = target[key];
    if (current === undefined) {
      if (!isOpenSection(path)) {
        throw new GoferError(
          'INVALID_ARGUMENT',
          `unknown setting "${keyPath}" in ${origin}`,
          'see docs/configuration.md for the settings Gofer knows',
        );
      }
      target[key] = value;
    } else if (isPlainObject(current) && isPlainObject(value)) {
      mergeInto(current, value, origin, keyPath);
    } else if (typeof current !== typeof value || Array.isArray(current) !== Array.isArray(value)) {
      throw new GoferError(
        'INVALID_ARGUMENT',
        `setting "${keyPath}" in ${origin} must be ${describeType(current)}, not ${JSON.stringify(value)}`,
      );
    } else {
      target[key] = value;
    }
  }
}

function isOpenSection(path: string): boolean {
  const [top, ...rest] = path.split('.');
  return (
    (top === 'scheduler' ||
      top === 'state_store' ||
      top === 'auth' ||
      top === 'object_store' ||
      top === 'secret_store') &&
    (rest.length >= 1 || path === top)
  );
}

/** `GOFER_SCHEDULER__DOCKER__NETWORK_MODE=none` sets `scheduler.docker.network_mode`. */
function applyEnv(config: Record<string, unknown>, name: string, raw: string): void {
  const parts = name.slice(ENV_PREFIX.length).toLowerCase().split('__');
  let section: Record<string, unknown> = config;
  for (let i = 0; i < parts.length - 1; i++) {
    const next = section[parts[i]];
    if (next === undefined && isOpenSection(parts.slice(0, i).join('.'))) {
      section[parts[i]] = {};
    } else if (!isPlainObject(next)) {
      throw new GoferError(
        'INVALID_ARGUMENT',
        `environment variable ${name} names no setting`,
        'see docs/configuration.md',
      );
    }
    section = section[parts[i]] as Record<string, unknown>;
  }
  const key = parts[parts.length - 1];
  const current = section[key];
  if (current === undefined && !isOpenSection(parts.slice(0, -1).join('.'))) {
    throw new GoferError(
      'INVALID_ARGUMENT',
      `environment variable ${name} names no setting`,
      'see docs/configuration.md',
    );
  }
  section[key] = coerce(raw, current, name);
}

function coerce(raw: string, current: unknown, name: string): unknown {
  if (typeof current === 'number') {
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n)) {
      throw new GoferError('INVALID_ARGUMENT', `${name} must be a number, not "${raw}"`);
    }
    return n;
  }
  if (typeof current === 'boolean') {
    if (/^(1|true|yes|on)$/i.test(raw)) return true;
    if (/^(0|false|no|off)$/i.test(raw)) return false;
    throw new GoferError('INVALID_ARGUMENT', `${name} must be true or false, not "${raw}"`);
  }
  if (Array.isArray(current))
    return raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  return raw;
}

function validate(config: KernelConfig): void {
  const durations: [string, string][] = [
    ['server.shutdown_timeout', config.server.shutdown_timeout],
    ['runs.cancel_grace', config.runs.cancel_grace],
    ['runs.event_retention', config.runs.event_retention],
    ['extensions.call_timeout', config.extensions.call_timeout],
    ['extensions.ready_timeout', config.extensions.ready_timeout],
    ['extensions.restart_backoff', config.extensions.restart_backoff],
    ['extensions.restart_backoff_max', config.extensions.restart_backoff_max],
  ];
  for (const [key, value] of durations) {
    if (parseDuration(value) === undefined) {
      throw new GoferError(
        'INVALID_ARGUMENT',
        `setting "${key}" must be a duration like "10s", not "${value}"`,
      );
    }
  }
  const counts: [string, number, number][] = [
    ['runs.global_parallelism', config.runs.global_parallelism, 0],
    ['runs.task_concurrency', config.runs.task_concurrency, 1],
    ['runs.log_retention_runs', config.runs.log_retention_runs, 1],
    ['runs.config_versions_kept', config.runs.config_versions_kept, 1],
    ['object_store.pipeline_object_limit', config.object_store.pipeline_object_limit, 1],
    ['object_store.run_object_expiry', config.object_store.run_object_expiry, 1],
    ['extensions.memory_limit_mb', config.extensions.memory_limit_mb, 1],
  ];
  for (const [key, value, min] of counts) {
    if (!Number.isInteger(value) || value < min) {
      throw new GoferError(
        'INVALID_ARGUMENT',
        `setting "${key}" must be a whole number of at least ${min}, not ${value}`,
      );
    }
  }
  if (!isAbsolute(config.data_dir))
    throw new GoferError('INVALID_ARGUMENT', 'data_dir must be an absolute path');
  if (!/^(trace|debug|info|warn|error)$/.test(config.log_level)) {
    throw new GoferError(
      'INVALID_ARGUMENT',
      `log_level must be one of trace, debug, info, warn, error, not "${config.log_level}"`,
    );
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describeType(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'a table' : `a ${typeof value}`;
}
