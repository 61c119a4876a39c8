import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { Engine, type EngineOptions, type JobHandle } from '../../../src/run/engine.js';
import type { ProcessorContext } from '../../../src/run/processor.js';
import type { Dispatcher, WorkItem, WorkReporter } from '../../../src/run/dispatcher.js';
import { TaskState } from '../../../src/job/enums.js';
import type { TaskView } from '../../../src/scheduler/views.js';
import { dagJob, MES } from '../../helpers/jobs.js';

// The Engine promises never to leave a rejection unhandled and never to throw out of a timer,
// whatever a processor, dispatcher, option function or listener throws or returns.
const trapped: Array<[string, unknown]> = [];
const onRejection = (reason: unknown): void => void trapped.push(['unhandledRejection', reason]);
const onException = (err: unknown): void => void trapped.push(['uncaughtException', err]);
beforeAll(() => {
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
});
afterAll(() => {
  process.off('unhandledRejection', onRejection);
  process.off('uncaughtException', onException);
});

let warnings: string[] = [];
beforeEach(() => {
  vi.useFakeTimers();
  warnings = [];
  vi.spyOn(process, 'emitWarning').mockImplementation((w: string | Error) => void warnings.push(String(w)));
});
afterEach(async () => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  // Unhandled rejections are reported between macrotasks: let a few pass before looking.
  for (let i = 0; i < 3; i++) await new Promise((r) => setTimeout(r, 0));
  expect(trapped.splice(0).map(([kind, v]) => `${kind}: ${safe(v)}`)).toEqual([]);
});

function safe(v: unknown): string {
  try {
    return String(v);
  } catch {
    return '(unreadable)';
  }
}

function revoked(): object {
  const r = Proxy.revocable({}, {});
  r.revoke();
  return r.proxy;
}

/** An Error one of whose properties throws when read. */
function errorWithThrowing(prop: 'message' | 'code' | 'retryable' | 'name', base = new Error('boom')): Error {
  Object.defineProperty(base, prop, {
    get() {
      throw new Error(`${prop} is unreadable`);
    },
  });
  return base;
}

/** A Proxy that answers `then` with undefined (it is awaited) and throws from `trap`. */
function hostileProxy(target: object, trap: 'ownKeys' | 'getPrototypeOf' | 'length'): object {
  const boom = (): never => {
    throw new Error(`${trap} trap`);
  };
  if (trap === 'length') return new Proxy(target, { get: (t, k, r) => (k === 'length' ? boom() : k === 'then' ? undefined : Reflect.get(t, k, r)) });
  return new Proxy(target, { [trap]: boom, get: (t, k, r) => (k === 'then' ? undefined : Reflect.get(t, k, r)) });
}

const throwingToString = { toString: (): never => { throw new Error('toString'); } };

type Row = {
  behaviour: (ctx: ProcessorContext) => unknown;
  options?: Partial<EngineOptions>;
  /** What the test does to the job once it runs. */
  act?: (h: JobHandle) => void;
  state: number;
  code?: string;
  message?: RegExp;
  /** Codes that the task's history must hold (exactly once each). */
  events?: string[];
  progress?: number;
};

const never = (): Promise<never> => new Promise<never>(() => undefined);
const later: Array<() => void> = [];

