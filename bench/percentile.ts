/**
 * Order statistics for benchmark samples, by the nearest-rank rule: the p-th percentile is the
 * smallest sample with at least p% of the samples at or below it, so every figure printed is a
 * value that was actually measured.
 */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1];
}

export function median(samples: readonly number[]): number {
  return percentile(samples, 50);
}

/** Rounds a figure for printing and for the JSON line: two decimals are finer than the noise. */
export function round(value: number, decimals = 2): number {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}
