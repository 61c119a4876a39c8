import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Engine } from '../../../src/run/engine.js';
import type { JobHandle } from '../../../src/run/engine.js';
import type { ProcessorContext } from '../../../src/run/processor.js';
import { TaskState, isFinalState } from '../../../src/job/enums.js';
import type { JobDefinition } from '../../../src/job/model.js';
import { dagJob, MES } from '../../helpers/jobs.js';

/** Whether a promise has settled, read without awaiting it (a hang then fails an expect, not the test timeout). */
function track<T>(p: Promise<T>): { settled: boolean; value: T | undefined } {
  const t: { settled: boolean; value: T | undefined } = { settled: false, value: undefined };
  void p.then((v) => {
    t.settled = true;
    t.value = v;
  });
  return t;
}

const wait = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), reject(signal.reason)), { once: true });
  });

function named(def: JobDefinition, names: string[]): JobDefinition {
  def.Tasks!.forEach((t, i) => (t.Name = names[i]!));
  return def;
}

/** Fake timers, and the warnings of throwing listeners kept off the test output, for each test of the block. */
function fakeTimersAndQuietWarnings(): void {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });
}

/** The issue's repro: `first` runs alone (concurrency 1, Priority 10); `after` reads `second`'s output. */
const repro = (): JobDefinition => named(dagJob(4, [[1, 3]], { priority: [10, 0, 0, 0] }), ['first', 'second', 'third', 'after']);

describe('Engine: cancel and close from a listener while a task is being claimed', () => {
  fakeTimersAndQuietWarnings();

  /** `first` finishes after 10 ms; every other task ignores its signal and never ends by itself. */
  function reproEngine(): { engine: Engine; started: string[]; contexts: Map<string, ProcessorContext> } {
    const started: string[] = [];
    const contexts = new Map<string, ProcessorContext>();
    const engine = new Engine({
      processors: [
        {
          id: MES,
          name: 'E',
          run: async (ctx) => {
            started.push(ctx.taskName);
            contexts.set(ctx.taskName, ctx);
            if (ctx.taskName === 'first') return wait(10, ctx.signal);
            return new Promise<void>(() => undefined);
          },
        },
      ],
      concurrency: 1,
      cancelGraceMs: 150,
    });
    return { engine, started, contexts };
  }

  const idOf = (engine: Engine, h: JobHandle, name: string): string => engine.scheduler.tasks({ jobId: h.id }).find((t) => t.Name === name)!.Id;

  it.each([
    ['handle.cancel()', 'cancel'],
    ['engine.close()', 'close'],
  ] as const)('%s when `second` turns Processing: `second` never runs unaborted, `third` and `after` never start, the job ends Canceled', async (_label, action) => {
    const { engine, started, contexts } = reproEngine();
    const h = engine.submit(repro());
    const second = idOf(engine, h, 'second');
    let closing: ReturnType<typeof track<void>> | undefined;
    h.on('taskStateChange', (e) => {
      if (e.taskId !== second || e.newState !== TaskState.Processing) return;
      if (action === 'cancel') h.cancel();
      else closing = track(engine.close());
    });
    const done = track(h.done);
    await vi.advanceTimersByTimeAsync(10);
    expect(started).toEqual(['first']);
    // Well within the 150 ms grace a running `second` would get: nothing waits for a processor here.
    await vi.advanceTimersByTimeAsync(200);
    expect(done.settled).toBe(true);
    expect(done.value!.State).toBe(TaskState.Canceled);
    expect(started).not.toContain('third');
    expect(started).not.toContain('after');
    // Either `second` never started, or its signal fired.
    expect(!started.includes('second') || contexts.get('second')!.signal.aborted).toBe(true);
    const tasks = new Map(engine.scheduler.tasks({ jobId: h.id }).map((t) => [t.Name, t]));
    expect([...tasks.values()].map((t) => [t.Name, t.State])).toEqual([
      ['first', TaskState.Finished],
      ['second', TaskState.Canceled],
      ['third', TaskState.Canceled],
      ['after', TaskState.Canceled],
    ]);
    // Concurrency 1: `second` was ready while `first` held the only slot.
    expect(tasks.get('second')!.HistoricalEvents.map((e) => e.Code)).toEqual(['Scheduled', 'WaitingForFreeResources', 'Processing', 'Canceling', 'NotStarted', 'Canceled']);
    closing ??= track(engine.close());
    await vi.advanceTimersByTimeAsync(0);
    expect(closing.settled).toBe(true);
    expect(engine.scheduler.running).toBe(0);
  });

  it('a task whose job the timeoutMs function cancels is not started, and leaves no grace timer behind', async () => {
    const started: string[] = [];
    let engine!: Engine;
    engine = new Engine({
      processors: [{ id: MES, name: 'E', run: (ctx) => void started.push(ctx.taskName) }],
      timeoutMs: (task, job) => {
        if (task.Name === 'Task 1') engine.cancel(job.Id);
        return 1000;
      },
    });
    const h = engine.submit(dagJob(2, [[0, 1]]));
    const done = track(h.done);
    await vi.advanceTimersByTimeAsync(0);
    expect(done.settled).toBe(true);
    expect(done.value!.State).toBe(TaskState.Canceled);
    expect(started).toEqual(['Task 0']);
    const t1 = engine.scheduler.tasks({ jobId: h.id })[1]!;
    expect(t1.HistoricalEvents.map((e) => e.Code)).toEqual(['Queued', 'Scheduled', 'Processing', 'Canceling', 'NotStarted', 'Canceled']);
    expect(vi.getTimerCount()).toBe(0);
    await engine.close();
  });
});

