import { parseDuration } from '../../sdk/config/duration.js';
import { numberSetting } from '../../sdk/config/setting-values.js';

export interface WasiSchedulerOptions {
  /** Where transpiled components are kept, by content hash. */
  cacheDir: string;
  /** Linear-memory cap of a task without `resources.memory_bytes`. */
  memoryLimitBytes: number;
  /** Longest a task may run before it is stopped; 0 means no limit. */
  timeLimitMs: number;
  /** Finished workers kept warm for the next task; 0 starts a new worker for every task. */
  warmWorkers: number;
}

const MIB = 1024 * 1024;
export const DEFAULT_MEMORY_LIMIT_MB = 256;
export const DEFAULT_TIME_LIMIT = '1h';
export const DEFAULT_WARM_WORKERS = 8;

/**
 * Reads the `scheduler.wasi` section: `memory_limit_mb`, `time_limit` (`"0"` for none),
 * `warm_workers` and `cache_dir`.
 */
export function parseWasiSchedulerOptions(
  config: Readonly<Record<string, unknown>>,
  dataDir: string,
): WasiSchedulerOptions {
  const memorySetting = config.memory_limit_mb ?? DEFAULT_MEMORY_LIMIT_MB;
  const memory = numberSetting(memorySetting);
  if (memory === undefined || !(memory > 0)) {
    throw new Error(
      `scheduler.wasi.memory_limit_mb ${JSON.stringify(memorySetting)} is not a positive number of ` +
        `MiB; set it to e.g. ${DEFAULT_MEMORY_LIMIT_MB}`,
    );
  }
  const limit = String(config.time_limit ?? DEFAULT_TIME_LIMIT);
  const timeLimitMs = limit === '0' ? 0 : parseDuration(limit);
  if (timeLimitMs === undefined) {
    throw new Error(
      `scheduler.wasi.time_limit ${JSON.stringify(limit)} is not a duration; ` +
        `write it like "30m", or "0" for no limit`,
    );
  }
  const cacheDir =
    typeof config.cache_dir === 'string' ? config.cache_dir : `${dataDir}/transpiled`;
  const warmSetting = config.warm_workers ?? DEFAULT_WARM_WORKERS;
  const warmWorkers = numberSetting(warmSetting);
  if (warmWorkers === undefined || !Number.isInteger(warmWorkers) || warmWorkers < 0) {
    throw new Error(
      `scheduler.wasi.warm_workers ${JSON.stringify(warmSetting)} is not a whole number; ` +
        `set it to e.g. ${DEFAULT_WARM_WORKERS}, or 0 for a new worker per task`,
    );
  }
  return {
    cacheDir,
    memoryLimitBytes: memory * MIB,
    timeLimitMs,
    warmWorkers,
  };
}
