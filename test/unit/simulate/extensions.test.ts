import { describe, expect, it } from 'vitest';
import { simulate } from '../../../src/simulate/simulator.js';
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
