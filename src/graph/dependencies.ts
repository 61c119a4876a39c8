import type { Job, Task } from '../job/model.js';
import { inputAtOf, inputCountOf, isCleanTask, outputCountOf, outputIndexAtOf, packedRefsOf, readTasks, taskCountOf } from '../job/load.js';
import { assetRef } from '../taskbody/asset-ref.js';
import type { AssetRef } from '../taskbody/types.js';

/**
 * The dependency edges of a job as dense integers: edge e runs from task `from[e]` (which outputs
 * `JobOutputAsset(asset[e])`) to task `to[e]` (which reads it as its `inputEntry[e]`-th input entry).
 * Resolved once, keyed by the integer output index, never by strings.
 */
export interface Dependencies {
  taskCount: number;
  from: Int32Array;
  to: Int32Array;
  asset: Int32Array;
  inputEntry: Int32Array;
  /** Output index → the task that first outputs it. */
  producerOf: ProducerIndex;
  /** Outputs that a task produces after another task (or the same task) already did. */
  duplicates: Array<{ asset: number; first: number; task: number; outputEntry: number }>;
  /** Inputs `JobOutputAsset(k)` that no task outputs. */
  unproduced: Array<{ asset: number; task: number; inputEntry: number }>;
}

/** @param packed the job's packed references when the caller has them (see packedRefsOf). */
export function resolveDependencies(job: Job, packed = packedRefsOf(job)): Dependencies {
  if (packed !== undefined) return resolvePacked(taskCountOf(job), packed.data, packed.at);
  // A clean task's references are its entries' (see isCleanTask): read without its entries.
  return resolve(
    job,
    (t) => (isCleanTask(t) ? outputCountOf(t) : t.outputEntries.length),
    (t, j) => (isCleanTask(t) ? assetRef(true, outputIndexAtOf(t, j)) : t.outputEntries[j]!.ref),
    (t) => (isCleanTask(t) ? inputCountOf(t) : t.inputEntries.length),
    (t, j) => (isCleanTask(t) ? inputAtOf(t, j) : t.inputEntries[j]!.ref),
  );
}

/**
 * As {@link resolveDependencies}, from each task's valid references (`inputs`, `outputs`) rather
 * than its parser entries: for an accepted job (every entry valid) the two are the same, with
 * `inputEntry` the position among the task's inputs. A job read back from a store has no parser
 * entries worth building.
 */
export function resolveDependenciesOfRefs(job: Job): Dependencies {
  const packed = packedRefsOf(job);
  if (packed !== undefined) return resolvePacked(taskCountOf(job), packed.data, packed.at);
  return resolve(job, outputCountOf, (t, j) => assetRef(true, outputIndexAtOf(t, j)), inputCountOf, inputAtOf);
}

/** The edges of a job, given how to read each task's j-th output and input reference (null: invalid). */
function resolve(
  job: Job,
  outputCount: (t: Task) => number,
  outputAt: (t: Task, j: number) => { kind?: AssetRef['kind']; index: number } | null,
  inputCount: (t: Task) => number,
  inputAt: (t: Task, j: number) => AssetRef | null,
): Dependencies {
  // Read through views made for this pass: a big job's task objects are not made (see readTasks).
  const reader = readTasks(job);
  const count = reader.count;
  let outputs = 0;
  let highest = -1;
  for (let i = 0; i < count; i++) {
    const task = reader.task(i);
    for (let j = 0, n = outputCount(task); j < n; j++) {
      const ref = outputAt(task, j);
      if (!ref || (ref.kind !== undefined && ref.kind !== 'JobOutputAsset')) continue;
      outputs++;
      if (ref.index > highest) highest = ref.index;
    }
  }
  const producerOf = new ProducerIndex(highest, outputs);
  const duplicates: Dependencies['duplicates'] = [];
  for (let i = 0; i < count; i++) {
    const task = reader.task(i);
    for (let j = 0, n = outputCount(task); j < n; j++) {
      const ref = outputAt(task, j);
      if (!ref || (ref.kind !== undefined && ref.kind !== 'JobOutputAsset')) continue;
      const first = producerOf.get(ref.index);
      if (first === undefined) producerOf.set(ref.index, task.index);
      else duplicates.push({ asset: ref.index, first, task: task.index, outputEntry: j });
    }
  }
  let edgeCount = 0;
  for (let i = 0; i < count; i++) {
    const task = reader.task(i);
    for (let j = 0, n = inputCount(task); j < n; j++) {
      const ref = inputAt(task, j);
      if (ref?.kind === 'JobOutputAsset' && producerOf.has(ref.index)) edgeCount++;
    }
  }
  const from = new Int32Array(edgeCount);
  const to = new Int32Array(edgeCount);
  const asset = new Int32Array(edgeCount);
  const inputEntry = new Int32Array(edgeCount);
  const unproduced: Dependencies['unproduced'] = [];
  let e = 0;
  for (let i = 0; i < count; i++) {
    const task = reader.task(i);
    for (let j = 0, n = inputCount(task); j < n; j++) {
      const ref = inputAt(task, j);
      if (!ref || ref.kind !== 'JobOutputAsset') continue;
      const producer = producerOf.get(ref.index);
      if (producer === undefined) {
        unproduced.push({ asset: ref.index, task: task.index, inputEntry: j });
        continue;
      }
      from[e] = producer;
      to[e] = task.index;
      asset[e] = ref.index;
      inputEntry[e] = j;
      e++;
    }
  }
  return { taskCount: count, from, to, asset, inputEntry, producerOf, duplicates, unproduced };
}

