import { test } from 'node:test';
import assert from 'node:assert/strict';
import { median, percentile } from '../../../bench/percentile.js';

test('percentiles are samples that were measured, by the nearest rank', () => {
  const samples = [5, 1, 4, 2, 3];
  assert.equal(median(samples), 3);
  assert.equal(percentile(samples, 99), 5);
  assert.equal(percentile(samples, 1), 1);
  assert.equal(median([1, 2, 3, 4]), 2);
});

test('the percentile of no samples is not a number', () => {
  assert.ok(Number.isNaN(median([])));
});
