import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Engine } from '../../../src/run/engine.js';
import type { Processor } from '../../../src/run/processor.js';
import { STATE_NAMES } from '../../../src/job/enums.js';
import { ArgumentTypeError, ValidationError } from '../../../src/errors.js';
import { dagJob, MES } from '../../helpers/jobs.js';
import type { Dispatcher, WorkReporter } from '../../../src/run/dispatcher.js';

// A listener attached right after submit() — the README's own example — must see the first
// tasks' Scheduled and Processing, which happen inside submit.
const sleeper: Processor = { id: MES, name: 'Sleeper', run: () => new Promise((r) => setTimeout(() => r(undefined), 10)) };

function trace(engine: Engine, handle: ReturnType<Engine['submit']>, into: string[]): void {
  handle.on('taskStateChange', (e) => into.push(`${engine.scheduler.task(e.taskId)!.Name} ${STATE_NAMES[e.newState]}`));
}

describe('Engine events of the submit turn', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('gives a listener attached after submit() the events submit itself caused, then the rest, once each and in order', async () => {
    const engine = new Engine({ processors: [sleeper], concurrency: 1 });
    const handle = engine.submit(dagJob(2, [[0, 1]]));
    const seen: string[] = [];
    trace(engine, handle, seen);
    const jobStates: string[] = [];
    handle.on('jobStateChange', (e) => jobStates.push(STATE_NAMES[e.newState]!));
    await vi.advanceTimersByTimeAsync(100);
    await handle.done;
    expect(seen).toEqual([
      'Task 0 Scheduled',
      'Task 0 Processing',
      'Task 0 Finished',
      'Task 1 Scheduled',
      'Task 1 Processing',
      'Task 1 Finished',
    ]);
    expect(jobStates).toEqual(['Scheduled', 'Processing', 'Finished']);
  });

  it('gives a second listener of the same turn everything too, the first nothing twice', async () => {
    const engine = new Engine({ processors: [sleeper] });
    const handle = engine.submit(dagJob(1, []));
    const a: string[] = [];
    const b: string[] = [];
    trace(engine, handle, a);
    trace(engine, handle, b);
    await vi.advanceTimersByTimeAsync(50);
    await handle.done;
    expect(a).toEqual(['Task 0 Scheduled', 'Task 0 Processing', 'Task 0 Finished']);
    expect(b).toEqual(a);
  });

  it('keeps the early events of each job submitted in one turn apart', async () => {
    const engine = new Engine({ processors: [sleeper], concurrency: 1 });
    const first = engine.submit(dagJob(1, [], { name: 'first' }));
    const second = engine.submit(dagJob(1, [], { name: 'second' }));
    const a: string[] = [];
    const b: string[] = [];
    trace(engine, second, b);
    trace(engine, first, a);
    await vi.advanceTimersByTimeAsync(100);
    await Promise.all([first.done, second.done]);
    expect(a).toEqual(['Task 0 Scheduled', 'Task 0 Processing', 'Task 0 Finished']);
    expect(b).toEqual(['Task 0 Scheduled', 'Task 0 Processing', 'Task 0 Finished']);
  });

  it('replays nothing to a listener attached in a later turn (it sees what happens from then on)', async () => {
    const engine = new Engine({ processors: [sleeper] });
    const handle = engine.submit(dagJob(1, []));
    await Promise.resolve();
    const seen: string[] = [];
    trace(engine, handle, seen);
    await vi.advanceTimersByTimeAsync(50);
    await handle.done;
    expect(seen).toEqual(['Task 0 Finished']);
  });

  it('keeps no entry for a job that was refused', () => {
    const engine = new Engine({ processors: [sleeper] });
    const def = dagJob(1, []);
    const handle = engine.submit(def);
    // The same Id again: refused, and the first job's handle and promise are untouched.
    const again = { ...def, Id: handle.id };
    expect(() => engine.submit(again)).toThrow();
    expect(() => engine.submit({ Tasks: [] })).toThrow(ValidationError);
    expect(engine.done(handle.id)).toBe(handle.done);
  });

  // Until someone listens, the changes of the submit turn are kept as numbers, not events: these
  // check that what is made of them later in the turn is what a listener of the whole turn saw.
  it('gives the same events, in the same order, as a listener attached before submit, when tasks end inside the turn', async () => {
    // A dispatcher that reports each task done as it is handed over: a whole job runs inside submit,
    // its root releasing 40 dependents at once (the bulk release).
    const sync = (): Dispatcher => {
      let reporter: WorkReporter;
      return {
        start: (r) => void (reporter = r),
        dispatch: (item) => reporter.complete(item.serial, item.attempt, new Map()),
        abort: () => undefined,
        abandon: () => undefined,
        close: async () => undefined,
      };
    };
    const edges: Array<[number, number]> = [];
    for (let i = 1; i <= 40; i++) edges.push([0, i], [i, 41]);
    const def = () => dagJob(42, edges, { name: 'fan' });
    const describe = (e: { taskId: string; serial: number; oldState: number; newState: number }) => `${e.serial} ${STATE_NAMES[e.oldState]}>${STATE_NAMES[e.newState]}`;

    const watched = new Engine({ processors: [sleeper], concurrency: 3, dispatcher: sync() });
    const all: string[] = [];
    watched.scheduler.on('taskStateChange', (e) => all.push(describe(e)));
    await watched.submit(def()).done;

    const engine = new Engine({ processors: [sleeper], concurrency: 3, dispatcher: sync() });
    const other = engine.submit(dagJob(1, [], { name: 'other' }));
    const handle = engine.submit(def());
    const late: string[] = [];
    const ids: string[] = [];
    // The other job's listener starts the following: the fan job's changes so far become events then.
    other.on('taskStateChange', () => undefined);
    handle.on('taskStateChange', (e) => {
      late.push(describe(e));
      ids.push(e.taskId);
    });
    await handle.done;
    expect(all).toHaveLength(42 * 3); // Scheduled, Processing, Finished each
    // Serials differ by the other job's one task.
    expect(late).toEqual(all.map((line) => line.replace(/^\d+/, (n) => String(Number(n) + 1))));
    expect(ids).toEqual(late.map((line) => engine.scheduler.modelOf(Number(line.split(' ')[0])).task.Id));
  });

  it('refuses an event name that is not one of the three, Object.prototype names included, with a typed error', async () => {
    const engine = new Engine({ processors: [sleeper] });
    const handle = engine.submit(dagJob(1, []));
    for (const name of ['toString', 'constructor', '__proto__', 'taskstatechange', '']) {
      expect(() => handle.on(name as 'taskStateChange', () => undefined)).toThrow(ArgumentTypeError);
    }
    expect(() => handle.on('jobStateChange', 'not a function' as never)).toThrow(ArgumentTypeError);
    // The refusals followed nothing: the job runs and ends as before.
    const states: string[] = [];
    handle.on('jobStateChange', (e) => states.push(STATE_NAMES[e.newState]!));
    await vi.advanceTimersByTimeAsync(50);
    await handle.done;
    expect(states.at(-1)).toBe('Finished');
  });
});
