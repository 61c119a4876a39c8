import { ArgumentRangeError, describeValue } from '../errors.js';
import { DependencyAction, TaskState, isFinalState } from '../job/enums.js';
import type { Job } from '../job/model.js';
import { resolveDependencies, resolveDependenciesOfRefs, type Dependencies } from '../graph/dependencies.js';
import { EV, EVENT_CODES, STATE_OF_EVENT } from './event-log.js';
import { SchedulerError } from './errors.js';
import { policyName } from './policy.js';
import { SNAPSHOT_FORMAT, jobFromSnapshot, jobToSnapshot, type SchedulerSnapshot } from './snapshot.js';
import { INT_SHIFT } from './job-table.js';
import { TASK_SHIFT } from './task-table.js';
import { appendJob, enqueueReady, growJob, prepareTasks, sliceDependencies, type SchedulerState } from './state.js';
import type { ErrorDetail } from './views.js';

/**
 * Persistence: the scheduler as plain JSON (snapshot and restore), and as a store keeps it (the
 * journal a store reads, and recovery from what it kept). Restored and recovered schedulers are
 * built through the same tables as submitted jobs; nothing here emits events to listeners.
 */

/** The changes a store takes from `Scheduler.readJournal`. */
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
  /**
   * Tasks added to running jobs (`Scheduler.addTasks`), in the order they were: [job position,
   * count]. Their tasks are the last of the job's model; their events are among the rows.
   */
  grown: Array<[job: number, count: number]>;
}

/** A job's record as a store keeps it. */
export interface JournalJobRecord {
  id: string;
  priority: number;
  failFast: boolean;
  created: number;
  cancelRequested: boolean;
  /** The job's cap on running tasks (absent or 0: none). */
  maxRunning?: number;
  /**
   * Not the scheduler's: what a store adds to the record of a job that gained tasks, their blocks
   * as [order, count] (see {@link RecoveredJob.grown}).
   */
  grown?: Array<[order: number, count: number]>;
}

/** One job as a store gives it back to `Scheduler.recover`. */
export interface RecoveredJob {
  job: Job;
  priority: number;
  failFast: boolean;
  created: number;
  cancelRequested: boolean;
  /** The job's cap on running tasks (absent or 0: none). */
  maxRunning?: number;
  /**
   * Where the job stands among the others in the order they were accepted (any numbers that
   * compare; a store's keys): absent, its place in the list. Needed only beside `grown`.
   */
  order?: number;
  /**
   * Tasks added to the job after it was submitted, in the order they were: how many (the last ones
   * of `job.Tasks`) and when, as an `order` among the jobs (after every job of a lower order, before
   * any of a higher). Added tasks rank after the tasks submitted before them; a store that keeps
   * this gives back the same order.
   */
  grown?: Array<{ count: number; order: number }>;
  /** The job's events in the order they were logged; `task` is the index in the job; `text` by row, ascending. */
  events: { task: Int32Array; code: Uint8Array; time: Float64Array; text: Array<[row: number, message: string, customCode: string | undefined]> };
  /** ErrorDetails by task index. */
  errors: Map<number, ErrorDetail[]>;
  /** Last progress recorded, by task index (a Finished task is at 100 whatever this says). */
  progress: Map<number, number>;
  /** Tasks waiting out a retry backoff (the caller resumes them when it is over). */
  held: ReadonlySet<number>;
}

// ---------------------------------------------------------------- snapshot and restore

