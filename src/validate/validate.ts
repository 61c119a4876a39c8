import { findCycles } from '../core/cycles.js';
import { JobGraph } from '../graph/job-graph.js';
import { resolveDependencies, type Dependencies } from '../graph/dependencies.js';
import { loadJob, type LoadOptions } from '../job/load.js';
import { parseJsonText } from '../job/json-text.js';
import type { Job, Task } from '../job/model.js';
import { parseTaskBody } from '../taskbody/parse.js';
import { makeDiagnostic, type CycleEdge, type Diagnostic, type DiagnosticExtras } from './diagnostic.js';
import { ArgumentRangeError, describeValue } from '../errors.js';

/** `ams` enforces the service's quotas; `relaxed` lifts them for graphs of any size. */
export type Profile = 'ams' | 'relaxed';

/** The service's quotas (reference §10), enforced by the `ams` profile. */
export const AMS_QUOTAS = { tasksPerJob: 30, assetsPerTask: 50, assetsPerJob: 100 } as const;

export interface ValidateOptions extends LoadOptions {
  /** @defaultValue `'ams'` */
  profile?: Profile;
}

export interface ValidationResult {
  /** True when no diagnostic is an error (warnings allowed). */
  valid: boolean;
  /** Every problem found, job-level first, then by task, line and column. */
  diagnostics: Diagnostic[];
  /** The loaded job (present unless the definition could not be read as an object). */
  job: Job | undefined;
  /** The job's dependency graph on graphology, built on first access. */
  readonly graph: JobGraph | undefined;
  /** The dependency edges as typed arrays (what the scheduler compiles). */
  dependencies: Dependencies | undefined;
}

/**
 * Checks an AMS Create-Job body and reports every problem in one pass.
 *
 * @param definition JSON text, or the parsed object.
 * @returns `{ valid, diagnostics, job, graph, dependencies }`; never throws for bad input.
 * @example
 * const { valid, diagnostics } = validateJob(fs.readFileSync('job.json', 'utf8'));
 */
export function validateJob(definition: unknown, options: ValidateOptions = {}): ValidationResult {
  const profile = options.profile ?? 'ams';
  if (profile !== 'ams' && profile !== 'relaxed') {
    throw new ArgumentRangeError(`validateJob: expected \`profile\` to be "ams" or "relaxed", got ${describeValue(profile)}`, 'ERR_INVALID_ARG_VALUE');
  }
  let value = definition;
  if (typeof definition === 'string') {
    const parsed = parseJsonText(definition);
    if (!parsed.ok) {
      const { message, line, column, hint } = parsed.problem;
      const d = makeDiagnostic('JSON_MALFORMED', message, hint ? { line, column, hint } : { line, column });
      return result([d], undefined, undefined);
    }
    value = parsed.value;
  }
  const loaded = loadJob(value, options);
  const diagnostics = loaded.diagnostics;
  const job = loaded.job;
  if (!job) return result(diagnostics, undefined, undefined);
  const deps = resolveDependencies(job);
  checkGraph(job, deps, diagnostics, profile);
  return result(diagnostics, job, deps);
}

/**
 * Checks one TaskBody on its own (no job around it): the XML, the grammar, and what can be told
 * without the other tasks (an output read by the same task, an output or input listed twice).
 */
export function validateTaskBody(xml: string): { valid: boolean; diagnostics: Diagnostic[] } {
  const parsed = parseTaskBody(xml);
  const diagnostics: Diagnostic[] = parsed.problems.map((p) => {
    const extras: DiagnosticExtras = { line: p.line, column: p.column };
    if (p.hint !== undefined) extras.hint = p.hint;
    return makeDiagnostic(p.code as Diagnostic['code'], p.message, extras);
  });
  const outputs = new Map<number, true>();
  for (const o of parsed.outputs) {
    if (o.ref?.kind !== 'JobOutputAsset') continue;
    if (outputs.has(o.ref.index)) {
      diagnostics.push(makeDiagnostic('OUTPUT_DUPLICATE', `JobOutputAsset(${o.ref.index}) is output twice`, { line: o.line, column: o.column }));
    }
    outputs.set(o.ref.index, true);
  }
  const seen = new Set<string>();
  for (const i of parsed.inputs) {
    if (!i.ref) continue;
    const key = `${i.ref.kind}(${i.ref.index})`;
    if (seen.has(key)) {
      diagnostics.push(makeDiagnostic('INPUT_DUPLICATE', `${key} is listed twice as an input`, { line: i.line, column: i.column }));
      continue;
    }
    seen.add(key);
    if (i.ref.kind === 'JobOutputAsset' && outputs.has(i.ref.index)) {
      diagnostics.push(
        makeDiagnostic('CYCLE', `the task reads its own output ${key}`, { line: i.line, column: i.column, cycle: [0], edges: [{ from: 0, to: 0, asset: key, line: i.line, column: i.column }] }),
      );
    }
  }
  sortDiagnostics(diagnostics);
  return { valid: !diagnostics.some((d) => d.severity === 'error'), diagnostics };
}

