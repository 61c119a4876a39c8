import { describe, expect, it } from 'vitest';
import { NotificationHub, jobStateTargets, taskProgressTargets, taskStateTargets } from '../../../src/run/notifications/hub.js';

/**
 * Complexity review: the endpoints an event goes to were made unique with Array.includes per
 * subscription, quadratic in the endpoints a task or job names: 20,000 distinct endpoint ids took
 * 7 s per event, 80,000 took 107 s (and the durable engine chooses targets twice per event).
 */

const id = (i: number): string => `nb:nepid:UUID:${String(i).padStart(8, '0')}-0000-0000-0000-000000000000`;

describe('review (complexity): choosing the endpoints of an event is linear in the subscriptions', () => {
  it('40,000 distinct endpoint ids on a task: targets chosen in well under a second each', { timeout: 120_000 }, () => {
    const subs = Array.from({ length: 40_000 }, (_, i) => ({ NotificationEndPointId: id(i), TargetTaskState: 2 as const, IncludeTaskProgress: true }));
    const jobSubs = subs.map((s) => ({ NotificationEndPointId: s.NotificationEndPointId, TargetJobState: 2 as const }));
    const started = Date.now();
    const a = taskStateTargets(3, subs);
    const b = taskProgressTargets(subs);
    const c = jobStateTargets(3, jobSubs);
    expect(Date.now() - started).toBeLessThan(4_000);
    for (const chosen of [a, b, c]) {
      expect(chosen).toHaveLength(40_000);
      expect(chosen![0]).toBe(id(0));
      expect(chosen![39_999]).toBe(id(39_999));
    }
  });

  it('still names each endpoint once, in the order first named, past the small-list scan', () => {
    const order = [3, 1, 3, 2, 1, ...Array.from({ length: 40 }, (_, i) => i % 25), 30, 2, 30];
    const subs = order.map((i) => ({ NotificationEndPointId: id(i), TargetTaskState: 2 as const, IncludeTaskProgress: true }));
    const expected = [...new Set(order)].map(id);
    expect(taskStateTargets(3, subs)).toEqual(expected);
    expect(taskProgressTargets(subs)).toEqual(expected);
    expect(jobStateTargets(3, subs.map((s) => ({ NotificationEndPointId: s.NotificationEndPointId, TargetJobState: 2 as const })))).toEqual(expected);
    // Final-only subscriptions are still skipped for a non-final state.
    expect(taskStateTargets(2, subs.map((s) => ({ ...s, TargetTaskState: 1 as const })))).toBeUndefined();
  });

  it('a hub event for 40,000 subscriptions (two registered endpoints, the rest unknown) is enqueued quickly and each endpoint gets it once', { timeout: 120_000 }, async () => {
    const got: string[] = [];
    const hub = new NotificationHub({ onError: () => undefined });
    const one = hub.registerEndPoint({ Id: id(7), Name: 'a', EndPointType: 'Callback', callback: (m) => void got.push(m.Properties.NotificationEndPointId!) });
    const two = hub.registerEndPoint({ Id: id(39_000), Name: 'b', EndPointType: 'Callback', callback: (m) => void got.push(m.Properties.NotificationEndPointId!) });
    const subs = Array.from({ length: 40_000 }, (_, i) => ({ NotificationEndPointId: id(i % 2 === 0 ? i : 7), TargetTaskState: 2 as const, IncludeTaskProgress: false }));
    subs.push({ NotificationEndPointId: id(39_000), TargetTaskState: 2, IncludeTaskProgress: false });
    let settled: boolean | undefined;
    const started = Date.now();
    hub.taskStateChanged({ jobId: 'nb:jid:UUID:j', jobName: 'J', taskId: 'nb:tid:UUID:t', oldState: 2, newState: 3, timestamp: Date.now() }, subs, (dropped) => (settled = dropped));
    expect(Date.now() - started).toBeLessThan(4_000);
    await hub.flush();
    expect(got.sort()).toEqual([one.Id, two.Id].sort());
    expect(settled).toBe(true); // the unknown endpoints' messages were dropped
    expect(Object.keys(hub.stats())).toHaveLength(20_001); // the even ids (39,000 among them) and 7
    await hub.close();
  });
});