const ROWS: Record<string, Row> = {
  'throws a revoked Proxy': { behaviour: () => { throw revoked(); }, state: TaskState.Error, code: 'ErrorProcessingTask', message: /cannot be read/ },
  'rejects with a revoked Proxy': { behaviour: () => Promise.reject(revoked()), state: TaskState.Error, code: 'ErrorProcessingTask', message: /cannot be read/ },
  'throws an Error whose message getter throws': { behaviour: () => { throw errorWithThrowing('message'); }, state: TaskState.Error, code: 'ErrorProcessingTask', message: /cannot be read/ },
  'throws an Error whose code getter throws': { behaviour: () => { throw errorWithThrowing('code'); }, state: TaskState.Error, code: 'ErrorProcessingTask', message: /cannot be read/ },
  'throws an Error whose retryable getter throws': { behaviour: () => { throw errorWithThrowing('retryable'); }, state: TaskState.Error, code: 'ErrorProcessingTask', message: /cannot be read/ },
  'throws an Error with no message whose name getter throws': { behaviour: () => { throw errorWithThrowing('name', new Error('')); }, state: TaskState.Error, code: 'ErrorProcessingTask', message: /cannot be read/ },
  'throws null': { behaviour: () => { throw null; }, state: TaskState.Error, code: 'ErrorProcessingTask', message: /threw null$/ },
  'throws undefined': { behaviour: () => { throw undefined; }, state: TaskState.Error, code: 'ErrorProcessingTask', message: /threw undefined$/ },
  'throws a Symbol': { behaviour: () => { throw Symbol('odd'); }, state: TaskState.Error, code: 'ErrorProcessingTask', message: /threw Symbol\(odd\)$/ },
  'throws a BigInt': { behaviour: () => { throw 10n; }, state: TaskState.Error, code: 'ErrorProcessingTask', message: /threw 10n$/ },
  'throws an object whose toString throws': { behaviour: () => { throw throwingToString; }, state: TaskState.Error, code: 'ErrorProcessingTask', message: /threw an object$/ },
  'returns a revoked Proxy': { behaviour: () => revoked(), state: TaskState.Error, code: 'ErrorProcessingTask' },
  'returns an object with a throwing getter': {
    behaviour: () => ({ get 0(): never { throw new Error('getter'); } }),
    state: TaskState.Error,
    code: 'ErrorProcessingTask',
    message: /returned a value that cannot be read/,
  },
  'returns a Proxy whose ownKeys trap throws': { behaviour: () => hostileProxy({}, 'ownKeys'), state: TaskState.Error, code: 'ErrorProcessingTask', message: /returned a value that cannot be read/ },
  'returns a Proxy whose getPrototypeOf trap throws': { behaviour: () => hostileProxy({}, 'getPrototypeOf'), state: TaskState.Error, code: 'ErrorProcessingTask', message: /returned a value that cannot be read/ },
  'returns an array Proxy whose length throws': { behaviour: () => hostileProxy([1], 'length'), state: TaskState.Error, code: 'ErrorProcessingTask', message: /returned a value that cannot be read/ },
  'returns a thenable that resolves twice and then throws': {
    behaviour: () => ({
      then(resolve: (v: unknown) => void): void {
        resolve([{ first: true }]);
        resolve([{ second: true }]);
        throw new Error('after resolving');
      },
    }),
    state: TaskState.Finished,
  },
  'returns a promise that never settles, with timeoutMs': { behaviour: never, options: { timeoutMs: 50 }, state: TaskState.Error, code: 'ErrorProcessingTask', message: /timed out after 50 ms/ },
  'ignores its AbortSignal when the job is canceled': { behaviour: never, options: { cancelGraceMs: 30 }, act: (h) => h.cancel(), state: TaskState.Canceled, events: ['Abandoned'] },
  'reports progress and logs after it has ended': {
    behaviour: (ctx) => {
      later.push(() => {
        ctx.progress(50);
        ctx.progress(NaN);
        ctx.log('Late', 'too late');
      });
      return undefined;
    },
    state: TaskState.Finished,
  },
  'logs non-strings and objects whose toString throws': {
    behaviour: (ctx) => {
      ctx.log(42 as never, 'a code that is not a string');
      ctx.log('' as never);
      ctx.log('Note', throwingToString as never);
      ctx.log('Note', revoked() as never);
      ctx.log('Note', Symbol('s') as never);
      ctx.log('Note', 7 as never);
    },
    state: TaskState.Finished,
  },
  'reports progress 100.0000001': { behaviour: (ctx) => ctx.progress(100.0000001), state: TaskState.Finished, events: ['ProgressClamped'], progress: 100 },
  'reports progress -5': { behaviour: (ctx) => ctx.progress(-5), state: TaskState.Finished, events: ['ProgressClamped'], progress: 0 },
  'reports progress NaN': { behaviour: (ctx) => ctx.progress(NaN), state: TaskState.Finished, events: ['ProgressIgnored'] },
  'reports progress "50"': { behaviour: (ctx) => ctx.progress('50' as never), state: TaskState.Finished, events: ['ProgressIgnored'] },
  'reports progress Infinity': { behaviour: (ctx) => ctx.progress(Infinity), state: TaskState.Finished, events: ['ProgressIgnored'] },
  'reports progress a Symbol': { behaviour: (ctx) => ctx.progress(Symbol('p') as never), state: TaskState.Finished, events: ['ProgressIgnored'] },
  'reports progress a revoked Proxy': { behaviour: (ctx) => ctx.progress(revoked() as never), state: TaskState.Finished, events: ['ProgressIgnored'] },
  'is timed by a timeoutMs function that throws': { behaviour: () => undefined, options: { timeoutMs: () => { throw revoked(); } }, state: TaskState.Error, code: 'ErrorProcessingTask', message: /timeoutMs function threw/ },
  'is timed by a timeoutMs function that returns "5"': { behaviour: () => undefined, options: { timeoutMs: () => '5' as never }, state: TaskState.Error, code: 'ErrorProcessingTask', message: /timeoutMs function returned "5"/ },
  'is timed by a timeoutMs function that returns NaN': { behaviour: () => undefined, options: { timeoutMs: () => NaN }, state: TaskState.Error, code: 'ErrorProcessingTask', message: /returned NaN/ },
  'is timed by a timeoutMs function that returns -1': { behaviour: () => undefined, options: { timeoutMs: () => -1 }, state: TaskState.Error, code: 'ErrorProcessingTask', message: /returned -1/ },
  'is timed by a timeoutMs function that returns Infinity (no limit)': { behaviour: () => new Promise((r) => setTimeout(r, 100)), options: { timeoutMs: () => Infinity }, state: TaskState.Finished },
  'has a processor timeoutMs past the timer range (no limit, not 1 ms)': {
    behaviour: () => new Promise((r) => setTimeout(r, 100)),
    state: TaskState.Finished,
  },
};
ROWS['has a processor timeoutMs past the timer range (no limit, not 1 ms)']!.options = { processors: [{ id: MES, name: 'E', timeoutMs: 2 ** 32, run: () => new Promise<void>((r) => setTimeout(r, 100)) }] };

