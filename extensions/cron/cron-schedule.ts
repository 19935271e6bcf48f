/**
 * Cron expressions and their next firing time, with no time-zone data of its own: the caller
 * supplies the zone's UTC offset at an instant (the guest asks the host for it).
 *
 * Forms: five fields `minute hour day-of-month month day-of-week`, or six with a trailing year
 * (the original Gofer's form), or a macro (@yearly, @monthly, @weekly, @daily, @hourly). Each
 * field takes `*`, values, `a-b` ranges, `/n` steps on either, and comma lists; months and days
 * also take names (JAN, MON); day-of-week 7 is Sunday as 0 is; `?` is `*` in the day fields.
 *
 * Day-of-month and day-of-week combine as classic cron does: when both are restricted a day
 * matches if either does; when one is `*` only the other counts. (Only a bare `*` or `?` counts
 * as unrestricted; `*\/2` is a restriction.)
 *
 * Daylight saving: fields are matched against the zone's wall clock.
 * - A wall time the clocks skip (02:30 on the spring-forward night in Europe/Berlin) fires as
 *   late as the gap is long (03:30 CEST), so a daily job still runs that day.
 * - A wall time the clocks repeat (02:30 on the fall-back night) fires once, at its first
 *   occurrence, when the hour field is restricted; with `*` hours the schedule keeps its pace
 *   through both passes of the repeated hour.
 */

const MIN_YEAR = 1970;
export const MAX_YEAR = 2099;
const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

const MACROS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

/** A parsed expression: which values each field allows. */
export interface CronSchedule {
  expression: string;
  minutes: boolean[];
  hours: boolean[];
  daysOfMonth: boolean[];
  months: boolean[];
  daysOfWeek: boolean[];
  years: boolean[];
  anyDayOfMonth: boolean;
  anyDayOfWeek: boolean;
  anyHour: boolean;
}

/** UTC offset in minutes of the schedule's zone at epoch ms `at`. */
export type OffsetAt = (at: number) => number;

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: string[];
  namesFrom?: number;
}

const FIELDS: FieldSpec[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS, namesFrom: 1 },
  { name: 'day-of-week', min: 0, max: 7, names: DAYS, namesFrom: 0 },
  { name: 'year', min: MIN_YEAR, max: MAX_YEAR },
];

/** Parses an expression; throws an Error that names the offending part and the fix. */
export function parseCron(expression: string): CronSchedule {
  const text = expression.trim();
  const expanded = MACROS[text.toLowerCase()] ?? text;
  const parts = expanded.split(/\s+/).filter(Boolean);
  if (parts.length !== 5 && parts.length !== 6) {
    throw new Error(
      `expression "${expression}" has ${parts.length} fields; write 5 (minute hour ` +
        `day-of-month month day-of-week), 6 with a trailing year, or a macro such as @daily`,
    );
  }
  const sets = FIELDS.map((spec, i) => parseField(parts[i] ?? '*', spec, expression));
  const daysOfWeek = sets[4];
  if (daysOfWeek[7]) daysOfWeek[0] = true;
  const unrestricted = (i: number) => parts[i] === '*' || parts[i] === '?';
  return {
    expression: text,
    minutes: sets[0],
    hours: sets[1],
    daysOfMonth: sets[2],
    months: sets[3],
    daysOfWeek,
    years: sets[5],
    anyDayOfMonth: unrestricted(2),
    anyDayOfWeek: unrestricted(4),
    anyHour: unrestricted(1),
  };
}

function parseField(text: string, spec: FieldSpec, expression: string): boolean[] {
  const allowed = new Array<boolean>(spec.max + 1).fill(false);
  const fail = (why: string): never => {
    throw new Error(
      `${spec.name} field "${text}" of "${expression}" ${why}; ` +
        `use values ${spec.min}-${spec.max}, ranges a-b, steps /n and lists a,b`,
    );
  };
  for (const item of text.split(',')) {
    const [range, stepText, extra] = item.split('/');
    if (extra !== undefined) fail('has more than one /');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1 || stepText === '')
      fail(`has a bad step "${stepText}"`);
    let lo: number;
    let hi: number;
    if (range === '*' || range === '?') {
      if (range === '?' && spec.name !== 'day-of-month' && spec.name !== 'day-of-week') {
        fail('uses ? outside the day fields');
      }
      [lo, hi] = [spec.min, spec.max === 7 ? 6 : spec.max];
    } else {
      const [a, b, more] = range.split('-');
      if (more !== undefined) fail('has a range with more than one -');
      lo = value(a, spec, fail);
      hi = b === undefined ? (stepText === undefined ? lo : spec.max) : value(b, spec, fail);
      if (hi < lo) fail(`has a range ${range} that runs backwards`);
    }
    for (let v = lo; v <= hi; v += step) allowed[v] = true;
  }
  return allowed;
}

