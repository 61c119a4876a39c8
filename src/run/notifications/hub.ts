import { ArgumentTypeError, JobGraphError, checkObject, describeValue } from '../../errors.js';
import { isFinalState } from '../../job/enums.js';
import type { JobNotificationSubscription, TaskNotificationSubscription } from '../../job/model.js';
import { noop, raceAbort, sleep, unref } from './abortable.js';
import { checkEndPoint, endPointView, type CallbackEndPointInput, type CheckedEndPoint, type EndPointInput, type NotificationEndPointView } from './endpoint.js';
import { NotificationDeliveryError, NotificationEndPointNotFoundError } from './errors.js';
import {
  buildMessage,
  formatTimeStamp,
  isValidTimestamp,
  type EventRecord,
  type JobStateInput,
  type NotificationMessage,
  type Sender,
  type TaskProgressInput,
  type TaskStateInput,
} from './message.js';
import { Outbox } from './outbox.js';
import { retryDelay, signature, verdictOf, webhookHeaders, type SignatureHexCase } from './webhook.js';

/** Options of a {@link NotificationHub}. */
export interface NotificationHubOptions {
  /** The AccountName messages carry. @defaultValue 'jobgraph' */
  accountName?: string;
  /** The AccountId messages and the `ms-mediaservices-accountid` header carry. @defaultValue '00000000-0000-0000-0000-000000000000' */
  accountId?: string;
  /** Most messages waiting per endpoint, besides the one being delivered. @defaultValue 1000 */
  outboxLimit?: number;
  /** Attempts per webhook message, the first included. @defaultValue 5 */
  maxAttempts?: number;
  /** Backoff before the second attempt, in ms (doubled for each further one, then full jitter). @defaultValue 1000 */
  baseDelayMs?: number;
  /** Cap of the backoff and of a server's Retry-After, in ms. @defaultValue 30000 */
  maxDelayMs?: number;
  /** Time limit of one webhook request, or of one Callback call that returns a promise, in ms. @defaultValue 10000 */
  requestTimeoutMs?: number;
  /** How long close() lets pending messages go out before it aborts what is left, in ms. @defaultValue 5000 */
  closeTimeoutMs?: number;
  /** Random source in [0, 1) for the jitter. @defaultValue Math.random */
  random?: () => number;
  /** The fetch to POST with. @defaultValue globalThis.fetch */
  fetch?: typeof fetch;
  /** Told of every message not delivered (a {@link NotificationDeliveryError}) and, once per id, of unknown endpoints. Its own errors are ignored. */
  onError?: (err: unknown, endpointId: string) => void;
  /** The clock for `Created` and for a Retry-After given as a date. @defaultValue Date.now */
  now?: () => number;
  /** Hex case of `ms-signature`. @defaultValue 'upper', as Microsoft's sample receiver compares it (case-sensitively) */
  signatureHex?: SignatureHexCase;
}

/** What happened to the messages of one endpoint. */
export interface NotificationStats {
  /** Accepted by the endpoint (2xx, or the callback returned). */
  delivered: number;
  /** Given up: refused, out of attempts, timed out on the last attempt, or the callback threw. */
  failed: number;
  /** Never delivered nor tried to the end: outbox overflow, unknown endpoint, unregistered or hub closed. */
  dropped: number;
  /** Waiting or being delivered. */
  pending: number;
  /** Attempts beyond the first. */
  retries: number;
}

/**
 * Counts the endpoints an event still has to reach, for the caller's `settled` callback: a durable
 * engine marks its outbox row done only once every endpoint's message has an outcome.
 */
interface Tracker {
  left: number;
  /** Some endpoint's message was dropped (not delivered nor tried to the end). */
  dropped: boolean;
  readonly settled: (dropped: boolean) => void;
}

interface Entry {
  readonly seq: number;
  readonly event: EventRecord;
  readonly tracker: Tracker | undefined;
  message: NotificationMessage | undefined;
  body: Buffer | undefined;
  signature: string | undefined;
}