async function runJob(options: Partial<EngineOptions>, behaviour: (ctx: ProcessorContext) => unknown, act?: (h: JobHandle) => void): Promise<{ engine: Engine; h: JobHandle; settled: boolean; task: TaskView; progress: number[] }> {
  const engine = new Engine({ processors: [{ id: MES, name: 'E', run: (ctx) => behaviour(ctx) as never }], ...options });
  const h = engine.submit(dagJob(1, []));
  const progress: number[] = [];
  h.on('taskProgress', (e) => void progress.push(e.progress));
  let settled = false;
  void h.done.then(() => (settled = true));
  await vi.advanceTimersByTimeAsync(1);
  act?.(h);
  await vi.advanceTimersByTimeAsync(500);
  return { engine, h, settled, task: engine.scheduler.tasks({ jobId: h.id })[0]!, progress };
}

describe('Engine with a hostile processor', () => {
  it.each(Object.entries(ROWS))('a processor that %s: the task ends as expected, done resolves, nothing is left unhandled', async (_name, row) => {
    later.length = 0;
    const { engine, settled, task, progress } = await runJob(row.options ?? {}, row.behaviour, row.act);
    expect(settled).toBe(true);
    expect(task.State).toBe(row.state);
    if (row.code !== undefined) expect(task.ErrorDetails[0]?.Code).toBe(row.code);
    if (row.message !== undefined) expect(task.ErrorDetails[0]?.Message ?? '').toMatch(row.message);
    const codes = task.HistoricalEvents.map((e) => e.Code);
    for (const c of row.events ?? []) expect(codes.filter((x) => x === c)).toHaveLength(1);
    if (row.progress !== undefined) expect(progress).toEqual([row.progress]);
    for (const f of later.splice(0)) f();
    // Nothing said after the end is recorded.
    expect(engine.scheduler.task(task.Id)!.HistoricalEvents).toHaveLength(task.HistoricalEvents.length);
    const closing = engine.close();
    await vi.advanceTimersByTimeAsync(100);
    await closing;
  });

  it('notes only the first out-of-range progress value of an attempt, and notes it again on a retry', async () => {
    let calls = 0;
    const { task, progress } = await runJob({ retry: { maxAttempts: 2, baseDelayMs: 1, jitter: false } }, (ctx) => {
      ctx.progress(150);
      ctx.progress(NaN);
      ctx.progress(-1);
      ctx.progress(40);
      ctx.progress('60' as never);
      if (++calls === 1) throw Object.assign(new Error('again'), { code: 'TransientError' });
    });
    expect(task.State).toBe(TaskState.Finished);
    expect(progress).toEqual([100, 0, 40, 100, 0, 40]);
    const notes = task.HistoricalEvents.filter((e) => e.Code.startsWith('Progress'));
    expect(notes.map((e) => e.Code)).toEqual(['ProgressClamped', 'ProgressClamped']);
    expect(notes[0]!.Message).toContain('progress 150 is outside 0–100 and was reported as 100');
  });

  it('keeps the text of log messages that are not strings', async () => {
    const { task } = await runJob({}, (ctx) => {
      ctx.log('Note', throwingToString as never);
      ctx.log('Note', 7 as never);
      ctx.log('Note', { toString: () => 'custom' } as never);
    });
    expect(task.HistoricalEvents.filter((e) => e.Code === 'Note').map((e) => e.Message)).toEqual(['an object', '7', 'custom']);
  });

  it.each([
    ['an engine listener', (engine: Engine, h: JobHandle) => void h.on('taskStateChange', () => { throw revoked(); })],
    ['a scheduler listener', (engine: Engine) => void engine.scheduler.on('taskStateChange', () => { throw revoked(); })],
  ])('survives %s that throws a revoked Proxy, and warns', async (_name, attach) => {
    const engine = new Engine({ processors: [{ id: MES, name: 'E', run: () => undefined }] });
    // Attached before the first job for the scheduler's listener (it sees every task), after for a handle's.
    const first = engine.submit(dagJob(2, [[0, 1]]));
    attach(engine, first);
    const second = engine.submit(dagJob(2, [[0, 1]]));
    await vi.advanceTimersByTimeAsync(10);
    expect((await first.done).State).toBe(TaskState.Finished);
    expect((await second.done).State).toBe(TaskState.Finished);
    expect(warnings.length).toBeGreaterThan(0);
    expect(warnings.every((w) => w.includes('listener threw: an object'))).toBe(true);
  });
});

