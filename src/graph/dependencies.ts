import type { Job } from '../job/model.js';

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
  producerOf: Map<number, number>;
  /** Outputs that a task produces after another task (or the same task) already did. */
  duplicates: Array<{ asset: number; first: number; task: number; outputEntry: number }>;
  /** Inputs `JobOutputAsset(k)` that no task outputs. */
  unproduced: Array<{ asset: number; task: number; inputEntry: number }>;
}

export function resolveDependencies(job: Job): Dependencies {
  const tasks = job.Tasks;
  const producerOf = new Map<number, number>();
  const duplicates: Dependencies['duplicates'] = [];
  for (const task of tasks) {
    const entries = task.outputEntries;
    for (let j = 0; j < entries.length; j++) {
      const ref = entries[j]!.ref;
      if (!ref || ref.kind !== 'JobOutputAsset') continue;
      const first = producerOf.get(ref.index);
      if (first === undefined) producerOf.set(ref.index, task.index);
      else duplicates.push({ asset: ref.index, first, task: task.index, outputEntry: j });
    }
  }
  let edgeCount = 0;
  for (const task of tasks) for (const e of task.inputEntries) if (e.ref?.kind === 'JobOutputAsset' && producerOf.has(e.ref.index)) edgeCount++;
  const from = new Int32Array(edgeCount);
  const to = new Int32Array(edgeCount);
  const asset = new Int32Array(edgeCount);
  const inputEntry = new Int32Array(edgeCount);
  const unproduced: Dependencies['unproduced'] = [];
  let e = 0;
  for (const task of tasks) {
    const entries = task.inputEntries;
    for (let j = 0; j < entries.length; j++) {
      const ref = entries[j]!.ref;
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
  return { taskCount: tasks.length, from, to, asset, inputEntry, producerOf, duplicates, unproduced };
}

/**
 * As {@link resolveDependencies}, from each task's valid references (`inputs`, `outputs`) rather
 * than its parser entries: for an accepted job (every entry valid) the two are the same, with
 * `inputEntry` the position among the task's inputs. A job read back from a store has no parser
 * entries worth building.
 */
export function resolveDependenciesOfRefs(job: Job): Dependencies {
  const tasks = job.Tasks;
  const producerOf = new Map<number, number>();
  const duplicates: Dependencies['duplicates'] = [];
  let edgeCount = 0;
  for (const task of tasks) {
    const outputs = task.outputs;
    for (let j = 0; j < outputs.length; j++) {
      const first = producerOf.get(outputs[j]!.index);
      if (first === undefined) producerOf.set(outputs[j]!.index, task.index);
      else duplicates.push({ asset: outputs[j]!.index, first, task: task.index, outputEntry: j });
    }
  }
  for (const task of tasks) for (const r of task.inputs) if (r.kind === 'JobOutputAsset' && producerOf.has(r.index)) edgeCount++;
  const from = new Int32Array(edgeCount);
  const to = new Int32Array(edgeCount);
  const asset = new Int32Array(edgeCount);
  const inputEntry = new Int32Array(edgeCount);
  const unproduced: Dependencies['unproduced'] = [];
  let e = 0;
  for (const task of tasks) {
    const inputs = task.inputs;
    for (let j = 0; j < inputs.length; j++) {
      const r = inputs[j]!;
      if (r.kind !== 'JobOutputAsset') continue;
      const producer = producerOf.get(r.index);
      if (producer === undefined) {
        unproduced.push({ asset: r.index, task: task.index, inputEntry: j });
        continue;
      }
      from[e] = producer;
      to[e] = task.index;
      asset[e] = r.index;
      inputEntry[e] = j;
      e++;
    }
  }
  return { taskCount: tasks.length, from, to, asset, inputEntry, producerOf, duplicates, unproduced };
}