/**
 * As {@link resolve}, for a job whose every task has its references packed (see packedRefsOf): the
 * same edges in the same order, read as integers. A job of plain TaskBodies, nearly every job.
 */
function resolvePacked(taskCount: number, data: Int32Array, at: Int32Array): Dependencies {
  let outputs = 0;
  let highest = -1;
  for (let t = 0; t < taskCount; t++) {
    const a = at[t]!;
    const first = a + 2 + data[a]!;
    for (let k = first, end = first + data[a + 1]!; k < end; k++) {
      outputs++;
      if (data[k]! > highest) highest = data[k]!;
    }
  }
  const producerOf = new ProducerIndex(highest, outputs);
  const duplicates: Dependencies['duplicates'] = [];
  for (let t = 0; t < taskCount; t++) {
    const a = at[t]!;
    const first = a + 2 + data[a]!;
    for (let k = first, end = first + data[a + 1]!; k < end; k++) {
      const index = data[k]!;
      const earlier = producerOf.get(index);
      if (earlier === undefined) producerOf.set(index, t);
      else duplicates.push({ asset: index, first: earlier, task: t, outputEntry: k - first });
    }
  }
  let edgeCount = 0;
  for (let t = 0; t < taskCount; t++) {
    const a = at[t]!;
    for (let k = a + 2, end = a + 2 + data[a]!; k < end; k++) {
      const v = data[k]!;
      if ((v & 1) === 1 && producerOf.has(v >>> 1)) edgeCount++;
    }
  }
  const from = new Int32Array(edgeCount);
  const to = new Int32Array(edgeCount);
  const asset = new Int32Array(edgeCount);
  const inputEntry = new Int32Array(edgeCount);
  const unproduced: Dependencies['unproduced'] = [];
  let e = 0;
  for (let t = 0; t < taskCount; t++) {
    const a = at[t]!;
    for (let j = 0, n = data[a]!; j < n; j++) {
      const v = data[a + 2 + j]!;
      if ((v & 1) === 0) continue;
      const index = v >>> 1;
      const producer = producerOf.get(index);
      if (producer === undefined) {
        unproduced.push({ asset: index, task: t, inputEntry: j });
        continue;
      }
      from[e] = producer;
      to[e] = t;
      asset[e] = index;
      inputEntry[e] = j;
      e++;
    }
  }
  return { taskCount, from, to, asset, inputEntry, producerOf, duplicates, unproduced };
}

/**
 * Output index → the task that first outputs it. Outputs are numbered 0, 1, 2… in practice, so
 * the index is a dense Int32Array (-1: no producer) when the highest index is within a small
 * multiple of the number of outputs; a job with far-apart indices (JobOutputAsset(9007199254740991))
 * gets a Map. A Map of a million numbers costs about 40 bytes and 60 ns an entry; the array 4 bytes
 * and a load.
 */
export class ProducerIndex {
  readonly #dense: Int32Array | undefined;
  readonly #sparse: Map<number, number> | undefined;
  #size = 0;

  /** @param highest the highest index that will be set (-1: none); @param count how many will be set. */
  constructor(highest = -1, count = 0) {
    if (highest < 2 * count + 1024) this.#dense = new Int32Array(highest + 1).fill(-1);
    else this.#sparse = new Map();
  }

  /** How many indices have a producer. */
  get size(): number {
    return this.#size;
  }

  get(index: number): number | undefined {
    if (this.#dense !== undefined) {
      const t = this.#dense[index];
      return t === undefined || t < 0 ? undefined : t;
    }
    return this.#sparse!.get(index);
  }

  has(index: number): boolean {
    return this.get(index) !== undefined;
  }

  /** Sets the producer of `index` (an index within the constructor's `highest`). */
  set(index: number, task: number): void {
    if (this.#dense !== undefined) {
      if (this.#dense[index]! < 0) this.#size++;
      this.#dense[index] = task;
      return;
    }
    const size = this.#sparse!.size;
    this.#sparse!.set(index, task);
    if (this.#sparse!.size !== size) this.#size++;
  }

  /**
   * The gaps among the indices with a producer, from `from` on, as flat pairs [first missing,
   * next index with a producer, …], ascending. Valid jobs have none: a dense index is read in place
   * (a sorted copy was 8 bytes a task of fresh memory, and its iteration boxed every index).
   */
  gaps(from: number): number[] {
    const out: number[] = [];
    let expected = from;
    const d = this.#dense;
    if (d !== undefined) {
      for (let k = Math.max(from, 0); k < d.length; k++) {
        if (d[k]! < 0) continue;
        if (k > expected) out.push(expected, k);
        expected = k + 1;
      }
      return out;
    }
    const indices = this.sortedIndices();
    for (let x = 0; x < indices.length; x++) {
      const k = indices[x]!;
      if (k < from) continue;
      if (k > expected) out.push(expected, k);
      expected = k + 1;
    }
    return out;
  }

  /** The indices with a producer, ascending. */
  sortedIndices(): Float64Array {
    const out = new Float64Array(this.#size);
    if (this.#dense !== undefined) {
      const d = this.#dense;
      let k = 0;
      for (let i = 0; i < d.length; i++) if (d[i]! >= 0) out[k++] = i;
      return out;
    }
    let k = 0;
    for (const i of this.#sparse!.keys()) out[k++] = i;
    return out.sort();
  }
}
