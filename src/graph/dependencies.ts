import type { Job, Task } from '../job/model.js';
import { ArgumentTypeError, describeValue } from '../errors.js';
import { inputAtOf, inputCountOf, isCleanTask, isLoadedJob, outputCountOf, outputIndexAtOf, packedRefsOf, readTasks, taskCountOf } from '../job/load.js';
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

/**
 * @param job a loaded job: validateJob(def).job or loadJob(def).job, not the definition.
 * @throws ArgumentTypeError (`ERR_INVALID_ARG_TYPE`) when `job` is not a loaded job.
 */
export function resolveDependencies(job: Job): Dependencies {
  if (!isLoadedJob(job)) throw new ArgumentTypeError(`resolveDependencies: expected \`job\` to be a loaded job (pass validateJob(def).job), got ${describeValue(job)}`);
  return resolveLoaded(job, undefined);
}

/**
 * @internal {@link resolveDependencies} for the loader's callers, which have a loaded job and may
 * have found its packed references already (see packedRefsOf): not read twice.
 */
export function resolveLoaded(job: Job, packed: ReturnType<typeof packedRefsOf>): Dependencies {
  if (packed === undefined) packed = packedRefsOf(job);
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
  #dense: Int32Array | undefined;
  #sparse: Map<number, number> | undefined;
  #size = 0;

  /** @param highest the highest index that will be set (-1: none); @param count how many will be set. */
  constructor(highest = -1, count = 0) {
    if (highest < 2 * count + 1024) this.#dense = new Int32Array(highest + 1).fill(-1);
    else this.#sparse = new Map();
  }

  /**
   * A new index holding this one's producers and, besides, `tasks[i]` for index `indices[i]` (the
   * outputs of tasks added to a job). Its dense storage is this one's, lengthened in place, when
   * this is the newest index over it and every new index lies past this one's end, so that what this
   * one reads does not change; else a copy with room to grow (see {@link extendInt32}). Tasks added
   * one at a time so cost their own outputs, not the job's.
   */
  grown(indices: ArrayLike<number>, tasks: ArrayLike<number>): ProducerIndex {
    const out = new ProducerIndex(-1, 0);
    const d = this.#dense;
    let highest = d !== undefined ? d.length - 1 : -1;
    let past = true;
    for (let i = 0; i < indices.length; i++) {
      if (indices[i]! > highest) highest = indices[i]!;
      if (d !== undefined && indices[i]! < d.length) past = false;
    }
    if (d !== undefined && highest < 2 * (this.#size + indices.length) + 1024) {
      out.#dense = past ? extendInt32(d, highest + 1 - d.length, -1) : extendInt32(d.slice(), highest + 1 - d.length, -1);
    } else {
      out.#dense = undefined;
      out.#sparse = new Map(this.#sparse);
      if (d !== undefined) for (let k = 0; k < d.length; k++) if (d[k]! >= 0) out.#sparse.set(k, d[k]!);
    }
    out.#size = this.#size;
    for (let i = 0; i < indices.length; i++) out.set(indices[i]!, tasks[i]!);
    return out;
  }

  /** The highest index with a producer; -1 for none. */
  get highest(): number {
    const d = this.#dense;
    if (d !== undefined) {
      // A dense index is as long as its highest index allows: the last entry is set but for gaps.
      for (let k = d.length - 1; k >= 0; k--) if (d[k]! >= 0) return k;
      return -1;
    }
    let top = -1;
    for (const k of this.#sparse!.keys()) if (k > top) top = k;
    return top;
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

/**
 * Where the newest view over each storage buffer made by {@link extendInt32} ends (in elements):
 * a view that ends there may be lengthened in place, for nothing past it was ever shown.
 */
const newestEnd = new WeakMap<ArrayBufferLike, number>();

/**
 * `view` lengthened by `more` elements, `fill` in the new ones: a new view over the same buffer
 * when `view` is the newest one over it and the buffer has room, else over a new buffer of twice
 * the length. The old view keeps its length and contents, so a holder of it sees no change; a job
 * grown by one task at a time copies its arrays O(log n) times, not n.
 */
export function extendInt32(view: Int32Array, more: number, fill = 0): Int32Array {
  const start = view.byteOffset >> 2;
  const end = start + view.length;
  const buffer = view.buffer;
  if (newestEnd.get(buffer) === end && end + more <= buffer.byteLength >> 2) {
    const out = new Int32Array(buffer, view.byteOffset, view.length + more);
    if (fill !== 0) out.fill(fill, view.length);
    newestEnd.set(buffer, end + more);
    return out;
  }
  const length = view.length + more;
  const room = new Int32Array(Math.max(length, 2 * view.length, 16));
  room.set(view);
  if (fill !== 0) room.fill(fill, view.length);
  newestEnd.set(room.buffer, length);
  return room.subarray(0, length);
}

/**
 * The dependencies of `deps`' job once `local.taskCount` tasks were added after its `deps.taskCount`
 * (`Scheduler.addTasks`), from what validateAddition found: `local`, the edges among the new tasks
 * (local indices), and `external`, those from the job's tasks into them. The same edges, in the
 * same order, and the same producers as resolving the grown job again, at the cost of the addition
 * (resolving again cost the whole job a call: 16,000 one-task additions took 23.5 s). Undefined when
 * either side lists a duplicate or an unproduced reference, which an accepted job has not: the
 * caller resolves the grown job then.
 */
export function grownDependencies(deps: Dependencies, local: Dependencies, external: { from: Int32Array; to: Int32Array; asset: Int32Array; inputEntry: Int32Array }): Dependencies | undefined {
  if (deps.duplicates.length > 0 || deps.unproduced.length > 0 || local.duplicates.length > 0 || local.unproduced.length > 0) return undefined;
  const n0 = deps.taskCount;
  const old = deps.from.length;
  const added = local.from.length + external.from.length;
  const from = extendInt32(deps.from, added);
  const to = extendInt32(deps.to, added);
  const asset = extendInt32(deps.asset, added);
  const inputEntry = extendInt32(deps.inputEntry, added);
  // Both lists run by new task, then input entry, as resolving the grown job reads them: merged.
  let l = 0;
  let x = 0;
  for (let e = old; e < old + added; e++) {
    const takeLocal = x === external.from.length || (l < local.from.length && (local.to[l]! < external.to[x]! || (local.to[l] === external.to[x] && local.inputEntry[l]! < external.inputEntry[x]!)));
    if (takeLocal) {
      from[e] = n0 + local.from[l]!;
      to[e] = n0 + local.to[l]!;
      asset[e] = local.asset[l]!;
      inputEntry[e] = local.inputEntry[l]!;
      l++;
    } else {
      from[e] = external.from[x]!;
      to[e] = n0 + external.to[x]!;
      asset[e] = external.asset[x]!;
      inputEntry[e] = external.inputEntry[x]!;
      x++;
    }
  }
  const indices = local.producerOf.sortedIndices();
  const tasks = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) tasks[i] = n0 + local.producerOf.get(indices[i]!)!;
  return { taskCount: n0 + local.taskCount, from, to, asset, inputEntry, producerOf: deps.producerOf.grown(indices, tasks), duplicates: [], unproduced: [] };
}
