import { describe, expect, it } from 'vitest';
import { Scheduler } from '../../../src/scheduler/scheduler.js';
import { SchedulerError } from '../../../src/scheduler/errors.js';
import { ArgumentRangeError, ArgumentTypeError } from '../../../src/errors.js';
import { sequentialIds } from '../../../src/job/ids.js';
import { tickClock } from '../../helpers/jobs.js';
import { thrown } from '../../helpers/thrown.js';

function started(): { s: Scheduler; claim: ReturnType<Scheduler['next']> & object } {
  const s = new Scheduler({ now: tickClock(), ids: sequentialIds() });
  s.submit({ tasks: [{ id: 'a' }, { id: 'b', dependsOn: ['a'] }] });
  return { s, claim: s.next()! };
}

const CALLS: Array<[string, (s: Scheduler, task: never) => unknown]> = [
  ['stateOf', (s, t) => s.stateOf(t)],
  ['complete', (s, t) => s.complete(t)],
  ['fail', (s, t) => s.fail(t)],
  ['rerun', (s, t) => s.rerun(t)],
  ['requeue', (s, t) => s.requeue(t)],
  ['progress', (s, t) => s.progress(t, 5)],
  ['log', (s, t) => s.log(t, 'Note')],
  ['resume', (s, t) => s.resume(t)],
  ['claimOf', (s, t) => s.claimOf(t)],
  ['attemptsOf', (s, t) => s.attemptsOf(t)],
  ['attemptsSinceRerun', (s, t) => s.attemptsSinceRerun(t)],
];

describe('a claim that cannot be read (regression: the getter\'s or trap\'s own error came out untyped)', () => {
  const boom = new Error('boom');
  const forged: Array<[string, () => object]> = [
    ['a getter of serial that throws', () => ({ get serial(): number { throw boom; }, taskId: 'x' })],
    ['a getter of taskId that throws', () => ({ serial: 0, get taskId(): string { throw boom; } })],
    ['a Proxy whose get trap throws', () => new Proxy({}, { get: () => { throw boom; } })],
    ['a Proxy whose getPrototypeOf trap throws', () => new Proxy({}, { getPrototypeOf: () => { throw boom; } })],
  ];
  for (const [what, make] of forged) {
    for (const [call, run] of CALLS) {
      it(`${call}: TASK_NOT_FOUND for ${what}, with the error as its cause, and nothing changed`, () => {
        const { s } = started();
        const before = s.snapshot();
        const e = thrown(() => run(s, make() as never));
        expect(e).toBeInstanceOf(SchedulerError);
        expect(e.code).toBe('TASK_NOT_FOUND');
        expect(e.message).toContain(`Scheduler.${call}: the claim given could not be read (Error: boom)`);
        expect((e as Error).cause).toBe(boom);
        expect(s.snapshot()).toEqual(before);
      });
    }
  }

  it('a copy of a real claim still works (read by its serial and task id)', () => {
    const { s, claim } = started();
    s.complete(JSON.parse(JSON.stringify(claim)) as never);
    expect(s.stateOf(claim)).toBe(3);
  });

  it('a fractional serial is no task', () => {
    const { s, claim } = started();
    const e = thrown(() => s.complete({ ...JSON.parse(JSON.stringify(claim)), serial: 0.5 } as never));
    expect(e.code).toBe('TASK_NOT_FOUND');
  });
});

describe('the arguments are checked before the task is looked up (a bad argument is reported as such whatever the task)', () => {
  const cases: Array<[string, (s: Scheduler) => unknown, unknown, string]> = [
    ['rerun', (s) => s.rerun('no such task', 5 as never), ArgumentTypeError, 'Scheduler.rerun: expected `options` to be an object'],
    ['rerun', (s) => s.rerun('no such task', { downstream: 'yes' } as never), ArgumentTypeError, 'expected `downstream` to be a boolean'],
    ['fail', (s) => s.fail('no such task', 5 as never), ArgumentTypeError, 'Scheduler.fail: expected `options` to be an object'],
    ['fail', (s) => s.fail('no such task', { code: 7 } as never), ArgumentTypeError, 'expected `code` to be a string'],
    ['progress', (s) => s.progress('no such task', 101), ArgumentRangeError, 'expected `percent` to be a number from 0 to 100'],
    ['log', (s) => s.log('no such task', ''), ArgumentTypeError, 'expected `code` to be a non-empty string'],
  ];
  for (const [call, run, type, message] of cases) {
    it(`${call}: ${message}`, () => {
      const { s } = started();
      const e = thrown(() => run(s));
      expect(e).toBeInstanceOf(type as new () => Error);
      expect(e.message).toContain(message);
    });
  }
});
