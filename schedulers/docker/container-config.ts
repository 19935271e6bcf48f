/**
 * The create request for a workload container. The log wrapper becomes the entrypoint and runs
 * the real command, which is worked out here with Docker's override rules, because the engine
 * would otherwise apply them to the wrapper instead of the task.
 */
import type { ContainerCreateOptions, ImageInspectInfo } from 'dockerode';
import { SchedulerError } from '../../kernel/contracts/scheduler.js';
import type { WorkloadLabels } from '../../kernel/contracts/scheduler.js';
import type { TaskResources } from '../../sdk/config/pipeline-config.js';
import { maskPatterns } from '../../kernel/logs/log-masker.js';
import { encodeWorkloadLabels } from '../shared/workload-labels.js';

/** Where the wrapper and the log file appear inside every container. */
export const LOGWRAP_TARGET = '/.gofer/logwrap';
export const LOG_TARGET = '/.gofer/log';
/** How the wrapper gets its mask patterns; it removes the variable before the command starts. */
export const MASK_ENV = 'GOFER_LOG_MASK';

export interface ContainerRequest {
  id: string;
  image: string;
  labels: WorkloadLabels;
  entrypoint?: string[];
  command?: string[];
  env: Record<string, string>;
  /** Secret values the wrapper masks in the task's output. */
  mask?: readonly string[];
  resources?: TaskResources;
  logFile: string;
  networkMode: 'host' | 'none';
  logwrapPath: string;
}

/**
 * Docker's rules: a given entrypoint replaces the image's and drops the image's command; a given
 * command replaces the image's command; the process runs entrypoint followed by command.
 */
export function resolveCommand(
  image: ImageInspectInfo,
  entrypoint: string[] | undefined,
  command: string[] | undefined,
): string[] {
  const imageEntrypoint = image.Config?.Entrypoint ?? [];
  const imageCmd = image.Config?.Cmd ?? [];
  if (entrypoint !== undefined) return [...entrypoint, ...(command ?? [])];
  const entry = Array.isArray(imageEntrypoint) ? imageEntrypoint : [imageEntrypoint];
  return [...entry, ...(command ?? imageCmd)];
}

export function containerConfig(
  req: ContainerRequest,
  image: ImageInspectInfo,
): ContainerCreateOptions {
  const argv = resolveCommand(image, req.entrypoint, req.command);
  if (argv.length === 0) {
    throw new SchedulerError(
      'START_FAILED',
      `image ${req.image} has no entrypoint or command and workload ${req.id} gives none; ` +
        `set the task's command`,
    );
  }

  return {
    name: req.id,
    Image: req.image,
    Entrypoint: [LOGWRAP_TARGET, LOG_TARGET, '--'],
    Cmd: argv,
    Env: [...envList(req.id, req.env), ...maskEnv(req.mask)],
    Labels: encodeWorkloadLabels(req.labels),
    Tty: false,
    OpenStdin: false,
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    HostConfig: {
      // tini as PID 1 reaps orphans and passes signals on to the wrapper.
      Init: true,
      NetworkMode: req.networkMode,
      Mounts: [
        { Type: 'bind', Source: req.logwrapPath, Target: LOGWRAP_TARGET, ReadOnly: true },
        { Type: 'bind', Source: req.logFile, Target: LOG_TARGET, ReadOnly: false },
      ],
      // The engine's copy of the output is only for `docker logs`; the log file is the record.
      LogConfig: { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '1' } },
      ...resourceLimits(req.resources),
    },
  };
}

// Patterns travel as hex so that any byte, newlines and commas included, survives the trip.
function maskEnv(mask: readonly string[] | undefined): string[] {
  const patterns = maskPatterns(mask ?? []);
  if (patterns.length === 0) return [];
  return [`${MASK_ENV}=${patterns.map((p) => p.toString('hex')).join(',')}`];
}

function envList(id: string, env: Record<string, string>): string[] {
  return Object.entries(env).map(([key, value]) => {
    if (key === '' || key.includes('=') || key.includes('\0') || value.includes('\0')) {
      throw new SchedulerError(
        'START_FAILED',
        `workload ${id} has environment variable ${JSON.stringify(key)} that a process cannot ` +
          `hold (names must be non-empty without "=", and no NUL bytes anywhere); rename it`,
      );
    }
    return `${key}=${value}`;
  });
}

function resourceLimits(resources: TaskResources | undefined): {
  Memory?: number;
  NanoCpus?: number;
} {
  const out: { Memory?: number; NanoCpus?: number } = {};
  if (resources?.memory_bytes !== undefined) out.Memory = resources.memory_bytes;
  if (resources?.cpus !== undefined) out.NanoCpus = Math.round(resources.cpus * 1e9);
  return out;
}
