import type { Job, Task } from '../job/model.js';
import { DEMO_PROCESSOR_IDS, demoDuration } from '../workload/demo.js';
import { ArgumentRangeError, checkObject, describeValue } from '../errors.js';

/** A number of seconds (or a spread) the models take: finite and >= 0, else a typed error now, not a NaN later. */
function checkSeconds(call: string, what: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new ArgumentRangeError(`${call}: expected \`${what}\` to be a finite number >= 0, got ${describeValue(v)}`);
  return v;
}

/** A `{ mean, spread? }` entry of perProcessorDurations (named `name` in messages), checked. */
function checkEntry(name: string, v: unknown): { mean: number; spread?: number } {
  checkObject('perProcessorDurations', `\`${name}\``, v, '{ mean, spread? }');
  const e = v as { mean?: unknown; spread?: unknown };
  const mean = checkSeconds('perProcessorDurations', `${name}.mean`, e.mean);
  return e.spread === undefined ? { mean } : { mean, spread: checkSeconds('perProcessorDurations', `${name}.spread`, e.spread) };
}

/**
 * How long a task takes in a simulation, in seconds. `expected` is what a policy may know
 * beforehand (critical-path, shortest-first); `sample` is what the task then really takes.
 */
export interface DurationModel {
  name: string;
  expected(task: Task, job: Job): number;
  sample(task: Task, job: Job, random: () => number): number;
}

/** Every task takes `seconds`. */
export function fixedDurations(seconds = 1): DurationModel {
  checkSeconds('fixedDurations', 'seconds', seconds);
  return { name: `fixed ${seconds}s`, expected: () => seconds, sample: () => seconds };
}

const KIND_BY_ID = new Map<string, keyof typeof DEMO_PROCESSOR_IDS>(Object.entries(DEMO_PROCESSOR_IDS).map(([k, v]) => [v, k as keyof typeof DEMO_PROCESSOR_IDS]));

/**
 * The demo processors' durations (a time that grows with the preset), with log-normal noise of the
 * given spread (0 for none): what `jobgraph run` would take, in seconds.
 */
export function demoDurations(spread = 0.25): DurationModel {
  checkSeconds('demoDurations', 'spread', spread);
  const expected = (task: Task): number => demoDuration(KIND_BY_ID.get(task.MediaProcessorId) ?? 'encoder', task.Configuration) / 1000;
  return {
    name: spread > 0 ? `demo ±${Math.round(spread * 100)}%` : 'demo',
    expected,
    sample: (task, _job, random) => expected(task) * (spread > 0 ? logNormal(random, spread) : 1),
  };
}

/**
 * Per-processor log-normal durations: `{ [MediaProcessorId]: { mean, spread } }`, others `fallback`.
 * The table is read once, here; means and spreads are seconds, finite and >= 0.
 */
export function perProcessorDurations(table: Record<string, { mean: number; spread?: number }>, fallback: { mean: number; spread?: number } = { mean: 1, spread: 0 }): DurationModel {
  checkObject('perProcessorDurations', '`table`', table, '{ [MediaProcessorId]: { mean, spread? } }');
  // Read once, checked: a copy without a prototype, so a processor id such as `toString` finds nothing it did not name.
  const checked: Record<string, { mean: number; spread?: number }> = Object.create(null) as Record<string, { mean: number; spread?: number }>;
  for (const id of Object.keys(table)) {
    const v: unknown = table[id];
    // An id given no entry takes the fallback, as an id not given.
    if (v !== undefined) checked[id] = checkEntry(`table[${JSON.stringify(id)}]`, v);
  }
  const otherwise = checkEntry('fallback', fallback);
  const entry = (task: Task): { mean: number; spread?: number } => checked[task.MediaProcessorId] ?? otherwise;
  return {
    name: 'per processor',
    expected: (task) => entry(task).mean,
    sample: (task, _job, random) => {
      const e = entry(task);
      return e.mean * (e.spread ? logNormal(random, e.spread) : 1);
    },
  };
}

/** A log-normal factor with median 1 and the given sigma (Box–Muller on the seeded source). */
function logNormal(random: () => number, sigma: number): number {
  const u = Math.max(random(), 1e-12);
  const v = random();
  const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  return Math.exp(sigma * z);
}
