/**
 * The critical path of a schedule: the chain of tasks that ends at the makespan, each link the
 * reason the next started when it did. A task that started as soon as it was ready was held by the
 * input that finished last (a dependency); a task that waited was held by the task whose slot it
 * took. Shorten any task of the chain and the schedule can end sooner; shorten any other and it
 * cannot. This is the chain a Gantt chart marks, not a job graph's longest path: with a queue for
 * slots, the jobs' own longest paths often are not what decided the end.
 */

/** One task as the chain needs it, by index. Times in any unit, but all the same one. */
export interface ScheduledTask {
  ready: number;
  start: number;
  end: number;
  /**
   * When its job arrived (for a task added to a running job, when it was added): a task ready at
   * its arrival was held by nothing.
   */
  arrival: number;
  /** Pool and slot it ran in: the task that freed this slot is the one it waited for. */
  pool: number;
  slot: number;
  /** Indices of the tasks whose outputs it reads. */
  predecessors: readonly number[];
}

/**
 * The indices of the tasks on the critical path, from first to last. Times must be exact (a start
 * equal to the end that released it, as a discrete-event simulation gives them).
 */
export function criticalPath(tasks: readonly ScheduledTask[]): number[] {
  if (tasks.length === 0) return [];
  let last = 0;
  for (let i = 1; i < tasks.length; i++) if (tasks[i]!.end > tasks[last]!.end) last = i;
  const endingAt = new Map<number, number[]>();
  tasks.forEach((t, i) => {
    const list = endingAt.get(t.end);
    if (list === undefined) endingAt.set(t.end, [i]);
    else list.push(i);
  });
  const chain = [last];
  const seen = new Set(chain);
  for (let cur = last; ; ) {
    const t = tasks[cur]!;
    let next = -1;
    if (t.start > t.ready) {
      // Waited for a slot: the task that ended as it started, in its own slot if there is one.
      const candidates = (endingAt.get(t.start) ?? []).filter((q) => q !== cur && !seen.has(q));
      next = candidates.find((q) => tasks[q]!.pool === t.pool && tasks[q]!.slot === t.slot) ?? candidates[0] ?? -1;
    } else if (t.ready > t.arrival) {
      // Started when ready: held by the input that finished last.
      for (const p of t.predecessors) if (!seen.has(p) && tasks[p]!.end === t.ready && (next === -1 || p < next)) next = p;
    }
    if (next === -1) break;
    chain.push(next);
    seen.add(next);
    cur = next;
  }
  return chain.reverse();
}
