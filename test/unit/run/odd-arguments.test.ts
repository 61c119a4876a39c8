import { describe, expect, it } from 'vitest';
import { Engine } from '../../../src/run/engine.js';
import { Scheduler } from '../../../src/scheduler/scheduler.js';
import { SchedulerError } from '../../../src/scheduler/errors.js';
import { ArgumentRangeError, ArgumentTypeError } from '../../../src/errors.js';
import { sequentialIds } from '../../../src/job/ids.js';
import { dagJob, MES, tickClock } from '../../helpers/jobs.js';
import { thrown } from '../../helpers/thrown.js';

// Values a key or an index cannot be made of without a throw of their own: a Symbol cannot become
// a string, an object without a prototype has no toString, a BigInt cannot be written as JSON.
// Regression: each of the calls below let such a value's own TypeError out, untyped.
const bare = (): object => Object.create(null) as object;

describe('Scheduler calls given values that cannot become a key', () => {
  function started(): Scheduler {
    const s = new Scheduler({ now: tickClock(), ids: sequentialIds() });
    s.submit({ tasks: [{ id: 'a' }] });
    s.nextIndex();
    return s;
  }

  for (const [what, value] of [
    ['an object without a prototype', bare()],
    ['a plain object', {}],
    ['a Symbol', Symbol('serial')],
  ] as Array<[string, unknown]>) {
    it(`completeIndex(${what}): TASK_NOT_FOUND, nothing changed`, () => {
      const s = started();
      const before = s.snapshot();
      const e = thrown(() => s.completeIndex(value as number));
      expect(e).toBeInstanceOf(SchedulerError);
      expect(e.code).toBe('TASK_NOT_FOUND');
      expect(s.snapshot()).toEqual(before);
    });
  }

  it('on(an object without a prototype): an unknown event; off() of it does nothing', () => {
    const s = started();
    const e = thrown(() => s.on(bare() as never, () => undefined));
    expect(e).toBeInstanceOf(ArgumentRangeError);
    expect(e.message).toContain('Scheduler.on: unknown event');
    expect(() => s.off(bare() as never, () => undefined)).not.toThrow();
    expect(() => s.off(Symbol('x') as never, () => undefined)).not.toThrow();
  });
});

describe('Engine calls given values that cannot become a key or JSON', () => {
  const engine = (): Engine => new Engine({ processors: [{ id: MES, name: 'no-op', run: () => undefined }] });

  for (const [what, value] of [
    ['a BigInt', 10n],
    ['an object without a prototype', bare()],
    ['a Symbol', Symbol('job')],
    ['a number', 7],
  ] as Array<[string, unknown]>) {
    it(`done(${what}): ArgumentTypeError`, async () => {
      const e = engine();
      const err = thrown(() => e.done(value as string));
      expect(err).toBeInstanceOf(ArgumentTypeError);
      expect(err.message).toContain('Engine.done: expected a job id string');
      await e.close();
    });

    it(`records(${what}): ArgumentTypeError`, async () => {
      const e = engine();
      const err = thrown(() => e.records(value as string));
      expect(err).toBeInstanceOf(ArgumentTypeError);
      expect(err.message).toContain('Engine.records: expected `prefix` to be a string');
      await e.close();
    });
  }

  it('done() of an unknown id is still JOB_NOT_FOUND, and of a known one the job\'s end', async () => {
    const e = engine();
    expect(thrown(() => e.done('nope')).code).toBe('JOB_NOT_FOUND');
    const h = e.submit(dagJob(1, []));
    await expect(e.done(h.id)).resolves.toMatchObject({ Id: h.id });
    await e.close();
  });
});

describe('Engine options: a dispatcher that is none', () => {
  // Regression: `dispatcher: 0` came out as "this[#dispatcher].start is not a function".
  for (const [what, dispatcher] of [
    ['a number', 0],
    ['a string', 'bullmq'],
    ['an object without close()', { start() {}, dispatch() {}, abort() {}, abandon() {} }],
    ['an object whose reattach is no function', { start() {}, dispatch() {}, abort() {}, abandon() {}, close: async () => undefined, reattach: 5 }],
  ] as Array<[string, unknown]>) {
    it(`${what}: ArgumentTypeError naming what a Dispatcher has`, () => {
      const e = thrown(() => new Engine({ processors: [], dispatcher: dispatcher as never }));
      expect(e).toBeInstanceOf(ArgumentTypeError);
      expect(e.message).toContain('expected `dispatcher` to be a Dispatcher');
    });
  }

  it('null and undefined are the in-process dispatcher, as before', async () => {
    for (const dispatcher of [null, undefined]) {
      const e = new Engine({ processors: [{ id: MES, name: 'no-op', run: () => undefined }], dispatcher: dispatcher as never });
      await expect(e.submit(dagJob(1, [])).done).resolves.toMatchObject({ State: 3 });
      await e.close();
    }
  });
});
