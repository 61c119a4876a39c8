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