type Trigger = { label: string; event: 'taskStateChange' | 'taskProgress' | 'jobStateChange'; state?: number };
type Action = 'cancel' | 'close' | 'cancel-other' | 'submit';

const TRIGGERS: Trigger[] = [
  { label: 'task Scheduled', event: 'taskStateChange', state: TaskState.Scheduled },
  { label: 'task Processing', event: 'taskStateChange', state: TaskState.Processing },
  { label: 'task Finished', event: 'taskStateChange', state: TaskState.Finished },
  { label: 'task Error', event: 'taskStateChange', state: TaskState.Error },
  { label: 'task Canceling', event: 'taskStateChange', state: TaskState.Canceling },
  { label: 'task Canceled', event: 'taskStateChange', state: TaskState.Canceled },
  { label: 'task progress', event: 'taskProgress' },
  { label: 'job Scheduled', event: 'jobStateChange', state: TaskState.Scheduled },
  { label: 'job Processing', event: 'jobStateChange', state: TaskState.Processing },
  { label: 'job Canceling', event: 'jobStateChange', state: TaskState.Canceling },
  { label: 'job Canceled', event: 'jobStateChange', state: TaskState.Canceled },
];
const ACTIONS: Action[] = ['cancel', 'close', 'cancel-other', 'submit'];

