import { describe, expect, it } from 'vitest';
import { Scheduler, type SchedulerOptions } from '../../../src/scheduler/scheduler.js';
import { SchedulerError } from '../../../src/scheduler/errors.js';
import { sequentialIds } from '../../../src/job/ids.js';
import { TaskState } from '../../../src/job/enums.js';
import type { Task } from '../../../src/job/model.js';
import { tickClock } from '../../helpers/jobs.js';

/**
 * A submit (or an addition) that throws changes nothing: the functions the scheduler was given
 * (a policy's key or duration, poolOf) run before any state changes, and their throws come back as
 * typed errors with the original as the cause.
 */

const plain = { name: 'J', tasks: [{ id: 'a' }, { id: 'b', dependsOn: ['a'] }, { id: 'c' }] };

function make(opts: SchedulerOptions): Scheduler {
  return new Scheduler({ now: tickClock(), ids: sequentialIds(), concurrency: 2, pools: { gpu: 1 }, ...opts });
}

/** What a failed call must leave as it was: the whole scheduler as a snapshot, and what next() gives. */
function portrait(s: Scheduler): unknown {
  return { snapshot: s.snapshot(), running: s.running, events: s.eventCount };
}

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

const boom = new Error('boom');
const failing = (name: string) => (task: Task): never | number => {
  if (task.Name === name) throw boom;
  return 1;
};

const cases: Array<[string, SchedulerOptions, string]> = [
  ['a policy key that throws', { policy: { name: 'mine', key: failing('b') } }, 'CALLBACK_THREW'],
  ['a policy key that returns NaN', { policy: { name: 'mine', key: (t) => (t.Name === 'b' ? NaN : 1) } }, 'ERR_INVALID_ARG_TYPE'],
  ['a policy key that returns a string', { policy: { name: 'mine', key: ((t: Task) => (t.Name === 'b' ? 'x' : 1)) as unknown as () => number } }, 'ERR_INVALID_ARG_TYPE'],
  ['a policy key that returns Infinity', { policy: { name: 'mine', key: (t) => (t.Name === 'c' ? Infinity : 1) } }, 'ERR_INVALID_ARG_TYPE'],
  ['a critical-path duration that throws', { policy: { name: 'critical-path', duration: failing('c') } }, 'CALLBACK_THREW'],
  ['a critical-path duration that returns NaN', { policy: { name: 'critical-path', duration: (t) => (t.Name === 'a' ? NaN : 1) } }, 'ERR_INVALID_ARG_TYPE'],
  ['a shortest-first duration that throws', { policy: { name: 'shortest-first', duration: failing('a') } }, 'CALLBACK_THREW'],
  ['a poolOf that throws', { poolOf: (t) => (t.Name === 'b' ? (() => { throw boom; })() : 'gpu') }, 'CALLBACK_THREW'],
];

describe('a submit that throws changes nothing (regression: a failed submit left a stuck Queued job)', () => {
  for (const [what, opts, code] of cases) {
    it(`submit() with ${what} throws ${code} and leaves the scheduler as it was`, () => {
      const s = make(opts);
      // A job already there, so the failed one would sit after it.
      const first = s.submit({ name: 'first', tasks: [{ id: 'x' }] });
      const before = portrait(s);
      const e = thrown(() => s.submit(plain)) as { code?: string; cause?: unknown };
      expect(e.code).toBe(code);
      if (code === 'CALLBACK_THREW') {
        expect(e).toBeInstanceOf(SchedulerError);
        expect(e.cause).toBe(boom);
      }
      expect(portrait(s)).toEqual(before);
      expect(s.jobs().map((j) => j.Name)).toEqual(['first']);
      expect(s.tasks().map((t) => t.Name)).toEqual(['x']);
      // The job that stands runs and ends; nothing is left Queued behind it.
      const c = s.next()!;
      expect(c.name).toBe('x');
      expect(s.next()).toBeUndefined();
      s.complete(c);
      expect(s.job(first.Id)!.State).toBe(TaskState.Finished);
    });
  }

  it('lets the same job (same task ids) be submitted again once the function is fixed', () => {
    let broken = true;
    const s = make({ poolOf: (t) => (broken && t.Name === 'b' ? (() => { throw boom; })() : 'gpu') });
    expect((thrown(() => s.submit(plain)) as SchedulerError).code).toBe('CALLBACK_THREW');
    broken = false;
    const job = s.submit(plain);
    expect(s.jobs().map((j) => j.Id)).toEqual([job.Id]);
    const names: string[] = [];
    for (let c = s.next(); c; c = s.next()) {
      names.push(c.name);
      s.complete(c);
    }
    expect(names.sort()).toEqual(['a', 'b', 'c']);
    expect(s.job(job.Id)!.State).toBe(TaskState.Finished);
  });

  it('names the function and the task in CALLBACK_THREW, a poolOf of WEIGHT checks included', () => {
    const s = make({ poolOf: () => { throw boom; } });
    const e = thrown(() => s.submit({ name: 'W', tasks: [{ id: 'heavy', weight: 2 }] })) as SchedulerError;
    expect(e).toBeInstanceOf(SchedulerError);
    expect(e.code).toBe('CALLBACK_THREW');
    expect(e.cause).toBe(boom);
    expect(e.message).toContain('`poolOf` threw for task "heavy"');
    expect(s.jobs()).toEqual([]);
  });
});

