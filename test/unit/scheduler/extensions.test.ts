import { describe, expect, it } from 'vitest';
import { Scheduler, type SchedulerOptions } from '../../../src/scheduler/scheduler.js';
import { SchedulerError } from '../../../src/scheduler/errors.js';
import { sequentialIds, type IdFactory } from '../../../src/job/ids.js';
import { TaskState } from '../../../src/job/enums.js';
import type { JobExtensions } from '../../../src/job/model.js';
import { validateJob, type ValidationResult } from '../../../src/validate/validate.js';
import { dagJob, MES, PACKAGER } from '../../helpers/jobs.js';

/** A scheduler with a clock the test moves, and jobs given extensions directly on their model. */
function setup(opts: SchedulerOptions = {}): { s: Scheduler; clock: { t: number }; job: (n: number, edges: Array<[number, number]>, ext?: JobExtensions, o?: Parameters<typeof dagJob>[2]) => ValidationResult } {
  const clock = { t: 1_000_000 };
  const ids: IdFactory = sequentialIds();
  const s = new Scheduler({ now: () => clock.t, ...opts });
  const job = (n: number, edges: Array<[number, number]>, ext?: JobExtensions, o?: Parameters<typeof dagJob>[2]): ValidationResult => {
    const r = validateJob(dagJob(n, edges, o), { profile: 'relaxed', ids });
    expect(r.valid).toBe(true);
    if (ext) r.job!.extensions = ext;
    return r;
  };
  return { s, clock, job };
}

const names = (s: Scheduler, jobId: string, state: number): string[] => s.tasks({ jobId, state }).map((t) => t.Name);
const codes = (s: Scheduler, taskId: string): string[] => s.task(taskId)!.HistoricalEvents.map((e) => e.Code);

describe('dependency actions', () => {
  it('cancel (the default): a failure cancels the dependents, down the graph', () => {
    const { s, job } = setup();
    const id = s.add(job(3, [[0, 1], [1, 2]]));
    s.fail(s.next()!, { message: 'boom' });
    expect(names(s, id, TaskState.Canceled)).toEqual(['Task 1', 'Task 2']);
    expect(s.job(id)!.State).toBe(TaskState.Error);
  });

  it('run: the task runs once every producer has ended, whatever its state', () => {
    const { s, job } = setup();
    // 0 → 2, 1 → 2; task 2 runs whatever happens to 0 and 1.
    const id = s.add(job(3, [[0, 2], [1, 2]], { action: [0, 0, 1] }));
    const a = s.next()!;
    const b = s.next()!;
    s.fail(a);
    expect(s.stateOf(s.tasks({ jobId: id })[2]!.Id)).toBe(TaskState.Queued);
    s.complete(b);
    const c = s.next()!;
    expect(c.name).toBe('Task 2');
    s.complete(c);
    expect(s.job(id)!.State).toBe(TaskState.Error);
    expect(names(s, id, TaskState.Finished)).toEqual(['Task 1', 'Task 2']);
  });

  it('run: a cancellation up the chain reaches it as an end too', () => {
    const { s, job } = setup();
    // 0 → 1 → 2; 1 keeps the default (canceled), 2 runs anyway.
    const id = s.add(job(3, [[0, 1], [1, 2]], { action: [0, 0, 1] }));
    s.fail(s.next()!);
    expect(s.next()!.name).toBe('Task 2');
    expect(names(s, id, TaskState.Canceled)).toEqual(['Task 1']);
  });

  it('skip: the task ends Finished without running, with a Skipped event, and what follows it goes on', () => {
    const { s, job } = setup();
    const id = s.add(job(3, [[0, 1], [1, 2]], { action: [0, 2, 0] }));
    s.fail(s.next()!, { message: 'boom' });
    const [, t1, t2] = s.tasks({ jobId: id });
    expect(t1!.State).toBe(TaskState.Finished);
    expect(codes(s, t1!.Id)).toEqual(['Queued', 'Skipped']);
    expect(s.task(t1!.Id)!.HistoricalEvents[1]!.Message).toMatch(/skipped: task "Task 0" failed/);
    expect(t2!.State).toBe(TaskState.Scheduled);
    expect(s.taskInfo(t1!.Id).attempts).toBe(0);
    s.complete(s.next()!);
    expect(s.job(id)!.State).toBe(TaskState.Error);
  });
});

