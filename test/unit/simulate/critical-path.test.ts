import { describe, expect, it } from 'vitest';
import { criticalPath, type ScheduledTask } from '../../../src/simulate/critical-path.js';
import { simulate } from '../../../src/simulate/simulator.js';
import { fixedDurations } from '../../../src/simulate/durations.js';
import { dagJob } from '../../helpers/jobs.js';

const task = (ready: number, start: number, end: number, extra: Partial<ScheduledTask> = {}): ScheduledTask => ({ ready, start, end, arrival: 0, pool: 0, slot: 0, predecessors: [], ...extra });

describe('criticalPath()', () => {
  it('follows a chain of dependencies back from the task that ends last', () => {
    // 0 → 1 → 2, and 3 on the side ending earlier.
    const tasks = [task(0, 0, 2), task(2, 2, 5, { predecessors: [0] }), task(5, 5, 6, { predecessors: [1] }), task(0, 0, 4, { slot: 1 })];
    expect(criticalPath(tasks)).toEqual([0, 1, 2]);
  });

  it('follows a wait for a slot to the task that freed it', () => {
    // One slot: 1 was ready at 0 but waited for 0 to end.
    const tasks = [task(0, 0, 3), task(0, 3, 4)];
    expect(criticalPath(tasks)).toEqual([0, 1]);
  });

  it('stops at a task that started when its job arrived', () => {
    expect(criticalPath([task(7, 7, 9, { arrival: 7 })])).toEqual([0]);
    expect(criticalPath([])).toEqual([]);
  });

  it('marks, in a simulation, a chain that spans the makespan with no gap', () => {
    const jobs = [{ definition: dagJob(4, [[0, 1], [0, 2], [1, 3], [2, 3]]) }, { definition: dagJob(3, []), arrival: 1 }];
    const r = simulate(jobs, { durations: fixedDurations(2), reservedUnits: 2 });
    const chain = r.schedule!.filter((t) => t.critical).sort((a, b) => a.start - b.start);
    expect(chain.length).toBeGreaterThan(0);
    expect(chain[chain.length - 1]!.end).toBe(r.makespan);
    expect(chain[0]!.start).toBe(0);
    for (let i = 1; i < chain.length; i++) expect(chain[i]!.start).toBe(chain[i - 1]!.end);
  });
});

describe('criticalPath(): misused arguments', () => {
  it.each([undefined, null, 0, 'x', {}, [null], [{}], [{ ready: 0, start: 0, end: 'x', arrival: 0, pool: 0, slot: 0, predecessors: [] }]])('refuses %s with an ArgumentTypeError', (tasks) => {
    expect(() => criticalPath(tasks as never)).toThrow(expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE', message: expect.stringMatching(/^criticalPath: expected `tasks(\[0\](\.end|\.ready)?)?` to be /) }));
  });
});
