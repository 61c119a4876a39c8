/**
 * A job's dependency graph prepared for drawing ({@link exportDot}, {@link exportMermaid}) or for
 * other tools ({@link exportJson}). Works on any `validateJob()` result, an invalid job included: it
 * reads `result.job` and `result.dependencies` (never the graphology graph, never generations), so
 * a job with a cycle, a missing producer or a duplicate output is drawn as it stands, problems
 * marked.
 *
 * What is drawn, in this order (the same input gives the same bytes):
 * - job inputs `JobInputAsset(n)` as source nodes, by n: every declared input, and any index a task
 *   reads beyond them (marked as a problem);
 * - tasks, by index, labelled `#i name`, the processor's short name and the priority;
 * - outputs no task reads as sink nodes, by asset index (optional, on by default);
 * - problem nodes: a `JobOutputAsset(k)` read but never produced, and a second producer's duplicate
 *   output;
 * - edges by consumer task, then in TaskBody order; producer → consumer edges labelled with the
 *   asset. Edges and tasks on a cycle are red.
 */

import { buildCsr } from '../core/csr.js';
import { stronglyConnectedComponents } from '../core/cycles.js';
import { isValidationResult, type ValidationResult } from '../validate/validate.js';
import { ArgumentTypeError, checkObject, describeValue } from '../errors.js';
import { ProducerIndex } from '../graph/dependencies.js';

/** Options of {@link exportDot} and {@link exportMermaid}. */
export interface GraphExportOptions {
  /**
   * Draw the job inputs as source nodes feeding the tasks that read them.
   * @defaultValue true
   */
  inputs?: boolean;
  /**
   * Draw outputs that no task reads as sink nodes.
   * @defaultValue true
   */
  sinks?: boolean;
  /**
   * Layout direction: `LR` left to right, `TB` top to bottom.
   * @defaultValue 'LR'
   */
  direction?: 'LR' | 'TB';
  /**
   * Label task → task edges with the asset they carry. Off for big graphs, where the labels
   * take most of the text and of the layout's time; {@link exportJson} keeps the data either way.
   * @defaultValue true
   */
  edgeLabels?: boolean;
}

/** Short names of the MediaProcessorIds we know (reference §7, and the demo processors). */
export const KNOWN_MEDIA_PROCESSORS: Readonly<Record<string, string>> = {
  'nb:mpid:UUID:ff4df607-d419-42f0-bc17-a481b1331e56': 'Media Encoder Standard',
  'nb:mpid:UUID:70bdc2c3-ebf4-42a9-8542-5afc1e55d217': 'Azure Media Encoder',
  'nb:mpid:UUID:a2f9afe9-7146-4882-a5f7-da4a85e06a93': 'Demo Packager',
  'nb:mpid:UUID:5f3c1d8e-2b7a-4c6e-9f10-3a4b5c6d7e8f': 'Demo Thumbnailer',
};

const KNOWN_LOWER = new Map(Object.entries(KNOWN_MEDIA_PROCESSORS).map(([id, name]) => [id.toLowerCase(), name]));

/**
 * The short name of a MediaProcessorId: the processor's name when we know it, else the id's last
 * 8 hex digits (`"d199e207fcd5"` → `"e207fcd5"`), else the id itself, shortened.
 *
 * @param id - A MediaProcessorId, `nb:mpid:UUID:<guid>`.
 * @returns A label for drawings.
 * @example
 * ```ts
 * processorName('nb:mpid:UUID:ff4df607-d419-42f0-bc17-a481b1331e56'); // 'Media Encoder Standard'
 * processorName('nb:mpid:UUID:2f381738-c504-4e4a-a38e-d199e207fcd5'); // 'e207fcd5'
 * ```
 */
