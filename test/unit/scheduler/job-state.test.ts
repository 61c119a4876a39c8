import { describe, expect, it } from 'vitest';
import { Scheduler } from '../../../src/scheduler/scheduler.js';
import { sequentialIds } from '../../../src/job/ids.js';
import { TaskState } from '../../../src/job/enums.js';
import type { SchedulerSnapshot } from '../../../src/scheduler/snapshot.js';
import { tickClock } from '../../helpers/jobs.js';

/**
 * A job's state once it has started: Processing until every task is final, even while no task
 * runs (README, Decisions: "Processing once any has started and until all are final").
 */

const { Scheduled: S, Processing: P, Finished: F } = TaskState;

function setup(): { s: Scheduler; id: string; changes: Array<[number, number]> } {
  const s = new Scheduler({ now: tickClock(), ids: sequentialIds() });
  const id = s.submit({ tasks: [{ id: 'a' }, { id: 'b', dependsOn: ['a'] }] }).Id;
  const changes: Array<[number, number]> = [];
  s.on('jobStateChange', (e) => changes.push([e.oldState, e.newState]));
  return { s, id, changes };
}

describe('a started job stays Processing when its started tasks go back to Scheduled (regression: it fell back to Scheduled)', () => {
  it('after a retryable failure', () => {
    const { s, id, changes } = setup();
    expect(s.job(id)!.State).toBe(S);
    s.fail(s.next()!, { retryable: true });
    expect(s.job(id)!.State).toBe(P);
    expect(changes).toEqual([[S, P]]);
  });

  it('while a retry is held for its backoff, and after a requeue', () => {
    const { s, id, changes } = setup();
    const c = s.next()!;
    s.fail(c, { retryable: true, hold: true });
    expect(s.job(id)!.State).toBe(P);
    s.resume(c);
    s.requeue(s.next()!);
    expect(s.job(id)!.State).toBe(P);
    expect(changes).toEqual([[S, P]]);
    s.complete(s.next()!);
    s.complete(s.next()!);
    expect(s.job(id)!.State).toBe(F);
  });

  it('after a restore that requeues its only running task', () => {
    const { s, id } = setup();
    s.next();
    const snap = JSON.parse(JSON.stringify(s.snapshot())) as SchedulerSnapshot;
    const r = Scheduler.restore(snap, { now: tickClock() });
    expect(r.tasks()[0]!.State).toBe(S);
    expect(r.job(id)!.State).toBe(P);
  });

  it('a job none of whose tasks has started is still Scheduled', () => {
    const { s, id } = setup();
    expect(s.job(id)!.State).toBe(S);
    expect(s.job(id)!.StartTime).toBeNull();
  });
});
