import { ArgumentRangeError, ArgumentTypeError, describeValue } from '../errors.js';
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
  checkTasks(tasks);
  if (tasks.length === 0) return [];
  let last = 0;
  for (let i = 1; i < tasks.length; i++) if (tasks[i]!.end > tasks[last]!.end) last = i;
  // The tasks ending at each time, and at each (time, pool, slot), ascending by index, each with a
  // cursor past the ones already on the chain: a task joins the chain once and never leaves it, so
  // a cursor only moves forward. Filtering every candidate list at each step was quadratic (20,000
  // tasks of no duration ending at one instant, each waiting for the one before: 32 s).
  const endingAt = new Map<number, Candidates>();
  const endingIn = new Map<number, Map<string, Candidates>>();
  tasks.forEach((t, i) => {
    let list = endingAt.get(t.end);
    if (list === undefined) endingAt.set(t.end, (list = { items: [], next: 0 }));
    list.items.push(i);
    let bySlot = endingIn.get(t.end);
    if (bySlot === undefined) endingIn.set(t.end, (bySlot = new Map()));
    const key = `${t.pool} ${t.slot}`;
    let own = bySlot.get(key);
    if (own === undefined) bySlot.set(key, (own = { items: [], next: 0 }));
    own.items.push(i);
  });
  const chain = [last];
  const seen = new Uint8Array(tasks.length);
  seen[last] = 1;
  for (let cur = last; ; ) {
    const t = tasks[cur]!;
    let next = -1;
    if (t.start > t.ready) {
      // Waited for a slot: the task that ended as it started, in its own slot if there is one.
      next = firstUnseen(endingIn.get(t.start)?.get(`${t.pool} ${t.slot}`), seen);
      if (next === -1) next = firstUnseen(endingAt.get(t.start), seen);
    } else if (t.ready > t.arrival) {
      // Started when ready: held by the input that finished last.
      for (const p of t.predecessors) if (seen[p] !== 1 && tasks[p]!.end === t.ready && (next === -1 || p < next)) next = p;
    }
    if (next === -1) break;
    chain.push(next);
    seen[next] = 1;
    cur = next;
  }
  return chain.reverse();
}

/** Task indices in ascending order, and where the first one not yet on the chain may be. */
interface Candidates {
  items: number[];
  next: number;
}

/** The first of `list` not on the chain (-1 for none), moving its cursor past those that are. */
function firstUnseen(list: Candidates | undefined, seen: Uint8Array): number {
  if (list === undefined) return -1;
  while (list.next < list.items.length && seen[list.items[list.next]!] === 1) list.next++;
  return list.next < list.items.length ? list.items[list.next]! : -1;
}

const NUMBER_FIELDS = ['ready', 'start', 'end', 'arrival', 'pool', 'slot'] as const;

/** The input's shape: an array of { ready, start, end, arrival, pool, slot, predecessors }. */
function checkTasks(tasks: unknown): void {
  if (!Array.isArray(tasks)) throw new ArgumentTypeError(`criticalPath: expected \`tasks\` to be an array of scheduled tasks, got ${describeValue(tasks)}`);
  tasks.forEach((t: unknown, i) => {
    if (typeof t !== 'object' || t === null) throw new ArgumentTypeError(`criticalPath: expected \`tasks[${i}]\` to be { ready, start, end, arrival, pool, slot, predecessors }, got ${describeValue(t)}`);
    for (const k of NUMBER_FIELDS) {
      const v: unknown = (t as Record<string, unknown>)[k];
      if (typeof v !== 'number' || Number.isNaN(v)) throw new ArgumentTypeError(`criticalPath: expected \`tasks[${i}].${k}\` to be a number, got ${describeValue(v)}`);
    }
    const pred: unknown = (t as Record<string, unknown>).predecessors;
    if (!Array.isArray(pred)) throw new ArgumentTypeError(`criticalPath: expected \`tasks[${i}].predecessors\` to be an array of task indices, got ${describeValue(pred)}`);
    for (let k = 0; k < pred.length; k++) {
      const p: unknown = pred[k];
      if (!Number.isInteger(p) || (p as number) < 0 || (p as number) >= tasks.length) {
        throw new ArgumentRangeError(`criticalPath: expected \`tasks[${i}].predecessors[${k}]\` to be the index of a task, an integer in [0, ${tasks.length - 1}], got ${describeValue(p)}`);
      }
    }
  });
}
