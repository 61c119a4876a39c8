import { describe, expect, it } from 'vitest';
import { Scheduler } from '../../../src/scheduler/scheduler.js';
import { sequentialIds } from '../../../src/job/ids.js';

describe('review: a held task is never claimed', () => {
  it('a stale ready entry left by a rerun does not start a task held for its backoff', () => {
    const s = new Scheduler({ ids: sequentialIds(), now: () => 1000 });
    const job = s.submit({ tasks: [{ id: 'p' }, { id: 't', dependsOn: ['p'], action: 'run' }] });
    const id = (name: string) => s.tasks({ jobId: job.Id }).find((t) => t.Name === name)!.Id;
    s.fail(s.next()!); // p fails: t (action run) becomes ready
    s.rerun(id('p')); // t waits on p again (its ready entry stays behind, stale)
    s.complete(s.next()!); // p; t ready again
    const c = s.next()!;
    expect(c.name).toBe('t');
    s.fail(c, { retryable: true, hold: true });
    expect(s.next()).toBeUndefined(); // held: out of the ready set until resume()
    expect(s.explain(id('t')).reason).toBe('retry-backoff');
    expect(s.resume(id('t'))).toBe(true);
    expect(s.next()?.name).toBe('t');
    expect(s.next()).toBeUndefined();
  });
});
