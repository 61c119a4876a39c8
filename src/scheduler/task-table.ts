import { fillCsr } from '../core/csr.js';
import type { Dependencies } from '../graph/dependencies.js';
import type { ErrorDetail } from './views.js';
import { SchedulerError } from './errors.js';
import { growInt32, growUint8 } from './growable.js';

/**
 * The state of every task, by serial: a task's serial is its number in the scheduler (jobs are
 * appended in submission order, a job's tasks in their order), the number claims, events and
 * journal rows carry. Typed arrays only, so a million tasks are a few dozen bytes each and the hot
 * path touches no object.
 *
 * Times (start, end, waits) are not kept here: the event log has them (see `EventLog.timesOf`).
 * Progress is kept only where it is neither 0 nor implied by the state (a Finished task is at 100).
 */
export class TaskTable {
  /** Tasks in the table: serials [0, count). */
  count = 0;
  /** TaskState, 0–6. */
  state = new Uint8Array(0);
  /**
   * The rest of a task's hot fields, side by side: task `t`'s record is the int32 slots from
   * `t << TASK_SHIFT` (`T_SUCC`, `T_PENDING`, `T_JOB`, `T_ATTEMPTS`). Why one array: a drain meets the
   * jobs of a big run in priority order, not in serial order, so each separate per-task array cost a
   * cache miss (and at a million tasks a TLB miss) per job; a record costs one. The state stays on
   * its own: most readers want only it, and a serial that is no integer reads `undefined` there.
   * Holds one record beyond the last task, whose `T_SUCC` ends the last task's successors.
   */
  ints = new Int32Array(1 << TASK_SHIFT);
  /**
   * The pool's index (0: a pool without configured slots); null while every task is in pool 0, so
   * a scheduler with one pool keeps no array and its hot path reads none (read through {@link poolOf}).
   */
  pool: Int32Array | null = null;
  /** Successors as CSR: those of a serial s are `succ[` its `T_SUCC .. ` the next record's `T_SUCC)`; jobs append their block. */
  succ = new Int32Array(0);
  edgeCount = 0;
  /**
   * DependencyAction by serial (0 cancel, 1 run, 2 skip); null until a job asks for one, so
   * schedulers whose jobs keep the AMS rule carry nothing.
   */
  action: Uint8Array | null = null;
  /** Slots each task takes in its pool; null until a job gives a weight other than 1. */
  weight: Int32Array | null = null;

  /**
   * Successors beyond the CSR: edges from a task to tasks added to its job later
   * (`Scheduler.addTasks`), which its CSR block has no room for. A list per task in typed arrays:
   * `extraHead[serial]` is its first edge (-1: none), `extraNext[e]` the next, `extraTo[e]` the
   * successor; `extraTail` keeps the edge order. All null until a job grows, so the walks over
   * successors test one field and pay nothing else.
   */
  extraHead: Int32Array | null = null;
  extraTail: Int32Array = new Int32Array(0);
  extraNext: Int32Array = new Int32Array(0);
  extraTo: Int32Array = new Int32Array(0);
  extraCount = 0;

  /** Progress of tasks whose progress is neither 0 nor 100-because-Finished. */
  readonly progress = new Map<number, number>();
  /** ErrorDetails by serial. */
  readonly errors = new Map<number, ErrorDetail[]>();
  /** Scheduled tasks kept out of the ready set while a retry backs off. */
  readonly held = new Set<number>();

  /** Makes room for serials [0, total). */
  ensure(total: number): void {
    if (total >= MAX_TASKS) throw new SchedulerError('SCHEDULER_FULL', `Scheduler: a scheduler numbers at most ${MAX_TASKS - 1} tasks, and this one would hold ${total}: split the work among schedulers (a forgotten job's serials are not reused)`);
    this.ints = growInt32(this.ints, (total + 1) << TASK_SHIFT);
    if (this.state.length >= total) return;
    if (this.extraHead !== null) {
      this.extraHead = growInt32(this.extraHead, total, -1);
      this.extraTail = growInt32(this.extraTail, total, -1);
    }
    if (this.action !== null) this.action = growUint8(this.action, total);
    if (this.weight !== null) this.weight = growInt32(this.weight, total, 1);
    this.state = growUint8(this.state, total);
    if (this.pool !== null) this.pool = growInt32(this.pool, total);
  }

  /** The job's position (in the {@link JobTable}) of a task. */
  jobOf(serial: number): number {
    return this.ints[(serial << TASK_SHIFT) + T_JOB]!;
  }

  /** Starts of a task so far (a requeued attempt is not counted). */
  attemptsOf(serial: number): number {
    return this.ints[(serial << TASK_SHIFT) + T_ATTEMPTS]!;
  }

  /** Unfinished dependencies of a task. */
  pendingOf(serial: number): number {
    return this.ints[(serial << TASK_SHIFT) + T_PENDING]!;
  }

  setPending(serial: number, count: number): void {
    this.ints[(serial << TASK_SHIFT) + T_PENDING] = count;
  }

  /** One dependency of a task fewer to wait for. @returns how many are left. */
  dropPending(serial: number): number {
    return --this.ints[(serial << TASK_SHIFT) + T_PENDING]!;
  }

