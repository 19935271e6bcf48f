/**
 * The Docker scheduler's settings, read from the `scheduler.docker` section of the kernel config
 * (see kernel/config/kernel-config.ts). Every key is optional here; the kernel's defaults are the
 * ones documented there and repeated below.
 */
import { parseDuration } from '../../sdk/config/duration.js';
import { listSetting } from '../../sdk/config/setting-values.js';

export interface DockerSchedulerOptions {
  /** Path of the engine's unix socket. */
  socketPath: string;
  networkMode: 'host' | 'none';
  pullTimeoutMs: number;
  /** Registries images may be pulled from; see `imageRegistry` for how an image names one. */
  pullRegistries: string[];
  /**
   * When set, the event stream is narrowed to this installation's containers; otherwise it
   * covers every Gofer container and events for containers this scheduler does not follow are
   * ignored.
   */
  installation?: string;
  /** Host path of the compiled log wrapper; defaults to the one built beside this module. */
  logwrapPath?: string;
}

const DEFAULTS = {
  socket: '/var/run/docker.sock',
  network_mode: 'host',
  pull_timeout: '2m',
  pull_registries: ['localhost', '127.0.0.1', '[::1]'],
};

function configError(key: string, value: unknown, fix: string): Error {
  const err = new Error(`scheduler.docker.${key}: ${JSON.stringify(value)} is not valid; ${fix}`);
  return Object.assign(err, { code: 'INVALID_ARGUMENT' });
}

/** Turns the raw config section into options, naming the key and the fix when one is wrong. */
export function parseDockerSchedulerOptions(
  config: Readonly<Record<string, unknown>>,
): DockerSchedulerOptions {
  const socket = config.socket ?? DEFAULTS.socket;
  if (typeof socket !== 'string' || socket === '' || /^(tcp|http|https|ssh):/.test(socket)) {
    throw configError(
      'socket',
      socket,
      'give the path of a unix socket, e.g. "/var/run/docker.sock"',
    );
  }

  const networkMode = config.network_mode ?? DEFAULTS.network_mode;
  if (networkMode !== 'host' && networkMode !== 'none') {
    throw configError('network_mode', networkMode, 'use "host" or "none"');
  }

  const pullTimeout = config.pull_timeout ?? DEFAULTS.pull_timeout;
  const pullTimeoutMs = typeof pullTimeout === 'string' ? parseDuration(pullTimeout) : undefined;
  if (pullTimeoutMs === undefined || pullTimeoutMs <= 0) {
    throw configError('pull_timeout', pullTimeout, 'use a duration such as "90s" or "2m"');
  }

  const registriesSetting = config.pull_registries ?? DEFAULTS.pull_registries;
  const registries = listSetting(registriesSetting);
  if (!registries || !registries.every((r) => r !== '')) {
    throw configError(
      'pull_registries',
      registriesSetting,
      'use a list of registry hosts, e.g. ["localhost"]',
    );
  }

  const installation = config.installation;
  return {
    socketPath: socket.replace(/^unix:\/\//, ''),
    networkMode,
    pullTimeoutMs,
    pullRegistries: registries,
    installation: typeof installation === 'string' && installation ? installation : undefined,
    logwrapPath: typeof config.logwrap_path === 'string' ? config.logwrap_path : undefined,
  };
}