interface Endpoint {
  readonly def: CheckedEndPoint;
  readonly view: NotificationEndPointView;
  readonly outbox: Outbox<Entry>;
  /** Aborted on unregister and when close() gives up waiting. */
  readonly controller: AbortController;
  /** A drain is scheduled or running. */
  busy: boolean;
}

type Outcome = 'delivered' | 'failed' | 'dropped';

const NIL_GUID = '00000000-0000-0000-0000-000000000000';

/**
 * Sends job and task notifications to registered endpoints, as Media Services did (reference §6):
 * JobStateChange (EventType 1), TaskStateChange (4) and TaskProgress (5) messages, selected by each
 * subscription's TargetJobState / TargetTaskState (1 final states only, 2 all) and
 * IncludeTaskProgress, POSTed to webhooks (signed when the endpoint has a key) or handed to
 * in-process callbacks.
 *
 * The `…Changed` / `taskProgressed` methods only enqueue: they never throw, never wait, and cost
 * O(subscriptions). Each endpoint has its own bounded outbox and gets its messages in order, one
 * request at a time, so a slow endpoint holds up no other and never the caller. An event goes to an
 * endpoint once even when several of the subscriptions passed name it.
 *
 * @example
 * const hub = new NotificationHub({ accountName: 'media1', onError: (err) => log.warn(err) });
 * const ep = hub.registerEndPoint({ Name: 'ops', EndPointType: 'WebHook', EndPointAddress: 'https://ops.example/hook', signingKey: key });
 * hub.jobStateChanged({ jobId, jobName, oldState: 2, newState: 3, timestamp: Date.now() }, [{ NotificationEndPointId: ep.Id, TargetJobState: 1 }]);
 * await hub.close();
 */
export class NotificationHub {
  readonly #sender: Sender;
  readonly #limit: number;
  readonly #maxAttempts: number;
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #requestTimeoutMs: number;
  readonly #closeTimeoutMs: number;
  readonly #random: () => number;
  readonly #fetch: typeof fetch | undefined;
  readonly #onError: ((err: unknown, endpointId: string) => void) | undefined;
  readonly #now: () => number;
  readonly #hexCase: SignatureHexCase;

  readonly #endpoints = new Map<string, Endpoint>();
  readonly #stats = new Map<string, NotificationStats>();
  /** Unknown endpoint ids already reported to onError. */
  readonly #reported = new Set<string>();
  readonly #idleWaiters: Array<() => void> = [];
  /** Endpoints (registered or not any more) with a drain scheduled or running. */
  #busy = 0;
  #seq = 0;
  #closed = false;
  #closing: Promise<void> | undefined;

  /**
   * @param options - see {@link NotificationHubOptions}
   * @throws ArgumentTypeError `ERR_INVALID_ARG_TYPE` / `ERR_INVALID_ARG_VALUE` for a bad option
   */
  constructor(options: NotificationHubOptions = {}) {
    checkObject('NotificationHub', '`options`', options);
    const o = options;
    const accountName = o.accountName ?? 'jobgraph';
    const accountId = o.accountId ?? NIL_GUID;
    if (typeof accountName !== 'string') throw new ArgumentTypeError(`NotificationHub: expected \`accountName\` to be a string, got ${describeValue(accountName)}`);
    if (typeof accountId !== 'string') throw new ArgumentTypeError(`NotificationHub: expected \`accountId\` to be a string (it goes in a header), got ${describeValue(accountId)}`);
    // It goes in the ms-mediaservices-accountid header: a value fetch refuses (a control character,
    // a character above U+00FF) would fail every request, each after all its retries.
    if (!HEADER_VALUE.test(accountId))
      throw new ArgumentTypeError(`NotificationHub: expected \`accountId\` to be printable ASCII (it goes in a header), got ${describeValue(accountId)}`, 'ERR_INVALID_ARG_VALUE');
    this.#sender = { accountName, accountId };
    this.#limit = integerOption('outboxLimit', o.outboxLimit, 1000, 1);
    this.#maxAttempts = integerOption('maxAttempts', o.maxAttempts, 5, 1);
    // Every duration ends up in a setTimeout, which takes a longer one for 1 ms (a request timeout
    // of 1e10 ms timed every request out at once): above TIMEOUT_MAX is refused.
    this.#baseDelayMs = numberOption('baseDelayMs', o.baseDelayMs, 1000, 0);
    this.#maxDelayMs = numberOption('maxDelayMs', o.maxDelayMs, Math.max(30_000, this.#baseDelayMs), this.#baseDelayMs);
    this.#requestTimeoutMs = numberOption('requestTimeoutMs', o.requestTimeoutMs, 10_000, 1);
    this.#closeTimeoutMs = numberOption('closeTimeoutMs', o.closeTimeoutMs, 5000, 0);
    this.#random = functionOption('random', o.random) ?? Math.random;
    this.#fetch = functionOption('fetch', o.fetch);
    this.#onError = functionOption('onError', o.onError);
    this.#now = functionOption('now', o.now) ?? Date.now;
    const hex = o.signatureHex ?? 'upper';
    if (hex !== 'lower' && hex !== 'upper') throw new ArgumentTypeError(`NotificationHub: expected \`signatureHex\` to be 'lower' or 'upper', got ${describeValue(hex)}`, 'ERR_INVALID_ARG_VALUE');
    this.#hexCase = hex;
  }

