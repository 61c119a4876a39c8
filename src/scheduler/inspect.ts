import { ArgumentRangeError, describeValue } from '../errors.js';
import { DEPENDENCY_ACTION_NAMES, DependencyAction, STATE_NAMES, type DependencyActionName, TaskState, isFinalState } from '../job/enums.js';
import type { Job, Task } from '../job/model.js';
import { SchedulerError } from './errors.js';
import type { TaskTimes } from './event-log.js';
import type { Dependencies } from '../graph/dependencies.js';
import { fillCsr } from '../core/csr.js';
import type { TaskFilter } from './options.js';
import { describeTask, lookupJob, lookupTask, poolNameOf, taskModel, type SchedulerState } from './state.js';
import { isoOf, isoOrNull, type Explanation, type JobView, type TaskView } from './views.js';

/**
 * The read side of the scheduler: entity views built on demand from the tables and the event log,
 * lookups, and `explain`. Nothing here changes the scheduler (the clock is read only for what is
 * still running or waiting).
 */

export function taskView(st: SchedulerState, serial: number): TaskView {
  const t = taskModel(st, serial);
  const state = st.tasks.state[serial]!;
  const running = state === TaskState.Processing || state === TaskState.Canceling;
  const clock = lazyClock(st);
  const times = st.events.timesOf(serial, isFinalState(state), clock);
  const { start, end } = times;
  const runningFor = Number.isNaN(start) ? 0 : (Number.isNaN(end) ? (running ? clock() : start) : end) - start;
  return {
    Id: t.Id,
    Name: t.Name,
    Configuration: t.Configuration,
    MediaProcessorId: t.MediaProcessorId,
    Priority: t.Priority,
    State: state,
    Progress: st.tasks.progressOf(serial, state === TaskState.Finished),
    StartTime: isoOrNull(start),
    EndTime: isoOrNull(end),
    RunningDuration: Math.max(0, runningFor),
    PerfMessage: perfMessage(times),
    ErrorDetails: (st.tasks.errors.get(serial) ?? []).map((d) => ({ ...d })),
    HistoricalEvents: st.events.eventsOf(serial),
    TaskBody: t.TaskBody,
    Options: t.Options,
    EncryptionKeyId: t.EncryptionKeyId,
    EncryptionScheme: t.EncryptionScheme,
    EncryptionVersion: t.EncryptionVersion,
    InitializationVector: t.InitializationVector,
    TaskNotificationSubscriptions: t.TaskNotificationSubscriptions.map((s) => ({ ...s })),
  };
}

/**
 * A task's `PerfMessage`: how long it waited for a slot and how long it ran, from its events, e.g.
 * `waited 1.2 s for a slot; ran 8.0 s`, or `ran 950 ms in 2 attempts`. The wait is counted from
 * each WaitingForFreeResources to the start that ended it (a task that became ready with a slot free
 * and started at once waited for none); a run from each start to its end, retry or requeue. Open
 * intervals count up to now. Empty for a task that never waited for a slot nor started.
 */
export function perfMessage(times: TaskTimes): string {
  const parts: string[] = [];
  if (times.waits > 0) parts.push(`waited ${formatMs(times.waited)} for a slot`);
  if (times.attempts > 0) parts.push(`ran ${formatMs(times.ran)}${times.attempts > 1 ? ` in ${times.attempts} attempts` : ''}`);
  return parts.join('; ');
}

/** Milliseconds as `850 ms` below a second, else seconds to a tenth: `1.2 s`, `75.0 s`. */
function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** The clock, read at most once. */
function lazyClock(st: SchedulerState): () => number {
  let now = NaN;
  return () => (Number.isNaN(now) ? (now = st.settings.now()) : now);
}

export function jobView(st: SchedulerState, j: number): JobView {
  const jobs = st.jobs;
  const model = jobs.models[j]!;
  const start = jobs.startTime(j);
  const end = jobs.endTime(j);
  return {
    Id: model.Id,
    Name: model.Name,
    Priority: jobs.priority[j]!,
    State: jobs.stateOf(j),
    Created: isoOf(jobs.created[j]!),
    LastModified: isoOf(jobs.lastModified(j)),
    StartTime: isoOrNull(start),
    EndTime: isoOrNull(end),
    RunningDuration: Number.isNaN(start) ? 0 : Math.max(0, (Number.isNaN(end) ? st.settings.now() : end) - start),
    TemplateId: model.TemplateId,
    JobNotificationSubscriptions: model.JobNotificationSubscriptions.map((s) => ({ ...s })),
  };
}

