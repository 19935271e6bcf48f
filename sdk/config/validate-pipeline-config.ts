/**
 * Checks a pipeline config before anything stores or emits it. The kernel calls this on every
 * registration and answers INVALID_ARGUMENT with the problems; the SDK calls it before a
 * pipeline program prints its config. Every problem is reported, not just the first, and each
 * message names the task ids it is about so a user can find them in a large pipeline.
 *
 * Keys are kept exactly as given. Variable keys in particular are case-sensitive: `Path` and
 * `PATH` are two variables, and only keys starting with upper-case `GOFER_` are reserved.
 */
import { parseDuration } from './duration.js';
import { closestKey } from './closest-key.js';
import { checkTaskGraph, type GraphTask } from './check-task-graph.js';
import type { PipelineConfig } from './pipeline-config.js';
import { parseStoreReference } from './store-reference.js';

export interface Problem {
  /** Where the problem is, e.g. `tasks[2].depends_on.build`; empty for the config as a whole. */
  path: string;
  message: string;
  /** Ids of the tasks the problem is about; empty for pipeline-level problems. */
  tasks: string[];
}

export type ValidationResult =
  { ok: true; config: PipelineConfig } | { ok: false; problems: Problem[] };

/** Letters, digits, `_` and `-`, 3 to 64 characters. Shared by pipeline and task ids. */
export const ID_PATTERN = /^[A-Za-z0-9_-]{3,64}$/;
/** Like a shell variable name; `GOFER_` is refused separately because the kernel owns it. */
export const VARIABLE_KEY_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const RESERVED_VARIABLE_PREFIX = 'GOFER_';
export const MAX_RETRIES = 10;

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
  'placement',
  'inject_api_token',
];
const REGISTRY_AUTH_KEYS = ['username', 'password'];
const RESOURCE_KEYS = ['memory_bytes', 'cpus'];
const DEPENDENCY_KINDS = ['ANY', 'SUCCESS', 'FAILURE'];
const IMAGE_KINDS = ['container', 'wasm'];
const PULL_POLICIES = ['if-not-present', 'always', 'never'];

type Json = Record<string, unknown>;

/** Collects problems for one place in the config: the pipeline, or one task. */
class Reporter {
  constructor(
    readonly problems: Problem[],
    private readonly subject: string,
    private readonly tasks: string[],
  ) {}

  add(path: string, message: string, tasks = this.tasks): void {
    this.problems.push({ path, message: `${this.subject}: ${message}`, tasks });
  }
}

export function validatePipelineConfig(input: unknown): ValidationResult {
  const problems: Problem[] = [];
  if (!isObject(input)) {
    problems.push({
      path: '',
      message: `config must be a JSON object, got ${kindOf(input)}`,
      tasks: [],
    });
    return { ok: false, problems };
  }

  const subject = typeof input.id === 'string' ? `pipeline ${quote(input.id)}` : 'pipeline';
  const pipeline = new Reporter(problems, subject, []);
  checkPipelineFields(input, pipeline);
  const tasks = checkTaskList(input.tasks, pipeline);
  checkTaskGraph(tasks, problems);

  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, config: input as unknown as PipelineConfig };
}

/** One line per problem, for a terminal or an error message. */
export function formatProblems(problems: readonly Problem[]): string {
  return problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message)).join('\n');
}

function checkPipelineFields(input: Json, r: Reporter): void {
  checkUnknownKeys(input, PIPELINE_KEYS, '', r);
  checkId(input.id, 'id', 'pipeline id', r);
  checkOptionalString(input.name, 'name', r);
  checkOptionalString(input.description, 'description', r);
  checkCount(input.parallelism, 'parallelism', r);
  checkCount(input.task_concurrency, 'task_concurrency', r);
  checkDuration(input.timeout, 'timeout', r);
}

function checkTaskList(value: unknown, pipeline: Reporter): GraphTask[] {
  if (!Array.isArray(value)) {
    const got = value === undefined ? 'it is missing' : `got ${kindOf(value)}`;
    pipeline.add('tasks', `tasks must be a list of at least one task, ${got}`);
    return [];
  }
  if (value.length === 0) pipeline.add('tasks', 'needs at least one task, tasks is empty');

  const checked: GraphTask[] = [];
  value.forEach((task, index) => {
    const result = checkTask(task, index, pipeline.problems);
    if (result) checked.push(result);
  });
  return checked;
}

