import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  nextFire,
  parseCron,
  utcOffset,
  type OffsetAt,
} from '../../../extensions/cron/cron-schedule.js';
import { timeZoneOffset } from '../../../kernel/extensions/time-zone-offset.js';

const berlin: OffsetAt = (at) => timeZoneOffset('Europe/Berlin', at);
const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

/** The next `count` firing times after `from`, as ISO strings. */
function fires(expression: string, from: string, count: number, zone: OffsetAt = utcOffset) {
  const schedule = parseCron(expression);
  const out: Array<string | undefined> = [];
  let after = at(from);
  for (let i = 0; i < count; i++) {
    const next = nextFire(schedule, after, zone);
    out.push(iso(next));
    if (next === undefined) break;
    after = next;
  }
  return out;
}

describe('the cron next-fire function', () => {
  it('runs weekday mornings and skips the weekend', () => {
    assert.deepEqual(fires('0 3 * * 1-5', '2025-01-02T03:00:00Z', 3), [
      '2025-01-03T03:00:00.000Z',
      '2025-01-06T03:00:00.000Z',
      '2025-01-07T03:00:00.000Z',
    ]);
  });

  it('steps within ranges and rolls over to the next day', () => {
    assert.deepEqual(fires('*/20 9-10 * * *', '2025-01-01T10:30:00Z', 3), [
      '2025-01-01T10:40:00.000Z',
      '2025-01-02T09:00:00.000Z',
      '2025-01-02T09:20:00.000Z',
    ]);
    assert.deepEqual(fires('10/25 * * * *', '2025-01-01T00:00:00Z', 3), [
      '2025-01-01T00:10:00.000Z',
      '2025-01-01T00:35:00.000Z',
      '2025-01-01T01:10:00.000Z',
    ]);
  });

  it('takes lists and month and day names', () => {
    assert.deepEqual(fires('0 12 1,15 JAN,jul *', '2025-01-15T12:00:00Z', 3), [
      '2025-07-01T12:00:00.000Z',
      '2025-07-15T12:00:00.000Z',
      '2026-01-01T12:00:00.000Z',
    ]);
    assert.deepEqual(fires('0 0 * * SUN', '2025-06-01T00:00:00Z', 1), ['2025-06-08T00:00:00.000Z']);
    assert.deepEqual(fires('0 0 * * 7', '2025-06-01T00:00:00Z', 1), ['2025-06-08T00:00:00.000Z']);
  });

  it('fires on either day field when both are restricted, as classic cron does', () => {
    // June 2025: the 6th and 20th are Fridays, the 13th is both.
    assert.deepEqual(fires('0 0 13 * FRI', '2025-06-01T00:00:00Z', 4), [
      '2025-06-06T00:00:00.000Z',
      '2025-06-13T00:00:00.000Z',
      '2025-06-20T00:00:00.000Z',
      '2025-06-27T00:00:00.000Z',
    ]);
    assert.deepEqual(fires('0 0 13 * *', '2025-06-01T00:00:00Z', 2), [
      '2025-06-13T00:00:00.000Z',
      '2025-07-13T00:00:00.000Z',
    ]);
  });

  it('reads a sixth field as the year, as the original Gofer did', () => {
    assert.deepEqual(fires('0 0 1 1 * 2030', '2025-05-05T00:00:00Z', 2), [
      '2030-01-01T00:00:00.000Z',
      undefined,
    ]);
    assert.deepEqual(fires('30 6 * * * 2027-2028', '2028-12-31T06:30:00Z', 1), [undefined]);
  });

  it('finds the next leap day years ahead', () => {
    assert.deepEqual(fires('0 0 29 2 *', '2025-03-01T00:00:00Z', 2), [
      '2028-02-29T00:00:00.000Z',
      '2032-02-29T00:00:00.000Z',
    ]);
  });

  it('answers that an expression never fires instead of searching forever', () => {
    for (const expression of ['0 0 30 2 *', '0 0 31 4,6,9,11 *', '0 0 1 1 * 2020']) {
      assert.equal(nextFire(parseCron(expression), at('2025-01-01T00:00:00Z'), berlin), undefined);
    }
  });

  it('expands the macros', () => {
    assert.deepEqual(fires('@daily', '2025-01-01T00:00:00Z', 1), ['2025-01-02T00:00:00.000Z']);
    assert.deepEqual(fires('@hourly', '2025-01-01T00:10:00Z', 1), ['2025-01-01T01:00:00.000Z']);
  });

  it('reads the wall clock of a time zone, summer and winter', () => {
    assert.deepEqual(fires('0 9 * * *', '2025-01-10T00:00:00Z', 1, berlin), [
      '2025-01-10T08:00:00.000Z',
    ]);
    assert.deepEqual(fires('0 9 * * *', '2025-07-10T00:00:00Z', 1, berlin), [
      '2025-07-10T07:00:00.000Z',
    ]);
  });

  it('fires a wall time the spring-forward gap skips as late as the gap is long', () => {
    // Europe/Berlin, 2025-03-30: 02:00 CET jumps to 03:00 CEST (01:00Z).
    assert.deepEqual(fires('30 2 * * *', '2025-03-29T12:00:00Z', 2, berlin), [
      '2025-03-30T01:30:00.000Z',
      '2025-03-31T00:30:00.000Z',
    ]);
    assert.deepEqual(fires('*/30 * * * *', '2025-03-30T00:00:00Z', 4, berlin), [
      '2025-03-30T00:30:00.000Z',
      '2025-03-30T01:00:00.000Z',
      '2025-03-30T01:30:00.000Z',
      '2025-03-30T02:00:00.000Z',
    ]);
  });

  it('fires a repeated wall time once, unless the hour field is a star', () => {
    // Europe/Berlin, 2025-10-26: 03:00 CEST falls back to 02:00 CET (01:00Z).
    assert.deepEqual(fires('30 2 * * *', '2025-10-25T12:00:00Z', 2, berlin), [
      '2025-10-26T00:30:00.000Z',
      '2025-10-27T01:30:00.000Z',
    ]);
    assert.deepEqual(fires('30 * * * *', '2025-10-25T23:00:00Z', 4, berlin), [
      '2025-10-25T23:30:00.000Z',
      '2025-10-26T00:30:00.000Z',
      '2025-10-26T01:30:00.000Z',
      '2025-10-26T02:30:00.000Z',
    ]);
  });

  it('refuses malformed expressions, naming the field and the fix', () => {
    const cases: Array<[string, RegExp]> = [
      ['0 3 * *', /has 4 fields; write 5/],
      ['61 * * * *', /minute field "61" .* has 61, outside 0-59/],
      ['0 0 * FOO *', /month field "FOO" .* not a number or a name/],
      ['0 5-1 * * *', /hour field "5-1" .* runs backwards/],
      ['*/0 * * * *', /minute field "\*\/0" .* bad step "0"/],
      ['0 ? * * *', /uses \? outside the day fields/],
      ['0 0 1 1 * 1969', /year field "1969" .* outside 1970-2099/],
    ];
    for (const [expression, message] of cases) {
      assert.throws(() => parseCron(expression), message, expression);
    }
  });
});
