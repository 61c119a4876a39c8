import { ArgumentTypeError, ValidationError, checkObject, describeValue } from '../errors.js';
import { MEDIA_PROCESSOR_ID } from '../job/ids.js';
import { TaskState, isFinalState } from '../job/enums.js';
import type { Job, Task, TaskOutputAsset } from '../job/model.js';
import { readTasks } from '../job/load.js';
import { Scheduler, type RerunOptions, type SchedulerOptions, type SubmitOptions } from '../scheduler/scheduler.js';
import type { TaskView } from '../scheduler/views.js';
import { inMicrotask } from '../scheduler/microtask.js';
import { SchedulerError } from '../scheduler/errors.js';
import type { Explanation, JobStateChange, JobView, TaskClaim, TaskProgressEvent, TaskStateChange } from '../scheduler/views.js';
import type { Claim } from '../scheduler/claim.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { isValidationResult, validateJob, type Profile, type ValidationResult } from '../validate/validate.js';
import type { IdFactory } from '../job/ids.js';
import type { Dispatcher, FailureReport, WorkItem, WorkLocation, WorkReporter } from './dispatcher.js';
import { InProcessDispatcher } from './in-process-dispatcher.js';
import { processorInfo, unknownProcessors, type MediaProcessorInfo, type Processor, type ResolvedInput } from './processor.js';
import { backoffDelay, type RetryOptions } from './backoff.js';
import { NotificationHub, type NotificationHubOptions } from './notifications/index.js';
import { jobStateTargets, taskProgressTargets, taskStateTargets } from './notifications/hub.js';
import { describeUntrusted, messageOf, textOf, warn } from './untrusted.js';
import { RunJournal, type OutboxRecord } from './durable.js';
import type { RunStore } from '../store/run-store.js';
import { StoreError } from '../store/run-store.js';
import { RECORD_PREFIX, openStore, recoverRun, type Recovered } from './recover.js';

export interface EngineOptions extends Pick<SchedulerOptions, 'concurrency' | 'pools' | 'poolOf' | 'failFast' | 'now' | 'ids' | 'profile' | 'policy' | 'rateLimits'> {
  /** The processors tasks may name, by MediaProcessorId. */
  processors: readonly Processor[];
  /** Where claimed tasks run. @defaultValue an in-process dispatcher on p-queue */
  dispatcher?: Dispatcher;
  /** Retries of retryable failures: attempts, capped exponential backoff with jitter. */
  retry?: RetryOptions;
  /**
   * Keeps the engine (and its store) bounded over months: jobs ended more than `endedJobsMs` ago
   * are forgotten, as by {@link Engine.forget}. Checked every minute (or every `endedJobsMs`, when
   * shorter). @defaultValue ended jobs are kept until forgotten
   */
  retention?: { endedJobsMs: number };
  /**
   * Time limit per task in ms (a processor's own `timeoutMs` wins), or a function of the task that
   * returns one (undefined or Infinity for no limit). A function that throws or returns anything
   * else fails the task with `ErrorProcessingTask` saying so, rather than running it unlimited.
   */
  timeoutMs?: number | ((task: Task, job: Job) => number | undefined);
  /** How long a canceled task may take to stop before it is abandoned and its result discarded. @defaultValue 5000 */
  cancelGraceMs?: number;
  /**
   * Where the notifications of jobs' and tasks' subscriptions go: a hub of yours (its endpoints
   * registered by you), or options for the engine's own hub (`engine.notifications`).
   */
  notifications?: NotificationHub | NotificationHubOptions;
}

/** Options of {@link Engine.open}: those of an Engine, and where its runs are kept. */
export interface EngineOpenOptions extends EngineOptions {
  /**
   * Where accepted jobs and every change are kept: a file path (an SQLite store, created when
   * missing) or a {@link RunStore} of yours. A store given as an object stays yours to close; a
   * path is closed by `engine.close()`. Without it, nothing is kept (as `new Engine`).
   */
  store?: string | RunStore;
  /**
   * For a store given as a path: `normal` (the default) keeps every committed change through a
   * crash or kill of the process; `full` also through a power loss or OS crash, at an fsync per
   * transaction.
   */
  synchronous?: 'normal' | 'full';
}

/** {@link Scheduler.explain}'s answer, and for a running task where it runs and since when. */
export interface EngineExplanation extends Explanation {
  runsOn?: { where: string; since: string; running: boolean };
}

/** What {@link Engine.open} found in its store and did about it. */
export interface RecoveryReport {
  /** Jobs read back, and how many of them had not ended. */
  jobs: number;
  running: number;
  tasks: number;
  /** Tasks that were Processing when the last process stopped: back to Scheduled, to run again. */
  requeued: number;
  /**
   * Tasks that were Processing or Canceling and whose dispatcher runs work elsewhere (on worker
   * machines): followed where they run, not run again. Canceling ones are asked to stop again.
   */
  reattached: number;
  /** Tasks that were being canceled: now Canceled. */
  canceled: number;
  /** Retry backoffs that go on with their remaining delay. */
  backoffs: number;
  /** Notifications recorded but not marked sent: sent again. */
  resent: number;
  /** Options that differ from the ones the store was last run with (the new ones are used). */
  changedOptions: string[];
}

type EngineEvents = { taskStateChange: TaskStateChange; taskProgress: TaskProgressEvent; jobStateChange: JobStateChange };

/** A submitted job, as the engine runs it. */
export interface JobHandle {
  readonly id: string;
  /** Resolves with the final job view, whatever its state; never rejects. */
  readonly done: Promise<JobView>;
  /** Cancels the job (a no-op once it has ended). */
  cancel(): void;
  /** Subscribes to this job's events; returns the unsubscribe function. */
  on<K extends keyof EngineEvents>(event: K, listener: (e: EngineEvents[K]) => void): () => void;
  /** The job's current view. */
  view(): JobView;
}

/** A task the engine has handed to its dispatcher, and has not heard the end of: its {@link Work}. */
type Inflight = Work;

const EVENT_NAMES = ['taskStateChange', 'taskProgress', 'jobStateChange'] as const;

interface JobEntry {
  resolve: (v: JobView) => void;
  done: Promise<JobView>;
  /** Made by the first `on()`: most jobs get none. */
  listeners: { [K in keyof EngineEvents]: Array<(e: EngineEvents[K]) => void> } | undefined;
  /**
   * The job's events since its submit, kept until the end of the synchronous turn that submitted
   * it, so that a listener attached right after `submit()` gets them too; undefined after it.
   */
  early: Array<{ [K in keyof EngineEvents]: [K, EngineEvents[K]] }[keyof EngineEvents]> | undefined;
}

/**
 * Runs jobs end to end: the {@link Scheduler} decides what may start; the engine hands each claimed
 * task to its processor through a {@link Dispatcher}, reports progress, completion and failure back,
 * retries what may be retried, and cancels on request. It never leaves a promise rejection unhandled.
 *
 * @example
 * const engine = new Engine({ processors: [encoder, packager], concurrency: 4 });
 * const job = engine.submit(definition);
 * const final = await job.done;   // JobView, State 3 (Finished) when all went well
 */
