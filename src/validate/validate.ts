import { coveringCycles } from '../core/cycles.js';
import { JobGraph } from '../graph/job-graph.js';
import { resolveLoaded, type Dependencies } from '../graph/dependencies.js';
import { inputAtOf, inputCodesOf, inputCountOf, isCleanTask, loadJobInto, outputCountOf, packedRefsOf, readLoadOptions, readTasks, type LoadOptions } from '../job/load.js';
import { parseJsonText } from '../job/json-text.js';
import { randomIds } from '../job/ids.js';
import { jsonPlaces, StringLiteralCursor, type JsonPlaces } from '../job/json-places.js';
import { loadPlainGraphInto, plainGraphOf } from '../job/plain.js';
import type { ExtensionUse } from '../job/extensions.js';
import { LineMap } from '../taskbody/position.js';
import type { Job, Task } from '../job/model.js';
import { LIMITS } from '../job/load.js';
import type { OutputAssetEntry } from '../taskbody/types.js';
import { outputsMaybeUnread, parseTaskBodyWithin } from '../taskbody/parse.js';
import { DEFAULT_MAX_DIAGNOSTICS, DiagnosticSink, byPlace, type CycleEdge, type Diagnostic, type DiagnosticExtras } from '../diagnostics/diagnostic.js';
import { ArgumentRangeError, ArgumentTypeError, checkMaxOption, describeValue } from '../errors.js';
import { reportDuplicateKeys } from './duplicate-keys.js';
import { checkTemplateInputs, checkTemplatesOption, expandTemplateJob, placeInJobTemplate, type JobTemplates } from './template.js';

/** `ams` enforces the service's quotas; `relaxed` lifts them for graphs of any size. */
export type Profile = 'ams' | 'relaxed';

/** The service's quotas (reference §10), enforced by the `ams` profile. */
export const AMS_QUOTAS = { tasksPerJob: 30, assetsPerTask: 50, assetsPerJob: 100 } as const;

export interface ValidateOptions extends LoadOptions {
  /** @defaultValue `'ams'` */
  profile?: Profile;
  /**
   * JobTemplates a job may name by `TemplateId` (a list, or a Map by Id): a job with TemplateId and
   * no Tasks is expanded into the template's tasks and validated as an inline job.
   */
  templates?: JobTemplates;
}

/** Options of {@link validateTaskBody}. */
export interface ValidateTaskBodyOptions {
  /** As in {@link ValidateOptions}. @defaultValue 1000 */
  maxDiagnostics?: number;
}

