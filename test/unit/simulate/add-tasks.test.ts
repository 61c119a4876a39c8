import { describe, expect, it } from 'vitest';
import { prepareWorkload, simulate, simulateGrid, type SimJob, type SimResult } from '../../../src/simulate/simulator.js';
import { fixedDurations } from '../../../src/simulate/durations.js';
import { ArgumentTypeError, ValidationError } from '../../../src/errors.js';
import { dagJob, MES, PACKAGER } from '../../helpers/jobs.js';

/**
 * Additions in the simulator: tasks added to a running job at a simulated time go through the real
 * Scheduler's addTasks and count everywhere a job's own tasks do; an addition that comes after its
 * job ended is refused and the simulation goes on.
 */

/** A task definition reading `inputs` (JobOutputAsset indices; none: the job's input) and writing JobOutputAsset(out). */
function task(name: string, inputs: number[], out: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const refs = inputs.length === 0 ? '<inputAsset>JobInputAsset(0)</inputAsset>' : inputs.map((i) => `<inputAsset>JobOutputAsset(${i})</inputAsset>`).join('');
  return { Name: name, MediaProcessorId: MES, TaskBody: `<taskBody>${refs}<outputAsset>JobOutputAsset(${out})</outputAsset></taskBody>`, ...extra };
}

const same = (r: SimResult): string => JSON.stringify({ ...r, wallMs: 0 });
const row = (r: SimResult, name: string) => r.schedule!.find((t) => t.name === name)!;

