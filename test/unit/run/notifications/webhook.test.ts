import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { NotificationHub, signature, verifySignature, type NotificationHubOptions } from '../../../../src/run/notifications/index.js';
import { parseRetryAfter, retryDelay, verdictOf } from '../../../../src/run/notifications/webhook.js';
import { ArgumentTypeError } from '../../../../src/errors.js';
import type { JobNotificationSubscription, TaskNotificationSubscription } from '../../../../src/job/model.js';
import { startReceiver, type Answer, type Received, type Receiver } from './receiver.js';

const ACCOUNT_ID = '301912b0-659e-47e0-9bc4-6973f2be3424';
const KEY = Buffer.from('cGxlYXNlIGRvIG5vdCB1c2UgdGhpcyBrZXkgZm9yIGFueXRoaW5nIGJ1dCB0ZXN0cw==', 'base64');
const EP_A = 'nb:nepid:UUID:00000000-0000-4000-8000-00000000000a';
const EP_B = 'nb:nepid:UUID:00000000-0000-4000-8000-00000000000b';
const JOB = { jobId: 'nb:jid:UUID:00000000-0000-4000-8000-000000000001', jobName: 'Job' };
const TASK = { ...JOB, taskId: 'nb:tid:UUID:00000000-0000-4000-8000-000000000002' };
const T0 = Date.parse('2024-05-01T10:00:00Z');
const taskSubs = (id: string): TaskNotificationSubscription[] => [{ NotificationEndPointId: id, TargetTaskState: 2, IncludeTaskProgress: true }];
const jobSubs = (id: string): JobNotificationSubscription[] => [{ NotificationEndPointId: id, TargetJobState: 2 }];

/** What a receiver does to check `ms-signature`: HMAC of the exact bytes received, compared in constant time. */
function signatureValid(r: Received, key: Uint8Array): boolean {
  const header = r.headers['ms-signature'];
  if (typeof header !== 'string' || !header.startsWith('sha256=')) return false;
  const expected = createHmac('sha256', key).update(r.body).digest();
  const given = Buffer.from(header.slice('sha256='.length), 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The check in Microsoft's sample receiver (Doc-Webhooks): uppercase hex, compared ordinally. */
function sampleReceiverAccepts(r: Received, key: Uint8Array): boolean {
  return r.headers['ms-signature'] === 'sha256=' + createHmac('sha256', key).update(r.body).digest('hex').toUpperCase();
}

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const x of open.splice(0).reverse()) await x.close();
});

async function receiver(answer?: (n: number, r: Received, hold: (a: Answer) => Promise<Answer>) => Answer | Promise<Answer>): Promise<Receiver> {
  const r = await startReceiver(answer);
  open.push(r);
  return r;
}

function hub(options: NotificationHubOptions = {}): { hub: NotificationHub; errors: Array<{ err: unknown; id: string }> } {
  const errors: Array<{ err: unknown; id: string }> = [];
  const h = new NotificationHub({ accountName: 'media1', accountId: ACCOUNT_ID, baseDelayMs: 1, maxDelayMs: 20, requestTimeoutMs: 2000, closeTimeoutMs: 100, onError: (err, id) => void errors.push({ err, id }), ...options });
  open.push(h);
  return { hub: h, errors };
}

function progress(h: NotificationHub, id: string, values: number[]): void {
  for (const p of values) h.taskProgressed({ ...TASK, progress: p, timestamp: T0 + p }, taskSubs(id));
}
const progressOf = (r: Received): number => Number(r.message.Properties.LastComputedProgress);

/** Polls `condition` every millisecond, for a second at most. */
async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !condition(); i++) await new Promise((r) => setTimeout(r, 1));
  expect(condition()).toBe(true);
}

