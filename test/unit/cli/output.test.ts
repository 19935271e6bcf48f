import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { byteCount, humanDuration, humanTime, Output, renderTable } from '../../../cli/output.js';

function capture(): { stream: Writable; text: () => string } {
  const parts: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      parts.push(String(chunk));
      done();
    },
  });
  return { stream, text: () => parts.join('') };
}

describe('output formatting', () => {
  const now = 1_700_000_000_000;

  it('humanises times relative to now, and shows - for not yet', () => {
    assert.equal(humanTime(0, now), '-');
    assert.equal(humanTime(now - 5_000, now), '5s ago');
    assert.equal(humanTime(now - 125_000, now), '2m ago');
    assert.equal(humanTime(now - 3 * 3600_000, now), '3h ago');
    assert.equal(humanTime(now - 2 * 86400_000, now), '2d ago');
  });

  it('shows durations in h, m and s, running to now while open', () => {
    assert.equal(humanDuration(0, 0, now), '-');
    assert.equal(humanDuration(now - 65_000, now, now), '1m5s');
    assert.equal(humanDuration(now - 3_725_000, 0, now), '1h2m5s');
  });

  it('counts one byte in the singular and every other count in the plural', () => {
    assert.equal(byteCount(1), '1 byte');
    assert.equal(byteCount(0), '0 bytes');
    assert.equal(byteCount(2), '2 bytes');
    assert.equal(byteCount(1024), '1024 bytes');
  });

  it('renders a table with a header and one row per record', () => {
    const text = renderTable(
      [
        { id: 'a', n: 1 },
        { id: 'b', n: 22 },
      ],
      [
        ['ID', (r) => r.id],
        ['N', (r) => r.n],
      ],
    );
    const lines = text.split('\n').filter((l) => /[A-Za-z0-9]/.test(l));
    assert.equal(lines.length, 3);
    assert.match(lines[0], /ID.*N/);
    assert.match(lines[2], /b.*22/);
  });

  it('prints JSON for scripts instead of the table', () => {
    const out = capture();
    new Output('json', out.stream).show({ id: 'a' }, () => 'TABLE');
    assert.deepEqual(JSON.parse(out.text()), { id: 'a' });
    const table = capture();
    new Output('table', table.stream).show({ id: 'a' }, () => 'TABLE');
    assert.equal(table.text(), 'TABLE\n');
  });
});
