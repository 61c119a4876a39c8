import { topologicalOrder } from '../core/topological-order.js';
import { ArgumentTypeError, describeValue } from '../errors.js';
import type { Dependencies } from '../graph/dependencies.js';
import type { Job, Task } from '../job/model.js';

/** Expected duration of a task (any unit, the same for all tasks), for the policies that need one. */
export type DurationModel = (task: Task, job: Job) => number;

/**
 * The order among ready tasks. Every policy turns each task into two numbers once, when its job is
 * submitted (higher first, ties to submission order), so comparisons stay two number compares:
 * - `priority`: task Priority, then job priority (the AMS order).
 * - `fifo`: submission order only.
 * - `critical-path`: task Priority, then the longest remaining path (by expected duration) to the
 *   end of its job, the task itself included.
 * - `shortest-first`: the shortest expected duration first.
 * - `{ key }`: a custom key per task, higher first, evaluated once per task.
 */
export type Policy =
  | 'priority'
  | 'fifo'
  | 'critical-path'
  | 'shortest-first'
  | { name: 'critical-path' | 'shortest-first'; duration: DurationModel }
  | { name?: string; key: (task: Task, job: Job, jobPriority: number) => number };

export function policyName(policy: Policy): string {
  return typeof policy === 'string' ? policy : (policy.name ?? 'custom');
}

const UNIT: DurationModel = () => 1;

/** Fills key1/key2 for the job's tasks at [base, base + n). */
export function computeKeys(policy: Policy, job: Job, deps: Dependencies, jobPriority: number, key1: Float64Array, key2: Float64Array, base: number): void {
  const tasks = job.Tasks;
  const n = tasks.length;
  if (policy === 'priority') {
    for (let i = 0; i < n; i++) {
      key1[base + i] = tasks[i]!.Priority;
      key2[base + i] = jobPriority;
    }
    return;
  }
  if (policy === 'fifo') {
    key1.fill(0, base, base + n);
    key2.fill(0, base, base + n);
    return;
  }
  if (typeof policy === 'object' && policy !== null && 'key' in policy) {
    if (typeof policy.key !== 'function') throw new ArgumentTypeError(`Scheduler: expected \`policy.key\` to be a function, got ${describeValue(policy.key)}`);
    for (let i = 0; i < n; i++) {
      key1[base + i] = finite(policy.key(tasks[i]!, job, jobPriority), 'policy.key');
      key2[base + i] = 0;
    }
    return;
  }
  const name = typeof policy === 'string' ? policy : policy?.name;
  const duration = typeof policy === 'object' && policy !== null && 'duration' in policy ? policy.duration : UNIT;
  if (name === 'shortest-first') {
    for (let i = 0; i < n; i++) {
      key1[base + i] = -finite(duration(tasks[i]!, job), 'duration');
      key2[base + i] = 0;
    }
    return;
  }
  if (name === 'critical-path') {
    const d = new Float64Array(n);
    for (let i = 0; i < n; i++) d[i] = finite(duration(tasks[i]!, job), 'duration');
    const path = remainingPath(n, deps, d);
    for (let i = 0; i < n; i++) {
      key1[base + i] = tasks[i]!.Priority;
      key2[base + i] = path[i]!;
    }
    return;
  }
  throw new ArgumentTypeError(`Scheduler: unknown policy ${describeValue(policy)}; use priority, fifo, critical-path, shortest-first or { key }`);
}

/** Longest path from each task to the end of the job, its own duration included: one reverse topological pass. */
export function remainingPath(n: number, deps: Dependencies, duration: Float64Array): Float64Array {
  const order = topologicalOrder({ nodeCount: n, from: deps.from, to: deps.to });
  const offsets = new Int32Array(n + 1);
  for (let e = 0; e < deps.from.length; e++) offsets[deps.from[e]! + 1]!++;
  for (let i = 0; i < n; i++) offsets[i + 1]! += offsets[i]!;
  const targets = new Int32Array(deps.from.length);
  const cursor = offsets.slice(0, n);
  for (let e = 0; e < deps.from.length; e++) targets[cursor[deps.from[e]!]!++] = deps.to[e]!;
  const path = new Float64Array(n);
  for (let k = n - 1; k >= 0; k--) {
    const v = order[k]!;
    let best = 0;
    for (let e = offsets[v]!; e < offsets[v + 1]!; e++) {
      const p = path[targets[e]!]!;
      if (p > best) best = p;
    }
    path[v] = duration[v]! + best;
  }
  return path;
}

function finite(v: number, what: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ArgumentTypeError(`Scheduler: expected \`${what}\` to return a finite number, got ${describeValue(v)}`);
  return v;
}
