import { ArgumentTypeError, describeValue } from '../errors.js';
import type { Dependencies } from '../graph/dependencies.js';
import { TaskState } from '../job/enums.js';
import type { Job, JobExtensions, Task } from '../job/model.js';
import { readTasks, taskCountOf } from '../job/load.js';
import { enqueueCapped, type JobQueues } from './job-caps.js';
import { SchedulerError, callbackThrew } from './errors.js';
import { EventLog } from './event-log.js';
import { JobTable } from './job-table.js';
import type { Settings } from './options.js';
import { ReadyOrder } from './ready-order.js';
import { ReadyQueues } from './ready-queues.js';
import { T_JOB, T_PENDING, TASK_SHIFT, TaskTable } from './task-table.js';
import { TaskIds } from './task-ids.js';
import type { ErrorDetail } from './views.js';

/**
 * Everything a Scheduler holds, shared by its modules: the commands (scheduler.ts), the views
 * (inspect.ts) and persistence (persistence.ts). Tasks are numbered by serial, jobs by position.
 */
export interface SchedulerState {
  readonly settings: Settings;
  readonly tasks: TaskTable;
  readonly jobs: JobTable;
  readonly order: ReadyOrder;
  readonly ready: ReadyQueues;
  readonly events: EventLog;
  /** Serial by task id (tasks of forgotten jobs are not in it). */
  readonly taskIds: TaskIds;
  /** Pool names by index (0: tasks whose pool has no configured slots) and back. */
  readonly poolNames: string[];
  readonly poolByName: Map<string, number>;
  /** Tasks running now (Processing or Canceling). */
  running: number;
  /** What a store needs besides the event log (see `Scheduler.enableJournal`); undefined until asked for. */
  journal: { errors: Array<[number, ErrorDetail]>; dirtyJobs: Set<number>; grown: Array<[number, number]> } | undefined;
  /** Set by recover(): how many event rows came from the store. */
  storedRows: number | undefined;
  /** Some job has a cap on its running tasks (`maxRunning`): claims check it. */
  capped: boolean;
  /** Per capped job, per pool: its ready tasks (see job-caps.ts). */
  readonly jobQueues: JobQueues;
  /** Capped jobs whose ready tasks must be offered again before the next claim (see job-caps.ts; a job may be listed twice). */
  readonly reopened: number[];
  /** Per pool index: its rate limit's window of recent starts, when it has one. */
  readonly rates: Array<RateWindow | undefined>;
  /** Pools blocked by their rate limit, with the time each opens again. */
  readonly blockedUntil: Map<number, number>;
  /** Per task that was rerun: its attempts when it was, so `maxAttempts` counts from there. */
  readonly attemptBase: Map<number, number>;
}

/** A rate limit: at most `max` starts in any `perMs` window, the recent start times in a ring. */
export interface RateWindow {
  readonly max: number;
  readonly perMs: number;
  readonly starts: Float64Array;
  /** Next slot of the ring to write. */
  at: number;
  /** Starts recorded (up to max). */
  count: number;
}

export function createState(settings: Settings): SchedulerState {
  const order = new ReadyOrder(settings.policy);
  const st: SchedulerState = {
    settings,
    tasks: new TaskTable(),
    jobs: new JobTable(),
    order,
    ready: new ReadyQueues(order),
    events: new EventLog(),
    taskIds: new TaskIds(),
    poolNames: [''],
    poolByName: new Map(),
    running: 0,
    journal: undefined,
    storedRows: undefined,
    capped: false,
    jobQueues: new Map(),
    reopened: [],
    rates: [undefined],
    blockedUntil: new Map(),
    attemptBase: new Map(),
  };
  // Pool 0 holds tasks whose pool has no configured slots: only `concurrency` limits them.
  st.ready.addPool(Infinity);
  return st;
}

/**
 * Appends a job to the tables: its tasks Queued at the next serials, their keys, dependencies and
 * pools, its task ids, and room in the event log for what they will surely log. Logs nothing.
 * A throw (a function of the user's, see {@link prepareTasks}; a repeated task id) leaves the
 * scheduler as it was: what may throw comes first, and nothing after it does.
 * @param freshIds its task ids were all just made by the built-in random factory (see TaskIds)
 * @param accepted called once every check has passed and before anything changes (a store writes
 *   the job there); if it throws, nothing is appended
 * @returns the job's position.
 * @throws SchedulerError `CALLBACK_THREW`, `TASK_EXISTS`; ArgumentTypeError for a key or duration that is no finite number
 */
