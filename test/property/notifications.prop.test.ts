import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NotificationHub, type NotificationMessage } from '../../src/run/notifications/index.js';

// The model: the subscription rules of reference §6, written again here from the rules, not from the hub.
const NAMES = ['Queued', 'Scheduled', 'Processing', 'Finished', 'Error', 'Canceled', 'Canceling'];
const FINAL = new Set([3, 4, 5]);
const ENDPOINTS = ['a', 'b', 'c'].map((x) => `nb:nepid:UUID:00000000-0000-4000-8000-00000000000${x}`);
const UNKNOWN = 'nb:nepid:UUID:00000000-0000-4000-8000-0000000000ff';
const ACCOUNT = { accountName: 'acct', accountId: '301912b0-659e-47e0-9bc4-6973f2be3424' };

interface Sub {
  NotificationEndPointId: string;
  target: number;
  IncludeTaskProgress: boolean;
}

type Command =
  | { kind: 'task'; job: number; task: number; oldState: number; newState: number; timestamp: number; subs: Sub[] }
  | { kind: 'progress'; job: number; task: number; progress: number; timestamp: number; subs: Sub[] }
  | { kind: 'job'; job: number; oldState: number; newState: number; timestamp: number; subs: Sub[] }
  | { kind: 'pause'; how: 'microtask' | 'immediate' | 'flush' };

type Behaviour = 'sync' | 'async' | 'throw-sometimes' | 'reject-sometimes';

const jobId = (j: number): string => `nb:jid:UUID:00000000-0000-4000-8000-${String(j).padStart(12, '0')}`;
const taskId = (j: number, t: number): string => `nb:tid:UUID:00000000-0000-4000-8000-${String(j * 100 + t).padStart(12, '0')}`;
const stamp = (ms: number): string => new Date(ms).toISOString().replace('Z', '0000Z');

const subArb = fc.record({
  NotificationEndPointId: fc.constantFrom(...ENDPOINTS, UNKNOWN),
  target: fc.constantFrom(1, 1, 2, 2, 0),
  IncludeTaskProgress: fc.boolean(),
});
const subsArb = fc.array(subArb, { maxLength: 4 });
const state = fc.integer({ min: 0, max: 6 });
const time = fc.integer({ min: Date.UTC(2017, 0, 1), max: Date.UTC(2030, 0, 1) });
const commandArb: fc.Arbitrary<Command> = fc.oneof(
  fc.record({ kind: fc.constant('task' as const), job: fc.nat(2), task: fc.nat(2), oldState: state, newState: state, timestamp: time, subs: subsArb }),
  fc.record({ kind: fc.constant('progress' as const), job: fc.nat(2), task: fc.nat(2), progress: fc.double({ min: -5, max: 105, noNaN: true }), timestamp: time, subs: subsArb }),
  fc.record({ kind: fc.constant('job' as const), job: fc.nat(2), oldState: state, newState: state, timestamp: time, subs: subsArb }),
  fc.record({ kind: fc.constant('pause' as const), how: fc.constantFrom('microtask' as const, 'immediate' as const, 'flush' as const) }),
);

interface Expected {
  EventType: number;
  TimeStamp: string;
  Properties: Record<string, string>;
}

/** What each endpoint should get, by the rules; and how many messages go to the unknown id. */
function model(commands: Command[]): { perEndpoint: Map<string, Expected[]>; unknown: number } {
  const perEndpoint = new Map(ENDPOINTS.map((id) => [id, [] as Expected[]]));
  let unknown = 0;
  for (const c of commands) {
    if (c.kind === 'pause') continue;
    const selected = new Set<string>();
    for (const s of c.subs) {
      const wants =
        c.kind === 'progress' ? s.IncludeTaskProgress : s.target === 2 || (s.target === 1 && FINAL.has(c.newState));
      if (wants) selected.add(s.NotificationEndPointId);
    }
    for (const id of selected) {
      if (id === UNKNOWN) {
        unknown++;
        continue;
      }
      const TimeStamp = stamp(c.timestamp);
      let e: Expected;
      if (c.kind === 'job') {
        e = { EventType: 1, TimeStamp, Properties: { JobId: jobId(c.job), JobName: `Job ${c.job}`, NewState: NAMES[c.newState]!, OldState: NAMES[c.oldState]!, AccountName: ACCOUNT.accountName } };
      } else if (c.kind === 'task') {
        e = {
          EventType: 4,
          TimeStamp,
          Properties: {
            JobId: jobId(c.job),
            JobName: `Job ${c.job}`,
            TaskId: taskId(c.job, c.task),
            NewState: NAMES[c.newState]!,
            OldState: NAMES[c.oldState]!,
            AccountName: ACCOUNT.accountName,
            AccountId: ACCOUNT.accountId,
            NotificationEndPointId: id,
          },
        };
      } else {
        const p = c.progress <= 0 ? 0 : Math.min(100, Math.floor(c.progress));
        e = {
          EventType: 5,
          TimeStamp,
          Properties: { JobId: jobId(c.job), TaskId: taskId(c.job, c.task), LastComputedProgress: String(p), AccountName: ACCOUNT.accountName, AccountId: ACCOUNT.accountId, NotificationEndPointId: id },
        };
      }
      perEndpoint.get(id)!.push(e);
    }
  }
  return { perEndpoint, unknown };
}

