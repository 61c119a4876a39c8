import { describe, expect, it } from 'vitest';
import { NotificationHub, type NotificationHubOptions } from '../../../../src/run/notifications/index.js';
import { parseRetryAfter } from '../../../../src/run/notifications/webhook.js';
import type { TaskNotificationSubscription } from '../../../../src/job/model.js';

const EP = 'nb:nepid:UUID:00000000-0000-4000-8000-00000000000a';
const TASK = { jobId: 'nb:jid:UUID:00000000-0000-4000-8000-000000000001', jobName: 'Job', taskId: 'nb:tid:UUID:00000000-0000-4000-8000-000000000002' };
const ALL: TaskNotificationSubscription[] = [{ NotificationEndPointId: EP, TargetTaskState: 2, IncludeTaskProgress: true }];
const TIMEOUT_MAX = 2 ** 31 - 1;

/** The next turns of the event loop: what a hub queues as microtasks has run. */
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('NotificationHub options out of range', () => {
  it('refuses a duration setTimeout cannot wait (a requestTimeoutMs of 1e10 timed every request out after 1 ms)', () => {
    for (const name of ['requestTimeoutMs', 'closeTimeoutMs', 'baseDelayMs', 'maxDelayMs'] as const) {
      const options: NotificationHubOptions = name === 'baseDelayMs' ? { baseDelayMs: TIMEOUT_MAX + 1, maxDelayMs: TIMEOUT_MAX } : { [name]: TIMEOUT_MAX + 1 };
      expect(() => new NotificationHub(options), name).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE', message: expect.stringContaining(`\`${name}\` to be a number >= `) }));
      expect(() => new NotificationHub({ [name]: 1e10 }), name).toThrow(/2147483647/);
    }
    // The limit itself is fine.
    expect(() => new NotificationHub({ requestTimeoutMs: TIMEOUT_MAX, closeTimeoutMs: TIMEOUT_MAX, baseDelayMs: TIMEOUT_MAX, maxDelayMs: TIMEOUT_MAX })).not.toThrow();
  });

  it('refuses an accountId fetch cannot send in a header (every request failed, each after all its retries)', () => {
    for (const accountId of ['☃', 'a\0b', 'a\u007fb', 'a\rb']) {
      expect(() => new NotificationHub({ accountId }), JSON.stringify(accountId)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE', message: expect.stringContaining('`accountId`') }));
    }
    expect(() => new NotificationHub({ accountId: 'b51fd1c8-c2f4-4c2b-a6ba-8c3e3d8cf7d0' })).not.toThrow();
  });
});

describe('NotificationHub settled callbacks', () => {
  it('calls settled(true) for an event it cannot read, and reports why, rather than never', async () => {
    const errors: unknown[] = [];
    const hub = new NotificationHub({ onError: (err) => void errors.push(err) });
    hub.registerEndPoint({ Id: EP, Name: 'a', EndPointType: 'Callback', callback: () => undefined });
    const outcomes: Array<[string, boolean | 'never']> = [];
    const cases: Array<[string, () => void]> = [
      ['subscriptions of null', () => hub.taskStateChanged({ ...TASK, oldState: 2, newState: 3, timestamp: 0 }, [null as never], (d) => (outcomes.at(-1)![1] = d))],
      ['no subscriptions array', () => hub.taskProgressed({ ...TASK, progress: 5, timestamp: 0 }, undefined as never, (d) => (outcomes.at(-1)![1] = d))],
      [
        'a job name whose toString throws',
        () =>
          hub.jobStateChanged(
            { jobId: TASK.jobId, jobName: { toString: () => { throw new Error('boom'); } } as never, oldState: 2, newState: 3, timestamp: 0 },
            [{ NotificationEndPointId: EP, TargetJobState: 2 }],
            (d) => (outcomes.at(-1)![1] = d),
          ),
      ],
    ];
    for (const [name, call] of cases) {
      outcomes.push([name, 'never']);
      expect(call).not.toThrow();
      await turn();
    }
    expect(outcomes).toEqual(cases.map(([name]) => [name, true]));
    expect(errors).toHaveLength(3);
    await hub.close();
  });

  it('reports a settled callback that throws when no endpoint is chosen, rather than throwing it from a microtask', async () => {
    const errors: unknown[] = [];
    const hub = new NotificationHub({ onError: (err) => void errors.push(err) });
    const boom = new Error('settled threw');
    const uncaught: unknown[] = [];
    const onUncaught = (err: unknown): void => void uncaught.push(err);
    process.prependListener('uncaughtException', onUncaught);
    try {
      hub.taskStateChanged({ ...TASK, oldState: 2, newState: 3, timestamp: 0 }, [], () => {
        throw boom;
      });
      await turn();
    } finally {
      process.off('uncaughtException', onUncaught);
    }
    expect(uncaught).toEqual([]);
    expect(errors).toEqual([boom]);
    await hub.close();
  });

  it('still settles every event it can read in the same hub', async () => {
    const hub = new NotificationHub();
    hub.registerEndPoint({ Id: EP, Name: 'a', EndPointType: 'Callback', callback: () => undefined });
    let outcome: boolean | undefined;
    hub.taskStateChanged({ ...TASK, oldState: 2, newState: 3, timestamp: 0 }, ALL, (d) => (outcome = d));
    await hub.flush();
    expect(outcome).toBe(false);
    expect(hub.stats()[EP]).toMatchObject({ delivered: 1, dropped: 0 });
    await hub.close();
  });
});

describe('parseRetryAfter()', () => {
  it('gives no wait rather than NaN when the clock gives no number (the retry went out at once)', () => {
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', Number.NaN)).toBeUndefined();
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', Date.parse('Wed, 21 Oct 2015 07:27:00 GMT'))).toBe(60_000);
  });
});
