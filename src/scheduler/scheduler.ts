import { ArgumentRangeError, ArgumentTypeError, ValidationError, checkObject, describeValue, thrownText } from '../errors.js';
import { isLoadedJob } from '../job/load.js';
import { DependencyAction, STATE_NAMES, TaskOptions, TaskState, isFinalState } from '../job/enums.js';
import type { Job, JobExtensions, Task } from '../job/model.js';
import { grownDependencies, resolveDependencies, resolveDependenciesOfRefs } from '../graph/dependencies.js';
import { grownJob } from '../job/grow.js';
import { validateAddition } from '../validate/add.js';
import { hasFreshTaskIds, isValidationResult, validateJob, type ValidationResult } from '../validate/validate.js';
import { Claim } from './claim.js';
import { EV } from './event-log.js';
import { SchedulerError, callbackThrew } from './errors.js';
import { explain, jobView, jobViews, modelOf, producerIndex, taskInfo, taskView, taskViews, type TaskInfo } from './inspect.js';
import { FLOAT_SHIFT, INT_SHIFT, JOB_STATE, LAST_MODIFIED, MAX_RUNNING } from './job-table.js';
import { T_ATTEMPTS, T_JOB, T_PENDING, TASK_SHIFT } from './task-table.js';
import { isInt32, settingsOf, type AddTasksOptions, type FailOptions, type RerunOptions, type RestoreOptions, type SchedulerOptions, type Settings, type SubmitOptions, type TaskFilter } from './options.js';
import { jobRecord, loadSnapshot, readJournal, recoverJobs, takeSnapshot, type JournalChunk, type JournalJobRecord, type RecoveredJob } from './persistence.js';
import { policyName } from './policy.js';
import { SNAPSHOT_FORMAT, type SchedulerSnapshot } from './snapshot.js';
import { claimedCapped, droppedCapped, grewCapped, reachedCap, reopenJobs } from './job-caps.js';
import { inMicrotask } from './microtask.js';
import { appendJob, createState, enqueueReady, describeTask, growJob, lookupJob, lookupTask, prepareTasks, taskModel, type RateWindow, type SchedulerState } from './state.js';
import type { ErrorDetail, Explanation, JobStateChange, JobView, TaskClaim, TaskProgressEvent, TaskStateChange, TaskView } from './views.js';

export type { AddTasksOptions, FailOptions, RerunOptions, RestoreOptions, SchedulerOptions, SubmitOptions, TaskFilter } from './options.js';
export type { JournalChunk, JournalJobRecord, RecoveredJob } from './persistence.js';

interface SchedulerEvents {
  taskStateChange: TaskStateChange;
  taskProgress: TaskProgressEvent;
  jobStateChange: JobStateChange;
}
type EventName = keyof SchedulerEvents;

/** What a forgotten job keeps in place of its model. */
const FORGOTTEN: Job = Object.freeze({ Id: '', Name: '', Priority: 0, TemplateId: null, InputMediaAssets: [], Tasks: [], JobNotificationSubscriptions: [] }) as unknown as Job;

const QUEUED = TaskState.Queued;
const SCHEDULED = TaskState.Scheduled;
const PROCESSING = TaskState.Processing;
const CANCELING = TaskState.Canceling;
const EV_SCHEDULED = EV.Scheduled;
const EV_PROCESSING = EV.Processing;
const EV_FINISHED = EV.Finished;
const EV_WAITING = EV.WaitingForFreeResources;
/** A task with this many dependents or more releases them in bulk (see Scheduler.#releaseMany). */
const MANY_DEPENDENTS = 32;
/** The released tasks of a bulk release fit in a kept buffer of this many; a bigger release gets its own. */
const RELEASED_KEPT = 4096;

/**
 * The online scheduler: submit jobs, ask which task may run now, report what happened.
 *
 * This module holds the commands — every change of state — and the public face; the tables they
 * change are in task-table.ts (per task, by serial) and job-table.ts (per job), the order among
 * ready tasks in ready-order.ts and ready-queues.ts, the views and `explain` in inspect.ts, and
 * snapshots, the journal and recovery in persistence.ts.
 *
 * A task's serial is its number in the scheduler (jobs in submission order, a job's tasks in their
 * order): claims, events and journal rows carry it. Dependencies are a CSR over serials, appended
 * job by job; entity views are built on demand.
 *
 * Waits for a slot: a ready task that cannot start because its pool (or the concurrency) has no
 * free slot logs `WaitingForFreeResources` once per wait — when it becomes ready with no slot
 * free, or when `next()` takes the last free slot while it is ready. Tasks that become ready with a
 * slot free are noted per pool until one of those moments (or until `next()` finds nothing to
 * start, when none of them is waiting), so no call scans the ready set.
 *
 * @example
 * const s = new Scheduler({ concurrency: 4, pools: { [MES]: 2 } });
 * const job = s.submit(definition);
 * for (let c = s.next(); c; c = s.next()) start(c);   // later: s.complete(c.taskId)
 */
/** See {@link Scheduler.observeStateChanges}. */
export type StateObserver = (serial: number, oldState: number, newState: number, timestamp: number) => void;

