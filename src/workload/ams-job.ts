import { ArgumentRangeError, ArgumentTypeError, checkObject, describeValue } from '../errors.js';
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
 *
 * @throws ArgumentTypeError (`ERR_INVALID_ARG_TYPE`) for a `graph`, `from`, `to` or `options` of the
 *   wrong type; ArgumentRangeError (`ERR_OUT_OF_RANGE`) for a bad `nodeCount`, an edge endpoint that
 *   names no task, a priority that is not an integer or `inputs` < 1; (`ERR_INVALID_ARG_VALUE`) for
 *   `from` and `to` of different lengths.
 */
export function jobFromGraph(graph: EdgeListGraph, options: JobFromGraphOptions = {}): JobDefinition {
  checkGraph(graph);
  checkObject(CALL, '`options`', options);
  for (const key of ['processorOf', 'nameOf', 'configurationOf'] as const) {
    const f: unknown = options[key];
    if (f !== undefined && typeof f !== 'function') throw new ArgumentTypeError(`${CALL}: expected \`${key}\` to be a function, got ${describeValue(f)}`);
  }
  if (options.priority !== undefined) checkInteger(options.priority, 'priority');
  const inputsGiven: unknown = options.inputs;
  if (inputsGiven !== undefined && !(Number.isInteger(inputsGiven) && (inputsGiven as number) >= 1)) {
    throw new ArgumentRangeError(`${CALL}: expected \`inputs\` to be an integer >= 1, got ${describeValue(inputsGiven)}`);
  }
  const n = graph.nodeCount;
  const inputsCount = options.inputs ?? 1;
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
    if (graph.priority) t.Priority = checkInteger(graph.priority[i], `priority[${i}]`);
    tasks.push(t);
  }
  const inputs = Array.from({ length: inputsCount }, (_, k) => ({
    __metadata: { uri: `https://media.windows.net/api/Assets('nb%3Acid%3AUUID%3A00000000-0000-4000-8000-${k.toString(16).padStart(12, '0')}')` },
  }));
  const def: JobDefinition = { Name: options.name ?? 'Generated job', InputMediaAssets: inputs, Tasks: tasks };
  if (options.priority !== undefined) def.Priority = options.priority;
  return def;
}

const CALL = 'jobFromGraph';

function isArrayLike(v: unknown): v is ArrayLike<unknown> {
  return Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));
}

/** `graph` is `{ nodeCount, from, to, priority? }` with every edge endpoint a task index. */
function checkGraph(graph: EdgeListGraph): void {
  if (typeof graph !== 'object' || graph === null) {
    throw new ArgumentTypeError(`${CALL}: expected \`graph\` to be an edge-list graph ({ nodeCount, from, to }), got ${describeValue(graph)}`);
  }
  const n: unknown = graph.nodeCount;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 0x7fffffff) {
    throw new ArgumentRangeError(`${CALL}: expected \`nodeCount\` to be an integer in [0, 2147483647], got ${describeValue(n)}`);
  }
  for (const key of ['from', 'to'] as const) {
    if (!isArrayLike(graph[key])) throw new ArgumentTypeError(`${CALL}: expected \`${key}\` to be an array of task indices, got ${describeValue(graph[key])}`);
  }
  const { from, to } = graph;
  if (from.length !== to.length) {
    throw new ArgumentRangeError(`${CALL}: expected \`from\` and \`to\` to have the same length, got ${from.length} and ${to.length}`, 'ERR_INVALID_ARG_VALUE');
  }
  for (let e = 0; e < from.length; e++) {
    checkEndpoint(from[e], 'from', e, n);
    checkEndpoint(to[e], 'to', e, n);
  }
  const priority: unknown = graph.priority;
  if (priority !== undefined && !isArrayLike(priority)) throw new ArgumentTypeError(`${CALL}: expected \`priority\` to be an array of integers, got ${describeValue(priority)}`);
}

function checkEndpoint(v: unknown, key: string, e: number, n: number): void {
  if (!(typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < n)) throw new ArgumentRangeError(`${CALL}: expected \`${key}[${e}]\` to be a task index in [0, ${n}), got ${describeValue(v)}`);
}

function checkInteger(v: unknown, name: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new ArgumentRangeError(`${CALL}: expected \`${name}\` to be an integer, got ${describeValue(v)}`);
  return v;
}
