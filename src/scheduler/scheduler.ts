import { ArgumentRangeError, ArgumentTypeError, ValidationError, describeValue } from '../errors.js';
import { STATE_NAMES, TaskOptions, TaskState, isFinalState } from '../job/enums.js';
import { randomIds, type IdFactory } from '../job/ids.js';
import type { Job, Task } from '../job/model.js';
import { resolveDependencies, resolveDependenciesOfRefs, type Dependencies } from '../graph/dependencies.js';
import { isValidationResult, validateJob, type Profile, type ValidationResult } from '../validate/validate.js';
import { EV, EVENT_CODES, EventLog } from './event-log.js';
import { SchedulerError } from './errors.js';
import { growFloat64, growInt32, growUint8 } from './growable.js';
import { ReadyQueues } from './ready-queues.js';
import { computeKeys, policyName, type Policy } from './policy.js';
import type { ErrorDetail, Explanation, JobStateChange, JobView, TaskClaim, TaskProgressEvent, TaskStateChange, TaskView } from './views.js';
import { isoOrNull } from './views.js';
import { SNAPSHOT_FORMAT, jobFromSnapshot, jobToSnapshot, type SchedulerSnapshot } from './snapshot.js';

export interface SchedulerOptions {
  /** Tasks that may run at once over all pools. @defaultValue Infinity */
  concurrency?: number;
  /** Slots per pool (the analogue of reserved units). A task whose pool is not listed is limited only by `concurrency`. */
  pools?: Record<string, number>;
  /** Names a task's pool. @defaultValue the task's MediaProcessorId */
  poolOf?: (task: Task, job: Job) => string;
  /** When a task fails, cancel the rest of its job (tasks with DoNotCancelOnJobFailure excepted). @defaultValue false */
  failFast?: boolean;
  /** Starts a task may have; a retryable failure on the last one is final. @defaultValue Infinity */
  maxAttempts?: number;
  /** The clock, in epoch milliseconds. @defaultValue Date.now */
  now?: () => number;
  /** Makes job and task ids. @defaultValue random GUIDs */
  ids?: IdFactory;
  /** Validation profile for submitted jobs. @defaultValue 'relaxed' */
  profile?: Profile;
  /** The order among ready tasks. @defaultValue 'priority' */
  policy?: Policy;
  /** Called when an event listener throws; the scheduler's state is already consistent. @defaultValue process.emitWarning */
  onListenerError?: (error: unknown) => void;
}

export interface SubmitOptions {
  /** Job priority; overrides the definition's Priority. Higher first among tasks of equal priority. */
  priority?: number;
  /** Overrides the scheduler's failFast for this job. */
  failFast?: boolean;
}

export interface TaskFilter {
  jobId?: string;
  state?: number | readonly number[];
  mediaProcessorId?: string;
}

export interface FailOptions {
  /** An ErrorDetail code; the reference's encoding codes where they fit. @defaultValue 'ErrorProcessingTask' */
  code?: string;
  message?: string;
  /** Put the task back to Scheduled (a new attempt) instead of failing it. */
  retryable?: boolean;
  /**
   * With `retryable`: keep the task out of the ready set until {@link Scheduler.resume} is called,
   * so an executor can wait out a backoff without holding a slot.
   */
  hold?: boolean;
}

export interface RestoreOptions extends Pick<SchedulerOptions, 'poolOf' | 'now' | 'ids' | 'onListenerError' | 'policy'> {
  /** What becomes of tasks that were Processing: `requeue` (at least once, the default) or `keep`. */
  processing?: 'requeue' | 'keep';
}

interface SchedulerEvents {
  taskStateChange: TaskStateChange;
  taskProgress: TaskProgressEvent;
  jobStateChange: JobStateChange;
}
type EventName = keyof SchedulerEvents;

/** Book-keeping of one submitted job. */
interface JobRecord {
  readonly index: number;
  /** The model; a forgotten job's is dropped (an empty stand-in) to free its memory. */
  job: Job;
  deps: Dependencies;
  /** Forgotten ({@link Scheduler.forget}): in no view or lookup; its typed-array slots stay, unused. */
  forgotten: boolean;
  /** Global index of its first task; its tasks are base … base + count - 1. */
  readonly base: number;
  readonly count: number;
  priority: number;
  failFast: boolean;
  /** Offset of its tasks-per-state counters (7 of them) in the scheduler's shared array. */
  readonly countsAt: number;
  state: number;
  created: number;
  lastModified: number;
  startTime: number;
  endTime: number;
  cancelRequested: boolean;
}

const NO_TIME = NaN;

/** What a forgotten job's record keeps in place of its model. */
const FORGOTTEN: Job = Object.freeze({ Id: '', Name: '', Priority: 0, TemplateId: null, InputMediaAssets: [], Tasks: [], JobNotificationSubscriptions: [] }) as unknown as Job;

/** The task state each event code leaves a task in; -1 for events that change no state (retrying, logs). */
const STATE_OF_EVENT: readonly number[] = (() => {
  const m = new Array<number>(EVENT_CODES.length).fill(-1);
  m[EV.Queued] = TaskState.Queued;
  m[EV.WaitingForFreeResources] = TaskState.Scheduled;
  m[EV.Scheduled] = TaskState.Scheduled;
  m[EV.Processing] = TaskState.Processing;
  m[EV.Finished] = TaskState.Finished;
  m[EV.Error] = TaskState.Error;
  m[EV.Canceled] = TaskState.Canceled;
  m[EV.Canceling] = TaskState.Canceling;
  m[EV.Requeued] = TaskState.Scheduled;
  return m;
})();

/** The changes a store takes from {@link Scheduler.readJournal}. */
export interface JournalChunk {
  /** The event row after the last one read: the next call's `from`. */
  to: number;
  /** Per row: the job's position, the task's index in its job, the event code and time. */
  job: Int32Array;
  task: Int32Array;
  code: Uint8Array;
  time: Float64Array;
  /** Rows (0-based in this chunk) with a message or a custom code, ascending. */
  text: Array<[row: number, message: string, customCode: string | undefined]>;
  /** ErrorDetails added: [job position, task index, detail]. */
  errors: Array<[job: number, task: number, detail: ErrorDetail]>;
  /** Jobs whose record (cancel requested) changed. */
  dirtyJobs: number[];
}

/** A job's record as a store keeps it. */
export interface JournalJobRecord {
  id: string;
  priority: number;
  failFast: boolean;
  created: number;
  cancelRequested: boolean;
}

/** One job as a store gives it back to {@link Scheduler.recover}. */
export interface RecoveredJob {
  job: Job;
  priority: number;
  failFast: boolean;
  created: number;
  cancelRequested: boolean;
  /** The job's events in the order they were logged; `task` is the index in the job; `text` by row, ascending. */
  events: { task: Int32Array; code: Uint8Array; time: Float64Array; text: Array<[row: number, message: string, customCode: string | undefined]> };
  /** ErrorDetails by task index. */
  errors: Map<number, ErrorDetail[]>;
  /** Last progress recorded, by task index (a Finished task is at 100 whatever this says). */
  progress: Map<number, number>;
  /** Tasks waiting out a retry backoff (the caller resumes them when it is over). */
  held: ReadonlySet<number>;
}

/**
 * The online scheduler: submit jobs, ask which task may run now, report what happened.
 *
 * Per-task state lives in typed arrays indexed by a global task number (jobs are appended in
 * submission order); dependencies are a CSR built once per job from integer asset indices; entity
 * views are built on demand.
 *
 * @example
 * const s = new Scheduler({ concurrency: 4, pools: { [MES]: 2 } });
 * const job = s.submit(definition);
 * for (let c = s.next(); c; c = s.next()) start(c);   // later: s.complete(c.taskId)
 */
export class Scheduler {
  readonly #concurrency: number;
  readonly #poolSlots: Record<string, number>;
  readonly #poolOf: (task: Task, job: Job) => string;
  /** Pools are MediaProcessorIds (no `poolOf` given): a claim names its pool without a call. */
  readonly #defaultPools: boolean;
  readonly #failFast: boolean;
  readonly #maxAttempts: number;
  readonly #now: () => number;
  readonly #ids: IdFactory;
  readonly #profile: Profile;
  readonly #policy: Policy;
  readonly #onListenerError: (error: unknown) => void;