export function processorName(id: string): string {
  if (typeof id !== 'string') throw new ArgumentTypeError(`processorName: expected \`id\` to be a MediaProcessorId string, got ${describeValue(id)}`);
  const known = KNOWN_LOWER.get(id.trim().toLowerCase());
  if (known !== undefined) return known;
  const hex = /([0-9a-fA-F]{8})\s*$/.exec(id);
  if (hex) return hex[1]!.toLowerCase();
  if (id === '') return '(no processor)';
  if (id.length <= 24) return id;
  // Not between the two halves of a surrogate pair, which would draw as U+FFFD.
  const cut = /[\ud800-\udbff]/.test(id[22]!) ? 22 : 23;
  return `${id.slice(0, cut)}…`;
}

/** A task as drawn. */
export interface ExportTask {
  index: number;
  id: string;
  name: string;
  mediaProcessorId: string;
  /** {@link processorName} of the MediaProcessorId. */
  processor: string;
  priority: number;
  /** Valid references it reads, in TaskBody order: `JobInputAsset(n)` / `JobOutputAsset(k)`. */
  inputs: string[];
  /** `JobOutputAsset(k)` it writes, in TaskBody order. */
  outputs: string[];
  /** On a dependency cycle (a strongly connected component of two or more tasks, or a self-loop). */
  onCycle: boolean;
}

/** An edge as drawn: what feeds task `to`. */
export type ExportEdge =
  /** Job input `n` read by task `to`. */
  | { kind: 'input'; input: number; to: number }
  /** Task `from` outputs `JobOutputAsset(asset)`, which task `to` reads. */
  | { kind: 'task'; from: number; to: number; asset: number; onCycle: boolean }
  /** Task `to` reads `JobOutputAsset(asset)`, which no task produces. */
  | { kind: 'unproduced'; asset: number; to: number }
  /** Task `from` writes `JobOutputAsset(asset)` and no task reads it. */
  | { kind: 'sink'; from: number; asset: number }
  /** Task `from` writes `JobOutputAsset(asset)` already produced by another task (or by itself). */
  | { kind: 'duplicate'; from: number; asset: number };

/** The drawable model of one validation result. */
export interface ExportModel {
  /** `null` when the definition could not be loaded at all (not JSON, not an object). */
  job: { Id: string; Name: string; Priority: number } | null;
  valid: boolean;
  /** Error and warning counts, for titles. */
  errors: number;
  warnings: number;
  tasks: ExportTask[];
  /** Source nodes: job input indices, ascending; `missing` when the job declares no such input. */
  inputs: Array<{ index: number; missing: boolean }>;
  /** Sink nodes: outputs nobody reads, by asset index, with the `assetName` given in the TaskBody. */
  sinks: Array<{ asset: number; task: number; assetName?: string }>;
  /** Outputs read but never produced, by asset index. */
  unproduced: number[];
  /** Second producers of an output: `{ task, asset }`, by task then asset. */
  duplicates: Array<{ task: number; asset: number }>;
  /** Every edge, in drawing order (see the module comment). */
  edges: ExportEdge[];
  /** The cycles validateJob reported (task indices in cycle order). */
  cycles: number[][];
}

/**
 * @internal The arguments of exportDot, exportMermaid and exportJson: a result of validateJob() (not
 * the definition it was given, nor a copy of one), and an options object.
 */
export function checkExportArgs(call: string, result: unknown, options: unknown): void {
  if (!isValidationResult(result)) throw new ArgumentTypeError(`${call}: expected \`result\` to be what validateJob() returned, got ${describeValue(result)}; pass the job definition to validateJob() first`);
  checkObject(call, '`options`', options);
}

/**
 * Builds the drawable model of a `validateJob()` result.
 *
 * @param result - What `validateJob()` returned, valid or not.
 * @param options - `inputs` and `sinks` (both default true) decide which extra nodes exist.
 * @returns The model; a job that could not be loaded gives an empty one with `job: null`.
 * @example
 * ```ts
 * const model = exportModel(validateJob(text));
 * model.edges.filter((e) => e.kind === 'task' && e.onCycle);
 * ```
 */
