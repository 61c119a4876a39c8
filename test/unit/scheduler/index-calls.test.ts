import { describe, expect, it } from 'vitest';
import { Scheduler } from '../../../src/scheduler/scheduler.js';
import { SchedulerError } from '../../../src/scheduler/errors.js';
import { sequentialIds } from '../../../src/job/ids.js';
import { tickClock } from '../../helpers/jobs.js';
import { thrown } from '../../helpers/thrown.js';

/** Calls that take a task's serial or an event row refuse one that names nothing with a typed error. */

describe('completeIndex() with a serial that names no task (regression: a raw TypeError while building the message)', () => {
  for (const serial of [-1, 99, NaN, 1.5, 2]) {
    it(`throws TASK_NOT_FOUND for ${serial}`, () => {
      const s = new Scheduler({ now: tickClock(), ids: sequentialIds() });
      s.submit({ tasks: [{ id: 'a' }, { id: 'b' }] });
      const before = s.snapshot();
      const e = thrown(() => s.completeIndex(serial));
      expect(e).toBeInstanceOf(SchedulerError);
      expect(e.code).toBe('TASK_NOT_FOUND');
      expect(e.message).toContain('Scheduler.completeIndex');
      expect(s.snapshot()).toEqual(before);
    });
  }

  it('throws TASK_NOT_FOUND for a task of a forgotten job', () => {
    const s = new Scheduler({ now: tickClock(), ids: sequentialIds() });
    const job = s.submit({ tasks: [{ id: 'a' }] });
    s.completeIndex(s.nextIndex());
    s.forget(job.Id);
    const e = thrown(() => s.completeIndex(0));
    expect(e.code).toBe('TASK_NOT_FOUND');
    expect(e.message).toContain('forgotten');
  });

  it('still says INVALID_TRANSITION for a task that exists but is not running', () => {
    const s = new Scheduler({ now: tickClock(), ids: sequentialIds() });
    s.submit({ tasks: [{ id: 'a' }] });
    expect(thrown(() => s.completeIndex(0)).code).toBe('INVALID_TRANSITION');
  });
});

describe('readJournal() with a row that is not in the log', () => {
  for (const from of [-1, 99, NaN, 1.5, '0' as unknown as number]) {
    it(`throws ERR_OUT_OF_RANGE for ${String(from)}`, () => {
      const s = new Scheduler({ now: tickClock(), ids: sequentialIds() });
      s.submit({ tasks: [{ id: 'a' }] });
      const e = thrown(() => s.readJournal(from));
      expect(e.name).toBe('RangeError');
      expect(e.code).toBe('ERR_OUT_OF_RANGE');
    });
  }

  it('reads from any row of the log, its end included', () => {
    const s = new Scheduler({ now: tickClock(), ids: sequentialIds() });
    s.submit({ tasks: [{ id: 'a' }] });
    expect(s.readJournal(s.eventCount).to).toBe(s.eventCount);
    expect(s.readJournal(0).to).toBe(s.eventCount);
  });
});
