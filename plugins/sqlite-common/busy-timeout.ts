import { parseDuration } from '../../sdk/config/duration.js';
import { numberSetting } from '../../sdk/config/setting-values.js';

const DEFAULT_BUSY_TIMEOUT_MS = 5000;

/**
 * A SQLite store's `busy_timeout` in milliseconds: the default when unset, a whole number of
 * milliseconds (typed, or digits from the environment), or a duration such as "5s". Undefined
 * when it is none of these; the store words the refusal.
 */
export function parseBusyTimeout(value: unknown): number | undefined {
  if (value === undefined || value === '') return DEFAULT_BUSY_TIMEOUT_MS;
  const ms = numberSetting(value);
  if (ms !== undefined) return Number.isInteger(ms) && ms >= 0 ? ms : undefined;
  return typeof value === 'string' ? parseDuration(value) : undefined;
}
