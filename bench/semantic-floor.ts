/**
 * The floor of our semantics for the drain: the bare loop of `onlineHeapReference` plus exactly the
 * bookkeeping the Scheduler's model asks of a drain, written as one function over bare typed arrays
 * with no API around it. Per task: its state changes (Queued → Scheduled → Processing → Finished)
 * counted in its job, a timestamped event row for each, its attempt counted, a
 * WaitingForFreeResources row when it waits for a slot; per job: its state, start, end and last
 * change; a clock reading per completion (a start shares the reading of the completion that freed
 * its slot). No pools, caps, listeners, progress or errors: a drain of the benchmarks has none.
 *
 * Why it exists: the drain goal of issue 15 is a ratio to the bare loop, which does none of the
 * above. This says how much of the ratio the model itself costs (this ÷ the bare loop) and how much
 * our structure adds on top (ours ÷ this). `test/unit/bench/semantic-floor.test.ts` checks that it
 * logs the same rows, in the same order, as the Scheduler does for the same drain.
 *
 * A floor in the sense of "what the model costs written plainly", not a lower bound: it releases a
 * task's dependents one call at a time, where the Scheduler releases a big fan-out in bulk
 * (`#releaseMany`) and so drains the fan faster than this does. What does bound every
 * implementation is in it too: a clock reading per completion (50–100 ns on this machine, 0.5–1.5×
 * what the bare loop spends on a whole chain task).
 */
import { bareCsr } from './reference.js';
import { EV } from '../src/scheduler/event-log.js';
import { TaskState } from '../src/job/enums.js';

const QUEUED = TaskState.Queued;
const SCHEDULED = TaskState.Scheduled;
const PROCESSING = TaskState.Processing;
const FINISHED = TaskState.Finished;
const EV_BY_STATE = Int32Array.of(EV.Queued, EV.Scheduled, EV.Processing, EV.Finished);
const WAITING = EV.WaitingForFreeResources;
/** A job's counts: a slot per task state (0–6), rounded up. */
const STATES = 8;

export interface FloorDrain {
  /** Tasks completed. */
  done: number;
  /** Event rows logged by the drain, and each row's task and code (EV numbering). */
  rows: number;
  task: Int32Array;
  code: Uint8Array;
  /** Each job's final state. */
  jobState: Uint8Array;
}

/**
 * Drains tasks [0, n) (edges `from[e] → to[e]`, ready order: `priority` higher first, then the lower
 * task; task t belongs to job `jobOf[t]`, or to job 0 when `jobOf` is null) keeping `concurrency`
 * running and completing the oldest, as `drainByIndex` drives the Scheduler.
 */