export interface ValidationResult {
  /** True when no diagnostic is an error (warnings allowed). */
  valid: boolean;
  /**
   * Every problem found, job-level first, then by task, line and column; at most `maxDiagnostics`
   * of them (the first found), then one TOO_MANY_DIAGNOSTICS saying how many more there are.
   */
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
 * Time and memory are linear in the size of the definition. Past `maxDiagnostics` (default 1000)
 * problems are counted, not built, and one TOO_MANY_DIAGNOSTICS at the end says how many were
 * left out; it is an error when any of them is one, so `valid` does not depend on the cap.
 *
 * @param definition JSON text, or the parsed object. An object is read once, as JSON.stringify
 *   would see it; whatever it holds (getters that throw, Proxies, BigInts, cycles, sparse arrays)
 *   is reported as diagnostics.
 * @returns `{ valid, diagnostics, job, graph, dependencies }`; never throws for bad input.
 * @throws ArgumentTypeError / ArgumentRangeError (`ERR_INVALID_ARG_TYPE`, `ERR_INVALID_ARG_VALUE`,
 *   `ERR_OUT_OF_RANGE`) for bad options only.
 * @example
 * const { valid, diagnostics } = validateJob(fs.readFileSync('job.json', 'utf8'));
 */
export function validateJob(definition: unknown, options: ValidateOptions = {}): ValidationResult {
  const { ids, maxDiagnostics } = readLoadOptions(options, 'validateJob');
  const profile = options.profile ?? 'ams';
  if (profile !== 'ams' && profile !== 'relaxed') {
    throw new ArgumentRangeError(`validateJob: expected \`profile\` to be "ams" or "relaxed", got ${describeValue(profile)}`, 'ERR_INVALID_ARG_VALUE');
  }
  if (options.templates !== undefined) checkTemplatesOption(options.templates, 'validateJob');
  const sink = new DiagnosticSink(maxDiagnostics);
  let value = definition;
  let parsed = false;
  if (typeof definition === 'string') {
    const text = parseJsonText(definition);
    if (!text.ok) {
      const { message, line, column, hint } = text.problem;
      // The text is the file: its place there is the same.
      sink.add('JSON_MALFORMED', message, hint ? { line, column, fileLine: line, fileColumn: column, hint } : { line, column, fileLine: line, fileColumn: column });
      return result(sink, undefined, undefined);
    }
    value = text.value;
    parsed = true;
  }
  // JSON.parse made plain data: no getters or Proxies to guard against, so no copy.
  // A job made from a template is loaded as the inline job it stands for (validate/template.ts).
  const expansion = options.templates !== undefined ? expandTemplateJob(value, options.templates, sink, profile, !parsed) : undefined;
  if (expansion !== undefined) value = expansion.definition;
  const reading: Parameters<typeof loadJobInto>[1] = { sink, ids, safe: !parsed, givenTaskIds: 0, templateHandled: expansion?.handled === true };
  // A plain graph (a lowercase `tasks` array, no `Tasks`: job/plain.ts) loads into the same model.
  const plain = expansion === undefined ? plainGraphOf(value, !parsed) : undefined;
  // What JSON.parse dropped without a word: a key given twice in one object (the last one won).
  if (parsed) reportDuplicateKeys(definition as string, sink, plain !== undefined ? 'tasks' : 'Tasks');
  const job = plain !== undefined ? loadPlainGraphInto(plain, reading) : loadJobInto(value, reading);
  if (profile === 'ams') refuseExtensions(plain !== undefined, reading.extensionUses, sink);
  if (job && expansion?.template) checkTemplateInputs(job, expansion.template, sink);
  // Found once: resolving the dependencies and checking the inputs both read them.
  const packed = job ? packedRefsOf(job) : undefined;
  const deps = job ? resolveLoaded(job, packed) : undefined;
  if (job) checkGraph(job, deps!, sink, profile, plain !== undefined, undefined, packed);
  if (job && (reading.givenTaskIds ?? 0) > 0) checkTaskIds(job, sink);
  const r = result(sink, job, deps, ids === randomIds && reading.givenTaskIds === 0);
  if (expansion?.template) placeInJobTemplate(r.diagnostics, expansion.template);
  if (parsed) placeInFile(definition as string, r.diagnostics, plain !== undefined ? 'tasks' : 'Tasks');
  return r;
}

/**
 * @internal Profile `ams`: EXTENSION_NOT_AMS for each extension property used (at its place), or
 * once for a plain graph, which is no Create-Job body at all (`what` says what was given).
 */
export function refuseExtensions(plain: boolean, uses: readonly ExtensionUse[] | undefined, sink: DiagnosticSink, what = 'the definition is a plain graph'): void {
  if (plain) {
    sink.add('EXTENSION_NOT_AMS', `${what} (tasks with dependsOn), which the service does not accept`, {
      property: 'tasks',
      hint: 'validate and submit it with profile "relaxed" (jobgraph validate --profile relaxed), or write it as a Create-Job body with Tasks and TaskBody',
    });
    return;
  }
  for (const u of uses ?? []) {
    if (!sink.room('EXTENSION_NOT_AMS')) continue;
    const whose = u.task === undefined ? "the Job's" : `task #${u.task}'s`;
    sink.add('EXTENSION_NOT_AMS', `${whose} ${u.property} is a jobgraph extension the service does not have`, u.task === undefined ? { property: u.property } : { task: u.task, property: u.property });
  }
}

/**
 * @internal Gives each diagnostic of a job given as text its place in that text (`fileLine`,
 * `fileColumn`): inside a TaskBody through the string's escapes, else at its property's key, else
 * at its task's (or the job's) `{`. Only a job with diagnostics pays the scan.
 */
export function placeInFile(text: string, diagnostics: Diagnostic[], tasksKey: 'Tasks' | 'tasks'): void {
  let places: JsonPlaces | undefined;
  let lines: LineMap | undefined;
  // One walk per TaskBody literal, going on from the last place found (see StringLiteralCursor).
  const cursors = new Map<number, StringLiteralCursor>();
  for (const d of diagnostics) {
    if (d.code === 'TOO_MANY_DIAGNOSTICS' || d.fileLine !== undefined) continue;
    places ??= jsonPlaces(text, tasksKey);
    const offset = offsetOf(places, d, cursors);
    if (offset === undefined) continue;
    if (lines === undefined) {
      lines = new LineMap();
      lines.reset(text);
    }
    const { line, column } = lines.at(offset);
    d.fileLine = line;
    d.fileColumn = column;
  }
}

function offsetOf(p: JsonPlaces, d: Diagnostic, cursors: Map<number, StringLiteralCursor>): number | undefined {
  const job = p.job;
  if (job === undefined) return undefined;
  if (d.template !== undefined) return job.keys.get('TemplateId') ?? job.start;
  if (d.task === undefined) return d.property !== undefined ? (job.keys.get(d.property) ?? job.start) : job.start;
  const task = p.tasks[d.task];
  if (task === undefined) return job.keys.get(p.tasksKey) ?? job.start;
  if (typeof task === 'number') return task;
  if (d.property !== undefined) return task.keys.get(d.property) ?? task.start;
  if (d.line === undefined) return task.start;
  // A place in the TaskBody.
  const quote = task.values.get('TaskBody');
  if (quote === undefined || p.text.charCodeAt(quote) !== 0x22) return task.start;
  let cursor = cursors.get(quote);
  if (cursor === undefined) cursors.set(quote, (cursor = new StringLiteralCursor(p.text, quote)));
  return cursor.offsetOf(d.line, d.column ?? 1) ?? quote;
}

/**
 * Checks one TaskBody on its own (no job around it): the XML, the grammar, and what can be told
 * without the other tasks (an output read by the same task, an output or input listed twice).
 * Past `maxDiagnostics` (default 1000), as {@link validateJob}.
 *
 * @throws ArgumentTypeError (`ERR_INVALID_ARG_TYPE`) when `xml` is not a string; ArgumentRangeError
 *   for a bad `maxDiagnostics`.
 */
export function validateTaskBody(xml: string, options: ValidateTaskBodyOptions = {}): { valid: boolean; diagnostics: Diagnostic[] } {
  if (typeof xml !== 'string') {
    throw new ArgumentTypeError(`validateTaskBody: Expected \`xml\` to be a string, got ${describeValue(xml)}`);
  }
  const sink = new DiagnosticSink(checkMaxOption(options, 'maxDiagnostics', 'validateTaskBody', DEFAULT_MAX_DIAGNOSTICS));
  const parsed = parseTaskBodyWithin(xml, sink.max);
  for (const p of parsed.problems) {
    const extras: DiagnosticExtras = { line: p.line, column: p.column };
    if (p.hint !== undefined) extras.hint = p.hint;
    sink.add(p.code as Diagnostic['code'], p.message, extras);
  }
  if (parsed.omittedProblems !== undefined) sink.leftOut(parsed.omittedProblems, parsed.omittedErrors ?? 0);
  const outputs = new Map<number, true>();
  for (const o of parsed.outputs) {
    if (o.ref?.kind !== 'JobOutputAsset') continue;
    if (outputs.has(o.ref.index) && sink.room('OUTPUT_DUPLICATE')) {
      sink.add('OUTPUT_DUPLICATE', `JobOutputAsset(${o.ref.index}) is output twice`, { line: o.line, column: o.column });
    }
    outputs.set(o.ref.index, true);
  }
  const seen = new Set<string>();
  for (const i of parsed.inputs) {
    if (!i.ref) continue;
    const key = `${i.ref.kind}(${i.ref.index})`;
    if (seen.has(key)) {
      if (sink.room('INPUT_DUPLICATE')) sink.add('INPUT_DUPLICATE', `${key} is listed twice as an input`, { line: i.line, column: i.column });
      continue;
    }
    seen.add(key);
    if (i.ref.kind === 'JobOutputAsset' && outputs.has(i.ref.index) && sink.room('CYCLE')) {
      sink.add('CYCLE', `the task reads its own output ${key}`, { line: i.line, column: i.column, cycle: [0], edges: [{ from: 0, to: 0, asset: key, line: i.line, column: i.column }] });
    }
  }
  const diagnostics = finish(sink);
  return { valid: !sink.hasError(), diagnostics };
}

/** @internal The sink's diagnostics in order, with TOO_MANY_DIAGNOSTICS last when some were left out. */
export function finish(sink: DiagnosticSink): Diagnostic[] {
  const diagnostics = sink.list;
  sortDiagnostics(diagnostics);
  const summary = sink.summary();
  if (summary) diagnostics.push(summary);
  return diagnostics;
}

/** Marks results made by validateJob, so a scheduler can take one without validating again. */
/**
 * A result of validateJob. A class with a private field rather than a WeakSet of results: the brand
 * check is as unforgeable, and 166,666 six-task jobs no longer leave 166,666 weak entries for every
 * garbage collection to visit.
 */
class Result implements ValidationResult {
  readonly valid: boolean;
  readonly diagnostics: Diagnostic[];
  readonly job: Job | undefined;
  readonly dependencies: Dependencies | undefined;
  #graph: JobGraph | undefined = undefined;
  /** Every task id was made by the built-in random factory (none given, none injected). */
  readonly #freshTaskIds: boolean;