describe('Engine: listeners that cancel, close or submit at every kind of event', () => {
  fakeTimersAndQuietWarnings();

  const cases = TRIGGERS.flatMap((t) => ACTIONS.flatMap((a) => [true, false].map((obeys) => [t.label, a, obeys ? 'obeys' : 'ignores', t, obeys] as const)));

  it.each(cases)('at %s, %s; processors %s their signal: every job ends, close() resolves, no processor runs unaborted in a canceled job', async (_l, action, _o, trigger, obeys) => {
    const contexts: Array<{ ctx: ProcessorContext; startedWhile: number; abortedAtStart: boolean }> = [];
    let engine!: Engine;
    const engineRef = (): Engine => engine;
    engine = new Engine({
      processors: [
        {
          id: MES,
          name: 'E',
          run: async (ctx) => {
            contexts.push({ ctx, startedWhile: engineRef().scheduler.stateOf(ctx.taskId), abortedAtStart: ctx.signal.aborted });
            ctx.progress(50);
            if (ctx.taskName === 'Task 2' && ctx.jobName === 'A') throw new Error('task 2 fails');
            if (obeys) return wait(5, ctx.signal);
            await wait(5);
          },
        },
      ],
      concurrency: 2,
      cancelGraceMs: 20,
    });
    const handles: JobHandle[] = [];
    let closing: ReturnType<typeof track<void>> | undefined;
    let fired = false;
    // A scheduler listener rather than a handle's: it also sees what happens inside submit().
    const listener = (e: { jobId: string; newState?: number }): void => {
      if (fired || engine.scheduler.jobModel(e.jobId).Name !== 'A') return;
      if (trigger.state !== undefined && e.newState !== trigger.state) return;
      fired = true;
      if (action === 'cancel') engine.cancel(e.jobId);
      else if (action === 'close') closing = track(engine.close());
      else if (action === 'cancel-other') {
        const other = handles.find((x) => x.id !== e.jobId);
        if (other) engine.cancel(other.id);
      } else handles.push(engine.submit(dagJob(2, [[0, 1]], { name: 'C' })));
    };
    engine.scheduler.on(trigger.event, listener as never);
    const b = engine.submit(dagJob(2, [[0, 1]], { name: 'B' }));
    handles.push(b);
    // Job A: a chain (its later tasks turn Scheduled while others run) and a task that fails.
    const defA = dagJob(4, [[0, 1], [1, 3]], { name: 'A' });
    const a = engine.submit(defA);
    handles.push(a);
    // Canceling and Canceled events of A come only from a cancel: one later, from outside, if the listener has not acted by then.
    await vi.advanceTimersByTimeAsync(7);
    if (!fired && (trigger.state === TaskState.Canceling || trigger.state === TaskState.Canceled)) engine.cancel(a.id);
    await vi.advanceTimersByTimeAsync(200);
    const dones = handles.map((h) => track(h.done));
    await vi.advanceTimersByTimeAsync(0);
    expect(dones.map((d) => d.settled)).toEqual(handles.map(() => true));
    closing ??= track(engine.close());
    await vi.advanceTimersByTimeAsync(100);
    expect(closing.settled).toBe(true);
    expect(engine.scheduler.running).toBe(0);
    for (const j of engine.scheduler.jobs()) expect(isFinalState(j.State)).toBe(true);
    for (const c of contexts) {
      // A processor starts while its task is Processing, or with its signal already aborted.
      expect(c.startedWhile === TaskState.Processing || c.abortedAtStart).toBe(true);
      const state = engine.scheduler.stateOf(c.ctx.taskId);
      if (state === TaskState.Canceled) expect(c.ctx.signal.aborted).toBe(true);
    }
    if (trigger.label !== 'job Scheduled' || action !== 'submit') expect(fired).toBe(true);
  });
});

describe('Engine: a rerun from a listener of the job’s end', () => {
  fakeTimersAndQuietWarnings();

  it('the first done() settles with that end, the new one with the end after the rerun (found by the property test, seed 12)', async () => {
    let attempts = 0;
    const engine = new Engine({
      processors: [{ id: MES, name: 'E', run: () => { if (++attempts === 1) throw new Error('first attempt fails'); } }],
      retry: { maxAttempts: 1 },
    });
    const handle = engine.submit(dagJob(1, []));
    const [task] = engine.scheduler.tasks({ jobId: handle.id });
    let reran = false;
    engine.scheduler.on('jobStateChange', (e) => {
      if (e.jobId === handle.id && e.newState === TaskState.Error && !reran) {
        reran = true;
        engine.rerun(task!.Id);
      }
    });
    const first = track(handle.done);
    await vi.runAllTimersAsync();
    expect(reran).toBe(true);
    expect(first.settled).toBe(true);
    expect(first.value!.State).toBe(TaskState.Error);
    const second = track(engine.done(handle.id));
    await vi.runAllTimersAsync();
    expect(second.settled).toBe(true);
    expect(second.value!.State).toBe(TaskState.Finished);
    expect(attempts).toBe(2);
    await engine.close();
  });
});
