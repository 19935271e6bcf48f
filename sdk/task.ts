/**
 * Builder for one task of a pipeline. Every method records a field and returns the task, so a
 * task reads as one expression; nothing is checked until the pipeline's `finish()` validates
 * the whole config, which reports every problem at once with the task ids involved.
 */
import type {
  ImageKind,
  PullPolicy,
  RequiredParentStatus,
  TaskConfig,
  TaskResources,
} from './config/pipeline-config.js';

export class Task {
  private readonly config: TaskConfig;

  /** `image` is a container image reference, or the component to run for `imageKind('wasm')`. */
  constructor(id: string, image: string) {
    this.config = { id, image };
  }

  get id(): string {
    return this.config.id;
  }

  description(text: string): this {
    this.config.description = text;
    return this;
  }

  /** Replaces the image's command, e.g. `.command('sh', '-c', 'make test')`. */
  command(...args: string[]): this {
    this.config.command = [...args];
    return this;
  }

  /** Replaces the image's entrypoint; with no arguments, clears it. */
  entrypoint(...args: string[]): this {
    this.config.entrypoint = [...args];
    return this;
  }

  /**
   * Sets one environment variable. Keys are case-sensitive and kept as given; keys starting
   * with `GOFER_` are reserved for the variables the kernel sets.
   */
  variable(key: string, value: string): this {
    this.config.variables = { ...this.config.variables, [key]: value };
    return this;
  }

  /** Sets several variables at once, on top of those already set. */
  variables(values: Record<string, string>): this {
    this.config.variables = { ...this.config.variables, ...values };
    return this;
  }

  /**
   * Runs this task only once `parent` has ended in `status`: SUCCESS (the default), FAILURE, or
   * ANY. A task whose condition cannot be met any more is skipped.
   */
  dependsOn(parent: string, status: RequiredParentStatus = 'SUCCESS'): this {
    this.config.depends_on = { ...this.config.depends_on, [parent]: status };
    return this;
  }

  /** Runs this task once `parent` has ended, whatever its status. */
  dependsOnAny(parent: string): this {
    return this.dependsOn(parent, 'ANY');
  }

  /** A duration such as "30s" or "1h30m"; an attempt running longer is stopped and fails. */
  timeout(duration: string): this {
    this.config.timeout = duration;
    return this;
  }

  /** Extra attempts after a failed one, 0 to 10. */
  retries(count: number): this {
    this.config.retries = count;
    return this;
  }

  pullPolicy(policy: PullPolicy): this {
    this.config.pull_policy = policy;
    return this;
  }

  /** Credentials for the image's registry; the kernel never shows them back. */
  registryAuth(username: string, password: string): this {
    this.config.registry_auth = { username, password };
    return this;
  }

  /** Memory in bytes and CPUs in cores; absent limits are left to the engine. */
  resources(limits: TaskResources): this {
    this.config.resources = { ...limits };
    return this;
  }

  imageKind(kind: ImageKind): this {
    this.config.image_kind = kind;
    return this;
  }

  /** Gives the task a GOFER_API_TOKEN scoped to its namespace for the length of the run. */
  injectApiToken(inject = true): this {
    this.config.inject_api_token = inject;
    return this;
  }

  /** The task as plain config: a fresh copy, so later builder calls do not change it. */
  toConfig(): TaskConfig {
    return structuredClone(this.config);
  }
}