  // Per task, by global index.
  #taskCount = 0;
  #state = new Uint8Array(0);
  #key1 = new Float64Array(0);
  #key2 = new Float64Array(0);
  #jobOf = new Int32Array(0);
  #poolIdx = new Int32Array(0);
  #pending = new Int32Array(0);
  #attempts = new Int32Array(0);
  #progress = new Float64Array(0);
  #start = new Float64Array(0);
  #end = new Float64Array(0);
  // Successors as CSR over global indices; jobs append their block.
  #succOffset = new Int32Array(1);
  #succ = new Int32Array(0);
  #edgeCount = 0;
  #errors = new Map<number, ErrorDetail[]>();
  /** Scheduled tasks kept out of the ready set while a retry backs off. */
  #held = new Set<number>();

  #jobs: JobRecord[] = [];
  /** Tasks per state of every job: 8 slots a job (7 states, one spare for alignment). */
  #jobCounts = new Int32Array(64);
  #jobById = new Map<string, number>();
  #taskById = new Map<string, number>();
  #poolNames: string[] = [];
  #poolByName = new Map<string, number>();
  #running = 0;
  #ready: ReadyQueues;
  #events = new EventLog();
  /** What a store needs besides the event log (see {@link Scheduler.enableJournal}); undefined until asked for. */
  #journal: { errors: Array<[number, ErrorDetail]>; dirtyJobs: Set<number> } | undefined;
  /** Set by recover(): how many event rows came from the store. */
  #storedRows: number | undefined;
  #listeners: { [K in EventName]: Array<(e: SchedulerEvents[K]) => void> } = { taskStateChange: [], taskProgress: [], jobStateChange: [] };
  readonly #isReady = (t: number): boolean => this.#state[t] === TaskState.Scheduled;

  constructor(options: SchedulerOptions = {}) {
    checkOptions(options);
    this.#concurrency = options.concurrency ?? Infinity;
    this.#poolSlots = { ...(options.pools ?? {}) };
    this.#poolOf = options.poolOf ?? ((task) => task.MediaProcessorId);
    this.#defaultPools = options.poolOf === undefined;
    this.#failFast = options.failFast ?? false;
    this.#maxAttempts = options.maxAttempts ?? Infinity;
    this.#now = options.now ?? Date.now;
    this.#ids = options.ids ?? randomIds;
    this.#profile = options.profile ?? 'relaxed';
    this.#policy = options.policy ?? 'priority';
    this.#onListenerError = options.onListenerError ?? ((e) => process.emitWarning(`jobgraph: a Scheduler listener threw: ${thrownText(e)}`));
    this.#ready = new ReadyQueues(this.#key1, this.#key2);
    // Pool 0 holds tasks whose pool has no configured slots: only `concurrency` limits them.
    this.#poolNames.push('');
    this.#ready.addPool(Infinity);
  }

  /** Tasks running now (Processing or Canceling). */
  get running(): number {
    return this.#running;
  }

  /** The global concurrency limit. */
  get concurrency(): number {
    return this.#concurrency;
  }

  // ---------------------------------------------------------------- submit

  /**
   * Validates a Create-Job body and adds the job; tasks with no dependencies become Scheduled.
   * A result of `validateJob()` is taken as it is (validate once, submit without parsing again);
   * its job and task ids are used, so one result can be submitted to a scheduler only once.
   * @param definition JSON text, the parsed object, or a `validateJob()` result.
   * @returns the job's view.
   * @throws ValidationError (code `VALIDATION_FAILED`) carrying every diagnostic when the job is invalid.
   */
  submit(definition: unknown, options: SubmitOptions = {}): JobView {
    return this.#jobView(this.#jobs[this.#jobById.get(this.add(definition, options))!]!);
  }

  /**
   * As {@link submit}, returning only the job's id: for bulk loads (simulations, restores of many
   * jobs) that would throw the view away.
   */
  add(definition: unknown, options: SubmitOptions = {}): string {
    if (options.priority !== undefined && !isInt32(options.priority)) {
      throw new ArgumentTypeError(`Scheduler.submit: expected \`priority\` to be a 32-bit integer, got ${describeValue(options.priority)}`);
    }
    const result: ValidationResult = isValidationResult(definition) ? definition : validateJob(definition, { profile: this.#profile, ids: this.#ids });
    if (!result.valid || !result.job) throw new ValidationError('Scheduler.submit', result.diagnostics);
    const job = result.job;
    if (this.#jobById.has(job.Id)) {
      throw new SchedulerError('JOB_EXISTS', `Scheduler.submit: a job with Id ${job.Id} was already submitted: leave Id out to get a new one`, { jobId: job.Id });
    }
    this.#indexTaskIds(job);
    const rec = this.#addJob(job, result.dependencies!, options.priority ?? job.Priority, options.failFast ?? this.#failFast, this.#now());
    this.#initialStates(rec);
    return job.Id;
  }

  #addJob(job: Job, deps: Dependencies, priority: number, failFast: boolean, created: number): JobRecord {
    const n = job.Tasks.length;
    const base = this.#taskCount;
    const total = base + n;
    this.#ensureTasks(total);
    const rec: JobRecord = {
      index: this.#jobs.length,
      job,
      deps,
      base,
      count: n,
      priority,
      failFast,
      countsAt: this.#jobs.length * 8,
      state: TaskState.Queued,
      created,
      lastModified: created,
      startTime: NO_TIME,
      endTime: NO_TIME,
      cancelRequested: false,
      forgotten: false,
    };
    this.#jobs.push(rec);
    this.#jobById.set(job.Id, rec.index);
    this.#jobCounts = growInt32(this.#jobCounts, rec.countsAt + 8);

    computeKeys(this.#policy, job, deps, priority, this.#key1, this.#key2, base);
    const pending = this.#pending;
    const m = deps.from.length;
    // Successor CSR block for this job: count, prefix-sum, fill.
    const off = this.#succOffset;
    for (let i = 0; i < n; i++) off[base + i + 1] = 0;
    let waiting = 0;
    for (let e = 0; e < m; e++) {
      off[base + deps.from[e]! + 1]!++;
      if (pending[base + deps.to[e]!]!++ === 0) waiting++;
    }
    // The events every task will log: Scheduled, Processing, Finished, and Queued first for a task
    // that waits. Growing the log later would allocate big buffers mid-run, and at a million tasks
    // each such allocation sets off a full GC of the whole heap (over a second).
    this.#events.reserve(this.#events.size + 3 * n + waiting);
    off[base] = this.#edgeCount;
    for (let i = 0; i < n; i++) off[base + i + 1]! += off[base + i]!;
    this.#succ = growInt32(this.#succ, this.#edgeCount + m);
    const cursor = new Int32Array(n);
    const succ = this.#succ;
    for (let e = 0; e < m; e++) {
      const a = deps.from[e]!;
      succ[off[base + a]! + cursor[a]!++] = base + deps.to[e]!;
    }
    this.#edgeCount += m;

    let lastPoolName: string | undefined;
    let lastPool = 0;
    for (let i = 0; i < n; i++) {
      const g = base + i;
      const task = job.Tasks[i]!;
      this.#jobOf[g] = rec.index;
      const poolName = this.#poolOf(task, job);
      // Consecutive tasks mostly share a pool: skip the map for a repeat.
      if (poolName !== lastPoolName) {
        lastPoolName = poolName;
        lastPool = this.#poolIndex(poolName);
      }
      this.#poolIdx[g] = lastPool;
    }
    this.#taskCount = total;
    this.#jobCounts[rec.countsAt + TaskState.Queued] = n;
    return rec;
  }

  /**
   * Adds the job's task ids to the id index, one map operation a task; on a duplicate id it takes
   * the job's ids out again and throws, leaving the scheduler as it was.
   */
  #indexTaskIds(job: Job): void {
    const map = this.#taskById;
    const base = this.#taskCount;
    const tasks = job.Tasks;
    for (let i = 0; i < tasks.length; i++) {
      const id = tasks[i]!.Id;
      const size = map.size;
      map.set(id, base + i);
      if (map.size === size) {
        for (let k = 0; k < i; k++) map.delete(tasks[k]!.Id);
        // The duplicate overwrote the earlier entry: put it back unless it was this job's own.
        const earlier = this.#findTaskIndexById(id, base);
        if (earlier !== -1) map.set(id, earlier);
        else map.delete(id);
        throw new SchedulerError('TASK_EXISTS', `Scheduler.submit: a task with Id ${id} was already submitted: leave task ids out to get new ones`, { taskId: id });
      }
    }
  }

  /** Slow path for the rare duplicate: the first task with this id among [0, limit). */
  #findTaskIndexById(id: string, limit: number): number {
    for (let g = 0; g < limit; g++) {
      const rec = this.#jobs[this.#jobOf[g]!]!;
      if (rec.job.Tasks[g - rec.base]!.Id === id) return g;
    }
    return -1;
  }

