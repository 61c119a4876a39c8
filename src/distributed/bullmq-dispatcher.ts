import { Queue, QueueEvents, type ConnectionOptions, type JobsOptions } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import { ArgumentTypeError, checkObject, describeValue } from '../errors.js';
import type { Dispatcher, DispatcherContext, FailureReport, WorkItem, WorkReporter, WorkLocation } from '../run/dispatcher.js';
import type { Processor } from '../run/processor.js';
import { messageOf, warn } from '../run/untrusted.js';
import { WarningThrottle, describeRedis, redisOptions, type RedisConnection } from './connection.js';
import { PriorityMap } from './priority-map.js';
import { DEFAULT_PREFIX, cancelChannel, decodeFailure, decodeResult, jobIdOf, queueName } from './wire.js';

export interface BullMQDispatcherOptions {
  /** Where Redis is: a URL (`redis://host:port`, `unix:///path.sock`) or ioredis options. */
  connection: RedisConnection;
  /**
   * Prefix of the Redis keys; the workers' must be the same. Give each orchestrator its own: an
   * orchestrator reads every event of its queues, so two on one prefix each read the other's too.
   * @defaultValue "jobgraph"
   */
  prefix?: string;
  /**
   * How long a finished attempt's job stays in Redis. An orchestrator that restarts within it takes
   * in the results that arrived while it was down; after it, an attempt it still waited for runs
   * again. @defaultValue 7 days
   */
  keepFinishedMs?: number;
  /**
   * At most this many finished jobs are kept per queue (the oldest go first), so that Redis stays
   * bounded under heavy load; an orchestrator down while more than this many attempts finished
   * runs the oldest of them again. @defaultValue 100000
   */
  keepFinishedCount?: number;
  /**
   * How often attempts not heard of for that long are looked up in Redis: a completion whose event
   * was missed is taken in, and a job Redis lost (a restart without persistence) is added again.
   * @defaultValue 15000
   */
  checkIntervalMs?: number;
  /** Approximate length of each queue's event stream (BullMQ's default, 10,000, is short for big runs). @defaultValue 100000 */
  eventsMaxLen?: number;
}

/** One attempt handed to Redis, until its report. */
class Attempt {
  settled = false;
  /** Sent to Redis (false while it waits in `pending` or its add is under way). */
  added = false;
  /** In its lane's `pending` (until a flush takes it): abort need not search the array. */
  queued = false;
  /** A look-up in Redis is under way: the periodic check does not send another meanwhile. */
  lookingUp = false;
  /** A cancel that came while the attempt was being added: sent once the add is done. */
  abortReason: string | undefined;
  /** Our own remove is under way: its `removed` event (often read before remove() returns) is ours. */
  removing = false;
  /**
   * Dispatched afresh (not taken up after a restart): its job id cannot be in Redis yet, so one that
   * is was left by an earlier run with the same task id, and must not stand in for this attempt.
   */
  fresh = false;
  /** Redis held an earlier run's job under this id: events are not ours until our add's (the stream keeps their order). */
  stale = false;
  /** Its earlier-run job is being removed: an add that returns meanwhile was the ignored one. */
  replacing = false;
  lastHeard: number;
  constructor(
    readonly id: string,
    readonly serial: number,
    readonly attempt: number,
    readonly lane: Lane,
    readonly item: WorkItem,
    readonly key: readonly [number, number],
    public priority: number,
    readonly since: number,
  ) {
    this.lastHeard = since;
  }
}

/** A pool's queue, its event stream, and the attempts waiting to be added at the end of this turn. */
interface Lane {
  name: string;
  queue: Queue;
  events: QueueEvents | undefined;
  /** Resolves once events are followed (from before the first add) and the pool's slots are set. */
  ready: Promise<void>;
  pending: Attempt[];
  priorities: PriorityMap;
  /** The live attempts holding each key of `priorities` (`task,job`): a renumbering finds its jobs here. */
  byKey: Map<string, Set<Attempt>>;
  /** Attempts added again (reattached or lost): looked up once added. */
  verify: Set<Attempt>;
}

