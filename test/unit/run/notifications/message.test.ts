import { describe, expect, it } from 'vitest';
import {
  NotificationHub,
  NotificationEventType,
  buildMessage,
  formatTimeStamp,
  messageETag,
  type NotificationMessage,
} from '../../../../src/run/notifications/index.js';
import type { EventRecord } from '../../../../src/run/notifications/message.js';
import type { JobNotificationSubscription, TaskNotificationSubscription } from '../../../../src/job/model.js';

// The webhook sample of the reference (§6, Doc-Webhooks).
const SAMPLE = {
  MessageVersion: '1.1',
  ETag: 'b8977308f48858a8f224708bc963e1a09ff917ce730316b4e7ae9137f78f3b20',
  EventType: 4,
  TimeStamp: '2017-02-16T03:59:53.3041122Z',
  Properties: {
    JobId: 'nb:jid:UUID:badd996c-8d7c-4ae0-9bc1-bd7f1902dbdd',
    TaskId: 'nb:tid:UUID:80e26fb9-ee04-4739-abd8-2555dc24639f',
    NewState: 'Finished',
    OldState: 'Processing',
    AccountName: 'mediapkeewmg5c3peq',
    AccountId: '301912b0-659e-47e0-9bc4-6973f2be3424',
    NotificationEndPointId: 'nb:nepid:UUID:cb5d707b-4db8-45fe-a558-19f8d3306093',
  },
};
const SENDER = { accountName: SAMPLE.Properties.AccountName, accountId: SAMPLE.Properties.AccountId };
const EP = SAMPLE.Properties.NotificationEndPointId;
const T0 = Date.parse('2017-02-16T03:59:53.304Z');
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}Z$/;

const taskEvent = (over: Partial<EventRecord> = {}): EventRecord => ({
  type: 4,
  jobId: SAMPLE.Properties.JobId,
  jobName: 'Encode',
  taskId: SAMPLE.Properties.TaskId,
  oldState: 2,
  newState: 3,
  progress: 0,
  timestamp: T0,
  ...over,
});

/** A hub with Callback endpoints that collect what they get. */
function collectingHub(ids: string[]): { hub: NotificationHub; got: Map<string, NotificationMessage[]> } {
  const hub = new NotificationHub({ accountName: SENDER.accountName, accountId: SENDER.accountId });
  const got = new Map<string, NotificationMessage[]>();
  for (const id of ids) {
    const list: NotificationMessage[] = [];
    got.set(id, list);
    hub.registerEndPoint({ Id: id, Name: id, EndPointType: 'Callback', callback: (m) => void list.push(m) });
  }
  return { hub, got };
}

const EP_A = 'nb:nepid:UUID:00000000-0000-4000-8000-00000000000a';
const EP_B = 'nb:nepid:UUID:00000000-0000-4000-8000-00000000000b';
const JOB = { jobId: 'nb:jid:UUID:00000000-0000-4000-8000-000000000001', jobName: 'Job 1' };
const TASK = { ...JOB, taskId: 'nb:tid:UUID:00000000-0000-4000-8000-000000000002' };