/** Views of every job not forgotten, in submission order. */
export function jobViews(st: SchedulerState): JobView[] {
  const out: JobView[] = [];
  for (let j = 0; j < st.jobs.count; j++) if (!st.jobs.isForgotten(j)) out.push(jobView(st, j));
  return out;
}

/** Views of the tasks that match, in submission order. */
export function taskViews(st: SchedulerState, filter: TaskFilter): TaskView[] {
  const states = filter.state === undefined ? undefined : typeof filter.state === 'number' ? [filter.state] : filter.state;
  const out: TaskView[] = [];
  const take = (serial: number): void => {
    if (states && !states.includes(st.tasks.state[serial]!)) return;
    if (st.jobs.isForgotten(st.tasks.jobOf(serial))) return;
    if (filter.mediaProcessorId !== undefined && taskModel(st, serial).MediaProcessorId !== filter.mediaProcessorId) return;
    out.push(taskView(st, serial));
  };
  if (filter.jobId !== undefined) {
    // The job's tasks in their order (a grown job's added tasks have later serials).
    for (const serial of st.jobs.serials(lookupJob(st, 'tasks', filter.jobId))) take(serial);
  } else {
    for (let serial = 0; serial < st.tasks.count; serial++) take(serial);
  }
  return out;
}

/** The loaded job and task of a serial (as events and claims carry it). */
export function modelOf(st: SchedulerState, serial: number): { job: Job; task: Task } {
  if (!Number.isInteger(serial) || serial < 0 || serial >= st.tasks.count) {
    throw new ArgumentRangeError(`Scheduler.modelOf: expected a task number from 0 to ${st.tasks.count - 1}, got ${describeValue(serial)}`);
  }
  const j = st.tasks.jobOf(serial);
  const job = st.jobs.models[j]!;
  if (st.jobs.isForgotten(j)) throw new SchedulerError('TASK_NOT_FOUND', `Scheduler.modelOf: task number ${serial} belongs to job ${job.Id}, which was forgotten`, { jobId: job.Id });
  return { job, task: job.Tasks[st.jobs.localOf(j, serial)]! };
}

/** The job a task belongs to, its position, attempts and pool: what views do not carry. */
export function taskInfo(st: SchedulerState, taskId: string): TaskInfo {
  const serial = lookupTask(st, 'taskInfo', taskId);
  const task = taskModel(st, serial);
  const job = st.jobs.models[st.tasks.jobOf(serial)]!;
  const ids = (serials: number[]): string[] => serials.map((s) => taskModel(st, s).Id);
  return {
    jobId: job.Id,
    index: task.index,
    attempts: st.tasks.attemptsOf(serial),
    pool: poolNameOf(st, serial),
    dependencies: ids(predecessors(st, serial)),
    dependents: ids([...new Set(st.tasks.successors(serial))].sort((a, b) => a - b)),
    allDependencies: ids(transitive(st, serial, 'dependencies')),
    allDependents: ids(transitive(st, serial, 'dependents')),
    weight: st.tasks.weight === null ? 1 : st.tasks.weight[serial]!,
    action: DEPENDENCY_ACTION_NAMES[st.tasks.action === null ? 0 : st.tasks.action[serial]!]!,
  };
}

/** What `Scheduler.taskInfo` says of a task besides its view. */
export interface TaskInfo {
  jobId: string;
  /** Its position in its job's Tasks. */
  index: number;
  attempts: number;
  pool: string;
  /** The tasks it takes an input from, by id, in job order. */
  dependencies: string[];
  /** The tasks that take an input from it, by id, in job order. */
  dependents: string[];
  /** Every task it waits on, directly or through others, in job order. */
  allDependencies: string[];
  /** Every task that waits on it, directly or through others, in job order. */
  allDependents: string[];
  /** Slots it takes in its pool (the Weight extension; 1 by default). */
  weight: number;
  /** What a producer's failure or cancellation does to it (the DependencyAction extension). */
  action: DependencyActionName;
}

/**
 * The serials a task waits on (or that wait on it), directly or not, ascending: a walk of its
 * job's edges (successors on the task table; predecessors from the job's dependency arrays, as no
 * predecessor index is kept). Edges stay within a job.
 */