const DAY_MS = 86_400_000;

/** A (task, job) priority key as text, for a lane's `byKey`. */
function keyText(task: number, job: number): string {
  return `${task},${job}`;
}

/**
 * Runs claimed tasks on worker processes through BullMQ on Redis. The Scheduler stays the brain:
 * only attempts that may start now are added, to the queue of their pool, with a job id of task and
 * attempt (a re-dispatch after a crash finds the job already there), the pool's slots as the
 * queue's global concurrency, and the scheduler's order kept through BullMQ priorities. Results,
 * failures, progress and logs come back through each queue's event stream. Delivery is at least
 * once: an attempt whose worker dies runs again elsewhere.
 *
 * @example
 * const engine = await Engine.open({ processors, store: 'jobs.db', dispatcher: new BullMQDispatcher({ connection: 'redis://10.0.0.5:6379' }) });
 */
export class BullMQDispatcher implements Dispatcher {
  readonly #connection: RedisOptions;
  readonly #prefix: string;
  readonly #keepSeconds: number;
  readonly #keepCount: number;
  readonly #checkMs: number;
  readonly #eventsMaxLen: number;
  #reporter: WorkReporter | undefined;
  #slots: Readonly<Record<string, number>> = {};
  #redis: Redis | undefined;
  readonly #lanes = new Map<string, Lane>();
  /** Closing of lanes that failed to open: awaited by close(). */
  readonly #retired = new Set<Promise<void>>();
  readonly #byId = new Map<string, Attempt>();
  readonly #bySerial = new Map<number, Attempt>();
  #flushQueued = false;
  #flushing: Promise<void> = Promise.resolve();
  #checkTimer: ReturnType<typeof setInterval> | undefined;
  #closed = false;
  readonly #warnings = new WarningThrottle(warn);

