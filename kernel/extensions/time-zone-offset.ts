import { invalidArgument } from '../errors.js';

const formats = new Map<string, Intl.DateTimeFormat>();

/**
 * UTC offset in minutes of IANA zone `zone` at epoch ms `at`, from the host's ICU data, for
 * guests that carry none. Rejects an unknown zone with INVALID_ARGUMENT.
 */
export function timeZoneOffset(zone: string, at: number): number {
  let format = formats.get(zone);
  if (!format) {
    try {
      format = new Intl.DateTimeFormat('en-US', {
        timeZone: zone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    } catch {
      throw invalidArgument(
        `time zone "${zone}" is not an IANA zone name`,
        'use a name like "Europe/Paris" or "UTC"',
      );
    }
    formats.set(zone, format);
  }
  const parts = Object.fromEntries(
    format.formatToParts(new Date(at)).map((p) => [p.type, Number(p.value)]),
  );
  const wall = Date.UTC(
    parts.year,
    parts.month - 1,
    parts.day,
    parts.hour,
    parts.minute,
    parts.second,
  );
  const whole = at - (at % 1000);
  return Math.round((wall - whole) / 60_000);
}