describe('an addition that throws changes nothing', () => {
  it('addTasks() with a policy key that fails for a new task leaves the job and its model as they were', () => {
    let failOn: string | undefined;
    const s = make({ policy: { name: 'mine', key: (t) => (t.Name === failOn ? NaN : 1) } });
    const job = s.submit({ name: 'J', tasks: [{ id: 'a' }] });
    const before = portrait(s);
    failOn = 'y';
    expect((thrown(() => s.addTasks(job.Id, { tasks: [{ id: 'x' }, { id: 'y' }] })) as { code: string }).code).toBe('ERR_INVALID_ARG_TYPE');
    expect(portrait(s)).toEqual(before);
    expect(s.jobModel(job.Id).Tasks.map((t) => t.Name)).toEqual(['a']);
    // The ids were not taken: the same addition goes through once the key is fixed.
    failOn = undefined;
    expect(s.addTasks(job.Id, { tasks: [{ id: 'x' }, { id: 'y' }] }).map((t) => t.Name)).toEqual(['x', 'y']);
  });

  it('addTasks() with a poolOf that throws gives CALLBACK_THREW and leaves the job as it was', () => {
    let failOn: string | undefined;
    const s = make({ poolOf: (t) => (t.Name === failOn ? (() => { throw boom; })() : 'gpu') });
    const job = s.submit({ name: 'J', tasks: [{ id: 'a' }] });
    const before = portrait(s);
    failOn = 'y';
    const e = thrown(() => s.addTasks(job.Id, { tasks: [{ id: 'x' }, { id: 'y', dependsOn: ['a'] }] })) as SchedulerError;
    expect(e.code).toBe('CALLBACK_THREW');
    expect(e.cause).toBe(boom);
    expect(portrait(s)).toEqual(before);
    expect(s.jobModel(job.Id).Tasks.map((t) => t.Name)).toEqual(['a']);
  });
});

describe("add()'s accepted hook (where a store writes the job)", () => {
  const withIds = (tag: string): unknown => ({ name: tag, tasks: [{ id: 'a' }, { id: 'b', dependsOn: ['a'] }] });
  // A task Id given in the definition: the scheduler checks and takes it.
  const fixed = { Name: 'F', Tasks: [{ Id: 'nb:tid:UUID:00000000-0000-4000-8000-0000000000aa', MediaProcessorId: 'nb:mpid:UUID:ff4df607-d419-42f0-bc17-a481b1331e56', TaskBody: '<taskBody><inputAsset>JobInputAsset(0)</inputAsset><outputAsset>JobOutputAsset(0)</outputAsset></taskBody>' }], InputMediaAssets: [{ __metadata: { uri: "https://x/api/Assets('nb:cid:UUID:00000000-0000-4000-8000-000000000001')" } }] };

  it('runs once every check passed, before anything changes; if it throws, nothing was added and the ids stay free', () => {
    const s = new Scheduler({ now: tickClock(), concurrency: 2, ids: sequentialIds() });
    const before = portrait(s);
    const err = new Error('the store is full');
    expect(thrown(() => s.add(withIds('J'), {}, () => { throw err; }))).toBe(err);
    expect(portrait(s)).toEqual(before);
    let seen: string | undefined;
    const id = s.add(withIds('J'), {}, (job) => (seen = job.Id));
    expect(seen).toBe(id);
    expect(s.tasks().map((t) => t.State)).toEqual([TaskState.Scheduled, TaskState.Queued]);
    // The ids a refused hook's job took are given back.
    expect(thrown(() => s.add(fixed, {}, () => { throw err; }))).toBe(err);
    expect(s.task(fixed.Tasks[0]!.Id)).toBeUndefined();
    s.add(fixed);
    expect(s.task(fixed.Tasks[0]!.Id)?.State).toBe(TaskState.Scheduled);
  });

  it('is not called for a job the scheduler refuses', () => {
    const s = new Scheduler({ now: tickClock(), concurrency: 2, ids: sequentialIds(), pools: { gpu: 1 }, profile: 'relaxed' });
    let calls = 0;
    const hook = (): void => void calls++;
    const heavy = { name: 'H', tasks: [{ id: 'x', pool: 'gpu', weight: 2 }] };
    expect(thrown(() => s.add(heavy, {}, hook))).toMatchObject({ code: 'WEIGHT_EXCEEDS_POOL' });
    expect(thrown(() => s.add(withIds('J'), { priority: 1.5 }, hook))).toBeInstanceOf(TypeError);
    s.add(fixed);
    expect(thrown(() => s.add({ ...fixed, Name: 'F2' }, {}, hook))).toMatchObject({ code: 'TASK_EXISTS' });
    expect(calls).toBe(0);
  });
});
