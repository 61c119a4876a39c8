import { describe, expect, it } from 'vitest';
import { NotificationDeliveryError, NotificationHub } from '../../../src/run/notifications/index.js';

const EP = 'nb:nepid:UUID:cb5d707b-4db8-45fe-a558-19f8d3306093';
const TASK = { jobId: 'nb:jid:UUID:badd996c-8d7c-4ae0-9bc1-bd7f1902dbdd', jobName: 'j', taskId: 'nb:tid:UUID:80e26fb9-ee04-4739-abd8-2555dc24639f' };
const SUBS = [{ NotificationEndPointId: EP, TargetTaskState: 2, IncludeTaskProgress: false }];

describe('a callback endpoint (or a fetch) that fails with a value that cannot be read', () => {
  it('is reported as a NotificationDeliveryError naming the endpoint, like any other failure', async () => {
    const revoked = Proxy.revocable({}, {});
    revoked.revoke();
    const badMessage = new Error('x');
    Object.defineProperty(badMessage, 'message', { get: () => { throw new Error('message getter'); } });
    const badCause = new Error('outer', { cause: badMessage });
    const failures: Array<() => unknown> = [
      () => { throw revoked.proxy; },
      () => { throw badMessage; },
      () => { throw badCause; },
      () => Promise.reject({ toString: () => { throw new Error('toString'); } }),
      () => { throw Object.create(null); },
    ];
    const errors: unknown[] = [];
    const hub = new NotificationHub({ onError: (err) => void errors.push(err) });
    let i = 0;
    hub.registerEndPoint({ Id: EP, Name: 'a', EndPointType: 'Callback', callback: () => failures[i++]!() as void });
    for (let k = 0; k < failures.length; k++) hub.taskStateChanged({ ...TASK, oldState: 2, newState: 3, timestamp: 0 }, SUBS);
    await hub.flush();
    expect(errors).toHaveLength(failures.length);
    for (const err of errors) {
      expect(err).toBeInstanceOf(NotificationDeliveryError);
      expect(err).toMatchObject({ code: 'NOTIFICATION_DELIVERY_FAILED', endpointId: EP, eventType: 4 });
    }
    expect((errors[0] as Error).message).toContain('the callback threw');
    expect(hub.stats()[EP]).toMatchObject({ failed: failures.length, delivered: 0 });
    await hub.close();
  });

  it('from a webhook fetch: given up after its attempts, as a NotificationDeliveryError', async () => {
    const revoked = Proxy.revocable({}, {});
    revoked.revoke();
    const errors: unknown[] = [];
    const hub = new NotificationHub({ onError: (err) => void errors.push(err), maxAttempts: 2, baseDelayMs: 0, fetch: (() => Promise.reject(revoked.proxy)) as typeof fetch });
    hub.registerEndPoint({ Id: EP, Name: 'hook', EndPointType: 'WebHook', EndPointAddress: 'http://127.0.0.1:9/hook' });
    hub.taskStateChanged({ ...TASK, oldState: 2, newState: 3, timestamp: 0 }, SUBS);
    await hub.flush();
    expect(errors).toEqual([expect.any(NotificationDeliveryError)]);
    expect(errors[0]).toMatchObject({ endpointId: EP, attempts: 2, retryable: true });
    await hub.close();
  });
});