export function appendJob(st: SchedulerState, job: Job, deps: Dependencies, priority: number, failFast: boolean, created: number, maxRunning = 0, freshIds = false, accepted?: () => void): number {
  const tasks = st.tasks;
  const n = taskCountOf(job);
  const base = tasks.count;
  const total = base + n;
  // The position jobs.add() gives it, below.
  const j = st.jobs.count;
  const mayWait = prepareTasks(st, job, j, deps, priority, base, 0, n);
  // Takes nothing when it throws.
  indexTaskIds(st, job, freshIds);
  if (accepted !== undefined) {
    try {
      accepted();
    } catch (err) {
      st.taskIds.untake(st.jobs, job, freshIds, base);
      throw err;
    }
  }
  // Nothing below throws.
  const ext = job.extensions;
  if (ext !== undefined) applyTaskExtensions(st, ext, base, n);
  // ensure() may have grown the weights: the ready set reads this array.
  if (tasks.weight !== null) st.ready.weights = tasks.weight;
  st.jobs.add(job, deps, base, n, priority, failFast, created);
  const waiting = tasks.appendDependencies(base, n, deps);
  const cap = maxRunning !== 0 ? maxRunning : (ext?.maxRunning ?? 0);
  if (cap !== 0) {
    st.jobs.setMaxRunning(j, cap);
    st.capped = true;
    st.ready.hidesTasks = true;
  }
  promiseEvents(st, n, waiting, mayWait);
  tasks.count = total;
  return j;
}

/**
 * What may fail in adding tasks [from, from + n) of `job` (its model, with them) to job position
 * `j` at serials [base, base + n): their keys (a policy's `key` or `duration`) and their pools
 * (`poolOf`), the only steps that run the user's functions. Both write past the tables' end only,
 * where the next append writes again, so a throw here leaves the scheduler as it was (a pool it
 * met may be registered, empty: nothing reads a pool until a task is in it). `deps` are the edges
 * among these tasks (local: 0 … n - 1).
 * @returns whether these tasks may have to wait for a slot (see {@link promiseEvents}).
 * @throws SchedulerError `CALLBACK_THREW`; ArgumentTypeError for a key or duration that is no finite number
 */
export function prepareTasks(st: SchedulerState, job: Job, j: number, deps: Dependencies, priority: number, base: number, from: number, n: number): boolean {
  const tasks = st.tasks;
  tasks.ensure(base + n);
  // ensure() may have grown the weights, and freed the old array (see growable.ts): the ready set
  // reads this one, also when a function of the user's throws below.
  if (tasks.weight !== null) st.ready.weights = tasks.weight;
  st.order.ensure(tasks.state.length);
  st.events.ensureTasks(tasks.state.length);
  // Keys that no longer pack: the ready heaps' copies of the older keys are in the packed form.
  if (st.order.addJob(job, deps, priority, base, from, n)) st.ready.rekey();
  return placeTasks(st, job, j, base, from, n);
}

/**
 * Gives tasks [from, from + n) of job j (serials [base, base + n)) their job and pool.
 * @returns whether they may have to wait for a slot: a finite concurrency, or a pool with slots.
 * @throws SchedulerError `CALLBACK_THREW` when `poolOf` throws.
 */
function placeTasks(st: SchedulerState, job: Job, j: number, base: number, from: number, n: number): boolean {
  const extPools = job.extensions?.pool;
  let lastPoolName: string | undefined;
  let lastPool = 0;
  let mayWait = st.settings.concurrency !== Infinity;
  const ints = st.tasks.ints;
  let poolOfTask = st.tasks.pool;
  // Read without making a big job's task objects (see readTasks); `poolOf` is given a view.
  const tasks = readTasks(job);
  const byProcessor = st.settings.defaultPools;
  let i = 0;
  try {
    for (; i < n; i++) {
      const serial = base + i;
      ints[(serial << TASK_SHIFT) + T_JOB] = j;
      const poolName = extPools?.[from + i] ?? (byProcessor ? tasks.processor(from + i) : st.settings.poolOf(tasks.task(from + i), job));
      // Consecutive tasks mostly share a pool: skip the map for a repeat.
      if (poolName !== lastPoolName) {
        lastPoolName = poolName;
        lastPool = poolIndex(st, poolName);
        if (lastPool !== 0) {
          mayWait = true;
          poolOfTask ??= st.tasks.enablePools();
        }
      }
      if (poolOfTask !== null) poolOfTask[serial] = lastPool;
    }
  } catch (err) {
    // Only `poolOf` is the user's in this loop.
    throw callbackThrew('poolOf', tasks.task(from + i), job, err);
  }
  return mayWait;
}

