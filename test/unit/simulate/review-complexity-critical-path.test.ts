/**
 * criticalPath() in time linear in the tasks: each step of the chain looked at every task that
 * ended at the instant the current one started, so a chain through many tasks ending at one
 * instant (tasks of no duration, each waiting for the one before) was quadratic.
 */
import { describe, expect, it } from 'vitest';
import { criticalPath, type ScheduledTask } from '../../../src/simulate/critical-path.js';
import { Mulberry32 } from '../../../src/workload/prng.js';

/** The chain as the filter-per-step version found it: the reference for the result. */
function reference(tasks: readonly ScheduledTask[]): number[] {
  if (tasks.length === 0) return [];
  let last = 0;
  for (let i = 1; i < tasks.length; i++) if (tasks[i]!.end > tasks[last]!.end) last = i;
  const chain = [last];
  const seen = new Set(chain);
  for (let cur = last; ; ) {
    const t = tasks[cur]!;
    let next = -1;
    if (t.start > t.ready) {
      const candidates = tasks.map((_, q) => q).filter((q) => tasks[q]!.end === t.start && q !== cur && !seen.has(q));
      next = candidates.find((q) => tasks[q]!.pool === t.pool && tasks[q]!.slot === t.slot) ?? candidates[0] ?? -1;
    } else if (t.ready > t.arrival) {
      for (const p of t.predecessors) if (!seen.has(p) && tasks[p]!.end === t.ready && (next === -1 || p < next)) next = p;
    }
    if (next === -1) break;
    chain.push(next);
    seen.add(next);
    cur = next;
  }
  return chain.reverse();
}

describe('criticalPath(): cost linear in the tasks', () => {
  it(
    'walks 20,000 tasks of no duration that all end at one instant, each waiting for a slot (32 s before)',
    () => {
      const n = 20_000;
      const tasks: ScheduledTask[] = [];
      for (let i = 0; i < n; i++) tasks.push({ ready: 0, start: 10, end: 10, arrival: 0, pool: 0, slot: 0, predecessors: [] });
      // The task that held the slot until 10, last by index so the chain starts at the others.
      tasks.push({ ready: 0, start: 0, end: 10, arrival: 0, pool: 0, slot: 0, predecessors: [] });
      const t0 = performance.now();
      const chain = criticalPath(tasks);
      const elapsed = performance.now() - t0;
      expect(chain.length).toBe(n + 1);
      expect(chain[0]).toBe(n);
      expect(chain[n]).toBe(0);
      expect(elapsed).toBeLessThan(4_000);
    },
    120_000,
  );

  it('finds the chain the per-step filter found, on random schedules with shared end times', () => {
    const rng = new Mulberry32(7);
    const pick = (k: number): number => Math.floor(rng.next() * k);
    for (let round = 0; round < 300; round++) {
      const n = 1 + pick(40);
      const tasks: ScheduledTask[] = [];
      for (let i = 0; i < n; i++) {
        const ready = pick(5);
        const start = ready + pick(3);
        const predecessors = Array.from({ length: pick(3) }, () => pick(n));
        tasks.push({ ready, start, end: start + pick(3), arrival: pick(2), pool: pick(2), slot: pick(3), predecessors });
      }
      expect(criticalPath(tasks)).toEqual(reference(tasks));
    }
  });
});
