import { hostname } from 'node:os';
import { Worker as BullWorker, WaitingError, type ConnectionOptions, type Job as BullJob } from 'bullmq';
import { Redis } from 'ioredis';
import { ArgumentTypeError, checkObject, describeValue } from '../errors.js';
import { MEDIA_PROCESSOR_ID } from '../job/ids.js';
import type { FailureReport, WorkItem, WorkReporter } from '../run/dispatcher.js';
import { InProcessDispatcher } from '../run/in-process-dispatcher.js';
import type { Processor } from '../run/processor.js';
import { warn } from '../run/untrusted.js';
import { WarningThrottle, redisOptions, type RedisConnection } from './connection.js';
import { DEFAULT_PREFIX, cancelChannel, encodeFailure, encodeResult, queueName, type WireProgress, type WireResult } from './wire.js';

export interface WorkerOptions {
  /** Where Redis is: a URL (`redis://host:port`, `unix:///path.sock`) or ioredis options. */
  connection: RedisConnection;
  /** The processors this worker runs, by MediaProcessorId. */
  processors: readonly Processor[];
  /**
   * Attempts run at once from each pool's queue (BullMQ's Worker concurrency is per queue). The
   * pool's slots, set by the orchestrator, bound it across all workers. @defaultValue 8
   */
  concurrency?: number;
  /**
   * The pools whose queues this worker serves. @defaultValue each processor's MediaProcessorId (the
   * orchestrator's pools, unless it was given `poolOf`: then name its pools here)
   */
  pools?: readonly string[];
  /** Prefix of the Redis keys; the orchestrator's must be the same. @defaultValue "jobgraph" */
  prefix?: string;
  /** How this worker is named where a task runs (`explain`, BullMQ's `processedBy`). @defaultValue host:pid */
  name?: string;
  /**
   * How long an attempt's lock lasts without renewal (renewed every half of it while the attempt
   * runs). A worker that dies is noticed after at most `stalledIntervalMs + max(lockDurationMs,
   * stalledIntervalMs)`, and its attempts run again elsewhere. @defaultValue 30000
   */
  lockDurationMs?: number;
  /**
   * How often the queue is checked for attempts whose worker died. BullMQ keeps one check schedule
   * per queue, set by whichever worker checked last: give every worker of a queue the same value
   * (a dead worker's own setting otherwise holds until its schedule runs out). @defaultValue 30000
   */
  stalledIntervalMs?: number;
  /**
   * How many times an attempt may be found stalled and run again before it fails (then the
   * orchestrator's retry policy decides). @defaultValue 1
   */
  maxStalledCount?: number;
}

export interface CloseOptions {
  /**
   * How long running attempts may take to finish. After it, each is aborted and handed back to its
   * queue, to run on another worker. @defaultValue Infinity (wait for them all)
   */
  timeoutMs?: number;
}

/** A worker process's side: takes attempts from the pools' queues and runs them with the processors. */
export interface TaskWorker {
  readonly name: string;
  /** Resolves when every queue's connection is up. */
  readonly ready: Promise<void>;
  /** Attempts running now. */
  readonly running: number;
  /** Takes no more attempts; lets running ones finish (or hands them back after `timeoutMs`); closes the connections. */
  close(options?: CloseOptions): Promise<void>;
}

interface Running {
  job: BullJob;
  token: string | undefined;
  attempt: number;
  resolve: (r: WireResult) => void;
  reject: (e: Error) => void;
  /** Sends to Redis in order (progress, logs): completion waits for it, so nothing arrives after it. */
  chain: Promise<void>;
  /** The last progress not yet sent: reports coalesce while one is in flight. */
  pendingProgress: number | undefined;
  handedBack: boolean;
}

/**
 * Starts a worker: a BullMQ Worker per pool queue, running processors exactly as the in-process
 * engine does (the same InProcessDispatcher runs them here: the same timeouts, result checks and
 * failure codes), and reporting progress, logs, results and failures back through Redis.
 *
 * @example
 * const worker = createWorker({ connection: 'redis://10.0.0.5:6379', processors: [encoder], concurrency: 4 });
 * process.once('SIGTERM', () => worker.close({ timeoutMs: 60_000 }));
 */
