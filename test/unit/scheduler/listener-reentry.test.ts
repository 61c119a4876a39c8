import { describe, expect, it } from 'vitest';
import { Scheduler } from '../../../src/scheduler/scheduler.js';
import { sequentialIds } from '../../../src/job/ids.js';
import { TaskState } from '../../../src/job/enums.js';
import { dagJob, tickClock } from '../../helpers/jobs.js';

function make(): Scheduler {
  return new Scheduler({ now: tickClock(), ids: sequentialIds(), concurrency: 4 });
}

function drain(s: Scheduler): void {
  for (let c = s.next(); c; c = s.next()) s.complete(c.taskId);
}

/**
 * Listeners that call back in. They ran in the middle of the change that called them, and what
 * they did met the change half done: a submit moved the tables under a release (a task then waited
 * forever), a rerun counted a producer that the release then counted again (a dependent started
 * early). Events now wait for the operation to end; these keep both cases, found by the property
 * tests (seeds 1996375650 and 707).
 */
describe('a listener that calls back in at a change', () => {
  it('releasing dependents: a count lowered after the submit is not lost (a task with two producers ran)', () => {
    const s = make();
    // Task 1 feeds Task 2, then Task 3; Task 3 waits on Task 0 as well.
    const job = s.submit(dagJob(4, [[1, 2], [1, 3], [0, 3]], { name: 'two producers' }));
    const [t0, t1, t2] = s.tasks({ jobId: job.Id });
    let submitted = 0;
    s.on('taskStateChange', (e) => {
      // Task 2 made Scheduled, before Task 3's count is lowered: a job big enough that every table must grow.
      if (e.taskId === t2!.Id && e.newState === TaskState.Scheduled) s.submit(dagJob(500, [], { name: `big ${submitted++}` }));
    });
    const claims = [s.next()!, s.next()!];
    s.complete(claims.find((c) => c.taskId === t1!.Id)!.taskId);
    expect(submitted).toBe(1);
    s.complete(claims.find((c) => c.taskId === t0!.Id)!.taskId);
    expect(s.tasks({ jobId: job.Id }).map((t) => t.State)).toEqual([TaskState.Finished, TaskState.Finished, TaskState.Scheduled, TaskState.Scheduled]);
    drain(s);
    expect(s.jobs().map((j) => j.State)).toEqual([TaskState.Finished, TaskState.Finished]);
  });

  it('a rerun from a listener of a producer’s Finished event: the dependent waits for the task rerun (the property test, seed 707)', () => {
    const s = make();
    // Task 0 and Task 1 both feed Task 2.
    const job = s.submit(dagJob(3, [[0, 2], [1, 2]], { name: 'two producers' }));
    const [t0, t1, t2] = s.tasks({ jobId: job.Id });
    s.next();
    s.next();
    s.fail(t1!.Id);
    expect(s.task(t2!.Id)!.State).toBe(TaskState.Canceled);
    s.on('taskStateChange', (e) => {
      if (e.taskId === t0!.Id && e.newState === TaskState.Finished) s.rerun(t1!.Id, { downstream: true });
    });
    s.complete(t0!.Id);
    // Task 2 waits on Task 1 again; Task 0's end must not be counted a second time.
    expect(s.tasks({ jobId: job.Id }).map((t) => t.State)).toEqual([TaskState.Finished, TaskState.Scheduled, TaskState.Queued]);
    const c = s.next()!;
    expect(c.taskId).toBe(t1!.Id);
    expect(s.next()).toBeUndefined();
    s.complete(c.taskId);
    expect(s.next()!.taskId).toBe(t2!.Id);
  });

  it('a rerun whose first change makes a listener submit: the chain runs to its end', () => {
    const s = make();
    const job = s.submit(dagJob(3, [[0, 1], [1, 2]], { name: 'chain' }));
    const [t0] = s.tasks({ jobId: job.Id });
    const c = s.next()!;
    s.fail(c.taskId);
    expect(s.job(job.Id)!.State).toBe(TaskState.Error);
    let submitted = 0;
    s.on('taskStateChange', (e) => {
      if (e.taskId === t0!.Id && e.newState === TaskState.Queued && submitted === 0) s.submit(dagJob(500, [], { name: `big ${submitted++}` }));
    });
    s.rerun(t0!.Id, { downstream: true });
    expect(submitted).toBe(1);
    expect(s.tasks({ jobId: job.Id }).map((t) => t.State)).toEqual([TaskState.Scheduled, TaskState.Queued, TaskState.Queued]);
    drain(s);
    expect(s.jobs().map((j) => j.State)).toEqual([TaskState.Finished, TaskState.Finished]);
  });

  it('a listener that cancels the job of a dependent being released: the task is not offered', () => {
    const s = make();
    const job = s.submit(dagJob(3, [[0, 1], [0, 2]], { name: 'fan' }));
    const [, first] = s.tasks({ jobId: job.Id });
    s.on('taskStateChange', (e) => {
      if (e.taskId === first!.Id && e.newState === TaskState.Scheduled) s.cancelJob(job.Id);
    });
    const c = s.next()!;
    s.complete(c.taskId);
    expect(s.next()).toBeUndefined();
    expect(s.job(job.Id)!.State).toBe(TaskState.Canceled);
    const waits = s.tasks({ jobId: job.Id }).flatMap((t) => t.HistoricalEvents.map((h) => h.Code)).filter((code) => code === 'WaitingForFreeResources');
    expect(waits).toEqual([]);
  });
});
