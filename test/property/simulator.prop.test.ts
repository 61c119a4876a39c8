import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { simulate } from '../../src/simulate/simulator.js';
import { demoDurations } from '../../src/simulate/durations.js';
import { randomJob, toDefinition } from '../helpers/arbitraries.js';

describe('simulate() properties', () => {
  it('respects dependencies and capacity, never beats its lower bound, and repeats itself for a seed', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ job: randomJob(6), arrival: fc.integer({ min: 0, max: 20 }) }), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 0, max: 4 }),
        fc.constantFrom('priority', 'fifo', 'critical-path', 'shortest-first'),
        fc.integer({ min: 1, max: 1000 }),
        (jobs, units, policy, seed) => {
          const workload = jobs.map((j, i) => ({ definition: toDefinition(j.job, `J${i}`), arrival: j.arrival }));
          const opts = { reservedUnits: units, policy: policy as 'priority', seed, durations: demoDurations(0.5) };
          const r = simulate(workload, opts);
          const again = simulate(workload, opts);
          expect(JSON.stringify({ ...again, wallMs: 0 })).toBe(JSON.stringify({ ...r, wallMs: 0 }));
          expect(r.makespan).toBeGreaterThanOrEqual(r.lowerBound - 1e-9);
          const sched = r.schedule!;
          // Capacity: at every start, the running tasks fit the units.
          for (const t of sched) {
            const running = sched.filter((u) => u.start <= t.start && u.end > t.start && u.end > u.start);
            expect(running.length).toBeLessThanOrEqual(Math.max(1, units));
          }
          // Dependencies: a task starts after each task it depends on ended; after its job arrived.
          jobs.forEach((j, n) => {
            const tasks = sched.filter((t) => t.jobName === `J${n}`);
            for (const [u, v] of j.job.edges) expect(tasks[v]!.start).toBeGreaterThanOrEqual(tasks[u]!.end);
            for (const t of tasks) expect(t.start).toBeGreaterThanOrEqual(j.arrival);
          });
          if (policy === 'priority') expect(r.priorityInversions).toBe(0);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