export function takeSnapshot(st: SchedulerState): SchedulerSnapshot {
  const { tasks, jobs, events, settings } = st;
  const n = tasks.count;
  // Forgotten jobs are left out: live tasks are numbered afresh, in the same order.
  const renumber = new Int32Array(n).fill(-1);
  const live: number[] = [];
  const liveJobs: number[] = [];
  for (let j = 0; j < jobs.count; j++) {
    if (jobs.isForgotten(j)) continue;
    liveJobs.push(j);
  }
  // Live tasks in serial order (a grown job's added tasks come after the jobs submitted before them).
  for (let serial = 0; serial < n; serial++) {
    if (jobs.isForgotten(tasks.jobOf(serial))) continue;
    renumber[serial] = live.length;
    live.push(serial);
  }
  const errors: Record<string, ErrorDetail[]> = {};
  for (const [serial, list] of tasks.errors) if (renumber[serial] !== -1) errors[renumber[serial]!] = list.map((d) => ({ ...d }));
  // Keys defined, not assigned: a pool named `__proto__` is a key like any other.
  const pools: Record<string, number> = Object.fromEntries(Object.entries(settings.poolSlots));
  const out: SchedulerSnapshot['events'] = [];
  for (const row of events.rows()) {
    const k = renumber[row[0]]!;
    if (k === -1) continue;
    row[0] = k;
    out.push(row);
  }
  const blocks = jobs.grown.size === 0 ? undefined : layoutOf(st, liveJobs);
  // Start and end come from the events; the clock is not read (open intervals are not asked for).
  const times = live.map((serial) => events.timesOf(serial, isFinalState(tasks.state[serial]!), NO_CLOCK));
  return {
    format: SNAPSHOT_FORMAT,
    options: {
      concurrency: Number.isFinite(settings.concurrency) ? settings.concurrency : null,
      pools,
      failFast: settings.failFast,
      maxAttempts: Number.isFinite(settings.maxAttempts) ? settings.maxAttempts : null,
      profile: settings.profile,
      policy: policyName(settings.policy),
      poolOf: settings.defaultPools ? 'MediaProcessorId' : 'custom',
    },
    jobs: liveJobs.map((j) => ({
      job: jobToSnapshot(jobs.models[j]!),
      priority: jobs.priority[j]!,
      failFast: jobs.failFast[j] === 1,
      state: jobs.stateOf(j),
      created: jobs.created[j]!,
      lastModified: jobs.lastModified(j),
      startTime: nullIfNaN(jobs.startTime(j)),
      endTime: nullIfNaN(jobs.endTime(j)),
      cancelRequested: jobs.isCancelRequested(j),
      ...(jobs.maxRunning(j) !== 0 ? { maxRunning: jobs.maxRunning(j) } : {}),
    })),
    tasks: {
      state: live.map((serial) => tasks.state[serial]!),
      attempts: live.map((serial) => tasks.attemptsOf(serial)),
      progress: live.map((serial) => tasks.progressOf(serial, tasks.state[serial] === TaskState.Finished)),
      start: times.map((t) => nullIfNaN(t.start)),
      end: times.map((t) => nullIfNaN(t.end)),
      errors,
      held: [...tasks.held].map((serial) => renumber[serial]!).filter((k) => k !== -1).sort((a, b) => a - b),
    },
    events: out,
    ...(blocks !== undefined ? { blocks } : {}),
  };
}

/**
 * The order of the live jobs' blocks of serials (see JobTable.grown), as [index in `liveJobs`,
 * count]: what a restore appends, in this order, to number the tasks as they were.
 */
function layoutOf(st: SchedulerState, liveJobs: readonly number[]): Array<[number, number]> | undefined {
  const jobs = st.jobs;
  const all: Array<[first: number, k: number, count: number]> = [];
  let grew = false;
  liveJobs.forEach((j, k) => {
    all.push([jobs.base[j]!, k, jobs.size[j]!]);
    const blocks = jobs.grown.get(j);
    if (blocks === undefined) return;
    grew = true;
    for (let b = 0; b < blocks.length; b += 2) all.push([blocks[b]!, k, blocks[b + 1]!]);
  });
  if (!grew) return undefined;
  all.sort((a, b) => a[0] - b[0]);
  return all.map(([, k, count]) => [k, count]);
}