export function exportModel(result: ValidationResult, options: GraphExportOptions = {}): ExportModel {
  const showInputs = options.inputs ?? true;
  const showSinks = options.sinks ?? true;
  // Problems past maxDiagnostics count too (TOO_MANY_DIAGNOSTICS is no problem itself), as in `jobgraph validate`.
  let errors = 0;
  let warnings = 0;
  for (const d of result.diagnostics) {
    if (d.code === 'TOO_MANY_DIAGNOSTICS') {
      errors += d.omitted?.errors ?? 0;
      warnings += (d.omitted?.problems ?? 0) - (d.omitted?.errors ?? 0);
    } else if (d.severity === 'error') errors++;
    else warnings++;
  }
  const model: ExportModel = {
    job: null,
    valid: result.valid,
    errors,
    warnings,
    tasks: [],
    inputs: [],
    sinks: [],
    unproduced: [],
    duplicates: [],
    edges: [],
    cycles: result.diagnostics.filter((d) => d.code === 'CYCLE' && d.cycle !== undefined).map((d) => [...d.cycle!]),
  };
  const job = result.job;
  if (!job) return model;
  model.job = { Id: job.Id, Name: job.Name, Priority: job.Priority };
  const deps = result.dependencies;
  const n = job.Tasks.length;
  const producerOf = deps?.producerOf ?? new ProducerIndex();

  // Cycle membership from strongly connected components: an edge is on a cycle exactly when both
  // ends share a component, which also catches parallel edges and self-loops that the one reported
  // cycle per component leaves out.
  let component: Int32Array | undefined;
  const cyclic = new Uint8Array(n);
  if (deps && deps.from.length > 0 && deps.taskCount === n) {
    component = stronglyConnectedComponents(buildCsr({ nodeCount: n, from: deps.from, to: deps.to }, 'exportModel'));
    const size = new Int32Array(n);
    for (let v = 0; v < n; v++) size[component[v]!]!++;
    for (let v = 0; v < n; v++) if (size[component[v]!]! > 1) cyclic[v] = 1;
    for (let e = 0; e < deps.from.length; e++) if (deps.from[e] === deps.to[e]) cyclic[deps.from[e]!] = 1;
  }

  for (const t of job.Tasks) {
    model.tasks.push({
      index: t.index,
      id: t.Id,
      name: t.Name,
      mediaProcessorId: t.MediaProcessorId,
      processor: processorName(t.MediaProcessorId),
      priority: t.Priority,
      inputs: t.inputEntries.filter((e) => e.ref !== null).map((e) => `${e.ref!.kind}(${e.ref!.index})`),
      outputs: t.outputEntries.filter((e) => e.ref?.kind === 'JobOutputAsset').map((e) => `JobOutputAsset(${e.ref!.index})`),
      onCycle: cyclic[t.index] === 1,
    });
  }

  const inputCount = job.InputMediaAssets.length;
  const inputSeen = new Set<number>();
  if (showInputs) for (let i = 0; i < inputCount; i++) inputSeen.add(i);
  const unproduced = new Set<number>();
  const read = new Set<number>();
  for (const t of job.Tasks) {
    for (const entry of t.inputEntries) {
      const ref = entry.ref;
      if (!ref) continue;
      if (ref.kind === 'JobInputAsset') {
        if (!showInputs) continue;
        inputSeen.add(ref.index);
        model.edges.push({ kind: 'input', input: ref.index, to: t.index });
        continue;
      }
      const producer = producerOf.get(ref.index);
      if (producer === undefined) {
        unproduced.add(ref.index);
        model.edges.push({ kind: 'unproduced', asset: ref.index, to: t.index });
      } else {
        read.add(ref.index);
        const onCycle = component !== undefined && (producer === t.index || component[producer] === component[t.index]);
        model.edges.push({ kind: 'task', from: producer, to: t.index, asset: ref.index, onCycle });
      }
    }
  }
  model.inputs = [...inputSeen].sort((a, b) => a - b).map((index) => ({ index, missing: index >= inputCount }));
  model.unproduced = [...unproduced].sort((a, b) => a - b);

  const sunk = new Set<number>();
  for (const t of job.Tasks) {
    const own = new Set<number>();
    // One duplicate node per task and asset, however often the task writes it again.
    const flagged = new Set<number>();
    for (const entry of t.outputEntries) {
      const ref = entry.ref;
      if (ref?.kind !== 'JobOutputAsset') continue;
      if (producerOf.get(ref.index) !== t.index || own.has(ref.index)) {
        if (!flagged.has(ref.index)) model.duplicates.push({ task: t.index, asset: ref.index });
        flagged.add(ref.index);
      } else if (showSinks && !read.has(ref.index) && !sunk.has(ref.index)) {
        sunk.add(ref.index);
        model.sinks.push(entry.assetName !== undefined ? { asset: ref.index, task: t.index, assetName: entry.assetName } : { asset: ref.index, task: t.index });
      }
      own.add(ref.index);
    }
  }
  model.sinks.sort((a, b) => a.asset - b.asset);
  model.duplicates.sort((a, b) => a.task - b.task || a.asset - b.asset);
  for (const s of model.sinks) model.edges.push({ kind: 'sink', from: s.task, asset: s.asset });
  for (const d of model.duplicates) model.edges.push({ kind: 'duplicate', from: d.task, asset: d.asset });
  return model;
}

