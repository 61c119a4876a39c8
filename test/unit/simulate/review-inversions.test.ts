import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { simulate, type SimJob } from '../../../src/simulate/simulator.js';
import { demoDurations, fixedDurations } from '../../../src/simulate/durations.js';
import { sequentialIds } from '../../../src/job/ids.js';
import type { JobExtensions } from '../../../src/job/model.js';
import { validateJob } from '../../../src/validate/validate.js';
import { dagJob } from '../../helpers/jobs.js';

/**
 * README: "an inversion is a task starting while a task of higher priority ... was ready and would
 * have fitted"; "priority and critical-path never do". A task held by its job's cap (maxRunning)
 * could not have started: counting it made the priority policy report inversions it never made.
 */
describe('simulate(): a task held by its job\'s cap is no priority inversion', () => {
  it('priority policy, a capped job of high priority and a low one', () => {
    const ids = sequentialIds();
    const a = validateJob(dagJob(2, [], { priority: [10, 10], name: 'A' }), { profile: 'relaxed', ids });
    a.job!.extensions = { maxRunning: 1 };
    const b = validateJob(dagJob(1, [], { priority: [0], name: 'B' }), { profile: 'relaxed', ids });
    const r = simulate([{ definition: a }, { definition: b }], { durations: fixedDurations(1), reservedUnits: 3 });
    expect(r.schedule!.map((t) => [t.jobName, t.start])).toEqual([
      ['A', 0],
      ['A', 1],
      ['B', 0],
    ]);
    expect(r.priorityInversions).toBe(0);
  });

  it('fifo still counts a real one beside a capped job', () => {
    // B (priority 0) is submitted first; A's second task waits for its cap, its first for B under fifo.
    const ids = sequentialIds();
    const b = validateJob(dagJob(1, [], { priority: [0], name: 'B' }), { profile: 'relaxed', ids });
    const a = validateJob(dagJob(2, [], { priority: [10, 10], name: 'A' }), { profile: 'relaxed', ids });
    a.job!.extensions = { maxRunning: 1 };
    const r = simulate([{ definition: b }, { definition: a }], { durations: fixedDurations(1), reservedUnits: 1, policy: 'fifo' });
    expect(r.priorityInversions).toBe(1);
  });

  it('property: the priority policy makes no inversion, whatever the caps and weights', () => {
    const jobArb = fc.record({
      n: fc.integer({ min: 1, max: 5 }),
      chain: fc.boolean(),
      priority: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 5, maxLength: 5 }),
      jobPriority: fc.integer({ min: 0, max: 2 }),
      cap: fc.option(fc.integer({ min: 1, max: 2 }), { nil: undefined }),
      weights: fc.option(fc.array(fc.integer({ min: 1, max: 2 }), { minLength: 5, maxLength: 5 }), { nil: undefined }),
      arrival: fc.integer({ min: 0, max: 10 }),
    });
    fc.assert(
      fc.property(fc.array(jobArb, { minLength: 1, maxLength: 5 }), fc.integer({ min: 2, max: 4 }), (specs, units) => {
        const ids = sequentialIds();
        const workload: SimJob[] = specs.map((spec, k) => {
          const edges: Array<[number, number]> = [];
          if (spec.chain) for (let i = 1; i < spec.n; i++) edges.push([i - 1, i]);
          const r = validateJob(dagJob(spec.n, edges, { priority: spec.priority.slice(0, spec.n), jobPriority: spec.jobPriority, name: `J${k}` }), { profile: 'relaxed', ids });
          const ext: JobExtensions = {};
          if (spec.cap !== undefined) ext.maxRunning = spec.cap;
          if (spec.weights !== undefined) ext.weight = spec.weights.slice(0, spec.n);
          r.job!.extensions = ext;
          return { definition: r, arrival: spec.arrival };
        });
        const r = simulate(workload, { durations: demoDurations(0.3), reservedUnits: units, policy: 'priority' });
        expect(r.priorityInversions).toBe(0);
      }),
      { numRuns: 300, seed: 11 },
    );
  });
});
