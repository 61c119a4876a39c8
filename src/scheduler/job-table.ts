import { TaskState, isFinalState } from '../job/enums.js';
import type { Job } from '../job/model.js';
import { resolveDependenciesOfRefs, type Dependencies } from '../graph/dependencies.js';
import { growInt32, release } from './growable.js';

/**
 * The state of every submitted job, by position (submission order). What the hot path touches —
 * the job's tasks per state, its state, last change, start and end — sits in one 64-byte record per
 * job, so a transition reads and writes one cache line of its job (at 166,666 six-task jobs, objects
 * reached through an array were a cache miss or two per transition). The rest (model, dependencies,
 * ids) is read by views and lookups only.
 *
 * The record, as 16 int32 slots (`ints`) over which 8 float64 slots (`floats`) lie:
 *
 * | int32 slot | | float64 slot | |
 * |---|---|---|---|
 * | 0–6 | tasks per TaskState (`ints[at + state]`) | 0–3 | (the same bytes) |
 * | 7 | the job's state ({@link JOB_STATE}) | | |
 * | 8–9 | (the bytes of float slot 4) | 4 | last modified ({@link LAST_MODIFIED}) |
 * | 10–11 | | 5 | start ({@link START}) |
 * | 12–13 | | 6 | end ({@link END}) |
 * | 14 | flags ({@link FLAGS}) | 7 | (the bytes of int32 slots 14–15) |
 * | 15 | most tasks running at once, 0 for no cap ({@link MAX_RUNNING}) | | |
 */
export class JobTable {
  /** Jobs in the table: positions [0, count). */
  count = 0;
  /** The records, as int32 slots: job j's start at `j << INT_SHIFT`. */
  ints: Int32Array = new Int32Array(0);
  /** The same records, as float64 slots: job j's start at `j << FLOAT_SHIFT`. */
  floats: Float64Array = new Float64Array(0);
  /** Serial of each job's first task: the tasks it was submitted with are serials base[j] … base[j] + size[j] - 1. */
  base: Int32Array = new Int32Array(1);
  /** Tasks each job was submitted with (its first block of serials). */
  size: Int32Array = new Int32Array(0);
  /**
   * Tasks added to a job after it was submitted (`Scheduler.addTasks`), per grown job: blocks of
   * serials as flat pairs [first serial, count, …] in the order they were added, their indices in the
   * job continuing after `size[j]`. Added tasks take the next serials, after every task submitted
   * before them, so a grown job's serials are not one range. Empty unless some job grew: the arithmetic
   * `base[j] + i` of the other jobs stays as it was.
   */
  readonly grown = new Map<number, number[]>();
  /** By serial, the index in its job of a task added to the job later (null until a job grows): a claim of one finds it without a search. */
  #addedLocal: Int32Array | null = null;
  /** Job priority (a 32-bit integer). */
  priority: Int32Array = new Int32Array(0);
  created: Float64Array = new Float64Array(0);
  /** The model; a forgotten job's is an empty stand-in, to free its memory. */
  readonly models: Job[] = [];
  /** Dependencies of the jobs that keep theirs (see {@link depsOf}); undefined for a small job. */
  readonly deps: Array<Dependencies | undefined> = [];
  /** Position by job id (forgotten jobs are not in it). */
  readonly byId = new Map<string, number>();
  /** Whether each job fails fast (as given at submit); read on failures only. */
  failFast: Uint8Array = new Uint8Array(0);

  /** Adds a job whose tasks are serials [base, base + n), Queued; returns its position. */
  add(job: Job, deps: Dependencies, base: number, n: number, priority: number, failFast: boolean, created: number): number {
    const j = this.count++;
    if (this.created.length < this.count) {
      // A quarter more each time, not twice: at 166,666 six-task jobs, doubling would leave up to
      // 85 bytes a job unused.
      const cap = Math.max(this.count, this.created.length + (this.created.length >> 2), 16);
      this.ints = resized(this.ints, cap << INT_SHIFT);
      this.floats = new Float64Array(this.ints.buffer);
      this.priority = resized(this.priority, cap);
      this.created = resized(this.created, cap);
      this.failFast = resized(this.failFast, cap);
      this.base = resized(this.base, cap + 1);
      this.size = resized(this.size, cap);
    }
    this.base[j] = base;
    this.size[j] = n;
    this.priority[j] = priority;
    this.created[j] = created;
    this.failFast[j] = failFast ? 1 : 0;
    this.models.push(job);
    this.deps.push(n > KEEP_DEPS_ABOVE ? deps : undefined);
    this.byId.set(job.Id, j);
    const at = j << INT_SHIFT;
    this.ints.fill(0, at, at + INTS);
    this.ints[at + TaskState.Queued] = n;
    this.ints[at + JOB_STATE] = TaskState.Queued;
    const f = j << FLOAT_SHIFT;
    this.floats[f + LAST_MODIFIED] = created;
    this.floats[f + START] = NaN;
    this.floats[f + END] = NaN;
    return j;
  }

