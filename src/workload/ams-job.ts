import type { JobDefinition, TaskDefinition } from '../job/model.js';

/** A graph in edge-list form, as the workload shapes and `topologicalOrder` take it. */
export interface EdgeListGraph {
  nodeCount: number;
  from: ArrayLike<number>;
  to: ArrayLike<number>;
  priority?: ArrayLike<number>;
}

export const MEDIA_ENCODER_STANDARD = 'nb:mpid:UUID:ff4df607-d419-42f0-bc17-a481b1331e56';

export interface JobFromGraphOptions {
  name?: string;
  /** Job priority. */
  priority?: number;
  /** MediaProcessorId of task i. @defaultValue Media Encoder Standard for all */
  processorOf?: (task: number) => string;
  /** Name of task i. @defaultValue `Task <i>` */
  nameOf?: (task: number) => string;
  /** Configuration of task i. @defaultValue none */
  configurationOf?: (task: number) => string | undefined;
  /** How many job input assets (roots read JobInputAsset(i mod inputs)). @defaultValue 1 */
  inputs?: number;
}

/**
 * An AMS Create-Job body for a DAG: task i outputs `JobOutputAsset(i)` and reads
 * `JobOutputAsset(p)` for each predecessor p, or a job input when it has none.
 */
export function jobFromGraph(graph: EdgeListGraph, options: JobFromGraphOptions = {}): JobDefinition {
  const n = graph.nodeCount;
  const inputsCount = Math.max(1, options.inputs ?? 1);
  const preds: number[][] = Array.from({ length: n }, () => []);
  // Distinct predecessors: edges into one task are grouped by a last-seen marker, not a search.
  const lastSeenBy = new Int32Array(n).fill(-1);
  const order = Array.from(graph.from, (_, e) => e).sort((a, b) => graph.to[a]! - graph.to[b]! || a - b);
  for (const e of order) {
    const v = graph.to[e]!;
    const p = graph.from[e]!;
    if (lastSeenBy[p] === v) continue;
    lastSeenBy[p] = v;
    preds[v]!.push(p);
  }
  const tasks: TaskDefinition[] = [];
  for (let i = 0; i < n; i++) {
    const refs = preds[i]!.length > 0 ? preds[i]!.map((p) => `JobOutputAsset(${p})`) : [`JobInputAsset(${i % inputsCount})`];
    const body = `<taskBody>${refs.map((r) => `<inputAsset>${r}</inputAsset>`).join('')}<outputAsset>JobOutputAsset(${i})</outputAsset></taskBody>`;
    const t: TaskDefinition = {
      Name: options.nameOf ? options.nameOf(i) : `Task ${i}`,
      MediaProcessorId: options.processorOf ? options.processorOf(i) : MEDIA_ENCODER_STANDARD,
      TaskBody: body,
    };
    const config = options.configurationOf?.(i);
    if (config !== undefined) t.Configuration = config;
    if (graph.priority) t.Priority = graph.priority[i]!;
    tasks.push(t);
  }
  const inputs = Array.from({ length: inputsCount }, (_, k) => ({
    __metadata: { uri: `https://media.windows.net/api/Assets('nb%3Acid%3AUUID%3A00000000-0000-4000-8000-${k.toString(16).padStart(12, '0')}')` },
  }));
  const def: JobDefinition = { Name: options.name ?? 'Generated job', InputMediaAssets: inputs, Tasks: tasks };
  if (options.priority !== undefined) def.Priority = options.priority;
  return def;
}