  #initialStates(rec: JobRecord): void {
    const now = rec.created;
    for (let g = rec.base; g < rec.base + rec.count; g++) {
      if (this.#pending[g] === 0) {
        this.#setState(g, rec, TaskState.Scheduled, now, EV.Scheduled);
        this.#ready.push(this.#poolIdx[g]!, g);
      } else {
        this.#events.add(g, EV.Queued, now);
      }
    }
    this.#refreshJob(rec, now);
  }

  #poolIndex(name: string): number {
    const known = this.#poolByName.get(name);
    if (known !== undefined) return known;
    const slots = this.#poolSlots[name];
    if (slots === undefined) {
      this.#poolByName.set(name, 0);
      return 0;
    }
    const p = this.#ready.addPool(slots);
    this.#poolNames.push(name);
    this.#poolByName.set(name, p);
    return p;
  }

  #ensureTasks(total: number): void {
    if (this.#state.length >= total) {
      this.#succOffset = growInt32(this.#succOffset, total + 1);
      return;
    }
    this.#state = growUint8(this.#state, total);
    this.#key1 = growFloat64(this.#key1, total);
    this.#key2 = growFloat64(this.#key2, total);
    this.#jobOf = growInt32(this.#jobOf, total);
    this.#poolIdx = growInt32(this.#poolIdx, total);
    this.#pending = growInt32(this.#pending, total);
    this.#attempts = growInt32(this.#attempts, total);
    this.#progress = growFloat64(this.#progress, total);
    this.#start = growFloat64(this.#start, total, NO_TIME);
    this.#end = growFloat64(this.#end, total, NO_TIME);
    this.#succOffset = growInt32(this.#succOffset, total + 1);
    this.#events.ensureTasks(this.#state.length);
    this.#ready.prio = this.#key1;
    this.#ready.jobPrio = this.#key2;
  }

  // ---------------------------------------------------------------- the hot path

  /**
   * Claims the best task that may start now and marks it Processing: highest task priority, then
   * job priority, then submission order, among pools with a free slot, within `concurrency`.
   * @returns the claim, or undefined when nothing may start.
   */
  next(): TaskClaim | undefined {
    const g = this.nextIndex();
    if (g === -1) return undefined;
    return this.#claim(g);
  }

  /** As {@link next}, returning the global task number (-1 for none): for loops that avoid objects. */
  nextIndex(): number {
    if (this.#running >= this.#concurrency) return -1;
    const g = this.#ready.pop(this.#isReady);
    if (g === -1) return -1;
    this.#running++;
    const now = this.#now();
    this.#attempts[g]!++;
    if (Number.isNaN(this.#start[g]!)) this.#start[g] = now;
    this.#progress[g] = 0;
    const rec = this.#jobs[this.#jobOf[g]!]!;
    this.#setState(g, rec, TaskState.Processing, now, EV.Processing);
    if (Number.isNaN(rec.startTime)) rec.startTime = now;
    this.#refreshJob(rec, now);
    return g;
  }

  #claim(g: number): TaskClaim {
    const rec = this.#jobs[this.#jobOf[g]!]!;
    const p = this.#poolIdx[g]!;
    return new Claim(this, g, this.#attempts[g]!, rec.job, g - rec.base, p !== 0 ? this.#poolNames[p]! : this.#defaultPools ? undefined : this.#poolOf);
  }

  /**
   * Reports that a Processing task finished; tasks waiting only on it become Scheduled. A task being
   * canceled (Canceling) becomes Canceled instead.
   * @throws SchedulerError `TASK_NOT_FOUND`, `INVALID_TRANSITION`
   */
  complete(task: string | TaskClaim): void {
    this.completeIndex(this.#resolve('complete', task));
  }

  /** As {@link complete}, by global task number. */
  completeIndex(g: number): void {
    const state = this.#state[g];
    if (state !== TaskState.Processing && state !== TaskState.Canceling) this.#invalid('complete', g, 'complete', 'start it first with next()');
    const rec = this.#jobs[this.#jobOf[g]!]!;
    const now = this.#now();
    this.#stopRunning(g);
    this.#end[g] = now;
    if (state === TaskState.Canceling) {
      this.#setState(g, rec, TaskState.Canceled, now, EV.Canceled);
      this.#cancelDependents(g, rec, now, 'its dependency was canceled');
      this.#refreshJob(rec, now);
      return;
    }
    this.#progress[g] = 100;
    this.#setState(g, rec, TaskState.Finished, now, EV.Finished);
    const succ = this.#succ;
    const pending = this.#pending;
    for (let e = this.#succOffset[g]!, end = this.#succOffset[g + 1]!; e < end; e++) {
      const s = succ[e]!;
      if (--pending[s]! === 0 && this.#state[s] === TaskState.Queued) {
        this.#setState(s, rec, TaskState.Scheduled, now, EV.Scheduled);
        this.#ready.push(this.#poolIdx[s]!, s);
      }
    }
    this.#refreshJob(rec, now);
  }

  /**
   * Reports that a Processing task failed. With `retryable` (and attempts left) it goes back to
   * Scheduled; otherwise it is Error, its transitive dependents are Canceled (they can never run),
   * and with failFast the rest of its job is canceled too.
   * @throws SchedulerError `TASK_NOT_FOUND`, `INVALID_TRANSITION`
   */
  fail(task: string | TaskClaim, options: FailOptions = {}): void {
    const g = this.#resolve('fail', task);
    const state = this.#state[g];
    if (state !== TaskState.Processing && state !== TaskState.Canceling) this.#invalid('fail', g, 'fail', 'only a Processing task can fail');
    if (options.code !== undefined && typeof options.code !== 'string') throw new ArgumentTypeError(`Scheduler.fail: expected \`code\` to be a string, got ${describeValue(options.code)}`);
    const rec = this.#jobs[this.#jobOf[g]!]!;
    const now = this.#now();
    this.#stopRunning(g);
    const code = options.code ?? 'ErrorProcessingTask';
    const message = options.message ?? '';
    if (state === TaskState.Canceling) {
      this.#end[g] = now;
      this.#setState(g, rec, TaskState.Canceled, now, EV.Canceled, message);
      this.#cancelDependents(g, rec, now, 'its dependency was canceled');
      this.#refreshJob(rec, now);
      return;
    }
    if (options.retryable && this.#attempts[g]! < this.#maxAttempts) {
      this.#events.add(g, EV.Retrying, now, `${code}: ${message}`.replace(/: $/, ''));
      this.#setState(g, rec, TaskState.Scheduled, now, EV.Scheduled);
      if (options.hold) this.#held.add(g);
      else this.#ready.push(this.#poolIdx[g]!, g);
      this.#refreshJob(rec, now);
      return;
    }
    this.#end[g] = now;
    this.#addError(g, { Code: code, Message: message });
    this.#setState(g, rec, TaskState.Error, now, EV.Error, message);
    const model = rec.job.Tasks[g - rec.base]!;
    this.#cancelDependents(g, rec, now, `task ${describeTask(model)} failed`);
    if (rec.failFast) this.#cancelRest(rec, now, `task ${describeTask(model)} failed and the job fails fast`, true);
    this.#refreshJob(rec, now);
  }

  /**
   * Returns a task held by `fail(…, { retryable: true, hold: true })` to the ready set.
   * @returns false when the task is not held (it was canceled meanwhile, or never held).
   */
  resume(task: string | TaskClaim): boolean {
    const g = this.#resolve('resume', task);
    if (!this.#held.delete(g)) return false;
    if (this.#state[g] === TaskState.Scheduled) this.#ready.push(this.#poolIdx[g]!, g);
    return true;
  }

  /**
   * The claim of a task that is Processing or Canceling, as `next()` returned it: for an engine that
   * takes up, after a restart, attempts still running elsewhere (on worker machines).
   * @throws SchedulerError `TASK_NOT_FOUND`, `INVALID_TRANSITION` when the task is not running
   */
  claimOf(task: string | TaskClaim): TaskClaim {
    const g = this.#resolve('claimOf', task);
    const state = this.#state[g];
    if (state !== TaskState.Processing && state !== TaskState.Canceling) this.#invalid('claimOf', g, 'claim', 'only a Processing or Canceling task has a claim');
    return this.#claim(g);
  }

  /**
   * Puts a Processing task back to Scheduled because its attempt was lost, not failed (the process
   * running it died): a `Requeued` event says why, and the lost attempt is not counted against
   * `maxAttempts` (its number is used again). The task runs again: at least once.
   * @throws SchedulerError `TASK_NOT_FOUND`, `INVALID_TRANSITION` when the task is not Processing
   */
  requeue(task: string | TaskClaim, reason = 'the attempt was lost'): void {
    const g = this.#resolve('requeue', task);
    if (this.#state[g] !== TaskState.Processing) this.#invalid('requeue', g, 'requeue', 'only a Processing task can be requeued');
    const rec = this.#jobs[this.#jobOf[g]!]!;
    const now = this.#now();
    this.#stopRunning(g);
    this.#attempts[g]!--;
    this.#progress[g] = 0;
    this.#events.add(g, EV.Requeued, now, String(reason));
    this.#setState(g, rec, TaskState.Scheduled, now, EV.Scheduled);
    this.#ready.push(this.#poolIdx[g]!, g);
    this.#refreshJob(rec, now);
  }

  /**
   * Reports progress (0–100) of a Processing task.
   * @throws RangeError for a percentage outside 0–100; SchedulerError for an unknown or not running task.
   */
  progress(task: string | TaskClaim, percent: number): void {
    const g = this.#resolve('progress', task);
    if (typeof percent !== 'number' || !(percent >= 0 && percent <= 100)) {
      throw new ArgumentRangeError(`Scheduler.progress: expected \`percent\` to be a number from 0 to 100, got ${describeValue(percent)}`);
    }
    const state = this.#state[g];
    if (state === TaskState.Canceling) return; // a late report from a task being canceled
    if (state !== TaskState.Processing) this.#invalid('progress', g, 'report progress of', 'only a Processing task makes progress');
    this.#progress[g] = percent;
    const rec = this.#jobs[this.#jobOf[g]!]!;
    const now = this.#now();
    rec.lastModified = now;
    const listeners = this.#listeners.taskProgress;
    if (listeners.length > 0) this.#emit('taskProgress', { taskId: rec.job.Tasks[g - rec.base]!.Id, jobId: rec.job.Id, serial: g, progress: percent, timestamp: now });
  }

  /**
   * Adds a historical event to a task (what a processor logs). `code` is free text, e.g. `Transcoding`.
   */
  log(task: string | TaskClaim, code: string, message = ''): void {
    const g = this.#resolve('log', task);
    if (typeof code !== 'string' || code === '') throw new ArgumentTypeError(`Scheduler.log: expected \`code\` to be a non-empty string, got ${describeValue(code)}`);
    this.#events.add(g, EV.Log, this.#now(), String(message), code);
  }

  /**
   * Cancels a job: tasks not started become Canceled, running ones Canceling until they report.
   * @throws SchedulerError `JOB_NOT_FOUND`, or `JOB_FINAL` when the job already ended or is being canceled.
   */
  cancelJob(jobId: string): JobView {
    const rec = this.#lookupJob('cancelJob', jobId);
    if (isFinalState(rec.state) || rec.state === TaskState.Canceling) {
      throw new SchedulerError('JOB_FINAL', `Scheduler.cancelJob: job ${jobId} is already ${STATE_NAMES[rec.state]}: nothing to cancel`, { jobId, state: STATE_NAMES[rec.state] });
    }
    const now = this.#now();
    rec.cancelRequested = true;
    this.#journal?.dirtyJobs.add(rec.index);
    this.#cancelRest(rec, now, 'the job was canceled', false);
    this.#refreshJob(rec, now);
    return this.#jobView(rec);
  }

  /**
   * Forgets an ended job: it leaves every view and lookup, and its model, ErrorDetails and event
   * texts are released. What stays is a few dozen bytes a task in the typed arrays (task numbers are
   * never reused: claims and events carry them); a process that restarts from a store has none.
   * @throws SchedulerError `JOB_NOT_FOUND`, or `JOB_NOT_ENDED` when the job has not ended
   */
  forget(jobId: string): void {
    const rec = this.#lookupJob('forget', jobId);
    if (!isFinalState(rec.state)) {
      throw new SchedulerError('JOB_NOT_ENDED', `Scheduler.forget: job ${jobId} is ${STATE_NAMES[rec.state]}: only an ended job can be forgotten; cancel it first`, { jobId, state: STATE_NAMES[rec.state] });
    }
    this.#jobById.delete(jobId);
    const tasks = rec.job.Tasks;
    for (let i = 0; i < rec.count; i++) {
      const g = rec.base + i;
      if (this.#taskById.get(tasks[i]!.Id) === g) this.#taskById.delete(tasks[i]!.Id);
      this.#errors.delete(g);
      this.#events.dropTexts(g);
    }
    rec.forgotten = true;
    rec.job = { ...FORGOTTEN, Id: jobId };
    rec.deps = resolveDependencies(rec.job);
  }

  #stopRunning(g: number): void {
    this.#running--;
    this.#ready.release(this.#poolIdx[g]!);
  }

  /** Cancels every unfinished task of the job; running ones become Canceling. */
  #cancelRest(rec: JobRecord, now: number, why: string, respectDoNotCancel: boolean): void {
    for (let g = rec.base; g < rec.base + rec.count; g++) {
      const s = this.#state[g]!;
      if (respectDoNotCancel && (rec.job.Tasks[g - rec.base]!.Options & TaskOptions.DoNotCancelOnJobFailure) !== 0) continue;
      if (s === TaskState.Queued || s === TaskState.Scheduled) {
        this.#held.delete(g);
        this.#end[g] = now;
        this.#addError(g, { Code: 'Canceled', Message: `canceled: ${why}` });
        this.#setState(g, rec, TaskState.Canceled, now, EV.Canceled, why);
      } else if (s === TaskState.Processing) {
        this.#setState(g, rec, TaskState.Canceling, now, EV.Canceling, why);
      }
    }
  }

  /** Cancels the transitive dependents of `g` that have not started (they never can). Iterative. */
  #cancelDependents(g: number, rec: JobRecord, now: number, why: string): void {
    const stack = [g];
    while (stack.length > 0) {
      const a = stack.pop()!;
      for (let e = this.#succOffset[a]!, end = this.#succOffset[a + 1]!; e < end; e++) {
        const s = this.#succ[e]!;
        const st = this.#state[s];
        if (st !== TaskState.Queued && st !== TaskState.Scheduled) continue;
        this.#held.delete(s);
        this.#end[s] = now;
        this.#addError(s, { Code: 'DependencyFailed', Message: `canceled: ${why}` });
        this.#setState(s, rec, TaskState.Canceled, now, EV.Canceled, why);
        stack.push(s);
      }
    }
  }

  #addError(g: number, detail: ErrorDetail): void {
    this.#journal?.errors.push([g, detail]);
    const list = this.#errors.get(g);
    if (list) list.push(detail);
    else this.#errors.set(g, [detail]);
  }

  #setState(g: number, rec: JobRecord, state: number, now: number, event: number, message?: string): void {
    const old = this.#state[g]!;
    this.#state[g] = state;
    const counts = this.#jobCounts;
    counts[rec.countsAt + old]!--;
    counts[rec.countsAt + state]!++;
    this.#events.add(g, event, now, message);
    const listeners = this.#listeners.taskStateChange;
    if (listeners.length > 0) {
      this.#emit('taskStateChange', { taskId: rec.job.Tasks[g - rec.base]!.Id, jobId: rec.job.Id, serial: g, oldState: old, newState: state, timestamp: now });
    }
  }

  /** Derives the job's state from its task counts and reports a change. */
  #refreshJob(rec: JobRecord, now: number): void {
    rec.lastModified = now;
    const c = this.#jobCounts;
    const o = rec.countsAt;
    let state: number;
    const errors = c[o + 4]!;
    const canceled = c[o + 5]!;
    const final = c[o + 3]! + errors + canceled;
    if (final === rec.count) {
      state = rec.cancelRequested ? TaskState.Canceled : errors > 0 ? TaskState.Error : canceled > 0 ? TaskState.Canceled : TaskState.Finished;
    } else if (c[o + 6]! > 0 || rec.cancelRequested) {
      state = TaskState.Canceling;
    } else if (c[o + 2]! > 0 || final > 0) {
      state = TaskState.Processing;
    } else if (c[o + 1]! > 0) {
      state = TaskState.Scheduled;
    } else {
      state = TaskState.Queued;
    }
    if (state === rec.state) return;
    const old = rec.state;
    rec.state = state;
    if (isFinalState(state)) rec.endTime = now;
    if (this.#listeners.jobStateChange.length > 0) this.#emit('jobStateChange', { jobId: rec.job.Id, oldState: old, newState: state, timestamp: now });
  }

  // ---------------------------------------------------------------- events

  /**
   * Subscribes to `taskStateChange`, `taskProgress` or `jobStateChange`.
   * @returns a function that unsubscribes.
   */
  on<K extends EventName>(event: K, listener: (e: SchedulerEvents[K]) => void): () => void {
    const list = this.#listeners[event] as Array<(e: SchedulerEvents[K]) => void> | undefined;
    if (!list) throw new ArgumentRangeError(`Scheduler.on: unknown event ${describeValue(event)}; events are taskStateChange, taskProgress, jobStateChange`, 'ERR_INVALID_ARG_VALUE');
    if (typeof listener !== 'function') throw new ArgumentTypeError(`Scheduler.on: expected \`listener\` to be a function, got ${describeValue(listener)}`);
    list.push(listener);
    return () => this.off(event, listener);
  }

  off<K extends EventName>(event: K, listener: (e: SchedulerEvents[K]) => void): void {
    const list = this.#listeners[event] as Array<(e: SchedulerEvents[K]) => void> | undefined;
    if (!list) return;
    const i = list.indexOf(listener);
    if (i !== -1) list.splice(i, 1);
  }

  #emit<K extends EventName>(event: K, payload: SchedulerEvents[K]): void {
    const list = this.#listeners[event] as Array<(e: SchedulerEvents[K]) => void>;
    for (const l of list.slice()) {
      try {
        l(payload);
      } catch (err) {
        // A listener's error must not break the state change half-way, nor may the handler's own.
        try {
          this.#onListenerError(err);
        } catch {
          /* nobody left to tell */
        }
      }
    }
  }

  // ---------------------------------------------------------------- lookups and views

  /** A task by id, or by the claim `next()` returned (no lookup: the claim knows its number). */
  #resolve(call: string, task: string | TaskClaim): number {
    if (typeof task !== 'object' || task === null) return this.#lookupTask(call, task);
    // A claim of this scheduler knows its task number: no lookup, and no visit to the task's model.
    if (task instanceof Claim && task.owner === this && !this.#jobs[this.#jobOf[task.serial]!]!.forgotten) return task.serial;
    const g = task.serial;
    if (typeof g === 'number' && g >= 0 && g < this.#taskCount) {
      const rec = this.#jobs[this.#jobOf[g]!]!;
      if (rec.job.Tasks[g - rec.base]?.Id === task.taskId) return g;
    }
    throw new SchedulerError('TASK_NOT_FOUND', `Scheduler.${call}: the claim for ${describeValue(task.taskId)} is not from this scheduler: pass the claim next() returned, or the task id`);
  }

  #lookupTask(call: string, taskId: string): number {
    const g = typeof taskId === 'string' ? this.#taskById.get(taskId) : undefined;
    if (g === undefined) {
      if (typeof taskId !== 'string') throw new ArgumentTypeError(`Scheduler.${call}: expected a task id string, got ${describeValue(taskId)}`);
      throw new SchedulerError('TASK_NOT_FOUND', `Scheduler.${call}: no task has Id ${JSON.stringify(taskId)}: use the taskId that next() returned`, { taskId });
    }
    return g;
  }

  #lookupJob(call: string, jobId: string): JobRecord {
    const j = typeof jobId === 'string' ? this.#jobById.get(jobId) : undefined;
    if (j === undefined) {
      if (typeof jobId !== 'string') throw new ArgumentTypeError(`Scheduler.${call}: expected a job id string, got ${describeValue(jobId)}`);
      throw new SchedulerError('JOB_NOT_FOUND', `Scheduler.${call}: no job has Id ${JSON.stringify(jobId)}`, { jobId });
    }
    return this.#jobs[j]!;
  }

  #invalid(call: string, g: number, verb: string, way: string): never {
    const rec = this.#jobs[this.#jobOf[g]!]!;
    const task = rec.job.Tasks[g - rec.base]!;
    const state = STATE_NAMES[this.#state[g]!]!;
    throw new SchedulerError('INVALID_TRANSITION', `Scheduler.${call}: cannot ${verb} task ${describeTask(task)} as it is ${state}: ${way}`, { taskId: task.Id, jobId: rec.job.Id, state });
  }

  /** The loaded job and task of a task number (as events and claims carry it). */
  modelOf(serial: number): { job: Job; task: Task } {
    if (!Number.isInteger(serial) || serial < 0 || serial >= this.#taskCount) {
      throw new ArgumentRangeError(`Scheduler.modelOf: expected a task number from 0 to ${this.#taskCount - 1}, got ${describeValue(serial)}`);
    }
    const rec = this.#jobs[this.#jobOf[serial]!]!;
    if (rec.forgotten) throw new SchedulerError('TASK_NOT_FOUND', `Scheduler.modelOf: task number ${serial} belongs to job ${rec.job.Id}, which was forgotten`, { jobId: rec.job.Id });
    return { job: rec.job, task: rec.job.Tasks[serial - rec.base]! };
  }

  /** A task's number (as claims and events carry it), by id. @throws SchedulerError `TASK_NOT_FOUND` */
  taskSerial(taskId: string): number {
    return this.#lookupTask('taskSerial', taskId);
  }

  /** The state (0–6) of a task, without building its view. */
  stateOf(task: string | TaskClaim): number {
    return this.#state[this.#resolve('stateOf', task)]!;
  }

  /** The task's view, or undefined for an unknown id. */
  task(taskId: string): TaskView | undefined {
    const g = this.#taskById.get(taskId);
    return g === undefined ? undefined : this.#taskView(g);
  }

  /** The job's view, or undefined for an unknown id. */
  job(jobId: string): JobView | undefined {
    const j = this.#jobById.get(jobId);
    return j === undefined ? undefined : this.#jobView(this.#jobs[j]!);
  }

  /** Views of every job, in submission order. */
  jobs(): JobView[] {
    const out: JobView[] = [];
    for (const r of this.#jobs) if (!r.forgotten) out.push(this.#jobView(r));
    return out;
  }

  /** Views of the tasks that match, in submission order. */
  tasks(filter: TaskFilter = {}): TaskView[] {
    const states = filter.state === undefined ? undefined : typeof filter.state === 'number' ? [filter.state] : filter.state;
    let from = 0;
    let to = this.#taskCount;
    if (filter.jobId !== undefined) {
      const rec = this.#lookupJob('tasks', filter.jobId);
      from = rec.base;
      to = rec.base + rec.count;
    }
    const out: TaskView[] = [];
    for (let g = from; g < to; g++) {
      if (states && !states.includes(this.#state[g]!)) continue;
      if (this.#jobs[this.#jobOf[g]!]!.forgotten) continue;
      if (filter.mediaProcessorId !== undefined) {
        const rec = this.#jobs[this.#jobOf[g]!]!;
        if (rec.job.Tasks[g - rec.base]!.MediaProcessorId !== filter.mediaProcessorId) continue;
      }
      out.push(this.#taskView(g));
    }
    return out;
  }

  /** The job a task belongs to, its position, attempts and pool: what views do not carry. */
  taskInfo(taskId: string): { jobId: string; index: number; attempts: number; pool: string; dependencies: string[]; dependents: string[] } {
    const g = this.#lookupTask('taskInfo', taskId);
    const rec = this.#jobs[this.#jobOf[g]!]!;
    const task = rec.job.Tasks[g - rec.base]!;
    return {
      jobId: rec.job.Id,
      index: task.index,
      attempts: this.#attempts[g]!,
      pool: this.#poolIdx[g] === 0 ? this.#poolOf(task, rec.job) : this.#poolNames[this.#poolIdx[g]!]!,
      dependencies: this.#predecessors(g).map((p) => rec.job.Tasks[p - rec.base]!.Id),
      dependents: [...new Set(this.#successors(g))].sort((a, b) => a - b).map((s) => rec.job.Tasks[s - rec.base]!.Id),
    };
  }

  /** The loaded job definition (model) of a job. */
  jobModel(jobId: string): Job {
    return this.#lookupJob('jobModel', jobId).job;
  }

  #successors(g: number): number[] {
    const out: number[] = [];
    for (let e = this.#succOffset[g]!; e < this.#succOffset[g + 1]!; e++) out.push(this.#succ[e]!);
    return out;
  }

  #predecessors(g: number): number[] {
    const rec = this.#jobs[this.#jobOf[g]!]!;
    const local = g - rec.base;
    const seen = new Set<number>();
    for (let e = 0; e < rec.deps.to.length; e++) if (rec.deps.to[e] === local) seen.add(rec.base + rec.deps.from[e]!);
    return [...seen].sort((a, b) => a - b);
  }

  #taskView(g: number): TaskView {
    const rec = this.#jobs[this.#jobOf[g]!]!;
    const t = rec.job.Tasks[g - rec.base]!;
    const state = this.#state[g]!;
    const start = this.#start[g]!;
    const end = this.#end[g]!;
    const running = Number.isNaN(start) ? 0 : (Number.isNaN(end) ? (state === TaskState.Processing || state === TaskState.Canceling ? this.#now() : start) : end) - start;
    return {
      Id: t.Id,
      Name: t.Name,
      Configuration: t.Configuration,
      MediaProcessorId: t.MediaProcessorId,
      Priority: t.Priority,
      State: state,
      Progress: this.#progress[g]!,
      StartTime: isoOrNull(start),
      EndTime: isoOrNull(end),
      RunningDuration: Math.max(0, running),
      PerfMessage: '',
      ErrorDetails: (this.#errors.get(g) ?? []).map((d) => ({ ...d })),
      HistoricalEvents: this.#events.eventsOf(g),
      TaskBody: t.TaskBody,
      Options: t.Options,
      EncryptionKeyId: t.EncryptionKeyId,
      EncryptionScheme: t.EncryptionScheme,
      EncryptionVersion: t.EncryptionVersion,
      InitializationVector: t.InitializationVector,
      TaskNotificationSubscriptions: t.TaskNotificationSubscriptions.map((s) => ({ ...s })),
    };
  }

  #jobView(rec: JobRecord): JobView {
    const start = rec.startTime;
    const end = rec.endTime;
    return {
      Id: rec.job.Id,
      Name: rec.job.Name,
      Priority: rec.priority,
      State: rec.state,
      Created: new Date(rec.created).toISOString(),
      LastModified: new Date(rec.lastModified).toISOString(),
      StartTime: isoOrNull(start),
      EndTime: isoOrNull(end),
      RunningDuration: Number.isNaN(start) ? 0 : Math.max(0, (Number.isNaN(end) ? this.#now() : end) - start),
      TemplateId: rec.job.TemplateId,
      JobNotificationSubscriptions: rec.job.JobNotificationSubscriptions.map((s) => ({ ...s })),
    };
  }

  /**
   * Says why a task is not running: the dependencies it waits on, or the pool that is full and how
   * many ready tasks of that pool go before it.
   */
  explain(taskId: string): Explanation {
    const g = this.#lookupTask('explain', taskId);
    const rec = this.#jobs[this.#jobOf[g]!]!;
    const task = rec.job.Tasks[g - rec.base]!;
    const state = this.#state[g]!;
    const p = this.#poolIdx[g]!;
    const pool = p === 0 ? this.#poolOf(task, rec.job) : this.#poolNames[p]!;
    const slots = this.#ready.slotsOf(p);
    const poolRunning = p === 0 ? this.#running : this.#ready.runningIn(p);
    const base = { taskId, state: STATE_NAMES[state]!, waitingOn: [] as Explanation['waitingOn'], pool, poolSlots: slots, poolRunning, ahead: 0 };
    const name = describeTask(task);
    if (isFinalState(state)) return { ...base, reason: 'final', message: `task ${name} has ended: it is ${STATE_NAMES[state]}` };
    if (state === TaskState.Processing) return { ...base, reason: 'running', message: `task ${name} is running (attempt ${this.#attempts[g]})` };
    if (state === TaskState.Canceling) return { ...base, reason: 'canceling', message: `task ${name} is being canceled and has not reported yet` };
    if (state === TaskState.Queued) {
      const waitingOn = this.#predecessors(g)
        .filter((d) => this.#state[d] !== TaskState.Finished)
        .map((d) => {
          const dt = rec.job.Tasks[d - rec.base]!;
          return { taskId: dt.Id, name: dt.Name, state: STATE_NAMES[this.#state[d]!]! };
        });
      const list = waitingOn.map((w) => `${w.name !== '' ? `"${w.name}"` : w.taskId} (${w.state})`).join(', ');
      return { ...base, waitingOn, reason: 'waiting-on-dependencies', message: `task ${name} waits on ${waitingOn.length} task${waitingOn.length === 1 ? '' : 's'}: ${list}` };
    }
    if (this.#held.has(g)) {
      return { ...base, reason: 'retry-backoff', message: `task ${name} failed and waits to be retried (attempt ${this.#attempts[g]} ended)` };
    }
    let ahead = 0;
    const heap = this.#ready.heapOf(p);
    for (let i = 0; i < heap.length; i++) {
      const o = heap[i]!;
      if (o !== g && this.#state[o] === TaskState.Scheduled && this.#ready.before(o, g)) ahead++;
    }
    if (this.#running >= this.#concurrency) {
      return { ...base, ahead, reason: 'concurrency-full', message: `task ${name} is ready, but all ${this.#concurrency} slots of the scheduler are taken; ${ahead} ready task${ahead === 1 ? '' : 's'} of pool "${pool}" go before it` };
    }
    if (p !== 0 && this.#ready.runningIn(p) >= slots) {
      return { ...base, ahead, reason: 'pool-full', message: `task ${name} is ready, but pool "${pool}" has all ${slots} slot${slots === 1 ? '' : 's'} taken; ${ahead} ready task${ahead === 1 ? '' : 's'} go before it` };
    }
    return { ...base, ahead, reason: 'ready', message: `task ${name} is ready and will start at the next call of next()${ahead > 0 ? ` after ${ahead} task${ahead === 1 ? '' : 's'} before it` : ''}` };
  }

  // ---------------------------------------------------------------- persistence

  /** The whole scheduler as plain JSON; {@link Scheduler.restore} rebuilds it. */
  snapshot(): SchedulerSnapshot {
    const n = this.#taskCount;
    // Forgotten jobs are left out: live tasks are numbered afresh, in the same order.
    const renumber = new Int32Array(n).fill(-1);
    const live: number[] = [];
    for (const r of this.#jobs) {
      if (r.forgotten) continue;
      for (let g = r.base; g < r.base + r.count; g++) {
        renumber[g] = live.length;
        live.push(g);
      }
    }
    const errors: Record<string, ErrorDetail[]> = {};
    for (const [g, list] of this.#errors) if (renumber[g] !== -1) errors[renumber[g]!] = list.map((d) => ({ ...d }));
    const pools: Record<string, number> = {};
    for (const [k, v] of Object.entries(this.#poolSlots)) pools[k] = v;
    const pick = <T>(read: (g: number) => T): T[] => live.map(read);
    const events: SchedulerSnapshot['events'] = [];
    for (const row of this.#events.rows()) {
      const k = renumber[row[0]]!;
      if (k === -1) continue;
      row[0] = k;
      events.push(row);
    }
    return {
      format: SNAPSHOT_FORMAT,
      options: {
        concurrency: Number.isFinite(this.#concurrency) ? this.#concurrency : null,
        pools,
        failFast: this.#failFast,
        maxAttempts: Number.isFinite(this.#maxAttempts) ? this.#maxAttempts : null,
        profile: this.#profile,
        policy: policyName(this.#policy),
        poolOf: this.#defaultPools ? 'MediaProcessorId' : 'custom',
      },
      jobs: this.#jobs
        .filter((r) => !r.forgotten)
        .map((r) => ({
          job: jobToSnapshot(r.job),
          priority: r.priority,
          failFast: r.failFast,
          state: r.state,
          created: r.created,
          lastModified: r.lastModified,
          startTime: nullIfNaN(r.startTime),
          endTime: nullIfNaN(r.endTime),
          cancelRequested: r.cancelRequested,
        })),
      tasks: {
        state: pick((g) => this.#state[g]!),
        attempts: pick((g) => this.#attempts[g]!),
        progress: pick((g) => this.#progress[g]!),
        start: pick((g) => nullIfNaN(this.#start[g]!)),
        end: pick((g) => nullIfNaN(this.#end[g]!)),
        errors,
        held: [...this.#held].map((g) => renumber[g]!).filter((k) => k !== -1).sort((a, b) => a - b),
      },
      events,
    };
  }

  /**
   * Rebuilds a scheduler from {@link snapshot}. It behaves as the original would have; tasks that
   * were Processing come back Scheduled (run at least once; the lost attempt is not counted) unless
   * `processing: 'keep'`. Functions cannot be saved: pass `policy` and `poolOf` again when the
   * original had them.
   * @throws SchedulerError `SNAPSHOT_INVALID` when the snapshot is not one of ours;
   *   `SNAPSHOT_POLICY_MISMATCH` when `options.policy` is not the policy the snapshot was taken under;
   *   `SNAPSHOT_POOL_OF_MISSING` when the snapshot was taken with a `poolOf` and none is given.
   */
  static restore(snapshot: SchedulerSnapshot, options: RestoreOptions = {}): Scheduler {
    if (typeof snapshot !== 'object' || snapshot === null || snapshot.format !== SNAPSHOT_FORMAT) {
      throw new SchedulerError('SNAPSHOT_INVALID', `Scheduler.restore: expected a snapshot with format "${SNAPSHOT_FORMAT}", got ${describeValue((snapshot as { format?: unknown } | null)?.format)}`);
    }
    const o = snapshot.options;
    // Snapshots taken before policies were recorded say nothing: any policy is taken as given.
    if (o.policy !== undefined) {
      const given = policyName(options.policy ?? 'priority');
      if (given !== o.policy) {
        throw new SchedulerError(
          'SNAPSHOT_POLICY_MISMATCH',
          `Scheduler.restore: the snapshot was taken under policy "${o.policy}" but ${options.policy === undefined ? 'no policy (so "priority")' : `policy "${given}"`} was given: pass the snapshot's policy again (a policy with functions, as { name: "${o.policy}", … }), or submit the jobs afresh to change it`,
        );
      }
    }
    if (o.poolOf === 'custom' && options.poolOf === undefined) {
      throw new SchedulerError('SNAPSHOT_POOL_OF_MISSING', 'Scheduler.restore: the snapshot was taken with a poolOf function, which a snapshot cannot hold: pass it again as options.poolOf');
    }
    const s = new Scheduler({
      concurrency: o.concurrency ?? Infinity,
      pools: o.pools,
      failFast: o.failFast,
      maxAttempts: o.maxAttempts ?? Infinity,
      profile: o.profile,
      ...(options.poolOf ? { poolOf: options.poolOf } : {}),
      ...(options.now ? { now: options.now } : {}),
      ...(options.ids ? { ids: options.ids } : {}),
      ...(options.policy ? { policy: options.policy } : {}),
      ...(options.onListenerError ? { onListenerError: options.onListenerError } : {}),
    });
    try {
      s.#load(snapshot, options.processing ?? 'requeue');
    } catch (err) {
      if (err instanceof SchedulerError) throw err;
      throw new SchedulerError('SNAPSHOT_INVALID', `Scheduler.restore: the snapshot is damaged: ${(err as Error).message}`);
    }
    return s;
  }

  #load(snap: SchedulerSnapshot, processing: 'requeue' | 'keep'): void {
    const t = snap.tasks;
    for (const j of snap.jobs) {
      const job = jobFromSnapshot(j.job);
      this.#indexTaskIds(job);
      const rec = this.#addJob(job, resolveDependencies(job), j.priority, j.failFast, j.created);
      rec.state = j.state;
      rec.lastModified = j.lastModified;
      rec.startTime = j.startTime ?? NO_TIME;
      rec.endTime = j.endTime ?? NO_TIME;
      rec.cancelRequested = j.cancelRequested;
    }
    const n = this.#taskCount;
    if (t.state.length !== n) throw new SchedulerError('SNAPSHOT_INVALID', `Scheduler.restore: the snapshot has ${t.state.length} task states for ${n} tasks`);
    for (const row of snap.events) this.#events.add(row[0], row[1], row[2], row[3], row[4]);
    for (const [g, list] of Object.entries(t.errors)) this.#errors.set(Number(g), list.map((d) => ({ ...d })));
    let now = NaN; // read the clock only when a task is requeued, so a plain restore changes nothing
    for (let g = 0; g < n; g++) {
      const rec = this.#jobs[this.#jobOf[g]!]!;
      let state = t.state[g]!;
      this.#attempts[g] = t.attempts[g]!;
      this.#progress[g] = t.progress[g]!;
      this.#start[g] = t.start[g] ?? NO_TIME;
      this.#end[g] = t.end[g] ?? NO_TIME;
      if (state === TaskState.Finished) {
        for (let e = this.#succOffset[g]!; e < this.#succOffset[g + 1]!; e++) this.#pending[this.#succ[e]!]!--;
      }
      if (state === TaskState.Processing && processing === 'requeue') {
        if (Number.isNaN(now)) now = this.#now();
        this.#events.add(g, EV.Requeued, now, 'the scheduler was restored while the task ran');
        this.#events.add(g, EV.Scheduled, now);
        this.#attempts[g]!--;
        this.#progress[g] = 0;
        state = TaskState.Scheduled;
      }
      this.#jobCounts[rec.countsAt + TaskState.Queued]!--;
      this.#jobCounts[rec.countsAt + state]!++;
      this.#state[g] = state;
    }
    // Backoffs do not survive a restart: held tasks are ready again, unless running tasks are kept too.
    if (processing === 'keep') for (const g of t.held ?? []) this.#held.add(g);
    for (let g = 0; g < n; g++) {
      const state = this.#state[g]!;
      if (state === TaskState.Scheduled && !this.#held.has(g)) this.#ready.push(this.#poolIdx[g]!, g);
      else if (state === TaskState.Processing || state === TaskState.Canceling) {
        this.#running++;
        this.#ready.occupy(this.#poolIdx[g]!);
      }
    }
    for (const rec of this.#jobs) this.#refreshJob(rec, rec.lastModified);
  }

  // ---------------------------------------------------------------- journal (for a RunStore)

  /**
   * Starts keeping what a store needs besides the event log: ErrorDetails as they are added and the
   * jobs whose record changed (a cancel). Off by default, so a scheduler without a store pays nothing.
   */
  enableJournal(): void {
    this.#journal ??= { errors: [], dirtyJobs: new Set() };
  }

  /** Rows in the event log: a store's watermark. */
  get eventCount(): number {
    return this.#events.size;
  }

  /**
   * The changes since event row `from`, for a store: the event rows with their job and task index,
   * the ErrorDetails added and the jobs whose record changed since the last call (both drained).
   * The store is built on this log: it is the scheduler's own record of every transition.
   */
  readJournal(from: number): JournalChunk {
    const to = this.#events.size;
    const rows = this.#events.copyRows(from, to);
    const n = to - from;
    const job = new Int32Array(n);
    const task = rows.task;
    const jobOf = this.#jobOf;
    const jobs = this.#jobs;
    const text: JournalChunk['text'] = [];
    for (let i = 0; i < n; i++) {
      const g = task[i]!;
      const j = jobOf[g]!;
      job[i] = j;
      task[i] = g - jobs[j]!.base;
      const m = this.#events.messageAt(from + i);
      const c = this.#events.customCodeAt(from + i);
      if (m !== undefined || c !== undefined) text.push([i, m ?? '', c]);
    }
    const errors: JournalChunk['errors'] = [];
    const dirty: number[] = [];
    if (this.#journal) {
      for (const [g, d] of this.#journal.errors) {
        const j = jobOf[g]!;
        errors.push([j, g - jobs[j]!.base, d]);
      }
      this.#journal.errors.length = 0;
      dirty.push(...this.#journal.dirtyJobs);
      this.#journal.dirtyJobs.clear();
    }
    return { to, job, task, code: rows.code, time: rows.time, text, errors, dirtyJobs: dirty };
  }

  /** A job's position in submission order (what journal rows carry), or -1. */
  jobIndex(jobId: string): number {
    return this.#jobById.get(jobId) ?? -1;
  }

  /** What a store keeps of a job's record, by position. */
  jobRecord(index: number): JournalJobRecord {
    const rec = this.#jobs[index];
    if (rec === undefined) throw new ArgumentRangeError(`Scheduler.jobRecord: no job at position ${describeValue(index)}`);
    return { id: rec.job.Id, priority: rec.priority, failFast: rec.failFast, created: rec.created, cancelRequested: rec.cancelRequested };
  }

  /**
   * Rebuilds a scheduler from what a store kept: each job's model (as accepted: its references are
   * all valid, so dependencies come from `inputs` and `outputs`) and record, and its events in the
   * order they were logged. Task state, attempts, start and end times are derived from the events
   * (the log is the journal); tasks that were Processing or Canceling stay so, counted as running,
   * for the caller to requeue or end ({@link requeue}, {@link complete}). A job with no events at
   * all was accepted but never flushed: it starts afresh.
   * @throws SchedulerError `JOURNAL_INVALID` for events that do not fit the job (a damaged store).
   */
  static recover(jobs: readonly RecoveredJob[], options: SchedulerOptions = {}): Scheduler {
    const s = new Scheduler(options);
    s.#recoverAll(jobs);
    return s;
  }

  #recoverAll(list: readonly RecoveredJob[]): void {
    const fresh: JobRecord[] = [];
    for (const rj of list) {
      if (this.#jobById.has(rj.job.Id)) throw new SchedulerError('JOURNAL_INVALID', `Scheduler.recover: job ${rj.job.Id} is stored twice`, { jobId: rj.job.Id });
      this.#indexTaskIds(rj.job);
      const rec = this.#addJob(rj.job, resolveDependenciesOfRefs(rj.job), rj.priority, rj.failFast, rj.created);
      rec.cancelRequested = rj.cancelRequested;
      if (rj.events.code.length === 0) fresh.push(rec);
      else this.#replay(rec, rj);
    }
    for (let g = 0; g < this.#taskCount; g++) {
      const state = this.#state[g]!;
      if (state === TaskState.Scheduled && !this.#held.has(g)) this.#ready.push(this.#poolIdx[g]!, g);
      else if (state === TaskState.Processing || state === TaskState.Canceling) {
        this.#running++;
        this.#ready.occupy(this.#poolIdx[g]!);
      }
    }
    // Everything logged from here on is new to the store: the first states of the jobs it holds
    // without events (accepted, then the process died before their first changes were written).
    this.#storedRows = this.#events.size;
    for (const rec of fresh) this.#initialStates(rec);
  }

  /**
   * Event rows that {@link Scheduler.recover} read from the store: the rows after them are new (a
   * store writes from here). The whole log for a scheduler that was not recovered.
   */
  get storedEventCount(): number {
    return this.#storedRows ?? 0;
  }

  /** Loads one job's events into the log and derives its tasks' state from them. */
  #replay(rec: JobRecord, rj: RecoveredJob): void {
    const { task, code, time, text } = rj.events;
    const n = rec.count;
    const base = rec.base;
    const m = code.length;
    if (task.length !== m || time.length !== m) throw new SchedulerError('JOURNAL_INVALID', `Scheduler.recover: job ${rec.job.Id} has event columns of different lengths`, { jobId: rec.job.Id });
    let t = 0;
    let lastTime = rec.created;
    for (let r = 0; r < m; r++) {
      const local = task[r]!;
      const c = code[r]!;
      if (!(local >= 0 && local < n) || c >= EVENT_CODES.length) {
        throw new SchedulerError('JOURNAL_INVALID', `Scheduler.recover: job ${rec.job.Id} has an event for task ${local} with code ${c}; the job has ${n} tasks`, { jobId: rec.job.Id });
      }
      const g = base + local;
      const at = time[r]!;
      let message: string | undefined;
      let custom: string | undefined;
      if (t < text.length && text[t]![0] === r) {
        message = text[t]![1];
        custom = text[t]![2];
        t++;
      }
      this.#events.add(g, c, at, message, custom);
      if (at > lastTime) lastTime = at;
      const state = STATE_OF_EVENT[c]!;
      if (c === EV.Processing) {
        this.#attempts[g]!++;
        if (Number.isNaN(this.#start[g]!)) this.#start[g] = at;
        if (Number.isNaN(rec.startTime) || at < rec.startTime) rec.startTime = at;
      } else if (c === EV.Requeued) {
        this.#attempts[g]!--;
      }
      if (state === -1) continue;
      this.#state[g] = state;
      if (isFinalState(state)) this.#end[g] = at;
    }
    const counts = this.#jobCounts;
    counts[rec.countsAt + TaskState.Queued] = 0;
    for (let g = base; g < base + n; g++) {
      const state = this.#state[g]!;
      counts[rec.countsAt + state]!++;
      if (state === TaskState.Finished) {
        this.#progress[g] = 100;
        for (let e = this.#succOffset[g]!; e < this.#succOffset[g + 1]!; e++) this.#pending[this.#succ[e]!]!--;
      } else if (!isFinalState(state)) {
        this.#end[g] = NO_TIME;
      }
    }
    for (const [local, list] of rj.errors) {
      if (local >= 0 && local < n) this.#errors.set(base + local, list.map((d) => ({ ...d })));
    }
    for (const [local, value] of rj.progress) {
      const g = base + local;
      if (local >= 0 && local < n && this.#state[g] !== TaskState.Finished && value >= 0 && value <= 100) this.#progress[g] = value;
    }
    for (const local of rj.held) {
      if (local >= 0 && local < n && this.#state[base + local] === TaskState.Scheduled) this.#held.add(base + local);
    }
    this.#refreshJob(rec, lastTime);
    rec.lastModified = lastTime;
  }

  /** Bytes held by the per-task typed arrays and the event log (for the benchmarks). */
  get byteLength(): number {
    return (
      this.#state.byteLength +
      this.#key1.byteLength +
      this.#key2.byteLength +
      this.#jobOf.byteLength +
      this.#poolIdx.byteLength +
      this.#pending.byteLength +
      this.#attempts.byteLength +
      this.#progress.byteLength +
      this.#start.byteLength +
      this.#end.byteLength +
      this.#succOffset.byteLength +
      this.#succ.byteLength +
      this.#events.byteLength
    );
  }
}

/**
 * What `next()` hands out. The task's properties are read from its model only when asked for:
 * claiming and completing a task then never visits the model object (at a million tasks, each such
 * visit is a cache miss).
 */
class Claim implements TaskClaim {
  constructor(
    readonly owner: Scheduler,
    readonly serial: number,
    readonly attempt: number,
    private readonly jobModel: Job,
    /** The task's index in its job: the task model itself is looked up only when a property is read. */
    readonly index: number,
    /** The pool's name, or how to find it: undefined means the MediaProcessorId, a function is `poolOf`. */
    private readonly poolName: string | undefined | ((task: Task, job: Job) => string),
  ) {}

  private get model(): Task {
    return this.jobModel.Tasks[this.index]!;
  }
  get taskId(): string {
    return this.model.Id;
  }
  get jobId(): string {
    return this.jobModel.Id;
  }
  get pool(): string {
    const p = this.poolName;
    return typeof p === 'string' ? p : p === undefined ? this.model.MediaProcessorId : p(this.model, this.jobModel);
  }
  get name(): string {
    return this.model.Name;
  }
  get mediaProcessorId(): string {
    return this.model.MediaProcessorId;
  }
  get configuration(): string | null {
    return this.model.Configuration;
  }

  toJSON(): Omit<TaskClaim, never> {
    const { taskId, jobId, serial, index, attempt, pool, name, mediaProcessorId, configuration } = this;
    return { taskId, jobId, serial, index, attempt, pool, name, mediaProcessorId, configuration };
  }
}

function nullIfNaN(v: number): number | null {
  return Number.isNaN(v) ? null : v;
}

function isInt32(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= -2147483648 && v <= 2147483647;
}

function describeTask(task: Task): string {
  return task.Name !== '' ? `"${task.Name}"` : `#${task.index} (${task.Id})`;
}

function checkOptions(o: SchedulerOptions): void {
  if (typeof o !== 'object' || o === null) throw new ArgumentTypeError(`Scheduler: expected options to be an object, got ${describeValue(o)}`);
  if (o.concurrency !== undefined && !(o.concurrency === Infinity || (Number.isInteger(o.concurrency) && o.concurrency >= 1))) {
    throw new ArgumentTypeError(`Scheduler: expected \`concurrency\` to be an integer >= 1, got ${describeValue(o.concurrency)}`);
  }
  if (o.maxAttempts !== undefined && !(o.maxAttempts === Infinity || (Number.isInteger(o.maxAttempts) && o.maxAttempts >= 1))) {
    throw new ArgumentTypeError(`Scheduler: expected \`maxAttempts\` to be an integer >= 1, got ${describeValue(o.maxAttempts)}`);
  }
  if (o.pools !== undefined) {
    if (typeof o.pools !== 'object' || o.pools === null || Array.isArray(o.pools)) throw new ArgumentTypeError(`Scheduler: expected \`pools\` to be an object of pool name → slots, got ${describeValue(o.pools)}`);
    for (const [name, slots] of Object.entries(o.pools)) {
      if (!(slots === Infinity || (Number.isInteger(slots) && slots >= 1))) {
        throw new ArgumentTypeError(`Scheduler: expected \`pools[${JSON.stringify(name)}]\` to be an integer >= 1, got ${describeValue(slots)}`);
      }
    }
  }
  for (const fn of ['poolOf', 'now', 'ids', 'onListenerError'] as const) {
    if (o[fn] !== undefined && typeof o[fn] !== 'function') throw new ArgumentTypeError(`Scheduler: expected \`${fn}\` to be a function, got ${describeValue(o[fn])}`);
  }
  if (o.profile !== undefined && o.profile !== 'ams' && o.profile !== 'relaxed') {
    throw new ArgumentRangeError(`Scheduler: expected \`profile\` to be "ams" or "relaxed", got ${describeValue(o.profile)}`, 'ERR_INVALID_ARG_VALUE');
  }
}

/** What a listener threw, as text; never throws (a revoked Proxy or a throwing toString is possible). */
function thrownText(e: unknown): string {
  try {
    return String(e);
  } catch {
    return 'a value that cannot be read';
  }
}