export class Scheduler {
  readonly #s: SchedulerState;
  readonly #settings: Settings;
  readonly #concurrency: number;
  /** The tasks a bulk release made ready (see #releaseMany). */
  #released = new Int32Array(0);
  readonly #now: () => number;
  #listeners: { [K in EventName]: Array<(e: SchedulerEvents[K]) => void> } = { taskStateChange: [], taskProgress: [], jobStateChange: [] };
  /**
   * Operations in progress (an outer one and those its listeners call). Events wait for the
   * outermost to end: a listener then sees the whole change, and what it calls back in never meets
   * an operation half done.
   */
  #depth = 0;
  /** Events waiting for the operation to end: the listener (or a copy of the list) and the payload, in turn. */
  readonly #queued: unknown[] = [];
  #delivering = false;
  /** See {@link observeStateChanges}. */
  #stateObserver: StateObserver | null = null;
  /** A task state change has a listener or the observer: the one test the hot path makes. */
  #statesWatched = false;
  readonly #isReady: (t: number) => boolean;
  /** #isReady for schedulers with capped jobs: a task whose job is at its cap is not claimed (see job-caps.ts). */
  readonly #cappedReady: (t: number) => boolean;
  /**
   * The default clock's reading at the last completion, for the one start that follows it in the
   * same synchronous run (NaN when there is none): a slot freed and the start it allows are one
   * moment, and a drain then reads the clock once a task instead of twice. Expires at the end of
   * the run (a microtask), so a start in a later turn reads the clock. Never set with a given `now`.
   */
  #freedAt = NaN;
  #expiryQueued = false;
  readonly #defaultClock: boolean;
  readonly #expireFreedAt = (): void => {
    this.#freedAt = NaN;
    this.#expiryQueued = false;
  };

  constructor(options: SchedulerOptions = {}) {
    const settings = settingsOf(options);
    this.#defaultClock = options.now === undefined;
    this.#settings = settings;
    this.#concurrency = settings.concurrency;
    this.#now = settings.now;
    const s = createState(settings);
    this.#s = s;
    const tasks = s.tasks;
    const held = tasks.held;
    // A task may have a stale entry in a heap besides its live one (it was withdrawn, then ready
    // again); once claimed through one, the other looks ready if the task is then held: not so.
    this.#isReady = (t: number): boolean => tasks.state[t] === SCHEDULED && (held.size === 0 || !held.has(t));
    const jobs = s.jobs;
    this.#cappedReady = (t: number): boolean => {
      const j = tasks.jobOf(t);
      const cap = jobs.ints[(j << INT_SHIFT) + MAX_RUNNING]!;
      if (tasks.state[t] === SCHEDULED && (held.size === 0 || !held.has(t)) && (cap === 0 || jobs.runningOf(j) < cap)) return true;
      // The copy goes: a capped job offers the task again when it may run (see job-caps.ts).
      if (cap !== 0) droppedCapped(s, j, tasks.poolOf(t), t);
      return false;
    };
    s.ready.setReadyTest((t) => (s.capped ? this.#cappedReady(t) : this.#isReady(t)));
    // A noted task kept back by a cap or a heavier task still waits to be logged (see ReadyQueues.clearUnlogged).
    s.ready.setNoteTest((t) => tasks.state[t] === SCHEDULED && (held.size === 0 || !held.has(t)) && !s.events.waitLogged(t));
  }

  /** Tasks running now (Processing or Canceling). */
  get running(): number {
    return this.#s.running;
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
   *   SchedulerError `JOB_EXISTS`, `TASK_EXISTS`, `WEIGHT_EXCEEDS_POOL`; `CALLBACK_THREW` when a
   *   function given in the options (a policy's `key` or `duration`, `poolOf`) throws, what it threw
   *   being the `cause`. ArgumentTypeError (`ERR_INVALID_ARG_TYPE`) when a policy's `key` or
   *   `duration` returns no finite number. Nothing is changed when it throws.
   */
  submit(definition: unknown, options: SubmitOptions = {}): JobView {
    checkOptionsObject('submit', 'options', options);
    return jobView(this.#s, this.#s.jobs.byId.get(this.add(definition, options))!);
  }

  /**
   * As {@link submit}, returning only the job's id: for bulk loads (simulations, restores of many
   * jobs) that would throw the view away.
   * @param accepted called with the job once every check has passed (its Id, task Ids, weights and
   *   the user's functions) and before anything changes: a store writes the job there, so that a
   *   job it holds is one the scheduler took. If it throws, nothing was added and its error is thrown.
   */
  add(definition: unknown, options: SubmitOptions = {}, accepted?: (job: Job) => void): string {
    this.#depth++;
    try {
      checkOptionsObject('add', 'options', options);
      if (accepted !== undefined && typeof accepted !== 'function') throw new ArgumentTypeError(`Scheduler.add: expected \`accepted\` to be a function, got ${describeValue(accepted)}`);
      if (options.priority !== undefined && !isInt32(options.priority)) {
        throw new ArgumentTypeError(`Scheduler.submit: expected \`priority\` to be a 32-bit integer, got ${describeValue(options.priority)}`);
      }
      if (options.maxRunning !== undefined && !(isInt32(options.maxRunning) && options.maxRunning >= 1)) {
        throw new ArgumentTypeError(`Scheduler.submit: expected \`maxRunning\` to be an integer >= 1, got ${describeValue(options.maxRunning)}`);
      }
      const settings = this.#settings;
      const result: ValidationResult = isValidationResult(definition) ? definition : validateJob(definition, { profile: settings.profile, ids: settings.ids, ...(options.templates !== undefined ? { templates: options.templates } : {}) });
      if (!result.valid || !result.job) throw new ValidationError('Scheduler.submit', result.diagnostics);
      const job = result.job;
      const s = this.#s;
      if (s.jobs.byId.has(job.Id)) {
        throw new SchedulerError('JOB_EXISTS', `Scheduler.submit: a job with Id ${job.Id} was already submitted: leave Id out to get a new one`, { jobId: job.Id });
      }
      if (job.extensions?.weight !== undefined) this.#checkWeights('submit', job, job.Tasks, job.extensions);
      // Throws before it changes anything (the user's functions run first: see appendJob).
      const j = appendJob(s, job, result.dependencies!, options.priority ?? job.Priority, options.failFast ?? settings.failFast, this.#now(), options.maxRunning ?? 0, hasFreshTaskIds(result), accepted && (() => accepted(job)));
      this.#initialStates(j);
      return job.Id;
    } finally {
      this.#leave();
    }
  }

  /**
   * A task heavier than its pool could never start: refused before anything is changed. `tasks`
   * and `ext` are the job's (or, for an addition, the tasks added and their extensions).
   */
  #checkWeights(call: string, job: Job, tasks: readonly Task[], ext: JobExtensions): void {
    const weights = ext.weight!;
    for (let i = 0; i < weights.length; i++) {
      const w = weights[i]!;
      if (w === 1) continue;
      const task = tasks[i]!;
      let name = ext.pool?.[i];
      try {
        name ??= this.#settings.poolOf(task, job);
      } catch (err) {
        throw callbackThrew('poolOf', task, job, err);
      }
      const slots = this.#settings.poolSlots[name];
      if (slots !== undefined && w > slots) {
        throw new SchedulerError('WEIGHT_EXCEEDS_POOL', `Scheduler.${call}: task ${describeTask(task)} has Weight ${w} but its pool "${name}" has ${slots} slot${slots === 1 ? '' : 's'}: it could never start; lower its Weight or give the pool more slots`, { jobId: job.Id, taskId: task.Id });
      }
    }
  }

  /**
   * Adds tasks to a job that has not ended (Azure Batch adds tasks to an active job; AMS jobs are
   * fixed once created, so this is an extension). The tasks are checked against the job as it
   * stands, and all of them are refused, with every diagnostic, when one would close a cycle, read
   * an output nothing produces, or read the output of a task that already failed or was canceled
   * (`INPUT_ENDED`: it could never run). An output of a task that already Finished is there: the
   * task does not wait for it. Added tasks are Queued or Scheduled as a new job's would be, take
   * the next serials (at equal keys they go after every task submitted before them) and count in
   * their job's state, which goes on (a Scheduled job with tasks still to start stays so).
   *
   * @param additions `{ Tasks: [...] }` (task definitions as in a Create-Job body: their
   *   `JobOutputAsset(N)` may name the job's outputs, and new outputs continue its numbering) or
   *   `{ tasks: [...] }` (plain tasks: `dependsOn` names new ids or the job's tasks by Name); JSON
   *   text or an object. A `validateAddition()` result is not taken: the job may have moved on.
   * @returns the views of the tasks added, in order.
   * @throws SchedulerError `JOB_NOT_FOUND`; `JOB_FINAL` when the job has ended or is being canceled;
   *   `TASK_EXISTS`; `WEIGHT_EXCEEDS_POOL`; `CALLBACK_THREW` (as for {@link submit}).
   *   ValidationError (`VALIDATION_FAILED`) with every diagnostic. Nothing is changed when it throws.
   */
  addTasks(jobId: string, additions: unknown, options: AddTasksOptions = {}): TaskView[] {
    this.#depth++;
    try {
      checkOptionsObject('addTasks', 'options', options);
      const s = this.#s;
      const jobs = s.jobs;
      const tasks = s.tasks;
      const j = lookupJob(s, 'addTasks', jobId);
      const state = jobs.stateOf(j);
      if (isFinalState(state) || state === CANCELING || jobs.isCancelRequested(j)) {
        throw new SchedulerError('JOB_FINAL', `Scheduler.addTasks: job ${jobId} is ${STATE_NAMES[state]}: tasks can be added only to a job that has not ended; rerun its tasks (rerun) or submit a new job`, { jobId, state: STATE_NAMES[state] });
      }
      const job = jobs.models[j]!;
      const n0 = job.Tasks.length;
      const ended = (i: number): 'failed' | 'canceled' | undefined => {
        const st = tasks.state[jobs.serialOf(j, i)];
        return st === TaskState.Error ? 'failed' : st === TaskState.Canceled ? 'canceled' : undefined;
      };
      const deps = jobs.depsOf(j);
      const result = validateAddition(job, deps, additions, { profile: this.#settings.profile, ids: this.#settings.ids, ended });
      if (!result.valid || result.tasks === undefined) throw new ValidationError('Scheduler.addTasks', result.diagnostics);
      const added = result.tasks;
      if (options.check !== undefined) {
        // Placed as validation places them: by the task's index in the addition.
        const found = options.check(added).map((d) => (d.task !== undefined ? { ...d, task: d.task - n0 } : d));
        if (found.some((d) => d.severity === 'error')) throw new ValidationError('Scheduler.addTasks', found);
      }
      const k = added.length;
      if (result.extensions?.weight !== undefined) this.#checkWeights('addTasks', job, added, result.extensions);
      const base = tasks.count;
      // The job's model is replaced, not changed: the caller's (a submitted validateJob() result, a
      // jobModel() read earlier) stays as it was, and so does the job when a step below throws.
      const grown = grownJob(job, added, result.extensions);
      // The user's functions (policy, poolOf) run here, writing past the tables' end only.
      const mayWait = prepareTasks(s, grown, j, result.dependencies!, jobs.priority[j]!, base, n0, k);
      // Takes nothing when it throws.
      s.taskIds.addTasks(jobs, added, base);
      // Nothing below throws.
      jobs.models[j] = grown;
      growJob(s, j, n0, k, result.dependencies!, result.external!, true, mayWait);
      jobs.deps[j] = grownDependencies(deps, result.dependencies!, result.external!) ?? resolveDependenciesOfRefs(grown);
      if (s.capped && jobs.maxRunning(j) !== 0) grewCapped(s, j);
      s.journal?.grown.push([j, k]);
      const now = this.#now();
      this.#firstStates(j, base, k, now);
      this.#refreshJob(j, now);
      const views: TaskView[] = [];
      for (let i = 0; i < k; i++) views.push(taskView(s, base + i));
      return views;
    } finally {
      this.#leave();
    }
  }

  /** A new job's first states: tasks without dependencies Scheduled, the others Queued. */
  #initialStates(j: number): void {
    const jobs = this.#s.jobs;
    const now = jobs.created[j]!;
    this.#firstStates(j, jobs.base[j]!, jobs.size[j]!, now);
    // A job restored with tasks added to it (see recover): theirs too.
    const blocks = jobs.grown.size === 0 ? undefined : jobs.grown.get(j);
    if (blocks !== undefined) for (let b = 0; b < blocks.length; b += 2) this.#firstStates(j, blocks[b]!, blocks[b + 1]!, now);
    this.#refreshJob(j, now);
  }

  /** Serials [from, from + n) of job j start: Scheduled when they wait on nothing, else Queued. */
  #firstStates(j: number, from: number, n: number, now: number): void {
    const { tasks, events } = this.#s;
    for (let serial = from, end = from + n; serial < end; serial++) {
      if (tasks.pendingOf(serial) === 0) {
        this.#setState(serial, j, SCHEDULED, now, EV_SCHEDULED);
        this.#makeReady(serial, now);
      } else {
        events.add(serial, EV.Queued, now);
      }
    }
  }

  // ---------------------------------------------------------------- the hot path

  /**
   * Claims the best task that may start now and marks it Processing: highest task priority, then
   * job priority, then submission order, among pools with a free slot, within `concurrency`.
   * @returns the claim, or undefined when nothing may start.
   */
  next(): TaskClaim | undefined {
    const serial = this.nextIndex();
    if (serial === -1) return undefined;
    return this.#claim(serial);
  }

  /** As {@link next}, returning the task's serial (-1 for none): for loops that avoid objects. */
  nextIndex(): number {
    this.#depth++;
    try {
      const s = this.#s;
      // First, so that a window that moved on is seen even when no slot is free.
      if (s.blockedUntil.size !== 0) this.#unblockDue();
      if (s.running >= this.#concurrency) return -1;
      const ready = s.ready;
      let serial: number;
      if (s.capped) {
        if (s.reopened.length !== 0) reopenJobs(s);
        serial = ready.pop(this.#cappedReady);
        if (serial !== -1) {
          const j = s.tasks.jobOf(serial);
          if (s.jobs.maxRunning(j) !== 0) claimedCapped(s, j, s.tasks.poolOf(serial), serial);
        }
      } else {
        serial = ready.pop(this.#isReady);
      }
      if (serial === -1) {
        // Every pool with a free slot has nothing ready: none of the tasks noted is waiting for a slot.
        ready.clearUnlogged();
        return -1;
      }
      const running = ++s.running;
      const tasks = s.tasks;
      let now = this.#freedAt;
      if (now === now) this.#freedAt = NaN;
      else now = this.#now();
      const at = serial << TASK_SHIFT;
      const ints = tasks.ints;
      ints[at + T_ATTEMPTS]!++;
      if (tasks.progress.size !== 0) tasks.progress.delete(serial);
      const j = ints[at + T_JOB]!;
      this.#setState(serial, j, PROCESSING, now, EV_PROCESSING);
      const jobs = s.jobs;
      // A Processing job stays Processing when one more of its tasks starts: only its time changes.
      if (jobs.ints[(j << INT_SHIFT) + JOB_STATE] === PROCESSING) jobs.floats[(j << FLOAT_SHIFT) + LAST_MODIFIED] = now;
      else this.#jobStarts(j, now);
      if (s.capped && tasks.weight !== null) {
        const cap = jobs.maxRunning(j);
        if (cap !== 0 && jobs.runningOf(j) === cap) reachedCap(s, j);
      }
      const pools = tasks.pool;
      const p = pools === null ? 0 : pools[serial]!;
      if (p !== 0) {
        const rate = s.rates[p];
        if (rate !== undefined) this.#countStart(p, rate, now);
      }
      // The slot taken may have been the last: the ready tasks behind it now wait for one.
      if (running >= this.#concurrency) this.#logWaits(-1, now);
      else if (p !== 0 && ready.isFull(p)) this.#logWaits(p, now);
      return serial;
    } finally {
      this.#leave();
    }
  }

  /** Records a start in a rate-limited pool; at the limit, blocks the pool until the window moves on. */
  #countStart(p: number, rate: RateWindow, now: number): void {
    rate.starts[rate.at] = now;
    rate.at = rate.at + 1 === rate.max ? 0 : rate.at + 1;
    if (rate.count < rate.max) rate.count++;
    if (rate.count < rate.max) return;
    // The ring is full: its oldest start is where the next one is written.
    const opens = rate.starts[rate.at]! + rate.perMs;
    if (opens > now) {
      this.#s.blockedUntil.set(p, opens);
      this.#s.ready.block(p);
    }
  }

  /** Unblocks the rate-limited pools whose window has moved on. */
  #unblockDue(): void {
    const s = this.#s;
    const now = this.#now();
    for (const [p, opens] of s.blockedUntil) {
      if (opens > now) continue;
      s.blockedUntil.delete(p);
      s.ready.unblock(p);
    }
  }

  /**
   * When the first pool held back by its rate limit opens again (epoch ms), or undefined when none
   * is: a caller whose `next()` found nothing waits until then (the Engine and the simulator do).
   */
  blockedUntil(): number | undefined {
    // Asked after every pump; the usual answer, without an iterator.
    if (this.#s.blockedUntil.size === 0) return undefined;
    let first = Infinity;
    for (const opens of this.#s.blockedUntil.values()) if (opens < first) first = opens;
    return first === Infinity ? undefined : first;
  }

  #jobStarts(j: number, now: number): void {
    const jobs = this.#s.jobs;
    if (Number.isNaN(jobs.startTime(j))) jobs.setStart(j, now);
    this.#refreshJob(j, now);
  }

  #claim(serial: number): TaskClaim {
    const s = this.#s;
    const j = s.tasks.jobOf(serial);
    const p = s.tasks.poolOf(serial);
    const model = s.jobs.models[j]!;
    const i = s.jobs.localOf(j, serial);
    const named = p !== 0 ? s.poolNames[p]! : model.extensions?.pool?.[i];
    return new Claim(this, serial, s.tasks.attemptsOf(serial), model, i, named ?? (this.#settings.defaultPools ? undefined : this.#settings.poolOf));
  }

  /**
   * Reports that a Processing task finished; tasks waiting only on it become Scheduled. A task being
   * canceled (Canceling) becomes Canceled instead.
   * @throws SchedulerError `TASK_NOT_FOUND`, `INVALID_TRANSITION`
   */
  complete(task: string | TaskClaim): void {
    this.completeIndex(this.#resolve('complete', task));
  }

  /**
   * As {@link complete}, by serial.
   * @throws SchedulerError `TASK_NOT_FOUND` when `serial` names no task (or one of a forgotten job),
   *   `INVALID_TRANSITION`
   */
  completeIndex(serial: number): void {
    this.#depth++;
    try {
      const s = this.#s;
      const tasks = s.tasks;
      // An index that names no task reads undefined (or a state past the tables' end that is no
      // running one), so this one test also keeps them out; the error path tells which it was.
      // Not a number: no read (an object as an index is converted to a key, which may throw).
      const state = typeof serial === 'number' ? tasks.state[serial] : undefined;
      if (state !== PROCESSING && state !== CANCELING) {
        this.#checkSerial('completeIndex', serial);
        this.#invalid('complete', serial, 'complete', 'start it first with next()');
      }
      const j = tasks.ints[(serial << TASK_SHIFT) + T_JOB]!;
      const now = this.#now();
      if (this.#defaultClock) {
        this.#freedAt = now;
        if (!this.#expiryQueued) {
          this.#expiryQueued = true;
          inMicrotask(this.#expireFreedAt);
        }
      }
      this.#stopRunning(serial);
      if (state === CANCELING) {
        this.#setState(serial, j, TaskState.Canceled, now, EV.Canceled);
        this.#producerEnded(serial, j, now, 'its dependency was canceled');
        this.#refreshJob(j, now);
        return;
      }
      if (tasks.progress.size !== 0) tasks.progress.delete(serial);
      this.#setState(serial, j, TaskState.Finished, now, EV_FINISHED);
      this.#releaseDependents(serial, j, now);
      // A Processing job with tasks left to run stays Processing: only its time changes.
      const jobs = s.jobs;
      const c = jobs.ints;
      const at = j << INT_SHIFT;
      if (c[at + JOB_STATE] === PROCESSING && c[at + QUEUED]! + c[at + SCHEDULED]! + c[at + PROCESSING]! + c[at + CANCELING]! !== 0) {
        jobs.floats[(j << FLOAT_SHIFT) + LAST_MODIFIED] = now;
      } else {
        this.#refreshJob(j, now);
      }
    } finally {
      this.#leave();
    }
  }

  /**
   * A task Finished (or was skipped): its dependents waiting only on it become Scheduled. No listener
   * runs in here (events wait for the operation to end), so the tables are kept in locals.
   */
  #releaseDependents(serial: number, j: number, now: number): void {
    const s = this.#s;
    const tasks = s.tasks;
    const succ = tasks.succ;
    const ints = tasks.ints;
    const states = tasks.state;
    const from = ints[serial << TASK_SHIFT]!;
    const to = ints[(serial + 1) << TASK_SHIFT]!;
    if (to - from >= MANY_DEPENDENTS && s.ready.poolCount === 1 && !s.capped && !this.#statesWatched) {
      this.#releaseMany(from, to, j, now);
    } else {
      for (let e = from; e < to; e++) {
        const t = succ[e]!;
        if (--ints[(t << TASK_SHIFT) + T_PENDING]! === 0 && states[t] === QUEUED) {
          this.#setState(t, j, SCHEDULED, now, EV_SCHEDULED);
          this.#makeReady(t, now);
        }
      }
    }
    const head = tasks.extraHead;
    if (head === null) return;
    for (let e = head[serial]!; e !== -1; e = tasks.extraNext[e]!) {
      const t = tasks.extraTo[e]!;
      if (tasks.dropPending(t) === 0 && states[t] === QUEUED) {
        this.#setState(t, j, SCHEDULED, now, EV_SCHEDULED);
        this.#makeReady(t, now);
      }
    }
  }

  /**
   * The release of a fan-out (one ingest feeding thousands of renditions), in the one-pool case with
   * no caps and no state listener: the same changes, rows and order as the loop of
   * {@link #releaseDependents}, made a step at a time over the whole set. Why: a process meets this
   * release cold, and interpreted, a call per dependent per step was most of its time (100,000
   * dependents took 26–37 ms, against about 8 once optimised).
   */
  #releaseMany(from: number, to: number, j: number, now: number): void {
    const s = this.#s;
    const { tasks, ready } = s;
    const succ = tasks.succ;
    const ints = tasks.ints;
    const states = tasks.state;
    const released = to - from <= this.#released.length ? this.#released : to - from <= RELEASED_KEPT ? (this.#released = new Int32Array(RELEASED_KEPT)) : new Int32Array(to - from);
    let k = 0;
    for (let e = from; e < to; e++) {
      const t = succ[e]!;
      if (--ints[(t << TASK_SHIFT) + T_PENDING]! === 0 && states[t] === QUEUED) {
        states[t] = SCHEDULED;
        released[k++] = t;
      }
    }
    if (k === 0) return;
    const counts = s.jobs.ints;
    const at = j << INT_SHIFT;
    counts[at + QUEUED]! -= k;
    counts[at + SCHEDULED]! += k;
    ready.pushMany(released, k);
    // As #makeReady in the default pool: with no slot free each waits from now, else each is noted.
    const waiting = s.running >= this.#concurrency;
    s.events.addEach(released, k, EV_SCHEDULED, now, waiting ? EV_WAITING : 0);
    if (!waiting) ready.noteUnloggedMany(0, released, k);
  }

  /**
   * Puts a task that just became Scheduled into the ready set, and logs WaitingForFreeResources at
   * once if its pool or the concurrency has no free slot; else notes it (see the class comment).
   */
  #makeReady(serial: number, now: number): void {
    const s = this.#s;
    const pools = s.tasks.pool;
    const p = pools === null ? 0 : pools[serial]!;
    const ready = s.ready;
    enqueueReady(s, p, serial);
    if (s.running >= this.#concurrency || (p !== 0 && ready.mustWait(p, serial))) s.events.add(serial, EV_WAITING, now);
    else ready.noteUnlogged(p, serial);
  }

  /**
   * Logs WaitingForFreeResources for the tasks noted in `pool` (every pool for -1) that are still
   * ready and whose wait is not logged yet; in serial order, so a restored scheduler logs the same.
   */
  #logWaits(pool: number, now: number): void {
    const s = this.#s;
    const ready = s.ready;
    const from = pool === -1 ? 0 : pool;
    const to = pool === -1 ? ready.poolCount : pool + 1;
    for (let p = from; p < to; p++) {
      const n = ready.unloggedCount(p);
      if (n === 0) continue;
      const list = ready.takeUnlogged(p);
      let ascending = true;
      for (let i = 1; i < n && ascending; i++) ascending = list[i - 1]! <= list[i]!;
      if (!ascending) list.subarray(0, n).sort();
      const { tasks, events } = s;
      const held = tasks.held.size === 0 ? null : tasks.held;
      // The tasks still waiting, kept in place (the list is ours until the next note; a task noted
      // twice is adjacent once sorted), then logged in one loop: after a fan-out's release there are
      // as many as it released, and this runs cold (so the arrays are in locals, and no call is
      // made a task: each was most of an interpreted iteration).
      const states = tasks.state;
      const lastCodes = events.lastCodes;
      let m = 0;
      for (let i = 0; i < n; i++) {
        const t = list[i]!;
        if (states[t] !== SCHEDULED || lastCodes[t] === EV_WAITING || (m !== 0 && list[m - 1] === t) || (held !== null && held.has(t))) continue;
        list[m++] = t;
      }
      events.addEach(list, m, EV_WAITING, now, 0);
    }
  }

  /**
   * Reports that a Processing task failed. With `retryable` (and attempts left) it goes back to
   * Scheduled; otherwise it is Error, its transitive dependents are Canceled (they can never run),
   * and with failFast the rest of its job is canceled too.
   * @throws SchedulerError `TASK_NOT_FOUND`, `INVALID_TRANSITION`
   */
  fail(task: string | TaskClaim, options: FailOptions = {}): void {
    this.#depth++;
    try {
      checkOptionsObject('fail', 'options', options);
      if (options.code !== undefined && typeof options.code !== 'string') throw new ArgumentTypeError(`Scheduler.fail: expected \`code\` to be a string, got ${describeValue(options.code)}`);
      const serial = this.#resolve('fail', task);
      const s = this.#s;
      const state = s.tasks.state[serial];
      if (state !== PROCESSING && state !== CANCELING) this.#invalid('fail', serial, 'fail', 'only a Processing task can fail');
      const j = s.tasks.jobOf(serial);
      const now = this.#now();
      this.#stopRunning(serial);
      const code = options.code ?? 'ErrorProcessingTask';
      const message = options.message ?? '';
      if (state === CANCELING) {
        this.#setStateWith(serial, j, TaskState.Canceled, now, EV.Canceled, message);
        this.#producerEnded(serial, j, now, 'its dependency was canceled');
        this.#refreshJob(j, now);
        return;
      }
      if (options.retryable && s.tasks.attemptsOf(serial) - (s.attemptBase.get(serial) ?? 0) < this.#settings.maxAttempts) {
        s.events.addText(serial, EV.Retrying, now, `${code}: ${message}`.replace(/: $/, ''));
        this.#setState(serial, j, SCHEDULED, now, EV_SCHEDULED);
        if (options.hold) s.tasks.held.add(serial);
        else this.#makeReady(serial, now);
        this.#refreshJob(j, now);
        return;
      }
      this.#addError(serial, { Code: code, Message: message });
      this.#setStateWith(serial, j, TaskState.Error, now, EV.Error, message);
      const model = taskModel(s, serial);
      this.#producerEnded(serial, j, now, `task ${describeTask(model)} failed`);
      if (s.jobs.failFast[j] === 1) this.#cancelRest(j, now, `task ${describeTask(model)} failed and the job fails fast`, true);
      this.#refreshJob(j, now);
    } finally {
      this.#leave();
    }
  }

  /**
   * Sets a task that failed or was canceled back to waiting — and with `downstream`, its transitive
   * dependents too, whatever their state — keeping their history (events, ErrorDetails, attempts;
   * `maxAttempts` counts again from here). A `Rerun` event, then Queued, is logged for each task set
   * back; each then waits for its producers as a new task would, and the job's state follows
   * (an ended job is Processing again). A task whose other producer still stands failed meets its
   * DependencyAction again at once.
   * @throws SchedulerError `TASK_NOT_FOUND`; `INVALID_TRANSITION` when the task has not failed or
   *   been canceled, or a task downstream is running; `JOB_CANCELED` when its job was canceled.
   */
  rerun(task: string | TaskClaim, options: RerunOptions = {}): void {
    this.#depth++;
    try {
      // The arguments' own shape first, as the other calls check theirs: a bad options object is
      // reported as such whatever task it came with.
      checkOptionsObject('rerun', 'options', options);
      if (options.downstream !== undefined && typeof options.downstream !== 'boolean') throw new ArgumentTypeError(`Scheduler.rerun: expected \`downstream\` to be a boolean, got ${describeValue(options.downstream)}`);
      const serial = this.#resolve('rerun', task);
      const s = this.#s;
      const tasks = s.tasks;
      const states = tasks.state;
      const state = states[serial];
      if (state !== TaskState.Error && state !== TaskState.Canceled) this.#invalid('rerun', serial, 'rerun', 'only a task that failed or was canceled can be rerun');
      const j = tasks.jobOf(serial);
      const jobId = s.jobs.models[j]!.Id;
      if (s.jobs.isCancelRequested(j)) throw new SchedulerError('JOB_CANCELED', `Scheduler.rerun: job ${jobId} was canceled: submit it again to run it`, { jobId });
      const set = [serial];
      const inSet = new Set(set);
      if (options.downstream === true) {
        for (let k = 0; k < set.length; k++) {
          for (const t of tasks.successors(set[k]!)) {
            if (inSet.has(t)) continue;
            const st = states[t];
            if (st === PROCESSING || st === CANCELING) this.#invalid('rerun', t, 'set back', 'it is downstream of the task rerun; wait for it to end');
            inSet.add(t);
            set.push(t);
          }
        }
      }
      const now = this.#now();
      const why = `rerun of task ${describeTask(taskModel(s, serial))}`;
      for (const t of set) {
        if (!isFinalState(states[t]!)) continue;
        s.events.addText(t, EV.Rerun, now, why);
        s.attemptBase.set(t, tasks.attemptsOf(t));
        tasks.setProgress(t, 0);
        this.#setState(t, j, QUEUED, now, EV.Queued);
      }
      // The tasks to wait afresh: those set back, and the dependents of theirs that have not started.
      const affected = set.slice();
      for (const a of set) {
        for (const t of tasks.successors(a)) {
          if (!inSet.has(t) && (states[t] === QUEUED || states[t] === SCHEDULED)) {
            inSet.add(t);
            affected.push(t);
          }
        }
      }
      const jobs = s.jobs;
      // Each task's producers, from an index built once per job's dependencies (see producerIndex).
      const { offset, from } = producerIndex(jobs.depsOf(j), jobs.taskCount(j));
      const action = tasks.action;
      // First every count, then the moves, so a cascade of one meets the others' counts right.
      for (const t of affected) {
        const runs = action !== null && action[t] === DependencyAction.run;
        let waiting = 0;
        const at = jobs.localOf(j, t);
        for (let e = offset[at]!, end = offset[at + 1]!; e < end; e++) {
          const ps = states[jobs.serialOf(j, from[e]!)]!;
          if (ps === TaskState.Finished || (runs && (ps === TaskState.Error || ps === TaskState.Canceled))) continue;
          waiting++;
        }
        tasks.setPending(t, waiting);
        if (states[t] === SCHEDULED && waiting !== 0) {
          tasks.held.delete(t);
          this.#setState(t, j, QUEUED, now, EV.Queued);
          this.#withdrawn(t);
        }
      }
      for (const t of affected) {
        if (states[t] !== QUEUED) continue;
        let failed = -1;
        const at = jobs.localOf(j, t);
        for (let e = offset[at]!, end = offset[at + 1]!; e < end; e++) {
          const p = jobs.serialOf(j, from[e]!);
          const ps = states[p]!;
          if (ps === TaskState.Error || ps === TaskState.Canceled) failed = p;
        }
        const act = action === null ? DependencyAction.cancel : action[t]!;
        if (failed !== -1 && act !== DependencyAction.run) {
          const reason = `task ${describeTask(taskModel(s, failed))} ${states[failed] === TaskState.Error ? 'failed' : 'was canceled'}`;
          if (act === DependencyAction.skip) {
            this.#setStateWith(t, j, TaskState.Finished, now, EV.Skipped, `skipped: ${reason}`);
            this.#releaseDependents(t, j, now);
          } else {
            this.#addError(t, { Code: 'DependencyFailed', Message: `canceled: ${reason}` });
            this.#setStateWith(t, j, TaskState.Canceled, now, EV.Canceled, reason);
            this.#producerEnded(t, j, now, reason);
          }
        } else if (tasks.pendingOf(t) === 0) {
          this.#setState(t, j, SCHEDULED, now, EV_SCHEDULED);
          this.#makeReady(t, now);
        }
      }
      this.#refreshJob(j, now);
    } finally {
      this.#leave();
    }
  }

  /**
   * Returns a task held by `fail(…, { retryable: true, hold: true })` to the ready set.
   * @returns false when the task is not held (it was canceled meanwhile, or never held).
   */
  resume(task: string | TaskClaim): boolean {
    const serial = this.#resolve('resume', task);
    const s = this.#s;
    if (!s.tasks.held.delete(serial)) return false;
    if (s.tasks.state[serial] === SCHEDULED) {
      const p = s.tasks.poolOf(serial);
      enqueueReady(s, p, serial);
      // The clock is read only if the task must wait: a resume that finds a slot changes no event.
      if (s.running >= this.#concurrency || (p !== 0 && s.ready.mustWait(p, serial))) s.events.add(serial, EV_WAITING, this.#now());
      else s.ready.noteUnlogged(p, serial);
    }
    return true;
  }

  /**
   * The claim of a task that is Processing or Canceling, as `next()` returned it: for an engine that
   * takes up, after a restart, attempts still running elsewhere (on worker machines).
   * @throws SchedulerError `TASK_NOT_FOUND`, `INVALID_TRANSITION` when the task is not running
   */
  claimOf(task: string | TaskClaim): TaskClaim {
    const serial = this.#resolve('claimOf', task);
    const state = this.#s.tasks.state[serial];
    if (state !== PROCESSING && state !== CANCELING) this.#invalid('claimOf', serial, 'claim', 'only a Processing or Canceling task has a claim');
    return this.#claim(serial);
  }

  /**
   * Puts a Processing task back to Scheduled because its attempt was lost, not failed (the process
   * running it died): a `Requeued` event says why, and the lost attempt is not counted against
   * `maxAttempts` (its number is used again). The task runs again: at least once.
   * @throws SchedulerError `TASK_NOT_FOUND`, `INVALID_TRANSITION` when the task is not Processing
   */
  requeue(task: string | TaskClaim, reason = 'the attempt was lost'): void {
    this.#depth++;
    try {
      const serial = this.#resolve('requeue', task);
      const s = this.#s;
      if (s.tasks.state[serial] !== PROCESSING) this.#invalid('requeue', serial, 'requeue', 'only a Processing task can be requeued');
      const j = s.tasks.jobOf(serial);
      const now = this.#now();
      this.#stopRunning(serial);
      s.tasks.addAttempts(serial, -1);
      s.tasks.setProgress(serial, 0);
      s.events.addText(serial, EV.Requeued, now, String(reason));
      this.#setState(serial, j, SCHEDULED, now, EV_SCHEDULED);
      this.#makeReady(serial, now);
      this.#refreshJob(j, now);
    } finally {
      this.#leave();
    }
  }

  /**
   * Reports progress (0–100) of a Processing task.
   * @throws RangeError for a percentage outside 0–100; SchedulerError for an unknown or not running task.
   */
  progress(task: string | TaskClaim, percent: number): void {
    this.#depth++;
    try {
      if (typeof percent !== 'number' || !(percent >= 0 && percent <= 100)) {
        throw new ArgumentRangeError(`Scheduler.progress: expected \`percent\` to be a number from 0 to 100, got ${describeValue(percent)}`);
      }
      const serial = this.#resolve('progress', task);
      const s = this.#s;
      const state = s.tasks.state[serial];
      if (state === CANCELING) return; // a late report from a task being canceled
      if (state !== PROCESSING) this.#invalid('progress', serial, 'report progress of', 'only a Processing task makes progress');
      s.tasks.setProgress(serial, percent);
      const j = s.tasks.jobOf(serial);
      const now = this.#now();
      s.jobs.setLastModified(j, now);
      if (this.#listeners.taskProgress.length > 0) this.#emit('taskProgress', { taskId: taskModel(s, serial).Id, jobId: s.jobs.models[j]!.Id, serial: serial, progress: percent, timestamp: now });
    } finally {
      this.#leave();
    }
  }

  /**
   * Adds a historical event to a task (what a processor logs). `code` is free text, e.g. `Transcoding`.
   */
  log(task: string | TaskClaim, code: string, message = ''): void {
    if (typeof code !== 'string' || code === '') throw new ArgumentTypeError(`Scheduler.log: expected \`code\` to be a non-empty string, got ${describeValue(code)}`);
    const serial = this.#resolve('log', task);
    this.#s.events.addText(serial, EV.Log, this.#now(), String(message), code);
  }

  /**
   * Cancels a job: tasks not started become Canceled, running ones Canceling until they report.
   * @throws SchedulerError `JOB_NOT_FOUND`, or `JOB_FINAL` when the job already ended or is being canceled.
   */
  cancelJob(jobId: string): JobView {
    this.#depth++;
    try {
      const s = this.#s;
      const j = lookupJob(s, 'cancelJob', jobId);
      const state = s.jobs.stateOf(j);
      if (isFinalState(state) || state === CANCELING) {
        throw new SchedulerError('JOB_FINAL', `Scheduler.cancelJob: job ${jobId} is already ${STATE_NAMES[state]}: nothing to cancel`, { jobId, state: STATE_NAMES[state] });
      }
      const now = this.#now();
      s.jobs.setCancelRequested(j, true);
      s.journal?.dirtyJobs.add(j);
      this.#cancelRest(j, now, 'the job was canceled', false);
      this.#refreshJob(j, now);
      return jobView(s, j);
    } finally {
      this.#leave();
    }
  }

  /**
   * Forgets an ended job: it leaves every view and lookup, and its model, ErrorDetails and event
   * texts are released. What stays is a few dozen bytes a task in the typed arrays (serials are
   * never reused: claims and events carry them); a process that restarts from a store has none.
   * @throws SchedulerError `JOB_NOT_FOUND`, or `JOB_NOT_ENDED` when the job has not ended
   */
  forget(jobId: string): void {
    const s = this.#s;
    const j = lookupJob(s, 'forget', jobId);
    const state = s.jobs.stateOf(j);
    if (!isFinalState(state)) {
      throw new SchedulerError('JOB_NOT_ENDED', `Scheduler.forget: job ${jobId} is ${STATE_NAMES[state]}: only an ended job can be forgotten; cancel it first`, { jobId, state: STATE_NAMES[state] });
    }
    s.taskIds.forget(s.jobs, j);
    for (const serial of s.jobs.serials(j)) {
      s.tasks.errors.delete(serial);
      s.tasks.progress.delete(serial);
      s.events.dropTexts(serial);
    }
    const standIn = { ...FORGOTTEN, Id: jobId };
    s.jobs.forget(j, standIn, resolveDependencies(standIn));
  }

  /**
   * A task that was ready, running or held left that state: a capped job may offer another task,
   * and a weighted pool whose best task it was may now give a lighter one.
   */
  #withdrawn(serial: number): void {
    const s = this.#s;
    if (s.capped) {
      const j = s.tasks.jobOf(serial);
      if (s.jobs.maxRunning(j) !== 0) s.reopened.push(j);
    }
    if (s.tasks.weight !== null) s.ready.recheck(s.tasks.poolOf(serial));
  }

  #stopRunning(serial: number): void {
    const s = this.#s;
    s.running--;
    const w = s.tasks.weight;
    const pools = s.tasks.pool;
    s.ready.release(pools === null ? 0 : pools[serial]!, w === null ? 1 : w[serial]!);
    if (s.capped) this.#withdrawn(serial);
  }

  /** Cancels every unfinished task of the job; running ones become Canceling. */
  #cancelRest(j: number, now: number, why: string, respectDoNotCancel: boolean): void {
    const s = this.#s;
    const tasks = s.tasks;
    const models = s.jobs.models[j]!.Tasks;
    const serials = s.jobs.serials(j);
    for (let i = 0; i < serials.length; i++) {
      const serial = serials[i]!;
      const state = tasks.state[serial]!;
      if (respectDoNotCancel && (models[i]!.Options & TaskOptions.DoNotCancelOnJobFailure) !== 0) continue;
      if (state === QUEUED || state === SCHEDULED) {
        tasks.held.delete(serial);
        this.#addError(serial, { Code: 'Canceled', Message: `canceled: ${why}` });
        this.#setStateWith(serial, j, TaskState.Canceled, now, EV.Canceled, why);
        if (state === SCHEDULED) this.#withdrawn(serial);
      } else if (state === PROCESSING) {
        this.#setStateWith(serial, j, CANCELING, now, EV.Canceling, why);
      }
    }
  }

  /**
   * Task `serial` ended Error or Canceled: each dependent that has not started does what its
   * DependencyAction says — `cancel` (the default): Canceled, and so on down the graph; `run`: one
   * producer fewer to wait for; `skip`: Finished without running (a `Skipped` event), releasing its
   * own dependents. Iterative.
   */
  #producerEnded(serial: number, j: number, now: number, why: string): void {
    const tasks = this.#s.tasks;
    const action = tasks.action;
    const stack = [serial];
    const visit = (t: number): void => {
      const state = tasks.state[t];
      if (state !== QUEUED && state !== SCHEDULED) return;
      const act = action === null ? DependencyAction.cancel : action[t]!;
      if (act === DependencyAction.run) {
        if (state === QUEUED && tasks.dropPending(t) === 0) {
          this.#setState(t, j, SCHEDULED, now, EV_SCHEDULED);
          this.#makeReady(t, now);
        }
        return;
      }
      tasks.held.delete(t);
      if (act === DependencyAction.skip) {
        tasks.setProgress(t, 0);
        this.#setStateWith(t, j, TaskState.Finished, now, EV.Skipped, `skipped: ${why}`);
        if (state === SCHEDULED) this.#withdrawn(t);
        this.#releaseDependents(t, j, now);
        return;
      }
      this.#addError(t, { Code: 'DependencyFailed', Message: `canceled: ${why}` });
      this.#setStateWith(t, j, TaskState.Canceled, now, EV.Canceled, why);
      if (state === SCHEDULED) this.#withdrawn(t);
      stack.push(t);
    };
    while (stack.length > 0) {
      const a = stack.pop()!;
      for (let e = tasks.ints[a << TASK_SHIFT]!, end = tasks.ints[(a + 1) << TASK_SHIFT]!; e < end; e++) visit(tasks.succ[e]!);
      // Then the successors added to the job later.
      const head = tasks.extraHead;
      if (head !== null) for (let e = head[a]!; e !== -1; e = tasks.extraNext[e]!) visit(tasks.extraTo[e]!);
    }
  }


  #addError(serial: number, detail: ErrorDetail): void {
    this.#s.journal?.errors.push([serial, detail]);
    this.#s.tasks.addError(serial, detail);
  }

  /** Moves task `serial` (of job `j`) to `state`, counts it in its job and logs `event`. */
  #setState(serial: number, j: number, state: number, now: number, event: number): void {
    const s = this.#s;
    const states = s.tasks.state;
    const old = states[serial]!;
    states[serial] = state;
    const counts = s.jobs.ints;
    const at = j << INT_SHIFT;
    counts[at + old]!--;
    counts[at + state]!++;
    s.events.add(serial, event, now);
    if (this.#statesWatched) this.#emitStateChange(serial, j, old, state, now);
  }

  /** As {@link #setState}, the event carrying a message (why a task was canceled or failed). */
  #setStateWith(serial: number, j: number, state: number, now: number, event: number, message: string): void {
    const s = this.#s;
    const old = s.tasks.state[serial]!;
    s.tasks.state[serial] = state;
    const at = j << INT_SHIFT;
    s.jobs.ints[at + old]!--;
    s.jobs.ints[at + state]!++;
    s.events.addText(serial, event, now, message);
    if (this.#statesWatched) this.#emitStateChange(serial, j, old, state, now);
  }

  #emitStateChange(serial: number, j: number, oldState: number, newState: number, now: number): void {
    const s = this.#s;
    if (this.#listeners.taskStateChange.length > 0) this.#emit('taskStateChange', { taskId: taskModel(s, serial).Id, jobId: s.jobs.models[j]!.Id, serial: serial, oldState, newState, timestamp: now });
    const observer = this.#stateObserver;
    if (observer !== null) {
      try {
        observer(serial, oldState, newState, now);
      } catch (err) {
        this.#listenerThrew(err);
      }
    }
  }

  /**
   * @internal Calls `observer` at every task state change (null: no more), with what a
   * `taskStateChange` event carries but no object: for a caller that records many changes and
   * reads few (the Engine keeps a submit's events for the rest of its turn). One at a time.
   */
  observeStateChanges(observer: StateObserver | null): void {
    this.#stateObserver = observer;
    this.#updateStatesWatched();
  }

  #updateStatesWatched(): void {
    this.#statesWatched = this.#listeners.taskStateChange.length > 0 || this.#stateObserver !== null;
  }

  /** Derives the job's state from its task counts and reports a change. */
  #refreshJob(j: number, now: number): void {
    const jobs = this.#s.jobs;
    const old = jobs.refresh(j, now);
    if (old !== -1 && this.#listeners.jobStateChange.length > 0) this.#emit('jobStateChange', { jobId: jobs.models[j]!.Id, oldState: old, newState: jobs.stateOf(j), timestamp: now });
  }

  // ---------------------------------------------------------------- events

  /**
   * Subscribes to `taskStateChange`, `taskProgress` or `jobStateChange`. A listener is called when
   * the operation that made the change has ended (its other changes made too), before it returns,
   * in the order of the changes; it may call back in.
   * @returns a function that unsubscribes.
   */
  on<K extends EventName>(event: K, listener: (e: SchedulerEvents[K]) => void): () => void {
    // Own properties only: `toString` and the like are on every object's prototype.
    // A string first: any other value would be converted to a key, which may throw (an object without a prototype).
    const list = typeof event === 'string' && Object.hasOwn(this.#listeners, event) ? (this.#listeners[event] as Array<(e: SchedulerEvents[K]) => void>) : undefined;
    if (!list) throw new ArgumentRangeError(`Scheduler.on: unknown event ${describeValue(event)}; events are taskStateChange, taskProgress, jobStateChange`, 'ERR_INVALID_ARG_VALUE');
    if (typeof listener !== 'function') throw new ArgumentTypeError(`Scheduler.on: expected \`listener\` to be a function, got ${describeValue(listener)}`);
    list.push(listener);
    this.#updateStatesWatched();
    return () => this.off(event, listener);
  }

  off<K extends EventName>(event: K, listener: (e: SchedulerEvents[K]) => void): void {
    if (typeof event !== 'string' || !Object.hasOwn(this.#listeners, event)) return;
    const list = this.#listeners[event] as Array<(e: SchedulerEvents[K]) => void>;
    const i = list.indexOf(listener);
    if (i !== -1) list.splice(i, 1);
    this.#updateStatesWatched();
  }

  #emit<K extends EventName>(event: K, payload: SchedulerEvents[K]): void {
    const list = this.#listeners[event] as Array<(e: SchedulerEvents[K]) => void>;
    // The listeners of now, so that one that subscribes or unsubscribes changes the next event, not
    // this one; a lone listener (the Engine's) is kept without making a copy.
    const to = list.length === 1 ? list[0]! : list.slice();
    if (this.#depth !== 0) this.#queued.push(to, payload);
    else this.#deliver(to, payload);
  }

  #deliver(to: unknown, payload: unknown): void {
    if (typeof to === 'function') this.#call(to as (e: unknown) => void, payload);
    else for (const l of to as Array<(e: unknown) => void>) this.#call(l, payload);
  }

  /** Ends an operation: the outermost delivers the events it and the operations its listeners called made, in order. */
  #leave(): void {
    if (--this.#depth !== 0 || this.#queued.length === 0 || this.#delivering) return;
    this.#delivering = true;
    const q = this.#queued;
    try {
      for (let i = 0; i < q.length; i += 2) this.#deliver(q[i], q[i + 1]);
    } finally {
      q.length = 0;
      this.#delivering = false;
    }
  }

  #call<T>(listener: (e: T) => void, payload: T): void {
    try {
      listener(payload);
    } catch (err) {
      this.#listenerThrew(err);
    }
  }

  /** A listener's error must not break the state change half-way, nor may the handler's own. */
  #listenerThrew(err: unknown): void {
    try {
      this.#settings.onListenerError(err);
    } catch {
      /* nobody left to tell */
    }
  }


  // ---------------------------------------------------------------- lookups and views (inspect.ts)

  /** A task by id, or by the claim `next()` returned (no lookup: the claim knows its serial). */
  #resolve(call: string, task: string | TaskClaim): number {
    const s = this.#s;
    if (typeof task !== 'object' || task === null) return lookupTask(s, call, task);
    let serial: unknown;
    let taskId: unknown;
    try {
      // A claim of this scheduler knows its serial: no lookup, and no visit to the task's model.
      if (task instanceof Claim && task.owner === this && !s.jobs.isForgotten(s.tasks.jobOf(task.serial))) return task.serial;
      // Anything else is read once, here: a getter or Proxy trap that throws is a claim that is none.
      serial = task.serial;
      taskId = task.taskId;
    } catch (err) {
      throw new SchedulerError('TASK_NOT_FOUND', `Scheduler.${call}: the claim given could not be read (${thrownText(err)}): pass the claim next() returned, or the task id`, { cause: err });
    }
    if (typeof serial === 'number' && Number.isInteger(serial) && serial >= 0 && serial < s.tasks.count) {
      const j = s.tasks.jobOf(serial);
      if (s.jobs.models[j]!.Tasks[s.jobs.localOf(j, serial)]?.Id === taskId) return serial;
    }
    throw new SchedulerError('TASK_NOT_FOUND', `Scheduler.${call}: the claim for ${describeValue(taskId)} is not from this scheduler: pass the claim next() returned, or the task id`);
  }

  /**
   * Throws `TASK_NOT_FOUND` unless `serial` names a task of a job that is not forgotten: for calls
   * that take a serial, on their error path only.
   */
  #checkSerial(call: string, serial: number): void {
    const s = this.#s;
    if (!(Number.isInteger(serial) && serial >= 0 && serial < s.tasks.count)) {
      throw new SchedulerError('TASK_NOT_FOUND', `Scheduler.${call}: no task has number ${describeValue(serial)} (it holds ${s.tasks.count}, numbered from 0): pass the serial that nextIndex() or a claim gave`);
    }
    const j = s.tasks.jobOf(serial);
    if (s.jobs.isForgotten(j)) {
      throw new SchedulerError('TASK_NOT_FOUND', `Scheduler.${call}: task number ${serial} belongs to job ${s.jobs.models[j]!.Id}, which was forgotten`);
    }
  }

  #invalid(call: string, serial: number, verb: string, way: string): never {
    const s = this.#s;
    const task = taskModel(s, serial);
    const state = STATE_NAMES[s.tasks.state[serial]!]!;
    throw new SchedulerError('INVALID_TRANSITION', `Scheduler.${call}: cannot ${verb} task ${describeTask(task)} as it is ${state}: ${way}`, { taskId: task.Id, jobId: s.jobs.models[s.tasks.jobOf(serial)]!.Id, state });
  }

  /** The loaded job and task of a serial (as events and claims carry it). */
  modelOf(serial: number): { job: Job; task: Task } {
    return modelOf(this.#s, serial);
  }

  /** A task's serial (as claims and events carry it), by id. @throws SchedulerError `TASK_NOT_FOUND` */
  taskSerial(taskId: string): number {
    return lookupTask(this.#s, 'taskSerial', taskId);
  }

  /** The state (0–6) of a task, without building its view. */
  stateOf(task: string | TaskClaim): number {
    return this.#s.tasks.state[this.#resolve('stateOf', task)]!;
  }

  /** The task's view, or undefined for an unknown id. */
  task(taskId: string): TaskView | undefined {
    const serial = typeof taskId === 'string' ? this.#s.taskIds.get(this.#s.jobs, taskId) : undefined;
    return serial === undefined ? undefined : taskView(this.#s, serial);
  }

  /** The job's view, or undefined for an unknown id. */
  job(jobId: string): JobView | undefined {
    const j = this.#s.jobs.byId.get(jobId);
    return j === undefined ? undefined : jobView(this.#s, j);
  }

  /** Views of every job, in submission order. */
  jobs(): JobView[] {
    return jobViews(this.#s);
  }

  /** Views of the tasks that match, in submission order. */
  tasks(filter: TaskFilter = {}): TaskView[] {
    checkOptionsObject('tasks', 'filter', filter);
    const state: unknown = filter.state;
    if (state !== undefined && typeof state !== 'number' && !Array.isArray(state)) {
      throw new ArgumentTypeError(`Scheduler.tasks: expected \`filter.state\` to be a TaskState or an array of them, got ${describeValue(state)}`);
    }
    return taskViews(this.#s, filter);
  }

  /** The job a task belongs to, its position, attempts and pool: what views do not carry. */
  taskInfo(taskId: string): TaskInfo {
    return taskInfo(this.#s, taskId);
  }

  /** The loaded job definition (model) of a job. */
  jobModel(jobId: string): Job {
    return this.#s.jobs.models[lookupJob(this.#s, 'jobModel', jobId)]!;
  }

  /**
   * Says why a task is not running: the dependencies it waits on, or the pool that is full and how
   * many ready tasks of that pool go before it.
   */
  explain(taskId: string): Explanation {
    return explain(this.#s, taskId);
  }

  // ---------------------------------------------------------------- persistence (persistence.ts)

  /** The whole scheduler as plain JSON; {@link Scheduler.restore} rebuilds it. */
  snapshot(): SchedulerSnapshot {
    return takeSnapshot(this.#s);
  }

  /**
   * Rebuilds a scheduler from {@link snapshot}. It behaves as the original would have; tasks that
   * were Processing come back Scheduled (run at least once; the lost attempt is not counted) unless
   * `processing: 'keep'`. Functions cannot be saved: pass `policy` and `poolOf` again when the
   * original had them.
   * @throws SchedulerError `SNAPSHOT_INVALID` when the snapshot is not one of ours;
   *   `SNAPSHOT_POLICY_MISMATCH` when `options.policy` is not the policy the snapshot was taken under;
   *   `SNAPSHOT_POOL_OF_MISSING` when the snapshot was taken with a `poolOf` and none is given.
   *   RangeError (`ERR_INVALID_ARG_VALUE`) when `options.processing` is neither "requeue" nor "keep".
   */
  static restore(snapshot: SchedulerSnapshot, options: RestoreOptions = {}): Scheduler {
    checkOptionsObject('restore', 'options', options);
    const processing = options.processing ?? 'requeue';
    // Anything else would leave the lost tasks Processing for ever, as 'keep' does on purpose.
    if (processing !== 'requeue' && processing !== 'keep') {
      throw new ArgumentRangeError(`Scheduler.restore: expected \`processing\` to be "requeue" or "keep", got ${describeValue(processing)}`, 'ERR_INVALID_ARG_VALUE');
    }
    if (typeof snapshot !== 'object' || snapshot === null || snapshot.format !== SNAPSHOT_FORMAT) {
      throw new SchedulerError('SNAPSHOT_INVALID', `Scheduler.restore: expected a snapshot with format "${SNAPSHOT_FORMAT}", got ${describeValue((snapshot as { format?: unknown } | null)?.format)}`);
    }
    const o = snapshot.options as SchedulerSnapshot['options'] | undefined;
    if (typeof o !== 'object' || o === null) {
      throw new SchedulerError('SNAPSHOT_INVALID', `Scheduler.restore: the snapshot is damaged: expected its \`options\` to be an object, got ${describeValue(o)}`);
    }
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
      loadSnapshot(s.#s, snapshot, processing);
    } catch (err) {
      if (err instanceof SchedulerError) throw err;
      throw new SchedulerError('SNAPSHOT_INVALID', `Scheduler.restore: the snapshot is damaged: ${(err as Error).message}`);
    }
    return s;
  }

  /**
   * Starts keeping what a store needs besides the event log: ErrorDetails as they are added and the
   * jobs whose record changed (a cancel). Off by default, so a scheduler without a store pays nothing.
   */
  enableJournal(): void {
    this.#s.journal ??= { errors: [], dirtyJobs: new Set(), grown: [] };
  }

  /** Rows in the event log: a store's watermark. */
  get eventCount(): number {
    return this.#s.events.size;
  }

  /**
   * The changes since event row `from`, for a store: the event rows with their job and task index,
   * the ErrorDetails added and the jobs whose record changed since the last call (both drained).
   * The store is built on this log: it is the scheduler's own record of every transition.
   * @throws RangeError (`ERR_OUT_OF_RANGE`) when `from` is not a row from 0 to {@link eventCount}.
   */
  readJournal(from: number): JournalChunk {
    return readJournal(this.#s, from);
  }

  /**
   * How many times the task has started since it was last rerun (every start, if it never was):
   * what `maxAttempts` counts. A claim's `attempt` counts every start, so that each attempt keeps a
   * number of its own.
   * @throws SchedulerError `TASK_NOT_FOUND`
   */
  attemptsSinceRerun(task: string | TaskClaim): number {
    const serial = this.#resolve('attemptsSinceRerun', task);
    const s = this.#s;
    return s.tasks.attemptsOf(serial) - (s.attemptBase.get(serial) ?? 0);
  }

  /**
   * How many times the task has started (a claim's `attempt` is this number), without building its
   * view or walking its graph as {@link taskInfo} does: what a caller asks per event.
   * @throws SchedulerError `TASK_NOT_FOUND`
   */
  attemptsOf(task: string | TaskClaim): number {
    return this.#s.tasks.attemptsOf(this.#resolve('attemptsOf', task));
  }

  /** A job's position in submission order (what journal rows carry), or -1. */
  jobIndex(jobId: string): number {
    return this.#s.jobs.byId.get(jobId) ?? -1;
  }

  /** What a store keeps of a job's record, by position. */
  jobRecord(index: number): JournalJobRecord {
    return jobRecord(this.#s, index);
  }

  /**
   * Rebuilds a scheduler from what a store kept: each job's model (as accepted: its references are
   * all valid, so dependencies come from `inputs` and `outputs`) and record, and its events in the
   * order they were logged. Task state, attempts, start and end times are derived from the events
   * (the log is the journal); tasks that were Processing or Canceling stay so, counted as running,
   * for the caller to requeue or end ({@link requeue}, {@link complete}). A job with no events at
   * all was accepted but never flushed: it starts afresh.
   * @throws SchedulerError `JOURNAL_INVALID` for events that do not fit the job (a damaged store).
   * @throws ArgumentTypeError (`ERR_INVALID_ARG_TYPE`) when `jobs` is not an array of stored jobs.
   */
  static recover(jobs: readonly RecoveredJob[], options: SchedulerOptions = {}): Scheduler {
    if (!Array.isArray(jobs)) throw new ArgumentTypeError(`Scheduler.recover: expected \`jobs\` to be an array of the jobs a store kept, got ${describeValue(jobs)}`);
    jobs.forEach((rj: unknown, i) => {
      if (typeof rj !== 'object' || rj === null || !isLoadedJob((rj as { job?: unknown }).job)) {
        throw new ArgumentTypeError(`Scheduler.recover: expected \`jobs[${i}]\` to be a stored job ({ job, priority, … }, \`job\` a loaded job), got ${describeValue(rj)}`);
      }
    });
    const s = new Scheduler(options);
    const fresh = recoverJobs(s.#s, jobs);
    // Everything logged from here on is new to the store: the first states of the jobs it holds
    // without events (accepted, then the process died before their first changes were written).
    s.#s.storedRows = s.#s.events.size;
    for (const j of fresh) s.#initialStates(j);
    return s;
  }

  /**
   * Event rows that {@link Scheduler.recover} read from the store: the rows after them are new (a
   * store writes from here). The whole log for a scheduler that was not recovered.
   */
  get storedEventCount(): number {
    return this.#s.storedRows ?? 0;
  }

  /** Bytes held by the typed arrays of the task and job tables, the keys and the event log (for the benchmarks). */
  get byteLength(): number {
    const s = this.#s;
    return s.tasks.byteLength + s.jobs.byteLength + s.order.byteLength + s.events.byteLength;
  }
}

/** An options bag (or filter) given where one is expected: an object, else an ArgumentTypeError. */
function checkOptionsObject(call: string, name: string, options: unknown): void {
  checkObject(`Scheduler.${call}`, `\`${name}\``, options);
}