function transitive(st: SchedulerState, serial: number, direction: 'dependencies' | 'dependents'): number[] {
  const j = st.tasks.jobOf(serial);
  const jobs = st.jobs;
  const count = jobs.taskCount(j);
  let next: (local: number, visit: (local: number) => void) => void;
  if (direction === 'dependents') {
    const tasks = st.tasks;
    next = (local, visit) => {
      for (const t of tasks.successors(jobs.serialOf(j, local))) visit(jobs.localOf(j, t));
    };
  } else {
    const { offset, from } = producerIndex(jobs.depsOf(j), count);
    next = (local, visit) => {
      for (let e = offset[local]!, end = offset[local + 1]!; e < end; e++) visit(from[e]!);
    };
  }
  const seen = new Uint8Array(count);
  const stack = [jobs.localOf(j, serial)];
  const out: number[] = [];
  const visit = (local: number): void => {
    if (seen[local] === 1) return;
    seen[local] = 1;
    out.push(jobs.serialOf(j, local));
    stack.push(local);
  };
  while (stack.length > 0) next(stack.pop()!, visit);
  return out.sort((a, b) => a - b);
}

/** The serials a task depends on, ascending (from its job's dependencies: see {@link producerIndex}). */
function predecessors(st: SchedulerState, serial: number): number[] {
  const j = st.tasks.jobOf(serial);
  const { offset, from } = producerIndex(st.jobs.depsOf(j), st.jobs.taskCount(j));
  const local = st.jobs.localOf(j, serial);
  const seen = new Set<number>();
  for (let e = offset[local]!, end = offset[local + 1]!; e < end; e++) seen.add(st.jobs.serialOf(j, from[e]!));
  return [...seen].sort((a, b) => a - b);
}

/** Each task's producers as CSR over a job's local indices: task i's are `from[offset[i] .. offset[i + 1])`, in edge order. */
export interface ProducerIndex {
  offset: Int32Array;
  from: Int32Array;
}

/** Built once per Dependencies object: a big job keeps its object until it grows (or is forgotten); a small job's is made afresh per call. */
const producerIndexes = new WeakMap<Dependencies, ProducerIndex>();

/**
 * The producers of every task of a job (one per edge, in edge order), from its dependencies: no
 * predecessor index is kept in the task table. Cached per Dependencies object, so `explain`,
 * `taskInfo` and `rerun` of one task cost what that task's edges cost, not a pass over its job's
 * (a rerun of each of 8,000 failed tasks of one job took 7.8 s when each pass was made afresh).
 */
export function producerIndex(deps: Dependencies, count: number): ProducerIndex {
  const known = producerIndexes.get(deps);
  if (known !== undefined && known.offset.length === count + 1) return known;
  // The CSR of the reversed edges: each task's in-degree, then the core's fill (edge order kept).
  const offset = new Int32Array(count + 1);
  for (let e = 0; e < deps.to.length; e++) offset[deps.to[e]!]!++;
  const from = new Int32Array(deps.to.length);
  fillCsr(offset, 0, count, deps.to, deps.from, from, 0, 0);
  const index = { offset, from };
  producerIndexes.set(deps, index);
  return index;
}

/**
 * Says why a task is not running: the dependencies it waits on, or the pool that is full and how
 * many ready tasks of that pool go before it.
 */