function checkTask(task: unknown, index: number, problems: Problem[]): GraphTask | undefined {
  const at = `tasks[${index}]`;
  if (!isObject(task)) {
    problems.push({ path: at, message: `${at} must be an object, got ${kindOf(task)}`, tasks: [] });
    return undefined;
  }

  const id = typeof task.id === 'string' ? task.id : '';
  const r = new Reporter(problems, id ? `task ${quote(id)}` : `task at ${at}`, id ? [id] : []);
  checkUnknownKeys(task, TASK_KEYS, at, r);
  checkId(task.id, `${at}.id`, 'task id', r);
  checkOptionalString(task.description, `${at}.description`, r);
  checkImage(task, at, r);
  checkRegistryAuth(task.registry_auth, `${at}.registry_auth`, r);
  checkStringList(task.entrypoint, `${at}.entrypoint`, r);
  checkStringList(task.command, `${at}.command`, r);
  checkVariables(task.variables, `${at}.variables`, r);
  checkDuration(task.timeout, `${at}.timeout`, r);
  checkRetries(task.retries, `${at}.retries`, r);
  checkResources(task.resources, `${at}.resources`, r);
  checkStringList(task.placement, `${at}.placement`, r);
  if (task.inject_api_token !== undefined && typeof task.inject_api_token !== 'boolean') {
    r.add(
      `${at}.inject_api_token`,
      `inject_api_token must be true or false, got ${show(task.inject_api_token)}`,
    );
  }

  const dependsOn = checkDependencyKinds(task.depends_on, `${at}.depends_on`, r);
  return id ? { id, index, dependsOn } : undefined;
}

function checkImage(task: Json, at: string, r: Reporter): void {
  if (typeof task.image !== 'string' || task.image.trim() === '') {
    const got = task.image === undefined ? 'it is missing' : `got ${show(task.image)}`;
    r.add(`${at}.image`, `image must be a non-empty string, ${got}`);
  }
  checkEnum(task.image_kind, IMAGE_KINDS, `${at}.image_kind`, 'image_kind', r);
  checkEnum(task.pull_policy, PULL_POLICIES, `${at}.pull_policy`, 'pull_policy', r);
}

function checkRegistryAuth(value: unknown, at: string, r: Reporter): void {
  if (value === undefined) return;
  if (!isObject(value)) {
    r.add(at, `registry_auth must be an object with username and password, got ${kindOf(value)}`);
    return;
  }
  checkUnknownKeys(value, REGISTRY_AUTH_KEYS, at, r);
  for (const key of REGISTRY_AUTH_KEYS) {
    // The values are never echoed: they are credentials.
    if (typeof value[key] !== 'string')
      r.add(`${at}.${key}`, `registry_auth.${key} must be a string`);
  }
}

function checkVariables(value: unknown, at: string, r: Reporter): void {
  if (value === undefined) return;
  if (!isObject(value)) {
    r.add(at, `variables must be an object of string values, got ${kindOf(value)}`);
    return;
  }
  for (const [key, val] of Object.entries(value)) {
    const path = `${at}.${key}`;
    if (!VARIABLE_KEY_PATTERN.test(key)) {
      r.add(
        path,
        `variable key ${quote(key)} must match ${VARIABLE_KEY_PATTERN.source} ` +
          '(letters, digits and _, not starting with a digit)',
      );
    } else if (key.startsWith(RESERVED_VARIABLE_PREFIX)) {
      r.add(
        path,
        `variable key ${quote(key)} starts with ${RESERVED_VARIABLE_PREFIX}, which is reserved ` +
          'for system variables; rename it',
      );
    }
    if (typeof val !== 'string') {
      r.add(
        path,
        `variable ${quote(key)} must be a string, got ${kindOf(val)}; quote numbers and booleans`,
      );
    } else {
      const parsed = parseStoreReference(val);
      if (parsed.type === 'malformed') r.add(path, `variable ${quote(key)}: ${parsed.problem}`);
    }
  }
}

