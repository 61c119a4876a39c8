import { ArgumentTypeError, describeValue } from '../errors.js';
import type { Dependencies } from '../graph/dependencies.js';
import type { Job, Task } from '../job/model.js';
import { callbackThrew, describeTask } from './errors.js';
import { readTasks, taskCountOf } from '../job/load.js';
import { growFloat64 } from './growable.js';
import { remainingPath, type DurationModel, type Policy } from './policy.js';

/**
 * The order among ready tasks, in one place: two keys per task (higher first), then the task's
 * serial (lower first: submission order of jobs, then task index), so the order is total and the
 * same input always gives the same schedule.
 *
 * What the keys hold depends on the policy (see {@link Policy}); each task's keys are computed once,
 * when its job is added ({@link ReadyOrder.addJob}):
 *
 * | policy | primary key | secondary key |
 * |---|---|---|
 * | `priority` (the AMS order) | task Priority | job priority |
 * | `fifo` | 0 | 0 |
 * | `critical-path` | task Priority | longest remaining path (expected durations) |
 * | `shortest-first` | − expected duration | 0 |
 * | `{ key }` | the key | 0 |
 *
 * {@link ReadyQueues}, the Scheduler's `explain` and the simulator compare with
 * {@link ReadyOrder.before}; nothing else reads the keys.
 */
export class ReadyOrder {
  readonly policy: Policy;
  /**
   * By task serial: the primary key — or, while every task's keys are integers in range (the usual
   * case: priorities are small integers), both keys packed into one number that compares the same
   * way (`primary · 2^26 + secondary + 2^25`), so a comparison reads one array. Replaced when it
   * grows: read it through the order, never keep it.
   */
  key = new Float64Array(0);
  /** The secondary key by serial; null while the keys are packed into {@link key}. */
  secondary: Float64Array | null = null;
  /** Room for one job's keys while they are computed. */
  #scratch = new Float64Array(0);

  constructor(policy: Policy) {
    this.policy = policy;
  }

  /** Makes room for serials [0, count). */
  ensure(count: number): void {
    if (this.key.length >= count) return;
    this.key = growFloat64(this.key, count);
    if (this.secondary !== null) this.secondary = growFloat64(this.secondary, count);
  }

  /** True when task `a` goes before task `b`. */
  before(a: number, b: number): boolean {
    return this.beforeKeyed(this.key[a]!, a, this.key[b]!, b);
  }

  /**
   * {@link before} for callers that keep each task's {@link key} beside it (the ready heaps): `ka`
   * and `kb` are `key[a]` and `key[b]`, so only a tie on them reads the order's arrays.
   */
  beforeKeyed(ka: number, a: number, kb: number, b: number): boolean {
    if (ka !== kb) return ka > kb;
    const secondary = this.secondary;
    if (secondary !== null) {
      const sa = secondary[a]!;
      const sb = secondary[b]!;
      if (sa !== sb) return sa > sb;
    }
    return a < b;
  }

  /** True when task `a`'s keys are strictly higher than `b`'s (the serials aside): `a` outranks `b`. */
  outranks(a: number, b: number): boolean {
    const ka = this.key[a]!;
    const kb = this.key[b]!;
    const secondary = this.secondary;
    return ka > kb || (ka === kb && secondary !== null && secondary[a]! > secondary[b]!);
  }

  /** The primary key of a task. */
  primaryOf(serial: number): number {
    return this.secondary === null ? Math.floor(this.key[serial]! / PACK) : this.key[serial]!;
  }

  /** The secondary key of a task. */
  secondaryOf(serial: number): number {
    if (this.secondary !== null) return this.secondary[serial]!;
    const k = this.key[serial]!;
    return k - Math.floor(k / PACK) * PACK - HALF;
  }

  /**
   * Computes the keys of a job's tasks [from, from + n), serials [base, base + n); `deps` are the
   * edges among them (local indices). Call {@link ensure} first.
   * @returns whether the keys changed form (packed keys unpacked, the order itself unchanged): a
   *   {@link ReadyQueues} over this order must then be told (`rekey()`), as its heaps keep copies.
   */
  addJob(job: Job, deps: Dependencies, jobPriority: number, base: number, from = 0, n = taskCountOf(job)): boolean {
    if (this.policy === 'priority' && this.secondary === null && this.#packPriorities(job, jobPriority, base, from, n)) return false;
    // Small jobs (most) share a kept scratch; a big one gets its own, let go after.
    const scratch = 2 * n <= this.#scratch.length ? this.#scratch : 2 * n <= SCRATCH ? (this.#scratch = new Float64Array(SCRATCH)) : new Float64Array(2 * n);
    const primary = scratch.subarray(0, n).fill(0);
    const secondary = scratch.subarray(n, 2 * n).fill(0);
    computeKeys(this.policy, job, from, deps, jobPriority, primary, secondary);
    if (this.secondary === null) {
      let packable = true;
      for (let i = 0; i < n && packable; i++) packable = fits(primary[i]!, secondary[i]!);
      if (packable) {
        const key = this.key;
        for (let i = 0; i < n; i++) key[base + i] = primary[i]! * PACK + secondary[i]! + HALF;
        return false;
      }
      this.#unpack(base);
      this.key.set(primary, base);
      this.secondary!.set(secondary, base);
      return true;
    }
    this.key.set(primary, base);
    this.secondary!.set(secondary, base);
    return false;
  }

  /**
   * The default policy's keys (task priority, then job priority) packed straight into {@link key},
   * without the scratch: a million-task job's would be 16 MB of fresh memory (4,000 page faults) for
   * one pass. False, with nothing to keep, when some key does not pack.
   */
  #packPriorities(job: Job, jobPriority: number, base: number, from: number, n: number): boolean {
    if (!fits(0, jobPriority)) return false;
    const reader = readTasks(job);
    const key = this.key;
    const low = jobPriority + HALF;
    for (let i = 0; i < n; i++) {
      const p = reader.priority(from + i);
      if (!fits(p, jobPriority)) return false;
      key[base + i] = p * PACK + low;
    }
    return true;
  }