export function explain(st: SchedulerState, taskId: string): Explanation {
  const serial = lookupTask(st, 'explain', taskId);
  const task = taskModel(st, serial);
  const state = st.tasks.state[serial]!;
  const p = st.tasks.poolOf(serial);
  const pool = poolNameOf(st, serial);
  const slots = st.ready.slotsOf(p);
  const concurrency = st.settings.concurrency;
  const poolRunning = p === 0 ? st.running : st.ready.runningIn(p);
  const base = { taskId, state: STATE_NAMES[state]!, waitingOn: [] as Explanation['waitingOn'], pool, poolSlots: slots, poolRunning, ahead: 0 };
  const name = describeTask(task);
  const attempts = st.tasks.attemptsOf(serial);
  if (isFinalState(state)) return { ...base, reason: 'final', message: `task ${name} has ended: it is ${STATE_NAMES[state]}` };
  if (state === TaskState.Processing) return { ...base, reason: 'running', message: `task ${name} is running (attempt ${attempts})` };
  if (state === TaskState.Canceling) return { ...base, reason: 'canceling', message: `task ${name} is being canceled and has not reported yet` };
  if (state === TaskState.Queued) {
    const runs = st.tasks.action !== null && st.tasks.action[serial] === DependencyAction.run;
    const waitingOn = predecessors(st, serial)
      .filter((d) => st.tasks.state[d] !== TaskState.Finished && !(runs && isFinalState(st.tasks.state[d]!)))
      .map((d) => {
        const dt = taskModel(st, d);
        return { taskId: dt.Id, name: dt.Name, state: STATE_NAMES[st.tasks.state[d]!]! };
      });
    const list = waitingOn.map((w) => `${w.name !== '' ? `"${w.name}"` : w.taskId} (${w.state})`).join(', ');
    return { ...base, waitingOn, reason: 'waiting-on-dependencies', message: `task ${name} waits on ${waitingOn.length} task${waitingOn.length === 1 ? '' : 's'}: ${list}` };
  }
  if (st.tasks.held.has(serial)) {
    return { ...base, reason: 'retry-backoff', message: `task ${name} failed and waits to be retried (attempt ${attempts} ended)` };
  }
  const { ahead, ownAhead } = claimsBefore(st, serial, p);
  if (st.running >= concurrency) {
    return { ...base, ahead, reason: 'concurrency-full', message: `task ${name} is ready, but all ${concurrency} slots of the scheduler are taken; ${ahead} ready task${ahead === 1 ? '' : 's'} of pool "${pool}" go before it` };
  }
  const j = st.tasks.jobOf(serial);
  const cap = st.jobs.maxRunning(j);
  if (cap !== 0 && st.jobs.runningOf(j) >= cap) {
    return { ...base, ahead, reason: 'job-cap', message: `task ${name} is ready, but its job already runs ${cap} task${cap === 1 ? '' : 's'}, its cap (maxRunning)` };
  }
  const room = cap - st.jobs.runningOf(j);
  if (cap !== 0 && ownAhead >= room) {
    return { ...base, ahead, reason: 'job-cap', message: `task ${name} is ready, but its job may start ${room} more task${room === 1 ? '' : 's'} before its cap (maxRunning ${cap}) and ${ownAhead} of its own go before it` };
  }
  const weight = st.tasks.weight === null ? 1 : st.tasks.weight[serial]!;
  if (p !== 0 && st.ready.runningIn(p) + weight > slots) {
    const needs = weight === 1 ? '' : ` (it needs ${weight} slots, ${Math.max(0, slots - st.ready.runningIn(p))} are free)`;
    return { ...base, ahead, reason: 'pool-full', message: `task ${name} is ready, but pool "${pool}" has ${weight === 1 ? `all ${slots} slot${slots === 1 ? '' : 's'} taken` : `too few slots free${needs}`}; ${ahead} ready task${ahead === 1 ? '' : 's'} go before it` };
  }
  const opens = st.blockedUntil.get(p);
  // A window that has moved on is opened by the next next(), which would start the task.
  if (p !== 0 && opens !== undefined && opens > st.settings.now()) {
    return { ...base, ahead, reason: 'rate-limited', message: `task ${name} is ready, but pool "${pool}" reached its rate limit; it opens again at ${new Date(opens).toISOString()}` };
  }
  return { ...base, ahead, reason: 'ready', message: `task ${name} is ready and will start at the next call of next()${ahead > 0 ? ` after ${ahead} task${ahead === 1 ? '' : 's'} before it` : ''}` };
}

/**
 * How the next claims stand towards ready task `serial` of pool `p`, as next() takes them: `ahead`,
 * the ready tasks of the pool it takes first (live, before it in the ready order, and not of a job
 * at its cap), and `ownAhead`, those of them of its own job. A capped job's ready tasks wait in its
 * own heaps, not in the pool's (see job-caps.ts), and next() takes no more of them than the job
 * has room for under its cap, so they are counted from the job, up to that room.
 */
function claimsBefore(st: SchedulerState, serial: number, p: number): { ahead: number; ownAhead: number } {
  const { tasks, jobs, order } = st;
  const goesBefore = (o: number): boolean => o !== serial && tasks.state[o] === TaskState.Scheduled && !tasks.held.has(o) && tasks.poolOf(o) === p && order.before(o, serial);
  // The pool's heap holds the ready tasks of uncapped jobs (and stale entries, and copies of capped
  // jobs' heads, counted below); a task may be in it twice (ready again before its stale entry surfaced).
  const counted = new Set<number>();
  const heap = st.ready.heapOf(p);
  for (let i = 0; i < heap.length; i++) {
    const o = heap[i]!;
    if (jobs.maxRunning(tasks.jobOf(o)) === 0 && goesBefore(o)) counted.add(o);
  }
  let ahead = counted.size;
  let ownAhead = 0;
  const own = tasks.jobOf(serial);
  for (const j of st.jobQueues.keys()) {
    let n = 0;
    for (const o of jobs.serials(j)) if (goesBefore(o)) n++;
    if (j === own) ownAhead = n;
    ahead += Math.min(n, Math.max(0, jobs.maxRunning(j) - jobs.runningOf(j)));
  }
  return { ahead, ownAhead };
}