/** A job to append with the blocks its tasks came in (see {@link appendInLayout}). */
interface JobToAppend {
  job: Job;
  deps: Dependencies;
  priority: number;
  failFast: boolean;
  created: number;
  maxRunning: number;
}

/**
 * Appends jobs as their tasks were numbered: `layout` lists blocks [index in `list`, count] in
 * serial order, a job's first block being the tasks it was submitted with and the others tasks
 * added later (absent: each job in one block, in list order). Returns each job's position.
 */
function appendInLayout(st: SchedulerState, list: readonly JobToAppend[], layout: ReadonlyArray<readonly [number, number]> | undefined, what: string): number[] {
  const positions = new Array<number>(list.length).fill(-1);
  const taken = new Int32Array(list.length);
  const blocks = layout ?? list.map((e, k) => [k, e.job.Tasks.length] as const);
  for (const [k, count] of blocks) {
    const e = list[k];
    if (e === undefined || !(Number.isInteger(count) && count > 0) || taken[k]! + count > e.job.Tasks.length) throw new SchedulerError(what === 'restore' ? 'SNAPSHOT_INVALID' : 'JOURNAL_INVALID', `Scheduler.${what}: a block of ${describeValue(count)} tasks of job ${describeValue(k)} does not fit it`);
    const from = taken[k]!;
    taken[k] = from + count;
    if (from === 0) {
      const all = e.job.Tasks;
      // The job as submitted: its first tasks; the others are added as they were.
      const first = count === all.length ? e.job : { ...e.job, Tasks: all.slice(0, count) };
      const deps = first === e.job ? e.deps : sliceDependencies(e.deps, 0, count).local;
      positions[k] = appendJob(st, first, deps, e.priority, e.failFast, e.created, e.maxRunning);
      continue;
    }
    const j = positions[k]!;
    const model = st.jobs.models[j]!;
    const added = e.job.Tasks.slice(from, from + count);
    st.taskIds.addTasks(st.jobs, added, st.tasks.count);
    // One at a time: a spread of a huge addition would exceed the arguments a call can take.
    for (let i = 0; i < added.length; i++) model.Tasks.push(added[i]!);
    const { local, external } = sliceDependencies(e.deps, from, count);
    const mayWait = prepareTasks(st, model, j, local, st.jobs.priority[j]!, st.tasks.count, from, count);
    growJob(st, j, from, count, local, external, false, mayWait);
  }
  list.forEach((e, k) => {
    if (taken[k] !== e.job.Tasks.length) throw new SchedulerError(what === 'restore' ? 'SNAPSHOT_INVALID' : 'JOURNAL_INVALID', `Scheduler.${what}: job ${e.job.Id} has ${e.job.Tasks.length} tasks but its blocks hold ${taken[k]}`, { jobId: e.job.Id });
    st.jobs.deps[positions[k]!] = e.deps;
  });
  return positions;
}

/**
 * Loads a snapshot into a new scheduler's state. Task start and end times come from the events
 * (the snapshot's `start` and `end` are what the events say).
 */