describe('rerun', () => {
  it('sets a failed task and its downstream back to waiting, keeping their history; the job follows', () => {
    const { s, job, clock } = setup();
    const id = s.add(job(3, [[0, 1], [1, 2]]));
    const first = s.next()!;
    clock.t += 10;
    s.fail(first, { message: 'boom' });
    expect(s.job(id)!.State).toBe(TaskState.Error);
    expect(s.job(id)!.EndTime).not.toBeNull();
    const states: Array<[number, number]> = [];
    s.on('jobStateChange', (e) => states.push([e.oldState, e.newState]));
    clock.t += 10;
    s.rerun(first.taskId, { downstream: true });
    // The job had started: it is Processing again, though every task is back to waiting.
    expect(s.job(id)!.State).toBe(TaskState.Processing);
    expect(s.job(id)!.EndTime).toBeNull();
    expect(states).toEqual([[TaskState.Error, TaskState.Processing]]);
    const [t0, t1] = s.tasks({ jobId: id });
    expect(codes(s, t0!.Id)).toEqual(['Scheduled', 'Processing', 'Error', 'Rerun', 'Queued', 'Scheduled']);
    expect(codes(s, t1!.Id)).toEqual(['Queued', 'Canceled', 'Rerun', 'Queued']);
    expect(t0!.ErrorDetails.map((d) => d.Message)).toEqual(['boom']);
    const again = s.next()!;
    expect(again.attempt).toBe(2);
    s.complete(again);
    s.complete(s.next()!);
    s.complete(s.next()!);
    expect(s.job(id)!.State).toBe(TaskState.Finished);
  });

  it('without downstream, the dependents stay as they are', () => {
    const { s, job } = setup();
    const id = s.add(job(2, [[0, 1]]));
    const a = s.next()!;
    s.fail(a);
    s.rerun(a.taskId);
    s.complete(s.next()!);
    expect(names(s, id, TaskState.Canceled)).toEqual(['Task 1']);
    expect(s.job(id)!.State).toBe(TaskState.Canceled);
  });

  it('a rerun task whose other producer still stands failed is canceled again at once', () => {
    const { s, job } = setup();
    // 0 → 2, 1 → 2: both fail; rerun 0 with its downstream: 2 still has a failed producer.
    const id = s.add(job(3, [[0, 2], [1, 2]]));
    const a = s.next()!;
    const b = s.next()!;
    s.fail(a);
    s.fail(b);
    s.rerun(a.taskId, { downstream: true });
    const t2 = s.tasks({ jobId: id })[2]!;
    expect(t2.State).toBe(TaskState.Canceled);
    expect(codes(s, t2.Id).slice(-3)).toEqual(['Rerun', 'Queued', 'Canceled']);
    s.rerun(b.taskId, { downstream: true });
    expect(s.tasks({ jobId: id })[2]!.State).toBe(TaskState.Queued);
  });

  it('refuses a task that has not failed, a running downstream and a canceled job', () => {
    const { s, job } = setup();
    const id = s.add(job(2, [[0, 1]], { action: [0, 1] }));
    const a = s.next()!;
    expect(() => s.rerun(a.taskId)).toThrow(expect.objectContaining({ code: 'INVALID_TRANSITION' }));
    s.fail(a);
    const b = s.next()!;
    expect(b.name).toBe('Task 1');
    expect(() => s.rerun(a.taskId, { downstream: true })).toThrow(/cannot set back task "Task 1" as it is Processing: it is downstream of the task rerun; wait for it to end/);
    expect(() => s.rerun(a.taskId, { downstream: 'yes' as never })).toThrow(TypeError);
    s.cancelJob(id);
    s.complete(b);
    expect(() => s.rerun(a.taskId)).toThrow(expect.objectContaining({ code: 'JOB_CANCELED' }));
  });

  it('maxAttempts counts again from the rerun', () => {
    const { s, job } = setup({ maxAttempts: 1 });
    s.add(job(1, []));
    const a = s.next()!;
    s.fail(a, { retryable: true });
    expect(s.stateOf(a.taskId)).toBe(TaskState.Error);
    s.rerun(a.taskId);
    s.fail(s.next()!, { retryable: true });
    expect(s.stateOf(a.taskId)).toBe(TaskState.Error);
    s.rerun(a.taskId);
    const c = s.next()!;
    expect(c.attempt).toBe(3);
    // A snapshot keeps where the count starts.
    const r = Scheduler.restore(JSON.parse(JSON.stringify(s.snapshot())), { processing: 'keep' });
    r.fail(c.taskId, { retryable: true });
    expect(r.stateOf(c.taskId)).toBe(TaskState.Error);
  });
});

