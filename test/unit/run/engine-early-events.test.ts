import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Engine } from '../../../src/run/engine.js';
import type { Processor } from '../../../src/run/processor.js';
import { STATE_NAMES } from '../../../src/job/enums.js';
import { ValidationError } from '../../../src/errors.js';
import { dagJob, MES } from '../../helpers/jobs.js';

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
});
