import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { simulate, type SimJob } from '../../../src/simulate/simulator.js';
import { demoDurations, fixedDurations } from '../../../src/simulate/durations.js';
import { sequentialIds } from '../../../src/job/ids.js';
import { validateJob } from '../../../src/validate/validate.js';
import { dagJob } from '../../helpers/jobs.js';

/**
 * A Priority of 2^25 or more no longer packs into one key (ReadyOrder): the order's keys change
 * form when such a job arrives, and the simulator's shadow of the ready set (by which it counts
 * inversions) kept copies of the older keys in the packed form, so it compared keys of two forms.
 */
describe('simulate(): inversions after a job whose priorities do not pack', () => {
  it('a task waiting since before is not taken for the best one', () => {
    const ids = sequentialIds();
    // A: one task of priority 5 holds the only unit for 10 s; one of priority 1 waits behind it.
    const a = validateJob(dagJob(2, [], { priority: [5, 1], name: 'A' }), { profile: 'relaxed', ids });
    // B arrives at 1 with a task of priority 2^26: at 10 it goes first, by the priority policy.
    const b = validateJob(dagJob(1, [], { priority: [2 ** 26], name: 'B' }), { profile: 'relaxed', ids });
    const r = simulate([{ definition: a }, { definition: b, arrival: 1 }], { durations: fixedDurations(10), reservedUnits: 1, policy: 'priority' });
    expect(r.schedule!.map((t) => [t.jobName, t.start]).sort((x, y) => (x[1] as number) - (y[1] as number))).toEqual([
      ['A', 0],
      ['B', 10],
      ['A', 20],
    ]);
    expect(r.priorityInversions).toBe(0);
  });

  it('fifo: the task it starts ahead of a better one that does not pack is an inversion', () => {
    const ids = sequentialIds();
    const a = validateJob(dagJob(2, [], { priority: [5, 1], name: 'A' }), { profile: 'relaxed', ids });
    const b = validateJob(dagJob(1, [], { priority: [2 ** 26], name: 'B' }), { profile: 'relaxed', ids });
    const r = simulate([{ definition: a }, { definition: b, arrival: 1 }], { durations: fixedDurations(10), reservedUnits: 1, policy: 'fifo' });
    expect(r.schedule!.map((t) => [t.jobName, t.start]).sort((x, y) => (x[1] as number) - (y[1] as number))).toEqual([
      ['A', 0],
      ['A', 10],
      ['B', 20],
    ]);
    // At 10, A's priority-1 task starts while B's (2^26) waits: one inversion.
    expect(r.priorityInversions).toBe(1);
  });

  it('property: the priority policy makes no inversion, with priorities that pack and ones that do not', () => {
    const big = fc.constantFrom(2 ** 25, 2 ** 26 + 3, 2 ** 30, -(2 ** 27));
    const jobArb = fc.record({
      n: fc.integer({ min: 1, max: 4 }),
      priority: fc.array(fc.oneof(fc.integer({ min: 0, max: 3 }), big), { minLength: 4, maxLength: 4 }),
      arrival: fc.integer({ min: 0, max: 6 }),
    });
    fc.assert(
      fc.property(fc.array(jobArb, { minLength: 2, maxLength: 5 }), fc.integer({ min: 1, max: 3 }), (specs, units) => {
        const ids = sequentialIds();
        const workload: SimJob[] = specs.map((spec, k) => ({
          definition: validateJob(dagJob(spec.n, [], { priority: spec.priority.slice(0, spec.n), name: `J${k}` }), { profile: 'relaxed', ids }),
          arrival: spec.arrival,
        }));
        expect(simulate(workload, { durations: demoDurations(0.3), reservedUnits: units, policy: 'priority' }).priorityInversions).toBe(0);
      }),
      { numRuns: 300, seed: Number(process.env.FC_SEED ?? 20261128) },
    );
  });
});