/** The JSON form of {@link exportJson}. */
export interface GraphExportJson {
  job: { Id: string; Name: string; Priority: number } | null;
  tasks: Array<{
    index: number;
    id: string;
    name: string;
    mediaProcessorId: string;
    processor: string;
    priority: number;
    inputs: string[];
    outputs: string[];
  }>;
  /** Producer → consumer dependencies, by consumer then TaskBody order (as `result.dependencies`). */
  edges: Array<{ from: number; to: number; asset: string }>;
  /** The reported cycles, task indices in cycle order. */
  cycles: number[][];
  valid: boolean;
}

/**
 * The job's graph as plain data: `{ job, tasks, edges, cycles, valid }`. Works for invalid jobs
 * (edges are what could be resolved; `cycles` lists the reported cycles).
 *
 * @param result - What `validateJob()` returned.
 * @returns A JSON-ready object; `JSON.stringify(exportJson(r), null, 2)` is the CLI's output.
 * @example
 * ```ts
 * const { edges, cycles } = exportJson(validateJob(text));
 * ```
 */
export function exportJson(result: ValidationResult): GraphExportJson {
  checkExportArgs('exportJson', result, {});
  const model = exportModel(result, { inputs: false, sinks: false });
  return {
    job: model.job,
    tasks: model.tasks.map(({ index, id, name, mediaProcessorId, processor, priority, inputs, outputs }) => ({ index, id, name, mediaProcessorId, processor, priority, inputs, outputs })),
    edges: model.edges.flatMap((e) => (e.kind === 'task' ? [{ from: e.from, to: e.to, asset: `JobOutputAsset(${e.asset})` }] : [])),
    cycles: model.cycles,
    valid: model.valid,
  };
}

/** `#3 "Encode"`-style task caption used by both drawings: `#i name`, or `#i` when unnamed. */
export function taskCaption(task: ExportTask): string {
  return task.name === '' ? `#${task.index}` : `#${task.index} ${task.name}`;
}

/** The title of a drawing: the job's name (or Id), its priority, and what is wrong with it. */
export function graphTitle(model: ExportModel): string {
  if (!model.job) return `invalid job definition (${plural(model.errors, 'error')})`;
  const name = model.job.Name !== '' ? model.job.Name : model.job.Id;
  const head = `${name} (job priority ${model.job.Priority})`;
  if (model.valid) return head;
  const cycles = model.cycles.length > 0 ? `, ${plural(model.cycles.length, 'cycle')}` : '';
  return `${head}\ninvalid: ${plural(model.errors, 'error')}${cycles}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
