/**
 * The service spec of one task: a replicated job run once, never restarted, on the host network,
 * under an init process so that SIGTERM reaches programs that do not handle it as PID 1. Labels
 * go on the service (for `list` and adoption) and on the container spec (so that a task
 * container can be told apart on whichever node ran it).
 */
import type { TaskWorkloadSpec } from '../../kernel/contracts/scheduler.js';
import { swarmFailure } from './swarm-failure.js';
import { encodeWorkloadLabels } from '../shared/workload-labels.js';
import { LOG_FILE_LABEL } from './swarm-labels.js';

/** The parts of the engine's ServiceSpec this scheduler writes. */
export interface JobServiceSpec {
  Name: string;
  Labels: Record<string, string>;
  Mode: { ReplicatedJob: { MaxConcurrent: number; TotalCompletions: number } };
  TaskTemplate: {
    ContainerSpec: {
      Image: string;
      Command?: string[];
      Args?: string[];
      Env: string[];
      Labels: Record<string, string>;
      Init: boolean;
      StopGracePeriod: number;
    };
    RestartPolicy: { Condition: 'none' };
    Networks: { Target: string }[];
    Placement: { Constraints: string[] };
    Resources: { Limits: { MemoryBytes?: number; NanoCPUs?: number } };
  };
}

export function jobSpec(spec: TaskWorkloadSpec, stopGraceMs: number): JobServiceSpec {
  const labels = encodeWorkloadLabels(spec.labels);
  const limits: { MemoryBytes?: number; NanoCPUs?: number } = {};
  if (spec.resources?.memory_bytes !== undefined) limits.MemoryBytes = spec.resources.memory_bytes;
  if (spec.resources?.cpus !== undefined) limits.NanoCPUs = Math.round(spec.resources.cpus * 1e9);

  return {
    Name: spec.id,
    Labels: { ...labels, [LOG_FILE_LABEL]: spec.logFile },
    Mode: { ReplicatedJob: { MaxConcurrent: 1, TotalCompletions: 1 } },
    TaskTemplate: {
      ContainerSpec: {
        Image: spec.image,
        // Swarm's Command and Args map onto Docker's entrypoint and command, with its rules.
        ...(spec.entrypoint !== undefined ? { Command: spec.entrypoint } : {}),
        ...(spec.command !== undefined ? { Args: spec.command } : {}),
        Env: envList(spec.id, spec.env),
        Labels: labels,
        Init: true,
        StopGracePeriod: Math.round(stopGraceMs * 1e6),
      },
      RestartPolicy: { Condition: 'none' },
      Networks: [{ Target: 'host' }],
      Placement: { Constraints: spec.placement ?? [] },
      Resources: { Limits: limits },
    },
  };
}

/** The job's completions set to none: swarm shuts its task down and removes it on every node. */
export const NO_COMPLETIONS = { ReplicatedJob: { MaxConcurrent: 0, TotalCompletions: 0 } };

function envList(id: string, env: Record<string, string>): string[] {
  return Object.entries(env).map(([key, value]) => {
    if (key === '' || key.includes('=') || key.includes('\0') || value.includes('\0')) {
      throw swarmFailure(
        'START_FAILED',
        `workload ${id} has environment variable ${JSON.stringify(key)} that a process cannot ` +
          `hold (names must be non-empty without "=", and no NUL bytes anywhere); rename it`,
      );
    }
    return `${key}=${value}`;
  });
}