describe('notification messages', () => {
  it('buildMessage() gives a TaskStateChange the fields and property names of the reference sample', () => {
    const m = buildMessage(taskEvent(), SENDER, EP);
    expect(Object.keys(m)).toEqual(Object.keys(SAMPLE));
    expect(m.MessageVersion).toBe('1.1');
    expect(m.EventType).toBe(NotificationEventType.TaskStateChange);
    // Every property of the sample, with its value; JobName besides (the reference: TaskStateChange adds to JobStateChange's).
    expect(m.Properties).toEqual({ ...SAMPLE.Properties, JobName: 'Encode' });
    expect(Object.values(m.Properties).every((v) => typeof v === 'string')).toBe(true);
    expect(m.TimeStamp).toBe('2017-02-16T03:59:53.3040000Z');
    expect(m.ETag).toMatch(/^[0-9a-f]{64}$/);
  });

  it('buildMessage() gives a JobStateChange JobId, JobName, NewState, OldState and AccountName, states by name', () => {
    const m = buildMessage({ type: 1, jobId: JOB.jobId, jobName: 'Job 1', taskId: '', oldState: 0, newState: 1, progress: 0, timestamp: T0 }, SENDER, EP);
    expect(m.EventType).toBe(NotificationEventType.JobStateChange);
    expect(m.Properties).toEqual({ JobId: JOB.jobId, JobName: 'Job 1', NewState: 'Scheduled', OldState: 'Queued', AccountName: SENDER.accountName });
  });

  it('buildMessage() gives a TaskProgress LastComputedProgress as integer text, rounded down', () => {
    const progress = (p: number): string | undefined => buildMessage(taskEvent({ type: 5, oldState: -1, newState: -1, progress: p }), SENDER, EP).Properties.LastComputedProgress;
    const m = buildMessage(taskEvent({ type: 5, oldState: -1, newState: -1, progress: 42.9 }), SENDER, EP);
    expect(m.EventType).toBe(NotificationEventType.TaskProgress);
    expect(m.Properties).toEqual({
      JobId: SAMPLE.Properties.JobId,
      TaskId: SAMPLE.Properties.TaskId,
      LastComputedProgress: '42',
      AccountName: SENDER.accountName,
      AccountId: SENDER.accountId,
      NotificationEndPointId: EP,
    });
    expect([progress(0), progress(99.999), progress(100), progress(150), progress(-3), progress(Number.NaN)]).toEqual(['0', '99', '100', '100', '0', '0']);
  });

  it('states every JobState name, and the number for one outside 0–6', () => {
    const names = [0, 1, 2, 3, 4, 5, 6, 9].map((s) => buildMessage(taskEvent({ newState: s }), SENDER, EP).Properties.NewState);
    expect(names).toEqual(['Queued', 'Scheduled', 'Processing', 'Finished', 'Error', 'Canceled', 'Canceling', '9']);
  });

  it('formatTimeStamp() writes ISO 8601 UTC with seven fraction digits, padding from the millisecond', () => {
    expect(formatTimeStamp(T0)).toBe('2017-02-16T03:59:53.3040000Z');
    expect(formatTimeStamp(T0 + 0.5)).toBe('2017-02-16T03:59:53.3045000Z');
    expect(formatTimeStamp(0)).toBe('1970-01-01T00:00:00.0000000Z');
    expect(formatTimeStamp(T0 + (1 - 2 ** -12))).toBe('2017-02-16T03:59:53.3049997Z'); // truncated: never rounded into the next millisecond
    expect(SAMPLE.TimeStamp).toMatch(TIMESTAMP);
    expect(formatTimeStamp(Date.UTC(2030, 11, 31, 23, 59, 59, 999))).toMatch(TIMESTAMP);
  });

  it('keeps the ETag for the same event and changes it with any property', () => {
    const a = buildMessage(taskEvent(), SENDER, EP);
    expect(buildMessage(taskEvent(), SENDER, EP).ETag).toBe(a.ETag);
    expect(buildMessage(taskEvent({ timestamp: T0 + 1 }), SENDER, EP).ETag).not.toBe(a.ETag);
    expect(buildMessage(taskEvent({ newState: 4 }), SENDER, EP).ETag).not.toBe(a.ETag);
    expect(buildMessage(taskEvent(), SENDER, EP_A).ETag).not.toBe(a.ETag);
    // Property order does not count: the canonical text sorts the names.
    expect(messageETag(4, a.TimeStamp, { ...a.Properties })).toBe(messageETag(4, a.TimeStamp, Object.fromEntries(Object.entries(a.Properties).reverse())));
  });

  it('buildMessage() refuses arguments of the wrong type with ERR_INVALID_ARG_TYPE / ERR_INVALID_ARG_VALUE (regression: a raw TypeError or RangeError)', () => {
    const cases: Array<[string, string, () => unknown]> = [
      ['ERR_INVALID_ARG_TYPE', '`e` to be an event record', () => buildMessage(undefined as never, SENDER, EP)],
      ['ERR_INVALID_ARG_VALUE', '`e.type` to be 1, 4 or 5', () => buildMessage(taskEvent({ type: 2 as never }), SENDER, EP)],
      ['ERR_INVALID_ARG_VALUE', '`e.timestamp` to be epoch milliseconds', () => buildMessage(taskEvent({ timestamp: Number.NaN }), SENDER, EP)],
      ['ERR_INVALID_ARG_TYPE', '`sender` to be { accountName, accountId }', () => buildMessage(taskEvent(), null as never, EP)],
      ['ERR_INVALID_ARG_TYPE', '`sender` to be { accountName, accountId }', () => buildMessage(taskEvent(), { accountName: 'a' } as never, EP)],
      ['ERR_INVALID_ARG_TYPE', '`endpointId` to be a string', () => buildMessage(taskEvent(), SENDER, 7 as never)],
    ];
    for (const [code, what, f] of cases) {
      let err: unknown;
      try {
        f();
      } catch (e) {
        err = e;
      }
      expect(err, what).toBeInstanceOf(Error);
      expect(err).toMatchObject({ code });
      expect((err as Error).message.startsWith(`buildMessage: expected ${what}`), (err as Error).message).toBe(true);
    }
  });
});