/**
 * Promises the event log the rows `n` new tasks will surely write: Scheduled, Processing,
 * Finished; Queued first for each of the `waiting` tasks that wait on a dependency;
 * WaitingForFreeResources when a slot may be lacking (`mayWait`). Growing the log mid-run would
 * allocate big buffers, and at a million tasks each such allocation sets off a full GC of the
 * whole heap (over a second).
 */
function promiseEvents(st: SchedulerState, n: number, waiting: number, mayWait: boolean): void {
  st.events.promise((mayWait ? 4 : 3) * n + waiting);
}

/**
 * Appends tasks to job j: the model's tasks [from, from + n) — already in its Tasks and extension
 * arrays, and prepared ({@link prepareTasks}, which returned `mayWait`) — Queued at the next
 * serials, after every task there is (see JobTable.grown). `deps` are the edges among them
 * (local: 0 … n - 1); `external` the edges into them from the job's earlier tasks (`from` an index
 * in the job). With `live`, an edge from a producer that already Finished is not waited on (an
 * addition to a running job); without, every edge is counted, as for a job being restored, whose
 * finished producers release their dependents afterwards. Logs nothing, and throws nothing.
 * @returns the serial of the first task added.
 */
export function growJob(st: SchedulerState, j: number, from: number, n: number, deps: Dependencies, external: { from: Int32Array; to: Int32Array }, live: boolean, mayWait: boolean): number {
  const tasks = st.tasks;
  const jobs = st.jobs;
  const job = jobs.models[j]!;
  const base = tasks.count;
  const total = base + n;
  const ext = job.extensions;
  if (ext !== undefined) applyTaskExtensions(st, ext, base, n, from);
  if (tasks.weight !== null) st.ready.weights = tasks.weight;
  let waiting = tasks.appendDependencies(base, n, deps);
  const ints = tasks.ints;
  for (let e = 0; e < external.from.length; e++) {
    const producer = jobs.serialOf(j, external.from[e]!);
    const t = base + external.to[e]!;
    tasks.addSuccessor(producer, t);
    if (live && tasks.state[producer] === TaskState.Finished) continue;
    if (ints[(t << TASK_SHIFT) + T_PENDING]!++ === 0) waiting++;
  }
  jobs.grow(j, base, n);
  promiseEvents(st, n, waiting, mayWait);
  tasks.count = total;
  return base;
}

/**
 * The edges into tasks [from, from + n) of a job: those among them (local indices 0 … n - 1) and
 * those from earlier tasks (`from` an index in the job), as {@link growJob} takes them.
 */
export function sliceDependencies(deps: Dependencies, from: number, n: number): { local: Dependencies; external: { from: Int32Array; to: Int32Array } } {
  const lf: number[] = [];
  const lt: number[] = [];
  const la: number[] = [];
  const li: number[] = [];
  const ef: number[] = [];
  const et: number[] = [];
  const end = from + n;
  for (let e = 0; e < deps.to.length; e++) {
    const t = deps.to[e]!;
    if (t < from || t >= end) continue;
    const f = deps.from[e]!;
    if (f >= from && f < end) {
      lf.push(f - from);
      lt.push(t - from);
      la.push(deps.asset[e]!);
      li.push(deps.inputEntry[e]!);
    } else {
      ef.push(f);
      et.push(t - from);
    }
  }
  const local: Dependencies = { taskCount: n, from: Int32Array.from(lf), to: Int32Array.from(lt), asset: Int32Array.from(la), inputEntry: Int32Array.from(li), producerOf: deps.producerOf, duplicates: [], unproduced: [] };
  return { local, external: { from: Int32Array.from(ef), to: Int32Array.from(et) } };
}

