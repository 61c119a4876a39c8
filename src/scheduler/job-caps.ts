import { IndexHeap } from '../core/ready-heap.js';
import { TaskState } from '../job/enums.js';
import type { SchedulerState } from './state.js';

/**
 * Per-job caps on running tasks (`maxRunning`), exactly: the next task is the best ready task whose
 * job is below its cap, as if the tasks of capped jobs at their cap were not there.
 *
 * A capped job's ready tasks wait in one small heap per pool they use (the job's own order); only
 * the best of each is in its pool's ready heap. Those copies are tested on the way out: a copy whose
 * job is at its cap is dropped (the task stays in its job's heap), so a job at its cap costs the
 * pools nothing per claim. Whenever a job's picture may have changed — a task of it became ready,
 * started, stopped, or left the ready set otherwise — it is marked, and before the next claim each
 * marked job below its cap puts its heads back (a head already there is put twice: the second
 * copy is dropped when it surfaces, as any stale entry is).
 *
 * Jobs without a cap never come here: their tasks go straight to the pool heaps.
 */

/** Per capped job: pool index → heap of the job's ready tasks in that pool, by task index in the job. */
export type JobQueues = Map<number, Map<number, IndexHeap>>;

/** Puts a ready task of a capped job `j` into its job's heap for pool `p`. */
export function enqueueCapped(st: SchedulerState, j: number, p: number, serial: number): void {
  let pools = st.jobQueues.get(j);
  if (pools === undefined) st.jobQueues.set(j, (pools = new Map()));
  let heap = pools.get(p);
  const base = st.jobs.base[j]!;
  if (heap === undefined) {
    const order = st.order;
    heap = new IndexHeap(st.jobs.taskCount(j), (a, b) => order.before(base + a, base + b));
    pools.set(p, heap);
  }
  if (!heap.has(serial - base)) heap.push(serial - base);
  st.reopened.add(j);
}

/** A task of a capped job was claimed: out of its job's heap; the job's next best takes its place. */
export function claimedCapped(st: SchedulerState, j: number, p: number, serial: number): void {
  st.jobQueues.get(j)?.get(p)?.remove(serial - st.jobs.base[j]!);
  st.reopened.add(j);
}

/**
 * Before a claim: every marked job below its cap puts the best live task of each of its pool heaps
 * into that pool's ready heap. Tasks no longer ready are dropped from the job's heaps on the way.
 */
export function reopenJobs(st: SchedulerState): void {
  const { jobs, tasks, ready } = st;
  for (const j of st.reopened) {
    const pools = st.jobQueues.get(j);
    if (pools === undefined) continue;
    const base = jobs.base[j]!;
    const open = jobs.runningOf(j) < jobs.maxRunning(j);
    for (const [p, heap] of pools) {
      while (heap.size > 0) {
        const t = base + heap.peek();
        if (tasks.state[t] === TaskState.Scheduled && !tasks.held.has(t)) break;
        heap.pop();
      }
      if (heap.size === 0) pools.delete(p);
      else if (open) ready.push(p, base + heap.peek());
    }
    if (pools.size === 0) st.jobQueues.delete(j);
  }
  st.reopened.clear();
}
