import { IndexHeap } from '../core/ready-heap.js';
import { TaskState, isFinalState } from '../job/enums.js';
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
 * marked job below its cap puts its heads back. Each heap remembers the task it has in its pool's
 * heap (`offered`), so a head already there is not put twice; a copy dropped while its job was at
 * its cap is forgotten (`droppedCapped`), so it is put back when the job has room again.
 *
 * Jobs without a cap never come here: their tasks go straight to the pool heaps.
 */

/** A capped job's ready tasks in one pool, by task index in the job, and the one its pool's heap holds. */
export interface JobQueue {
  readonly pool: number;
  readonly heap: IndexHeap;
  /** The serial whose copy is in the pool's ready heap, or -1. */
  offered: number;
}

/** Per capped job: its queues, one per pool it has ready tasks in (a job uses few pools: a list). */
export type JobQueues = Map<number, JobQueue[]>;

function queueOf(st: SchedulerState, j: number, p: number): JobQueue | undefined {
  const list = st.jobQueues.get(j);
  if (list === undefined) return undefined;
  for (let i = 0; i < list.length; i++) if (list[i]!.pool === p) return list[i];
  return undefined;
}

/** Puts a ready task of a capped job `j` into its job's heap for pool `p`. */
export function enqueueCapped(st: SchedulerState, j: number, p: number, serial: number): void {
  let q = queueOf(st, j, p);
  if (q === undefined) {
    q = { pool: p, heap: jobHeap(st, j), offered: -1 };
    const list = st.jobQueues.get(j);
    if (list === undefined) st.jobQueues.set(j, [q]);
    else list.push(q);
  }
  const local = st.jobs.localOf(j, serial);
  if (!q.heap.has(local)) q.heap.push(local);
  st.reopened.push(j);
}

/** A heap of job j's ready tasks by index in the job, in the ready order. */
function jobHeap(st: SchedulerState, j: number): IndexHeap {
  const { order, jobs } = st;
  const base = jobs.base[j]!;
  if (!jobs.grown.has(j)) return new IndexHeap(jobs.taskCount(j), (a, b) => order.before(base + a, base + b));
  return new IndexHeap(jobs.taskCount(j), (a, b) => order.before(jobs.serialOf(j, a), jobs.serialOf(j, b)));
}

/**
 * Job j gained tasks: its heaps are made again with room for them (their indices, past the old
 * capacity), holding what they held.
 */
export function grewCapped(st: SchedulerState, j: number): void {
  const list = st.jobQueues.get(j);
  if (list === undefined) return;
  for (let i = 0; i < list.length; i++) {
    const old = list[i]!;
    const heap = jobHeap(st, j);
    while (old.heap.size > 0) heap.push(old.heap.pop());
    list[i] = { pool: old.pool, heap, offered: old.offered };
  }
}

/** The copy of `serial` in its pool's heap was dropped (its job was at its cap, or it is no longer ready): it is offered no more. */
export function droppedCapped(st: SchedulerState, j: number, p: number, serial: number): void {
  const q = queueOf(st, j, p);
  if (q !== undefined && q.offered === serial) q.offered = -1;
}

/** A task of a capped job was claimed: out of its job's heap; the job's next best takes its place. */
export function claimedCapped(st: SchedulerState, j: number, p: number, serial: number): void {
  const q = queueOf(st, j, p);
  if (q !== undefined) {
    q.heap.remove(st.jobs.localOf(j, serial));
    if (q.offered === serial) q.offered = -1;
  }
  st.reopened.push(j);
}

/**
 * Job j just reached its cap. A weighted pool that could not give its best task, a task of j too
 * heavy for the slots left, was left out of the claims; now that task may not run anyway, so the
 * task behind it may fit: the pool is looked at again (its copy of j's task is dropped on the way).
 * Without weights a pool's head never keeps it out, and the copy goes when it surfaces.
 */
export function reachedCap(st: SchedulerState, j: number): void {
  const list = st.jobQueues.get(j);
  if (list === undefined) return;
  for (let i = 0; i < list.length; i++) if (list[i]!.offered !== -1) st.ready.recheck(list[i]!.pool);
}

/**
 * Before a claim: every marked job below its cap puts the best live task of each of its pool heaps
 * into that pool's ready heap (unless it is there already). Tasks no longer ready are dropped from
 * the job's heaps on the way. An ended job's heaps go.
 */
export function reopenJobs(st: SchedulerState): void {
  const { jobs, tasks, ready, reopened } = st;
  for (let k = 0; k < reopened.length; k++) {
    const j = reopened[k]!;
    const list = st.jobQueues.get(j);
    if (list === undefined) continue;
    // An ended job's queues go; a running job keeps its empty ones for its next ready tasks (a
    // media job's layers would otherwise make and drop a heap each).
    if (isFinalState(jobs.stateOf(j))) {
      st.jobQueues.delete(j);
      continue;
    }
    const open = jobs.runningOf(j) < jobs.maxRunning(j);
    for (let i = 0; i < list.length; i++) {
      const q = list[i]!;
      const heap = q.heap;
      while (heap.size > 0) {
        const t = jobs.serialOf(j, heap.peek());
        if (tasks.state[t] === TaskState.Scheduled && !tasks.held.has(t)) break;
        heap.pop();
        if (q.offered === t) q.offered = -1;
      }
      if (heap.size === 0) continue;
      const head = jobs.serialOf(j, heap.peek());
      if (open && head !== q.offered) {
        ready.push(q.pool, head);
        q.offered = head;
      }
    }
  }
  reopened.length = 0;
}