describe('weights', () => {
  it('a task takes its weight in slots; the order stays strict, so a heavy task at the head is not passed', () => {
    const { s, job } = setup({ pools: { [MES]: 4 } });
    // Priorities: 0 heavy (3 slots) first, then 1 and 2 light, then 3 heavy (4 slots), then 4 light.
    s.add(job(5, [], { weight: [3, 1, 1, 4, 1] }, { priority: [9, 8, 7, 6, 5] }));
    const heavy = s.next()!;
    expect(heavy.name).toBe('Task 0');
    const l1 = s.next()!;
    expect(l1.name).toBe('Task 1');
    expect(s.next()).toBeUndefined(); // 4 of 4 slots taken
    s.complete(heavy);
    expect(s.next()!.name).toBe('Task 2');
    // Task 3 (4 slots) now heads the pool; 2 are taken: task 4 does not go past it.
    expect(s.next()).toBeUndefined();
    const t3 = s.tasks()[3]!.Id;
    expect(s.explain(t3)).toMatchObject({ reason: 'pool-full', message: expect.stringMatching(/it needs 4 slots, 2 are free/) });
    expect(s.taskInfo(t3)).toMatchObject({ weight: 4, action: 'cancel' });
    s.complete(l1);
    expect(s.next()).toBeUndefined();
    s.complete(s.tasks({ state: TaskState.Processing })[0]!.Id);
    expect(s.next()!.name).toBe('Task 3');
    expect(s.next()).toBeUndefined();
  });

  it('a heavy head canceled lets the lighter ones behind it go', () => {
    const { s, job } = setup({ pools: { [MES]: 2 } });
    const busy = s.add(job(1, [], undefined, { priority: [9] }));
    const wide = s.add(job(1, [], { weight: [2] }, { priority: [5] }));
    const light = s.add(job(1, [], undefined, { priority: [1] }));
    expect(s.next()!.jobId).toBe(busy);
    expect(s.next()).toBeUndefined();
    s.cancelJob(wide);
    expect(s.next()!.jobId).toBe(light);
  });

  it('refuses a task heavier than its pool at submit, changing nothing', () => {
    const { s, job } = setup({ pools: { [PACKAGER]: 2 } });
    expect(() => s.add(job(2, [], { weight: [1, 3] }, { processor: () => PACKAGER }))).toThrow(expect.objectContaining({ code: 'WEIGHT_EXCEEDS_POOL' }));
    expect(s.jobs()).toEqual([]);
    // In a pool without slots a weight changes nothing.
    s.add(job(2, [], { weight: [7, 3] }));
    expect([s.next(), s.next()].map((c) => c?.name)).toEqual(['Task 0', 'Task 1']);
  });
});

describe('per-job caps', () => {
  it('at most maxRunning tasks of a job run; the others go first meanwhile', () => {
    const { s, job } = setup();
    const capped = s.add(job(4, [], undefined, { jobPriority: 9 }), { maxRunning: 2 });
    const other = s.add(job(2, []));
    const got = [s.next()!, s.next()!, s.next()!];
    expect(got.map((c) => c.jobId)).toEqual([capped, capped, other]);
    const waiting = s.tasks({ jobId: capped, state: TaskState.Scheduled })[0]!;
    expect(s.explain(waiting.Id)).toMatchObject({ reason: 'job-cap', message: expect.stringMatching(/its job already runs 2 tasks, its cap/) });
    s.complete(got[0]!);
    expect(s.next()!.jobId).toBe(capped);
    expect(s.next()!.jobId).toBe(other);
    expect(s.next()).toBeUndefined();
  });

  it('the cap of the definition (extensions.maxRunning) holds, and the option wins over it', () => {
    const { s, job } = setup();
    const a = s.add(job(3, [], { maxRunning: 1 }));
    expect(s.next()!.jobId).toBe(a);
    expect(s.next()).toBeUndefined();
    const b = s.add(job(3, [], { maxRunning: 1 }), { maxRunning: 3 });
    expect([s.next(), s.next(), s.next(), s.next()].map((c) => c?.jobId)).toEqual([b, b, b, undefined]);
    expect(() => s.add(job(1, []), { maxRunning: 0 })).toThrow(TypeError);
  });

  it('a capped job keeps its own order, and a canceled task makes room for the next', () => {
    const { s, job } = setup();
    const id = s.add(job(3, [], undefined, { priority: [1, 3, 2] }), { maxRunning: 1 });
    const c = s.next()!;
    expect(c.name).toBe('Task 1');
    s.complete(c);
    expect(s.next()!.name).toBe('Task 2');
    expect(s.next()).toBeUndefined();
    s.cancelJob(id);
    expect(s.next()).toBeUndefined();
  });

  it('survives a snapshot', () => {
    const { s, job } = setup();
    s.add(job(3, []), { maxRunning: 1 });
    s.next();
    const r = Scheduler.restore(JSON.parse(JSON.stringify(s.snapshot())), { processing: 'keep' });
    expect(r.next()).toBeUndefined();
  });
  it('a heavy task of a job that reached its cap does not keep a lighter task of another job from its pool', () => {
    // Pool PACKAGER has 4 slots. Job A (cap 2) starts its PACKAGER task of weight 2, then its MES
    // task: it is at its cap, so its PACKAGER task of weight 3 (too heavy for the 2 slots left
    // anyway) may not run, and job B's light task behind it must.
    const { s, job } = setup({ pools: { [PACKAGER]: 4 } });
    const proc = (i: number): string => (i === 0 ? MES : PACKAGER);
    s.add(job(3, [], { maxRunning: 2, weight: [1, 2, 3] }, { processor: proc, priority: [0, 1, 0] }));
    const b = s.add(job(1, [], undefined, { processor: () => PACKAGER }));
    expect(s.next()!.name).toBe('Task 1');
    expect(s.next()!.name).toBe('Task 0');
    const c = s.next();
    expect(c?.jobId).toBe(b);
    expect(s.next()).toBeUndefined();
  });
});