  stateOf(j: number): number {
    return this.ints[(j << INT_SHIFT) + JOB_STATE]!;
  }

  /** Tasks of job j in a state. */
  tasksIn(j: number, state: number): number {
    return this.ints[(j << INT_SHIFT) + state]!;
  }

  taskCount(j: number): number {
    const blocks = this.grown.size === 0 ? undefined : this.grown.get(j);
    let n = this.size[j]!;
    if (blocks !== undefined) for (let b = 1; b < blocks.length; b += 2) n += blocks[b]!;
    return n;
  }

  /** The serial of job j's task i (its index in the job's Tasks). */
  serialOf(j: number, i: number): number {
    const n = this.size[j]!;
    if (i < n) return this.base[j]! + i;
    const blocks = this.grown.get(j)!;
    let at = n;
    for (let b = 0; b < blocks.length; b += 2) {
      const count = blocks[b + 1]!;
      if (i < at + count) return blocks[b]! + (i - at);
      at += count;
    }
    return -1;
  }

  /** The index in job j's Tasks of its task with this serial. */
  localOf(j: number, serial: number): number {
    const i = serial - this.base[j]!;
    if (i < this.size[j]!) return i;
    return this.#addedLocal![serial]!;
  }

  /** Every serial of job j, in task order. */
  serials(j: number): Int32Array {
    const out = new Int32Array(this.taskCount(j));
    const base = this.base[j]!;
    const n = this.size[j]!;
    for (let i = 0; i < n; i++) out[i] = base + i;
    const blocks = this.grown.size === 0 ? undefined : this.grown.get(j);
    if (blocks !== undefined) {
      let at = n;
      for (let b = 0; b < blocks.length; b += 2) for (let k = 0; k < blocks[b + 1]!; k++) out[at++] = blocks[b]! + k;
    }
    return out;
  }

