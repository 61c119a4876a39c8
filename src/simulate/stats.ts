import { ArgumentTypeError, describeValue } from '../errors.js';

/** Summary of a sample: mean, median, 95th percentile and maximum (nearest-rank percentiles). */
export interface Summary {
  count: number;
  mean: number;
  p50: number;
  p95: number;
  max: number;
}

export function summarize(values: ArrayLike<number>): Summary {
  if (!Array.isArray(values) && !(ArrayBuffer.isView(values) && !(values instanceof DataView))) {
    throw new ArgumentTypeError(`summarize: expected \`values\` to be an array of numbers, got ${describeValue(values)}`);
  }
  const n = values.length;
  for (let i = 0; i < n; i++) {
    const v: unknown = values[i];
    if (typeof v !== 'number' || Number.isNaN(v)) throw new ArgumentTypeError(`summarize: expected \`values[${i}]\` to be a number, got ${describeValue(v)}`);
  }
  if (n === 0) return { count: 0, mean: 0, p50: 0, p95: 0, max: 0 };
  const sorted = Float64Array.from(values).sort();
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i]!;
  const rank = (p: number): number => sorted[Math.min(n - 1, Math.max(0, Math.ceil(p * n) - 1))]!;
  return { count: n, mean: sum / n, p50: rank(0.5), p95: rank(0.95), max: sorted[n - 1]! };
}

/**
 * Utilisation, the one definition every figure uses (the table, the Gantt's "% busy", the report):
 * busy slot-time ÷ (capacity × makespan). Against capacity, not the peak slots used, so a run that
 * never filled its units shows the idle ones.
 *
 * @param busy - Slot-time spent running tasks (sum of task durations).
 * @param capacity - Slots that could run at once.
 * @param makespan - The span the capacity was available for.
 * @returns A share in [0, 1] for a consistent schedule; 0 when capacity or makespan is 0.
 * @throws ArgumentTypeError (`ERR_INVALID_ARG_TYPE`) when an argument is not a number (or is NaN).
 */
export function utilisation(busy: number, capacity: number, makespan: number): number {
  checkNumber(busy, 'busy');
  checkNumber(capacity, 'capacity');
  checkNumber(makespan, 'makespan');
  return capacity > 0 && makespan > 0 && Number.isFinite(capacity) ? busy / (capacity * makespan) : 0;
}

function checkNumber(v: unknown, name: string): void {
  if (typeof v !== 'number' || Number.isNaN(v)) throw new ArgumentTypeError(`utilisation: expected \`${name}\` to be a number, got ${describeValue(v)}`);
}