describe('NotificationHub subscription rules', () => {
  const taskSubs = (target: number, progress = false): TaskNotificationSubscription[] => [{ NotificationEndPointId: EP_A, TargetTaskState: target, IncludeTaskProgress: progress }];
  const transitions: Array<[number, number]> = [[0, 1], [1, 2], [2, 3], [2, 4], [6, 5], [2, 6]];

  it('TargetTaskState 1 (FinalStatesOnly) sends only Finished, Error and Canceled; 2 (AllStates) sends every change', async () => {
    for (const [target, expected] of [
      [1, ['Finished', 'Error', 'Canceled']],
      [2, ['Scheduled', 'Processing', 'Finished', 'Error', 'Canceled', 'Canceling']],
    ] as const) {
      const { hub, got } = collectingHub([EP_A]);
      for (const [oldState, newState] of transitions) hub.taskStateChanged({ ...TASK, oldState, newState, timestamp: T0 }, taskSubs(target));
      await hub.flush();
      expect(got.get(EP_A)!.map((m) => m.Properties.NewState)).toEqual(expected);
      expect(got.get(EP_A)!.every((m) => m.EventType === 4)).toBe(true);
    }
  });

  it('TargetJobState 1 and 2 select JobStateChange messages the same way', async () => {
    const { hub, got } = collectingHub([EP_A, EP_B]);
    const subs: JobNotificationSubscription[] = [
      { NotificationEndPointId: EP_A, TargetJobState: 1 },
      { NotificationEndPointId: EP_B, TargetJobState: 2 },
    ];
    for (const [oldState, newState] of [[0, 1], [1, 2], [2, 3]] as const) hub.jobStateChanged({ ...JOB, oldState, newState, timestamp: T0 }, subs);
    await hub.flush();
    expect(got.get(EP_A)!.map((m) => `${m.EventType}:${m.Properties.OldState}>${m.Properties.NewState}`)).toEqual(['1:Processing>Finished']);
    expect(got.get(EP_B)!.map((m) => m.Properties.NewState)).toEqual(['Scheduled', 'Processing', 'Finished']);
  });

  it('sends TaskProgress only with IncludeTaskProgress, whatever TargetTaskState says', async () => {
    const { hub, got } = collectingHub([EP_A, EP_B]);
    hub.taskProgressed({ ...TASK, progress: 10, timestamp: T0 }, [
      { NotificationEndPointId: EP_A, TargetTaskState: 1, IncludeTaskProgress: true },
      { NotificationEndPointId: EP_B, TargetTaskState: 2, IncludeTaskProgress: false },
    ]);
    await hub.flush();
    expect(got.get(EP_A)!.map((m) => [m.EventType, m.Properties.LastComputedProgress])).toEqual([[5, '10']]);
    expect(got.get(EP_B)).toEqual([]);
  });

  it('sends an event once to an endpoint named by several subscriptions, if any of them selects it', async () => {
    const { hub, got } = collectingHub([EP_A]);
    const subs: TaskNotificationSubscription[] = [
      { NotificationEndPointId: EP_A, TargetTaskState: 1, IncludeTaskProgress: false },
      { NotificationEndPointId: EP_A, TargetTaskState: 2, IncludeTaskProgress: true },
      { NotificationEndPointId: EP_A, TargetTaskState: 2, IncludeTaskProgress: true },
    ];
    hub.taskStateChanged({ ...TASK, oldState: 1, newState: 2, timestamp: T0 }, subs);
    hub.taskStateChanged({ ...TASK, oldState: 2, newState: 3, timestamp: T0 }, subs);
    hub.taskProgressed({ ...TASK, progress: 50, timestamp: T0 }, subs);
    await hub.flush();
    expect(got.get(EP_A)!.map((m) => m.EventType)).toEqual([4, 4, 5]);
  });

  it('ignores a subscription whose target state is neither 1 nor 2', async () => {
    const { hub, got } = collectingHub([EP_A]);
    hub.taskStateChanged({ ...TASK, oldState: 2, newState: 3, timestamp: T0 }, taskSubs(0));
    hub.jobStateChanged({ ...JOB, oldState: 2, newState: 3, timestamp: T0 }, [{ NotificationEndPointId: EP_A, TargetJobState: 3 }]);
    await hub.flush();
    expect(got.get(EP_A)).toEqual([]);
  });

  it('names the endpoint in each TaskStateChange and gives each endpoint its own ETag', async () => {
    const { hub, got } = collectingHub([EP_A, EP_B]);
    hub.taskStateChanged({ ...TASK, oldState: 2, newState: 3, timestamp: T0 }, [
      { NotificationEndPointId: EP_A, TargetTaskState: 1, IncludeTaskProgress: false },
      { NotificationEndPointId: EP_B, TargetTaskState: 1, IncludeTaskProgress: false },
    ]);
    await hub.flush();
    const a = got.get(EP_A)![0]!;
    const b = got.get(EP_B)![0]!;
    expect([a.Properties.NotificationEndPointId, b.Properties.NotificationEndPointId]).toEqual([EP_A, EP_B]);
    expect(a.ETag).not.toBe(b.ETag);
    expect(a.TimeStamp).toBe(b.TimeStamp);
  });

  it('takes the time of a timestamp that is no date as now, rather than throwing', async () => {
    const { hub, got } = collectingHub([EP_A]);
    hub.jobStateChanged({ ...JOB, oldState: 2, newState: 3, timestamp: Number.NaN }, [{ NotificationEndPointId: EP_A, TargetJobState: 2 }]);
    await hub.flush();
    expect(got.get(EP_A)![0]!.TimeStamp).toMatch(TIMESTAMP);
  });
});