describe('webhook delivery policy', () => {
  it('verdictOf() delivers 2xx, retries 408, 429 and 5xx, fails the rest at once', () => {
    expect([200, 201, 204, 299].map((s) => verdictOf(s, null, 0).kind)).toEqual(['delivered', 'delivered', 'delivered', 'delivered']);
    expect([408, 429, 500, 502, 503, 504].map((s) => verdictOf(s, null, 0).kind)).toEqual(Array(6).fill('retry'));
    expect([301, 302, 400, 401, 403, 404, 410, 413, 422].map((s) => verdictOf(s, null, 0).kind)).toEqual(Array(9).fill('fail'));
    expect(verdictOf(503, '7', 0)).toEqual({ kind: 'retry', retryAfterMs: 7000 });
    expect(verdictOf(500, '7', 0)).toEqual({ kind: 'retry', retryAfterMs: undefined });
  });

  it('parseRetryAfter() reads seconds and HTTP dates, and nothing else', () => {
    const now = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:27:00 GMT', now)).toBe(0);
    expect([parseRetryAfter(null, now), parseRetryAfter('', now), parseRetryAfter('1.5', now), parseRetryAfter('-3', now), parseRetryAfter('soon', now)]).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('retryDelay() is full jitter over a capped doubling window', () => {
    expect([1, 2, 3, 4, 5].map((n) => retryDelay(n, 100, 500, () => 0.999999))).toEqual([99, 199, 399, 499, 499]);
    expect(retryDelay(3, 100, 500, () => 0)).toBe(0);
    expect(retryDelay(1, 100, 500, () => 7)).toBe(100); // a random source out of [0, 1) is clamped
  });

  it('signature() is sha256= and the hex HMAC-SHA256 of the body, uppercase (as the hub sends it) unless asked', () => {
    const body = Buffer.from('{"a":1}');
    const hex = createHmac('sha256', KEY).update(body).digest('hex');
    expect(signature(KEY, body)).toBe(`sha256=${hex.toUpperCase()}`);
    expect(signature(KEY, body, 'upper')).toBe(`sha256=${hex.toUpperCase()}`);
    expect(signature(KEY, body, 'lower')).toBe(`sha256=${hex}`);
  });

  it('verifySignature() accepts either hex case and surrounding whitespace, and rejects anything else without throwing', () => {
    const body = Buffer.from('{"a":1}');
    const hex = createHmac('sha256', KEY).update(body).digest('hex');
    const mixed = [...hex].map((c, i) => (i % 2 ? c.toUpperCase() : c)).join('');
    for (const header of [signature(KEY, body), signature(KEY, body, 'lower'), `sha256=${mixed}`, `  sha256=${hex}\t`, `\r\nsha256=${hex.toUpperCase()} `]) {
      expect(verifySignature(KEY, body, header)).toBe(true);
    }
    // A string key is its UTF-8 bytes, as signingKey takes it; a string body too.
    expect(verifySignature('clé', '{"a":1}', signature(Buffer.from('clé', 'utf8'), body))).toBe(true);
    const revoked = Proxy.revocable({}, {});
    revoked.revoke();
    const bad: unknown[] = [
      signature(Buffer.from('another key'), body),
      signature(KEY, Buffer.from('{"a":2}')),
      hex,
      `SHA256=${hex}`,
      `sha256 =${hex}`,
      `sha256=${hex}0`,
      `sha256=${hex.slice(1)}`,
      `sha256=${hex.slice(0, -1)}g`,
      `sha256=${hex.slice(0, 32)} ${hex.slice(32)}`,
      'sha256=',
      '',
      `sha256=${'A'.repeat(100_000)}`,
      undefined,
      null,
      42,
      [signature(KEY, body)],
      { toString: () => signature(KEY, body) },
      revoked.proxy,
    ];
    for (const header of bad) expect(verifySignature(KEY, body, header)).toBe(false);
  });

  it('signature() and verifySignature() refuse a key or body that is not bytes or a string with our ERR_INVALID_ARG_TYPE (regression: Node\'s own error)', () => {
    const body = Buffer.from('{"a":1}');
    const cases: Array<[string, () => unknown]> = [
      ['key', () => signature(undefined as never, body)],
      ['key', () => signature(42 as never, body)],
      ['body', () => signature(KEY, null as never)],
      ['body', () => signature(KEY, { a: 1 } as never)],
      ['key', () => verifySignature(undefined as never, body, 'sha256=00')],
      ['body', () => verifySignature(KEY, 5 as never, signature(KEY, body))],
    ];
    for (const [name, f] of cases) {
      let err: unknown;
      try {
        f();
      } catch (e) {
        err = e;
      }
      expect(err, name).toBeInstanceOf(ArgumentTypeError);
      expect(err).toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
      expect((err as Error).message).toMatch(new RegExp(`^(signature|verifySignature): expected \`${name}\` to be a Uint8Array or a string, got `));
    }
    let err: unknown;
    try {
      signature(KEY, body, 'UPPER' as never);
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ name: 'RangeError', code: 'ERR_INVALID_ARG_VALUE', message: 'signature: expected `hexCase` to be "upper" or "lower", got `"UPPER"` (string)' });
  });
});

describe('NotificationHub WebHook delivery (real HTTP on 127.0.0.1)', () => {
  it('POSTs the JSON message with Content-Type, the account id and a signature the receiver verifies', async () => {
    const rx = await receiver();
    const { hub: h, errors } = hub();
    h.registerEndPoint({ Id: EP_A, Name: 'a', EndPointType: 'WebHook', EndPointAddress: rx.url, signingKey: KEY });
    h.taskStateChanged({ ...TASK, oldState: 2, newState: 3, timestamp: T0 }, taskSubs(EP_A));
    h.jobStateChanged({ ...JOB, oldState: 2, newState: 3, timestamp: T0 }, jobSubs(EP_A));
    await h.flush();
    expect(errors).toEqual([]);
    expect(rx.received).toHaveLength(2);
    const [task, job] = rx.received as [Received, Received];
    expect(task.method).toBe('POST');
    expect(task.path).toBe('/hook');
    expect(task.headers['content-type']).toBe('application/json');
    expect(task.headers['ms-mediaservices-accountid']).toBe(ACCOUNT_ID);
    expect(task.headers['ms-signature']).toMatch(/^sha256=[0-9A-F]{64}$/);
    expect(signatureValid(task, KEY)).toBe(true);
    expect(signatureValid(job, KEY)).toBe(true);
    expect(signatureValid(task, Buffer.from('another key'))).toBe(false);
    expect(task.message).toMatchObject({ MessageVersion: '1.1', EventType: 4, Properties: { NewState: 'Finished', OldState: 'Processing', AccountId: ACCOUNT_ID, NotificationEndPointId: EP_A } });
    expect(job.message).toMatchObject({ EventType: 1, Properties: { JobId: JOB.jobId, AccountName: 'media1' } });
    // The account id of the header matches the message's, as the sample receiver checks.
    expect(task.headers['ms-mediaservices-accountid']).toBe(task.message.Properties.AccountId);
    expect(h.stats()[EP_A]).toEqual({ delivered: 2, failed: 0, dropped: 0, pending: 0, retries: 0 });
  });

  it('signs in uppercase hex for receivers written from Microsoft’s sample, with signatureHex: "upper"', async () => {
    const rx = await receiver();
    const { hub: h } = hub({ signatureHex: 'upper' });
    h.registerEndPoint({ Id: EP_A, Name: 'a', EndPointType: 'WebHook', EndPointAddress: rx.url, signingKey: KEY });
    progress(h, EP_A, [5]);
    await h.flush();
    expect(sampleReceiverAccepts(rx.received[0]!, KEY)).toBe(true);
    expect(signatureValid(rx.received[0]!, KEY)).toBe(true);
  });

  it('signs with the UTF-8 bytes of a string key, and sends no ms-signature without a key', async () => {
    const rx = await receiver();
    const { hub: h } = hub();
    h.registerEndPoint({ Id: EP_A, Name: 'a', EndPointType: 'WebHook', EndPointAddress: rx.url, signingKey: 'clé' });
    h.registerEndPoint({ Id: EP_B, Name: 'b', EndPointType: 'WebHook', EndPointAddress: rx.url });
    progress(h, EP_A, [1]);
    await h.flush();
    progress(h, EP_B, [2]);
    await h.flush();
    expect(signatureValid(rx.received[0]!, Buffer.from('clé', 'utf8'))).toBe(true);
    expect(rx.received[1]!.headers['ms-signature']).toBeUndefined();
  });

  it('retries a 500 until it succeeds, resending the same bytes, ETag and signature', async () => {
    const rx = await receiver((n) => (n < 2 ? 500 : 200));
    const { hub: h, errors } = hub();
    h.registerEndPoint({ Id: EP_A, Name: 'a', EndPointType: 'WebHook', EndPointAddress: rx.url, signingKey: KEY });
    progress(h, EP_A, [7]);
    await h.flush();
    expect(rx.received).toHaveLength(3);
    const [first, ...rest] = rx.received as [Received, ...Received[]];
    for (const r of rest) {
      expect(r.body.equals(first.body)).toBe(true);
      expect(r.message.ETag).toBe(first.message.ETag);
      expect(r.headers['ms-signature']).toBe(first.headers['ms-signature']);
    }
    expect(errors).toEqual([]);
    expect(h.stats()[EP_A]).toEqual({ delivered: 1, failed: 0, dropped: 0, pending: 0, retries: 2 });
  });

  it('gives up after maxAttempts, tells onError and goes on with the next message', async () => {
    const rx = await receiver((_n, r) => (progressOf(r) === 1 ? 502 : 200));
    const { hub: h, errors } = hub({ maxAttempts: 3 });
    h.registerEndPoint({ Id: EP_A, Name: 'a', EndPointType: 'WebHook', EndPointAddress: rx.url });
    progress(h, EP_A, [1, 2]);
    await h.flush();
    expect(rx.received.map(progressOf)).toEqual([1, 1, 1, 2]);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.id).toBe(EP_A);
    expect(errors[0]!.err).toMatchObject({ code: 'NOTIFICATION_DELIVERY_FAILED', status: 502, attempts: 3, retryable: true, endpointId: EP_A });
    expect(h.stats()[EP_A]).toEqual({ delivered: 1, failed: 1, dropped: 0, pending: 0, retries: 2 });
  });

  it('does not retry a 400', async () => {
    const rx = await receiver(() => 400);
    const { hub: h, errors } = hub();
    h.registerEndPoint({ Id: EP_A, Name: 'a', EndPointType: 'WebHook', EndPointAddress: rx.url });
    progress(h, EP_A, [1]);
    await h.flush();
    expect(rx.received).toHaveLength(1);
    expect(errors[0]!.err).toMatchObject({ status: 400, attempts: 1, retryable: false });
    expect((errors[0]!.err as Error).message).toMatch(/HTTP 400 Bad Request.*not retried/);
    expect(h.stats()[EP_A]).toMatchObject({ failed: 1, retries: 0 });
  });

  it('honours Retry-After on a 429 (capped by maxDelayMs) instead of its own backoff', async () => {
    const rx = await receiver((n) => (n === 0 ? { status: 429, headers: { 'Retry-After': '1' } } : 200));
    let draws = 0;
    const { hub: h } = hub({ maxDelayMs: 150, random: () => (draws++, 0) });
    h.registerEndPoint({ Id: EP_A, Name: 'a', EndPointType: 'WebHook', EndPointAddress: rx.url });
    const started = performance.now();
    progress(h, EP_A, [1]);
    await h.flush();
    expect(rx.received).toHaveLength(2);
    expect(draws).toBe(0); // the backoff (which would have waited 0 ms) was not used
    expect(performance.now() - started).toBeGreaterThanOrEqual(140); // 1 s asked, capped to 150 ms
    expect(h.stats()[EP_A]).toMatchObject({ delivered: 1, retries: 1 });
  });

  it('times out a request the server never answers, and retries it', async () => {
    const rx = await receiver((n) => (n < 2 ? 'hang' : 200));
    const { hub: h, errors } = hub({ requestTimeoutMs: 60, maxAttempts: 3 });
    h.registerEndPoint({ Id: EP_A, Name: 'a', EndPointType: 'WebHook', EndPointAddress: rx.url });
    progress(h, EP_A, [1]);
    await h.flush();
    expect(rx.received).toHaveLength(3);
    expect(errors).toEqual([]);
    expect(h.stats()[EP_A]).toMatchObject({ delivered: 1, retries: 2 });
  });

  it('reports a timeout on the last attempt as the reason it gave up', async () => {
    const rx = await receiver(() => 'hang');
    const { hub: h, errors } = hub({ requestTimeoutMs: 40, maxAttempts: 2 });
    h.registerEndPoint({ Id: EP_A, Name: 'a', EndPointType: 'WebHook', EndPointAddress: rx.url });
    progress(h, EP_A, [1]);
    await h.flush();
    expect(rx.received).toHaveLength(2);
    expect(errors[0]!.err).toMatchObject({ attempts: 2, retryable: true, status: undefined });
    expect((errors[0]!.err as Error).message).toMatch(/no answer within 40 ms/);
  });

  it('retries when nothing listens, then gives up', async () => {
    const gone = http.createServer();
    await new Promise<void>((r) => gone.listen(0, '127.0.0.1', r));
    const port = (gone.address() as AddressInfo).port;
    await new Promise<void>((r) => gone.close(() => r()));
    const { hub: h, errors } = hub({ maxAttempts: 2 });
    h.registerEndPoint({ Id: EP_A, Name: 'a', EndPointType: 'WebHook', EndPointAddress: `http://127.0.0.1:${port}/hook` });
    progress(h, EP_A, [1]);
    await h.flush();
    expect(errors[0]!.err).toMatchObject({ attempts: 2, retryable: true });
    expect(h.stats()[EP_A]).toMatchObject({ failed: 1, retries: 1 });
  });

  it('delivers in order, one request at a time per endpoint', async () => {
    const rx = await receiver((n) => (n % 3 === 1 ? 503 : 200)); // some retries along the way
    const { hub: h } = hub();
    h.registerEndPoint({ Id: EP_A, Name: 'a', EndPointType: 'WebHook', EndPointAddress: rx.url });
    const values = Array.from({ length: 20 }, (_, i) => i);
    progress(h, EP_A, values);
    await h.flush();
    const firstSeen = [...new Set(rx.received.map(progressOf))];
    expect(firstSeen).toEqual(values);
    expect(rx.maxInFlight).toBe(1);
    expect(h.stats()[EP_A]).toMatchObject({ delivered: 20, failed: 0 });
  });

  it('keeps a slow endpoint from delaying a fast one', async () => {
    const slow = await receiver((_n, _r, hold) => hold(200));
    const fast = await receiver();
    const { hub: h } = hub();
    h.registerEndPoint({ Id: EP_A, Name: 'slow', EndPointType: 'WebHook', EndPointAddress: slow.url });
    h.registerEndPoint({ Id: EP_B, Name: 'fast', EndPointType: 'WebHook', EndPointAddress: fast.url });
    for (const p of [1, 2, 3, 4, 5]) h.taskProgressed({ ...TASK, progress: p, timestamp: T0 }, [...taskSubs(EP_A), ...taskSubs(EP_B)]);
    await until(() => h.stats()[EP_B]!.delivered === 5);
    expect(h.stats()[EP_B]).toMatchObject({ delivered: 5, pending: 0 });
    expect(slow.received).toHaveLength(1);
    expect(h.stats()[EP_A]).toMatchObject({ delivered: 0, pending: 5 });
    const release = setInterval(() => slow.release(), 1);
    await h.flush();
    clearInterval(release);
    expect(slow.received.map(progressOf)).toEqual([1, 2, 3, 4, 5]);
  });

  it('drops the oldest waiting message when the outbox overflows, and counts it', async () => {
    const rx = await receiver((n, _r, hold) => (n === 0 ? hold(200) : 200));
    const { hub: h } = hub({ outboxLimit: 3 });
    h.registerEndPoint({ Id: EP_A, Name: 'a', EndPointType: 'WebHook', EndPointAddress: rx.url });
    const states: Array<[number, number]> = [[0, 1], [1, 2], [2, 6], [6, 2], [2, 6], [6, 5]];
    const send = ([oldState, newState]: [number, number]): void => h.taskStateChanged({ ...TASK, oldState, newState, timestamp: T0 }, taskSubs(EP_A));
    send(states[0]!);
    await rx.waitFor(1); // the first is in flight and held
    for (const s of states.slice(1)) send(s);
    expect(h.stats()[EP_A]).toMatchObject({ dropped: 2, pending: 4 });
    rx.release();
    await h.flush();
    // Scheduled>Processing and the first Processing>Canceling, the oldest waiting, were dropped.
    expect(rx.received.map((r) => `${r.message.Properties.OldState}>${r.message.Properties.NewState}`)).toEqual([
      'Queued>Scheduled',
      'Canceling>Processing',
      'Processing>Canceling',
      'Canceling>Canceled',
    ]);
    expect(h.stats()[EP_A]).toEqual({ delivered: 4, failed: 0, dropped: 2, pending: 0, retries: 0 });
  });

  it('close() resolves promptly while requests hang, aborting them and dropping what waits', async () => {
    const rx = await receiver(() => 'hang');
    const { hub: h, errors } = hub({ requestTimeoutMs: 30_000, closeTimeoutMs: 50 });
    h.registerEndPoint({ Id: EP_A, Name: 'a', EndPointType: 'WebHook', EndPointAddress: rx.url });
    progress(h, EP_A, [1, 2, 3]);
    await rx.waitFor(1);
    const started = performance.now();
    await h.close();
    expect(performance.now() - started).toBeLessThan(1000);
    expect(h.stats()[EP_A]).toEqual({ delivered: 0, failed: 0, dropped: 3, pending: 0, retries: 0 });
    expect(errors).toEqual([]);
    // The server sees the request go away.
    await until(() => rx.aborted === 1);
  });

  it('unregisterEndPoint() aborts the request in flight', async () => {
    const rx = await receiver(() => 'hang');
    const { hub: h } = hub({ requestTimeoutMs: 30_000 });
    h.registerEndPoint({ Id: EP_A, Name: 'a', EndPointType: 'WebHook', EndPointAddress: rx.url });
    progress(h, EP_A, [1, 2]);
    await rx.waitFor(1);
    h.unregisterEndPoint(EP_A);
    await h.flush();
    expect(h.stats()[EP_A]).toEqual({ delivered: 0, failed: 0, dropped: 2, pending: 0, retries: 0 });
  });
});
