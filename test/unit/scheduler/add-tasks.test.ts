import { describe, expect, it } from 'vitest';
import { Scheduler, type SchedulerOptions } from '../../../src/scheduler/scheduler.js';
import { SchedulerError } from '../../../src/scheduler/errors.js';
import { sequentialIds } from '../../../src/job/ids.js';
import { TaskState } from '../../../src/job/enums.js';
import { ValidationError } from '../../../src/errors.js';
import { validateJob } from '../../../src/validate/validate.js';
import { dagJob, MES, PACKAGER } from '../../helpers/jobs.js';

/**
 * Tasks added to a running job (Scheduler.addTasks): how they wait, start and end with the job's
 * own tasks, what is refused, and that restores and the journal keep them where they stand.
 */

const { Queued: Q, Scheduled: S, Processing: P, Finished: F, Error: E, Canceled: C } = TaskState;

function setup(opts: SchedulerOptions = {}): { s: Scheduler; clock: { t: number }; submit: (n: number, edges: Array<[number, number]>, o?: Parameters<typeof dagJob>[2]) => string } {
  const clock = { t: 1_000_000 };
  const jobIds = sequentialIds();
  const s = new Scheduler({ now: () => clock.t, ids: sequentialIds(500), ...opts });
  const submit = (n: number, edges: Array<[number, number]>, o?: Parameters<typeof dagJob>[2]): string => {
    const r = validateJob(dagJob(n, edges, o), { profile: opts.profile ?? 'ams', ids: jobIds });
    expect(r.valid).toBe(true);
    return s.add(r);
  };
  return { s, clock, submit };
}

/** A task definition reading `inputs` (JobOutputAsset indices; none: the job's input) and writing JobOutputAsset(out). */
function task(name: string, inputs: number[], out: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const refs = inputs.length === 0 ? '<inputAsset>JobInputAsset(0)</inputAsset>' : inputs.map((i) => `<inputAsset>JobOutputAsset(${i})</inputAsset>`).join('');
  return { Name: name, MediaProcessorId: MES, TaskBody: `<taskBody>${refs}<outputAsset>JobOutputAsset(${out})</outputAsset></taskBody>`, ...extra };
}

const states = (s: Scheduler, jobId: string): Array<[string, number]> => s.tasks({ jobId }).map((t) => [t.Name, t.State]);

function refused(f: () => unknown): { code: string; diagnostics: string[] } {
  try {
    f();
  } catch (e) {
    if (e instanceof ValidationError) return { code: e.code, diagnostics: e.diagnostics.map((d) => d.code) };
    if (e instanceof SchedulerError) return { code: e.code, diagnostics: [] };
    throw e;
  }
  throw new Error('expected a refusal');
}

