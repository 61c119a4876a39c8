import type { Job, Task } from '../job/model.js';
import { DEMO_PROCESSOR_IDS, demoDuration } from '../workload/demo.js';

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
  return { name: `fixed ${seconds}s`, expected: () => seconds, sample: () => seconds };
}

const KIND_BY_ID = new Map<string, keyof typeof DEMO_PROCESSOR_IDS>(Object.entries(DEMO_PROCESSOR_IDS).map(([k, v]) => [v, k as keyof typeof DEMO_PROCESSOR_IDS]));

/**
 * The demo processors' durations (a time that grows with the preset), with log-normal noise of the
 * given spread (0 for none): what `jobgraph run` would take, in seconds.
 */
export function demoDurations(spread = 0.25): DurationModel {
  const expected = (task: Task): number => demoDuration(KIND_BY_ID.get(task.MediaProcessorId) ?? 'encoder', task.Configuration) / 1000;
  return {
    name: spread > 0 ? `demo ±${Math.round(spread * 100)}%` : 'demo',
    expected,
    sample: (task, _job, random) => expected(task) * (spread > 0 ? logNormal(random, spread) : 1),
  };
}

/** Per-processor log-normal durations: `{ [MediaProcessorId]: { mean, spread } }`, others `fallback`. */
export function perProcessorDurations(table: Record<string, { mean: number; spread?: number }>, fallback = { mean: 1, spread: 0 }): DurationModel {
  // Own names only: a plain graph's processor may be any string, `toString` too.
  const entry = (task: Task): { mean: number; spread?: number } => (Object.hasOwn(table, task.MediaProcessorId) ? table[task.MediaProcessorId] : undefined) ?? fallback;
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