  /** Gives up packing: the keys of serials [0, count) go back to two arrays. */
  #unpack(count: number): void {
    const key = this.key;
    const secondary = new Float64Array(key.length);
    for (let serial = 0; serial < count; serial++) {
      const p = Math.floor(key[serial]! / PACK);
      secondary[serial] = key[serial]! - p * PACK - HALF;
      key[serial] = p;
    }
    this.secondary = secondary;
  }

  /** Bytes held by the keys (for the benchmarks). */
  get byteLength(): number {
    return this.key.byteLength + (this.secondary?.byteLength ?? 0);
  }
}

/** Keys kept for reuse: two of them a task, for jobs of up to 2,048 tasks (32 KB). */
const SCRATCH = 4096;

/** Packing: primary integers in [-2^26, 2^26), secondary in [-2^25, 2^25), so the packed number stays below 2^52 in magnitude: exact. */
const PACK = 2 ** 26;
const HALF = 2 ** 25;

function fits(primary: number, secondary: number): boolean {
  return Number.isInteger(primary) && Number.isInteger(secondary) && primary >= -PACK && primary < PACK && secondary >= -HALF && secondary < HALF;
}

/**
 * The two keys of tasks [from, from + primary.length) of a job, by the policy (see the table
 * above). A critical path is that of those tasks among themselves (`deps`): tasks added to a
 * running job do not change the keys of those already in it, which may be in a heap.
 */
function computeKeys(policy: Policy, job: Job, from: number, deps: Dependencies, jobPriority: number, primary: Float64Array, secondary: Float64Array): void {
  // Read without making a big job's task objects (see readTasks): a function of the policy is given a view.
  const reader = readTasks(job);
  const n = primary.length;
  const task = (i: number) => reader.task(from + i);
  if (policy === 'priority') {
    for (let i = 0; i < n; i++) {
      primary[i] = reader.priority(from + i);
      secondary[i] = jobPriority;
    }
    return;
  }
  if (policy === 'fifo') return;
  if (typeof policy === 'object' && policy !== null && 'key' in policy) {
    if (typeof policy.key !== 'function') throw new ArgumentTypeError(`Scheduler: expected \`policy.key\` to be a function, got ${describeValue(policy.key)}`);
    for (let i = 0; i < n; i++) {
      let v: unknown;
      try {
        v = policy.key(task(i), job, jobPriority);
      } catch (err) {
        throw callbackThrew('policy.key', task(i), job, err);
      }
      primary[i] = finite(v, 'policy.key', task(i), job);
    }
    return;
  }
  const name = typeof policy === 'string' ? policy : policy?.name;
  const duration: DurationModel = typeof policy === 'object' && policy !== null && 'duration' in policy ? policy.duration : UNIT;
  if (name !== 'shortest-first' && name !== 'critical-path') {
    throw new ArgumentTypeError(`Scheduler: unknown policy ${describeValue(policy)}; use priority, fifo, critical-path, shortest-first or { key }`);
  }
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let v: unknown;
    try {
      v = duration(task(i), job);
    } catch (err) {
      throw callbackThrew('duration', task(i), job, err);
    }
    d[i] = finite(v, 'duration', task(i), job);
  }
  if (name === 'shortest-first') {
    for (let i = 0; i < n; i++) primary[i] = -d[i]!;
    return;
  }
  const path = remainingPath(n, deps, d);
  for (let i = 0; i < n; i++) {
    primary[i] = reader.priority(from + i);
    secondary[i] = path[i]!;
  }
}

const UNIT: DurationModel = () => 1;

/** A value a policy's function returned, which must be a finite number. */
function finite(v: unknown, what: string, task: Task, job: Job): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ArgumentTypeError(`Scheduler: expected \`${what}\` to return a finite number, got ${describeValue(v)} for task ${describeTask(task)} of job ${job.Id}`);
  return v;
}
