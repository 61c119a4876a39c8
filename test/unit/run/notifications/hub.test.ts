import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  NotificationDeliveryError,
  NotificationEndPointNotFoundError,
  NotificationHub,
  type NotificationHubOptions,
  type NotificationMessage,
} from '../../../../src/run/notifications/index.js';
import type { TaskNotificationSubscription } from '../../../../src/job/model.js';

const EP_A = 'nb:nepid:UUID:00000000-0000-4000-8000-00000000000a';
const EP_B = 'nb:nepid:UUID:00000000-0000-4000-8000-00000000000b';
const UNKNOWN = 'nb:nepid:UUID:00000000-0000-4000-8000-0000000000ff';
const TASK = { jobId: 'nb:jid:UUID:00000000-0000-4000-8000-000000000001', jobName: 'Job', taskId: 'nb:tid:UUID:00000000-0000-4000-8000-000000000002' };
const T0 = Date.parse('2024-05-01T10:00:00Z');
const all = (id: string, progress = true): TaskNotificationSubscription[] => [{ NotificationEndPointId: id, TargetTaskState: 2, IncludeTaskProgress: progress }];

type Errors = Array<{ err: unknown; id: string }>;

function hubWith(options: NotificationHubOptions = {}): { hub: NotificationHub; errors: Errors } {
  const errors: Errors = [];
  const hub = new NotificationHub({ onError: (err, id) => void errors.push({ err, id }), ...options });
  return { hub, errors };
}