describe('rate limits', () => {
  it('at most max starts in any perMs window; blockedUntil says when the pool opens', () => {
    const { s, job, clock } = setup({ rateLimits: { [MES]: { max: 2, perMs: 1000 } } });
    s.add(job(5, []));
    const t0 = clock.t;
    expect(s.next()).toBeDefined();
    clock.t += 100;
    expect(s.next()).toBeDefined();
    expect(s.next()).toBeUndefined();
    expect(s.blockedUntil()).toBe(t0 + 1000);
    expect(s.explain(s.tasks({ state: TaskState.Scheduled })[0]!.Id)).toMatchObject({ reason: 'rate-limited', message: expect.stringMatching(/reached its rate limit; it opens again at /) });
    clock.t = t0 + 999;
    expect(s.next()).toBeUndefined();
    clock.t = t0 + 1000;
    expect(s.next()).toBeDefined();
    expect(s.next()).toBeUndefined();
    expect(s.blockedUntil()).toBe(t0 + 1100);
  });

  it('limits only its pool, and checks its options', () => {
    const { s, job } = setup({ rateLimits: { [MES]: { max: 1, perMs: 60_000 } } });
    s.add(job(2, [], undefined, { processor: (i) => (i === 0 ? MES : PACKAGER) }));
    s.add(job(1, []));
    expect([s.next(), s.next(), s.next()].map((c) => c?.pool)).toEqual([MES, PACKAGER, undefined]);
    expect(() => new Scheduler({ rateLimits: { x: { max: 0, perMs: 10 } } })).toThrow(/rateLimits\["x"\]/);
    expect(() => new Scheduler({ rateLimits: { x: { max: 1, perMs: -1 } } })).toThrow(TypeError);
  });
});

describe('extension pools', () => {
  it('a task’s own pool wins over poolOf, in slots and in its claim', () => {
    const { s, job } = setup({ pools: { gpu: 1 } });
    s.add(job(3, [], { pool: ['gpu', null, 'gpu'] }));
    const got = [s.next(), s.next(), s.next()];
    expect(got.map((c) => c?.pool)).toEqual(['gpu', MES, undefined]);
    expect(s.taskInfo(got[0]!.taskId).pool).toBe('gpu');
  });
});

it('SchedulerError is what submit throws for a weight', () => {
  const { s, job } = setup({ pools: { [MES]: 1 } });
  try {
    s.add(job(1, [], { weight: [2] }));
  } catch (e) {
    expect(e).toBeInstanceOf(SchedulerError);
  }
});

describe('per-job caps and reruns', () => {
  it('a capped job’s task canceled and rerun is offered again, whether or not a claim came between', () => {
    for (const between of [false, true]) {
      const { s, job } = setup();
      const a = s.add(job(2, [[0, 1]]), { maxRunning: 1 });
      const other = s.add(job(1, []));
      const first = s.next()!;
      expect(first.jobId).toBe(a);
      s.fail(first);
      expect(s.stateOf(s.tasks({ jobId: a })[1]!.Id)).toBe(TaskState.Canceled);
      if (between) expect(s.next()!.jobId).toBe(other);
      s.rerun(first.taskId, { downstream: true });
      const again = s.next()!;
      expect(again.taskId).toBe(first.taskId);
      s.complete(again);
      expect(s.next()!.name).toBe('Task 1');
    }
  });
});
