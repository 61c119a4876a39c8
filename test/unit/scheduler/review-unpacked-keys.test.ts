import { describe, expect, it } from 'vitest';
import { Scheduler } from '../../../src/scheduler/scheduler.js';
import { sequentialIds } from '../../../src/job/ids.js';

/**
 * Keys are packed into one number while they fit; a job whose keys do not fit turns them back into
 * two arrays. Tasks already ready (in a ready heap) must be ordered by the same keys as the new ones.
 */
describe('review: the order after keys stop fitting the packed form', () => {
  it('priority policy: a task of Priority 2^26 submitted after ready ones goes first', () => {
    const s = new Scheduler({ ids: sequentialIds(), concurrency: 1 });
    s.submit({ tasks: [{ id: 'low', priority: 100 }] });
    s.submit({ tasks: [{ id: 'high', priority: 2 ** 26 }] });
    expect(s.next()?.name).toBe('high');
    expect(s.next()).toBeUndefined();
  });

  it('priority policy, pools: the same across the pool heap', () => {
    const s = new Scheduler({ ids: sequentialIds(), pools: { a: 1, b: 1 }, concurrency: 1 });
    s.submit({ tasks: [{ id: 'low', priority: 100, pool: 'a' }, { id: 'low2', priority: 99, pool: 'a' }] });
    s.submit({ tasks: [{ id: 'high', priority: 2 ** 26, pool: 'a' }] });
    expect(s.next()?.name).toBe('high');
  });

  it('a custom key: a fractional key after whole ones', () => {
    const keys: Record<string, number> = { a: 2, b: 2.5 };
    const s = new Scheduler({ ids: sequentialIds(), concurrency: 1, policy: { key: (t) => keys[t.Name]! } });
    s.submit({ tasks: [{ id: 'a' }] });
    s.submit({ tasks: [{ id: 'b' }] });
    expect(s.next()?.name).toBe('b');
  });

  it('critical-path: an added task with a fractional path length', () => {
    const d: Record<string, number> = { a: 3, b: 1, c: 3.5 };
    const s = new Scheduler({ ids: sequentialIds(), concurrency: 1, policy: { name: 'critical-path', duration: (t) => d[t.Name]! } });
    const job = s.submit({ tasks: [{ id: 'a' }, { id: 'b' }] });
    s.addTasks(job.Id, { tasks: [{ id: 'c' }] });
    const order: string[] = [];
    for (let c = s.next(); c; c = s.next()) {
      order.push(c.name);
      s.complete(c);
    }
    expect(order).toEqual(['c', 'a', 'b']);
  });
});
