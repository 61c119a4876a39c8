import { describe, expect, it } from 'vitest';
import { overallUtilisation, simulate } from '../../../src/simulate/simulator.js';
import { fixedDurations } from '../../../src/simulate/durations.js';
import { sequentialIds } from '../../../src/job/ids.js';
import type { JobExtensions } from '../../../src/job/model.js';
import { validateJob } from '../../../src/validate/validate.js';
import { dagJob, MES } from '../../helpers/jobs.js';

const ids = sequentialIds();
const job = (n: number, ext: JobExtensions, o: Parameters<typeof dagJob>[2] = {}): ReturnType<typeof validateJob> => {
  const r = validateJob(dagJob(n, [], o), { profile: 'relaxed', ids });
  r.job!.extensions = ext;
  return r;
};

describe('simulate() with the extensions', () => {
  it('a heavy task holds its weight in slots, in the chart and in utilisation', () => {
    // Pool of 3: task 0 (weight 2) and task 1 run together; task 2 (weight 2) waits for a second.
    const r = simulate([{ definition: job(3, { weight: [2, 1, 2] }, { priority: [3, 2, 1] }) }], { durations: fixedDurations(1), pools: { [MES]: 3 } });
    expect(r.schedule!.map((t) => [t.start, t.slot])).toEqual([
      [0, 0],
      [0, 2],
      [1, 0],
    ]);
    expect(r.makespan).toBe(2);
    // 2 + 1 + 2 slot-seconds of 3 × 2 available.
    expect(r.utilisation[MES]).toBeCloseTo(5 / 6);
    expect(r.lowerBound).toBeCloseTo(5 / 3);
  });

  it('a rate limit spaces the starts, and the clock jumps to when its pool opens', () => {
    const r = simulate([{ definition: dagJob(5, []) }], { durations: fixedDurations(0.1), rateLimits: { [MES]: { max: 2, perMs: 1000 } } });
    expect(r.schedule!.map((t) => t.start)).toEqual([0, 0, 1, 1, 2]);
    expect(r.makespan).toBeCloseTo(2.1);
  });

  it('a per-job cap holds in the simulation', () => {
    const r = simulate([{ definition: job(4, { maxRunning: 1 }) }], { durations: fixedDurations(1) });
    expect(r.schedule!.map((t) => t.start)).toEqual([0, 1, 2, 3]);
  });
});

describe('simulate() with a pool named like a member of Object.prototype', () => {
  // Plain graphs: tasks 0–5 in pool `name`, 6–11 in pool "other" (one slot), three jobs.
  const plain = (name: string) => ({
    tasks: Array.from({ length: 12 }, (_, i) => ({ id: `t${i}`, pool: i < 6 ? name : 'other', priority: (i * 7) % 5, ...(i % 6 > 1 ? { dependsOn: [`t${i - 2}`] } : {}) })),
  });
  const run = (name: string, policy: 'fifo' | 'priority') =>
    simulate(
      [0, 1, 2].map((k) => ({ definition: plain(name), arrival: k / 2 })),
      { policy, pools: { other: 1 }, durations: fixedDurations(1), seed: 7 },
    );
  const NAMES = ['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf'];

  it('gives every pool its own key in utilisation, __proto__ too (an assignment set the prototype instead)', () => {
    for (const name of NAMES) {
      const r = run(name, 'fifo');
      expect(Object.keys(r.utilisation), name).toEqual(r.pools.map((p) => p.name));
      expect(Object.getPrototypeOf(r.utilisation), name).toBe(Object.prototype);
      expect(Number.isFinite(overallUtilisation(r)), name).toBe(true);
      // A pool missing from utilisation counts as idle, whatever its name.
      expect(overallUtilisation({ pools: [{ name, slots: 2 }, { name: 'x', slots: 2 }], utilisation: { x: 0.5 } }), name).toBe(0.25);
    }
  });

  it('simulates it as any other name: same schedule, inversions, bound, slots and utilisation', () => {
    for (const policy of ['fifo', 'priority'] as const) {
      const expected = run('x', policy);
      for (const name of NAMES) {
        const r = run(name, policy);
        const rename = (pool: string): string => (pool === 'x' ? name : pool);
        expect(r.schedule!.map((t) => [t.start, t.end, t.pool, t.slot]), name).toEqual(expected.schedule!.map((t) => [t.start, t.end, rename(t.pool), t.slot]));
        expect([r.makespan, r.lowerBound, r.priorityInversions], `${name} ${policy}`).toEqual([expected.makespan, expected.lowerBound, expected.priorityInversions]);
        expect(r.pools, name).toEqual(expected.pools.map((p) => ({ ...p, name: rename(p.name) })));
        expect(r.pools.map((p) => Object.getOwnPropertyDescriptor(r.utilisation, p.name)?.value), name).toEqual(expected.pools.map((p) => expected.utilisation[p.name]));
      }
    }
  });
});
