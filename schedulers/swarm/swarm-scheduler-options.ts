/**
 * The swarm scheduler's settings, read from the `scheduler.swarm` section of the kernel config.
 * Every key is optional; the defaults are below.
 */
import { parseDuration } from '../../sdk/config/duration.js';

export interface SwarmSchedulerOptions {
  /** Unix socket of a swarm manager's engine. */
  socketPath: string;
  /**
   * SIGTERM-to-SIGKILL time written into every job as `StopGracePeriod`. Swarm fixes it when the
   * task is created, so it should equal the kernel's `cancel_grace`.
   */
  stopGraceMs: number;
  /** Longest wait between two reads of the task list; events cut it short. */
  pollIntervalMs: number;
  /** How long `startTask` waits for the task to run before giving up. */
  startTimeoutMs: number;
}

const DEFAULTS = {
  socket: '/var/run/docker.sock',
  stop_grace: '10s',
  poll_interval: '100ms',
  start_timeout: '2m',
};

function configError(key: string, value: unknown, fix: string): Error {
  const err = new Error(`scheduler.swarm.${key}: ${JSON.stringify(value)} is not valid; ${fix}`);
  return Object.assign(err, { code: 'INVALID_ARGUMENT' });
}

function duration(config: Readonly<Record<string, unknown>>, key: keyof typeof DEFAULTS): number {
  const value = config[key] ?? DEFAULTS[key];
  const ms = typeof value === 'string' ? parseDuration(value) : undefined;
  if (ms === undefined || ms <= 0) {
    throw configError(key, value, 'use a duration such as "500ms", "10s" or "2m"');
  }
  return ms;
}

export function parseSwarmSchedulerOptions(
  config: Readonly<Record<string, unknown>>,
): SwarmSchedulerOptions {
  const socket = config.socket ?? DEFAULTS.socket;
  if (typeof socket !== 'string' || socket === '' || /^(tcp|http|https|ssh):/.test(socket)) {
    throw configError(
      'socket',
      socket,
      'give the unix socket of a swarm manager, e.g. "/var/run/docker.sock"',
    );
  }
  return {
    socketPath: socket.replace(/^unix:\/\//, ''),
    stopGraceMs: duration(config, 'stop_grace'),
    pollIntervalMs: duration(config, 'poll_interval'),
    startTimeoutMs: duration(config, 'start_timeout'),
  };
}
