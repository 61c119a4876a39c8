import { describe, expect, it } from 'vitest';
import { Scheduler } from '../../../src/scheduler/scheduler.js';
import { SchedulerError } from '../../../src/scheduler/errors.js';
import { ArgumentRangeError, ValidationError } from '../../../src/errors.js';
import { sequentialIds } from '../../../src/job/ids.js';
import { TaskState } from '../../../src/job/enums.js';
import { dagJob, MES, PACKAGER, tickClock } from '../../helpers/jobs.js';

function make(opts: ConstructorParameters<typeof Scheduler>[0] = {}): Scheduler {
  return new Scheduler({ now: tickClock(), ids: sequentialIds(), ...opts });
}

function drainNames(s: Scheduler): string[] {
  const names: string[] = [];
  for (let c = s.next(); c; c = s.next()) {
    names.push(c.name);
    s.complete(c.taskId);
  }
  return names;
}

describe('Scheduler', () => {
  it('runs a chain in order, states moving Queued → Scheduled → Processing → Finished', () => {
    const s = make();
    const job = s.submit(dagJob(3, [[0, 1], [1, 2]]));
    expect(job.State).toBe(TaskState.Scheduled);
    const [t0, t1] = s.tasks({ jobId: job.Id });
    expect([t0!.State, t1!.State]).toEqual([TaskState.Scheduled, TaskState.Queued]);
    const c = s.next()!;
    expect(c).toMatchObject({ name: 'Task 0', index: 0, attempt: 1, pool: MES, jobId: job.Id });
    expect(s.next()).toBeUndefined();
    expect(s.job(job.Id)!.State).toBe(TaskState.Processing);
    s.progress(c.taskId, 50);
    expect(s.task(c.taskId)!.Progress).toBe(50);
    s.complete(c.taskId);
    expect(drainNames(s)).toEqual(['Task 1', 'Task 2']);
    const done = s.job(job.Id)!;
    expect(done.State).toBe(TaskState.Finished);
    expect(done.EndTime).not.toBeNull();
    const view = s.task(c.taskId)!;
    expect(view.HistoricalEvents.map((e) => e.Code)).toEqual(['Scheduled', 'Processing', 'Finished']);
    expect(view.Progress).toBe(100);
    expect(view.RunningDuration).toBeGreaterThan(0);
  });

  it('orders ready tasks by task priority, then job priority, then submission, then index', () => {
    const s = make({ concurrency: 1 });
    s.submit(dagJob(3, [], { priority: [1, 5, 1], name: 'A' }));
    s.submit(dagJob(2, [], { priority: [1, 5], name: 'B' }), { priority: 10 });
    const order: string[] = [];
    for (let c = s.next(); c; c = s.next()) {
      order.push(`${s.job(c.jobId)!.Name}${c.index}`);
      s.complete(c.taskId);
    }
    expect(order).toEqual(['B1', 'A1', 'B0', 'A0', 'A2']);
  });

  it('never lets a full pool block another pool, and respects pool slots and concurrency', () => {
    const s = make({ concurrency: 3, pools: { [MES]: 1, [PACKAGER]: 1 } });
    s.submit(dagJob(4, [], { priority: [9, 8, 1, 0], processor: (i) => (i < 2 ? MES : PACKAGER) }));
    const a = s.next()!;
    const b = s.next()!;
    expect([a.index, b.index]).toEqual([0, 2]);
    expect(s.next()).toBeUndefined();
    expect(s.explain(s.tasks()[1]!.Id)).toMatchObject({ reason: 'pool-full', pool: MES, poolSlots: 1, poolRunning: 1, ahead: 0 });
    s.complete(a.taskId);
    expect(s.next()!.index).toBe(1);
  });

  it('limits tasks of unconfigured pools only by concurrency', () => {
    const s = make({ concurrency: 2 });
    s.submit(dagJob(3, []));
    expect(s.next()).toBeDefined();
    expect(s.next()).toBeDefined();
    expect(s.next()).toBeUndefined();
    expect(s.explain(s.tasks()[2]!.Id).reason).toBe('concurrency-full');
  });

  it('explains what a queued task waits on', () => {
    const s = make();
    const job = s.submit(dagJob(3, [[0, 2], [1, 2]]));
    const [t0, , t2] = s.tasks({ jobId: job.Id });
    s.complete(s.next()!.taskId);
    const e = s.explain(t2!.Id);
    expect(e.reason).toBe('waiting-on-dependencies');
    expect(e.waitingOn).toEqual([{ taskId: s.tasks()[1]!.Id, name: 'Task 1', state: 'Scheduled' }]);
    expect(e.message).toContain('"Task 1" (Scheduled)');
    expect(s.explain(t0!.Id).reason).toBe('final');
  });

  it('cancels exactly the transitive dependents of a failed task; independent tasks go on', () => {
    const s = make();
    const job = s.submit(dagJob(5, [[0, 1], [1, 2], [0, 3]]));
    const ids = s.tasks().map((t) => t.Id);
    const c0 = s.next()!; // task 0 (index order among equal priorities)
    expect(c0.index).toBe(0);
    const c4 = s.next()!;
    expect(c4.index).toBe(4);
    s.fail(c0.taskId, { code: 'ErrorProcessingTask', message: 'boom' });
    expect(s.tasks().map((t) => t.State)).toEqual([TaskState.Error, TaskState.Canceled, TaskState.Canceled, TaskState.Canceled, TaskState.Processing]);
    expect(s.task(ids[0]!)!.ErrorDetails).toEqual([{ Code: 'ErrorProcessingTask', Message: 'boom' }]);
    expect(s.task(ids[2]!)!.ErrorDetails[0]!.Message).toContain('"Task 0" failed');
    expect(s.job(job.Id)!.State).toBe(TaskState.Processing);
    s.complete(c4.taskId);
    expect(s.job(job.Id)!.State).toBe(TaskState.Error);
  });

  it('fails fast when asked, sparing tasks marked DoNotCancelOnJobFailure', () => {
    const s = make({ failFast: true });
    const def = dagJob(3, []);
    def.Tasks![2]!.Options = 4;
    s.submit(def);
    const c = s.next()!;
    s.fail(c.taskId);
    expect(s.tasks().map((t) => t.State)).toEqual([TaskState.Error, TaskState.Canceled, TaskState.Scheduled]);
  });

  it('puts a retryable failure back to Scheduled and counts attempts, up to maxAttempts', () => {
    const s = make({ maxAttempts: 2 });
    s.submit(dagJob(1, []));
    const a = s.next()!;
    s.fail(a.taskId, { code: 'TransientError', retryable: true });
    expect(s.task(a.taskId)!.State).toBe(TaskState.Scheduled);
    const b = s.next()!;
    expect(b.attempt).toBe(2);
    s.fail(b.taskId, { code: 'TransientError', retryable: true });
    expect(s.task(a.taskId)!.State).toBe(TaskState.Error);
    expect(s.task(a.taskId)!.HistoricalEvents.map((e) => e.Code)).toEqual(['Scheduled', 'Processing', 'Retrying', 'Scheduled', 'Processing', 'Error']);
    expect(s.taskInfo(a.taskId).attempts).toBe(2);
  });

  it('cancels a job: waiting tasks Canceled, running ones Canceling until they report', () => {
    const s = make();
    const job = s.submit(dagJob(3, [[0, 2]]));
    const c = s.next()!;
    const view = s.cancelJob(job.Id);
    expect(view.State).toBe(TaskState.Canceling);
    expect(s.tasks().map((t) => t.State)).toEqual([TaskState.Canceling, TaskState.Canceled, TaskState.Canceled]);
    expect(s.next()).toBeUndefined();
    s.progress(c.taskId, 70); // a late report is ignored
    s.complete(c.taskId);
    expect(s.task(c.taskId)!.State).toBe(TaskState.Canceled);
    expect(s.job(job.Id)!.State).toBe(TaskState.Canceled);
    expect(() => s.cancelJob(job.Id)).toThrow(expect.objectContaining({ code: 'JOB_FINAL' }));
  });

  it('throws a typed error and changes nothing on invalid calls', () => {
    const s = make();
    s.submit(dagJob(2, [[0, 1]]));
    const [t0, t1] = s.tasks();
    const before = JSON.stringify(s.snapshot());
    expect(() => s.complete(t0!.Id)).toThrow(SchedulerError);
    expect(() => s.complete(t0!.Id)).toThrow(/cannot complete task "Task 0" as it is Scheduled: start it first/);
    expect(() => s.fail(t1!.Id)).toThrow(expect.objectContaining({ code: 'INVALID_TRANSITION', state: 'Queued' }));
    expect(() => s.complete('nb:tid:UUID:nope')).toThrow(expect.objectContaining({ code: 'TASK_NOT_FOUND' }));
    expect(() => s.cancelJob('x')).toThrow(expect.objectContaining({ code: 'JOB_NOT_FOUND' }));
    expect(() => s.progress(t0!.Id, 101)).toThrow(RangeError);
    expect(() => s.progress(t0!.Id, 5)).toThrow(expect.objectContaining({ code: 'INVALID_TRANSITION' }));
    expect(JSON.stringify(s.snapshot())).toBe(before);
  });

  it('refuses an invalid job with every diagnostic', () => {
    const s = make();
    const def = dagJob(2, [[0, 1], [1, 0]]);
    try {
      s.submit(def);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).diagnostics.map((d) => d.code)).toContain('CYCLE');
    }
    expect(s.jobs()).toEqual([]);
  });

  it('validates its options the p-queue way', () => {
    expect(() => new Scheduler({ concurrency: 0 })).toThrow(/expected `concurrency` to be an integer >= 1, got `0` \(number\)/);
    expect(() => new Scheduler({ pools: { a: -1 } })).toThrow(TypeError);
  });

  it('emits state changes, progress and job state changes', () => {
    const s = make();
    const seen: string[] = [];
    s.on('taskStateChange', (e) => seen.push(`task ${e.oldState}->${e.newState}`));
    s.on('jobStateChange', (e) => seen.push(`job ${e.oldState}->${e.newState}`));
    const off = s.on('taskProgress', (e) => seen.push(`progress ${e.progress}`));
    s.submit(dagJob(1, []));
    const c = s.next()!;
    s.progress(c.taskId, 10);
    off();
    s.progress(c.taskId, 20);
    s.complete(c.taskId);
    expect(seen).toEqual(['task 0->1', 'job 0->1', 'task 1->2', 'job 1->2', 'progress 10', 'task 2->3', 'job 2->3']);
  });

  it('keeps going when a listener throws', () => {
    const errors: unknown[] = [];
    const s = make({ onListenerError: (e) => errors.push(e) });
    s.on('taskStateChange', () => {
      throw new Error('listener');
    });
    s.submit(dagJob(1, []));
    const c = s.next()!;
    s.complete(c.taskId);
    expect(s.task(c.taskId)!.State).toBe(TaskState.Finished);
    expect(errors.length).toBe(3);
  });

  it('restores a snapshot as plain JSON; running tasks come back Scheduled unless kept', () => {
    const clock = tickClock();
    const s = make({ now: clock, concurrency: 2 });
    s.submit(dagJob(4, [[0, 3], [1, 3]]));
    const a = s.next()!;
    s.next();
    s.complete(a.taskId);
    const snap = JSON.parse(JSON.stringify(s.snapshot()));
    const r = Scheduler.restore(snap, { now: clock });
    expect(r.tasks().map((t) => t.State)).toEqual([TaskState.Finished, TaskState.Scheduled, TaskState.Scheduled, TaskState.Queued]);
    expect(r.tasks()[1]!.HistoricalEvents.slice(-2).map((e) => e.Code)).toEqual(['Requeued', 'Scheduled']);
    const k = Scheduler.restore(snap, { now: clock, processing: 'keep' });
    expect(k.tasks().map((t) => t.State)).toEqual([TaskState.Finished, TaskState.Processing, TaskState.Scheduled, TaskState.Queued]);
    expect(k.running).toBe(1);
    expect(() => Scheduler.restore({} as never)).toThrow(expect.objectContaining({ code: 'SNAPSHOT_INVALID' }));
  });

  it('restores under the policy and pools of the snapshot, and refuses to change them silently', () => {
    const pools = (t: { Name: string }): string => (t.Name === 'Task 0' || t.Name === 'Task 1' ? 'one' : 'other');
    const s = make({ policy: 'fifo', pools: { one: 1 }, poolOf: pools });
    s.submit(dagJob(3, [], { priority: [1, 5, 9] }));
    const snap = JSON.parse(JSON.stringify(s.snapshot()));
    expect(snap.options).toMatchObject({ policy: 'fifo', poolOf: 'custom' });
    expect(() => Scheduler.restore(snap, { poolOf: pools })).toThrow(expect.objectContaining({ code: 'SNAPSHOT_POLICY_MISMATCH' }));
    expect(() => Scheduler.restore(snap, { policy: 'fifo' })).toThrow(expect.objectContaining({ code: 'SNAPSHOT_POOL_OF_MISSING' }));
    const r = Scheduler.restore(snap, { policy: 'fifo', poolOf: pools });
    // fifo: submission order, not priority; pool "one" has one slot, so Task 1 waits for Task 0.
    expect([r.next()?.name, r.next()?.name, r.next()]).toEqual(['Task 0', 'Task 2', undefined]);
    expect(r.explain(r.tasks()[1]!.Id).reason).toBe('pool-full');
  });

  it('counts no attempt for a task requeued after its attempt was lost', () => {
    const s = make({ maxAttempts: 1 });
    s.submit(dagJob(1, []));
    const c = s.next()!;
    s.requeue(c, 'the worker died');
    expect(s.task(c.taskId)!.HistoricalEvents.map((e) => `${e.Code}${e.Message ? ':' + e.Message : ''}`)).toEqual(['Scheduled', 'Processing', 'Requeued:the worker died', 'Scheduled']);
    const again = s.next()!;
    expect(again.attempt).toBe(1);
    s.fail(again, { retryable: true });
    expect(s.task(c.taskId)!.State).toBe(TaskState.Error);
    expect(() => s.requeue(c)).toThrow(expect.objectContaining({ code: 'INVALID_TRANSITION' }));
  });

  it('orders by the critical path under that policy', () => {
    const s = make({ concurrency: 1, policy: 'critical-path' });
    // 0 → 1 → 2 is the long branch; 3 stands alone; 4 → 5 is short.
    s.submit(dagJob(6, [[0, 1], [1, 2], [4, 5]]));
    expect(drainNames(s)).toEqual(['Task 0', 'Task 1', 'Task 4', 'Task 2', 'Task 3', 'Task 5']);
  });

  it('orders by submission only under fifo', () => {
    const s = make({ concurrency: 1, policy: 'fifo' });
    s.submit(dagJob(3, [], { priority: [1, 2, 3] }));
    expect(drainNames(s)).toEqual(['Task 0', 'Task 1', 'Task 2']);
  });
});