function value(text: string, spec: FieldSpec, fail: (why: string) => never): number {
  const named = spec.names?.indexOf(text.toUpperCase()) ?? -1;
  const n = named >= 0 ? named + spec.namesFrom! : /^\d+$/.test(text) ? Number(text) : NaN;
  if (Number.isNaN(n)) return fail(`has "${text}", which is not a number or a name`);
  if (n < spec.min || n > spec.max) return fail(`has ${n}, outside ${spec.min}-${spec.max}`);
  return n;
}

function dayMatches(s: CronSchedule, year: number, month: number, day: number): boolean {
  if (s.anyDayOfMonth && s.anyDayOfWeek) return true;
  const dow = new Date(Date.UTC(year, month - 1, day)).getUTCDay();
  if (s.anyDayOfMonth) return s.daysOfWeek[dow];
  if (s.anyDayOfWeek) return s.daysOfMonth[day];
  return s.daysOfMonth[day] || s.daysOfWeek[dow];
}

const daysIn = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();

/**
 * The first wall-clock minute at or after `from` (wall time written as if it were UTC) that
 * the schedule matches, or undefined before MAX_YEAR ends. The search walks fields from the
 * year down, so an expression that never fires costs one pass over the days, not minutes.
 */
export function nextWallMatch(s: CronSchedule, from: number): number | undefined {
  const d = new Date(Math.ceil(from / MINUTE_MS) * MINUTE_MS);
  let [mo, day, h, mi] = [d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes()];
  for (let y = d.getUTCFullYear(); y <= MAX_YEAR; y++, mo = 1, day = 1, h = 0, mi = 0) {
    if (!s.years[y]) continue;
    for (; mo <= 12; mo++, day = 1, h = 0, mi = 0) {
      if (!s.months[mo]) continue;
      const last = daysIn(y, mo);
      for (; day <= last; day++, h = 0, mi = 0) {
        if (!dayMatches(s, y, mo, day)) continue;
        for (; h < 24; h++, mi = 0) {
          if (!s.hours[h]) continue;
          for (; mi < 60; mi++) if (s.minutes[mi]) return Date.UTC(y, mo - 1, day, h, mi);
        }
      }
    }
  }
  return undefined;
}

/**
 * The first instant strictly after `after` (epoch ms) at which the schedule fires in the zone
 * whose offsets `offsetAt` gives, or undefined if it never fires again (before MAX_YEAR ends).
 */
export function nextFire(s: CronSchedule, after: number, offsetAt: OffsetAt): number | undefined {
  // Start from the smaller of the offsets around `after`, so that a repeated hour's second pass
  // is still ahead of the search when `after` lies in its first.
  const startOffset = Math.min(offsetAt(after - DAY_MS), offsetAt(after + DAY_MS), offsetAt(after));
  let from = after + startOffset * MINUTE_MS + 1;
  let best: number | undefined;
  let bestWall = Infinity;
  for (;;) {
    const wall = nextWallMatch(s, from);
    // Walls later than the best by more than any gap cannot map to an earlier instant.
    if (wall === undefined || wall > bestWall + 2 * HOUR_MS) return best;
    const at = instantOf(s, wall, after, offsetAt);
    if (at !== undefined && (best === undefined || at < best)) [best, bestWall] = [at, wall];
    if (best !== undefined && at === best && !gapShifted(wall, at, offsetAt)) return best;
    from = wall + MINUTE_MS;
  }
}

/** The instant a matching wall minute fires at, if it is after `after`. */
function instantOf(
  s: CronSchedule,
  wall: number,
  after: number,
  offsetAt: OffsetAt,
): number | undefined {
  const before = offsetAt(wall - DAY_MS);
  const later = offsetAt(wall + DAY_MS);
  const valid = [...new Set([before, later])]
    .map((o) => wall - o * MINUTE_MS)
    .filter((at) => wall - offsetAt(at) * MINUTE_MS === at)
    .sort((a, b) => a - b);
  // A skipped wall time: the offset from before the jump carries it past the gap.
  if (valid.length === 0) valid.push(wall - before * MINUTE_MS);
  const candidates = valid.length > 1 && !s.anyHour ? valid.slice(0, 1) : valid;
  return candidates.find((at) => at > after);
}

function gapShifted(wall: number, at: number, offsetAt: OffsetAt): boolean {
  return wall - offsetAt(at) * MINUTE_MS !== at;
}

/** `offsetAt` for UTC, which needs no host call. */
export const utcOffset: OffsetAt = () => 0;