export function loadSnapshot(st: SchedulerState, snap: SchedulerSnapshot, processing: 'requeue' | 'keep'): void {
  const { tasks, jobs, events } = st;
  const t = snap.tasks;
  const list = snap.jobs.map((j): JobToAppend => {
    const job = jobFromSnapshot(j.job);
    return { job, deps: resolveDependencies(job), priority: j.priority, failFast: j.failFast, created: j.created, maxRunning: j.maxRunning ?? 0 };
  });
  const positions = appendInLayout(st, list, snap.blocks, 'restore');
  snap.jobs.forEach((j, i) => {
    const k = positions[i]!;
    jobs.setRecord(k, j.state, j.lastModified, j.startTime ?? NaN, j.endTime ?? NaN);
    jobs.setCancelRequested(k, j.cancelRequested);
  });
  const n = tasks.count;
  if (t.state.length !== n) throw new SchedulerError('SNAPSHOT_INVALID', `Scheduler.restore: the snapshot has ${t.state.length} task states for ${n} tasks`);
  const started = new Int32Array(n);
  for (const row of snap.events) {
    events.addText(row[0], row[1], row[2], row[3], row[4]);
    countAttempt(st, row[0], row[1], started);
  }
  for (const [serial, list] of Object.entries(t.errors)) tasks.errors.set(Number(serial), list.map((d) => ({ ...d })));
  let now = NaN; // read the clock only when a task is requeued, so a plain restore changes nothing
  const counts = jobs.ints;
  for (let serial = 0; serial < n; serial++) {
    const j = tasks.jobOf(serial);
    let state = t.state[serial]!;
    tasks.setAttempts(serial, t.attempts[serial]!);
    if (state !== TaskState.Finished) tasks.setProgress(serial, t.progress[serial]!);
    releaseRecovered(st, serial, state);
    if (state === TaskState.Processing && processing === 'requeue') {
      if (Number.isNaN(now)) now = st.settings.now();
      events.addText(serial, EV.Requeued, now, 'the scheduler was restored while the task ran');
      events.add(serial, EV.Scheduled, now);
      tasks.addAttempts(serial, -1);
      tasks.setProgress(serial, 0);
      state = TaskState.Scheduled;
    }
    const at = j << INT_SHIFT;
    counts[at + TaskState.Queued]!--;
    counts[at + state]!++;
    tasks.state[serial] = state;
  }
  // Backoffs do not survive a restart: held tasks are ready again, unless running tasks are kept too.
  if (processing === 'keep') for (const serial of t.held ?? []) tasks.held.add(serial);
  admitRestored(st);
  for (let j = 0; j < jobs.count; j++) jobs.refresh(j, jobs.lastModified(j));
}

/**
 * Puts restored tasks where they belong: Scheduled ones in the ready set (their wait for a slot
 * noted as unlogged unless the log says it was logged), running ones in their slots.
 */
function admitRestored(st: SchedulerState): void {
  const { tasks, ready, events } = st;
  for (let serial = 0; serial < tasks.count; serial++) {
    const state = tasks.state[serial]!;
    if (state === TaskState.Scheduled && !tasks.held.has(serial)) {
      enqueueReady(st, tasks.poolOf(serial), serial);
      if (!events.waitLogged(serial)) ready.noteUnlogged(tasks.poolOf(serial), serial);
    } else if (state === TaskState.Processing || state === TaskState.Canceling) {
      st.running++;
      ready.occupy(tasks.poolOf(serial), tasks.weight === null ? 1 : tasks.weight[serial]!);
    }
  }
}

// ---------------------------------------------------------------- the journal (for a RunStore)

export function readJournal(st: SchedulerState, from: number): JournalChunk {
  const { events, tasks, jobs } = st;
  const to = events.size;
  // Once a flush, not per row: a bad watermark would read past the log or crash in copyRows.
  if (!(Number.isInteger(from) && from >= 0 && from <= to)) throw new ArgumentRangeError(`Scheduler.readJournal: expected \`from\` to be an event row from 0 to ${to}, got ${describeValue(from)}`);
  const rows = events.copyRows(from, to);
  const n = to - from;
  const job = new Int32Array(n);
  const task = rows.task;
  const text: JournalChunk['text'] = [];
  for (let i = 0; i < n; i++) {
    const serial = task[i]!;
    const j = tasks.jobOf(serial);
    job[i] = j;
    task[i] = jobs.localOf(j, serial);
    const m = events.messageAt(from + i);
    const c = events.customCodeAt(from + i);
    if (m !== undefined || c !== undefined) text.push([i, m ?? '', c]);
  }
  const errors: JournalChunk['errors'] = [];
  const dirty: number[] = [];
  const grown: JournalChunk['grown'] = [];
  if (st.journal) {
    grown.push(...st.journal.grown);
    st.journal.grown.length = 0;
    for (const [serial, d] of st.journal.errors) {
      const j = tasks.jobOf(serial);
      errors.push([j, jobs.localOf(j, serial), d]);
    }
    st.journal.errors.length = 0;
    dirty.push(...st.journal.dirtyJobs);
    st.journal.dirtyJobs.clear();
  }
  return { to, job, task, code: rows.code, time: rows.time, text, errors, dirtyJobs: dirty, grown };
}