  constructor(valid: boolean, diagnostics: Diagnostic[], job: Job | undefined, deps: Dependencies | undefined, freshTaskIds: boolean) {
    this.valid = valid;
    this.diagnostics = diagnostics;
    this.job = job;
    this.dependencies = deps;
    this.#freshTaskIds = freshTaskIds;
  }

  static freshTaskIds(value: Result): boolean {
    return value.#freshTaskIds;
  }

  /** The job as a graphology graph, made when first asked for. */
  get graph(): JobGraph | undefined {
    if (this.#graph === undefined && this.job && this.dependencies) this.#graph = new JobGraph(this.job, this.dependencies);
    return this.#graph;
  }

  static is(value: object): boolean {
    return #graph in value;
  }
}

/** True when `value` is a result of {@link validateJob} (not a look-alike object). */
export function isValidationResult(value: unknown): value is ValidationResult {
  return typeof value === 'object' && value !== null && Result.is(value);
}

/**
 * @internal Whether every task id of the result's job was just made by the built-in random
 * factory: such ids cannot repeat one another, so the scheduler need not check them (TaskIds).
 */
export function hasFreshTaskIds(result: ValidationResult): boolean {
  return result instanceof Result && Result.freshTaskIds(result);
}

function result(sink: DiagnosticSink, job: Job | undefined, deps: Dependencies | undefined, freshTaskIds = false): ValidationResult {
  const diagnostics = finish(sink);
  return new Result(!sink.hasError(), diagnostics, job, deps, freshTaskIds);
}

function sortDiagnostics(diagnostics: Diagnostic[]): void {
  // Stable: within a place, the order in which the checks found them.
  diagnostics.sort(byPlace);
}

/** @internal Where a diagnostic about `task` is: its index and Name, and a place in its TaskBody. */
export function at(task: Task, pos?: { line: number; column: number }): DiagnosticExtras {
  const x: DiagnosticExtras = { task: task.index };
  if (task.Name !== '') x.taskName = task.Name.length > LIMITS.name ? `${task.Name.slice(0, 97)}...` : task.Name;
  if (pos) {
    x.line = pos.line;
    x.column = pos.column;
  }
  return x;
}

/**
 * @internal TASK_ID_DUPLICATE for each task of `job` whose Id a task before it has, or (an addition)
 * a task of the job it joins, `joins`: the scheduler refuses such a job with TASK_EXISTS, so the
 * validator says so first. Asked only when the definition gives task Ids (made ones do not repeat;
 * an injected id factory's may repeat a given one, so then every task is looked at). Ids are read
 * without making a big job's task objects.
 */
export function checkTaskIds(job: Job, sink: DiagnosticSink, joins?: Job): void {
  const tasks = readTasks(job);
  const seen = new Map<string, number>();
  let theirs: Map<string, number> | undefined;
  if (joins !== undefined) {
    theirs = new Map();
    const old = readTasks(joins);
    for (let i = 0; i < old.count; i++) if (!theirs.has(old.id(i))) theirs.set(old.id(i), i);
  }
  for (let i = 0; i < tasks.count; i++) {
    const id = tasks.id(i);
    const inJob = theirs?.get(id);
    const first = inJob ?? seen.get(id);
    if (first === undefined) {
      seen.set(id, i);
      continue;
    }
    if (!sink.room('TASK_ID_DUPLICATE')) continue;
    const t = tasks.task(i);
    const other = inJob !== undefined ? `task ${label(readTasks(joins!).task(first))} of the job` : `task ${label(tasks.task(first))}`;
    sink.add('TASK_ID_DUPLICATE', `task ${label(t)} has the Id ${id}, which ${other} has`, { ...at(t), property: 'Id', hint: 'give each task its own Id, or leave Id out to get a new one' });
  }
}

/** @internal A task in a message: `#2 "encode"`. */
export function label(task: Task): string {
  if (task.Name === '') return `#${task.index}`;
  return `#${task.index} "${task.Name.length > 60 ? `${task.Name.slice(0, 57)}...` : task.Name}"`;
}

/**
 * @internal The tasks of an addition to a job (validate/add.ts) are checked as a job of their own
 * (task indices, edges and diagnostics local to the addition) with this context: the job they join.
 */
export interface AdditionContext {
  /** The job as accepted. */
  job: Job;
  /** Its dependencies (what its outputs are and who produces each). */
  deps: Dependencies;
  /** One past the job's highest output index: where new outputs continue. */
  outputBase: number;
}

/**
 * @internal `plain`: a plain graph (job/plain.ts), which has no job inputs, quotas or output
 * numbering of its own. `addition`: `job` holds the tasks of an addition to `addition.job`, and
 * `deps.unproduced` only the references that neither it nor the job produces; output indices,
 * gaps and quotas count the grown job.
 */
export function checkGraph(job: Job, deps: Dependencies, sink: DiagnosticSink, profile: Profile, plain: boolean, addition?: AdditionContext, packed = packedRefsOf(job)): void {
  // A big job's task objects are not made: each is a view made when a check needs it (see readTasks).
  const tasks = readTasks(job);
  const count = tasks.count;
  const inputCount = job.InputMediaAssets.length;
  const existing = addition?.deps.producerOf;

  for (const dup of deps.duplicates) {
    if (!sink.room('OUTPUT_DUPLICATE')) continue;
    const t = tasks.task(dup.task);
    const entry = t.outputEntries[dup.outputEntry]!;
    const msg =
      dup.first === dup.task
        ? `JobOutputAsset(${dup.asset}) is output twice by task ${label(t)}`
        : `JobOutputAsset(${dup.asset}) is output by task ${label(tasks.task(dup.first))} and again by task ${label(t)}`;
    sink.add('OUTPUT_DUPLICATE', msg, at(t, entry));
  }
  // New outputs the job already has; the others, counted for the quota.
  let newOutputs = deps.producerOf.size;
  if (addition !== undefined && existing!.size > 0 && deps.producerOf.size > 0) {
    let firstEntry: Map<number, OutputAssetEntry> | undefined;
    for (const k of deps.producerOf.sortedIndices()) {
      const owner = existing!.get(k);
      if (owner === undefined) continue;
      newOutputs--;
      if (!sink.room('OUTPUT_DUPLICATE')) continue;
      const t = tasks.task(deps.producerOf.get(k)!);
      firstEntry ??= firstOutputEntries(job);
      sink.add('OUTPUT_DUPLICATE', `JobOutputAsset(${k}) is output by task ${label(addition.job.Tasks[owner]!)} of the job and again by task ${label(t)} of the addition`, {
        ...at(t, firstEntry.get(k)),
        hint: `the job's outputs are JobOutputAsset(0) to JobOutputAsset(${addition.outputBase - 1}): number the new outputs from JobOutputAsset(${addition.outputBase})`,
      });
    }
  }
  // Only a job with a reference to nobody's output pays for looking at its broken TaskBodies.
  const unread = deps.unproduced.length > 0 && !plain ? outputsOfBrokenBodies(job, packed) : undefined;
  for (const u of deps.unproduced) {
    if (unread?.has(u.asset) === true) continue;
    if (!sink.room('OUTPUT_NOT_PRODUCED')) continue;
    const t = tasks.task(u.task);
    const entry = t.inputEntries[u.inputEntry]!;
    const nobody = addition !== undefined ? 'which no task of the job or of the addition outputs' : 'which no task outputs';
    sink.add('OUTPUT_NOT_PRODUCED', `task ${label(t)} reads JobOutputAsset(${u.asset}), ${nobody}`, at(t, entry));
  }

  const ams = profile === 'ams' && !plain;
  const lookForInputs = inputCount > 0 || addition !== undefined;
  if (packed !== undefined) {
    // Nearly every job: its references are integers in one array (see packedRefsOf). A task with a
    // problem is looked at again by the general loop below, which says what it is.
    const { data, at: start } = packed;
    for (let t = 0; t < count; t++) {
      const a = start[t]!;
      const n = data[a]!;
      let bad = n > 16 || (ams && n + data[a + 1]! > AMS_QUOTAS.assetsPerTask);
      for (let j = 0; j < n && !bad; j++) {
        const v = data[a + 2 + j]!;
        // An input of the job (even: index · 2) past its inputs; or the same reference again.
        if ((v & 1) === 0 && lookForInputs && v >>> 1 >= inputCount) bad = true;
        for (let k = a + 2; k < a + 2 + j && !bad; k++) if (data[k] === v) bad = true;
      }
      if (bad) checkTaskInputs(tasks.task(t), inputCount, lookForInputs, ams, addition !== undefined, sink);
    }
  } else {
    for (let t = 0; t < count; t++) checkTaskInputs(tasks.task(t), inputCount, lookForInputs, ams, addition !== undefined, sink);
  }

  if (!plain) checkOutputGaps(job, deps, sink, addition?.outputBase, unread, packed);

  if (profile === 'ams' && !plain && addition !== undefined) {
    const before = addition.job.Tasks.length;
    const total = before + count;
    if (total > AMS_QUOTAS.tasksPerJob) {
      sink.add('JOB_TOO_MANY_TASKS', `the job would have ${total} tasks (${before}, and ${count} added); the quota is ${AMS_QUOTAS.tasksPerJob}`, {
        hint: `at most ${Math.max(0, AMS_QUOTAS.tasksPerJob - before)} more task${AMS_QUOTAS.tasksPerJob - before === 1 ? '' : 's'} can be added to this job; put the rest in a job of their own, or use --profile relaxed if it will not run on AMS`,
      });
    }
    const outputs = existing!.size + newOutputs;
    const assets = inputCount + outputs;
    if (assets > AMS_QUOTAS.assetsPerJob) {
      sink.add('JOB_TOO_MANY_ASSETS', `the job would have ${assets} assets (${inputCount} inputs, ${outputs} outputs of which ${newOutputs} added); the quota is ${AMS_QUOTAS.assetsPerJob}`);
    }
  } else if (profile === 'ams' && !plain) {
    if (count > AMS_QUOTAS.tasksPerJob) {
      sink.add('JOB_TOO_MANY_TASKS', `the job has ${count} tasks; the quota is ${AMS_QUOTAS.tasksPerJob}`);
    }
    const assets = inputCount + deps.producerOf.size;
    if (assets > AMS_QUOTAS.assetsPerJob) {
      sink.add('JOB_TOO_MANY_ASSETS', `the job has ${assets} assets (${inputCount} inputs, ${deps.producerOf.size} outputs); the quota is ${AMS_QUOTAS.assetsPerJob}`);
    }
  }

  checkCycles(job, deps, sink, plain);
}

/** INPUT_INDEX_OUT_OF_RANGE, INPUT_DUPLICATE and (profile `ams`) TASK_TOO_MANY_ASSETS of one task. */
function checkTaskInputs(t: Task, inputCount: number, lookForInputs: boolean, ams: boolean, isAddition: boolean, sink: DiagnosticSink): void {
  // A clean task's inputs are its entries' references, in order: read them, and ask for the
  // entries (read again from the TaskBody) only to place a diagnostic.
  const clean = isCleanTask(t);
  const n = clean ? inputCountOf(t) : t.inputEntries.length;
  if (clean && n > MANY_INPUTS && inputsAreFine(t, inputCount, lookForInputs)) {
    checkAssetQuota(t, clean, ams, sink);
    return;
  }
  // A task reads a few assets: duplicates are found by comparing with the earlier ones; a set only for many.
  const seen = n > 16 ? new Set<number>() : undefined;
  for (let j = 0; j < n; j++) {
    const ref = clean ? inputAtOf(t, j) : t.inputEntries[j]!.ref;
    if (!ref) continue;
    // A job without inputs is reported by the loader (JOB_NO_INPUTS); one an addition joins has none to read.
    if (ref.kind === 'JobInputAsset' && lookForInputs && ref.index >= inputCount && sink.room('INPUT_INDEX_OUT_OF_RANGE')) {
      sink.add('INPUT_INDEX_OUT_OF_RANGE', `task ${label(t)} reads JobInputAsset(${ref.index}) but the job has ${inputCount} input asset${inputCount === 1 ? '' : 's'}`, {
        ...at(t, t.inputEntries[j]),
        hint:
          inputCount === 0
            ? 'the job has no input assets (an addition cannot add any): read the output of a task, JobOutputAsset(n), instead'
            : `job inputs are numbered from 0 in the order of InputMediaAssets: use JobInputAsset(0)${inputCount > 1 ? ` to JobInputAsset(${inputCount - 1})` : ''}${isAddition ? ' (an addition cannot add input assets)' : ', or add the missing input asset'}`,
      });
    }
    let repeated = false;
    if (seen !== undefined) {
      // A number per reference, not its text: a fan-in task of 100,000 inputs made as many strings.
      const key = ref.kind === 'JobOutputAsset' ? ref.index : -1 - ref.index;
      repeated = seen.has(key);
      seen.add(key);
    } else {
      for (let k = 0; k < j && !repeated; k++) {
        const earlier = clean ? inputAtOf(t, k) : t.inputEntries[k]!.ref;
        repeated = earlier !== null && earlier.index === ref.index && earlier.kind === ref.kind;
      }
    }
    if (repeated && sink.room('INPUT_DUPLICATE')) sink.add('INPUT_DUPLICATE', `task ${label(t)} lists ${ref.kind}(${ref.index}) twice as an input`, at(t, t.inputEntries[j]));
  }
  checkAssetQuota(t, clean, ams, sink);
}

/** Inputs from which a clean task's are first checked as numbers, sorted (see {@link inputsAreFine}). */
const MANY_INPUTS = 256;

/**
 * Whether a clean task's inputs are all in range and none is named twice, found on their numbers
 * sorted: a fan-in task of 100,000 inputs took 30 ms in a set of numbers (a reference made per
 * input above index 65,535, and the set's growth). False when a diagnostic is due: the caller then
 * looks again input by input, to place each one in the TaskBody.
 */
function inputsAreFine(t: Task, inputCount: number, lookForInputs: boolean): boolean {
  const codes = inputCodesOf(t);
  if (lookForInputs) {
    for (let j = 0; j < codes.length; j++) {
      const c = codes[j]!;
      // JobInputAsset(c / 2): even codes.
      if (c % 2 === 0 && c / 2 >= inputCount) return false;
    }
  }
  codes.sort();
  for (let j = 1; j < codes.length; j++) if (codes[j] === codes[j - 1]) return false;
  return true;
}

function checkAssetQuota(t: Task, clean: boolean, ams: boolean, sink: DiagnosticSink): void {
  if (!ams) return;
  const count = clean ? inputCountOf(t) + outputCountOf(t) : t.inputEntries.length + t.outputEntries.length;
  if (count > AMS_QUOTAS.assetsPerTask && sink.room('TASK_TOO_MANY_ASSETS')) {
    sink.add('TASK_TOO_MANY_ASSETS', `task ${label(t)} has ${count} assets (inputs and outputs); the quota is ${AMS_QUOTAS.assetsPerTask}`, at(t));
  }
}

/**
 * The output indices TaskBodies that could not be read to their end may declare where they were not
 * read (see outputsMaybeUnread), each with the first such task. Empty when every task is clean
 * (`packed`: all are), without reading anything.
 */
function outputsOfBrokenBodies(job: Job, packed: ReturnType<typeof packedRefsOf>): Map<number, number> {
  const unread = new Map<number, number>();
  if (packed !== undefined) return unread;
  const tasks = readTasks(job);
  for (let i = 0; i < tasks.count; i++) {
    const t = tasks.task(i);
    // A clean task's TaskBody had no problem: read to its end.
    if (isCleanTask(t)) continue;
    for (const k of outputsMaybeUnread(t.TaskBody)) if (!unread.has(k)) unread.set(k, i);
  }
  return unread;
}

/**
 * `base`: for an addition, the first index its outputs continue the job's at; those below it are
 * not looked at (the job has them: OUTPUT_DUPLICATE). `unread`: indices a broken TaskBody may
 * output (see outputsOfBrokenBodies), found here if not yet; they count as outputs.
 */
function checkOutputGaps(job: Job, deps: Dependencies, sink: DiagnosticSink, base: number | undefined, unread: Map<number, number> | undefined, packed: ReturnType<typeof packedRefsOf>): void {
  if (deps.producerOf.size === 0) return;
  const gaps = deps.producerOf.gaps(base ?? 0);
  if (gaps.length === 0) return;
  unread ??= outputsOfBrokenBodies(job, packed);
  // Sorted once: a gap is split around the indices in it that a broken TaskBody may output.
  const maybe = unread.size > 0 ? [...unread.keys()].sort((a, b) => a - b) : undefined;
  // Where each output is first written, found in one pass once there is a gap to locate (a search
  // of the producer's outputs per gap would be quadratic for one task with many outputs).
  let firstEntry: Map<number, OutputAssetEntry> | undefined;
  const report = (expected: number, k: number, producer: number): void => {
    if (!sink.room('OUTPUT_INDEX_GAP')) return;
    const t = readTasks(job).task(producer);
    firstEntry ??= firstOutputEntries(job);
    // An index a broken TaskBody may output has no entry to point at: the task is named alone.
    const entry = deps.producerOf.get(k) === producer ? firstEntry.get(k) : undefined;
    const missing = k - expected === 1 ? `JobOutputAsset(${expected})` : `JobOutputAsset(${expected}) to JobOutputAsset(${k - 1})`;
    if (base === undefined) sink.add('OUTPUT_INDEX_GAP', `no task outputs ${missing}; the next output is JobOutputAsset(${k})`, at(t, entry));
    else {
      sink.add('OUTPUT_INDEX_GAP', `no task of the job or of the addition outputs ${missing}; the next output is JobOutputAsset(${k})`, {
        ...at(t, entry),
        hint: `${base > 0 ? `the job's outputs end at JobOutputAsset(${base - 1}): ` : ''}number the new outputs on from JobOutputAsset(${base}), without gaps`,
      });
    }
  };
  // Gaps ascend, and so does `maybe`: one pointer walks it across all of them.
  let p = 0;
  for (let g = 0; g < gaps.length; g += 2) {
    let expected = gaps[g]!;
    const k = gaps[g + 1]!;
    if (maybe !== undefined) {
      while (p < maybe.length && maybe[p]! < expected) p++;
      for (; p < maybe.length && maybe[p]! < k; p++) {
        const m = maybe[p]!;
        if (m > expected) report(expected, m, unread.get(m)!);
        expected = m + 1;
      }
    }
    if (expected < k) report(expected, k, deps.producerOf.get(k)!);
  }
}

/** For each output index, the first entry that writes it in its producer (the task producerOf names). */
function firstOutputEntries(job: Job): Map<number, OutputAssetEntry> {
  const first = new Map<number, OutputAssetEntry>();
  const tasks = readTasks(job);
  for (let i = 0; i < tasks.count; i++) {
    for (const o of tasks.task(i).outputEntries) {
      if (o.ref?.kind === 'JobOutputAsset' && !first.has(o.ref.index)) first.set(o.ref.index, o);
    }
  }
  return first;
}

/** Steps of a cycle spelt out in its message; the rest are counted (every step is in `edges`). */
const CYCLE_STEPS_SHOWN = 20;
/**
 * Cycles reported per group of tasks that depend on each other (a strongly connected component),
 * together taking in each of its dependencies; past it the dependencies left are counted in the
 * last one's message, so a huge tangle costs at most this many searches of it.
 */
const CYCLES_PER_COMPONENT = 20;

function checkCycles(job: Job, deps: Dependencies, sink: DiagnosticSink, plain: boolean): void {
  // Jobs mostly list a producer before its consumers: when every edge runs forward there is no
  // cycle, and a six-task job is spared the CSR and stacks coveringCycles allocates.
  const from = deps.from;
  const to = deps.to;
  let forward = true;
  for (let e = 0; e < from.length && forward; e++) forward = from[e]! < to[e]!;
  if (forward) return;
  const { cycles, left } = coveringCycles({ nodeCount: deps.taskCount, from: deps.from, to: deps.to }, CYCLES_PER_COMPONENT);
  if (cycles.length === 0) return;
  // A task may have several successors on the reported cycles (two cycles of one component): one
  // pass over the edges finds the asset behind every step, keyed by the step's two tasks.
  const n = deps.taskCount;
  const best = new Map<number, number>(); // step from·n + to → its edge of the lowest asset
  for (const c of cycles) for (let i = 0; i < c.length; i++) best.set(c[i]! * n + c[(i + 1) % c.length]!, -1);
  for (let e = 0; e < deps.from.length; e++) {
    const key = deps.from[e]! * n + deps.to[e]!;
    const b = best.get(key);
    if (b === undefined) continue;
    if (b === -1 || deps.asset[e]! < deps.asset[b]!) best.set(key, e);
  }
  const tasks = job.Tasks;
  for (let k = 0; k < cycles.length; k++) {
    const c = cycles[k]!;
    if (!sink.room('CYCLE')) continue;
    const edges: CycleEdge[] = c.map((a, i) => {
      const e = best.get(a * n + c[(i + 1) % c.length]!)!;
      const consumer = tasks[deps.to[e]!]!;
      const entry = consumer.inputEntries[deps.inputEntry[e]!]!;
      return { from: a, to: deps.to[e]!, asset: `JobOutputAsset(${deps.asset[e]!})`, line: entry.line, column: entry.column };
    });
    const first = tasks[c[0]!]!;
    const closing = edges[edges.length - 1]!; // the step back into the first task, located in its TaskBody
    if (plain) {
      // Said in the graph's terms, at the dependsOn that closes the cycle; no TaskBody to point into.
      // Each step from the task that closes the cycle: "b depends on a", as dependsOn says it.
      const shown = edges.length > CYCLE_STEPS_SHOWN ? edges.slice(-CYCLE_STEPS_SHOWN) : edges;
      const steps = [...shown].reverse().map((e) => `${label(tasks[e.to]!)} depends on ${label(tasks[e.from]!)}`);
      if (shown !== edges) steps.push(`… (${(edges.length - shown.length).toLocaleString('en-US')} more steps, in \`edges\`)`);
      const message = (c.length === 1 ? `task ${label(first)} depends on itself` : `${c.length} tasks form a cycle: ${steps.join(', ')}`) + moreCycles(left[k]!);
      sink.add('CYCLE', message, { ...at(first), property: 'dependsOn', cycle: [...c], edges, hint: 'remove one of these dependencies: a task cannot wait, directly or not, for itself' });
      continue;
    }
    let message: string;
    if (c.length === 1) {
      message = `task ${label(first)} reads its own output ${closing.asset}`;
    } else {
      const shown = edges.length > CYCLE_STEPS_SHOWN ? edges.slice(0, CYCLE_STEPS_SHOWN) : edges;
      const steps = shown.map((e) => `${label(tasks[e.from]!)} → ${label(tasks[e.to]!)} via ${e.asset} (${e.line}:${e.column})`);
      if (shown !== edges) steps.push(`… (${(edges.length - shown.length).toLocaleString('en-US')} more steps, in \`edges\`)`);
      message = `${c.length} tasks form a cycle: ${steps.join(', ')}`;
    }
    sink.add('CYCLE', message + moreCycles(left[k]!), { ...at(first, closing), cycle: [...c], edges });
  }
}

/** The end of the last CYCLE message of a tangle cut at CYCLES_PER_COMPONENT: what was not shown. */
function moreCycles(left: number): string {
  if (left === 0) return '';
  const n = left.toLocaleString('en-US');
  return `; not listed: further cycles among these and related tasks, through ${n} more dependenc${left === 1 ? 'y' : 'ies'}`;
}