export function createWorker(options: WorkerOptions): TaskWorker {
  const o = checkOptions(options);
  const connection = redisOptions(o.connection, 'createWorker');
  const prefix = o.prefix ?? DEFAULT_PREFIX;
  const name = o.name ?? `${hostname()}:${process.pid}`;
  const processors = new Map(o.processors.map((p) => [p.id, p]));
  const pools = o.pools ?? [...processors.keys()];
  const runner = new InProcessDispatcher();
  const warnings = new WarningThrottle(warn);
  const running = new Map<number, Running>();
  let nextLocal = 0;
  let closing: Promise<void> | undefined;
  let handBackAt: number | undefined;
  let handBackTimer: ReturnType<typeof setTimeout> | undefined;
  // Cancels that found no job here: a worker tracks a job (and can abort it) only a round trip
  // after taking it, while the orchestrator can no longer remove it. Kept for a lock's duration.
  const lockMs = o.lockDurationMs ?? 30_000;
  const unclaimed = new Map<string, { reason: string; at: number }>();

  const reporter: WorkReporter = {
    progress(local, _attempt, percent) {
      const r = running.get(local);
      if (!r || typeof percent !== 'number' || !Number.isFinite(percent)) return;
      const busy = r.pendingProgress !== undefined;
      r.pendingProgress = percent;
      if (busy) return;
      r.chain = r.chain.then(async () => {
        const p = r.pendingProgress!;
        r.pendingProgress = undefined;
        await send(r, { p });
      });
    },
    log(local, _attempt, code, message) {
      const r = running.get(local);
      if (!r) return;
      r.chain = r.chain.then(async () => {
        await send(r, { l: [code, message] });
        await r.job.log(`${code}: ${message}`).catch(() => undefined);
      });
    },
    complete(local, _attempt, metadata) {
      const r = running.get(local);
      if (!r) return;
      running.delete(local);
      void r.chain.then(() => r.resolve(encodeResult(metadata)));
    },
    fail(local, _attempt, failure) {
      const r = running.get(local);
      if (!r) return;
      running.delete(local);
      void r.chain.then(() => r.reject(failureError(failure)));
    },
  };
  runner.start(reporter, processors);

  async function send(r: Running, data: WireProgress): Promise<void> {
    try {
      await r.job.updateProgress(data as unknown as number);
    } catch (err) {
      // Progress is best effort: a lost lock or a Redis hiccup must not fail the attempt.
      warn('a worker could not report progress', err);
    }
  }

  async function run(job: BullJob, token: string | undefined, signal: AbortSignal | undefined): Promise<WireResult> {
    const item = readItem(job.data);
    const early = job.id === undefined ? undefined : unclaimed.get(job.id);
    if (early !== undefined) {
      unclaimed.delete(job.id!);
      if (Date.now() - early.at <= lockMs) throw failureError({ code: 'ErrorCancelingTask', message: early.reason, retryable: false });
    }
    const local = ++nextLocal;
    const done = new Promise<WireResult>((resolve, reject) => {
      running.set(local, { job, token, attempt: item.attempt, resolve, reject, chain: Promise.resolve(), pendingProgress: undefined, handedBack: false });
    });
    const r = running.get(local)!;
    const onAbort = () => runner.abort(local, item.attempt, typeof signal?.reason === 'string' ? signal.reason : 'the job was canceled');
    signal?.addEventListener('abort', onAbort, { once: true });
    runner.dispatch({ ...item, serial: local });
    try {
      return await done;
    } catch (err) {
      if (r.handedBack) {
        // Back to waiting, for another worker: BullMQ must neither complete nor fail it.
        await send(r, { l: ['Requeued', `worker ${name} shut down before the task ended: it went back to its queue, and runs again on another worker`] });
        await job.moveToWait(token);
        throw new WaitingError();
      }
      throw err;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  const workers = pools.map(
    (pool) =>
      new BullWorker(queueName(pool), run, {
        connection: connection as ConnectionOptions,
        prefix,
        name,
        concurrency: o.concurrency ?? 8,
        lockDuration: o.lockDurationMs ?? 30_000,
        stalledInterval: o.stalledIntervalMs ?? 30_000,
        maxStalledCount: o.maxStalledCount ?? 1,
      }),
  );
  for (const w of workers) w.on('error', (err) => warnings.warn(`worker ${name}: BullMQ reported an error`, err));

  // Cancel requests go to every worker: only the one running the attempt finds it.
  const subscriber = new Redis(connection);
  subscriber.on('error', (err) => warnings.warn(`worker ${name}: the cancel channel's connection failed`, err));
  subscriber.on('message', (_channel: string, text: string) => {
    let msg: { id?: unknown; reason?: unknown };
    try {
      msg = JSON.parse(text) as typeof msg;
    } catch {
      return;
    }
    if (typeof msg.id !== 'string') return;
    const reason = typeof msg.reason === 'string' ? msg.reason : 'the job was canceled';
    let found = false;
    for (const w of workers) if (w.cancelJob(msg.id, reason)) found = true;
    if (found) return;
    const now = Date.now();
    for (const [id, c] of unclaimed) {
      if (now - c.at <= lockMs) break;
      unclaimed.delete(id);
    }
    unclaimed.delete(msg.id); // set again at the end: the map stays oldest first
    unclaimed.set(msg.id, { reason, at: now });
  });
  const ready = Promise.all([...workers.map((w) => w.waitUntilReady()), subscriber.subscribe(cancelChannel(prefix))]).then(() => undefined);
  ready.catch(() => undefined);

  return {
    name,
    ready,
    get running() {
      return running.size;
    },
    close(closeOptions: CloseOptions = {}) {
      const limit = closeOptions.timeoutMs ?? Infinity;
      if (!(limit >= 0)) return Promise.reject(new ArgumentTypeError(`TaskWorker.close: expected \`timeoutMs\` to be a number >= 0, got ${describeValue(limit)}`));
      // A later call may shorten the wait (a second Ctrl-C): it hands back sooner, and gets the same promise.
      handBackAfter(limit);
      return (closing ??= closeAll());
    },
  };

  function handBack(): void {
    for (const [local, r] of running) {
      if (r.handedBack) continue;
      r.handedBack = true;
      runner.abort(local, r.attempt, `worker ${name} is shutting down: the attempt goes back to its queue`);
    }
  }

  function handBackAfter(limit: number): void {
    if (!Number.isFinite(limit)) return;
    const at = Date.now() + limit;
    if (handBackAt !== undefined && handBackAt <= at) return;
    handBackAt = at;
    clearTimeout(handBackTimer);
    handBackTimer = setTimeout(handBack, limit);
  }

  async function closeAll(): Promise<void> {
    // Stop taking attempts first; BullMQ's close then waits for the running ones.
    await Promise.all(workers.map((w) => w.pause(true).catch(() => undefined)));
    await Promise.all(workers.map((w) => w.close()));
    clearTimeout(handBackTimer);
    await runner.close();
    subscriber.disconnect();
  }
}

function failureError(f: FailureReport): Error {
  const e = new Error(encodeFailure(f));
  e.name = f.code;
  return e;
}

/** The WorkItem a job carries; a job that is not one of ours fails with a reason that says so. */
function readItem(data: unknown): WorkItem {
  const d = data as Partial<WorkItem> | null;
  if (d === null || typeof d !== 'object' || typeof d.taskId !== 'string' || typeof d.mediaProcessorId !== 'string' || !Number.isInteger(d.attempt) || !Array.isArray(d.outputs) || !Array.isArray(d.inputs)) {
    throw new Error(encodeFailure({ code: 'ErrorProcessingTask', message: 'the queue held a job that is not a jobgraph work item', retryable: false }));
  }
  return { ...(d as WorkItem), timeoutMs: typeof d.timeoutMs === 'number' ? d.timeoutMs : undefined };
}

function checkOptions(options: WorkerOptions): WorkerOptions {
  checkObject('createWorker', '`options`', options);
  if (!Array.isArray(options.processors) || options.processors.length === 0) throw new ArgumentTypeError(`createWorker: expected \`processors\` to be a non-empty array, got ${describeValue(options.processors)}`);
  const seen = new Set<string>();
  for (const p of options.processors) {
    if (typeof p !== 'object' || p === null || typeof p.run !== 'function') throw new ArgumentTypeError(`createWorker: every processor needs a run() function, got ${describeValue(p)}`);
    if (typeof p.id !== 'string' || !MEDIA_PROCESSOR_ID.test(p.id)) throw new ArgumentTypeError(`createWorker: expected processor \`id\` to be nb:mpid:UUID:<guid>, got ${describeValue(p.id)}`);
    if (seen.has(p.id)) throw new ArgumentTypeError(`createWorker: two processors have the id ${p.id}`);
    seen.add(p.id);
  }
  const positive = (key: 'concurrency' | 'lockDurationMs' | 'stalledIntervalMs', integer: boolean) => {
    const v = options[key];
    if (v !== undefined && !(typeof v === 'number' && v >= 1 && (integer ? Number.isInteger(v) : Number.isFinite(v)))) {
      throw new ArgumentTypeError(`createWorker: expected \`${key}\` to be ${integer ? 'an integer' : 'a number'} >= 1, got ${describeValue(v)}`);
    }
  };
  positive('concurrency', true);
  positive('lockDurationMs', false);
  positive('stalledIntervalMs', false);
  if (options.maxStalledCount !== undefined && !(Number.isInteger(options.maxStalledCount) && options.maxStalledCount >= 0)) {
    throw new ArgumentTypeError(`createWorker: expected \`maxStalledCount\` to be an integer >= 0, got ${describeValue(options.maxStalledCount)}`);
  }
  if (options.pools !== undefined && !(Array.isArray(options.pools) && options.pools.length > 0 && options.pools.every((p) => typeof p === 'string' && p !== ''))) {
    throw new ArgumentTypeError(`createWorker: expected \`pools\` to be a non-empty array of pool names, got ${describeValue(options.pools)}`);
  }
  if (options.prefix !== undefined && !(typeof options.prefix === 'string' && options.prefix !== '')) throw new ArgumentTypeError(`createWorker: expected \`prefix\` to be a non-empty string, got ${describeValue(options.prefix)}`);
  if (options.name !== undefined && !(typeof options.name === 'string' && options.name !== '')) throw new ArgumentTypeError(`createWorker: expected \`name\` to be a non-empty string, got ${describeValue(options.name)}`);
  return options;
}