export function jobRecord(st: SchedulerState, index: number): JournalJobRecord {
  const jobs = st.jobs;
  if (!(Number.isInteger(index) && index >= 0 && index < jobs.count)) throw new ArgumentRangeError(`Scheduler.jobRecord: no job at position ${describeValue(index)}`);
  const record: JournalJobRecord = { id: jobs.models[index]!.Id, priority: jobs.priority[index]!, failFast: jobs.failFast[index] === 1, created: jobs.created[index]!, cancelRequested: jobs.isCancelRequested(index) };
  if (jobs.maxRunning(index) !== 0) record.maxRunning = jobs.maxRunning(index);
  return record;
}

/**
 * Rebuilds the tables from what a store kept (see `Scheduler.recover`).
 * @returns the positions of the jobs that had no events (accepted, never flushed): the caller gives
 *   them their first states.
 */
export function recoverJobs(st: SchedulerState, list: readonly RecoveredJob[]): number[] {
  const fresh: number[] = [];
  const ids = new Set<string>();
  for (const rj of list) {
    if (ids.has(rj.job.Id)) throw new SchedulerError('JOURNAL_INVALID', `Scheduler.recover: job ${rj.job.Id} is stored twice`, { jobId: rj.job.Id });
    ids.add(rj.job.Id);
  }
  const entries = list.map((rj): JobToAppend => ({ job: rj.job, deps: resolveDependenciesOfRefs(rj.job), priority: rj.priority, failFast: rj.failFast, created: rj.created, maxRunning: rj.maxRunning ?? 0 }));
  const positions = appendInLayout(st, entries, recoveredLayout(list), 'recover');
  list.forEach((rj, i) => {
    const j = positions[i]!;
    st.jobs.setCancelRequested(j, rj.cancelRequested);
    if (rj.events.code.length === 0) fresh.push(j);
    else replay(st, j, rj);
  });
  admitRestored(st);
  return fresh;
}

/**
 * The blocks of recovered jobs in the order their tasks were numbered (see `RecoveredJob.grown`),
 * or undefined when no job grew. Sorted by order; a job's own block before blocks added at the same
 * order, and blocks of one order in list order.
 */
function recoveredLayout(list: readonly RecoveredJob[]): Array<[number, number]> | undefined {
  if (!list.some((rj) => rj.grown !== undefined && rj.grown.length > 0)) return undefined;
  const all: Array<{ order: number; rank: number; k: number; count: number }> = [];
  let rank = 0;
  list.forEach((rj, k) => {
    const added = rj.grown ?? [];
    let rest = rj.job.Tasks.length;
    for (const g of added) rest -= g.count;
    all.push({ order: rj.order ?? k, rank: rank++, k, count: rest });
    for (const g of added) all.push({ order: g.order, rank: rank++, k, count: g.count });
  });
  all.sort((a, b) => a.order - b.order || a.rank - b.rank);
  return all.map((b) => [b.k, b.count]);
}