/** Copies the weights and dependency actions of a job's tasks [from, from + n) into the task table (serials [base, base + n)). */
function applyTaskExtensions(st: SchedulerState, ext: JobExtensions, base: number, n: number, from = 0): void {
  const tasks = st.tasks;
  if (ext.action !== undefined) {
    const action = tasks.enableActions();
    for (let i = 0; i < n; i++) action[base + i] = ext.action[from + i] ?? 0;
  }
  if (ext.weight !== undefined && ext.weight.some((w) => w !== 1)) {
    const weight = tasks.enableWeights();
    for (let i = 0; i < n; i++) weight[base + i] = ext.weight[from + i] ?? 1;
  }
}

/**
 * Puts a task that just became ready (Scheduled, not held) where claims find it: its pool's ready
 * heap, or its job's own heap when the job has a cap.
 */
export function enqueueReady(st: SchedulerState, p: number, serial: number): void {
  if (st.capped) {
    const j = st.tasks.jobOf(serial);
    if (st.jobs.maxRunning(j) !== 0) return enqueueCapped(st, j, p, serial);
  }
  st.ready.push(p, serial);
}

/** The name of task `i`'s pool: as the definition names it (extension `Pool`), else `poolOf`. */
export function poolNameIn(st: SchedulerState, job: Job, i: number): string {
  return job.extensions?.pool?.[i] ?? st.settings.poolOf(readTasks(job).task(i), job);
}

/** The index of a pool by name; a pool with slots or a rate limit gets its own, the others share 0. */
export function poolIndex(st: SchedulerState, name: string): number {
  const known = st.poolByName.get(name);
  if (known !== undefined) return known;
  const slots = st.settings.poolSlots[name];
  const rate = st.settings.rateLimits[name];
  if (slots === undefined && rate === undefined) {
    st.poolByName.set(name, 0);
    return 0;
  }
  const p = st.ready.addPool(slots ?? Infinity);
  st.poolNames.push(name);
  st.poolByName.set(name, p);
  st.rates[p] = rate === undefined ? undefined : { max: rate.max, perMs: rate.perMs, starts: new Float64Array(rate.max), at: 0, count: 0 };
  return p;
}

/**
 * Takes the task ids of `job`, about to be appended (see TaskIds).
 * @param fresh its ids were all just made by the built-in random factory
 * @throws SchedulerError `TASK_EXISTS`
 */
export function indexTaskIds(st: SchedulerState, job: Job, fresh = false): void {
  st.taskIds.add(st.jobs, job, fresh, st.tasks.count);
}

/** The model of the task with this serial. */
export function taskModel(st: SchedulerState, serial: number): Task {
  const j = st.tasks.jobOf(serial);
  return st.jobs.models[j]!.Tasks[st.jobs.localOf(j, serial)]!;
}

/** The name of a task's pool. */
export function poolNameOf(st: SchedulerState, serial: number): string {
  const p = st.tasks.poolOf(serial);
  if (p !== 0) return st.poolNames[p]!;
  const j = st.tasks.jobOf(serial);
  return poolNameIn(st, st.jobs.models[j]!, st.jobs.localOf(j, serial));
}

export function lookupTask(st: SchedulerState, call: string, taskId: string): number {
  const serial = typeof taskId === 'string' ? st.taskIds.get(st.jobs, taskId) : undefined;
  if (serial === undefined) {
    if (typeof taskId !== 'string') throw new ArgumentTypeError(`Scheduler.${call}: expected a task id string, got ${describeValue(taskId)}`);
    throw new SchedulerError('TASK_NOT_FOUND', `Scheduler.${call}: no task has Id ${JSON.stringify(taskId)}: use the taskId that next() returned`, { taskId });
  }
  return serial;
}

/** A job's position by id. */
export function lookupJob(st: SchedulerState, call: string, jobId: string): number {
  const j = typeof jobId === 'string' ? st.jobs.byId.get(jobId) : undefined;
  if (j === undefined) {
    if (typeof jobId !== 'string') throw new ArgumentTypeError(`Scheduler.${call}: expected a job id string, got ${describeValue(jobId)}`);
    throw new SchedulerError('JOB_NOT_FOUND', `Scheduler.${call}: no job has Id ${JSON.stringify(jobId)}`, { jobId });
  }
  return j;
}

export { describeTask } from './errors.js';
