/**
 * The pipeline config: the plain JSON document that a pipeline program emits and that
 * `gofer pipeline register` sends to the kernel. Any language can produce it; the JSON schema in
 * `sdk/config/pipeline-config.schema.json` describes the same shape. Keys are snake_case on the
 * wire and here, so a config reads the same in every language.
 */

/** How a child task depends on one parent's final status. See docs/dependencies.md. */
export type RequiredParentStatus = 'ANY' | 'SUCCESS' | 'FAILURE';

/** What kind of artefact `image` names; each scheduler says which kinds it can run. */
export type ImageKind = 'container' | 'wasm';

/** When the container scheduler pulls a task's image. */
export type PullPolicy = 'if-not-present' | 'always' | 'never';

export interface RegistryAuth {
  username: string;
  password: string;
}

export interface TaskResources {
  /** Memory limit in bytes; absent means the engine's default (no limit). */
  memory_bytes?: number;
  /** CPU limit in (possibly fractional) cores; absent means no limit. */
  cpus?: number;
}

export interface TaskConfig {
  id: string;
  description?: string;
  /** Container image reference, or for `image_kind: "wasm"` the component to run. */
  image: string;
  /** Defaults to `container`. */
  image_kind?: ImageKind;
  /** Defaults to `if-not-present`. */
  pull_policy?: PullPolicy;
  registry_auth?: RegistryAuth;
  /** Overrides the image's entrypoint when present. */
  entrypoint?: string[];
  /** Overrides the image's command when present. */
  command?: string[];
  /**
   * Environment given to the task; see docs/variables.md for precedence. Keys are case-sensitive
   * and kept as given (`Path` and `PATH` are two variables); keys starting with `GOFER_` are
   * reserved for the variables the kernel sets.
   */
  variables?: Record<string, string>;
  /** Parent task id to the status it must end in for this task to run. */
  depends_on?: Record<string, RequiredParentStatus>;
  /** Duration such as "90s", "5m" or "1h30m"; absent means no limit. */
  timeout?: string;
  /** Extra attempts after a failed one (0-10); defaults to 0. */
  retries?: number;
  resources?: TaskResources;
  /**
   * Swarm placement constraints such as `node.labels.zone==eu`, all of which a node must meet to
   * run the task. Only the swarm scheduler reads them; every other scheduler ignores them.
   */
  placement?: string[];
  /** Gives the task a GOFER_API_TOKEN scoped to its namespace for the length of the run. */
  inject_api_token?: boolean;
}

export interface PipelineConfig {
  id: string;
  name?: string;
  description?: string;
  /** Runs of this pipeline allowed at once; 0 or absent means only the global limit applies. */
  parallelism?: number;
  /** Tasks of one run allowed to run at once; 0 or absent means the kernel's default. */
  task_concurrency?: number;
  /** Duration limit for a whole run; absent means no limit. */
  timeout?: string;
  tasks: TaskConfig[];
}
