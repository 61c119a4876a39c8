import { ArgumentTypeError, describeValue } from '../errors.js';
import { buildCsr } from '../core/csr.js';
import { topologicalOrder } from '../core/topological-order.js';
import type { Dependencies } from '../graph/dependencies.js';
import type { Job, Task } from '../job/model.js';

/** Expected duration of a task (any unit, the same for all tasks), for the policies that need one. */
export type DurationModel = (task: Task, job: Job) => number;

/**
 * The order among ready tasks. Every policy turns each task into two keys once, when its job is
 * submitted (higher first, ties to submission order; see `ReadyOrder`), so comparisons stay two
 * number compares:
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

/**
 * Refuses what is no policy when the scheduler is made, rather than at the first job ordered by it
 * (where an engine's first submit failed): the names, `{ name, duration }` with a function, or
 * `{ key }` with a function.
 * @throws ArgumentTypeError
 */
export function checkPolicy(policy: unknown): void {
  if (typeof policy === 'string') {
    if (POLICY_NAMES.has(policy)) return;
  } else if (typeof policy === 'object' && policy !== null && !Array.isArray(policy)) {
    const p = policy as { name?: unknown; key?: unknown; duration?: unknown };
    if ('key' in p) {
      if (typeof p.key === 'function') return;
      throw new ArgumentTypeError(`Scheduler: expected \`policy.key\` to be a function, got ${describeValue(p.key)}`);
    }
    if (p.name === 'critical-path' || p.name === 'shortest-first') {
      if (!('duration' in p) || typeof p.duration === 'function') return;
      throw new ArgumentTypeError(`Scheduler: expected \`policy.duration\` to be a function (task, job) => seconds, got ${describeValue(p.duration)}`);
    }
  }
  throw new ArgumentTypeError(`Scheduler: unknown policy ${describeValue(policy)}; use priority, fifo, critical-path, shortest-first, { name, duration } or { key }`);
}
const POLICY_NAMES = new Set(['priority', 'fifo', 'critical-path', 'shortest-first']);

export function policyName(policy: Policy): string {
  return typeof policy === 'string' ? policy : (policy.name ?? 'custom');
}

/** Longest path from each task to the end of the job, its own duration included: one reverse topological pass. */
export function remainingPath(n: number, deps: Dependencies, duration: Float64Array): Float64Array {
  const order = topologicalOrder({ nodeCount: n, from: deps.from, to: deps.to });
  const { offsets, targets } = buildCsr({ nodeCount: n, from: deps.from, to: deps.to }, 'remainingPath');
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
