import { outputCountOf, outputIndexAtOf } from './load.js';
import type { Job } from './model.js';

/**
 * The Names of a job's tasks, for a plain addition's `dependsOn` (which names the job's tasks by
 * Name): each Name → the outputs of the tasks that have it.
 *
 * A job grown a task at a time asks again at every addition, and building the map afresh cost the
 * whole job each time (16,000 plain one-task additions to one job took 63 s). So the map
 * is kept, and a grown model's is its parent's, extended by the tasks added: one map of task
 * indices serves every version of the job, each reading only the tasks it has (its first n). The
 * map is extended in place only from the version that filled it last; any other version (a branch:
 * two additions validated against one model) builds its own.
 */

interface NameIndex {
  /** Name → indices of the tasks with it, ascending. */
  byName: Map<string, number[]>;
  /** How many tasks have been indexed into `byName`: shared by every version reading it. */
  filled: { tasks: number };
}

/** A job model's index and how many of its tasks it reads. */
const indexOf = new WeakMap<Job, { index: NameIndex; tasks: number }>();
/** A grown model whose parent had an index: that index, and the parent's task count. */
const grownFrom = new WeakMap<Job, { index: NameIndex; tasks: number }>();

/**
 * Records that `grown` is `parent` with tasks appended (job/grow.ts), so that its names extend the
 * parent's. Holds the parent's index, never the parent: old versions of a job stay collectable.
 */
export function noteGrown(parent: Job, grown: Job): void {
  const own = indexOf.get(parent);
  if (own !== undefined) grownFrom.set(grown, own);
}

/** Job `job`'s task Names → the outputs of the tasks with each (tasks named '' are not listed). */
export function taskNames(job: Job): ReadonlyMap<string, readonly number[]> {
  let own = indexOf.get(job);
  if (own === undefined) {
    const n = job.Tasks.length;
    const parent = grownFrom.get(job);
    grownFrom.delete(job);
    if (parent !== undefined && parent.index.filled.tasks === parent.tasks && parent.tasks <= n) {
      indexTasks(job, parent.index, parent.tasks, n);
      own = { index: parent.index, tasks: n };
    } else {
      const index: NameIndex = { byName: new Map(), filled: { tasks: 0 } };
      indexTasks(job, index, 0, n);
      own = { index, tasks: n };
    }
    indexOf.set(job, own);
  }
  return new TaskNames(job, own.index.byName, own.tasks);
}

function indexTasks(job: Job, index: NameIndex, from: number, to: number): void {
  for (let i = from; i < to; i++) {
    const name = job.Tasks[i]!.Name;
    if (name === '') continue;
    const list = index.byName.get(name);
    if (list === undefined) index.byName.set(name, [i]);
    else list.push(i);
  }
  index.filled.tasks = to;
}

/** The view of one version: the tasks below `count` only. */
class TaskNames implements ReadonlyMap<string, readonly number[]> {
  readonly #job: Job;
  readonly #byName: Map<string, number[]>;
  readonly #count: number;

  constructor(job: Job, byName: Map<string, number[]>, count: number) {
    this.#job = job;
    this.#byName = byName;
    this.#count = count;
  }

  get(name: string): number[] | undefined {
    const list = this.#byName.get(name);
    if (list === undefined || list[0]! >= this.#count) return undefined;
    const outputs: number[] = [];
    for (let k = 0; k < list.length && list[k]! < this.#count; k++) {
      const t = this.#job.Tasks[list[k]!]!;
      for (let j = 0, n = outputCountOf(t); j < n; j++) outputs.push(outputIndexAtOf(t, j));
    }
    return outputs;
  }

  has(name: string): boolean {
    const list = this.#byName.get(name);
    return list !== undefined && list[0]! < this.#count;
  }

  get size(): number {
    let n = 0;
    for (const list of this.#byName.values()) if (list[0]! < this.#count) n++;
    return n;
  }

  *keys(): MapIterator<string> {
    for (const [name, list] of this.#byName) if (list[0]! < this.#count) yield name;
  }

  *values(): MapIterator<readonly number[]> {
    for (const name of this.keys()) yield this.get(name)!;
  }

  *entries(): MapIterator<[string, readonly number[]]> {
    for (const name of this.keys()) yield [name, this.get(name)!];
  }

  [Symbol.iterator](): MapIterator<[string, readonly number[]]> {
    return this.entries();
  }

  forEach(fn: (value: readonly number[], key: string, map: ReadonlyMap<string, readonly number[]>) => void): void {
    for (const [k, v] of this.entries()) fn(v, k, this);
  }
}
