import { describe, expect, it } from 'vitest';
import { overallUtilisation, simulate, simulateGrid, prepareWorkload } from '../../../src/simulate/simulator.js';
import { fixedDurations, perProcessorDurations } from '../../../src/simulate/durations.js';
import { summarize } from '../../../src/simulate/stats.js';
import { dagJob, MES, PACKAGER } from '../../helpers/jobs.js';

describe('simulate()', () => {
  it('runs a chain back to back: makespan is the critical path', () => {
    const r = simulate([{ definition: dagJob(3, [[0, 1], [1, 2]]) }], { durations: fixedDurations(2) });
    expect(r.makespan).toBe(6);
    expect(r.lowerBound).toBe(6);
    expect(r.ratio).toBe(1);
    expect(r.schedule!.map((t) => [t.start, t.end])).toEqual([
      [0, 2],
      [2, 4],
      [4, 6],
    ]);
    expect(r.jobCompletion).toMatchObject({ count: 1, mean: 6, max: 6 });
  });

  it('respects reserved units and counts utilisation', () => {
    const r = simulate([{ definition: dagJob(4, []) }], { durations: fixedDurations(1), reservedUnits: 2 });
    expect(r.makespan).toBe(2);
    expect(r.utilisation['reserved units']).toBe(1);
    const slots = r.schedule!.map((t) => `${t.start}@${t.slot}`).sort();
    expect(slots).toEqual(['0@0', '0@1', '1@0', '1@1']);
  });

  it('measures utilisation against capacity, not the slots used', () => {
    // One task of 1 s on 4 units: 1 slot-second of 4 available.
    const r = simulate([{ definition: dagJob(1, []) }], { durations: fixedDurations(1), reservedUnits: 4 });
    expect(r.utilisation['reserved units']).toBe(0.25);
    expect(overallUtilisation(r)).toBe(0.25);
    expect(r.pools).toEqual([{ name: 'reserved units', slots: 4 }]);
  });

  it('never measures a negative wait (the clock in seconds is the loop\'s own)', () => {
    const jobs = Array.from({ length: 20 }, (_, i) => ({ definition: dagJob(3, [[0, 1], [0, 2]]), arrival: i * 0.1 }));
    const r = simulate(jobs, { durations: fixedDurations(0.3), reservedUnits: 2 });
    expect(r.waits.mean).toBeGreaterThan(0);
    for (const t of r.schedule!) expect(t.start - t.ready).toBeGreaterThanOrEqual(0);
  });

  it('treats 0 reserved units as one task at a time, as the service does', () => {
    expect(simulate([{ definition: dagJob(3, []) }], { durations: fixedDurations(1), reservedUnits: 0 }).makespan).toBe(3);
  });

  it('lets jobs arrive over time', () => {
    const r = simulate(
      [
        { definition: dagJob(1, [], { name: 'late' }), arrival: 10 },
        { definition: dagJob(1, [], { name: 'early' }), arrival: 0 },
      ],
      { durations: fixedDurations(1), reservedUnits: 1 },
    );
    expect(r.makespan).toBe(11);
    expect(r.schedule!.find((t) => t.jobName === 'late')!.start).toBe(10);
    expect(r.jobCompletion.mean).toBe(1);
  });

  it('never shows a priority inversion under the priority policy, and shows them under fifo', () => {
    const def = dagJob(6, [], { priority: [0, 0, 0, 9, 9, 9] });
    expect(simulate([{ definition: def }], { durations: fixedDurations(1), reservedUnits: 1, policy: 'priority' }).priorityInversions).toBe(0);
    expect(simulate([{ definition: def }], { durations: fixedDurations(1), reservedUnits: 1, policy: 'fifo' }).priorityInversions).toBe(3);
  });

  it('shortest-first minimises mean completion on independent jobs with one slot', () => {
    const jobs = [5, 1, 3].map((seconds, i) => ({ definition: dagJob(1, [], { processor: () => [MES, PACKAGER, 'nb:mpid:UUID:1927f26d-0aa5-4ca1-95a3-1a3f95b0f706'][i]!, name: `j${seconds}` }) }));
    const durations = perProcessorDurations({ [MES]: { mean: 5 }, [PACKAGER]: { mean: 1 }, 'nb:mpid:UUID:1927f26d-0aa5-4ca1-95a3-1a3f95b0f706': { mean: 3 } });
    const sf = simulate(jobs, { durations, reservedUnits: 1, policy: 'shortest-first' });
    const fifo = simulate(jobs, { durations, reservedUnits: 1, policy: 'fifo' });
    expect(sf.jobCompletion.mean).toBeCloseTo((1 + 4 + 9) / 3);
    expect(fifo.jobCompletion.mean).toBeCloseTo((5 + 6 + 9) / 3);
  });

  it('perProcessorDurations gives a processor named like a member of Object.prototype the fallback, as any name not in the table', () => {
    const durations = perProcessorDurations({ [MES]: { mean: 5 } }, { mean: 2, spread: 0 });
    for (const processor of ['enc', 'toString', 'constructor', '__proto__', 'valueOf']) {
      // A plain graph's processor is any string.
      const def = { tasks: [{ id: 'a', processor }, { id: 'b', processor, dependsOn: ['a'] }] };
      for (const policy of ['critical-path', 'fifo'] as const) {
        // Was: `expected` undefined (the Scheduler refused it) and samples NaN.
        expect(simulate([{ definition: def }], { durations, reservedUnits: 1, policy }).makespan, `${processor} ${policy}`).toBe(4);
      }
    }
  });

  it('prefers the long branch under critical-path', () => {
    // Task 0 stands alone; tasks 1 → 2 → 3 are a chain; one slot. Index order would start task 0.
    const def = dagJob(4, [[1, 2], [2, 3]]);
    const r = simulate([{ definition: def }], { durations: fixedDurations(1), reservedUnits: 1, policy: 'critical-path' });
    expect(r.schedule!.map((t) => t.start)).toEqual([2, 0, 1, 3]);
    const p = simulate([{ definition: def }], { durations: fixedDurations(1), reservedUnits: 1, policy: 'priority' });
    expect(p.schedule!.map((t) => t.start)).toEqual([0, 1, 2, 3]);
  });

  it('runs a grid of policies and capacities on one validated workload', () => {
    const prepared = prepareWorkload([{ definition: dagJob(8, [[0, 1], [0, 2], [1, 3]]) }]);
    const rs = simulateGrid(prepared, { policies: ['priority', 'fifo'], reservedUnits: [1, 3] }, { durations: fixedDurations(1) });
    expect(rs.map((r) => r.label)).toEqual(['priority · 1 RU', 'fifo · 1 RU', 'priority · 3 RU', 'fifo · 3 RU']);
    expect(rs[0]!.makespan).toBe(8);
  });

  it('summarizes with nearest-rank percentiles', () => {
    expect(summarize([4, 1, 3, 2])).toEqual({ count: 4, mean: 2.5, p50: 2, p95: 4, max: 4 });
    expect(summarize([])).toEqual({ count: 0, mean: 0, p50: 0, p95: 0, max: 0 });
  });

  it('refuses an invalid job with its diagnostics', () => {
    expect(() => simulate([{ definition: dagJob(2, [[0, 1], [1, 0]]) }])).toThrow(/CYCLE/);
    expect(() => simulate([{ definition: dagJob(1, []), arrival: -1 }])).toThrow(TypeError);
  });

  it('refuses arrivals, additions and durations past the clock\'s range, where a task took 0 s', () => {
    // At 1e308 s, 1e308 + 5 === 1e308: the job "completed" in 0 s; past 1.8e305 s the ms clock was Infinity.
    expect(() => simulate([{ definition: dagJob(1, []), arrival: 1e308 }])).toThrow(/jobs\[0\]\.arrival to be at most 9000000000000 seconds/);
    expect(() => simulate([{ definition: dagJob(1, []), arrival: 9e12 + 1e6 }])).toThrow(TypeError);
    expect(() => simulate([{ definition: dagJob(1, []), additions: [{ at: 1e300, tasks: { Tasks: [] } }] }])).toThrow(/additions\[0\]\.at to be at most 9000000000000 seconds/);
    expect(() => simulate([{ definition: dagJob(1, []) }], { durations: fixedDurations(1e306) })).toThrow(/duration model gave `1e\+306`/);
    expect(simulate([{ definition: dagJob(1, []), arrival: 9e12 }], { durations: fixedDurations(2) }).jobCompletion.mean).toBe(2);
  });
});

