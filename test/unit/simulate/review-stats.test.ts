import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { overallUtilisation, simulate, type PolicyName, type SimJob } from '../../../src/simulate/simulator.js';
import { demoDurations, fixedDurations } from '../../../src/simulate/durations.js';
import { sequentialIds } from '../../../src/job/ids.js';
import { utilisation } from '../../../src/simulate/stats.js';
import { ArgumentTypeError } from '../../../src/errors.js';
import { validateJob } from '../../../src/validate/validate.js';
import { dagJob, MES, PACKAGER } from '../../helpers/jobs.js';

/** A job of `n` tasks with the given edges, weights and per-job cap, validated (relaxed). */
function job(n: number, edges: Array<[number, number]>, weights: number[] | undefined, name: string, ids = sequentialIds()): ReturnType<typeof validateJob> {
  const r = validateJob(dagJob(n, edges, { name }), { profile: 'relaxed', ids });
  if (weights !== undefined) r.job!.extensions = { weight: weights };
  return r;
}

describe('simulate(): utilisation and the bound when concurrency counts tasks and a task holds several slots', () => {
  it('a task of weight 4 on 4 units with concurrency 1 keeps the pool 100 % busy, not 400 %', () => {
    const r = simulate([{ definition: job(2, [], [4, 4], 'heavy') }], { durations: fixedDurations(1), reservedUnits: 4, concurrency: 1 });
    expect(r.makespan).toBe(2);
    // 2 tasks × 4 slots × 1 s on 4 units over 2 s.
    expect(r.utilisation['reserved units']).toBe(1);
    expect(overallUtilisation(r)).toBe(1);
    expect(r.lowerBound).toBe(2);
    expect(r.ratio).toBe(1);
    expect(r.pools).toEqual([{ name: 'reserved units', slots: 4 }]);
  });

  it('unit weights: the pool still counts no more than `concurrency` slots', () => {
    const r = simulate([{ definition: job(4, [], undefined, 'light') }], { durations: fixedDurations(1), reservedUnits: 4, concurrency: 2 });
    expect(r.pools).toEqual([{ name: 'reserved units', slots: 2 }]);
    expect(r.utilisation['reserved units']).toBe(1);
  });
});

/**
 * A brute-force model of the figures, from the recorded schedule alone: makespan, waits, job
 * completion, busy slot-time, and the invariants (no more slots busy than the capacity, a lower
 * bound no higher than the makespan, utilisation in [0, 1], a task ready when its inputs are done).
 */