describe('NotificationHub properties', () => {
  it('delivers to each Callback endpoint exactly the messages the subscription rules select, in order, each once', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(commandArb, { maxLength: 40 }),
        fc.array(fc.constantFrom<Behaviour>('sync', 'async', 'throw-sometimes', 'reject-sometimes'), { minLength: 3, maxLength: 3 }),
        async (commands, behaviours) => {
          const errors: string[] = [];
          const hub = new NotificationHub({ ...ACCOUNT, onError: (_err, id) => void errors.push(id) });
          const got = new Map<string, NotificationMessage[]>();
          const failing = new Map<string, number>();
          ENDPOINTS.forEach((id, i) => {
            const list: NotificationMessage[] = [];
            got.set(id, list);
            failing.set(id, 0);
            const behaviour = behaviours[i]!;
            let inside = 0;
            hub.registerEndPoint({
              Id: id,
              Name: `ep ${i}`,
              EndPointType: 'Callback',
              callback: async (m) => {
                if (inside++ !== 0) throw new Error('two calls at once on one endpoint');
                list.push(m);
                try {
                  const odd = list.length % 2 === 1;
                  if (behaviour === 'async' || behaviour === 'reject-sometimes') await new Promise((r) => setImmediate(r));
                  if (odd && behaviour === 'throw-sometimes') {
                    failing.set(id, failing.get(id)! + 1);
                    throw new Error('callback failure');
                  }
                  if (odd && behaviour === 'reject-sometimes') {
                    failing.set(id, failing.get(id)! + 1);
                    return Promise.reject(new Error('callback rejection'));
                  }
                } finally {
                  inside--;
                }
              },
            });
          });

          for (const c of commands) {
            const job = c.kind === 'pause' ? 0 : c.job;
            switch (c.kind) {
              case 'task':
                hub.taskStateChanged(
                  { jobId: jobId(job), jobName: `Job ${job}`, taskId: taskId(job, c.task), oldState: c.oldState, newState: c.newState, timestamp: c.timestamp },
                  c.subs.map((s) => ({ NotificationEndPointId: s.NotificationEndPointId, TargetTaskState: s.target, IncludeTaskProgress: s.IncludeTaskProgress })),
                );
                break;
              case 'progress':
                hub.taskProgressed(
                  { jobId: jobId(job), jobName: `Job ${job}`, taskId: taskId(job, c.task), progress: c.progress, timestamp: c.timestamp },
                  c.subs.map((s) => ({ NotificationEndPointId: s.NotificationEndPointId, TargetTaskState: s.target, IncludeTaskProgress: s.IncludeTaskProgress })),
                );
                break;
              case 'job':
                hub.jobStateChanged(
                  { jobId: jobId(job), jobName: `Job ${job}`, oldState: c.oldState, newState: c.newState, timestamp: c.timestamp },
                  c.subs.map((s) => ({ NotificationEndPointId: s.NotificationEndPointId, TargetJobState: s.target })),
                );
                break;
              case 'pause':
                if (c.how === 'microtask') await Promise.resolve();
                else if (c.how === 'immediate') await new Promise((r) => setImmediate(r));
                else await hub.flush();
                break;
            }
          }
          await hub.flush();

          const { perEndpoint, unknown } = model(commands);
          const stats = hub.stats();
          for (const id of ENDPOINTS) {
            const received = got.get(id)!;
            const expected = perEndpoint.get(id)!;
            expect(received.map((m) => ({ EventType: m.EventType, TimeStamp: m.TimeStamp, Properties: m.Properties }))).toEqual(expected);
            for (const m of received) {
              expect(m.MessageVersion).toBe('1.1');
              expect(m.ETag).toMatch(/^[0-9a-f]{64}$/);
            }
            // Same content, same ETag; different content, different ETag.
            const byETag = new Map<string, string>();
            for (const m of received) {
              const content = JSON.stringify([m.EventType, m.TimeStamp, m.Properties]);
              expect(byETag.get(m.ETag) ?? content).toBe(content);
              byETag.set(m.ETag, content);
            }
            expect(new Set(received.map((m) => JSON.stringify([m.EventType, m.TimeStamp, m.Properties]))).size).toBe(byETag.size);
            const s = stats[id]!;
            expect(s).toEqual({ delivered: expected.length - failing.get(id)!, failed: failing.get(id)!, dropped: 0, pending: 0, retries: 0 });
          }
          expect(stats[UNKNOWN]?.dropped ?? 0).toBe(unknown);
          // onError: once per failed callback call, and once for the unknown id if it was named.
          const failures = ENDPOINTS.reduce((n, id) => n + failing.get(id)!, 0);
          expect(errors.length).toBe(failures + (unknown > 0 ? 1 : 0));
          await hub.close();
        },
      ),
      { numRuns: 300 },
    );
  });
});
