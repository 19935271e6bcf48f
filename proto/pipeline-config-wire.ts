/**
 * Translates a pipeline config between the JSON shape of sdk/config/pipeline-config.ts and the
 * `gofer.v1.PipelineConfig` message. Absent stays absent in both directions, so the kernel's
 * defaults apply the same however a config arrived. Unknown keys are refused rather than
 * dropped, because the wire would lose them silently and a misspelt `depends_on` would change
 * what a pipeline does.
 */
import type {
  PipelineConfig,
  RequiredParentStatus,
  TaskConfig,
} from '../sdk/config/pipeline-config.js';
import type { PipelineConfig as WireConfig } from './generated/gofer/v1/PipelineConfig.js';
import type { PipelineConfig__Output as WireConfigOut } from './generated/gofer/v1/PipelineConfig.js';
import type { TaskConfig as WireTask } from './generated/gofer/v1/TaskConfig.js';
import type { TaskConfig__Output as WireTaskOut } from './generated/gofer/v1/TaskConfig.js';
import { enumFromWire, enumToWire } from './wire-enum.js';

const PIPELINE_KEYS = [
  'id',
  'name',
  'description',
  'parallelism',
  'task_concurrency',
  'timeout',
  'tasks',
];
const TASK_KEYS = [
  'id',
  'description',
  'image',
  'image_kind',
  'pull_policy',
  'registry_auth',
  'entrypoint',
  'command',
  'variables',
  'depends_on',
  'timeout',
  'retries',
  'resources',
  'inject_api_token',
];

/** Thrown for a config that cannot be put on the wire; `code` matches kernel/errors.ts. */
export class ConfigShapeError extends Error {
  readonly code = 'INVALID_ARGUMENT';
  constructor(
    message: string,
    readonly fix: string,
  ) {
    super(message);
    this.name = 'ConfigShapeError';
  }
}

function refuseUnknownKeys(where: string, value: object, known: readonly string[]): void {
  const unknown = Object.keys(value).filter((key) => !known.includes(key));
  if (unknown.length === 0) return;
  throw new ConfigShapeError(
    `${where} has unknown keys: ${unknown.join(', ')}`,
    `use only ${known.join(', ')} (see sdk/config/pipeline-config.ts)`,
  );
}

export function configToWire(config: PipelineConfig): WireConfig {
  if (typeof config !== 'object' || config === null || !Array.isArray(config.tasks)) {
    throw new ConfigShapeError(
      'the pipeline config is not an object with a `tasks` array',
      'emit a JSON object shaped like sdk/config/pipeline-config.ts',
    );
  }
  refuseUnknownKeys('the pipeline config', config, PIPELINE_KEYS);
  return { ...config, tasks: config.tasks.map(taskToWire) };
}

function taskToWire(task: TaskConfig, index: number): WireTask {
  refuseUnknownKeys(`task ${task.id ?? `#${index + 1}`}`, task, TASK_KEYS);
  const { image_kind, pull_policy, entrypoint, command, depends_on, ...plain } = task;
  const wire: WireTask = { ...plain };
  if (image_kind !== undefined) wire.image_kind = enumToWire('IMAGE_KIND', image_kind);
  if (pull_policy !== undefined) wire.pull_policy = enumToWire('PULL_POLICY', pull_policy);
  if (entrypoint !== undefined) wire.entrypoint = { values: entrypoint };
  if (command !== undefined) wire.command = { values: command };
  if (depends_on !== undefined) {
    wire.depends_on = Object.fromEntries(
      Object.entries(depends_on).map(([parent, status]) => [
        parent,
        enumToWire('REQUIRED_PARENT_STATUS', status),
      ]),
    );
  }
  return wire;
}

export function configFromWire(wire: WireConfigOut): PipelineConfig {
  const config: PipelineConfig = { id: wire.id, tasks: wire.tasks.map(taskFromWire) };
  if (wire.name !== undefined) config.name = wire.name;
  if (wire.description !== undefined) config.description = wire.description;
  if (wire.parallelism !== undefined) config.parallelism = wire.parallelism;
  if (wire.task_concurrency !== undefined) config.task_concurrency = wire.task_concurrency;
  if (wire.timeout !== undefined) config.timeout = wire.timeout;
  return config;
}

function parentStatusFromWire(task: string, parent: string, wire: string): RequiredParentStatus {
  const status = enumFromWire<RequiredParentStatus>('REQUIRED_PARENT_STATUS', wire);
  if (status) return status;
  throw new ConfigShapeError(
    `task ${task} depends on ${parent} with no required status`,
    'set depends_on values to ANY, SUCCESS or FAILURE',
  );
}

function taskFromWire(wire: WireTaskOut): TaskConfig {
  const task: TaskConfig = { id: wire.id, image: wire.image };
  if (wire.description !== undefined) task.description = wire.description;
  const kind = enumFromWire<'container' | 'wasm'>('IMAGE_KIND', wire.image_kind, 'lower');
  if (kind) task.image_kind = kind;
  const pull = enumFromWire<TaskConfig['pull_policy'] & string>(
    'PULL_POLICY',
    wire.pull_policy,
    'kebab',
  );
  if (pull) task.pull_policy = pull;
  if (wire.registry_auth) task.registry_auth = { ...wire.registry_auth };
  if (wire.entrypoint) task.entrypoint = [...wire.entrypoint.values];
  if (wire.command) task.command = [...wire.command.values];
  if (Object.keys(wire.variables).length > 0) task.variables = { ...wire.variables };
  const parents = Object.entries(wire.depends_on);
  if (parents.length > 0) {
    task.depends_on = Object.fromEntries(
      parents.map(([parent, status]) => [parent, parentStatusFromWire(wire.id, parent, status)]),
    );
  }
  if (wire.timeout !== undefined) task.timeout = wire.timeout;
  if (wire.retries !== undefined) task.retries = wire.retries;
  if (wire.resources) {
    const resources: TaskConfig['resources'] = {};
    if (wire.resources.memory_bytes !== undefined) {
      resources.memory_bytes = wire.resources.memory_bytes;
    }
    if (wire.resources.cpus !== undefined) resources.cpus = wire.resources.cpus;
    task.resources = resources;
  }
  if (wire.inject_api_token !== undefined) task.inject_api_token = wire.inject_api_token;
  return task;
}
