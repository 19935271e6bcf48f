/**
 * Where the CLI's settings come from, later sources losing: flags, then `GOFER_CLI_*`
 * environment variables (and `GOFER_API_TOKEN`, which the kernel gives tasks that call back),
 * then the TOML file (`--config`, else `GOFER_CLI_CONFIG`, else `~/.config/gofer/cli.toml`),
 * then the defaults. Pure apart from reading the file, so the precedence is easy to test.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { invalidArgument } from '../kernel/errors.js';

export type OutputFormat = 'table' | 'json';

export interface ClientConfig {
  address: string;
  namespace: string;
  token?: string;
  output: OutputFormat;
  tls: boolean;
  tlsCa?: string;
  timeoutMs: number;
  /** The file the settings were read from, when one was. */
  file?: string;
}

/** The settings as flags give them; every one optional. */
export interface ClientFlags {
  address?: string;
  namespace?: string;
  token?: string;
  output?: string;
  tls?: boolean;
  tlsCa?: string;
  timeout?: string;
  config?: string;
}

export const DEFAULTS = {
  address: '127.0.0.1:8080',
  namespace: 'default',
  output: 'table',
  tls: false,
  timeoutMs: 30_000,
} as const;

type Source = Partial<
  Record<'address' | 'namespace' | 'token' | 'output' | 'tls' | 'tls_ca' | 'timeout', unknown>
>;

export function resolveClientConfig(
  flags: ClientFlags,
  env: NodeJS.ProcessEnv = process.env,
  home: string = env.HOME ?? '',
): ClientConfig {
  const explicit = flags.config ?? env.GOFER_CLI_CONFIG;
  const file = explicit ?? join(home, '.config', 'gofer', 'cli.toml');
  const fromFile = readConfigFile(file, explicit !== undefined);

  const fromEnv: Source = {
    address: env.GOFER_CLI_ADDRESS,
    namespace: env.GOFER_CLI_NAMESPACE,
    token: env.GOFER_CLI_TOKEN ?? env.GOFER_API_TOKEN,
    output: env.GOFER_CLI_OUTPUT,
    tls: env.GOFER_CLI_TLS,
    tls_ca: env.GOFER_CLI_TLS_CA,
    timeout: env.GOFER_CLI_TIMEOUT,
  };
  const fromFlags: Source = {
    address: flags.address,
    namespace: flags.namespace,
    token: flags.token,
    output: flags.output,
    tls: flags.tls,
    tls_ca: flags.tlsCa,
    timeout: flags.timeout,
  };
  const pick = (key: keyof Source) =>
    [fromFlags[key], fromEnv[key], fromFile?.[key]].find((v) => v !== undefined && v !== '');

  return {
    address: hostPort(text(pick('address'), 'address') ?? DEFAULTS.address),
    namespace: text(pick('namespace'), 'namespace') ?? DEFAULTS.namespace,
    token: text(pick('token'), 'token'),
    output: outputFormat(pick('output')),
    tls: bool(pick('tls')),
    tlsCa: text(pick('tls_ca'), 'tls_ca'),
    timeoutMs: seconds(pick('timeout')),
    file: fromFile ? file : undefined,
  };
}

function readConfigFile(file: string, required: boolean): Source | undefined {
  if (!existsSync(file)) {
    if (!required) return undefined;
    throw invalidArgument(
      `the CLI config file ${file} does not exist`,
      'fix --config or GOFER_CLI_CONFIG, or create the file',
    );
  }
  let parsed: Source;
  try {
    parsed = parseToml(readFileSync(file, 'utf8')) as Source;
  } catch (err) {
    throw invalidArgument(
      `the CLI config file ${file} is not valid TOML: ${(err as Error).message}`,
      'fix the file; keys are address, namespace, token, output, tls, tls_ca, timeout',
    );
  }
  const unknown = Object.keys(parsed).filter((k) => !FILE_KEYS.includes(k));
  if (unknown.length > 0) {
    throw invalidArgument(
      `the CLI config file ${file} has unknown keys: ${unknown.join(', ')}`,
      `the keys are ${FILE_KEYS.join(', ')}`,
    );
  }
  return parsed;
}

const FILE_KEYS = ['address', 'namespace', 'token', 'output', 'tls', 'tls_ca', 'timeout'];

/** `host:port`; a scheme or a missing port is refused rather than guessed. */
function hostPort(address: string): string {
  if (/^[a-z]+:\/\//i.test(address)) {
    throw invalidArgument(
      `address ${JSON.stringify(address)} must be host:port, without a scheme`,
      `use --address ${address.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '')}`,
    );
  }
  if (!/:\d+$/.test(address)) {
    throw invalidArgument(
      `address ${JSON.stringify(address)} has no port`,
      `use --address ${address}:8080 (the service's default port)`,
    );
  }
  return address;
}

function text(value: unknown, key: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string')
    throw invalidArgument(
      `${key} must be a string, got ${JSON.stringify(value)}`,
      `quote the ${key} value`,
    );
  return value;
}

function outputFormat(value: unknown): OutputFormat {
  if (value === undefined) return DEFAULTS.output;
  if (value === 'table' || value === 'json') return value;
  throw invalidArgument(
    `output must be table or json, got ${JSON.stringify(value)}`,
    'use --output table or --output json',
  );
}

function bool(value: unknown): boolean {
  if (value === undefined) return DEFAULTS.tls;
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw invalidArgument(
    `tls must be true or false, got ${JSON.stringify(value)}`,
    'set GOFER_CLI_TLS=true or false',
  );
}

function seconds(value: unknown): number {
  if (value === undefined) return DEFAULTS.timeoutMs;
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw invalidArgument(
      `timeout must be a number of seconds, got ${JSON.stringify(value)}`,
      'use e.g. --timeout 30',
    );
  return n * 1000;
}