export function drainFloor(n: number, from: Int32Array, to: Int32Array, priority: Int32Array, jobOf: Int32Array | null, jobCount: number, concurrency: number, clock: () => number = Date.now): FloorDrain {
  const { offsets, targets, indegree } = bareCsr(n, from, to);
  const state = new Uint8Array(n);
  const attempts = new Int32Array(n);
  const counts = new Int32Array(jobCount * STATES);
  const jobState = new Uint8Array(jobCount);
  // Per job: start, end, last change.
  const jobTimes = new Float64Array(jobCount * 3).fill(NaN);
  // Rows: Scheduled (for every task but the roots, Scheduled at submit), Processing, Finished, and
  // at most one wait a task.
  const cap = 4 * n;
  const evTask = new Int32Array(cap);
  const evCode = new Uint8Array(cap);
  const lastCode = new Uint8Array(n);
  // Times where the clock's reading changes, as the event log keeps them.
  let changeRow = new Int32Array(1024);
  let changeTime = new Float64Array(1024);
  let changes = 0;
  let lastTime = NaN;
  let rows = 0;
  const log = (t: number, code: number, now: number): void => {
    const r = rows++;
    evTask[r] = t;
    evCode[r] = code;
    lastCode[t] = code;
    if (now !== lastTime) {
      if (changes === changeRow.length) {
        const row = new Int32Array(2 * changes);
        row.set(changeRow);
        changeRow = row;
        const time = new Float64Array(2 * changes);
        time.set(changeTime);
        changeTime = time;
      }
      changeRow[changes] = r;
      changeTime[changes++] = now;
      lastTime = now;
    }
  };
  const jobOfTask = (t: number): number => (jobOf === null ? 0 : jobOf[t]!);
  const setState = (t: number, j: number, s: number, now: number): void => {
    const at = j * STATES;
    counts[at + state[t]!]!--;
    counts[at + s]!++;
    state[t] = s;
    jobTimes[3 * j + 2] = now;
    log(t, EV_BY_STATE[s]!, now);
  };

  // The anchor's heap, line for line (bench/online-reference.ts), so that what separates the two
  // loops is the model's bookkeeping alone. Copied rather than shared: sharing would mean changing
  // the anchor's code, and with it every figure measured against it since 2026-12-04.
  const heap = new Int32Array(n);
  let size = 0;
  const before = (a: number, b: number): boolean => {
    const pa = priority[a]!;
    const pb = priority[b]!;
    return pa !== pb ? pa > pb : a < b;
  };
  const push = (v: number): void => {
    let hole = size++;
    while (hole > 0) {
      const parent = (hole - 1) >> 1;
      const p = heap[parent]!;
      if (!before(v, p)) break;
      heap[hole] = p;
      hole = parent;
    }
    heap[hole] = v;
  };
  const pop = (): number => {
    const top = heap[0]!;
    const last = heap[--size]!;
    let hole = 0;
    const half = size >> 1;
    while (hole < half) {
      let child = 2 * hole + 1;
      let c = heap[child]!;
      const right = child + 1;
      if (right < size && before(heap[right]!, c)) {
        child = right;
        c = heap[right]!;
      }
      if (!before(c, last)) break;
      heap[hole] = c;
      hole = child;
    }
    if (size > 0) heap[hole] = last;
    return top;
  };

  // Tasks made ready while a slot was free: their wait is logged when the slots fill up (in task
  // order), unless they started first.
  let noted = new Int32Array(64);
  let notedCount = 0;
  const note = (t: number): void => {
    if (notedCount === noted.length) {
      const bigger = new Int32Array(2 * notedCount);
      bigger.set(noted);
      noted = bigger;
    }
    noted[notedCount++] = t;
  };
  const logWaits = (now: number): void => {
    let ascending = true;
    for (let i = 1; i < notedCount && ascending; i++) ascending = noted[i - 1]! <= noted[i]!;
    if (!ascending) noted.subarray(0, notedCount).sort();
    for (let i = 0; i < notedCount; i++) {
      const t = noted[i]!;
      if (state[t] === SCHEDULED && lastCode[t] !== WAITING && (i === 0 || noted[i - 1] !== t)) log(t, WAITING, now);
    }
    notedCount = 0;
  };

  // What a submit leaves (untimed for ours; its rows are not counted here): every task Queued in
  // its job, the roots Scheduled, ready and noted.
  for (let t = 0; t < n; t++) counts[jobOfTask(t) * STATES + QUEUED]!++;
  for (let t = 0; t < n; t++) {
    if (indegree[t] !== 0) continue;
    const at = jobOfTask(t) * STATES;
    counts[at + QUEUED]!--;
    counts[at + SCHEDULED]!++;
    state[t] = SCHEDULED;
    lastCode[t] = EV.Scheduled;
    push(t);
    note(t);
  }
  rows = 0;

  const ring = new Int32Array(concurrency);
  let head = 0;
  let running = 0;
  let done = 0;
  let now = clock();
  while (done < n) {
    while (running < concurrency && size > 0) {
      const t = pop();
      const j = jobOfTask(t);
      attempts[t]!++;
      setState(t, j, PROCESSING, now);
      if (jobState[j] !== PROCESSING) {
        jobState[j] = PROCESSING;
        if (jobTimes[3 * j] !== jobTimes[3 * j]) jobTimes[3 * j] = now;
      }
      ring[(head + running) % concurrency] = t;
      running++;
      if (running === concurrency) logWaits(now);
    }
    // A free slot and nothing ready: none of the noted tasks waits (the Scheduler forgets them too).
    if (running < concurrency) notedCount = 0;
    if (running === 0) throw new Error('drainFloor: a cycle');
    const u = ring[head]!;
    head = (head + 1) % concurrency;
    running--;
    done++;
    now = clock();
    const j = jobOfTask(u);
    setState(u, j, FINISHED, now);
    for (let e = offsets[u]!, end = offsets[u + 1]!; e < end; e++) {
      const v = targets[e]!;
      if (--indegree[v]! === 0) {
        setState(v, jobOfTask(v), SCHEDULED, now);
        push(v);
        note(v);
      }
    }
    const at = j * STATES;
    if (counts[at + QUEUED]! + counts[at + SCHEDULED]! + counts[at + PROCESSING]! === 0) {
      jobState[j] = FINISHED;
      jobTimes[3 * j + 1] = now;
    }
  }
  return { done, rows, task: evTask, code: evCode, jobState };
}
