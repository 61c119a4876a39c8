/** Summary of a sample: mean, median, 95th percentile and maximum (nearest-rank percentiles). */
export interface Summary {
  count: number;
  mean: number;
  p50: number;
  p95: number;
  max: number;
}

export function summarize(values: ArrayLike<number>): Summary {
  const n = values.length;
  if (n === 0) return { count: 0, mean: 0, p50: 0, p95: 0, max: 0 };
  const sorted = Float64Array.from(values).sort();
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i]!;
  const rank = (p: number): number => sorted[Math.min(n - 1, Math.max(0, Math.ceil(p * n) - 1))]!;
  return { count: n, mean: sum / n, p50: rank(0.5), p95: rank(0.95), max: sorted[n - 1]! };
}
