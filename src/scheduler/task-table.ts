import { fillCsr } from '../core/csr.js';
import type { Dependencies } from '../graph/dependencies.js';
import type { ErrorDetail } from './views.js';
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
  /** The job's position (in the {@link JobTable}). */
  job = new Int32Array(0);
  /**
   * The pool's index (0: a pool without configured slots); null while every task is in pool 0, so
   * a scheduler with one pool keeps no array and its hot path reads none (read through {@link poolOf}).
   */
  pool: Int32Array | null = null;
  /** Unfinished dependencies. */
  pending = new Int32Array(0);
  /** Starts so far (a requeued attempt is not counted). */
  attempts = new Int32Array(0);
  /** Successors as CSR: those of a serial s are `succ[succOffset[s] .. succOffset[s + 1])`; jobs append their block. */
  succOffset = new Int32Array(1);
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
    this.succOffset = growInt32(this.succOffset, total + 1);
    if (this.state.length >= total) return;
    if (this.extraHead !== null) {
      this.extraHead = growInt32(this.extraHead, total, -1);
      this.extraTail = growInt32(this.extraTail, total, -1);
    }
    if (this.action !== null) this.action = growUint8(this.action, total);
    if (this.weight !== null) this.weight = growInt32(this.weight, total, 1);
    this.state = growUint8(this.state, total);
    this.job = growInt32(this.job, total);
    if (this.pool !== null) this.pool = growInt32(this.pool, total);
    this.pending = growInt32(this.pending, total);
    this.attempts = growInt32(this.attempts, total);
  }

  /**
   * Appends a job's tasks at serials [base, base + n): their dependency counts and their successor
   * block. Call {@link ensure} first.
   * @returns how many of them wait on a dependency.
   */
  appendDependencies(base: number, n: number, deps: Dependencies): number {
    const pending = this.pending;
    const off = this.succOffset;
    const from = deps.from;
    const to = deps.to;
    const m = from.length;
    off.fill(0, base, base + n);
    let waiting = 0;
    for (let e = 0; e < m; e++) {
      off[base + from[e]!]!++;
      if (pending[base + to[e]!]!++ === 0) waiting++;
    }
    this.succ = growInt32(this.succ, this.edgeCount + m);
    fillCsr(off, base, n, from, to, this.succ, this.edgeCount, base);
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
    for (let e = this.succOffset[serial]!; e < this.succOffset[serial + 1]!; e++) out.push(this.succ[e]!);
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
    return (this.extraHead === null ? 0 : this.extraHead.byteLength + this.extraTail.byteLength + this.extraNext.byteLength + this.extraTo.byteLength) + (this.action?.byteLength ?? 0) + (this.weight?.byteLength ?? 0) + this.state.byteLength + this.job.byteLength + (this.pool?.byteLength ?? 0) + this.pending.byteLength + this.attempts.byteLength + this.succOffset.byteLength + this.succ.byteLength;
  }
}