describe('Scheduler.on', () => {
  it('refuses an event that is not one of the three, Object.prototype names included, and off() of one is a no-op', () => {
    const s = new Scheduler();
    for (const name of ['toString', 'constructor', 'hasOwnProperty', '__proto__', 'TaskStateChange']) {
      expect(() => s.on(name as 'taskStateChange', () => undefined)).toThrow(ArgumentRangeError);
      expect(() => s.off(name as 'taskStateChange', () => undefined)).not.toThrow();
    }
    const seen: number[] = [];
    s.on('taskStateChange', (e) => seen.push(e.newState));
    s.submit(dagJob(1, []));
    expect(seen).toEqual([TaskState.Scheduled]);
  });
});

describe('pools named like members of Object.prototype', () => {
  const NAMES = ['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf'];

  it('runs their tasks as any pool without slots, and gives them slots only when the options do', () => {
    for (const name of NAMES) {
      // Not given slots: the pool is the default one, its tasks start (before, `toString` found a
      // function for its slot count, and next() never handed them out).
      const free = new Scheduler({ profile: 'relaxed', concurrency: 4 });
      free.submit({ tasks: [0, 1, 2].map((i) => ({ id: `t${i}`, pool: name })) });
      expect([free.next(), free.next(), free.next()].map((c) => c?.pool), name).toEqual([name, name, name]);
      // Given one slot (`__proto__` as an own key, as JSON.parse makes it): one at a time.
      const pools = JSON.parse(`{${JSON.stringify(name)}: 1}`) as Record<string, number>;
      const one = new Scheduler({ profile: 'relaxed', concurrency: 4, pools });
      one.submit({ tasks: [0, 1].map((i) => ({ id: `t${i}`, pool: name })) });
      const first = one.next();
      expect(first?.pool, name).toBe(name);
      expect(one.next(), name).toBeUndefined();
      one.complete(first!);
      expect(one.next()?.pool, name).toBe(name);
      // The snapshot keeps the pool's slots under its name.
      expect(Object.getOwnPropertyDescriptor(one.snapshot().options.pools, name)?.value, name).toBe(1);
    }
  });

  it('checks a weight against the pool\'s own slots only', () => {
    for (const name of NAMES) {
      const s = new Scheduler({ profile: 'relaxed' });
      expect(() => s.submit({ tasks: [{ id: 'a', pool: name, weight: 3 }] }), name).not.toThrow();
      expect(s.next()?.pool, name).toBe(name);
    }
  });
});