/** Marks results made by validateJob, so a scheduler can take one without validating again. */
const VALIDATED = new WeakSet<object>();

/** True when `value` is a result of {@link validateJob} (not a look-alike object). */
export function isValidationResult(value: unknown): value is ValidationResult {
  return typeof value === 'object' && value !== null && VALIDATED.has(value);
}

function result(diagnostics: Diagnostic[], job: Job | undefined, deps: Dependencies | undefined): ValidationResult {
  sortDiagnostics(diagnostics);
  let graph: JobGraph | undefined;
  const r: ValidationResult = {
    valid: !diagnostics.some((d) => d.severity === 'error'),
    diagnostics,
    job,
    dependencies: deps,
    get graph(): JobGraph | undefined {
      if (graph === undefined && job && deps) graph = new JobGraph(job, deps);
      return graph;
    },
  };
  VALIDATED.add(r);
  return r;
}

function sortDiagnostics(diagnostics: Diagnostic[]): void {
  // Stable: within a place, the order in which the checks found them.
  diagnostics.sort((a, b) => (a.task ?? -1) - (b.task ?? -1) || (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
}

function at(task: Task, pos?: { line: number; column: number }): DiagnosticExtras {
  const x: DiagnosticExtras = { task: task.index };
  if (task.Name !== '') x.taskName = task.Name;
  if (pos) {
    x.line = pos.line;
    x.column = pos.column;
  }
  return x;
}

function label(task: Task): string {
  return task.Name !== '' ? `#${task.index} "${task.Name}"` : `#${task.index}`;
}

function checkGraph(job: Job, deps: Dependencies, diagnostics: Diagnostic[], profile: Profile): void {
  const tasks = job.Tasks;
  const inputCount = job.InputMediaAssets.length;

  for (const dup of deps.duplicates) {
    const t = tasks[dup.task]!;
    const entry = t.outputEntries[dup.outputEntry]!;
    const msg =
      dup.first === dup.task
        ? `JobOutputAsset(${dup.asset}) is output twice by task ${label(t)}`
        : `JobOutputAsset(${dup.asset}) is output by task ${label(tasks[dup.first]!)} and again by task ${label(t)}`;
    diagnostics.push(makeDiagnostic('OUTPUT_DUPLICATE', msg, at(t, entry)));
  }
  for (const u of deps.unproduced) {
    const t = tasks[u.task]!;
    const entry = t.inputEntries[u.inputEntry]!;
    diagnostics.push(makeDiagnostic('OUTPUT_NOT_PRODUCED', `task ${label(t)} reads JobOutputAsset(${u.asset}), which no task outputs`, at(t, entry)));
  }

  for (const t of tasks) {
    const seen = new Set<string>();
    for (const e of t.inputEntries) {
      if (!e.ref) continue;
      if (e.ref.kind === 'JobInputAsset' && inputCount > 0 && e.ref.index >= inputCount) {
        diagnostics.push(
          makeDiagnostic('INPUT_INDEX_OUT_OF_RANGE', `task ${label(t)} reads JobInputAsset(${e.ref.index}) but the job has ${inputCount} input asset${inputCount === 1 ? '' : 's'}`, {
            ...at(t, e),
            hint: `job inputs are numbered from 0 in the order of InputMediaAssets: use JobInputAsset(0)${inputCount > 1 ? ` to JobInputAsset(${inputCount - 1})` : ''}, or add the missing input asset`,
          }),
        );
      }
      const key = `${e.ref.kind}(${e.ref.index})`;
      if (seen.has(key)) diagnostics.push(makeDiagnostic('INPUT_DUPLICATE', `task ${label(t)} lists ${key} twice as an input`, at(t, e)));
      seen.add(key);
    }
    if (profile === 'ams') {
      const count = t.inputEntries.length + t.outputEntries.length;
      if (count > AMS_QUOTAS.assetsPerTask) {
        diagnostics.push(makeDiagnostic('TASK_TOO_MANY_ASSETS', `task ${label(t)} has ${count} assets (inputs and outputs); the quota is ${AMS_QUOTAS.assetsPerTask}`, at(t)));
      }
    }
  }

  checkOutputGaps(job, deps, diagnostics);

  if (profile === 'ams') {
    if (tasks.length > AMS_QUOTAS.tasksPerJob) {
      diagnostics.push(makeDiagnostic('JOB_TOO_MANY_TASKS', `the job has ${tasks.length} tasks; the quota is ${AMS_QUOTAS.tasksPerJob}`));
    }
    const assets = inputCount + deps.producerOf.size;
    if (assets > AMS_QUOTAS.assetsPerJob) {
      diagnostics.push(makeDiagnostic('JOB_TOO_MANY_ASSETS', `the job has ${assets} assets (${inputCount} inputs, ${deps.producerOf.size} outputs); the quota is ${AMS_QUOTAS.assetsPerJob}`));
    }
  }

  checkCycles(job, deps, diagnostics);
}

function checkOutputGaps(job: Job, deps: Dependencies, diagnostics: Diagnostic[]): void {
  if (deps.producerOf.size === 0) return;
  const indices = [...deps.producerOf.keys()].sort((a, b) => a - b);
  let expected = 0;
  for (const k of indices) {
    if (k > expected) {
      const t = job.Tasks[deps.producerOf.get(k)!]!;
      const entry = t.outputEntries.find((o) => o.ref?.kind === 'JobOutputAsset' && o.ref.index === k);
      const missing = k - expected === 1 ? `JobOutputAsset(${expected})` : `JobOutputAsset(${expected}) to JobOutputAsset(${k - 1})`;
      diagnostics.push(makeDiagnostic('OUTPUT_INDEX_GAP', `no task outputs ${missing}; the next output is JobOutputAsset(${k})`, at(t, entry)));
    }
    expected = k + 1;
  }
}

function checkCycles(job: Job, deps: Dependencies, diagnostics: Diagnostic[]): void {
  const cycles = findCycles({ nodeCount: deps.taskCount, from: deps.from, to: deps.to });
  if (cycles.length === 0) return;
  // Cycles come from distinct strongly connected components, so each task has at most one successor
  // on a reported cycle: one pass over the edges finds the asset behind every step.
  const next = new Int32Array(deps.taskCount).fill(-1);
  for (const c of cycles) for (let i = 0; i < c.length; i++) next[c[i]!] = c[(i + 1) % c.length]!;
  const best = new Int32Array(deps.taskCount).fill(-1); // best edge leaving each cycle task
  for (let e = 0; e < deps.from.length; e++) {
    const a = deps.from[e]!;
    if (next[a] !== deps.to[e]) continue;
    const b = best[a]!;
    if (b === -1 || deps.asset[e]! < deps.asset[b]!) best[a] = e;
  }
  const tasks = job.Tasks;
  for (const c of cycles) {
    const edges: CycleEdge[] = c.map((a) => {
      const e = best[a]!;
      const consumer = tasks[deps.to[e]!]!;
      const entry = consumer.inputEntries[deps.inputEntry[e]!]!;
      return { from: a, to: deps.to[e]!, asset: `JobOutputAsset(${deps.asset[e]!})`, line: entry.line, column: entry.column };
    });
    const first = tasks[c[0]!]!;
    const closing = edges[edges.length - 1]!; // the step back into the first task, located in its TaskBody
    let message: string;
    if (c.length === 1) {
      message = `task ${label(first)} reads its own output ${closing.asset}`;
    } else {
      const steps = edges.map((e) => `${label(tasks[e.from]!)} → ${label(tasks[e.to]!)} via ${e.asset} (${e.line}:${e.column})`);
      message = `${c.length} tasks form a cycle: ${steps.join(', ')}`;
    }
    diagnostics.push(makeDiagnostic('CYCLE', message, { ...at(first, closing), cycle: [...c], edges }));
  }
}