/** A dispatcher that runs nothing, and fails in the ways `faults` says. */
function faultyDispatcher(faults: { dispatch?: unknown; abort?: unknown; abandon?: unknown; report?: (r: WorkReporter, item: WorkItem) => void }): Dispatcher {
  let reporter!: WorkReporter;
  return {
    start: (r) => void (reporter = r),
    dispatch: (item) => {
      if ('dispatch' in faults) throw faults.dispatch;
      if (faults.report) queueMicrotask(() => faults.report!(reporter, item));
    },
    abort: () => {
      if ('abort' in faults) throw faults.abort;
    },
    abandon: () => {
      if ('abandon' in faults) throw faults.abandon;
    },
    close: async () => undefined,
  };
}

describe('Engine with a hostile dispatcher', () => {
  it.each([
    ['dispatch() throws a revoked Proxy', { dispatch: revoked() }, undefined, TaskState.Error, /the dispatcher refused the task: an object/],
    ['dispatch() throws an Error', { dispatch: new Error('queue full') }, undefined, TaskState.Error, /the dispatcher refused the task: queue full$/],
    ['abort() and abandon() throw, the task is canceled', { abort: revoked(), abandon: revoked() }, (h: JobHandle) => h.cancel(), TaskState.Canceled, undefined],
    [
      'it reports a failure whose fields are garbage',
      { report: (r: WorkReporter, item: WorkItem) => r.fail(item.serial, item.attempt, { code: 5, message: revoked(), retryable: 'yes' } as never) },
      undefined,
      TaskState.Error,
      /an object/,
    ],
    ['it reports a failure that is a revoked Proxy', { report: (r: WorkReporter, item: WorkItem) => r.fail(item.serial, item.attempt, revoked() as never) }, undefined, TaskState.Error, /failure that cannot be read/],
    ['it reports metadata that is not a Map', { report: (r: WorkReporter, item: WorkItem) => r.complete(item.serial, item.attempt, revoked() as never) }, undefined, TaskState.Error, /metadata that is not a Map/],
    ['it reports progress 200 and NaN', { report: (r: WorkReporter, item: WorkItem) => (r.progress(item.serial, item.attempt, 200), r.progress(item.serial, item.attempt, NaN), r.complete(item.serial, item.attempt, new Map())) }, undefined, TaskState.Finished, undefined],
  ] as const)('when %s: the task ends, done resolves, cancel() does not throw', async (_name, faults, act, state, message) => {
    const { engine, settled, task } = await runJob({ dispatcher: faultyDispatcher(faults as never), cancelGraceMs: 30 }, () => undefined, act as ((h: JobHandle) => void) | undefined);
    expect(settled).toBe(true);
    expect(task.State).toBe(state);
    if (message) {
      expect(task.ErrorDetails[0]!.Code).toBe('ErrorProcessingTask');
      expect(task.ErrorDetails[0]!.Message).toMatch(message);
    }
    await engine.close();
  });
});