  /** Records that job j gained `count` tasks at serials [first, first + count), Queued. */
  grow(j: number, first: number, count: number): void {
    const at = this.taskCount(j);
    const local = (this.#addedLocal = growInt32(this.#addedLocal ?? new Int32Array(0), first + count, -1));
    for (let k = 0; k < count; k++) local[first + k] = at + k;
    const blocks = this.grown.get(j);
    if (blocks === undefined) this.grown.set(j, [first, count]);
    // Serials that follow the job's last block extend it: a job grown a task at a time, with no
    // other job between, keeps one block, and finding a serial stays O(1), not O(additions).
    else if (blocks[blocks.length - 2]! + blocks[blocks.length - 1]! === first) blocks[blocks.length - 1]! += count;
    else blocks.push(first, count);
    this.ints[(j << INT_SHIFT) + TaskState.Queued]! += count;
  }

  lastModified(j: number): number {
    return this.floats[(j << FLOAT_SHIFT) + LAST_MODIFIED]!;
  }

  startTime(j: number): number {
    return this.floats[(j << FLOAT_SHIFT) + START]!;
  }

  endTime(j: number): number {
    return this.floats[(j << FLOAT_SHIFT) + END]!;
  }

  /** Sets the record's times and state as a snapshot or a store gives them back. */
  setRecord(j: number, state: number, lastModified: number, start: number, end: number): void {
    this.ints[(j << INT_SHIFT) + JOB_STATE] = state;
    const f = j << FLOAT_SHIFT;
    this.floats[f + LAST_MODIFIED] = lastModified;
    this.floats[f + START] = start;
    this.floats[f + END] = end;
  }

  setStart(j: number, time: number): void {
    this.floats[(j << FLOAT_SHIFT) + START] = time;
  }

  setLastModified(j: number, time: number): void {
    this.floats[(j << FLOAT_SHIFT) + LAST_MODIFIED] = time;
  }

  isCancelRequested(j: number): boolean {
    return (this.ints[(j << INT_SHIFT) + FLAGS]! & CANCEL_REQUESTED) !== 0;
  }

  setCancelRequested(j: number, value: boolean): void {
    const at = (j << INT_SHIFT) + FLAGS;
    this.ints[at] = value ? this.ints[at]! | CANCEL_REQUESTED : this.ints[at]! & ~CANCEL_REQUESTED;
  }

  /** The job's cap on tasks running at once (0: none). */
  maxRunning(j: number): number {
    return this.ints[(j << INT_SHIFT) + MAX_RUNNING]!;
  }

  setMaxRunning(j: number, cap: number): void {
    this.ints[(j << INT_SHIFT) + MAX_RUNNING] = cap;
  }

  /** Tasks of job j running now (Processing or Canceling). */
  runningOf(j: number): number {
    const at = j << INT_SHIFT;
    return this.ints[at + TaskState.Processing]! + this.ints[at + TaskState.Canceling]!;
  }

  isForgotten(j: number): boolean {
    return (this.ints[(j << INT_SHIFT) + FLAGS]! & FORGOTTEN) !== 0;
  }

  /**
   * Job j's dependencies. A small job's are not kept but resolved again from its model when asked
   * (views, `explain`, additions, reruns: never the hot path): for a six-task job they were four
   * typed arrays, an index and two lists, about 1.2 kB, as much as its tasks held. The model is an
   * accepted job, so resolving its references gives the edges validation found, in the same order.
   */
  depsOf(j: number): Dependencies {
    return this.deps[j] ?? resolveDependenciesOfRefs(this.models[j]!);
  }

  /** Marks a job forgotten: out of the id index, its model replaced by `standIn`. */
  forget(j: number, standIn: Job, deps: Dependencies): void {
    this.byId.delete(this.models[j]!.Id);
    this.ints[(j << INT_SHIFT) + FLAGS]! |= FORGOTTEN;
    this.models[j] = standIn;
    this.deps[j] = deps;
  }

  /**
   * Derives the job's state from its task counts and records `now` as its last change: Queued while
   * all tasks wait; Scheduled when some are ready and none has started; Processing once any has
   * started (or ended) and until all are final, Canceling while a task is being canceled or the job
   * is; then Canceled if the job was canceled, Error if a task failed, Canceled if one was, else
   * Finished. "Has started" is the job's StartTime, not a task running now: a job whose only
   * started task went back to Scheduled (a retry, a hold, a requeue) stays Processing.
   * @returns the previous state when it changed, else -1.
   */
  refresh(j: number, now: number): number {
    const c = this.ints;
    const at = j << INT_SHIFT;
    this.floats[(j << FLOAT_SHIFT) + LAST_MODIFIED] = now;
    const errors = c[at + TaskState.Error]!;
    const canceled = c[at + TaskState.Canceled]!;
    const final = c[at + TaskState.Finished]! + errors + canceled;
    const cancelRequested = (c[at + FLAGS]! & CANCEL_REQUESTED) !== 0;
    let state: number;
    if (c[at + TaskState.Queued]! + c[at + TaskState.Scheduled]! + c[at + TaskState.Processing]! + c[at + TaskState.Canceling]! === 0) {
      state = cancelRequested ? TaskState.Canceled : errors > 0 ? TaskState.Error : canceled > 0 ? TaskState.Canceled : TaskState.Finished;
    } else if (c[at + TaskState.Canceling]! > 0 || cancelRequested) {
      state = TaskState.Canceling;
    } else if (c[at + TaskState.Processing]! > 0 || final > 0 || this.floats[(j << FLOAT_SHIFT) + START] === this.floats[(j << FLOAT_SHIFT) + START]) {
      // Started (StartTime set, NaN is not equal to itself): Processing until every task is final.
      state = TaskState.Processing;
    } else if (c[at + TaskState.Scheduled]! > 0) {
      state = TaskState.Scheduled;
    } else {
      state = TaskState.Queued;
    }
    const old = c[at + JOB_STATE]!;
    if (state === old) return -1;
    c[at + JOB_STATE] = state;
    if (isFinalState(state)) this.floats[(j << FLOAT_SHIFT) + END] = now;
    // A rerun takes an ended job back to work: it has not ended any more.
    else if (isFinalState(old)) this.floats[(j << FLOAT_SHIFT) + END] = NaN;
    return old;
  }

  /** Bytes held by the typed arrays (for the benchmarks). */
  get byteLength(): number {
    return this.ints.byteLength + this.base.byteLength + this.size.byteLength + this.priority.byteLength + this.created.byteLength + this.failFast.byteLength + (this.#addedLocal?.byteLength ?? 0);
  }
}

/** A copy of `a` with room for `length` elements. */
function resized<T extends Int32Array | Float64Array | Uint8Array>(a: T, length: number): T {
  const b = new (a.constructor as new (n: number) => T)(length);
  b.set(a as never);
  release(a);
  return b;
}

/** Jobs of more tasks than this keep their dependencies (see JobTable.depsOf). */
export const KEEP_DEPS_ABOVE = 64;
/** Int32 slots in a job's record (64 bytes). */
export const INTS = 16;
/** `j << INT_SHIFT` is job j's first int32 slot; `j << FLOAT_SHIFT` its first float64 slot. */
export const INT_SHIFT = 4;
export const FLOAT_SHIFT = 3;
/** Int32 slot of the job's state; slots 0–6 count its tasks per TaskState. */
export const JOB_STATE = 7;
/** Int32 slot of the job's flags. */
export const FLAGS = 14;
/** Int32 slot of the job's cap on running tasks (0: none). */
export const MAX_RUNNING = 15;
/** Float64 slots of the job's times (epoch ms; NaN for none). */
export const LAST_MODIFIED = 4;
export const START = 5;
export const END = 6;
/** Flags. */
export const CANCEL_REQUESTED = 1;
export const FORGOTTEN = 2;