describe('Scheduler.addTasks', () => {
  it('added tasks wait on the job’s running tasks and on each other, then run', () => {
    const { s, submit } = setup();
    const id = submit(2, [[0, 1]]);
    const a = s.next()!;
    expect(a.name).toBe('Task 0');
    // C reads Task 0's output, D reads C's.
    const views = s.addTasks(id, { Tasks: [task('C', [0], 2), task('D', [2], 3)] });
    expect(views.map((v) => [v.Name, v.State])).toEqual([
      ['C', Q],
      ['D', Q],
    ]);
    expect(states(s, id)).toEqual([
      ['Task 0', P],
      ['Task 1', Q],
      ['C', Q],
      ['D', Q],
    ]);
    expect(s.taskInfo(views[1]!.Id)).toMatchObject({ index: 3, dependencies: [views[0]!.Id], allDependencies: [s.tasks({ jobId: id })[0]!.Id, views[0]!.Id] });
    expect(s.taskInfo(a.taskId).allDependents).toEqual([s.tasks({ jobId: id })[1]!.Id, views[0]!.Id, views[1]!.Id]);
    s.complete(a);
    expect(states(s, id).map(([, st]) => st)).toEqual([F, S, S, Q]);
    for (let c = s.next(); c; c = s.next()) s.complete(c);
    expect(states(s, id).map(([, st]) => st)).toEqual([F, F, F, F]);
    expect(s.job(id)!.State).toBe(F);
    expect(s.jobModel(id).Tasks.map((t) => t.index)).toEqual([0, 1, 2, 3]);
  });

  it('an output that already Finished is there: the added task does not wait for it', () => {
    const { s, submit } = setup();
    const id = submit(2, [[0, 1]]);
    s.complete(s.next()!);
    const [c] = s.addTasks(id, { Tasks: [task('C', [0], 2)] });
    expect(c!.State).toBe(S);
    expect(s.next()!.name).toBe('Task 1');
    expect(s.next()!.name).toBe('C');
  });

  it('refuses, changing nothing, a task that reads the output of a task that failed or was canceled', () => {
    const { s, submit } = setup();
    const id = submit(3, [[0, 1]]);
    s.fail(s.next()!, { message: 'boom' });
    const events = s.eventCount;
    const r = refused(() => s.addTasks(id, { Tasks: [task('C', [0], 3)] }));
    expect(r).toEqual({ code: 'VALIDATION_FAILED', diagnostics: ['INPUT_ENDED'] });
    const r2 = refused(() => s.addTasks(id, { Tasks: [task('C', [1], 3)] }));
    expect(r2.diagnostics).toEqual(['INPUT_ENDED']);
    expect(s.eventCount).toBe(events);
    expect(s.tasks({ jobId: id })).toHaveLength(3);
    // Task 2 still runs; an addition reading it is fine.
    expect(s.addTasks(id, { Tasks: [task('D', [2], 3)] })).toHaveLength(1);
  });

  it('refuses a cycle among the added tasks and an output nothing produces, all in one pass', () => {
    const { s, submit } = setup();
    const id = submit(1, []);
    const r = refused(() => s.addTasks(id, { Tasks: [task('A', [2], 1), task('B', [1], 2), task('C', [9], 3)] }));
    expect(r.code).toBe('VALIDATION_FAILED');
    expect(r.diagnostics).toEqual(expect.arrayContaining(['CYCLE', 'OUTPUT_NOT_PRODUCED']));
    expect(s.tasks({ jobId: id })).toHaveLength(1);
  });

  it('refuses a job that has ended or is being canceled, and an unknown job', () => {
    const { s, submit } = setup();
    const done = submit(1, []);
    s.complete(s.next()!);
    expect(refused(() => s.addTasks(done, { Tasks: [task('C', [0], 1)] })).code).toBe('JOB_FINAL');
    const running = submit(1, []);
    s.next();
    s.cancelJob(running);
    expect(refused(() => s.addTasks(running, { Tasks: [task('C', [], 1)] })).code).toBe('JOB_FINAL');
    expect(refused(() => s.addTasks('nb:jid:UUID:nope', { Tasks: [task('C', [], 1)] })).code).toBe('JOB_NOT_FOUND');
  });

  it('refuses a task id already taken, changing nothing', () => {
    const { s, submit } = setup({ profile: 'relaxed' });
    const id = submit(1, []);
    const taken = s.tasks({ jobId: id })[0]!.Id;
    const ids = sequentialIds(9000);
    // The validator sees it first: an Id of a task of the job is TASK_ID_DUPLICATE.
    expect(refused(() => s.addTasks(id, { Tasks: [task('C', [], 1, { Id: ids('task') }), task('D', [], 2, { Id: taken })] }))).toEqual({ code: 'VALIDATION_FAILED', diagnostics: ['TASK_ID_DUPLICATE'] });
    expect(s.tasks({ jobId: id })).toHaveLength(1);
  });

  it('a failure reaches the added dependents through the new edges, by their DependencyAction', () => {
    const { s, submit } = setup({ profile: 'relaxed' });
    const id = submit(1, []);
    const a = s.next()!;
    const [c, d, e] = s.addTasks(id, { Tasks: [task('C', [0], 1), task('D', [0], 2, { DependencyAction: 'run' }), task('E', [0], 3, { DependencyAction: 'skip' })] });
    s.fail(a);
    expect([c, d, e].map((v) => s.stateOf(v!.Id))).toEqual([C, S, F]);
    expect(s.task(e!.Id)!.HistoricalEvents.map((x) => x.Code)).toContain('Skipped');
  });

  it('rerun with downstream takes the added dependents back too', () => {
    const { s, submit } = setup();
    const id = submit(1, []);
    const a = s.next()!;
    const [c] = s.addTasks(id, { Tasks: [task('C', [0], 1)] });
    s.fail(a);
    expect(s.stateOf(c!.Id)).toBe(C);
    s.rerun(a.taskId, { downstream: true });
    expect(s.stateOf(c!.Id)).toBe(Q);
    s.complete(s.next()!);
    expect(s.next()!.taskId).toBe(c!.Id);
  });

  it('added tasks go after the tasks submitted before them, at equal keys', () => {
    const { s, submit } = setup({ concurrency: 1 });
    const first = submit(2, []);
    const second = submit(1, []);
    const [c] = s.addTasks(first, { Tasks: [task('C', [], 2)] });
    const order: string[] = [];
    for (let x = s.next(); x; x = s.next()) {
      order.push(`${x.jobId === first ? 'first' : 'second'}:${x.name}`);
      s.complete(x);
    }
    expect(order).toEqual(['first:Task 0', 'first:Task 1', 'second:Task 0', 'first:C']);
    expect(c!.State).toBe(S);
  });

  it('a capped job keeps its cap over the tasks added', () => {
    const { s, submit } = setup();
    const id = s.add(validateJob(dagJob(2, []), { ids: sequentialIds(70) }), { maxRunning: 2 });
    s.next();
    s.addTasks(id, { Tasks: [task('C', [], 2), task('D', [], 3)] });
    expect(s.next()!.name).toBe('Task 1');
    expect(s.next()).toBeUndefined();
    void submit;
    s.complete(s.tasks({ jobId: id, state: P })[0]!.Id);
    expect(s.next()!.name).toBe('C');
  });

  it('weights and pools of added tasks are kept and checked', () => {
    const { s, submit } = setup({ profile: 'relaxed', pools: { [PACKAGER]: 2 } });
    const id = submit(1, []);
    expect(refused(() => s.addTasks(id, { Tasks: [task('C', [], 1, { MediaProcessorId: PACKAGER, Weight: 3 })] })).code).toBe('WEIGHT_EXCEEDS_POOL');
    const [c] = s.addTasks(id, { Tasks: [task('C', [], 1, { MediaProcessorId: PACKAGER, Weight: 2 })] });
    expect(s.taskInfo(c!.Id)).toMatchObject({ weight: 2, pool: PACKAGER });
    expect(s.jobModel(id).extensions?.weight).toEqual([1, 2]);
  });

  it('a plain graph grows with plain tasks naming its tasks by id', () => {
    const clock = { t: 1 };
    const s = new Scheduler({ now: () => clock.t, profile: 'relaxed' });
    const id = s.add({ tasks: [{ id: 'split' }, { id: 'encode', dependsOn: ['split'] }] });
    s.complete(s.next()!);
    const [pack] = s.addTasks(id, { tasks: [{ id: 'package', dependsOn: ['encode'], weight: 1 }] });
    expect(pack!.Name).toBe('package');
    expect(s.explain(pack!.Id).reason).toBe('waiting-on-dependencies');
    s.complete(s.next()!);
    expect(s.next()!.name).toBe('package');
  });

  it('snapshot and restore keep where added tasks stand, and go on alike', () => {
    const { s, submit } = setup({ concurrency: 2 });
    const first = submit(2, [[0, 1]]);
    const second = submit(2, []);
    s.next();
    s.addTasks(first, { Tasks: [task('C', [0], 2), task('D', [], 3)] });
    const snap = JSON.parse(JSON.stringify(s.snapshot()));
    expect(snap.blocks).toEqual([
      [0, 2],
      [1, 2],
      [0, 2],
    ]);
    const r = Scheduler.restore(snap, { processing: 'keep', now: () => 1_000_000 });
    expect(r.tasks().map((t) => [t.Name, t.State])).toEqual(s.tasks().map((t) => [t.Name, t.State]));
    expect(r.tasks({ jobId: first }).map((t) => t.Name)).toEqual(['Task 0', 'Task 1', 'C', 'D']);
    const drain = (x: Scheduler): string[] => {
      const out: string[] = [];
      for (let i = 0; i < 20; i++) {
        const c = x.next();
        if (c) out.push(c.taskId);
        else {
          const running = x.tasks({ state: P })[0];
          if (!running) break;
          x.complete(running.Id);
        }
      }
      return out;
    };
    expect(drain(r)).toEqual(drain(s));
    expect(r.job(second)!.State).toBe(s.job(second)!.State);
  });

  it('the journal says which jobs grew and numbers added tasks in their job; recover keeps the order', () => {
    const { s, submit } = setup({ concurrency: 1 });
    s.enableJournal();
    const first = submit(1, []);
    const second = submit(1, []);
    s.readJournal(0);
    const from = s.eventCount;
    s.addTasks(first, { Tasks: [task('C', [], 1)] });
    const chunk = s.readJournal(from);
    expect(chunk.grown).toEqual([[0, 1]]);
    expect([...chunk.job]).toEqual([0]);
    expect([...chunk.task]).toEqual([1]);
    // As a store gives it back: the second job's order is 2, the block added after it 3.
    const all = s.readJournal(0);
    const eventsOf = (j: number): { task: Int32Array; code: Uint8Array; time: Float64Array; text: [] } => {
      const rows = [...all.job.keys()].filter((r) => all.job[r] === j);
      return { task: Int32Array.from(rows, (r) => all.task[r]!), code: Uint8Array.from(rows, (r) => all.code[r]!), time: Float64Array.from(rows, (r) => all.time[r]!), text: [] };
    };
    const rec = Scheduler.recover(
      [first, second].map((id, j) => ({ job: s.jobModel(id), priority: 0, failFast: false, created: 1_000_000, cancelRequested: false, order: j + 1, ...(j === 0 ? { grown: [{ order: 3, count: 1 }] } : {}), events: eventsOf(j), errors: new Map(), progress: new Map(), held: new Set<number>() })),
      { concurrency: 1, now: () => 1_000_000 },
    );
    const order = (x: Scheduler): string[] => {
      const out: string[] = [];
      for (let c = x.next(); c; c = x.next()) {
        out.push(c.taskId);
        x.complete(c);
      }
      return out;
    };
    expect(order(rec)).toEqual(order(s));
  });

  it('changes neither the validateJob() result submitted nor a model read before', () => {
    const s = new Scheduler({ profile: 'relaxed' });
    const r = validateJob(dagJob(1, []), { ids: sequentialIds(40) });
    const id = s.add(r);
    const before = s.jobModel(id);
    s.addTasks(id, { Tasks: [task('C', [0], 1, { Weight: 1, DependencyAction: 'run' })] });
    expect(r.job!.Tasks).toHaveLength(1);
    expect(before.Tasks).toHaveLength(1);
    expect(before.extensions).toBeUndefined();
    expect(s.jobModel(id).Tasks).toHaveLength(2);
    expect(s.jobModel(id).extensions).toEqual({ weight: [1, 1], action: [0, 1] });
    // The same result goes to a second scheduler as it was.
    const t = new Scheduler({ profile: 'relaxed' });
    t.add(r);
    expect(t.tasks()).toHaveLength(1);
  });

  it('forget drops a grown job with all its tasks', () => {
    const { s, submit } = setup();
    const id = submit(1, []);
    s.next();
    const [c] = s.addTasks(id, { Tasks: [task('C', [0], 1)] });
    s.complete(s.tasks({ state: P })[0]!.Id);
    s.complete(s.next()!);
    s.forget(id);
    expect(s.task(c!.Id)).toBeUndefined();
    expect(s.tasks()).toHaveLength(0);
  });
});