function checkResources(value: unknown, at: string, r: Reporter): void {
  if (value === undefined) return;
  if (!isObject(value)) {
    r.add(at, `resources must be an object, got ${kindOf(value)}`);
    return;
  }
  checkUnknownKeys(value, RESOURCE_KEYS, at, r);
  const memory = value.memory_bytes;
  if (memory !== undefined && !(Number.isInteger(memory) && (memory as number) > 0)) {
    r.add(
      `${at}.memory_bytes`,
      `resources.memory_bytes must be a positive whole number of bytes, got ${show(memory)}`,
    );
  }
  const cpus = value.cpus;
  if (cpus !== undefined && !(typeof cpus === 'number' && Number.isFinite(cpus) && cpus > 0)) {
    r.add(`${at}.cpus`, `resources.cpus must be a positive number of cores, got ${show(cpus)}`);
  }
}

/** Checks each dependency's kind; returns the parent ids so the graph checks can use them. */
function checkDependencyKinds(value: unknown, at: string, r: Reporter): string[] {
  if (value === undefined) return [];
  if (!isObject(value)) {
    r.add(
      at,
      `depends_on must be an object of parent id to ANY, SUCCESS or FAILURE, got ${kindOf(value)}`,
    );
    return [];
  }
  for (const [parent, kind] of Object.entries(value)) {
    if (typeof kind !== 'string' || !DEPENDENCY_KINDS.includes(kind)) {
      r.add(
        `${at}.${parent}`,
        `dependency on ${quote(parent)} has kind ${show(kind)}; use ANY, SUCCESS or FAILURE`,
      );
    }
  }
  return Object.keys(value);
}

function checkUnknownKeys(value: Json, known: readonly string[], at: string, r: Reporter): void {
  for (const key of Object.keys(value)) {
    if (known.includes(key)) continue;
    const near = closestKey(key, known);
    const hint = near ? `did you mean ${quote(near)}?` : `known keys are ${known.join(', ')}`;
    r.add(at ? `${at}.${key}` : key, `unknown key ${quote(key)}; ${hint}`);
  }
}

function checkId(value: unknown, at: string, what: string, r: Reporter): void {
  if (typeof value !== 'string') {
    const got = value === undefined ? 'it is missing' : `got ${kindOf(value)}`;
    r.add(at, `${what} must be a string, ${got}`);
  } else if (!ID_PATTERN.test(value)) {
    r.add(at, `${what} ${quote(value)} must be 3 to 64 letters, digits, _ or -`);
  }
}

function checkOptionalString(value: unknown, at: string, r: Reporter): void {
  if (value !== undefined && typeof value !== 'string') {
    r.add(at, `${lastKey(at)} must be a string, got ${kindOf(value)}`);
  }
}

function checkStringList(value: unknown, at: string, r: Reporter): void {
  if (value === undefined) return;
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    r.add(at, `${lastKey(at)} must be a list of strings, got ${show(value)}`);
  }
}

function checkCount(value: unknown, at: string, r: Reporter): void {
  if (value !== undefined && !(Number.isInteger(value) && (value as number) >= 0)) {
    r.add(at, `${at} must be a whole number, 0 or more, got ${show(value)}`);
  }
}

function checkRetries(value: unknown, at: string, r: Reporter): void {
  if (value === undefined) return;
  if (!(Number.isInteger(value) && (value as number) >= 0 && (value as number) <= MAX_RETRIES)) {
    r.add(at, `retries must be a whole number from 0 to ${MAX_RETRIES}, got ${show(value)}`);
  }
}

function checkDuration(value: unknown, at: string, r: Reporter): void {
  if (value === undefined) return;
  if (typeof value !== 'string' || parseDuration(value) === undefined) {
    r.add(at, `${lastKey(at)} ${show(value)} is not a duration; write e.g. "90s", "5m" or "1h30m"`);
  } else if (parseDuration(value) === 0) {
    r.add(at, `${lastKey(at)} must be longer than zero; leave it out for no limit`);
  }
}

function checkEnum(value: unknown, allowed: string[], at: string, what: string, r: Reporter): void {
  if (value !== undefined && (typeof value !== 'string' || !allowed.includes(value))) {
    r.add(at, `${what} ${show(value)} is not one of ${allowed.join(', ')}`);
  }
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${show(value)}`;
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

const quote = (text: string): string => JSON.stringify(text);
const lastKey = (path: string): string => path.slice(path.lastIndexOf('.') + 1);