  setAttempts(serial: number, count: number): void {
    this.ints[(serial << TASK_SHIFT) + T_ATTEMPTS] = count;
  }

  /** Counts a start more (1) or takes one back (-1: a requeued attempt). */
  addAttempts(serial: number, delta: number): void {
    this.ints[(serial << TASK_SHIFT) + T_ATTEMPTS]! += delta;
  }

  /**
   * Appends a job's tasks at serials [base, base + n): their dependency counts and their successor
   * block. Call {@link ensure} first.
   * @returns how many of them wait on a dependency.
   */
  appendDependencies(base: number, n: number, deps: Dependencies): number {
    const ints = this.ints;
    const from = deps.from;
    const to = deps.to;
    const m = from.length;
    for (let t = base, end = base + n; t < end; t++) ints[t << TASK_SHIFT] = 0;
    let waiting = 0;
    for (let e = 0; e < m; e++) {
      ints[(base + from[e]!) << TASK_SHIFT]!++;
      if (ints[((base + to[e]!) << TASK_SHIFT) + T_PENDING]!++ === 0) waiting++;
    }
    this.succ = growInt32(this.succ, this.edgeCount + m);
    fillCsr(ints, base, n, from, to, this.succ, this.edgeCount, base, TASK_INTS);
    this.edgeCount += m;
    return waiting;
  }

  /** Starts keeping dependency actions (all `cancel` so far). */
  enableActions(): Uint8Array {
    return (this.action ??= new Uint8Array(this.state.length));
  }

  /** Starts keeping pools (all 0 so far). */
  enablePools(): Int32Array {
    return (this.pool ??= new Int32Array(this.state.length));
  }

  /** The pool's index of a task. */
  poolOf(serial: number): number {
    const pool = this.pool;
    return pool === null ? 0 : pool[serial]!;
  }

  /** Starts keeping weights (all 1 so far). */
  enableWeights(): Int32Array {
    return (this.weight ??= new Int32Array(this.state.length).fill(1));
  }

  /** The successors of a task, in edge order (a dependent named twice is listed twice). */
  successors(serial: number): number[] {
    const out: number[] = [];
    const ints = this.ints;
    for (let e = ints[serial << TASK_SHIFT]!, end = ints[(serial + 1) << TASK_SHIFT]!; e < end; e++) out.push(this.succ[e]!);
    if (this.extraHead !== null) for (let e = this.extraHead[serial]!; e !== -1; e = this.extraNext[e]!) out.push(this.extraTo[e]!);
    return out;
  }

  /** Adds an edge from `from` to a task added to its job after it (see {@link extraHead}). */
  addSuccessor(from: number, to: number): void {
    if (this.extraHead === null) {
      this.extraHead = new Int32Array(this.state.length).fill(-1);
      this.extraTail = new Int32Array(this.state.length).fill(-1);
    }
    const e = this.extraCount++;
    this.extraNext = growInt32(this.extraNext, e + 1);
    this.extraTo = growInt32(this.extraTo, e + 1);
    this.extraTo[e] = to;
    this.extraNext[e] = -1;
    const tail = this.extraTail[from]!;
    if (tail === -1) this.extraHead[from] = e;
    else this.extraNext[tail] = e;
    this.extraTail[from] = e;
  }

  /** A task's progress, 0–100. */
  progressOf(serial: number, finished: boolean): number {
    return finished ? 100 : (this.progress.get(serial) ?? 0);
  }

  /** Sets a task's progress (0 and a Finished task's 100 are not stored). */
  setProgress(serial: number, value: number): void {
    if (value === 0) this.progress.delete(serial);
    else this.progress.set(serial, value);
  }

  addError(serial: number, detail: ErrorDetail): void {
    const list = this.errors.get(serial);
    if (list) list.push(detail);
    else this.errors.set(serial, [detail]);
  }

  /** Bytes held by the typed arrays (for the benchmarks). */
  get byteLength(): number {
    return (this.extraHead === null ? 0 : this.extraHead.byteLength + this.extraTail.byteLength + this.extraNext.byteLength + this.extraTo.byteLength) + (this.action?.byteLength ?? 0) + (this.weight?.byteLength ?? 0) + this.state.byteLength + this.ints.byteLength + (this.pool?.byteLength ?? 0) + this.succ.byteLength;
  }
}


/** `serial << TASK_SHIFT` is the first int32 slot of a task's record in {@link TaskTable.ints}. */
export const TASK_SHIFT = 2;
/** Int32 slots per task record. */
export const TASK_INTS = 1 << TASK_SHIFT;
/** Record slots: where the task's successors start in `succ` (the next record's ends them). */
export const T_SUCC = 0;
/** Record slots: the task's unfinished dependencies. */
export const T_PENDING = 1;
/** Record slots: the task's job (its position in the JobTable). */
export const T_JOB = 2;
/** Record slots: the task's starts so far. */
export const T_ATTEMPTS = 3;
/** Serials stay below this, so `serial << TASK_SHIFT` stays an int32 (about 536 million tasks). */
export const MAX_TASKS = 2 ** (31 - TASK_SHIFT);