/** Loads one job's events into the log and derives its tasks' state from them. */
function replay(st: SchedulerState, j: number, rj: RecoveredJob): void {
  const { tasks, jobs, events } = st;
  const { task, code, time, text } = rj.events;
  const id = rj.job.Id;
  const n = jobs.taskCount(j);
  const serials = jobs.serials(j);
  const m = code.length;
  if (task.length !== m || time.length !== m) throw new SchedulerError('JOURNAL_INVALID', `Scheduler.recover: job ${id} has event columns of different lengths`, { jobId: id });
  let t = 0;
  let lastTime = rj.created;
  let jobStart = NaN;
  for (let r = 0; r < m; r++) {
    const local = task[r]!;
    const c = code[r]!;
    if (!(local >= 0 && local < n) || c >= EVENT_CODES.length) {
      throw new SchedulerError('JOURNAL_INVALID', `Scheduler.recover: job ${id} has an event for task ${local} with code ${c}; the job has ${n} tasks`, { jobId: id });
    }
    const serial = serials[local]!;
    const at = time[r]!;
    let message: string | undefined;
    let custom: string | undefined;
    if (t < text.length && text[t]![0] === r) {
      message = text[t]![1];
      custom = text[t]![2];
      t++;
    }
    events.addText(serial, c, at, message, custom);
    if (at > lastTime) lastTime = at;
    const state = STATE_OF_EVENT[c]!;
    if (c === EV.Processing) {
      tasks.addAttempts(serial, 1);
      if (Number.isNaN(jobStart) || at < jobStart) jobStart = at;
    } else if (c === EV.Requeued) {
      tasks.addAttempts(serial, -1);
    } else if (c === EV.Rerun) {
      st.attemptBase.set(serial, tasks.attemptsOf(serial));
    }
    if (state === -1) continue;
    tasks.state[serial] = state;
  }
  jobs.setStart(j, jobStart);
  const counts = jobs.ints;
  const at = j << INT_SHIFT;
  counts[at + TaskState.Queued] = 0;
  for (let i = 0; i < n; i++) {
    const serial = serials[i]!;
    const state = tasks.state[serial]!;
    counts[at + state]!++;
    releaseRecovered(st, serial, state);
  }
  for (const [local, list] of rj.errors) {
    if (local >= 0 && local < n) tasks.errors.set(serials[local]!, list.map((d) => ({ ...d })));
  }
  for (const [local, value] of rj.progress) {
    if (!(local >= 0 && local < n)) continue;
    const serial = serials[local]!;
    if (tasks.state[serial] !== TaskState.Finished && value >= 0 && value <= 100) tasks.setProgress(serial, value);
  }
  for (const local of rj.held) {
    if (local >= 0 && local < n && tasks.state[serials[local]!] === TaskState.Scheduled) tasks.held.add(serials[local]!);
  }
  jobs.refresh(j, lastTime);
}

/**
 * A recovered task's end releases its dependents' counts: a Finished one all of them, a failed or
 * canceled one those whose DependencyAction is `run`.
 */
function releaseRecovered(st: SchedulerState, serial: number, state: number): void {
  const tasks = st.tasks;
  if (state === TaskState.Finished) {
    const ints = tasks.ints;
    for (let e = ints[serial << TASK_SHIFT]!, end = ints[(serial + 1) << TASK_SHIFT]!; e < end; e++) tasks.dropPending(tasks.succ[e]!);
    if (tasks.extraHead !== null) for (let e = tasks.extraHead[serial]!; e !== -1; e = tasks.extraNext[e]!) tasks.dropPending(tasks.extraTo[e]!);
  } else if ((state === TaskState.Error || state === TaskState.Canceled) && tasks.action !== null) {
    for (const t of tasks.successors(serial)) if (tasks.action[t] === DependencyAction.run) tasks.dropPending(t);
  }
}

/** Follows a restored task's starts through its events, to know its attempts at each rerun. */
function countAttempt(st: SchedulerState, serial: number, code: number, started: Int32Array): void {
  if (code === EV.Processing) started[serial]!++;
  else if (code === EV.Requeued) started[serial]!--;
  else if (code === EV.Rerun) st.attemptBase.set(serial, started[serial]!);
}

const NO_CLOCK = (): number => 0;

function nullIfNaN(v: number): number | null {
  return Number.isNaN(v) ? null : v;
}