  /**
   * Registers an endpoint.
   * @returns its REST view, with the Id made up when none was given
   * @throws ArgumentTypeError for a bad definition (see {@link checkEndPoint});
   *   JobGraphError `NOTIFICATION_ENDPOINT_DUPLICATE` when the Id is taken, `NOTIFICATION_HUB_CLOSED` after close()
   */
  registerEndPoint(ep: EndPointInput): NotificationEndPointView {
    if (this.#closed) throw new JobGraphError('NOTIFICATION_HUB_CLOSED', 'NotificationHub.registerEndPoint: the hub is closed; make a new NotificationHub');
    const def = checkEndPoint(ep);
    if (this.#endpoints.has(def.id))
      throw new JobGraphError('NOTIFICATION_ENDPOINT_DUPLICATE', `NotificationHub.registerEndPoint: endpoint ${def.id} is already registered; unregister it first, or leave Id out to have a new one made`);
    const created = this.#now();
    const view = endPointView(def, formatTimeStamp(isValidTimestamp(created) ? created : Date.now()), def.kind === 'webhook' ? (ep as { EndPointAddress: string }).EndPointAddress : '');
    this.#endpoints.set(def.id, { def, view, outbox: new Outbox<Entry>(this.#limit), controller: new AbortController(), busy: false });
    this.#reported.delete(def.id);
    this.#counters(def.id);
    return view;
  }

  /**
   * Removes an endpoint. Its waiting messages are dropped (and counted), a request in flight is
   * aborted. Its stats stay.
   * @returns whether it was registered
   */
  unregisterEndPoint(id: string): boolean {
    const ep = this.#endpoints.get(id);
    if (ep === undefined) return false;
    this.#endpoints.delete(id);
    this.#abandon(ep, new JobGraphError('NOTIFICATION_ENDPOINT_UNREGISTERED', `NotificationHub: endpoint ${id} was unregistered`));
    return true;
  }

  /** The REST view of an endpoint, or `undefined`. */
  endPoint(id: string): NotificationEndPointView | undefined {
    return this.#endpoints.get(id)?.view;
  }

  /** Every registered endpoint, in registration order. */
  endPoints(): NotificationEndPointView[] {
    return Array.from(this.#endpoints.values(), (ep) => ep.view);
  }

  /**
   * Enqueues a TaskStateChange (EventType 4) for the subscriptions that select it. Never throws.
   * @param settled - called once every endpoint chosen has an outcome (delivered, failed or dropped),
   *   with whether some message was dropped; at once when no endpoint is chosen
   */
  taskStateChanged(e: TaskStateInput, subscriptions: readonly TaskNotificationSubscription[], settled?: (dropped: boolean) => void): void {
    this.#send(() => taskStateTargets(e.newState, subscriptions), () => this.#record(4, e.jobId, e.jobName, e.taskId, e.oldState, e.newState, 0, e.timestamp), settled);
  }

  /** Enqueues a TaskProgress (EventType 5) for the subscriptions with IncludeTaskProgress. Never throws. */
  taskProgressed(e: TaskProgressInput, subscriptions: readonly TaskNotificationSubscription[], settled?: (dropped: boolean) => void): void {
    this.#send(() => taskProgressTargets(subscriptions), () => this.#record(5, e.jobId, e.jobName, e.taskId, -1, -1, e.progress, e.timestamp), settled);
  }

  /** Enqueues a JobStateChange (EventType 1) for the subscriptions that select it. Never throws. */
  jobStateChanged(e: JobStateInput, subscriptions: readonly JobNotificationSubscription[], settled?: (dropped: boolean) => void): void {
    this.#send(() => jobStateTargets(e.newState, subscriptions), () => this.#record(1, e.jobId, e.jobName, '', e.oldState, e.newState, 0, e.timestamp), settled);
  }

  /**
   * Enqueues one event for each endpoint chosen (an event goes to an endpoint once). An input that
   * cannot be read (subscriptions that are no array of objects, a name whose toString throws) is
   * reported and its event dropped, `settled(true)` called all the same: a caller waiting on it
   * (a durable engine's outbox row) must not wait for ever.
   */
  #send(choose: () => string[] | undefined, record: () => EventRecord, settled: ((dropped: boolean) => void) | undefined): void {
    let chosen: string[] | undefined;
    let event: EventRecord;
    try {
      chosen = choose();
      if (chosen !== undefined) event = record();
    } catch (err) {
      this.#report(err, '');
      if (settled !== undefined) queueMicrotask(() => this.#settle({ left: 1, dropped: true, settled }, true));
      return;
    }
    if (chosen === undefined) {
      if (settled !== undefined) queueMicrotask(() => this.#settle({ left: 1, dropped: false, settled }, false));
      return;
    }
    const tracker = settled === undefined ? undefined : { left: chosen.length, dropped: false, settled };
    for (const id of chosen) this.#enqueue(id, event!, tracker);
  }

  /**
   * Resolves when every outbox is empty: each message delivered, failed or dropped. Retry timers
   * are unref'd, so a flush() that waits on a retry alone does not keep the process alive; close()
   * does, for `closeTimeoutMs` at most.
   */
  flush(): Promise<void> {
    if (this.#busy === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /**
   * Stops the hub: later events are dropped (and counted), pending messages get up to
   * `closeTimeoutMs` to go out, then requests in flight are aborted, retry timers cleared and what
   * is left dropped. Idempotent: every call returns the same promise. Never rejects.
   */
  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  /** Counters per endpoint id, including unknown and unregistered ids; a copy. */
  stats(): Record<string, NotificationStats> {
    // Made by fromEntries, which defines its keys: an id `__proto__` (a subscription may name any
    // string) is then a key of the answer, where an assignment would have set its prototype.
    return Object.fromEntries([...this.#stats].map(([id, c]) => [id, { ...c }]));
  }

  async #shutdown(): Promise<void> {
    this.#closed = true;
    if (this.#busy > 0 && this.#closeTimeoutMs > 0) {
      const bound = new AbortController();
      // This timer alone keeps the process alive (for closeTimeoutMs at most), so that an awaited
      // close() settles even when all that is left is an unref'd retry timer.
      await Promise.race([this.flush(), sleep(this.#closeTimeoutMs, bound.signal, true)]);
      bound.abort(); // clears the timer
    }
    const reason = new JobGraphError('NOTIFICATION_HUB_CLOSED', 'NotificationHub: the hub was closed');
    for (const ep of this.#endpoints.values()) this.#abandon(ep, reason);
    // Everything in flight now races an aborted signal: this settles within a tick or two.
    await this.flush();
  }

  #record(type: 1 | 4 | 5, jobId: string, jobName: string, taskId: string, oldState: number, newState: number, progress: number, timestamp: number): EventRecord {
    return {
      type,
      jobId: String(jobId),
      jobName: jobName === undefined || jobName === null ? '' : String(jobName),
      taskId: String(taskId),
      oldState,
      newState,
      progress,
      // A timestamp that is no date would make the message unwritable: it is taken as now.
      timestamp: isValidTimestamp(timestamp) ? timestamp : this.#now(),
    };
  }

  #counters(id: string): NotificationStats {
    let c = this.#stats.get(id);
    if (c === undefined) {
      c = { delivered: 0, failed: 0, dropped: 0, pending: 0, retries: 0 };
      this.#stats.set(id, c);
    }
    return c;
  }

  #enqueue(id: string, event: EventRecord, tracker: Tracker | undefined): void {
    const c = this.#counters(id);
    if (this.#closed) {
      c.dropped++;
      this.#settle(tracker, true);
      return;
    }
    const ep = this.#endpoints.get(id);
    if (ep === undefined) {
      c.dropped++;
      if (!this.#reported.has(id)) {
        this.#reported.add(id);
        this.#report(new NotificationEndPointNotFoundError(id), id);
      }
      this.#settle(tracker, true);
      return;
    }
    c.pending++;
    const evicted = ep.outbox.push({ seq: this.#seq++, event, tracker, message: undefined, body: undefined, signature: undefined }, event.type === 5);
    if (evicted !== undefined) {
      c.pending--;
      c.dropped++;
      this.#settle(evicted.tracker, true);
    }
    if (!ep.busy) {
      ep.busy = true;
      this.#busy++;
      // Never in the caller's stack: the first delivery starts once the caller's code has run.
      queueMicrotask(() => void this.#drain(ep));
    }
  }

  #abandon(ep: Endpoint, reason: unknown): void {
    if (!ep.controller.signal.aborted) ep.controller.abort(reason);
    const c = this.#counters(ep.def.id);
    for (let entry = ep.outbox.shift(); entry !== undefined; entry = ep.outbox.shift()) {
      c.pending--;
      c.dropped++;
      this.#settle(entry.tracker, true);
    }
  }

  /** One endpoint's message of a tracked event has its outcome. */
  #settle(tracker: Tracker | undefined, dropped: boolean): void {
    if (tracker === undefined) return;
    if (dropped) tracker.dropped = true;
    if (--tracker.left !== 0) return;
    try {
      tracker.settled(tracker.dropped);
    } catch (err) {
      this.#report(err, '');
    }
  }

  async #drain(ep: Endpoint): Promise<void> {
    const c = this.#counters(ep.def.id);
    try {
      while (!ep.controller.signal.aborted) {
        const entry = ep.outbox.shift();
        if (entry === undefined) break;
        let outcome: Outcome;
        try {
          outcome = await this.#deliver(ep, entry, c);
        } catch (err) {
          // Only a bug of ours gets here (building the message, say): report it with the endpoint.
          this.#report(err, ep.def.id);
          outcome = 'failed';
        }
        c.pending--;
        c[outcome]++;
        this.#settle(entry.tracker, outcome === 'dropped');
      }
    } finally {
      ep.busy = false;
      if (--this.#busy === 0) {
        const waiters = this.#idleWaiters.splice(0);
        for (const w of waiters) w();
      }
    }
  }

  #deliver(ep: Endpoint, entry: Entry, c: NotificationStats): Promise<Outcome> {
    entry.message ??= buildMessage(entry.event, this.#sender, ep.def.id);
    return ep.def.kind === 'callback' ? this.#call(ep, ep.def.callback, entry.message) : this.#post(ep, entry, entry.message, c);
  }

  async #call(ep: Endpoint, callback: CallbackEndPointInput['callback'], message: NotificationMessage): Promise<Outcome> {
    const attempt = new AbortController();
    const linked = (): void => attempt.abort(ep.controller.signal.reason);
    ep.controller.signal.addEventListener('abort', linked, { once: true });
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const result = callback(message, { signal: attempt.signal });
      if (isThenable(result)) {
        timer = setTimeout(() => attempt.abort(timeoutError(this.#requestTimeoutMs)), this.#requestTimeoutMs);
        unref(timer);
        await raceAbort(result, attempt.signal);
      }
      return 'delivered';
    } catch (err) {
      if (ep.controller.signal.aborted) return 'dropped';
      this.#report(
        new NotificationDeliveryError(
          { endpointId: ep.def.id, etag: message.ETag, eventType: message.EventType, attempts: 1, retryable: false, reason: `the callback ${attempt.signal.aborted ? 'timed out' : 'threw'}: ${errorText(err)}` },
          { cause: err },
        ),
        ep.def.id,
      );
      return 'failed';
    } finally {
      clearTimeout(timer);
      ep.controller.signal.removeEventListener('abort', linked);
    }
  }

  async #post(ep: Endpoint, entry: Entry, message: NotificationMessage, c: NotificationStats): Promise<Outcome> {
    const def = ep.def as Extract<CheckedEndPoint, { kind: 'webhook' }>;
    const fetchFn = this.#fetch ?? globalThis.fetch;
    // The exact bytes are kept: a retry sends the same body, signature and ETag.
    const body = (entry.body ??= Buffer.from(JSON.stringify(message), 'utf8'));
    if (def.key !== undefined) entry.signature ??= signature(def.key, body, this.#hexCase);
    const headers = webhookHeaders(this.#sender.accountId, entry.signature);
    for (let attempt = 1; ; attempt++) {
      if (ep.controller.signal.aborted) return 'dropped';
      const one = new AbortController();
      const linked = (): void => one.abort(ep.controller.signal.reason);
      ep.controller.signal.addEventListener('abort', linked, { once: true });
      const timer = setTimeout(() => one.abort(timeoutError(this.#requestTimeoutMs)), this.#requestTimeoutMs);
      unref(timer);
      let status: number | undefined;
      let retry: boolean;
      let retryAfterMs: number | undefined;
      let reason: string;
      let cause: unknown;
      try {
        const res = await raceAbort(fetchFn(def.url, { method: 'POST', headers, body, signal: one.signal, redirect: 'manual' }), one.signal);
        // The answer's body is of no interest; not reading it would hold the connection.
        res.body?.cancel().catch(noop);
        status = res.status;
        const verdict = verdictOf(res.status, res.headers.get('retry-after'), this.#now());
        if (verdict.kind === 'delivered') return 'delivered';
        retry = verdict.kind === 'retry';
        if (verdict.kind === 'retry') retryAfterMs = verdict.retryAfterMs;
        reason = `HTTP ${res.status}${res.statusText ? ' ' + res.statusText : ''}`;
      } catch (err) {
        if (ep.controller.signal.aborted) return 'dropped';
        retry = true; // a network error, or our timeout
        cause = err;
        reason = errorText(err);
      } finally {
        clearTimeout(timer);
        ep.controller.signal.removeEventListener('abort', linked);
      }
      if (!retry || attempt >= this.#maxAttempts) {
        this.#report(
          new NotificationDeliveryError({ endpointId: def.id, etag: message.ETag, eventType: message.EventType, attempts: attempt, status, retryable: retry, reason }, cause === undefined ? undefined : { cause }),
          def.id,
        );
        return 'failed';
      }
      c.retries++;
      const delay = retryAfterMs !== undefined ? Math.min(this.#maxDelayMs, retryAfterMs) : retryDelay(attempt, this.#baseDelayMs, this.#maxDelayMs, this.#random);
      if (delay > 0) await sleep(delay, ep.controller.signal);
    }
  }

  #report(err: unknown, endpointId: string): void {
    const onError = this.#onError;
    if (onError === undefined) return;
    try {
      onError(err, endpointId);
    } catch {
      // onError's own failure has nowhere to go; it must not reach the scheduler's loop.
    }
  }
}

/** The endpoints a task's state change goes to (TargetTaskState 2: all states, 1: final ones), each once; undefined for none. */
export function taskStateTargets(newState: number, subscriptions: readonly TaskNotificationSubscription[]): string[] | undefined {
  if (subscriptions.length === 0) return undefined;
  const chosen = new Chosen();
  const final = isFinalState(newState);
  for (let i = 0; i < subscriptions.length; i++) {
    const s = subscriptions[i]!;
    const target = s.TargetTaskState;
    if (target === 2 || (target === 1 && final)) chosen.add(s.NotificationEndPointId);
  }
  return chosen.ids;
}

/** The endpoints a task's progress goes to (IncludeTaskProgress), each once; undefined for none. */
export function taskProgressTargets(subscriptions: readonly TaskNotificationSubscription[]): string[] | undefined {
  const chosen = new Chosen();
  for (let i = 0; i < subscriptions.length; i++) {
    const s = subscriptions[i]!;
    if (s.IncludeTaskProgress === true) chosen.add(s.NotificationEndPointId);
  }
  return chosen.ids;
}

/** The endpoints a job's state change goes to (TargetJobState 2: all states, 1: final ones), each once; undefined for none. */
export function jobStateTargets(newState: number, subscriptions: readonly JobNotificationSubscription[]): string[] | undefined {
  if (subscriptions.length === 0) return undefined;
  const chosen = new Chosen();
  const final = isFinalState(newState);
  for (let i = 0; i < subscriptions.length; i++) {
    const s = subscriptions[i]!;
    const target = s.TargetJobState;
    if (target === 2 || (target === 1 && final)) chosen.add(s.NotificationEndPointId);
  }
  return chosen.ids;
}

/**
 * The endpoint ids chosen, each once, in the order first named. A scan while few are chosen (the
 * usual one or two), a Set beyond: a task naming 20,000 endpoints took 7 s per event with the scan.
 */
class Chosen {
  ids: string[] | undefined;
  #seen: Set<string> | undefined;

  add(id: string): void {
    const ids = this.ids;
    if (ids === undefined) {
      this.ids = [id];
    } else if (this.#seen === undefined && ids.length < 16) {
      if (!ids.includes(id)) ids.push(id);
    } else {
      this.#seen ??= new Set(ids);
      if (!this.#seen.has(id)) {
        this.#seen.add(id);
        ids.push(id);
      }
    }
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

function timeoutError(ms: number): Error {
  const err = new Error(`no answer within ${ms} ms (requestTimeoutMs)`);
  err.name = 'TimeoutError';
  return err;
}

/** Never throws: a callback or a fetch may fail with anything (a revoked Proxy, a throwing getter). */
function errorText(err: unknown): string {
  try {
    if (err instanceof Error) {
      const cause = err.cause instanceof Error ? ` (${String(err.cause.message)})` : '';
      return `${String(err.message)}${cause}`;
    }
    return String(err);
  } catch {
    return 'a value that cannot be read';
  }
}

function integerOption(name: string, value: number | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (!(Number.isInteger(value) && value >= min)) throw new ArgumentTypeError(`NotificationHub: expected \`${name}\` to be an integer >= ${min}, got ${describeValue(value)}`, 'ERR_INVALID_ARG_VALUE');
  return value;
}

/** The longest delay setTimeout honours (2^31 - 1 ms, about 24.8 days). */
const TIMEOUT_MAX = 2_147_483_647;

/** Header values fetch sends as given: printable ASCII (tabs and spaces included). */
const HEADER_VALUE = /^[\t\x20-\x7e]*$/;

/** A duration in ms, from `min` to {@link TIMEOUT_MAX}. */
function numberOption(name: string, value: number | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (!(typeof value === 'number' && Number.isFinite(value) && value >= min && value <= TIMEOUT_MAX))
    throw new ArgumentTypeError(`NotificationHub: expected \`${name}\` to be a number >= ${min} and <= ${TIMEOUT_MAX} (ms, the longest setTimeout waits), got ${describeValue(value)}`, 'ERR_INVALID_ARG_VALUE');
  return value;
}

function functionOption<F>(name: string, value: F | undefined): F | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'function') throw new ArgumentTypeError(`NotificationHub: expected \`${name}\` to be a function, got ${describeValue(value)}`);
  return value;
}
