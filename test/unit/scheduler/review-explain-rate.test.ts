import { describe, expect, it } from 'vitest';
import { Scheduler } from '../../../src/scheduler/scheduler.js';
import { sequentialIds } from '../../../src/job/ids.js';

describe('review: explain() and a rate window that has moved on', () => {
  it('says a task is ready once its pool\'s window has opened, as next() would start it', () => {
    const clock = { t: 1_000_000 };
    const s = new Scheduler({ ids: sequentialIds(), now: () => clock.t, rateLimits: { up: { max: 1, perMs: 100 } } });
    const job = s.submit({ tasks: [{ id: 'a', pool: 'up' }, { id: 'b', pool: 'up' }] });
    const b = s.tasks({ jobId: job.Id })[1]!.Id;
    expect(s.next()?.name).toBe('a');
    expect(s.explain(b).reason).toBe('rate-limited');
    expect(s.blockedUntil()).toBe(1_000_100);
    clock.t = 1_000_100; // the window has moved on: next() would start b now
    expect(s.explain(b).reason).toBe('ready');
    expect(s.next()?.name).toBe('b');
  });
});
