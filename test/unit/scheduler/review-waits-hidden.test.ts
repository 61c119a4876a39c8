import { describe, expect, it } from 'vitest';
import { Scheduler } from '../../../src/scheduler/scheduler.js';
import { sequentialIds } from '../../../src/job/ids.js';

const codes = (s: Scheduler, jobId: string, name: string): string[] => s.tasks({ jobId }).find((t) => t.Name === name)!.HistoricalEvents.map((e) => e.Code);

/**
 * README: a ready task logs WaitingForFreeResources "when next() takes the last free slot while it
 * is ready". A task kept from the claims for a while (its job at its cap, or behind a heavier task)
 * is still ready: an idle next() in between must not make it forget that its wait is unlogged.
 */
describe('review: waits of ready tasks that a cap or a heavier task kept back', () => {
  it('a capped job\'s ready task logs its wait when another job takes the last slot of its pool', () => {
    const clock = { t: 1_000_000 };
    const s = new Scheduler({ ids: sequentialIds(), now: () => clock.t, pools: { b: 1 } });
    const j = s.submit({ maxRunning: 1, tasks: [{ id: 'a', priority: 5 }, { id: 'c', pool: 'b' }] });
    const a = s.next()!;
    expect(a.name).toBe('a');
    expect(s.next()).toBeUndefined(); // c waits for its job's cap, not for a slot
    clock.t += 10;
    s.complete(a);
    const k = s.submit({ tasks: [{ id: 'k', pool: 'b', priority: 9 }] });
    clock.t += 10;
    expect(s.next()?.name).toBe('k'); // takes the last slot of b while c is ready, its job below its cap
    expect(s.explain(s.tasks({ jobId: j.Id })[1]!.Id).reason).toBe('pool-full');
    expect(codes(s, j.Id, 'c')).toEqual(['Scheduled', 'WaitingForFreeResources']);
    expect(codes(s, k.Id, 'k')).toEqual(['Scheduled', 'Processing']);
  });

  it('a light task held behind a heavy head logs its wait when the head takes the last slots', () => {
    const s = new Scheduler({ ids: sequentialIds(), now: () => 1_000_000, pools: { b: 2 } });
    const j = s.submit({
      tasks: [
        { id: 'r', pool: 'b', priority: 9 },
        { id: 'x', priority: 9 },
        { id: 'heavy', pool: 'b', weight: 2, priority: 5, dependsOn: ['x'] },
        { id: 'light', pool: 'b', dependsOn: ['x'] },
      ],
    });
    const r = s.next()!;
    expect(r.name).toBe('r');
    s.complete(s.next()!); // x: heavy (needs 2, 1 free: waits) and light (1 free: noted) are ready
    expect(s.next()).toBeUndefined(); // light is held behind heavy (README: the order is kept strictly)
    s.complete(r);
    expect(s.next()?.name).toBe('heavy'); // takes the last free slots while light is ready
    expect(codes(s, j.Id, 'light')).toEqual(['Queued', 'Scheduled', 'WaitingForFreeResources']);
  });
});