describe('simulate(), simulateGrid() and the stats helpers: misused arguments', () => {
  const jobs = () => [{ definition: dagJob(2, [[0, 1]]) }];

  it.each([undefined, null, 0, 'x', {}, { results: [] }])('simulate refuses the workload %s with an ArgumentTypeError', (w) => {
    expect(() => simulate(w as never)).toThrow(expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE', message: expect.stringMatching(/^simulate: expected `workload` to be an array of \{ definition, arrival\? \} or what prepareWorkload returned, got /) }));
  });

  it.each([null, 0, 'x'])('simulate refuses the options %s with an ArgumentTypeError', (o) => {
    expect(() => simulate(jobs(), o as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE', message: expect.stringMatching(/^simulate: expected `options` to be an object, got /) }));
  });

  it.each(['x', {}, { name: 'n', expected: () => 1 }, null])('simulate refuses the duration model %s with an ArgumentTypeError', (durations) => {
    expect(() => simulate(jobs(), { durations: durations as never })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE', message: expect.stringMatching(/^simulate: expected `durations` to be a duration model \{ name, expected\(\), sample\(\) \}/) }));
  });

  it('simulateGrid refuses a grid that is not { policies, reservedUnits?, pools? }', () => {
    for (const grid of [undefined, null, 0, {}, { policies: 'fifo' }, { policies: ['fifo'], reservedUnits: 'x' }, { policies: ['fifo'], pools: {} }]) {
      expect(() => simulateGrid(jobs(), grid as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE', message: expect.stringMatching(/^simulateGrid: expected `grid(\.policies|\.reservedUnits|\.pools)?` to be /) }));
    }
    expect(() => simulateGrid(jobs(), { policies: ['fifo'] }, null as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE', message: expect.stringMatching(/^simulateGrid: expected `options` to be an object/) }));
    expect(() => simulateGrid(null as never, { policies: ['fifo'] })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE', message: expect.stringMatching(/^simulateGrid: expected `workload`/) }));
  });

  it('overallUtilisation refuses what is not { utilisation, pools }', () => {
    for (const r of [undefined, null, {}, { utilisation: {} }, { pools: [] }, { utilisation: {}, pools: [null] }, { utilisation: {}, pools: [{ name: 'P' }] }]) {
      expect(() => overallUtilisation(r as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE', message: expect.stringMatching(/^overallUtilisation: expected /) }));
    }
  });

  it('summarize refuses what is not an array of numbers', () => {
    for (const v of [undefined, null, 0, 'x', {}, [1, undefined], [1, 'x'], [NaN]]) {
      expect(() => summarize(v as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE', message: expect.stringMatching(/^summarize: expected `values/) }));
    }
    expect(summarize(Float64Array.of(3, 1, 2))).toMatchObject({ count: 3, mean: 2, max: 3 });
  });
});
