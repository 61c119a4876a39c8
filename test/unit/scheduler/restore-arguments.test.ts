import { describe, expect, it } from 'vitest';
import { Scheduler, type RestoreOptions } from '../../../src/scheduler/scheduler.js';
import { SchedulerError } from '../../../src/scheduler/errors.js';
import type { SchedulerSnapshot } from '../../../src/scheduler/snapshot.js';
import { sequentialIds } from '../../../src/job/ids.js';
import { TaskState } from '../../../src/job/enums.js';
import { tickClock } from '../../helpers/jobs.js';
import { thrown } from '../../helpers/thrown.js';

/** Scheduler.restore() checks its options and the snapshot's own options before it builds anything. */

function runningSnapshot(): SchedulerSnapshot {
  const s = new Scheduler({ now: tickClock(), ids: sequentialIds() });
  s.submit({ tasks: [{ id: 'a' }] });
  s.next(); // a is Processing; its worker is lost with this process
  return JSON.parse(JSON.stringify(s.snapshot())) as SchedulerSnapshot;
}

describe('Scheduler.restore() option `processing` (regression: an unknown value was taken as keep)', () => {
  for (const processing of ['requeu', 'Requeue', 42, '']) {
    it(`refuses ${JSON.stringify(processing)} with ERR_INVALID_ARG_VALUE naming the accepted values`, () => {
      const e = thrown(() => Scheduler.restore(runningSnapshot(), { processing } as unknown as RestoreOptions));
      expect(e.name).toBe('RangeError');
      expect(e.code).toBe('ERR_INVALID_ARG_VALUE');
      expect(e.message).toContain('"requeue" or "keep"');
    });
  }

  it('takes requeue (the default) and keep', () => {
    expect(Scheduler.restore(runningSnapshot()).tasks()[0]!.State).toBe(TaskState.Scheduled);
    expect(Scheduler.restore(runningSnapshot(), { processing: 'requeue' }).tasks()[0]!.State).toBe(TaskState.Scheduled);
    expect(Scheduler.restore(runningSnapshot(), { processing: 'keep' }).tasks()[0]!.State).toBe(TaskState.Processing);
  });

  it('refuses options that are not an object with ERR_INVALID_ARG_TYPE', () => {
    expect(thrown(() => Scheduler.restore(runningSnapshot(), null as unknown as RestoreOptions)).code).toBe('ERR_INVALID_ARG_TYPE');
  });
});

describe('Scheduler.restore() of a snapshot without options (regression: a raw TypeError)', () => {
  for (const options of [undefined, null, 'x']) {
    it(`throws SNAPSHOT_INVALID for options ${JSON.stringify(options)}`, () => {
      const snap = { ...runningSnapshot(), options } as unknown as SchedulerSnapshot;
      const e = thrown(() => Scheduler.restore(snap));
      expect(e).toBeInstanceOf(SchedulerError);
      expect(e.code).toBe('SNAPSHOT_INVALID');
    });
  }
});

describe('Scheduler.recover() given what is not a list of stored jobs (regression: a raw TypeError)', () => {
  for (const bad of [undefined, null, 'x', 5, {}]) {
    it(`refuses ${String(bad)} with ERR_INVALID_ARG_TYPE`, () => {
      const e = thrown(() => Scheduler.recover(bad as never));
      expect(e.name).toBe('TypeError');
      expect(e.code).toBe('ERR_INVALID_ARG_TYPE');
      expect(e.message).toMatch(/^Scheduler\.recover: expected `jobs` to be an array of the jobs a store kept, got /);
    });
  }

  it('refuses an entry that is not a stored job with ERR_INVALID_ARG_TYPE', () => {
    for (const bad of [null, 'x', {}, { job: { Name: 'j', Tasks: [{}] } }]) {
      const e = thrown(() => Scheduler.recover([bad] as never));
      expect(e.code).toBe('ERR_INVALID_ARG_TYPE');
      expect(e.message).toMatch(/^Scheduler\.recover: expected `jobs\[0\]` to be a stored job \(\{ job, priority, … \}, `job` a loaded job\), got /);
    }
  });

  it('refuses options that are not an object with ERR_INVALID_ARG_TYPE', () => {
    expect(thrown(() => Scheduler.recover([], null as never)).code).toBe('ERR_INVALID_ARG_TYPE');
  });

  it('recovers an empty list', () => {
    expect(Scheduler.recover([]).jobs()).toEqual([]);
  });
});