describe('Scheduler: options that are not objects', () => {
  const typeError = (call: string, name: string) => expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE', message: expect.stringContaining(`Scheduler.${call}: expected \`${name}\` to be `) });

  it('submit and add refuse null options, and add a callback that is no function, changing nothing', () => {
    const s = make();
    expect(() => s.submit(dagJob(1, []), null as never)).toThrow(typeError('submit', 'options'));
    expect(() => s.add(dagJob(1, []), 'x' as never)).toThrow(typeError('add', 'options'));
    expect(() => s.add(dagJob(1, []), {}, -1 as never)).toThrow(typeError('add', 'accepted'));
    expect(s.jobs()).toEqual([]);
  });

  it('addTasks, fail and tasks refuse null options; tasks refuses a state that is no number or array', () => {
    const s = make();
    const job = s.submit(dagJob(2, []));
    expect(() => s.addTasks(job.Id, { Tasks: [] }, null as never)).toThrow(typeError('addTasks', 'options'));
    const c = s.next()!;
    expect(() => s.fail(c, null as never)).toThrow(typeError('fail', 'options'));
    expect(s.stateOf(c)).toBe(TaskState.Processing);
    expect(() => s.tasks(null as never)).toThrow(typeError('tasks', 'filter'));
    expect(() => s.tasks({ state: {} as never })).toThrow(typeError('tasks', 'filter.state'));
    expect(() => s.tasks({ state: 'Queued' as never })).toThrow(typeError('tasks', 'filter.state'));
    expect(s.tasks({ state: [TaskState.Processing] }).map((t) => t.Id)).toEqual([c.taskId]);
  });
});