export class Engine {
  readonly scheduler: Scheduler;
  /** The notification hub: register endpoints here; subscriptions in job definitions name them. */
  readonly notifications: NotificationHub;
  readonly #ownHub: boolean;
  readonly #profile: Profile;
  readonly #ids: IdFactory | undefined;
  readonly #dispatcher: Dispatcher;
  readonly #processors = new Map<string, Processor>();
  readonly #retry: Required<RetryOptions>;
  readonly #timeoutMs: EngineOptions['timeoutMs'];
  readonly #graceMs: number;
  /** The scheduler's failFast for a job whose submit does not say (a store records it at submit). */
  readonly #failFast: boolean;
  readonly #inflight = new Map<number, Inflight>();
  readonly #following = new Set<keyof EngineEvents>(['jobStateChange']);
  readonly #backoffTimers = new Set<ReturnType<typeof setTimeout>>();
  readonly #jobs = new Map<string, JobEntry>();
  /** Output metadata by producing task id and output index. */
  readonly #outputs = new Map<string, ReadonlyMap<number, unknown>>();
  /** The embedder's records ({@link Engine.setRecord}), by key. */
  readonly #records = new Map<string, string>();
  #pumping = false;
  #pumpAgain = false;
  readonly #now: () => number;
  #rateTimer: ReturnType<typeof setTimeout> | undefined;
  #rateTimerAt = Infinity;
  /** Jobs submitted in this synchronous turn (their entries keep their early events); undefined when none. */
  #earlyJobs: JobEntry[] | undefined;
  /**
   * The task state changes of this turn while task events are not followed, four numbers each
   * (serial, old state, new state, time), as the scheduler's observer gives them: made into events
   * for the jobs that keep theirs only if the engine starts following them in this turn. Most turns
   * never do, and a submit of many jobs then makes no object per change.
   */
  #earlyStates: number[] = [];
  readonly #recordState = (serial: number, oldState: number, newState: number, timestamp: number): void => {
    this.#earlyStates.push(serial, oldState, newState, timestamp);
  };
  #closed = false;
  /** Writes every change to the store; undefined for an engine without one. */
  #journal: RunJournal | undefined;
  #ownStore = false;
  #stopping: Promise<void> | undefined;
  #retention: ReturnType<typeof setInterval> | undefined;
  /** Re-sends the notifications a recovered store held unsent; undefined once done. */
  #resend: (() => void) | undefined;
  /** What {@link Engine.open} found; undefined for `new Engine`. */
  recovery: RecoveryReport | undefined;

  /** Set by {@link Engine.open} around its `new Engine`: the scheduler rebuilt from the store. */
  static #recovered: Recovered | undefined;

  /**
   * Opens an engine on a store: everything the store holds comes back. Ended jobs are there to
   * query; running jobs go on; tasks that were Processing when the last process stopped go back to
   * Scheduled with a `Requeued` event and run again (the lost attempt is not counted); retry
   * backoffs resume with their remaining delay; notifications recorded but not sent are sent.
   * Functions (`poolOf`, a policy's `key`, processors) are not stored: pass them again. Options
   * that differ from those the store last ran with are used and reported (a warning, and
   * `engine.recovery.changedOptions`).
   * @throws StoreError `STORE_CORRUPT`, `STORE_FOREIGN`, `STORE_VERSION`, `STORE_LOCKED`,
   *   `STORE_UNAVAILABLE`: the file is left as it was
   */
  static async open(options: EngineOpenOptions): Promise<Engine> {
    checkObject('Engine.open', '`options`', options);
    const { store: where, synchronous, ...rest } = options;
    if (where === undefined) return new Engine(rest);
    // The options first, the scheduler's too: a bad one must not create (or lock) a store file.
    checkEngineOptions(rest, 'Engine.open');
    new Scheduler(schedulerOptionsOf(rest, checkRetry(rest.retry ?? {})));
    const store = openStore(where, synchronous);
    const owned = typeof where === 'string';
    let engine: Engine;
    try {
      const retry = checkRetry(rest.retry ?? {});
      Engine.#recovered = recoverRun(store, schedulerOptionsOf(rest, retry), rest);
      engine = new Engine(rest);
    } catch (err) {
      if (owned) store.close();
      throw err;
    } finally {
      Engine.#recovered = undefined;
    }
    engine.#ownStore = owned;
    return engine;
  }

  constructor(options: EngineOptions) {
    checkEngineOptions(options, 'Engine');
    for (const p of options.processors) this.#processors.set(p.id, p);
    this.#graceMs = options.cancelGraceMs ?? 5000;
    this.#failFast = options.failFast ?? false;
    this.#now = options.now ?? Date.now;
    this.#timeoutMs = options.timeoutMs;
    this.#retry = checkRetry(options.retry ?? {});
    const keep = options.retention?.endedJobsMs;
    this.#profile = options.profile ?? 'relaxed';
    this.#ids = options.ids;
    const recovered = Engine.#recovered;
    Engine.#recovered = undefined;
    this.scheduler = recovered?.scheduler ?? new Scheduler(schedulerOptionsOf(options, this.#retry));
    this.#dispatcher = options.dispatcher ?? new InProcessDispatcher();
    this.#dispatcher.start(this.#reporter, this.#processors, { pools: { ...(options.pools ?? {}) } });
    this.#ownHub = !(options.notifications instanceof NotificationHub);
    this.notifications = options.notifications instanceof NotificationHub ? options.notifications : new NotificationHub(options.notifications ?? {});
    // Job states are few: always followed. Task events are many: followed only once someone listens
    // or a job subscribes to notifications.
    this.scheduler.on('jobStateChange', (e) => {
      this.#forward('jobStateChange', e.jobId, e);
      const job = this.scheduler.jobModel(e.jobId);
      if (job.JobNotificationSubscriptions.length > 0) {
        this.#notify({ k: 'job', i: { jobId: e.jobId, jobName: job.Name, oldState: e.oldState, newState: e.newState, timestamp: e.timestamp }, s: job.JobNotificationSubscriptions });
      }
      if (isFinalState(e.newState)) this.#finishJob(e.jobId);
    });
    if (recovered) {
      try {
        this.#resume(recovered);
      } catch (err) {
        // Engine.open closes the store next: nothing may write to it, or retry writing, after.
        this.#journal?.abandon();
        this.#closed = true;
        throw err;
      }
    }
    if (keep !== undefined) {
      this.#retention = setInterval(() => this.#sweep(keep), Math.max(10, Math.min(keep, 60_000)));
      this.#retention.unref?.();
      this.#sweep(keep);
    }
  }

  /** Takes up a recovered run: journal on, lost attempts requeued, backoffs and notifications resumed. */
  #resume(r: Recovered): void {
    // From the first row the store did not give: recovery itself logs the first states of jobs
    // stored without events, and those must be written too.
    const journal = new RunJournal(r.store, this.scheduler, this.notifications, { keys: r.keys, nextKey: r.nextKey, grown: r.grown, mark: this.scheduler.storedEventCount, outboxSeq: r.outboxSeq });
    this.#journal = journal;
    journal.meta('engine.options', r.optionsRecord);
    for (const job of this.scheduler.jobs()) {
      const model = this.scheduler.jobModel(job.Id);
      for (const t of model.Tasks) {
        if (t.TaskNotificationSubscriptions.length === 0) continue;
        this.#follow('taskStateChange');
        if (t.TaskNotificationSubscriptions.some((x) => x.IncludeTaskProgress)) this.#follow('taskProgress');
      }
    }
    for (const [taskId, metadata] of r.outputs) this.#outputs.set(taskId, metadata);
    for (const [key, value] of r.records) this.#records.set(key, value);
    let requeued = 0;
    let canceled = 0;
    let reattached = 0;
    const reattach = this.#dispatcher.reattach?.bind(this.#dispatcher);
    for (const t of this.scheduler.tasks({ state: [TaskState.Processing, TaskState.Canceling] })) {
      if (reattach !== undefined) {
        // The attempt may still run, or have ended, on a worker elsewhere: follow it rather than run it again.
        this.#reattach(t.Id, reattach);
        reattached++;
      } else if (t.State === TaskState.Processing) {
        this.scheduler.requeue(t.Id, 'the engine stopped while the task ran (a crash, a kill or a power loss): it runs again, and this attempt does not count');
        requeued++;
      } else {
        this.scheduler.log(t.Id, 'NotStopped', 'the engine stopped while the task was being canceled');
        this.scheduler.complete(t.Id); // Canceling → Canceled
        canceled++;
      }
    }
    const now = Date.now();
    for (const b of r.backoffs) this.#backoff(b.taskId, Math.max(0, b.due - now));
    // Sent once the caller has had a turn to register endpoints (right after `await Engine.open`),
    // or at close, if that comes first.
    if (r.outbox.length > 0) {
      this.#resend = () => {
        this.#resend = undefined;
        for (const m of r.outbox) journal.resend(m.seq, m.record);
      };
      setImmediate(() => this.#resend?.());
    }
    const jobs = this.scheduler.jobs();
    this.recovery = {
      jobs: jobs.length,
      running: jobs.filter((j) => !isFinalState(j.State)).length,
      tasks: r.tasks,
      requeued,
      reattached,
      canceled,
      backoffs: r.backoffs.length,
      resent: r.outbox.length,
      changedOptions: r.changedOptions,
    };
    if (r.changedOptions.length > 0) {
      process.emitWarning(`jobgraph: Engine.open: ${r.store.location} was last run with other options (${r.changedOptions.join('; ')}): the ones given now are used`, { code: 'JOBGRAPH_OPTIONS_CHANGED' });
    }
    this.#pump();
  }

  /** Follows an attempt that an earlier process dispatched and that may still run elsewhere. */
  #reattach(taskId: string, reattach: (item: WorkItem) => void): void {
    const claim = this.scheduler.claimOf(taskId) as Claim;
    const item = new Work(claim, this.#outputs, this.scheduler);
    this.#inflight.set(claim.serial, item);
    const limit = this.#timeoutOf(item.task, claim.job);
    item.timeoutMs = typeof limit === 'object' ? undefined : limit;
    try {
      reattach(item);
    } catch (err) {
      this.#reporter.fail(claim.serial, claim.attempt, { code: 'ErrorProcessingTask', message: `the dispatcher could not take the task up again: ${messageOf(err)}`, retryable: true });
      return;
    }
    if (this.scheduler.stateOf(claim) === TaskState.Canceling) this.#abortTask(claim.serial, 'the job was canceled');
  }

  /**
   * Says why a task is not running, or where it runs and since when: the scheduler's
   * {@link Scheduler.explain}, and for a running task the dispatcher's answer (the worker that
   * runs it, or the queue it waits in).
   */
  async explain(taskId: string): Promise<EngineExplanation> {
    const base = this.scheduler.explain(taskId);
    const f = this.#inflight.get(this.scheduler.taskSerial(taskId));
    if (f === undefined || this.#dispatcher.locate === undefined) return base;
    let at: WorkLocation | undefined;
    try {
      at = await this.#dispatcher.locate(f.claim.serial, f.attempt);
    } catch (err) {
      return { ...base, message: `${base.message}; where it runs is unknown: ${messageOf(err)}` };
    }
    if (at === undefined) return base;
    const since = new Date(at.since).toISOString();
    const runsOn = { where: at.where, since, running: at.running };
    const tail = at.running ? `on ${at.where} since ${since}` : `waiting in ${at.where} since ${since}`;
    return { ...base, runsOn, message: `${base.message}, ${tail}` };
  }

  /** The registered processors, as the REST API lists them. */
  processors(): MediaProcessorInfo[] {
    return [...this.#processors.values()].map(processorInfo);
  }

  /** A processor by id or by name (the highest version when several share a name). */
  processor(idOrName: string): MediaProcessorInfo | undefined {
    const byId = this.#processors.get(idOrName);
    if (byId) return processorInfo(byId);
    const named = [...this.#processors.values()].filter((p) => p.name === idOrName);
    named.sort((a, b) => compareVersions(b.version ?? '1.0', a.version ?? '1.0'));
    return named[0] ? processorInfo(named[0]) : undefined;
  }

  /**
   * Validates and submits a job and starts what may start.
   * @throws ValidationError carrying every diagnostic (including MEDIA_PROCESSOR_UNKNOWN for a
   * MediaProcessorId no processor is registered for); SchedulerError `ENGINE_CLOSED` after close().
   */
  submit(definition: unknown, options: SubmitOptions = {}): JobHandle {
    if (this.#closed) throw new SchedulerError('ENGINE_CLOSED', 'Engine.submit: the engine is closed: create a new one');
    checkObject('Engine.submit', '`options`', options);
    // Validate here rather than in the scheduler: the job's subscriptions must be followed before
    // its first tasks change state, which happens inside the scheduler's submit.
    const result = isValidationResult(definition) ? definition : validateJob(definition, { profile: this.#profile, ...(this.#ids ? { ids: this.#ids } : {}), ...(options.templates !== undefined ? { templates: options.templates } : {}) });
    if (!result.valid || !result.job) throw new ValidationError('Engine.submit', result.diagnostics);
    // Read without making a big job's task objects (see readTasks).
    const tasks = readTasks(result.job);
    // The usual job names only processors of this engine by Id: one look each. Any other goes the
    // long way, which also takes a processor's name for its Id.
    for (let i = 0; i < tasks.count; i++) {
      if (this.#processors.has(tasks.processor(i))) continue;
      const unknown = this.#unknownProcessors(result.job);
      if (unknown.length > 0) throw new ValidationError('Engine.submit', unknown);
      break;
    }
    for (let i = 0; i < tasks.count; i++) {
      const subs = tasks.task(i).TaskNotificationSubscriptions;
      if (subs.length === 0) continue;
      this.#follow('taskStateChange');
      if (subs.some((x) => x.IncludeTaskProgress)) this.#follow('taskProgress');
    }
    // The job's first tasks change state inside add() and the pump below, before the caller can
    // attach a listener to the handle: those events are kept for the rest of this turn (see #keepEarly).
    const known = this.#jobs.has(result.job.Id);
    const entry = this.#entry(result.job.Id);
    this.#keepEarly(entry);
    let id: string;
    try {
      // add() rather than submit(): the job's view (a list of its tasks) would be made and dropped.
      id = this.#journal === undefined ? this.scheduler.add(result, options) : this.#submitDurably(result.job, result, options);
    } catch (err) {
      // Not submitted: an entry made for it goes (one of an earlier job with that Id stays).
      if (!known) this.#jobs.delete(result.job.Id);
      throw err;
    }
    this.#pump();
    return {
      id,
      done: entry.done,
      cancel: () => this.cancel(id),
      on: (event, listener) => {
        if (!(EVENT_NAMES as readonly string[]).includes(event)) throw new ArgumentTypeError(`JobHandle.on: unknown event ${describeValue(event)}; events are taskStateChange, taskProgress, jobStateChange`);
        if (typeof listener !== 'function') throw new ArgumentTypeError(`JobHandle.on: expected \`listener\` to be a function, got ${describeValue(listener)}`);
        const list = (entry.listeners ??= { taskStateChange: [], taskProgress: [], jobStateChange: [] })[event] as Array<typeof listener>;
        this.#follow(event);
        list.push(listener);
        // Attached in the turn of the submit: what the job did so far comes first, in order.
        if (entry.early !== undefined) {
          for (const [kind, payload] of entry.early.slice()) {
            if (kind !== event) continue;
            try {
              (listener as (e: unknown) => void)(payload);
            } catch (err) {
              warn('a job listener threw', err);
            }
          }
        }
        return () => {
          const i = list.indexOf(listener);
          if (i !== -1) list.splice(i, 1);
        };
      },
      view: () => this.scheduler.job(id)!,
    };
  }

  /**
   * Hands the job to the scheduler, which calls back once it has checked everything (its Id, task
   * Ids, weights, options, the user's functions) and before it changes anything: the job is written
   * there. So the store never holds a job the scheduler refused (a kill -9 before it was taken out
   * again left a store no open could read), and once submit returns the job survives a crash.
   * @returns the job's id.
   */
  #submitDurably(job: Job, result: ValidationResult, options: SubmitOptions): string {
    const journal = this.#journal!;
    let key = -1;
    const id = this.scheduler.add(result, options, () => {
      // The record as the scheduler will keep it: a kill -9 before the end of this turn leaves only this one.
      key = journal.writeJob(job, { priority: options.priority ?? job.Priority, failFast: options.failFast ?? this.#failFast, created: Date.now(), ...(options.maxRunning !== undefined ? { maxRunning: options.maxRunning } : {}) });
    });
    journal.bindJob(this.scheduler.jobIndex(id), key);
    return id;
  }

  /**
   * Writes every pending change to the store now, rather than at the end of this event-loop turn.
   * A no-op for an engine without a store.
   * @throws StoreError when the write fails (it is retried later; nothing is lost)
   */
  flush(): void {
    this.#journal?.flush();
  }

  /**
   * Keeps a small record of the embedder's with the run: in the store (its `meta` table) when the
   * engine has one, written before this returns and back after {@link Engine.open}; in memory
   * otherwise. The REST facade keeps the assets clients create this way. Records are few and
   * small (a few hundred bytes each): all of them are read at open. A key's record replaces the
   * one before; there is no removal.
   * @param key - the record's name, e.g. `asset:nb:cid:UUID:…`
   * @param value - its content (JSON text, say)
   * @throws TypeError (`ERR_INVALID_ARG_TYPE`) unless both are non-empty strings
   * @throws StoreError when the store cannot be written: the record is then not kept
   */
  setRecord(key: string, value: string): void {
    if (typeof key !== 'string' || key === '') throw new ArgumentTypeError(`Engine.setRecord: expected \`key\` to be a non-empty string, got ${describeValue(key)}`);
    if (typeof value !== 'string') throw new ArgumentTypeError(`Engine.setRecord: expected \`value\` to be a string, got ${describeValue(value)}`);
    this.#journal?.writeMeta(RECORD_PREFIX + key, value);
    this.#records.set(key, value);
  }

  /**
   * The records kept with {@link Engine.setRecord} whose key starts with `prefix`, in the order
   * they were first kept (after a restart: in key order).
   */
  records(prefix = ''): Array<[key: string, value: string]> {
    if (typeof prefix !== 'string') throw new ArgumentTypeError(`Engine.records: expected \`prefix\` to be a string, got ${describeValue(prefix)}`);
    const out: Array<[string, string]> = [];
    for (const [k, v] of this.#records) if (k.startsWith(prefix)) out.push([k, v]);
    return out;
  }

  /**
   * Forgets an ended job: it leaves every view, and the store (with its history and output
   * metadata), for good. A job that has not ended must be canceled first.
   * @throws SchedulerError `JOB_NOT_FOUND`, `JOB_NOT_ENDED`; `ENGINE_CLOSED` for a durable engine after close()
   */
  forget(jobId: string): void {
    // Its store is closed: the job would come back at the next open.
    if (this.#journal?.closed) throw new SchedulerError('ENGINE_CLOSED', 'Engine.forget: the engine is closed and its store with it: open it again to forget jobs');
    const index = this.scheduler.jobIndex(jobId);
    const job = this.scheduler.jobModel(jobId);
    this.scheduler.forget(jobId);
    for (const t of job.Tasks) this.#outputs.delete(t.Id);
    this.#jobs.delete(jobId);
    this.#journal?.forget(index);
  }

  /** Forgets the jobs that ended more than `retention.endedJobsMs` ago. */
  #sweep(keepMs: number): void {
    const before = Date.now() - keepMs;
    for (const j of this.scheduler.jobs()) {
      if (isFinalState(j.State) && j.EndTime !== null && Date.parse(j.EndTime) < before) this.forget(j.Id);
    }
  }

  /** The promise of a job's end, for a job submitted earlier (or restored). */
  done(jobId: string): Promise<JobView> {
    if (typeof jobId !== 'string') throw new ArgumentTypeError(`Engine.done: expected a job id string, got ${describeValue(jobId)}`);
    if (!this.scheduler.job(jobId)) throw new SchedulerError('JOB_NOT_FOUND', `Engine.done: no job has Id ${JSON.stringify(jobId)}`, { jobId });
    return this.#entry(jobId).done;
  }

  /**
   * Cancels a job: tasks not started are Canceled; running ones are aborted through their signal and
   * are Canceling until they stop, or until the grace period ends and they are abandoned.
   * @returns false when the job had already ended.
   * @throws SchedulerError `ENGINE_CLOSED` for a durable engine after close() (the cancel could not be kept)
   */
  cancel(jobId: string): boolean {
    // Its store is closed: the job would go on at the next open.
    if (this.#journal?.closed) throw new SchedulerError('ENGINE_CLOSED', 'Engine.cancel: the engine is closed and its store with it: open it again to cancel jobs');
    try {
      this.scheduler.cancelJob(jobId);
    } catch (err) {
      if (err instanceof SchedulerError && err.code === 'JOB_FINAL') return false;
      throw err;
    }
    this.#abortCanceling(jobId, 'the job was canceled');
    this.#pump();
    return true;
  }

  /**
   * Runs a failed or canceled task again — with `downstream`, its transitive dependents too — as
   * {@link Scheduler.rerun} does: history kept, the job's state follows. A job that had ended is
   * running again: {@link done} gives the promise of its new end.
   * @throws SchedulerError `TASK_NOT_FOUND`, `INVALID_TRANSITION`, `JOB_CANCELED`; `ENGINE_CLOSED` after close().
   */
  rerun(taskId: string, options: RerunOptions = {}): void {
    if (this.#closed) throw new SchedulerError('ENGINE_CLOSED', 'Engine.rerun: the engine is closed: open it again to rerun tasks');
    // Its job, by the task's serial: taskInfo() would also walk every task up- and downstream of it.
    const jobId = this.scheduler.modelOf(this.scheduler.taskSerial(taskId)).job.Id;
    const before = this.scheduler.job(jobId)!;
    this.scheduler.rerun(taskId, options);
    const entry = this.#jobs.get(jobId);
    if (isFinalState(before.State) && entry !== undefined) {
      // The old promise keeps the end it had (settled here if the event of that end has not been
      // delivered yet: a listener of an earlier event may rerun); the job's new end gets a new one.
      entry.resolve(before);
      entry.done = new Promise<JobView>((r) => (entry.resolve = r));
    }
    this.#pump();
  }

  /**
   * Adds tasks to a job that has not ended, as {@link Scheduler.addTasks} does, and starts what may
   * start. A task's MediaProcessorId must name a processor of this engine (or, in a plain
   * addition, its name). With a store, the grown job is written before this returns; should that
   * write fail, it stays pending and is tried again, as every change is (nothing is lost).
   * @returns the views of the tasks added.
   * @throws SchedulerError `JOB_NOT_FOUND`, `JOB_FINAL`, `TASK_EXISTS`, `WEIGHT_EXCEEDS_POOL`,
   *   `ENGINE_CLOSED`; ValidationError with every diagnostic (MEDIA_PROCESSOR_UNKNOWN among them).
   */
  addTasks(jobId: string, additions: unknown): TaskView[] {
    if (this.#closed) throw new SchedulerError('ENGINE_CLOSED', 'Engine.addTasks: the engine is closed: open it again to add tasks');
    const views = this.scheduler.addTasks(jobId, additions, {
      // Run once the tasks are valid and before they change state: their subscriptions are
      // followed from their first state on.
      check: (tasks) => {
        const unknown = this.#unknownProcessors({ ...this.scheduler.jobModel(jobId), Tasks: [...tasks] });
        if (unknown.length > 0) return unknown;
        for (const t of tasks) {
          if (t.TaskNotificationSubscriptions.length === 0) continue;
          this.#follow('taskStateChange');
          if (t.TaskNotificationSubscriptions.some((x) => x.IncludeTaskProgress)) this.#follow('taskProgress');
        }
        return [];
      },
    });
    if (this.#journal !== undefined) {
      try {
        this.#journal.flush();
      } catch (err) {
        warn(`Engine.addTasks: the tasks added to job ${jobId} could not be written yet; the write is tried again`, err);
      }
    }
    this.#pump();
    return views;
  }

  /** Cancels every job that has not ended and waits until they have; the engine takes no more jobs. */
  async close(): Promise<void> {
    clearInterval(this.#retention);
    clearTimeout(this.#rateTimer);
    if (this.#journal !== undefined) return this.#stop(this.#journal);
    this.#closed = true;
    const pending: Promise<JobView>[] = [];
    for (const job of this.scheduler.jobs()) {
      if (isFinalState(job.State)) continue;
      pending.push(this.#entry(job.Id).done);
      this.cancel(job.Id);
    }
    for (const t of this.#backoffTimers) clearTimeout(t);
    this.#backoffTimers.clear();
    await Promise.all(pending);
    await this.#dispatcher.close();
    if (this.#ownHub) await this.notifications.close();
    else await this.notifications.flush();
  }

  /**
   * Closes an engine with a store: nothing is canceled. Attempts in flight are aborted and their
   * reports ignored; they stay Processing in the store, and the next {@link Engine.open} runs them
   * again without counting the attempt. Jobs go on where they were.
   */
  async #stop(journal: RunJournal): Promise<void> {
    if (this.#closed) return this.#stopping;
    this.#closed = true;
    this.#stopping = (async () => {
      for (const t of this.#backoffTimers) clearTimeout(t);
      this.#backoffTimers.clear();
      for (const f of this.#inflight.values()) clearTimeout(f.graceTimer);
      this.#inflight.clear();
      let timer: ReturnType<typeof setTimeout> | undefined;
      // A processor that ignores its signal is not waited for beyond the grace period.
      await Promise.race([this.#dispatcher.close(), new Promise<void>((resolve) => (timer = setTimeout(resolve, this.#graceMs)))]);
      clearTimeout(timer);
      this.#resend?.();
      journal.beginClose();
      if (this.#ownHub) await this.notifications.close();
      else await this.notifications.flush();
      try {
        journal.close();
      } finally {
        if (this.#ownStore) journal.store.close();
      }
    })();
    return this.#stopping;
  }

  /** Resolves when no job is running or waiting. */
  async idle(): Promise<void> {
    await Promise.all(this.scheduler.jobs().filter((j) => !isFinalState(j.State)).map((j) => this.#entry(j.Id).done));
  }

  // ------------------------------------------------------------------ internals

  #entry(jobId: string): JobEntry {
    let entry = this.#jobs.get(jobId);
    if (!entry) {
      let resolve!: (v: JobView) => void;
      const done = new Promise<JobView>((r) => (resolve = r));
      entry = { resolve, done, listeners: undefined, early: undefined };
      this.#jobs.set(jobId, entry);
      const view = this.scheduler.job(jobId);
      if (view && isFinalState(view.State)) resolve(view);
    }
    return entry;
  }

  #finishJob(jobId: string): void {
    const entry = this.#jobs.get(jobId);
    if (entry === undefined) return;
    // The event comes once its operation has ended: a listener before this one may have rerun a task
    // of the job since, settling the promise of that end itself (Engine.rerun). Else resolve after
    // the current call returns, so a listener sees the final state first, with the resolver and the
    // view of this end taken now: a listener of this end may rerun a task before the microtask runs
    // (the old promise then never settled, and the new one settled with the job running again).
    const view = this.scheduler.job(jobId)!;
    if (!isFinalState(view.State)) return;
    const resolve = entry.resolve;
    inMicrotask(() => resolve(view));
  }

  /**
   * Keeps the events of a job being submitted until the end of this synchronous turn. Task events
   * are followed only once someone listens (they are many); until then, while some job of this turn
   * keeps its events, a listener of this turn's only records them.
   */
  #keepEarly(entry: JobEntry): void {
    entry.early ??= [];
    if (this.#earlyJobs !== undefined) {
      this.#earlyJobs.push(entry);
      return;
    }
    this.#earlyJobs = [entry];
    if (!this.#following.has('taskStateChange')) this.scheduler.observeStateChanges(this.#recordState);
    const offProgress = this.scheduler.on('taskProgress', (e) => {
      if (!this.#following.has('taskProgress')) this.#jobs.get(e.jobId)?.early?.push(['taskProgress', e]);
    });
    inMicrotask(() => {
      this.scheduler.observeStateChanges(null);
      this.#earlyStates.length = 0;
      offProgress();
      for (const e of this.#earlyJobs ?? []) e.early = undefined;
      this.#earlyJobs = undefined;
    });
  }

  /**
   * Task state events start being followed in a turn that recorded changes without them: those of
   * the jobs that keep their events become events now, before any that follow.
   */
  #keepEarlyStates(): void {
    const rec = this.#earlyStates;
    if (this.#earlyJobs === undefined) return;
    this.scheduler.observeStateChanges(null);
    for (let i = 0; i < rec.length; i += 4) {
      const serial = rec[i]!;
      let job: Job;
      let task: Task;
      try {
        ({ job, task } = this.scheduler.modelOf(serial));
      } catch {
        continue; // its job was forgotten since
      }
      const early = this.#jobs.get(job.Id)?.early;
      if (early !== undefined) early.push(['taskStateChange', { taskId: task.Id, jobId: job.Id, serial, oldState: rec[i + 1]!, newState: rec[i + 2]!, timestamp: rec[i + 3]! }]);
    }
    rec.length = 0;
  }

  /** Starts forwarding a scheduler event to job listeners (once per kind). */
  #follow(event: keyof EngineEvents): void {
    if (this.#following.has(event)) return;
    this.#following.add(event);
    if (event === 'taskStateChange') {
      this.#keepEarlyStates();
      this.scheduler.on('taskStateChange', (e) => {
        this.#forward('taskStateChange', e.jobId, e);
        const { job, task } = this.scheduler.modelOf(e.serial);
        const subs = task.TaskNotificationSubscriptions;
        if (subs.length > 0) this.#notify({ k: 'task', i: { jobId: e.jobId, jobName: job.Name, taskId: e.taskId, oldState: e.oldState, newState: e.newState, timestamp: e.timestamp }, s: subs });
      });
    } else if (event === 'taskProgress') {
      this.scheduler.on('taskProgress', (e) => {
        this.#forward('taskProgress', e.jobId, e);
        const { job, task } = this.scheduler.modelOf(e.serial);
        const subs = task.TaskNotificationSubscriptions;
        if (subs.length > 0) this.#notify({ k: 'progress', i: { jobId: e.jobId, jobName: job.Name, taskId: e.taskId, progress: e.progress, timestamp: e.timestamp }, s: subs });
      });
    }
  }

  /** Sends a notification; with a store, once it is recorded (so a crash sends it again, never loses it). */
  #notify(r: OutboxRecord): void {
    if (this.#journal !== undefined) {
      // Only what goes to some endpoint is recorded: most state changes go to none.
      const targets = r.k === 'job' ? jobStateTargets(r.i.newState, r.s) : r.k === 'task' ? taskStateTargets(r.i.newState, r.s) : taskProgressTargets(r.s);
      if (targets !== undefined) this.#journal.notify(r);
      return;
    }
    if (r.k === 'job') this.notifications.jobStateChanged(r.i, r.s);
    else if (r.k === 'task') this.notifications.taskStateChanged(r.i, r.s);
    else this.notifications.taskProgressed(r.i, r.s);
  }

  /** Aborts the running tasks of a job that the scheduler has marked Canceling (cancel, close, fail fast). */
  #abortCanceling(jobId: string, reason: string): void {
    for (const [serial, f] of this.#inflight) {
      if (f.jobId === jobId && this.scheduler.stateOf(f.claim) === TaskState.Canceling) this.#abortTask(serial, reason);
    }
  }

  #forward<K extends keyof EngineEvents>(event: K, jobId: string, payload: EngineEvents[K]): void {
    const entry = this.#jobs.get(jobId);
    if (!entry) return;
    entry.early?.push([event, payload] as never);
    const listeners = entry.listeners?.[event] as Array<(e: EngineEvents[K]) => void> | undefined;
    if (listeners === undefined || listeners.length === 0) return;
    for (const l of listeners.slice()) {
      try {
        l(payload);
      } catch (err) {
        warn('a job listener threw', err);
      }
    }
  }

  #unknownProcessors(job: Job): Diagnostic[] {
    // A plain graph may name a processor by its name (its `processor` or `pool`): the task gets its id.
    const tasks = readTasks(job);
    for (let i = 0; i < tasks.count; i++) {
      const id = tasks.processor(i);
      if (id === '' || this.#processors.has(id)) continue;
      const named = this.processor(id);
      if (named !== undefined) tasks.task(i).MediaProcessorId = named.Id;
    }
    return unknownProcessors(job, (id) => this.#processors.has(id), 'no processor of this engine has', () => `register a processor with that id, or use one of: ${[...this.#processors.values()].map((p) => `${p.id} (${p.name})`).join(', ')}`, true);
  }


  /** Starts everything the scheduler says may start now. Not re-entrant: nested calls loop once more. */
  #pump(): void {
    // Every change the engine makes ends here: the journal writes it at the end of this turn.
    this.#journal?.schedule();
    if (this.#pumping) {
      this.#pumpAgain = true;
      return;
    }
    this.#pumping = true;
    try {
      do {
        this.#pumpAgain = false;
        for (let claim = this.scheduler.next(); claim; claim = this.scheduler.next()) this.#start(claim as Claim);
      } while (this.#pumpAgain);
    } finally {
      this.#pumping = false;
    }
    this.#wakeForRateLimits();
  }

  /** A pool held back by its rate limit opens at a time: pump again then (one timer at a time). */
  #wakeForRateLimits(): void {
    const at = this.scheduler.blockedUntil();
    if (at === undefined || this.#closed) return;
    if (this.#rateTimer !== undefined) {
      if (this.#rateTimerAt <= at) return;
      clearTimeout(this.#rateTimer);
    }
    this.#rateTimerAt = at;
    this.#rateTimer = setTimeout(() => {
      this.#rateTimer = undefined;
      this.#pump();
    }, Math.max(0, at - this.#now()) + 1);
  }

  #start(claim: Claim): void {
    const serial = claim.serial;
    const attempt = claim.attempt;
    const item = new Work(claim, this.#outputs, this.scheduler);
    // In flight from here on: a cancel from now on finds the attempt and aborts it.
    this.#inflight.set(serial, item);
    const limit = this.#timeoutOf(item.task, claim.job);
    // The claim announced the task Processing to listeners before it reached here; one of them may
    // have canceled its job (or closed the engine) meanwhile, and the abort then found nothing to
    // abort. Such a task must not start: its signal would never fire.
    if (this.scheduler.stateOf(claim) !== TaskState.Processing) {
      this.#neverStarted(item);
      return;
    }
    if (typeof limit === 'object') {
      this.#reporter.fail(serial, attempt, { code: 'ErrorProcessingTask', message: limit.refused, retryable: false });
      return;
    }
    item.timeoutMs = limit;
    try {
      this.#dispatcher.dispatch(item);
    } catch (err) {
      this.#reporter.fail(serial, attempt, { code: 'ErrorProcessingTask', message: `the dispatcher refused the task: ${messageOf(err)}`, retryable: false });
    }
  }

  /**
   * A task's time limit in ms (undefined: none): its processor's, or the engine's. An object says
   * why the engine's function gave none (made only then: this runs once a start).
   */
  #timeoutOf(task: Task, job: Job): number | undefined | { refused: string } {
    const own = this.#processors.get(task.MediaProcessorId)?.timeoutMs;
    if (own !== undefined) return own;
    const t = this.#timeoutMs;
    if (typeof t !== 'function') return t;
    try {
      const v: unknown = t(task, job);
      if (typeof v === 'number' && v > 0) return v === Infinity ? undefined : v;
      if (v === undefined) return undefined;
      return { refused: `the engine's timeoutMs function returned ${describeUntrusted(v)} for this task; it must return a number of ms > 0, or undefined for no limit` };
    } catch (err) {
      return { refused: `the engine's timeoutMs function threw for this task: ${messageOf(err)}` };
    }
  }


  /** Ends a claimed attempt whose task stopped being Processing before its processor was handed it. */
  #neverStarted(f: Inflight): void {
    if (this.#take(f.claim.serial, f.attempt) === undefined) return;
    if (this.scheduler.stateOf(f.claim) !== TaskState.Canceling) return; // ended by someone else's hand
    this.scheduler.log(f.claim, 'NotStarted', 'the task was canceled while it was being started: its processor never ran');
    this.scheduler.complete(f.claim); // Canceling → Canceled
    this.#pump();
  }

  #abortTask(serial: number, reason: string): void {
    const f = this.#inflight.get(serial);
    if (!f) return;
    try {
      this.#dispatcher.abort(serial, f.attempt, reason);
    } catch (err) {
      // The grace timer below still ends the task.
      warn('the dispatcher failed to abort a task', err);
    }
    if (f.graceTimer === undefined) {
      f.graceTimer = setTimeout(() => {
        const now = this.#inflight.get(serial);
        if (now !== f) return;
        // The processor ignored its signal: stop waiting, and drop whatever it says later.
        this.#inflight.delete(serial);
        try {
          this.#dispatcher.abandon(serial, f.attempt);
        } catch (err) {
          warn('the dispatcher failed to abandon a task', err);
        }
        this.scheduler.log(f.claim, 'Abandoned', `the processor did not stop within ${this.#graceMs} ms of being canceled`);
        this.scheduler.complete(f.claim); // Canceling → Canceled
        this.#pump();
      }, this.#graceMs);
    }
  }

  /** Takes the report of an attempt if it is the current one; undefined means drop it. */
  #take(serial: number, attempt: number): Inflight | undefined {
    const f = this.#inflight.get(serial);
    if (!f || f.attempt !== attempt) return undefined;
    this.#inflight.delete(serial);
    if (f.graceTimer !== undefined) clearTimeout(f.graceTimer);
    return f;
  }

  #current(serial: number, attempt: number): Inflight | undefined {
    const f = this.#inflight.get(serial);
    return f !== undefined && f.attempt === attempt ? f : undefined;
  }

  readonly #reporter: WorkReporter = {
    progress: (serial, attempt, percent) => {
      const f = this.#current(serial, attempt);
      if (f === undefined) return;
      if (typeof percent === 'number' && percent >= 0 && percent <= 100) this.#progress(f.claim, percent);
      else this.#oddProgress(f, percent);
    },
    log: (serial, attempt, code, message) => {
      const f = this.#current(serial, attempt);
      if (f && typeof code === 'string' && code !== '') {
        this.scheduler.log(f.claim, code, textOf(message));
        this.#journal?.schedule();
      }
    },
    complete: (serial, attempt, metadata) => {
      const f = this.#take(serial, attempt);
      if (!f) return;
      if (!isMap(metadata)) {
        this.#failed(f.claim, attempt, { code: 'ErrorProcessingTask', message: `the dispatcher reported metadata that is not a Map: ${describeUntrusted(metadata)}`, retryable: false });
      } else if (metadata.size > 0 && !this.#keepOutputs(f.claim, metadata)) {
        this.#failed(f.claim, attempt, { code: 'ErrorProcessingTask', message: 'the processor returned output metadata that cannot be stored (a function, a symbol or an object that cannot be cloned): return plain data, Maps, Dates or typed arrays', retryable: false });
      } else {
        this.scheduler.complete(f.claim);
      }
      this.#pump();
    },
    fail: (serial, attempt, failure) => {
      const f = this.#take(serial, attempt);
      if (!f) return;
      this.#failed(f.claim, attempt, readFailure(failure));
      this.#pump();
    },
  };

  /** Keeps a completed task's output metadata (in the store too); false when the store cannot hold it. */
  #keepOutputs(claim: TaskClaim, metadata: ReadonlyMap<number, unknown>): boolean {
    if (this.#journal !== undefined) {
      const { job, task } = this.scheduler.modelOf(claim.serial);
      try {
        this.#journal.output(job, task.index, metadata);
      } catch {
        return false;
      }
    }
    this.#outputs.set(claim.taskId, metadata);
    return true;
  }

  /**
   * A progress value outside 0–100: clamped when it is a finite number, ignored otherwise. Reporting
   * progress never fails a task; the first such value of an attempt leaves one event in the task's
   * history, so that the processor's author can find it.
   */
  #oddProgress(f: Inflight, percent: unknown): void {
    const finite = typeof percent === 'number' && Number.isFinite(percent);
    const clamped = finite && percent > 100 ? 100 : 0;
    if (!f.progressNoted) {
      f.progressNoted = true;
      if (finite) this.scheduler.log(f.claim, 'ProgressClamped', `progress ${percent} is outside 0–100 and was reported as ${clamped} (later such values of this attempt are clamped without a note)`);
      else this.scheduler.log(f.claim, 'ProgressIgnored', `progress must be a finite number from 0 to 100; ${describeUntrusted(percent)} was ignored (later such values of this attempt are ignored without a note)`);
    }
    this.#journal?.schedule();
    if (finite) this.#progress(f.claim, clamped);
  }

  #progress(claim: TaskClaim, percent: number): void {
    this.scheduler.progress(claim, percent);
    // A task being canceled keeps the progress it had: the scheduler ignored this report.
    if (this.#journal !== undefined && this.scheduler.stateOf(claim) === TaskState.Processing) this.#journal.progress(claim.serial, percent);
  }

  #failed(claim: TaskClaim, attempt: number, failure: FailureReport): void {
    // Counted from the task's last rerun, as the scheduler counts: a rerun task gets its retries again.
    const tries = attempt - (claim.attempt - this.scheduler.attemptsSinceRerun(claim));
    const retry = failure.retryable && tries < this.#retry.maxAttempts && this.scheduler.stateOf(claim) === TaskState.Processing && !this.#closed;
    if (!retry) {
      this.scheduler.fail(claim, { code: failure.code, message: failure.message });
      // A job that fails fast has just marked its running tasks Canceling.
      this.#abortCanceling(claim.jobId, 'another task of the job failed and the job fails fast');
      return;
    }
    const delay = backoffDelay(tries, this.#retry);
    this.scheduler.fail(claim, { code: failure.code, message: `${failure.message} (attempt ${tries} of ${this.#retry.maxAttempts}; retrying in ${Math.round(delay)} ms)`, retryable: true, hold: true });
    if (this.#journal !== undefined) {
      const { job, task } = this.scheduler.modelOf(claim.serial);
      this.#journal.due(job, task.index, Date.now() + delay);
    }
    this.#backoff(claim.taskId, delay);
  }

  /** Puts a held task back in the ready set once its backoff is over. */
  #backoff(taskId: string, delay: number): void {
    const timer = setTimeout(() => {
      this.#backoffTimers.delete(timer);
      if (!this.scheduler.resume(taskId)) return;
      if (this.#journal !== undefined) {
        const { job, task } = this.scheduler.modelOf(this.scheduler.taskSerial(taskId));
        this.#journal.due(job, task.index, null);
      }
      this.#pump();
    }, delay);
    this.#backoffTimers.add(timer);
  }
}

/** `instanceof Map`, false for a value whose prototype cannot be read (a revoked Proxy). */
function isMap(v: unknown): v is ReadonlyMap<unknown, unknown> {
  try {
    return v instanceof Map;
  } catch {
    return false;
  }
}

/** A dispatcher's failure report with the types the scheduler needs, whatever was passed. */
function readFailure(failure: FailureReport): FailureReport {
  try {
    const code: unknown = failure.code;
    const message: unknown = failure.message;
    return { code: typeof code === 'string' && code !== '' ? code : 'ErrorProcessingTask', message: message === undefined ? '' : textOf(message), retryable: failure.retryable === true };
  } catch {
    return { code: 'ErrorProcessingTask', message: 'the dispatcher reported a failure that cannot be read', retryable: false };
  }
}

function schedulerOptionsOf(options: EngineOptions, retry: Required<RetryOptions>): SchedulerOptions {
  const out: SchedulerOptions = { maxAttempts: retry.maxAttempts, onListenerError: (e) => warn('an Engine listener threw', e) };
  for (const k of ['concurrency', 'pools', 'poolOf', 'failFast', 'now', 'ids', 'profile', 'policy', 'rateLimits'] as const) {
    if (options[k] !== undefined) (out as Record<string, unknown>)[k] = options[k];
  }
  return out;
}

/**
 * The Engine's own options, checked before anything is made: `Engine.open` checks them before it
 * opens (and perhaps creates) its store. The scheduler's are checked where it is made.
 * @throws ArgumentTypeError
 */
function checkEngineOptions(options: EngineOptions, call: string): void {
  checkObject(call, '`options`', options);
  if (!Array.isArray(options.processors)) throw new ArgumentTypeError(`${call}: expected \`processors\` to be an array, got ${describeValue(options.processors)}`);
  const ids = new Set<string>();
  for (const p of options.processors) {
    if (typeof p !== 'object' || p === null || typeof p.run !== 'function') throw new ArgumentTypeError(`${call}: every processor needs a run() function, got ${describeValue(p)}`);
    if (typeof p.id !== 'string' || !MEDIA_PROCESSOR_ID.test(p.id)) throw new ArgumentTypeError(`${call}: expected processor \`id\` to be nb:mpid:UUID:<guid>, got ${describeValue(p.id)}`);
    if (typeof p.name !== 'string' || p.name === '') throw new ArgumentTypeError(`${call}: processor ${p.id} needs a name`);
    if (ids.has(p.id)) throw new ArgumentTypeError(`${call}: two processors have the id ${p.id}`);
    ids.add(p.id);
    if (p.timeoutMs !== undefined && !(Number.isFinite(p.timeoutMs) && p.timeoutMs > 0)) throw new ArgumentTypeError(`${call}: expected processor ${p.id} \`timeoutMs\` to be a positive number, got ${describeValue(p.timeoutMs)}`);
  }
  const grace = options.cancelGraceMs ?? 5000;
  if (!(Number.isFinite(grace) && grace >= 0)) throw new ArgumentTypeError(`${call}: expected \`cancelGraceMs\` to be a number >= 0, got ${describeValue(grace)}`);
  const t = options.timeoutMs;
  if (t !== undefined && typeof t !== 'function' && !(Number.isFinite(t) && t > 0)) {
    throw new ArgumentTypeError(`${call}: expected \`timeoutMs\` to be a positive number or a function, got ${describeValue(t)}`);
  }
  checkRetry(options.retry ?? {});
  const d: unknown = options.dispatcher;
  if (d !== undefined && d !== null) {
    const has = (method: string, optional: boolean): boolean => {
      const f: unknown = (d as Record<string, unknown>)[method];
      return typeof f === 'function' || (optional && f === undefined);
    };
    if (!(['start', 'dispatch', 'abort', 'abandon', 'close'].every((m) => has(m, false)) && has('reattach', true) && has('locate', true))) {
      throw new ArgumentTypeError(`${call}: expected \`dispatcher\` to be a Dispatcher (functions start, dispatch, abort, abandon and close; reattach and locate optional), got ${describeValue(d)}`);
    }
  }
  const keepValue = options.retention === undefined ? undefined : (options.retention as { endedJobsMs?: unknown } | null)?.endedJobsMs;
  if (options.retention !== undefined && !(typeof keepValue === 'number' && keepValue >= 0 && keepValue <= Number.MAX_SAFE_INTEGER)) {
    throw new ArgumentTypeError(`${call}: expected \`retention.endedJobsMs\` to be a number of ms >= 0, got ${describeValue(keepValue)}`);
  }
}

function checkRetry(r: RetryOptions): Required<RetryOptions> {
  const out: Required<RetryOptions> = { maxAttempts: r.maxAttempts ?? 3, baseDelayMs: r.baseDelayMs ?? 1000, maxDelayMs: r.maxDelayMs ?? 30_000, jitter: r.jitter ?? true, random: r.random ?? Math.random };
  if (!(Number.isInteger(out.maxAttempts) && out.maxAttempts >= 1)) throw new ArgumentTypeError(`Engine: expected \`retry.maxAttempts\` to be an integer >= 1, got ${describeValue(out.maxAttempts)}`);
  if (!(out.baseDelayMs >= 0 && Number.isFinite(out.baseDelayMs))) throw new ArgumentTypeError(`Engine: expected \`retry.baseDelayMs\` to be a number >= 0, got ${describeValue(out.baseDelayMs)}`);
  if (!(out.maxDelayMs >= out.baseDelayMs && Number.isFinite(out.maxDelayMs))) throw new ArgumentTypeError(`Engine: expected \`retry.maxDelayMs\` to be a number >= baseDelayMs, got ${describeValue(out.maxDelayMs)}`);
  return out;
}

function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0 && !Number.isNaN(d)) return d;
  }
  return a.localeCompare(b);
}

/** Output index → the task that outputs it and the asset's name, per job: built once, when a task's inputs are first read. */
const producersOf = new WeakMap<Job, Array<{ taskId: string; assetName: string } | undefined>>();

function producers(job: Job): Array<{ taskId: string; assetName: string } | undefined> {
  let list = producersOf.get(job);
  if (!list) {
    list = [];
    for (const t of job.Tasks) for (const o of t.outputs) list[o.index] ??= { taskId: t.Id, assetName: o.assetName };
    producersOf.set(job, list);
  }
  return list;
}

/**
 * The WorkItem of one attempt, read from the task's model when asked. Its inputs are resolved when
 * first read, not at dispatch: most processors of a big job never look at them, and resolving them
 * eagerly cost more than the rest of starting a task (2 µs a task at 100,000 tasks). The metadata
 * they carry was final before the task could start (its producers had completed), so resolving
 * later gives the same answer.
 */
class Work implements WorkItem {
  #inputs: ResolvedInput[] | undefined;
  readonly serial: number;
  readonly attempt: number;
  readonly job: Job;
  readonly task: Task;
  /** Set once the engine has asked for it, before the dispatcher gets the item. */
  timeoutMs: number | undefined = undefined;
  /** The engine's, while the task is in flight: the timer that abandons a task that ignored its abort. */
  graceTimer: ReturnType<typeof setTimeout> | undefined = undefined;
  /** The engine's: a progress value out of range was noted in the task's history (once an attempt). */
  progressNoted = false;

  constructor(
    readonly claim: Claim,
    private readonly metadata: ReadonlyMap<string, ReadonlyMap<number, unknown>>,
    private readonly scheduler: Scheduler,
  ) {
    this.serial = claim.serial;
    this.attempt = claim.attempt;
    this.job = claim.job;
    this.task = claim.job.Tasks[claim.index]!;
  }

  get pool(): string {
    return this.claim.pool;
  }
  get priority(): number {
    return this.task.Priority;
  }
  /** The job's priority in the scheduler (a submit option may have overridden the model's). */
  get jobPriority(): number {
    return this.scheduler.jobRecord(this.scheduler.jobIndex(this.job.Id)).priority;
  }

  get taskId(): string {
    return this.task.Id;
  }
  get jobId(): string {
    return this.job.Id;
  }
  get taskName(): string {
    return this.task.Name;
  }
  get jobName(): string {
    return this.job.Name;
  }
  get mediaProcessorId(): string {
    return this.task.MediaProcessorId;
  }
  get configuration(): string | null {
    return this.task.Configuration;
  }
  get outputs(): TaskOutputAsset[] {
    return this.task.outputs;
  }

  get inputs(): ResolvedInput[] {
    return (this.#inputs ??= this.#resolve());
  }

  #resolve(): ResolvedInput[] {
    const job = this.job;
    const made = producers(job);
    const inputs: ResolvedInput[] = [];
    for (const ref of this.task.inputs) {
      if (ref.kind === 'JobInputAsset') {
        inputs.push({ kind: 'JobInputAsset', index: ref.index, asset: job.InputMediaAssets[ref.index]! });
        continue;
      }
      const out = made[ref.index]!;
      inputs.push({ kind: 'JobOutputAsset', index: ref.index, producerTaskId: out.taskId, assetName: out.assetName, metadata: this.metadata.get(out.taskId)?.get(ref.index) });
    }
    return inputs;
  }

  /** Plain data, as a dispatcher that sends work elsewhere serializes it. */
  toJSON(): WorkItem {
    const { serial, taskId, jobId, taskName, jobName, attempt, mediaProcessorId, configuration, inputs, outputs, timeoutMs, pool, priority, jobPriority } = this;
    return { serial, taskId, jobId, taskName, jobName, attempt, mediaProcessorId, configuration, inputs, outputs, timeoutMs, pool, priority, jobPriority };
  }
}
