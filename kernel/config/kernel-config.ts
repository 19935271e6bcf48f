/**
 * The service configuration. Sources, later winning: built-in defaults, the TOML file
 * (`--config`, else `GOFER_CONFIG`, else `/etc/gofer/gofer.toml` when it exists), then
 * environment variables named `GOFER_` + the key path upper-cased with `__` between levels
 * (`GOFER_SCHEDULER__ENGINE=docker`, `GOFER_SERVER__ADDRESS=127.0.0.1:9000`). Durations are
 * strings such as "10s". See docs/configuration.md.
 */
export interface KernelConfig {
  /** Every file Gofer writes lives under this directory. */
  data_dir: string;
  /** Development mode: plain text API off loopback, the allow-all auth plugin, pretty logs. */
  dev_mode: boolean;
  /**
   * Restricted mode: no container engine and no outbound network. Plugins whose manifest asks
   * for either are refused at start; see docs/restricted-mode.md.
   */
  restricted: boolean;
  log_level: 'trace' | 'debug' | 'info' | 'warn' | 'error';
  server: {
    /** `host:port` of the gRPC API; loopback by default. */
    address: string;
    /** PEM files; without them the API speaks plain text, allowed only on loopback or in dev mode. */
    tls_cert: string;
    tls_key: string;
    /** How long shutdown waits for calls in flight. */
    shutdown_timeout: string;
  };
  runs: {
    /** Runs in flight at once across all pipelines; 0 means unlimited. */
    global_parallelism: number;
    /** Tasks of one run running at once when the pipeline sets no `task_concurrency`. */
    task_concurrency: number;
    /** Time between SIGTERM and SIGKILL when a task is cancelled or times out. */
    cancel_grace: string;
    /** Task logs are deleted once a run has this many newer runs. */
    log_retention_runs: number;
    /** Events older than this are deleted. */
    event_retention: string;
    /** Config versions kept per pipeline (the live one and ones runs refer to are always kept). */
    config_versions_kept: number;
    /** Remove a task attempt's workload (its container) as soon as the attempt has ended. */
    remove_finished_workloads: boolean;
  };
  scheduler: {
    /**
     * Which scheduler plugin runs tasks: `docker`, `swarm`, `wasi`, `inprocess` (no engine; for
     * tests), or the name of an installed scheduler plugin.
     */
    engine: string;
    docker: {
      /** Engine socket; `DOCKER_HOST` style `unix://` or a path. */
      socket: string;
      /** `host` or `none`. */
      network_mode: string;
      /** A pull that has not finished by then fails the task, naming the image. */
      pull_timeout: string;
      /**
       * Registries the scheduler may pull from. An image from any other registry is refused
       * unless present locally; add e.g. `docker.io` to allow Docker Hub.
       */
      pull_registries: string[];
    };
    [engine: string]: unknown;
  };
  state_store: {
    engine: string;
    sqlite: {
      /** Defaults to `<data_dir>/plugins/gofer.state-store.sqlite/gofer.db`. */
      path: string;
      busy_timeout: string;
    };
    [engine: string]: unknown;
  };
  object_store: {
    engine: string;
    /** Pipeline objects kept per pipeline; a put past it evicts the oldest key. */
    pipeline_object_limit: number;
    /** A run's objects are deleted once the run has this many newer runs. */
    run_object_expiry: number;
    sqlite: {
      /** Defaults to `<data_dir>/plugins/gofer.object-store.sqlite/objects.db`. */
      path: string;
      busy_timeout: string;
    };
    [engine: string]: unknown;
  };
  secret_store: {
    engine: string;
    sqlite: {
      /**
       * 32 bytes as 64 hex characters or base64; required outside dev mode. Set it with
       * `GOFER_SECRET_STORE__SQLITE__ENCRYPTION_KEY=$(openssl rand -hex 32)`.
       */
      encryption_key: string;
      /** Defaults to `<data_dir>/plugins/gofer.secret-store.sqlite/secrets.db`. */
      path: string;
      busy_timeout: string;
    };
    [engine: string]: unknown;
  };
  auth: {
    /** Ignored in dev mode, which always uses `allow-all`. */
    engine: string;
    [engine: string]: unknown;
  };
  plugins: {
    /** Extra plugin directories to load, each holding a `gofer-plugin.json`. */
    paths: string[];
  };
  extensions: {
    /** `host:port` of the `POST /events/<extension>` endpoint; loopback by default. */
    events_address: string;
    /** Deadline of any one call into an extension. */
    call_timeout: string;
    /** How long a started extension may take to answer, and calls wait for one starting. */
    ready_timeout: string;
    /** First delay before restarting a crashed extension; doubles up to restart_backoff_max. */
    restart_backoff: string;
    restart_backoff_max: string;
    /** Linear-memory cap of each wasm extension, in MiB. */
    memory_limit_mb: number;
    /** Install the provided extensions (interval, cron, github) as wasm at start if missing. */
    install_provided: boolean;
  };
}

export function defaultConfig(): KernelConfig {
  return {
    data_dir: defaultDataDir(),
    dev_mode: false,
    restricted: false,
    log_level: 'info',
    server: {
      address: '127.0.0.1:8080',
      tls_cert: '',
      tls_key: '',
      shutdown_timeout: '15s',
    },
    runs: {
      global_parallelism: 200,
      task_concurrency: 8,
      cancel_grace: '10s',
      log_retention_runs: 50,
      event_retention: '720h',
      config_versions_kept: 10,
      remove_finished_workloads: true,
    },
    scheduler: {
      engine: 'docker',
      docker: {
        socket: '/var/run/docker.sock',
        network_mode: 'host',
        pull_timeout: '2m',
        pull_registries: ['localhost', '127.0.0.1', '[::1]'],
      },
    },
    state_store: {
      engine: 'sqlite',
      sqlite: { path: '', busy_timeout: '5s' },
    },
    object_store: {
      engine: 'sqlite',
      pipeline_object_limit: 50,
      run_object_expiry: 50,
      sqlite: { path: '', busy_timeout: '5s' },
    },
    secret_store: {
      engine: 'sqlite',
      sqlite: { encryption_key: '', path: '', busy_timeout: '5s' },
    },
    auth: { engine: 'token' },
    plugins: { paths: [] },
    extensions: {
      events_address: '127.0.0.1:8081',
      call_timeout: '10s',
      ready_timeout: '30s',
      restart_backoff: '1s',
      restart_backoff_max: '1m',
      memory_limit_mb: 64,
      install_provided: true,
    },
  };
}

function defaultDataDir(): string {
  const home = process.env.HOME ?? '/tmp';
  return process.getuid?.() === 0 ? '/var/lib/gofer' : `${home}/.local/share/gofer`;
}