describe('simulate(): the figures against a brute-force model of the schedule', () => {
  const jobArb = fc.record({
    n: fc.integer({ min: 1, max: 5 }),
    edgeBits: fc.array(fc.boolean(), { minLength: 10, maxLength: 10 }),
    weights: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 5, maxLength: 5 }),
    weighted: fc.boolean(),
    arrival: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 50 }), fc.double({ min: 0, max: 50, noNaN: true })),
  });
  const policies: PolicyName[] = ['priority', 'fifo', 'critical-path', 'shortest-first'];

  it('property', () => {
    fc.assert(
      fc.property(
        fc.array(jobArb, { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 0, max: 4 }),
        fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
        fc.constantFrom(...policies),
        fc.constantFrom('zero', 'one', 'demo'),
        (specs, units, concurrency, policy, model) => {
          const cap = Math.max(1, units);
          const ids = sequentialIds();
          const weightOf = new Map<string, number>();
          const arrivalOf = new Map<string, number>();
          const predsOf = new Map<string, string[]>();
          const workload: SimJob[] = specs.map((spec, k) => {
            const edges: Array<[number, number]> = [];
            let bit = 0;
            for (let j = 1; j < spec.n; j++) for (let i = 0; i < j; i++) if (spec.edgeBits[bit++ % 10]) edges.push([i, j]);
            const weights = spec.weighted ? spec.weights.slice(0, spec.n).map((w) => Math.min(w, cap)) : undefined;
            const r = job(spec.n, edges, weights, `J${k}`, ids);
            r.job!.Tasks.forEach((t, i) => {
              weightOf.set(t.Id, weights?.[i] ?? 1);
              predsOf.set(t.Id, edges.filter((e) => e[1] === i).map((e) => r.job!.Tasks[e[0]]!.Id));
            });
            arrivalOf.set(r.job!.Id, spec.arrival);
            return { definition: r, arrival: spec.arrival };
          });
          const durations = model === 'zero' ? fixedDurations(0) : model === 'one' ? fixedDurations(1) : demoDurations(0.3);
          const r = simulate(workload, { durations, reservedUnits: units, policy, ...(concurrency !== undefined ? { concurrency } : {}) });
          const s = r.schedule!;
          const eps = 1e-9;

          const makespan = Math.max(0, ...s.map((t) => t.end));
          expect(r.makespan).toBe(makespan);
          expect(r.tasks).toBe(s.length);
          expect(r.waits.count).toBe(s.length);
          // Ready when its inputs are done, and not before its job arrived.
          const byId = new Map(s.map((t) => [t.taskId, t]));
          for (const t of s) expect(t.ready).toBe(Math.max(arrivalOf.get(t.jobId)!, ...predsOf.get(t.taskId)!.map((p) => byId.get(p)!.end)));
          const waits = s.map((t) => t.start - t.ready);
          for (const w of waits) expect(w).toBeGreaterThanOrEqual(0);
          expect(r.waits.mean).toBeCloseTo(waits.reduce((a, b) => a + b, 0) / waits.length, 9);
          expect(r.waits.max).toBe(Math.max(...waits));

          // Job completion: its last end − its arrival.
          const ends = new Map<string, number>();
          for (const t of s) ends.set(t.jobId, Math.max(ends.get(t.jobId) ?? -Infinity, t.end));
          const completion = [...ends].map(([id, end]) => end - arrivalOf.get(id)!);
          expect(r.jobCompletion.count).toBe(specs.length);
          expect(r.jobCompletion.max).toBe(Math.max(...completion));
          expect(r.jobCompletion.mean).toBeCloseTo(completion.reduce((a, b) => a + b, 0) / completion.length, 9);
          for (const c of completion) expect(c).toBeGreaterThanOrEqual(0);

          // Slots busy at each start never exceed the capacity; tasks running never exceed concurrency.
          const slots = r.pools[0]!.slots;
          for (const t of s) {
            const running = s.filter((o) => o.start <= t.start && t.start < o.end || o === t);
            expect(running.reduce((a, o) => a + weightOf.get(o.taskId)!, 0)).toBeLessThanOrEqual(Math.max(slots, weightOf.get(t.taskId)!));
            if (concurrency !== undefined) expect(running.length).toBeLessThanOrEqual(concurrency);
          }
          expect(slots).toBeLessThanOrEqual(cap);

          // Utilisation: busy slot-time ÷ (capacity × makespan), at most 1.
          const busy = s.reduce((a, t) => a + (t.end - t.start) * weightOf.get(t.taskId)!, 0);
          const util = makespan > 0 ? busy / (slots * makespan) : 0;
          expect(r.utilisation['reserved units'] ?? 0).toBeCloseTo(util, 9);
          expect(overallUtilisation(r)).toBeLessThanOrEqual(1 + eps);
          // The bound is one.
          expect(r.lowerBound).toBeLessThanOrEqual(makespan * (1 + eps) + eps);
          expect(r.ratio).toBeGreaterThanOrEqual(1 - eps);
        },
      ),
      { numRuns: 300, seed: 7 },
    );
  });

  it('property, several pools (one of them without a limit) and a global concurrency', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ n: fc.integer({ min: 1, max: 4 }), procs: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }), weights: fc.array(fc.integer({ min: 1, max: 2 }), { minLength: 4, maxLength: 4 }), arrival: fc.integer({ min: 0, max: 20 }) }), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 2, max: 3 }),
        fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
        fc.boolean(),
        (specs, mesSlots, concurrency, limitPackager) => {
          const ids = sequentialIds();
          const weightOf = new Map<string, number>();
          const workload: SimJob[] = specs.map((spec, k) => {
            const r = validateJob(dagJob(spec.n, [], { name: `J${k}`, processor: (i) => (spec.procs[i] ? PACKAGER : MES) }), { profile: 'relaxed', ids });
            const weights = spec.weights.slice(0, spec.n).map((w, i) => (spec.procs[i] ? 1 : w));
            r.job!.extensions = { weight: weights };
            r.job!.Tasks.forEach((t, i) => weightOf.set(t.Id, weights[i]!));
            return { definition: r, arrival: spec.arrival };
          });
          const pools: Record<string, number> = { [MES]: mesSlots, ...(limitPackager ? { [PACKAGER]: 1 } : {}) };
          const r = simulate(workload, { durations: demoDurations(0.3), pools, ...(concurrency !== undefined ? { concurrency } : {}) });
          const s = r.schedule!;
          const makespan = Math.max(0, ...s.map((t) => t.end));
          expect(r.makespan).toBe(makespan);
          let busyAll = 0;
          let capacityAll = 0;
          for (const pool of r.pools) {
            const mine = s.filter((t) => t.pool === pool.name);
            const busy = mine.reduce((a, t) => a + (t.end - t.start) * weightOf.get(t.taskId)!, 0);
            // No more slots busy at any start than the pool's capacity as reported.
            for (const t of mine) {
              const held = mine.filter((o) => o.start <= t.start && t.start < o.end || o === t).reduce((a, o) => a + weightOf.get(o.taskId)!, 0);
              expect(held).toBeLessThanOrEqual(pool.slots);
            }
            expect(r.utilisation[pool.name]).toBeCloseTo(makespan > 0 ? busy / (pool.slots * makespan) : 0, 9);
            expect(r.utilisation[pool.name]).toBeLessThanOrEqual(1 + 1e-9);
            busyAll += busy;
            capacityAll += pool.slots;
          }
          expect(overallUtilisation(r)).toBeCloseTo(makespan > 0 ? busyAll / (capacityAll * makespan) : 0, 9);
          expect(r.lowerBound).toBeLessThanOrEqual(makespan * (1 + 1e-9) + 1e-9);
        },
      ),
      { numRuns: 200, seed: 3 },
    );
  });
});

describe('utilisation(): arguments', () => {
  it('refuses an argument that is not a number with ERR_INVALID_ARG_TYPE (regression: NaN)', () => {
    for (const [args, name] of [[[undefined, 1, 1], 'busy'], [[1, '2', 1], 'capacity'], [[1, 1, Number.NaN], 'makespan']] as const) {
      let err: unknown;
      try {
        utilisation(...(args as unknown as [number, number, number]));
      } catch (e) {
        err = e;
      }
      expect(err, name).toBeInstanceOf(ArgumentTypeError);
      expect(err).toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
      expect((err as Error).message).toMatch(new RegExp(`^utilisation: expected \`${name}\` to be a number, got `));
    }
  });

  it('still answers 0 for no capacity or no makespan', () => {
    expect(utilisation(5, 0, 10)).toBe(0);
    expect(utilisation(5, 1, 0)).toBe(0);
    expect(utilisation(5, 1, 10)).toBe(0.5);
  });
});
