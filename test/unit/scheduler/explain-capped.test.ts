import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Scheduler } from '../../../src/scheduler/scheduler.js';
import { sequentialIds } from '../../../src/job/ids.js';
import { TaskState } from '../../../src/job/enums.js';
import type { SchedulerSnapshot } from '../../../src/scheduler/snapshot.js';
import { tickClock } from '../../helpers/jobs.js';

/** explain() of a ready task agrees with what next() does, for jobs with a cap (maxRunning) too. */

describe('explain() of a task of a capped job (regression: it ignored the better tasks of its own job)', () => {
  it('counts the task of its own job that next() takes first', () => {
    const s = new Scheduler({ concurrency: 3, now: tickClock(), ids: sequentialIds() });
    s.submit({ maxRunning: 2, tasks: [{ id: 'a' }, { id: 'c', priority: 3 }] });
    const [a, c] = s.tasks();
    expect(s.explain(a!.Id)).toMatchObject({ reason: 'ready', ahead: 1, message: expect.stringMatching(/after 1 task before it/) });
    expect(s.explain(c!.Id)).toMatchObject({ reason: 'ready', ahead: 0 });
    // And the same after a restore.
    const r = Scheduler.restore(JSON.parse(JSON.stringify(s.snapshot())) as SchedulerSnapshot);
    expect(r.explain(a!.Id)).toMatchObject({ reason: 'ready', ahead: 1 });
    expect(s.next()!.name).toBe('c');
    expect(s.next()!.name).toBe('a');
  });

  it('says job-cap when the tasks of its own job before it use up the room under the cap', () => {
    const s = new Scheduler({ now: tickClock(), ids: sequentialIds() });
    s.submit({ maxRunning: 1, tasks: [{ id: 'a' }, { id: 'c', priority: 3 }] });
    const [a] = s.tasks();
    expect(s.explain(a!.Id)).toMatchObject({ reason: 'job-cap', message: expect.stringMatching(/may start 1 more task before its cap \(maxRunning 1\) and 1 of its own go before it/) });
    expect(s.next()!.name).toBe('c');
    expect(s.next()).toBeUndefined();
  });

  it('counts no more of another capped job\'s tasks than its cap lets start', () => {
    const s = new Scheduler({ now: tickClock(), ids: sequentialIds() });
    s.submit({ maxRunning: 1, tasks: [{ id: 'x', priority: 5 }, { id: 'y', priority: 5 }] });
    s.submit({ tasks: [{ id: 'z' }] });
    const z = s.tasks().find((t) => t.Name === 'z')!;
    expect(s.explain(z.Id)).toMatchObject({ reason: 'ready', ahead: 1 });
    expect([s.next()!.name, s.next()!.name]).toEqual(['x', 'z']);
  });

  it('agrees with next() on generated jobs: a ready task with `ahead` k is the claim after k others; one held by its job cap is not claimed', () => {
    const job = fc.record({
      cap: fc.integer({ min: 0, max: 3 }),
      priority: fc.integer({ min: 0, max: 2 }),
      tasks: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 6 }),
    });
    fc.assert(
      fc.property(fc.array(job, { minLength: 1, maxLength: 4 }), fc.integer({ min: 0, max: 4 }), (jobs, started) => {
        const s = new Scheduler({ now: tickClock(), ids: sequentialIds() });
        jobs.forEach((j, k) => s.submit({ priority: j.priority, ...(j.cap > 0 ? { maxRunning: j.cap } : {}), tasks: j.tasks.map((p, i) => ({ id: `t${k}-${i}`, priority: p })) }));
        // Some tasks running already, so caps are partly used.
        for (let i = 0; i < started; i++) s.next();
        const ready = s.tasks({ state: TaskState.Scheduled }).map((t) => ({ id: t.Id, e: s.explain(t.Id) }));
        const claims: string[] = [];
        for (let c = s.next(); c; c = s.next()) claims.push(c.taskId);
        for (const { id, e } of ready) {
          if (e.reason === 'ready') expect(claims.indexOf(id)).toBe(e.ahead);
          else {
            expect(e.reason).toBe('job-cap');
            expect(claims).not.toContain(id);
          }
        }
      }),
    );
  });
});
