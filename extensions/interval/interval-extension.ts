/**
 * The interval extension: starts a run of each subscribed pipeline every `every`, on a grid
 * anchored at the subscription's own phase so that restarts never shift it.
 *
 * Setting keys the kernel supplies beside the user's:
 * - `gofer_anchor_ms` (epoch ms): the subscription's phase, fixed when it was created. Runs start
 *   at anchor + k * every (k >= 1), computed from the anchor each time, so nothing drifts. Without
 *   it the first tick after subscribing becomes the anchor.
 * - `gofer_last_run_ms` (epoch ms, optional): when the subscription last started a run. After a
 *   restart it tells which grid points were missed while the extension was down.
 *
 * Catch-up policy: however many grid points were missed, at most one run is started for them, on
 * the first tick that sees them; the grid then carries on from the next point.
 */
import { parseDuration } from '../../sdk/config/duration.js';
import { defineExtension, host } from '../../sdk/extension/index.js';
import type { SubscriptionRef } from '../../kernel/contracts/extension.js';

interface Subscription {
  ref: SubscriptionRef;
  every: number;
  anchor?: number;
  /** Index k of the last grid point a run was started (or deliberately skipped) for. */
  lastK?: number;
  lastRun?: number;
}

const DEFAULT_MIN_EVERY = '1m';
let minEvery = parseDuration(DEFAULT_MIN_EVERY) as number;
const subs = new Map<string, Subscription>();

const keyOf = (ref: SubscriptionRef) => `${ref.namespace}/${ref.pipeline}/${ref.label}`;

function durationSetting(name: string, text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0) {
    throw new Error(`${name} "${text}" is not a duration; write it like "30s", "5m" or "1h30m"`);
  }
  return ms;
}

function epochSetting(name: string, text: string | undefined): number | undefined {
  if (text === undefined || text === '') return undefined;
  const ms = Number(text);
  if (!Number.isSafeInteger(ms) || ms < 0) {
    throw new Error(`${name} "${text}" is not an epoch time in ms; the kernel sets it, not users`);
  }
  return ms;
}

function parseSubscription(ref: SubscriptionRef, settings: Record<string, string>): Subscription {
  if (settings.every === undefined) {
    throw new Error(`setting "every" is required; subscribe with --setting every=5m, say`);
  }
  const every = durationSetting('every', settings.every);
  if (every < minEvery) {
    throw new Error(
      `every "${settings.every}" is below this installation's minimum of ${minEvery} ms ` +
        `(config min_every); choose a longer interval`,
    );
  }
  const anchor = epochSetting('gofer_anchor_ms', settings.gofer_anchor_ms);
  const lastRun = epochSetting('gofer_last_run_ms', settings.gofer_last_run_ms);
  return { ref, every, anchor, lastRun };
}

// Fires at most once per call: the newest grid point at or before `now` that has no run yet.
function advance(sub: Subscription, now: number): number {
  if (sub.anchor === undefined) sub.anchor = now;
  const anchor = sub.anchor;
  const k = Math.floor((now - anchor) / sub.every);
  if (sub.lastK === undefined) {
    const seen = sub.lastRun !== undefined ? sub.lastRun : now;
    sub.lastK = Math.max(0, Math.floor((seen - anchor) / sub.every));
  }

  if (k > sub.lastK) {
    sub.lastK = k;
    startRun(sub, anchor + k * sub.every);
  }
  return anchor + (Math.max(k, 0) + 1) * sub.every - now;
}

function startRun(sub: Subscription, at: number) {
  const reason = `interval: every ${sub.every} ms, due at ${new Date(at).toISOString()}`;
  try {
    const run = host.startRun({ ...sub.ref, reason });
    host.log('debug', `started run ${run} of ${keyOf(sub.ref)}`);
  } catch (err) {
    host.log('error', `could not start a run of ${keyOf(sub.ref)}: ${(err as Error).message}`);
  }
}

export default defineExtension({
  info: {
    name: 'interval',
    version: '0.1.0',
    documentation:
      'Starts a run of each subscribed pipeline every `every` (a duration such as "5m"). ' +
      'Runs keep the phase of the subscription across restarts; ticks missed while the ' +
      'extension was down produce at most one catch-up run.',
    configParams: [
      {
        key: 'min_every',
        required: false,
        documentation: `Shortest interval a subscription may ask for (default "${DEFAULT_MIN_EVERY}").`,
      },
    ],
    subscriptionParams: [
      { key: 'every', required: true, documentation: 'How often to start a run, e.g. "5m".' },
    ],
  },

  init(config) {
    minEvery = durationSetting('min_every', config.min_every ?? DEFAULT_MIN_EVERY);
  },

  subscribe(ref, settings) {
    const next = parseSubscription(ref, settings);
    const existing = subs.get(keyOf(ref));
    if (existing && existing.every === next.every && existing.anchor === next.anchor) return;
    subs.set(keyOf(ref), next);
  },

  // Removing what is not there is harmless, as subscribing twice is: the kernel may replay both.
  unsubscribe(ref) {
    subs.delete(keyOf(ref));
  },

  tick(now) {
    let wait = 0;
    for (const sub of subs.values()) {
      const due = advance(sub, now);
      if (wait === 0 || due < wait) wait = due;
    }
    return wait;
  },

  shutdown() {
    subs.clear();
  },
});