  constructor(options: BullMQDispatcherOptions) {
    checkObject('BullMQDispatcher', '`options`', options);
    this.#connection = redisOptions(options.connection, 'BullMQDispatcher');
    this.#prefix = options.prefix ?? DEFAULT_PREFIX;
    if (typeof this.#prefix !== 'string' || this.#prefix === '') throw new ArgumentTypeError(`BullMQDispatcher: expected \`prefix\` to be a non-empty string, got ${describeValue(options.prefix)}`);
    const keep = options.keepFinishedMs ?? 7 * DAY_MS;
    if (!(typeof keep === 'number' && keep >= 1000 && Number.isFinite(keep))) throw new ArgumentTypeError(`BullMQDispatcher: expected \`keepFinishedMs\` to be a number of ms >= 1000, got ${describeValue(keep)}`);
    this.#keepSeconds = Math.ceil(keep / 1000);
    this.#keepCount = options.keepFinishedCount ?? 100_000;
    if (!(Number.isInteger(this.#keepCount) && this.#keepCount >= 1)) throw new ArgumentTypeError(`BullMQDispatcher: expected \`keepFinishedCount\` to be an integer >= 1, got ${describeValue(options.keepFinishedCount)}`);
    this.#checkMs = options.checkIntervalMs ?? 15_000;
    if (!(typeof this.#checkMs === 'number' && this.#checkMs >= 10 && Number.isFinite(this.#checkMs))) throw new ArgumentTypeError(`BullMQDispatcher: expected \`checkIntervalMs\` to be a number of ms >= 10, got ${describeValue(options.checkIntervalMs)}`);
    this.#eventsMaxLen = options.eventsMaxLen ?? 100_000;
    if (!(Number.isInteger(this.#eventsMaxLen) && this.#eventsMaxLen >= 100)) throw new ArgumentTypeError(`BullMQDispatcher: expected \`eventsMaxLen\` to be an integer >= 100, got ${describeValue(options.eventsMaxLen)}`);
  }

  /** Where Redis is, for messages (never the password). */
  get location(): string {
    return describeRedis(this.#connection);
  }

  start(reporter: WorkReporter, _processors: ReadonlyMap<string, Processor>, context?: DispatcherContext): void {
    this.#reporter = reporter;
    this.#slots = context?.pools ?? {};
    this.#redis = new Redis(this.#connection);
    this.#redis.on('error', (err) => this.#warnings.warn(`BullMQDispatcher: Redis at ${this.location}`, err));
    this.#checkTimer = setInterval(() => void this.#check(), this.#checkMs);
    this.#checkTimer.unref?.();
  }

  dispatch(item: WorkItem): void {
    this.#track(item, false);
  }

  /**
   * Takes up an attempt a previous process dispatched: added again (a no-op when its job is still
   * in Redis), then looked up: a result that arrived meanwhile is reported, a job still waiting or
   * running is followed, and one Redis no longer has runs again.
   */
  reattach(item: WorkItem): void {
    this.#track(item, true);
  }

  #track(item: WorkItem, verify: boolean): void {
    if (this.#reporter === undefined) throw new Error('BullMQDispatcher.dispatch: start() was not called');
    if (this.#closed) throw new Error('BullMQDispatcher.dispatch: the dispatcher is closed');
    const lane = this.#lane(item.pool ?? item.mediaProcessorId);
    const key = [item.priority ?? 0, item.jobPriority ?? 0] as const;
    const { priority, renumbered } = lane.priorities.acquire(key[0], key[1]);
    const a = new Attempt(jobIdOf(item.taskId, item.attempt), item.serial, item.attempt, lane, item, key, priority, Date.now());
    a.fresh = !verify;
    const before = this.#bySerial.get(item.serial);
    if (before !== undefined) this.#drop(before);
    this.#byId.set(a.id, a);
    this.#bySerial.set(a.serial, a);
    if (verify) lane.verify.add(a);
    const k = keyText(key[0], key[1]);
    let holders = lane.byKey.get(k);
    if (holders === undefined) lane.byKey.set(k, (holders = new Set()));
    holders.add(a);
    this.#enqueue(a);
    if (renumbered.length > 0) void this.#reprioritize(lane, renumbered);
    if (!this.#flushQueued) {
      this.#flushQueued = true;
      // At the end of this turn: after the engine's journal has written the claims (it was
      // scheduled first), and with every task of the turn in one addBulk per queue.
      setImmediate(() => {
        this.#flushQueued = false;
        this.#flushing = this.#flushing.then(() => this.#flush());
      });
    }
  }

  #lane(pool: string): Lane {
    let lane = this.#lanes.get(pool);
    if (lane !== undefined) return lane;
    const name = queueName(pool);
    const queue = new Queue(name, { connection: this.#connection as ConnectionOptions, prefix: this.#prefix, streams: { events: { maxLen: this.#eventsMaxLen } } });
    queue.on('error', (err) => this.#warnings.warn(`BullMQDispatcher: queue ${name}`, err));
    lane = { name, queue, events: undefined, ready: Promise.resolve(), pending: [], priorities: new PriorityMap(), byKey: new Map(), verify: new Set() };
    const l = lane;
    l.ready = this.#open(l, pool);
    l.ready.catch((err: unknown) => {
      // A Redis error while opening (OOM, MISCONF, a failover) may pass: the pool's next dispatch
      // opens a fresh queue rather than being refused for the engine's lifetime.
      if (this.#lanes.get(pool) === l) this.#lanes.delete(pool);
      const stranded = l.pending;
      l.pending = [];
      for (const a of stranded) a.queued = false;
      for (const a of stranded) this.#refuse(a, `the dispatcher could not open queue ${l.name} on Redis at ${this.location}: ${messageOf(err)}`);
      this.#retired.add(Promise.all([l.events?.close(), l.queue.close()]).then(() => undefined, () => undefined));
    });
    this.#lanes.set(pool, l);
    return l;
  }

  async #open(lane: Lane, pool: string): Promise<void> {
    // Follow the event stream from its newest entry as it is now, before anything is added or looked
    // up: a completion between the lookup and the first read is then not missed. ('$' would be.)
    const stream = `${this.#prefix}:${lane.name}:events`;
    const newest = (await this.#redis!.xrevrange(stream, '+', '-', 'COUNT', 1))[0]?.[0] ?? '0-0';
    const events = new QueueEvents(lane.name, { connection: this.#connection as ConnectionOptions, prefix: this.#prefix, lastEventId: newest });
    lane.events = events;
    events.on('error', (err) => this.#warnings.warn(`BullMQDispatcher: events of queue ${lane.name}`, err));
    events.on('completed', ({ jobId, returnvalue }) => this.#completed(jobId, returnvalue));
    events.on('failed', ({ jobId, failedReason }) => this.#failed(jobId, failedReason));
    events.on('progress', ({ jobId, data }) => this.#progress(jobId, data));
    events.on('active', ({ jobId }) => this.#heard(jobId));
    events.on('stalled', ({ jobId }) => this.#stalled(jobId));
    events.on('removed', ({ jobId }) => this.#removed(jobId));
    events.on('duplicated', ({ jobId }) => this.#duplicated(jobId));
    events.on('added', ({ jobId }) => this.#added(jobId));
    await events.waitUntilReady();
    const slots = this.#slots[pool];
    if (slots !== undefined && Number.isFinite(slots)) await lane.queue.setGlobalConcurrency(slots);
    else await lane.queue.removeGlobalConcurrency();
  }

  async #flush(): Promise<void> {
    const work: Promise<void>[] = [];
    for (const lane of this.#lanes.values()) {
      if (lane.pending.length === 0) continue;
      const batch = lane.pending;
      lane.pending = [];
      for (const a of batch) a.queued = false;
      work.push(this.#add(lane, batch));
    }
    await Promise.all(work);
  }

  async #add(lane: Lane, batch: Attempt[]): Promise<void> {
    try {
      await lane.ready;
    } catch (err) {
      for (const a of batch) this.#refuse(a, `the dispatcher could not open queue ${lane.name} on Redis at ${this.location}: ${messageOf(err)}`);
      return;
    }
    const live = batch.filter((a) => !a.settled);
    if (live.length === 0) return;
    const opts = (a: Attempt): JobsOptions => ({
      jobId: a.id,
      priority: a.priority,
      attempts: 1,
      removeOnComplete: { age: this.#keepSeconds, count: this.#keepCount },
      removeOnFail: { age: this.#keepSeconds, count: this.#keepCount },
    });
    try {
      // addBulk wraps its adds in a transaction: measured here, one job alone costs 2.2× a plain
      // add (177 µs of CPU against 79); from about 8 jobs on, the two cost the same.
      if (live.length < 8) await Promise.all(live.map((a) => lane.queue.add('task', a.item, opts(a))));
      else await lane.queue.addBulk(live.map((a) => ({ name: 'task', data: a.item, opts: opts(a) })));
    } catch (err) {
      for (const a of live) this.#refuse(a, `Redis at ${this.location} refused the task: ${messageOf(err)}`);
      return;
    }
    for (const a of live) {
      if (a.replacing) continue;
      a.added = true;
      if (a.abortReason !== undefined) void this.#cancel(a, a.abortReason);
      else if (lane.verify.delete(a)) void this.#lookUp(a);
    }
  }

  /** Reads an attempt's job in Redis and acts on what it finds. */
  async #lookUp(a: Attempt): Promise<void> {
    // Looked up long after our add: what Redis holds under the id is ours.
    a.stale = false;
    let state: string;
    a.lookingUp = true;
    try {
      state = await a.lane.queue.getJobState(a.id);
      if (a.settled) return;
      if (state === 'completed' || state === 'failed') {
        const job = await a.lane.queue.getJob(a.id);
        if (a.settled) return;
        if (job === undefined) state = 'unknown';
        else if (state === 'completed') return this.#completed(a.id, job.returnvalue);
        else return this.#failed(a.id, job.failedReason);
      }
    } catch (err) {
      warn(`BullMQDispatcher: looking up job ${a.id} in Redis failed (tried again in ${this.#checkMs} ms)`, err);
      return;
    } finally {
      a.lookingUp = false;
    }
    a.lastHeard = Date.now();
    if (state === 'unknown') {
      this.#reporter!.log(a.serial, a.attempt, 'Requeued', `Redis at ${this.location} no longer had the task's job (restarted without persistence, or the job was removed): it was added again, and runs again`);
      a.added = false;
      a.lane.verify.add(a);
      this.#enqueue(a);
      this.#flushing = this.#flushing.then(() => this.#flush());
    }
  }

  /** Looks up attempts not heard of for a while: a missed event, or a job Redis lost. */
  async #check(): Promise<void> {
    const quiet = Date.now() - this.#checkMs;
    // Not one whose look-up is still under way: while Redis does not answer (a restart, a failover),
    // each check queued another command per attempt, without bound (100 attempts and a 10 ms
    // interval: 5,000 commands in half a second of outage).
    const due = [...this.#byId.values()].filter((a) => a.added && !a.settled && !a.lookingUp && a.lastHeard <= quiet);
    await Promise.all(due.map((a) => this.#lookUp(a)));
  }

  async #reprioritize(lane: Lane, renumbered: ReadonlyArray<{ task: number; job: number; priority: number }>): Promise<void> {
    // The holders of each moved key, not a scan of every attempt in flight: a run of 40,000 tasks of
    // distinct priorities, renumbering a few keys every few dispatches, took 47 s to dispatch.
    const moved: Attempt[] = [];
    for (const r of renumbered) {
      for (const a of lane.byKey.get(keyText(r.task, r.job)) ?? []) {
        if (a.settled) continue;
        a.priority = r.priority;
        if (a.added) moved.push(a);
      }
    }
    await lane.ready.catch(() => undefined);
    for (const a of moved) {
      try {
        const job = await lane.queue.getJob(a.id);
        // A job already running or finished keeps its number: the order only matters while waiting.
        if (job !== undefined && (await job.isWaiting())) await job.changePriority({ priority: a.priority });
      } catch {
        // It started meanwhile.
      }
    }
  }

  #settle(id: string): Attempt | undefined {
    const a = this.#byId.get(id);
    if (a === undefined || a.settled || a.stale) return undefined;
    this.#drop(a);
    return a;
  }

  #drop(a: Attempt): void {
    a.settled = true;
    if (this.#byId.get(a.id) === a) this.#byId.delete(a.id);
    if (this.#bySerial.get(a.serial) === a) this.#bySerial.delete(a.serial);
    a.lane.verify.delete(a);
    a.lane.priorities.release(a.key[0], a.key[1]);
    const k = keyText(a.key[0], a.key[1]);
    const holders = a.lane.byKey.get(k);
    if (holders !== undefined && holders.delete(a) && holders.size === 0) a.lane.byKey.delete(k);
  }

  #refuse(a: Attempt, message: string): void {
    if (a.settled) return;
    this.#drop(a);
    this.#report(() => this.#reporter!.fail(a.serial, a.attempt, { code: 'ErrorProcessingTask', message, retryable: true }));
  }

  #completed(id: string, returnvalue: unknown): void {
    const a = this.#settle(id);
    if (a === undefined) return;
    const metadata = decodeResult(returnvalue);
    if (metadata === undefined) {
      this.#report(() => this.#reporter!.fail(a.serial, a.attempt, { code: 'ErrorProcessingTask', message: `the job completed with a value that is not a jobgraph result: ${describeValue(returnvalue)} (is the worker jobgraph's?)`, retryable: false }));
      return;
    }
    // Our workers check this (as in-process); a worker that is not ours may not.
    const stray = this.#strayOutput(a, metadata);
    if (stray !== undefined) {
      this.#report(() => this.#reporter!.fail(a.serial, a.attempt, { code: 'ErrorProcessingTask', message: `the job completed with metadata for output ${stray}, which is not one of the task's outputs (is the worker jobgraph's?)`, retryable: false }));
      return;
    }
    this.#report(() => this.#reporter!.complete(a.serial, a.attempt, metadata));
  }

  #strayOutput(a: Attempt, metadata: ReadonlyMap<number, unknown>): number | undefined {
    if (metadata.size === 0) return undefined;
    const indices = new Set(a.item.outputs.map((o) => o.index));
    for (const k of metadata.keys()) if (!indices.has(k)) return k;
    return undefined;
  }

  #failed(id: string, reason: unknown): void {
    const a = this.#settle(id);
    if (a === undefined) return;
    const failure: FailureReport = decodeFailure(reason);
    this.#report(() => this.#reporter!.fail(a.serial, a.attempt, failure));
  }

  #progress(id: string, data: unknown): void {
    const a = this.#byId.get(id);
    if (a === undefined || a.stale) return;
    a.lastHeard = Date.now();
    if (typeof data === 'number') return this.#report(() => this.#reporter!.progress(a.serial, a.attempt, data));
    if (data === null || typeof data !== 'object') return;
    const d = data as { p?: unknown; l?: unknown };
    if (typeof d.p === 'number') this.#report(() => this.#reporter!.progress(a.serial, a.attempt, d.p as number));
    else if (Array.isArray(d.l) && typeof d.l[0] === 'string') {
      const [code, message] = d.l as [string, unknown];
      this.#report(() => this.#reporter!.log(a.serial, a.attempt, code, typeof message === 'string' ? message : ''));
    }
  }

  #heard(id: string): void {
    const a = this.#byId.get(id);
    if (a !== undefined) a.lastHeard = Date.now();
  }

  #stalled(id: string): void {
    const a = this.#byId.get(id);
    if (a === undefined || a.stale) return;
    a.lastHeard = Date.now();
    this.#report(() =>
      this.#reporter!.log(a.serial, a.attempt, 'Requeued', 'the worker running the task stopped renewing its lock (killed, crashed, or blocked longer than the lock lasts): the task went back to its queue and runs again on another worker'),
    );
  }

  #removed(id: string): void {
    // Removed by someone else; our own removal reports itself once remove() returns.
    if (this.#byId.get(id)?.removing === true) return;
    const a = this.#settle(id);
    if (a === undefined) return;
    this.#report(() => this.#reporter!.fail(a.serial, a.attempt, { code: 'ErrorProcessingTask', message: `the task's job was removed from queue ${a.lane.name} before it ended`, retryable: true }));
  }

  /**
   * A fresh attempt's add found a job with its id, left by an earlier run of a task with the same id
   * (task Ids given again after `forget`, or to an engine without a store): BullMQ ignored the add,
   * and that job's result would be taken for this attempt's. It is removed and ours added; one still
   * running elsewhere cannot be removed: the attempt fails (retryable), and the next has a new id.
   */
  #duplicated(id: string): void {
    const a = this.#byId.get(id);
    if (a === undefined || a.settled || !a.fresh || a.stale) return;
    a.fresh = false;
    a.stale = true;
    a.added = false;
    a.replacing = true;
    void this.#replace(a);
  }

  #added(id: string): void {
    const a = this.#byId.get(id);
    if (a !== undefined && a.stale) a.stale = false;
  }

  async #replace(a: Attempt): Promise<void> {
    let removed = 0;
    a.removing = true;
    try {
      removed = await a.lane.queue.remove(a.id);
    } catch {
      // Locked: running on a worker.
    } finally {
      a.removing = false;
      a.replacing = false;
    }
    if (a.settled) return;
    if (removed !== 1) {
      this.#refuse(a, `queue ${a.lane.name} already held a job with this attempt's id (${a.id}), running for an earlier run of a task with the same id; this attempt did not start`);
      return;
    }
    this.#enqueue(a);
    this.#flushing = this.#flushing.then(() => this.#flush());
  }

  #enqueue(a: Attempt): void {
    a.queued = true;
    a.lane.pending.push(a);
  }

  #report(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      warn('BullMQDispatcher: reporting to the engine failed', err);
    }
  }

  abort(serial: number, attempt: number, reason: string): void {
    const a = this.#bySerial.get(serial);
    if (a === undefined || a.attempt !== attempt || a.settled) return;
    if (a.queued && !a.lane.verify.has(a)) {
      // Still in this turn's batch: it never reaches Redis (the flush skips it, settled). Not searched
      // for and spliced out: a job of 200,000 tasks canceled in the turn it was submitted took 20 s.
      this.#drop(a);
      this.#report(() => this.#reporter!.fail(serial, attempt, { code: 'ErrorCancelingTask', message: reason, retryable: false }));
      return;
    }
    // Being added, or taken up after a restart (it may run on a worker): canceled once in Redis.
    if (!a.added) a.abortReason = reason;
    else void this.#cancel(a, reason);
  }

  async #cancel(a: Attempt, reason: string): Promise<void> {
    // A job still waiting is removed (BullMQ refuses to remove a running one: it is locked); a
    // running one is told through the cancel channel, and its worker aborts the processor's signal.
    a.removing = true;
    try {
      if ((await a.lane.queue.remove(a.id)) === 1) {
        if (a.settled) return;
        this.#drop(a);
        this.#report(() => this.#reporter!.fail(a.serial, a.attempt, { code: 'ErrorCancelingTask', message: reason, retryable: false }));
        return;
      }
    } catch {
      // Running: locked.
    } finally {
      a.removing = false;
    }
    if (a.settled) return;
    try {
      await this.#redis!.publish(cancelChannel(this.#prefix), JSON.stringify({ id: a.id, reason }));
    } catch (err) {
      warn(`BullMQDispatcher: sending a cancel request for job ${a.id} failed (the engine abandons the task after its grace period)`, err);
    }
  }

  abandon(serial: number, attempt: number): void {
    const a = this.#bySerial.get(serial);
    if (a === undefined || a.attempt !== attempt || a.settled) return;
    this.#drop(a);
  }

  /** Where an attempt is: the worker running it and since when, or its queue while it waits. */
  async locate(serial: number, attempt: number): Promise<WorkLocation | undefined> {
    const a = this.#bySerial.get(serial);
    if (a === undefined || a.attempt !== attempt) return undefined;
    const queued: WorkLocation = { where: `queue ${a.lane.name} on Redis at ${this.location}`, since: a.since, running: false };
    if (!a.added) return queued;
    const job = await a.lane.queue.getJob(a.id);
    if (job === undefined) return queued;
    if (job.processedBy && job.processedOn !== undefined && job.finishedOn === undefined) return { where: `worker ${job.processedBy}`, since: job.processedOn, running: true };
    return { ...queued, since: job.timestamp };
  }

  /**
   * Sends what was dispatched to Redis and closes the connections. Nothing running on a worker is
   * stopped: an engine that stops (and opens its store again later) takes its attempts up again.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#checkTimer);
    await this.#flushing;
    await this.#flush();
    const lanes = [...this.#lanes.values()].map(async (lane) => {
      await lane.ready.catch(() => undefined);
      await Promise.all([lane.events?.close(), lane.queue.close()]);
    });
    await Promise.all([...lanes, ...this.#retired]);
    this.#redis?.disconnect();
  }
}
