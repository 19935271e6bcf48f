/**
 * The extension contract: one interface for a long-running extension, whichever runtime hosts
 * it (a container speaking gRPC, or a WebAssembly component in a worker thread). The kernel's
 * extension manager sees only `ExtensionInstance`; the same operations are declared for the
 * wire in `proto/gofer/v1/extension.proto` and `proto/wit/gofer-extension.wit`, versioned
 * together.
 *
 * Setting and config keys reach an extension lower-cased (normalised once, by the kernel).
 */

/** One configuration or subscription parameter an extension accepts. */
export interface ExtensionParam {
  key: string;
  required: boolean;
  documentation: string;
}

export interface ExtensionInfo {
  name: string;
  version: string;
  /** Markdown shown by `gofer extension get`. */
  documentation: string;
  configParams: ExtensionParam[];
  subscriptionParams: ExtensionParam[];
}

export interface SubscriptionRef {
  namespace: string;
  pipeline: string;
  /** Chosen by the user, so one pipeline can subscribe to one extension several times. */
  label: string;
}

export interface ExternalEvent {
  /** Header names lower-cased; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** The exact request body bytes. */
  body: Uint8Array;
}

export interface ExternalEventResponse {
  status: number;
  body: string;
}

export interface RunFinishedNotice {
  subscription: SubscriptionRef;
  run: number;
  status: 'SUCCESSFUL' | 'FAILED' | 'CANCELLED';
}

export type ExtensionLogLevel = 'debug' | 'info' | 'warn' | 'error';

/** What the kernel offers an extension; every call is checked against its subscriptions. */
export interface ExtensionHost {
  /**
   * Starts a run of a pipeline subscribed to this extension under `label`. Rejects with a
   * message when the subscription does not exist or is not active.
   */
  startRun(req: {
    namespace: string;
    pipeline: string;
    label: string;
    variables: Record<string, string>;
    reason: string;
  }): Promise<{ run: number }>;
  log(level: ExtensionLogLevel, message: string): void;
  /**
   * UTC offset in minutes of IANA time zone `zone` at epoch ms `at`, for guests without
   * time-zone data. Rejects for an unknown zone.
   */
  timeZoneOffset(zone: string, at: number): Promise<number>;
}

/** Why an instance stopped being usable. */
export interface ExtensionExit {
  reason: string;
  /** True when the kernel asked for it (shutdown), false for a crash, trap or deadline. */
  requested: boolean;
}

/**
 * A running extension. Every call rejects with an `Error` whose message the user can read when
 * the extension refuses (bad settings, say); a call that breaks the instance (trap, deadline,
 * crash) also settles `exited`, after which the instance must be replaced.
 */
export interface ExtensionInstance {
  init(config: Record<string, string>): Promise<void>;
  info(): Promise<ExtensionInfo>;
  /** Validates `settings` and starts watching; subscribing twice is harmless. */
  subscribe(sub: SubscriptionRef, settings: Record<string, string>): Promise<void>;
  unsubscribe(sub: SubscriptionRef): Promise<void>;
  externalEvent(event: ExternalEvent): Promise<ExternalEventResponse>;
  /**
   * Host-driven time: the extension does its time-based work for `now` (epoch ms) and says how
   * many ms until it next wants to be called; 0 means "not until something changes".
   */
  tick(now: number): Promise<number>;
  /** Optional for an extension to act on; a runtime whose guest lacks it resolves quietly. */
  runFinished(notice: RunFinishedNotice): Promise<void>;
  shutdown(): Promise<void>;
  readonly exited: Promise<ExtensionExit>;
}

export interface ExtensionLaunchSpec {
  /** The installed extension's name. */
  name: string;
  /** `.wasm` file path for the wasm runtime; image reference for the container runtime. */
  source: string;
  /** Permissions the operator granted (e.g. `wasi:clocks`, `wasi:random`). */
  grants: readonly string[];
  host: ExtensionHost;
  /** Deadline for any one call into the extension. */
  callTimeoutMs: number;
  /** Linear-memory cap for wasm guests. */
  memoryLimitBytes: number;
}

export interface ExtensionRuntime {
  readonly kind: 'wasm' | 'container';
  /** Checks a source before install (imports against the allow-list, say); returns problems. */
  check(source: string, grants: readonly string[]): Promise<string[]>;
  launch(spec: ExtensionLaunchSpec): Promise<ExtensionInstance>;
}