/** Progress events 0, 1, 2, … to `id`, as one stream to follow. */
function progress(hub: NotificationHub, id: string, values: number[]): void {
  for (const p of values) hub.taskProgressed({ ...TASK, progress: p, timestamp: T0 + p }, all(id));
}
const progressOf = (m: NotificationMessage): number => Number(m.Properties.LastComputedProgress);

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('NotificationHub with Callback endpoints', () => {
  afterEach(() => void vi.useRealTimers());

  it('never calls a callback inside the caller’s stack, and returns before any delivery', async () => {
    const { hub } = hubWith();
    const got: number[] = [];
    hub.registerEndPoint({ Id: EP_A, Name: 'a', EndPointType: 'Callback', callback: (m) => void got.push(progressOf(m)) });
    progress(hub, EP_A, [1, 2]);
    expect(got).toEqual([]);
    expect(hub.stats()[EP_A]).toMatchObject({ pending: 2, delivered: 0 });
    await hub.flush();
    expect(got).toEqual([1, 2]);
    expect(hub.stats()[EP_A]).toEqual({ delivered: 2, failed: 0, dropped: 0, pending: 0, retries: 0 });
  });

  it('awaits an async callback before the next message: one at a time, in order', async () => {
    const { hub } = hubWith();
    let running = 0;
    let most = 0;
    const got: number[] = [];
    hub.registerEndPoint({
      Id: EP_A,
      Name: 'a',
      EndPointType: 'Callback',
      callback: async (m) => {
        most = Math.max(most, ++running);
        await new Promise((r) => setImmediate(r));
        got.push(progressOf(m));
        running--;
      },
    });
    progress(hub, EP_A, [0, 1, 2, 3, 4, 5]);
    await hub.flush();
    expect(got).toEqual([0, 1, 2, 3, 4, 5]);
    expect(most).toBe(1);
  });

  it('reports a callback that throws or rejects through onError, counts it failed and goes on', async () => {
    const { hub, errors } = hubWith();
    const got: number[] = [];
    const boom = new Error('boom');
    hub.registerEndPoint({
      Id: EP_A,
      Name: 'a',
      EndPointType: 'Callback',
      callback: (m) => {
        const p = progressOf(m);
        if (p === 1) throw boom;
        if (p === 2) return Promise.reject(boom);
        got.push(p);
      },
    });
    progress(hub, EP_A, [0, 1, 2, 3]);
    await hub.flush();
    expect(got).toEqual([0, 3]);
    expect(hub.stats()[EP_A]).toMatchObject({ delivered: 2, failed: 2, pending: 0 });
    expect(errors).toHaveLength(2);
    for (const { err, id } of errors) {
      expect(id).toBe(EP_A);
      expect(err).toBeInstanceOf(NotificationDeliveryError);
      expect(err).toMatchObject({ code: 'NOTIFICATION_DELIVERY_FAILED', endpointId: EP_A, eventType: 5, attempts: 1, cause: boom });
      expect((err as Error).message).toMatch(/the callback threw: boom/);
    }
  });

  it('gives up on a callback that does not settle within requestTimeoutMs, aborting its signal', async () => {
    vi.useFakeTimers();
    const { hub, errors } = hubWith({ requestTimeoutMs: 100 });
    const signals: AbortSignal[] = [];
    const got: number[] = [];
    hub.registerEndPoint({
      Id: EP_A,
      Name: 'a',
      EndPointType: 'Callback',
      callback: (m, { signal }) => {
        if (progressOf(m) === 0) {
          signals.push(signal);
          return new Promise<void>(() => {});
        }
        got.push(progressOf(m));
      },
    });
    progress(hub, EP_A, [0, 1]);
    await vi.advanceTimersByTimeAsync(99);
    expect(got).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    await hub.flush();
    expect(got).toEqual([1]);
    expect(signals[0]!.aborted).toBe(true);
    expect((errors[0]!.err as Error).message).toMatch(/timed out/);
    expect(hub.stats()[EP_A]).toMatchObject({ delivered: 1, failed: 1 });
  });

  it('drops messages for an unknown endpoint, counting them under its id and telling onError once', async () => {
    const { hub, errors } = hubWith();
    const got: string[] = [];
    hub.registerEndPoint({ Id: EP_A, Name: 'a', EndPointType: 'Callback', callback: (m) => void got.push(m.Properties.NewState!) });
    const subs: TaskNotificationSubscription[] = [...all(UNKNOWN), ...all(EP_A)];
    expect(() => {
      hub.taskStateChanged({ ...TASK, oldState: 1, newState: 2, timestamp: T0 }, subs);
      hub.taskStateChanged({ ...TASK, oldState: 2, newState: 3, timestamp: T0 }, subs);
    }).not.toThrow();
    await hub.flush();
    expect(got).toEqual(['Processing', 'Finished']);
    expect(hub.stats()[UNKNOWN]).toEqual({ delivered: 0, failed: 0, dropped: 2, pending: 0, retries: 0 });
    expect(errors).toHaveLength(1);
    expect(errors[0]!.id).toBe(UNKNOWN);
    expect(errors[0]!.err).toBeInstanceOf(NotificationEndPointNotFoundError);
    expect(errors[0]!.err).toMatchObject({ code: 'NOTIFICATION_ENDPOINT_NOT_FOUND', endpointId: UNKNOWN });
  });

  it('counts an unknown endpoint named __proto__ under its own key in stats(), as any other id', async () => {
    const { hub } = hubWith();
    for (const id of ['__proto__', 'toString', UNKNOWN]) hub.taskStateChanged({ ...TASK, oldState: 1, newState: 2, timestamp: T0 }, all(id));
    await hub.flush();
    const stats = hub.stats();
    // Was: `out['__proto__'] = …` set the answer's prototype, so the counts were no key of it.
    expect(Object.keys(stats)).toEqual(['__proto__', 'toString', UNKNOWN]);
    for (const id of ['__proto__', 'toString', UNKNOWN]) expect(Object.getOwnPropertyDescriptor(stats, id)?.value, id).toEqual({ delivered: 0, failed: 0, dropped: 1, pending: 0, retries: 0 });
    expect(Object.getPrototypeOf(stats)).toBe(Object.prototype);
  });

  it('never throws from its entry points, even on garbage, nor when onError throws', () => {
    const hub = new NotificationHub({
      onError: () => {
        throw new Error('onError is broken too');
      },
    });
    expect(() => hub.taskStateChanged({ ...TASK, oldState: 1, newState: 2, timestamp: T0 }, null as never)).not.toThrow();
    expect(() => hub.taskProgressed({ ...TASK, progress: 1, timestamp: T0 }, [null] as never)).not.toThrow();
    expect(() => hub.jobStateChanged(null as never, [{ NotificationEndPointId: UNKNOWN, TargetJobState: 2 }])).not.toThrow();
    expect(() => hub.jobStateChanged({ ...TASK, oldState: 1, newState: 2, timestamp: T0 }, [{ NotificationEndPointId: UNKNOWN, TargetJobState: 2 }])).not.toThrow();
  });

  it('drops the oldest waiting message when the outbox is full, progress before state changes', async () => {
    const { hub } = hubWith({ outboxLimit: 3 });
    const gate = deferred();
    const got: string[] = [];
    hub.registerEndPoint({
      Id: EP_A,
      Name: 'a',
      EndPointType: 'Callback',
      callback: async (m) => {
        got.push(m.EventType === 5 ? `p${m.Properties.LastComputedProgress}` : m.Properties.NewState!);
        if (got.length === 1) await gate.promise;
      },
    });
    hub.taskStateChanged({ ...TASK, oldState: 0, newState: 1, timestamp: T0 }, all(EP_A));
    await new Promise((r) => setImmediate(r)); // Scheduled is now being delivered, and held
    expect(got).toEqual(['Scheduled']);
    hub.taskStateChanged({ ...TASK, oldState: 1, newState: 2, timestamp: T0 }, all(EP_A));
    progress(hub, EP_A, [10, 20]); // full: Processing, p10, p20
    hub.taskStateChanged({ ...TASK, oldState: 2, newState: 3, timestamp: T0 }, all(EP_A)); // evicts p10
    progress(hub, EP_A, [30]); // evicts p20
    expect(hub.stats()[EP_A]).toMatchObject({ dropped: 2, pending: 4 });
    gate.resolve();
    await hub.flush();
    expect(got).toEqual(['Scheduled', 'Processing', 'Finished', 'p30']);
    expect(hub.stats()[EP_A]).toEqual({ delivered: 4, failed: 0, dropped: 2, pending: 0, retries: 0 });
  });

  it('keeps a slow callback endpoint from holding up another', async () => {
    const { hub } = hubWith();
    const gate = deferred();
    const fast: number[] = [];
    hub.registerEndPoint({ Id: EP_A, Name: 'slow', EndPointType: 'Callback', callback: () => gate.promise });
    hub.registerEndPoint({ Id: EP_B, Name: 'fast', EndPointType: 'Callback', callback: (m) => void fast.push(progressOf(m)) });
    for (const p of [1, 2, 3]) hub.taskProgressed({ ...TASK, progress: p, timestamp: T0 }, [...all(EP_A), ...all(EP_B)]);
    await new Promise((r) => setImmediate(r));
    expect(fast).toEqual([1, 2, 3]);
    expect(hub.stats()[EP_A]!.pending).toBe(3);
    gate.resolve();
    await hub.flush();
    expect(hub.stats()[EP_A]!.delivered).toBe(3);
  });

  it('unregisterEndPoint() drops what waits and stops delivery', async () => {
    const { hub } = hubWith();
    const gate = deferred();
    const signals: AbortSignal[] = [];
    hub.registerEndPoint({
      Id: EP_A,
      Name: 'a',
      EndPointType: 'Callback',
      callback: (_m, { signal }) => {
        signals.push(signal);
        return gate.promise;
      },
    });
    progress(hub, EP_A, [1, 2, 3]);
    await new Promise((r) => setImmediate(r));
    expect(hub.unregisterEndPoint(EP_A)).toBe(true);
    await hub.flush();
    expect(signals).toHaveLength(1);
    expect(signals[0]!.aborted).toBe(true);
    expect(hub.stats()[EP_A]).toEqual({ delivered: 0, failed: 0, dropped: 3, pending: 0, retries: 0 });
    gate.resolve();
  });

  it('flush() resolves at once when nothing is pending', async () => {
    const { hub } = hubWith();
    await expect(hub.flush()).resolves.toBeUndefined();
  });

  it('close() lets pending messages go out, then drops later events; calling it again returns the same promise', async () => {
    const { hub, errors } = hubWith();
    const got: number[] = [];
    hub.registerEndPoint({
      Id: EP_A,
      Name: 'a',
      EndPointType: 'Callback',
      callback: async (m) => {
        await new Promise((r) => setImmediate(r));
        got.push(progressOf(m));
      },
    });
    progress(hub, EP_A, [1, 2]);
    const closing = hub.close();
    expect(hub.close()).toBe(closing);
    await closing;
    expect(got).toEqual([1, 2]);
    progress(hub, EP_A, [3]);
    hub.taskProgressed({ ...TASK, progress: 4, timestamp: T0 }, all(UNKNOWN));
    await hub.flush();
    expect(got).toEqual([1, 2]);
    expect(hub.stats()[EP_A]).toMatchObject({ delivered: 2, dropped: 1, pending: 0 });
    expect(hub.stats()[UNKNOWN]).toMatchObject({ dropped: 1 });
    expect(errors).toEqual([]); // closed: dropped quietly, not reported
  });

  it('close() stops waiting after closeTimeoutMs, aborts what is in flight and drops the rest', async () => {
    vi.useFakeTimers();
    const { hub, errors } = hubWith({ closeTimeoutMs: 200, requestTimeoutMs: 60_000 });
    const signals: AbortSignal[] = [];
    hub.registerEndPoint({
      Id: EP_A,
      Name: 'a',
      EndPointType: 'Callback',
      callback: (_m, { signal }) => {
        signals.push(signal);
        return new Promise<void>(() => {});
      },
    });
    progress(hub, EP_A, [1, 2, 3]);
    let closed = false;
    void hub.close().then(() => (closed = true));
    await vi.advanceTimersByTimeAsync(199);
    expect(closed).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(closed).toBe(true);
    expect(signals).toHaveLength(1);
    expect(signals[0]!.aborted).toBe(true);
    expect(hub.stats()[EP_A]).toEqual({ delivered: 0, failed: 0, dropped: 3, pending: 0, retries: 0 });
    expect(errors).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('NotificationHub retry policy (fetch injected, fake clock)', () => {
  afterEach(() => void vi.useRealTimers());

  /** A fetch that answers from a script and notes when (fake time) each call came. */
  function scriptedFetch(answers: Array<() => Response | Promise<Response>>): { fetch: typeof fetch; calls: number[] } {
    const calls: number[] = [];
    const fetch = ((_url: unknown, _init: unknown) => {
      calls.push(Date.now());
      const answer = answers[Math.min(calls.length - 1, answers.length - 1)]!;
      return Promise.resolve(answer());
    }) as typeof globalThis.fetch;
    return { fetch, calls };
  }

  function webhookHub(options: NotificationHubOptions): { hub: NotificationHub; errors: Errors } {
    const made = hubWith(options);
    made.hub.registerEndPoint({ Id: EP_A, Name: 'a', EndPointType: 'WebHook', EndPointAddress: 'http://127.0.0.1:1/hook' });
    return made;
  }

  it('backs off exponentially with full jitter, capped, and gives up after maxAttempts', async () => {
    vi.useFakeTimers({ now: 0 });
    const { fetch, calls } = scriptedFetch([() => new Response(null, { status: 500 })]);
    const draws: number[] = [];
    const { hub, errors } = webhookHub({ fetch, maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 250, random: () => (draws.push(0.5), 0.5) });
    progress(hub, EP_A, [1]);
    await vi.advanceTimersByTimeAsync(1000);
    // Waits 0.5 × min(250, 100·2^(n-1)): 50, 100, 125.
    expect(calls).toEqual([0, 50, 150, 275]);
    expect(draws).toHaveLength(3);
    expect(hub.stats()[EP_A]).toEqual({ delivered: 0, failed: 1, dropped: 0, pending: 0, retries: 3 });
    expect(errors[0]!.err).toMatchObject({ code: 'NOTIFICATION_DELIVERY_FAILED', status: 500, attempts: 4, retryable: true });
  });

  it('waits what Retry-After says on 429 and 503, in seconds or as a date, capped by maxDelayMs', async () => {
    vi.useFakeTimers({ now: 0 });
    const { fetch, calls } = scriptedFetch([
      () => new Response(null, { status: 429, headers: { 'Retry-After': '2' } }),
      () => new Response(null, { status: 503, headers: { 'Retry-After': new Date(Date.now() + 3000).toUTCString() } }),
      () => new Response(null, { status: 503, headers: { 'Retry-After': '3600' } }),
      () => new Response(null, { status: 500, headers: { 'Retry-After': '5' } }), // not on a 500: backoff
      () => new Response(null, { status: 204 }),
    ]);
    const { hub } = webhookHub({ fetch, maxAttempts: 5, baseDelayMs: 10, maxDelayMs: 10_000, random: () => 0.999 });
    progress(hub, EP_A, [1]);
    await vi.advanceTimersByTimeAsync(30_000);
    const gaps = calls.slice(1).map((t, i) => t - calls[i]!);
    expect(gaps).toEqual([2000, 3000, 10_000, Math.floor(0.999 * 80)]);
    expect(hub.stats()[EP_A]).toMatchObject({ delivered: 1, retries: 4 });
  });

  it('does not retry a 400, nor a redirect', async () => {
    vi.useFakeTimers({ now: 0 });
    for (const status of [400, 404, 302]) {
      const { fetch, calls } = scriptedFetch([() => new Response(null, { status, headers: status === 302 ? { Location: '/elsewhere' } : {} })]);
      const { hub, errors } = webhookHub({ fetch, baseDelayMs: 1 });
      progress(hub, EP_A, [1]);
      await vi.advanceTimersByTimeAsync(1000);
      expect(calls, String(status)).toHaveLength(1);
      expect(errors[0]!.err).toMatchObject({ status, attempts: 1, retryable: false });
      expect(hub.stats()[EP_A]).toMatchObject({ failed: 1, retries: 0 });
    }
  });

  it('retries 408 and network errors, and times out a fetch that ignores its signal', async () => {
    vi.useFakeTimers({ now: 0 });
    const { fetch, calls } = scriptedFetch([
      () => new Response(null, { status: 408 }),
      () => Promise.reject(new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED') })),
      () => new Promise<Response>(() => {}),
      () => new Response(null, { status: 200 }),
    ]);
    const { hub } = webhookHub({ fetch, maxAttempts: 4, baseDelayMs: 10, requestTimeoutMs: 500, random: () => 0 });
    progress(hub, EP_A, [1]);
    await vi.advanceTimersByTimeAsync(499);
    expect(calls).toEqual([0, 0, 0]);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toEqual([0, 0, 0, 500]);
    await hub.flush();
    expect(hub.stats()[EP_A]).toMatchObject({ delivered: 1, retries: 3 });
  });

  it('clears its retry timer on close()', async () => {
    vi.useFakeTimers({ now: 0 });
    const { fetch, calls } = scriptedFetch([() => new Response(null, { status: 500 })]);
    const { hub } = webhookHub({ fetch, baseDelayMs: 60_000, maxDelayMs: 60_000, random: () => 0.9, closeTimeoutMs: 100 });
    progress(hub, EP_A, [1]);
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toHaveLength(1);
    const closing = hub.close();
    await vi.advanceTimersByTimeAsync(100);
    await closing;
    expect(vi.getTimerCount()).toBe(0);
    expect(hub.stats()[EP_A]).toMatchObject({ dropped: 1, pending: 0, retries: 1 });
  });
});
