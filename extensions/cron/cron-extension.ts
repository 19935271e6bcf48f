/**
 * The cron extension: starts a run of each subscribed pipeline when its cron expression
 * matches the wall clock of its time zone (see cron-schedule.ts for the syntax and for what
 * happens across daylight-saving changes). The guest has no time-zone data, so offsets come
 * from the host, and no clock, so it fires from the host-driven `tick`.
 *
 * Catch-up policy, as the interval extension's: firing times missed while the service was down
 * (after `gofer_last_run_ms`, which the kernel supplies) produce one run at the first tick;
 * the schedule then carries on from that tick.
 */
import { defineExtension, host } from '../../sdk/extension/index.js';
import type { SubscriptionRef } from '../../kernel/contracts/extension.js';
import {
  nextFire,
  parseCron,
  utcOffset,
  type CronSchedule,
  type OffsetAt,
} from './cron-schedule.js';

interface Subscription {
  ref: SubscriptionRef;
  schedule: CronSchedule;
  timezone: string;
  offsetAt: OffsetAt;
  lastRun?: number;
  /** The next firing time, once a tick has placed the subscription on the clock. */
  next?: number | null;
}

const DEFAULT_ZONE = 'UTC';
const subs = new Map<string, Subscription>();
let defaultZone = DEFAULT_ZONE;

const keyOf = (ref: SubscriptionRef) => `${ref.namespace}/${ref.pipeline}/${ref.label}`;

function offsetsOf(zone: string): OffsetAt {
  if (zone === 'UTC') return utcOffset;
  return (at) => host.timeZoneOffset(zone, at);
}

function checkZone(zone: string, at: number): void {
  try {
    host.timeZoneOffset(zone, at);
  } catch (err) {
    throw new Error(
      `timezone "${zone}" is not known to Gofer (${(err as Error).message}); ` +
        `use an IANA name such as "Europe/Berlin" or "UTC"`,
      { cause: err },
    );
  }
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
  if (!settings.expression) {
    throw new Error(`setting "expression" is required; subscribe with -s expression="0 3 * * *"`);
  }
  const schedule = parseCron(settings.expression);
  const timezone = settings.timezone || defaultZone;
  const anchor = epochSetting('gofer_anchor_ms', settings.gofer_anchor_ms) ?? 0;
  checkZone(timezone, anchor);
  const offsetAt = offsetsOf(timezone);
  // Subscribing is when a schedule that can never fire is refused; the search is bounded by
  // the last year the year field allows, so this takes at most one pass over the days.
  if (nextFire(schedule, anchor, offsetAt) === undefined) {
    throw new Error(
      `expression "${settings.expression}" never fires after ` +
        `${new Date(anchor).toISOString()} (in ${timezone}); check its day, month and year fields`,
    );
  }
  const lastRun = epochSetting('gofer_last_run_ms', settings.gofer_last_run_ms);
  return { ref, schedule, timezone, offsetAt, lastRun };
}

function advance(sub: Subscription, now: number): number {
  if (sub.next === undefined) sub.next = nextFire(sub.schedule, sub.lastRun ?? now, sub.offsetAt);
  if (sub.next === null || sub.next === undefined) return 0;
  if (sub.next <= now) {
    startRun(sub, sub.next);
    sub.next = nextFire(sub.schedule, now, sub.offsetAt) ?? null;
    if (sub.next === null) return 0;
  }
  return sub.next - now;
}

function startRun(sub: Subscription, at: number) {
  const reason = `cron: "${sub.schedule.expression}" (${sub.timezone}), due at ${new Date(at).toISOString()}`;
  try {
    const run = host.startRun({ ...sub.ref, reason });
    host.log('debug', `started run ${run} of ${keyOf(sub.ref)}`);
  } catch (err) {
    host.log('error', `could not start a run of ${keyOf(sub.ref)}: ${(err as Error).message}`);
  }
}

export default defineExtension({
  info: {
    name: 'cron',
    version: '0.1.0',
    documentation:
      'Starts a run of each subscribed pipeline when its cron `expression` matches, in the ' +
      "subscription's `timezone` (IANA, default UTC). Five fields (minute hour day-of-month " +
      'month day-of-week) or six with a trailing year; steps, ranges, lists and names. ' +
      'Day-of-month and day-of-week combine as in classic cron (either matches when both are ' +
      'restricted). A skipped wall time fires as late as the daylight-saving gap; a repeated ' +
      'one fires once unless the hour field is *.',
    configParams: [
      {
        key: 'timezone',
        required: false,
        documentation: `Time zone of subscriptions that name none (default "${DEFAULT_ZONE}").`,
      },
    ],
    subscriptionParams: [
      {
        key: 'expression',
        required: true,
        documentation: 'A cron expression, e.g. "0 3 * * 1-5".',
      },
      {
        key: 'timezone',
        required: false,
        documentation:
          'IANA time zone whose wall clock the expression reads, e.g. "Europe/Berlin".',
      },
    ],
  },

  init(config) {
    const zone = config.timezone || DEFAULT_ZONE;
    checkZone(zone, 0);
    defaultZone = zone;
  },

  subscribe(ref, settings) {
    const next = parseSubscription(ref, settings);
    const existing = subs.get(keyOf(ref));
    const same =
      existing?.schedule.expression === next.schedule.expression &&
      existing.timezone === next.timezone;
    if (!same) subs.set(keyOf(ref), next);
  },

  unsubscribe(ref) {
    subs.delete(keyOf(ref));
  },

  tick(now) {
    let wait = 0;
    for (const sub of subs.values()) {
      const due = advance(sub, now);
      if (due > 0 && (wait === 0 || due < wait)) wait = due;
    }
    return wait;
  },

  shutdown() {
    subs.clear();
  },
});