describe('simulate() with additions', () => {
  it('an addition extends its job: its tasks run after `at` and after their producers, and count everywhere', () => {
    // Task 0 (0-2) → Task 1 (2-4); at 1, C reads Task 1's output and D reads C's.
    const workload: SimJob[] = [{ definition: dagJob(2, [[0, 1]]), additions: [{ at: 1, tasks: { Tasks: [task('C', [1], 2), task('D', [2], 3)] } }] }];
    const r = simulate(workload, { durations: fixedDurations(2), reservedUnits: 2 });
    const without = simulate([{ definition: dagJob(2, [[0, 1]]) }], { durations: fixedDurations(2), reservedUnits: 2 });
    expect(without.makespan).toBe(4);
    expect(r.refusedAdditions).toEqual([]);
    expect(r.tasks).toBe(4);
    expect(r.makespan).toBe(8);
    expect(r.jobCompletion).toMatchObject({ count: 1, max: 8 });
    expect(r.waits.count).toBe(4);
    expect(r.schedule!.map((t) => [t.name, t.ready, t.start, t.end])).toEqual([
      ['Task 0', 0, 0, 2],
      ['Task 1', 2, 2, 4],
      ['C', 4, 4, 6],
      ['D', 6, 6, 8],
    ]);
    // 4 tasks × 2 s on 2 units over 8 s.
    expect(r.utilisation['reserved units']).toBe(0.5);
    expect(r.lowerBound).toBe(8);
    expect(r.ratio).toBe(1);
    expect(r.schedule!.every((t) => t.critical)).toBe(true);
    expect(new Set(r.schedule!.map((t) => t.jobId)).size).toBe(1);
  });

  it('an addition reading an output produced before `at` starts at `at` when a slot is free, else when one frees', () => {
    // Task 0 (0-2) → Task 1 (2-4); at 3, C reads Task 0's output, there already.
    const workload: SimJob[] = [{ definition: dagJob(2, [[0, 1]]), additions: [{ at: 3, tasks: { Tasks: [task('C', [0], 2)] } }] }];
    const free = simulate(workload, { durations: fixedDurations(2), reservedUnits: 2 });
    expect([row(free, 'C').ready, row(free, 'C').start, row(free, 'C').end]).toEqual([3, 3, 5]);
    expect(free.makespan).toBe(5);
    expect(free.jobCompletion.max).toBe(5);
    // The chain that decided the end is C alone: it started as it was added.
    expect(free.schedule!.filter((t) => t.critical).map((t) => t.name)).toEqual(['C']);
    // The bound: C cannot start before 3, so 3 + 2.
    expect(free.lowerBound).toBe(5);
    const busy = simulate(workload, { durations: fixedDurations(2), reservedUnits: 1 });
    expect([row(busy, 'C').ready, row(busy, 'C').start]).toEqual([3, 4]);
    expect(busy.waits.max).toBe(1);
    expect(busy.makespan).toBe(6);
    expect(busy.makespan).toBeGreaterThanOrEqual(busy.lowerBound);
  });

  it('an addition after its job ended is refused (JOB_FINAL), at its end instant too, and nothing else changes', () => {
    const jobs = (): SimJob[] => [
      { definition: dagJob(1, [], { name: 'short' }) },
      { definition: dagJob(3, [[0, 1], [1, 2]], { name: 'long' }), arrival: 1 },
    ];
    const plain = simulate(jobs(), { durations: fixedDurations(2), reservedUnits: 2 });
    const workload = jobs();
    workload[0]!.additions = [
      { at: 5, tasks: { Tasks: [task('late', [0], 2)] } },
      { at: 2, tasks: { Tasks: [task('at end', [0], 1)] } },
    ];
    const r = simulate(workload, { durations: fixedDurations(2), reservedUnits: 2 });
    const shortId = r.schedule!.find((t) => t.jobName === 'short')!.jobId;
    expect(r.refusedAdditions).toEqual([
      { job: shortId, at: 2, code: 'JOB_FINAL' },
      { job: shortId, at: 5, code: 'JOB_FINAL' },
    ]);
    expect(same({ ...r, refusedAdditions: [] })).toBe(same(plain));
    // The added tasks' Ids were drawn from the sequence after the jobs': the jobs' own Ids are unchanged.
    expect(r.schedule!.map((t) => t.taskId)).toEqual(plain.schedule!.map((t) => t.taskId));
  });

  it('refuses a bad addition before simulating, naming the job and the addition', () => {
    const job = (additions: unknown): SimJob[] => [{ definition: dagJob(1, []) }, { definition: dagJob(2, [[0, 1]]), arrival: 3, additions } as SimJob];
    const bad = job([{ at: 4, tasks: { Tasks: [task('ok', [1], 2)] } }, { at: 5, tasks: { Tasks: [task('A', [4], 3), task('B', [3], 4), task('C', [9], 5)] } }]);
    let err: unknown;
    try {
      prepareWorkload(bad);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).message).toMatch(/^simulate: jobs\[1\]\.additions\[1\]: /);
    expect((err as ValidationError).diagnostics.map((d) => d.code)).toEqual(expect.arrayContaining(['CYCLE', 'OUTPUT_NOT_PRODUCED']));
    expect(() => simulate(bad, { durations: { name: 'never', expected: () => 1, sample: () => { throw new Error('simulated'); } } })).toThrow(ValidationError);
    // Not an addition at all.
    expect(() => prepareWorkload(job([{ at: 4, tasks: { Name: 'x', Tasks: [] } }]))).toThrow(/jobs\[1\]\.additions\[0\]/);
    // A time before the job's arrival, or not a time.
    for (const at of [2, -1, Number.NaN, '4', undefined]) {
      expect(() => prepareWorkload(job([{ at, tasks: { Tasks: [task('C', [0], 2)] } }]))).toThrow(ArgumentTypeError);
      expect(() => prepareWorkload(job([{ at, tasks: { Tasks: [task('C', [0], 2)] } }]))).toThrow(/jobs\[1\]\.additions\[0\]\.at/);
    }
    expect(() => prepareWorkload(job({ at: 4 }))).toThrow(/jobs\[1\]\.additions to be an array/);
    expect(() => prepareWorkload(job([null]))).toThrow(/jobs\[1\]\.additions\[0\] to be/);
  });

  it('validates the additions of a job in time order, each against the job the earlier ones grew', () => {
    // Listed out of order: the one at 1 makes output 2, the one at 2 (listed first) reads it.
    const workload: SimJob[] = [
      {
        definition: dagJob(2, [[0, 1]]),
        additions: [
          { at: 2, tasks: { Tasks: [task('E', [2], 3)] } },
          { at: 1, tasks: { Tasks: [task('C', [0], 2)] } },
        ],
      },
    ];
    const r = simulate(workload, { durations: fixedDurations(2), reservedUnits: 3 });
    expect(r.schedule!.map((t) => [t.name, t.start])).toEqual([
      ['Task 0', 0],
      ['Task 1', 2],
      ['C', 2],
      ['E', 4],
    ]);
    // In the other order E would read an output nothing produces yet.
    const reversed = structuredClone(workload);
    reversed[0]!.additions![0]!.at = 0.5;
    expect(() => prepareWorkload(reversed)).toThrow(/jobs\[0\]\.additions\[0\].*OUTPUT_NOT_PRODUCED/);
  });

  it('takes plain additions (dependsOn the job’s tasks by Name) and their extensions, in pools', () => {
    const workload: SimJob[] = [
      {
        definition: { name: 'plain', tasks: [{ id: 'a', processor: MES }, { id: 'b', dependsOn: ['a'], processor: MES }] },
        additions: [{ at: 1, tasks: { tasks: [{ id: 'pack', dependsOn: ['b'], processor: PACKAGER, weight: 2, pool: 'big' }] } }],
      },
    ];
    const r = simulate(workload, { durations: fixedDurations(2), pools: { [MES]: 1, big: 2 } });
    expect(r.schedule!.map((t) => [t.name, t.pool, t.start])).toEqual([
      ['a', MES, 0],
      ['b', MES, 2],
      ['pack', 'big', 4],
    ]);
    expect(r.utilisation.big).toBe(1 / 3);
    // A pool too small for the added task's weight refuses the addition when it comes.
    const small = simulate(workload, { durations: fixedDurations(2), pools: { [MES]: 1, big: 1 } });
    expect(small.refusedAdditions.map((a) => a.code)).toEqual(['WEIGHT_EXCEEDS_POOL']);
    expect(small.tasks).toBe(2);
  });

  it('is deterministic, and a prepared workload with additions can be simulated again and again', () => {
    const workload = (): SimJob[] =>
      Array.from({ length: 6 }, (_, i) => ({
        definition: dagJob(3, [[0, 1], [0, 2]], { name: `J${i}` }),
        arrival: i,
        additions: [
          { at: i + 1, tasks: { Tasks: [task('x', [1, 2], 3)] } },
          { at: i + 2.5, tasks: { Tasks: [task('y', [3], 4), task('z', [0], 5)] } },
        ],
      }));
    const options = { reservedUnits: 2, seed: 7 };
    const a = simulate(workload(), options);
    const b = simulate(workload(), options);
    expect(same(b)).toBe(same(a));
    const prepared = prepareWorkload(workload());
    const sizes = prepared.results.map((r) => r.job!.Tasks.length);
    const grid = simulateGrid(prepared, { policies: ['priority', 'fifo', 'critical-path', 'shortest-first'] }, options);
    // The job models the scheduler grew were put back: the next run starts from the same jobs.
    expect(prepared.results.map((r) => r.job!.Tasks.length)).toEqual(sizes);
    expect(same(simulate(prepared, options))).toBe(same(a));
    for (const r of grid) {
      expect(r.refusedAdditions).toEqual([]);
      expect(r.tasks).toBe(36);
      expect(r.schedule).toHaveLength(36);
      expect(r.makespan).toBeGreaterThanOrEqual(r.lowerBound - 1e-9);
      // Added tasks never start before their addition.
      for (const t of r.schedule!) if (['x', 'y', 'z'].includes(t.name)) expect(t.start).toBeGreaterThanOrEqual(Number(t.jobName.slice(1)) + (t.name === 'x' ? 1 : 2.5));
    }
    expect(grid[0]!.schedule!.filter((t) => t.name === 'y').map((t) => t.taskId)).toEqual(a.schedule!.filter((t) => t.name === 'y').map((t) => t.taskId));
  });
});
