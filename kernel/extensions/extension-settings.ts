/**
 * The one place setting and config keys are normalised: lower-cased, trimmed, and kept apart
 * from the keys the kernel itself supplies (prefix `gofer_`).
 */
import type { Subscription } from '../contracts/model.js';
import { invalidArgument } from '../errors.js';

const KERNEL_PREFIX = 'gofer_';

export function normaliseKeys(
  map: Record<string, string>,
  what: 'setting' | 'config',
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [raw, value] of Object.entries(map)) {
    const key = raw.trim().toLowerCase();
    if (key === '') {
      throw invalidArgument(`a ${what} key is empty`, `write each ${what} as KEY=VALUE`);
    }
    if (key.startsWith(KERNEL_PREFIX)) {
      throw invalidArgument(
        `${what} key "${raw}" is reserved: keys starting with "${KERNEL_PREFIX}" are set by Gofer`,
        `rename the ${what}`,
      );
    }
    if (key in out) {
      throw invalidArgument(
        `${what} key "${raw}" is given twice (keys are case-insensitive)`,
        `give each ${what} once`,
      );
    }
    out[key] = value;
  }
  return out;
}

/** What the extension receives for a subscription: the user's settings plus the kernel's. */
export function settingsForExtension(sub: Subscription): Record<string, string> {
  const settings: Record<string, string> = {
    ...sub.settings,
    gofer_anchor_ms: String(sub.anchorMs),
  };
  if (sub.lastRunMs > 0) settings.gofer_last_run_ms = String(sub.lastRunMs);
  return settings;
}
