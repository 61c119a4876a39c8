/**
 * Plain graphs: a job written as tasks and their dependencies, without TaskBody XML or assets.
 *
 *   { name?, priority?, maxRunning?, tasks: [{ id, dependsOn?, priority?, pool?, weight?, action?,
 *                                             name?, processor?, configuration? }] }
 *
 * Recognised by a lowercase `tasks` array and no `Tasks`. Loaded into the same {@link Job} model as
 * a Create-Job body, so that the scheduler, engine, store, exports and simulator take it unchanged:
 * task i outputs `JobOutputAsset(i)` and reads `JobOutputAsset(k)` for each task k it depends on, in
 * a TaskBody made to say so. Mistakes get the codes of the same mistakes in a Create-Job body.
 *
 * Decisions:
 * - A task's plain `id` is scoped to its graph and becomes the task's `Name` (its `Id` comes from
 *   the id factory, as every task's, since ids must be unique across a scheduler). `name`, when
 *   given, is a label kept in `extensions.label`: the id stays the handle that dependsOn, messages,
 *   views and exports show, and that is unique within the graph.
 * - `MediaProcessorId` is `processor`, else `pool`, else `''` (the scheduler's default `poolOf` then
 *   groups by processor as for AMS tasks).
 */
import type { DiagnosticExtras, DiagnosticSink } from '../diagnostics/diagnostic.js';
import { BoundedSuggestions, closest } from '../diagnostics/suggest.js';
import { DEFAULT_ASSET_CREATION_OPTIONS } from './enums.js';
import { padExtensions, readAction, readMaxRunning, readPool, readWeight, setTaskExtension } from './extensions.js';
import type { IdFactory } from './ids.js';
import { LIMITS, defaultNameOf, isInt32 } from './load.js';
import type { Job, Task } from './model.js';
import { isRecord, isUnreadable, kindOf, show, snapshotArray, snapshotRecord, typeName } from './read.js';
import type { AssetRef, InputAssetEntry, OutputAssetEntry } from '../taskbody/types.js';

const JOB_PROPERTIES = new Set(['name', 'priority', 'maxRunning', 'tasks']);
const TASK_PROPERTIES = new Set(['id', 'dependsOn', 'priority', 'pool', 'weight', 'action', 'name', 'processor', 'configuration']);

/** How the plain loader reads: as the AMS loader (load.ts), `safe` for a caller's object. */
export interface PlainReading {
  sink: DiagnosticSink;
  ids: IdFactory;
  safe: boolean;
  /** The tasks are an addition to a job that already runs (validate/add.ts); absent for a graph of its own. */
  addition?: PlainAddition;
}

/**
 * What the plain loader needs to know of the job an addition joins: new task i outputs
 * `JobOutputAsset(outputBase + i)` (named as that job's outputs are), and `dependsOn` may name an
 * existing task by its Name.
 */
export interface PlainAddition {
  /** An existing task's Name → the output indices a task that depends on it reads (all its outputs; of every task with that Name). */
  names: ReadonlyMap<string, readonly number[]>;
  /** The first output index of the new tasks: one past the job's highest. */
  outputBase: number;
  /** The job joined: its Id and Name (no job id is made; default output names end with them). */
  job: { readonly Id: string; readonly Name: string };
}

/**
 * The definition's properties when it is a plain graph (an object with a `tasks` array, or a
 * `tasks` that cannot be read, and no `Tasks`), else undefined. A caller's object is copied here,
 * once, as the loader reads it (read.ts); never throws.
 */
export function plainGraphOf(definition: unknown, safe: boolean): Record<string, unknown> | undefined {
  if (!isRecord(definition)) return undefined;
  if (!safe) {
    // Fresh from JSON.parse: plain data.
    return !Object.hasOwn(definition, 'Tasks') && Array.isArray(definition.tasks) ? definition : undefined;
  }
  let keys: string[];
  try {
    keys = Object.keys(definition);
  } catch {
    return undefined; // the AMS loader reports what cannot be listed
  }
  if (!keys.includes('tasks') || keys.includes('Tasks')) return undefined;
  const copy = snapshotRecord(definition, JOB_PROPERTIES);
  if (isUnreadable(copy)) return undefined;
  return kindOf(copy.tasks) === 'array' || isUnreadable(copy.tasks) ? copy : undefined;
}

function clip(s: string, max = 80): string {
  return s.length > max ? `${s.slice(0, max - 3)}...` : s;
}

/** A task's label in messages: `#2 "encode"`. */
function label(index: number, id: string | undefined): string {
  return id === undefined ? `#${index}` : `#${index} ${JSON.stringify(clip(id, 60))}`;
}

function unknownProperty(sink: DiagnosticSink, key: string, whose: string, known: ReadonlySet<string>, at: DiagnosticExtras): void {
  if (!sink.room('UNKNOWN_PROPERTY')) return;
  const near = closest(key, known);
  const hint = near !== undefined ? `did you mean "${near}"?` : `a plain ${whose === 'the graph' ? 'graph has ' : 'task has '}${[...known].join(', ')}`;
  sink.add('UNKNOWN_PROPERTY', `${whose} has no property "${clip(key)}"; it is ignored`, { ...at, property: key, hint });
}

/** Where a problem is: the extras, or a function that makes them (made only when there is a problem). */
type Place = DiagnosticExtras | (() => DiagnosticExtras);

function placeOf(at: Place): DiagnosticExtras {
  return typeof at === 'function' ? at() : at;
}

/**
 * A value of `rec`; one that could not be read is reported (JOB_INVALID or TASK_INVALID) and reads
 * as absent.
 */
function value(rec: Record<string, unknown>, key: string, whose: string, code: 'JOB_INVALID' | 'TASK_INVALID', at: Place, sink: DiagnosticSink): unknown {
  const v = rec[key];
  if (!isUnreadable(v)) return v;
  if (sink.room(code)) sink.add(code, `${whose} ${key} could not be read: ${v.why}`, { ...placeOf(at), property: key, hint: PLAIN_HINT[code] });
  return undefined;
}

/** Hints in a plain graph's terms: the catalogue's defaults speak of Create-Job bodies. */
const PLAIN_HINT = {
  JOB_INVALID: 'a plain graph is plain data: {"tasks": [{"id": "a"}, {"id": "b", "dependsOn": ["a"]}]}',
  TASK_INVALID: 'a plain task is plain data: {"id": "encode", "dependsOn": ["split"]}',
} as const;

/** A string property, or undefined (absent, null, or reported as the wrong type). */
function optionalString(rec: Record<string, unknown>, key: string, whose: string, code: 'JOB_INVALID' | 'TASK_INVALID', at: Place, sink: DiagnosticSink): string | undefined {
  const v = value(rec, key, whose, code, at, sink);
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (sink.room(code)) sink.add(code, `${whose} ${key} is ${typeName(v)}, not a string`, { ...placeOf(at), property: key, hint: `${key} is a string, or left out` });
  return undefined;
}

function readPriority(rec: Record<string, unknown>, whose: string, code: 'JOB_INVALID' | 'TASK_INVALID', at: Place, sink: DiagnosticSink): number {
  const p = value(rec, 'priority', whose, code, at, sink);
  if (p === undefined || p === null) return 0;
  if (isInt32(p)) return p;
  if (sink.room('PRIORITY_INVALID')) sink.add('PRIORITY_INVALID', `${whose} priority is ${show(p)}, not a 32-bit integer`, { ...placeOf(at), property: 'priority' });
  return 0;
}

/** A task of the graph before its Task is made. */
interface Entry {
  rec: Record<string, unknown> | undefined;
  id: string | undefined;
}

/**
 * Loads a plain graph (the properties {@link plainGraphOf} returned) into a {@link Job}, reporting
 * every mistake of its properties and dependencies; cycles are left to the validator's graph check.
 */
export function loadPlainGraphInto(d: Record<string, unknown>, r: PlainReading): Job {
  const sink = r.sink;
  const graph = 'the graph';
  for (const key of Object.keys(d)) if (!JOB_PROPERTIES.has(key)) unknownProperty(sink, key, graph, JOB_PROPERTIES, {});
  const name = optionalString(d, 'name', "the graph's", 'JOB_INVALID', {}, sink) ?? '';
  if (name.length > LIMITS.name) sink.add('NAME_TOO_LONG', `the graph's name has ${name.length} characters; at most ${LIMITS.name} are allowed`, { property: 'name' });
  const job: Job = {
    Id: r.addition !== undefined ? r.addition.job.Id : r.ids('job'),
    Name: r.addition !== undefined ? r.addition.job.Name : name,
    Priority: readPriority(d, "the graph's", 'JOB_INVALID', {}, sink),
    TemplateId: null,
    InputMediaAssets: [],
    Tasks: [],
    JobNotificationSubscriptions: [],
  };
  readMaxRunning(job, value(d, 'maxRunning', "the graph's", 'JOB_INVALID', {}, sink), "the graph's", { property: 'maxRunning' }, sink);

  const raw = value(d, 'tasks', "the graph's", 'JOB_INVALID', {}, sink);
  if (raw === undefined) return job;
  const list = r.safe ? snapshotArray(raw as object) : (raw as unknown[]);
  if (isUnreadable(list)) {
    sink.add('JOB_INVALID', `the graph's tasks could not be read: ${list.why}`, { property: 'tasks' });
    return job;
  }
  if (list.length === 0) {
    sink.add('JOB_NO_TASKS', 'the graph has an empty tasks array', { property: 'tasks', hint: 'add at least one task: {"id": "a"}' });
    return job;
  }

  // First every id, so that a task may depend on one listed after it.
  const entries = new Array<Entry>(list.length);
  const indexOf = new Map<string, number>();
  for (let i = 0; i < list.length; i++) entries[i] = readEntry(list[i], i, indexOf, r);
  const addition = r.addition;
  // "Did you mean" for the names dependsOn gives that are no task's, within a budget for the graph's ids.
  const suggest = new BoundedSuggestions(() => candidates(entries, addition !== undefined ? addition.names.keys() : []));
  for (let i = 0; i < list.length; i++) job.Tasks.push(makeTask(entries[i]!, i, entries, indexOf, job, r, suggest));
  padExtensions(job.extensions, job.Tasks.length);
  return job;
}

/** A task's record and id (recorded in `indexOf` when it is the first with it). */
function readEntry(raw: unknown, i: number, indexOf: Map<string, number>, r: PlainReading): Entry {
  const sink = r.sink;
  // An entry whose read threw is an Unreadable, itself an object: it is no task, and only a caller's
  // array (r.safe) can hold one.
  const rec = isRecord(raw) && !(r.safe && isUnreadable(raw)) ? (r.safe ? snapshotRecord(raw, TASK_PROPERTIES) : raw) : undefined;
  if (rec === undefined || isUnreadable(rec)) {
    if (sink.room('TASK_INVALID')) {
      const why = isUnreadable(raw) ? `could not be read: ${raw.why}` : isUnreadable(rec) ? `could not be read: ${rec.why}` : `is ${typeName(raw)}, not an object`;
      sink.add('TASK_INVALID', `tasks[${i}] ${why}`, { task: i, hint: 'each task is an object with an id: {"id": "encode", "dependsOn": ["split"]}' });
    }
    return { rec: undefined, id: undefined };
  }
  const at = { task: i };
  const whose = `task #${i}'s`;
  const v = value(rec, 'id', whose, 'TASK_INVALID', at, sink);
  if (v === undefined || v === null) {
    if (!isUnreadable(rec.id) && sink.room('TASK_INVALID')) sink.add('TASK_INVALID', `task #${i} has no id`, { ...at, hint: 'give every task an id unique in the graph: {"id": "encode"}' });
    return { rec, id: undefined };
  }
  if (typeof v !== 'string' || v === '') {
    if (sink.room('TASK_INVALID')) sink.add('TASK_INVALID', `${whose} id is ${v === '' ? 'empty' : `${typeName(v)}, not a string`}`, { ...at, property: 'id', hint: 'an id is a non-empty string, unique in the graph' });
    return { rec, id: undefined };
  }
  const first = indexOf.get(v);
  if (first !== undefined) {
    if (sink.room('TASK_INVALID')) sink.add('TASK_INVALID', `${whose} id ${JSON.stringify(clip(v))} is already the id of task #${first}`, { ...at, taskName: clip(v, 100), property: 'id', hint: 'each task needs its own id' });
    return { rec, id: v };
  }
  if (r.addition?.names.has(v) === true) {
    if (sink.room('TASK_INVALID')) sink.add('TASK_INVALID', `${whose} id ${JSON.stringify(clip(v))} is already the id of a task of the job`, { ...at, taskName: clip(v, 100), property: 'id', hint: 'give the new task an id no task of the job has' });
    return { rec, id: v };
  }
  indexOf.set(v, i);
  return { rec, id: v };
}

/** The task placeholders and tasks without dependencies share (frozen: no one fills one in). */
const NONE = Object.freeze([]) as unknown as never[];

function makeTask(e: Entry, i: number, entries: readonly Entry[], indexOf: Map<string, number>, job: Job, r: PlainReading, suggest: BoundedSuggestions): Task {
  const task: Task = {
    index: i,
    Id: '',
    Name: e.id ?? '',
    MediaProcessorId: '',
    Configuration: null,
    TaskBody: '',
    Priority: 0,
    Options: 0,
    EncryptionKeyId: null,
    EncryptionScheme: null,
    EncryptionVersion: null,
    InitializationVector: null,
    TaskNotificationSubscriptions: NONE,
    inputs: NONE,
    outputs: NONE,
    inputEntries: NONE,
    outputEntries: NONE,
  };
  const rec = e.rec;
  if (rec === undefined) return task; // no task: no id, as load.ts's placeholders
  const sink = r.sink;
  task.Id = r.ids('task');
  // Where a problem of this task is, made when there is one: a graph may have 100k tasks and none.
  let placed: DiagnosticExtras | undefined;
  const place = (): DiagnosticExtras => (placed ??= e.id !== undefined ? { task: i, taskName: clip(e.id, 100) } : { task: i });
  const whose = `task #${i}'s`;
  for (const key of Object.keys(rec)) if (!TASK_PROPERTIES.has(key)) unknownProperty(sink, key, `task ${label(i, e.id)}`, TASK_PROPERTIES, place());
  if (e.id !== undefined && e.id.length > LIMITS.name) sink.add('NAME_TOO_LONG', `${whose} id has ${e.id.length} characters; at most ${LIMITS.name} are allowed`, { ...place(), property: 'id' });

  if (rec.name !== undefined) {
    const name = optionalString(rec, 'name', whose, 'TASK_INVALID', place, sink);
    if (name !== undefined && name.length > LIMITS.name) sink.add('NAME_TOO_LONG', `${whose} name has ${name.length} characters; at most ${LIMITS.name} are allowed`, { ...place(), property: 'name' });
    else if (name !== undefined) setTaskExtension(job, 'label', i, name);
  }
  if (rec.priority !== undefined) task.Priority = readPriority(rec, whose, 'TASK_INVALID', place, sink);
  if (rec.configuration !== undefined) {
    const config = optionalString(rec, 'configuration', whose, 'TASK_INVALID', place, sink);
    if (config !== undefined) task.Configuration = config;
    if (config !== undefined && config.length > LIMITS.configuration) sink.add('CONFIGURATION_TOO_LONG', `${whose} configuration has ${config.length} characters; at most ${LIMITS.configuration} are allowed`, { ...place(), property: 'configuration' });
  }
  if (rec.weight !== undefined) readWeight(job, i, value(rec, 'weight', whose, 'TASK_INVALID', place, sink), whose, { ...place(), property: 'weight' }, sink);
  if (rec.action !== undefined) readAction(job, i, value(rec, 'action', whose, 'TASK_INVALID', place, sink), whose, { ...place(), property: 'action' }, sink);
  if (rec.pool !== undefined) readPool(job, i, value(rec, 'pool', whose, 'TASK_INVALID', place, sink), whose, { ...place(), property: 'pool' }, sink);
  const processor = rec.processor !== undefined ? optionalString(rec, 'processor', whose, 'TASK_INVALID', place, sink) : undefined;
  const pool = job.extensions?.pool?.[i];
  task.MediaProcessorId = processor ?? (typeof pool === 'string' ? pool : '');

  const producers = rec.dependsOn !== undefined ? readDependsOn(rec, i, e.id, entries, indexOf, whose, place, r, suggest) : NONE;
  writeTaskBody(task, producers, job, r.addition?.outputBase ?? 0);
  return task;
}

/**
 * The output indices the task reads: those of the tasks `dependsOn` names, each task once, in the
 * order written (task p's output is `outputBase + p`; an existing task's, all its outputs).
 */
function readDependsOn(
  rec: Record<string, unknown>,
  i: number,
  id: string | undefined,
  entries: readonly Entry[],
  indexOf: Map<string, number>,
  whose: string,
  at: () => DiagnosticExtras,
  r: PlainReading,
  suggest: BoundedSuggestions,
): number[] {
  const sink = r.sink;
  const v = value(rec, 'dependsOn', whose, 'TASK_INVALID', at, sink);
  if (v === undefined || v === null) return [];
  let placed: DiagnosticExtras | undefined;
  const where = (): DiagnosticExtras => (placed ??= { ...at(), property: 'dependsOn' });
  const list = kindOf(v) === 'array' ? (r.safe ? snapshotArray(v as object) : (v as unknown[])) : undefined;
  if (list === undefined || isUnreadable(list)) {
    if (sink.room('TASK_INVALID')) {
      sink.add('TASK_INVALID', list === undefined ? `${whose} dependsOn is ${typeName(v)}, not an array of task ids` : `${whose} dependsOn could not be read: ${list.why}`, { ...where(), hint: 'dependsOn lists the ids of the tasks that must finish first: ["split"]' });
    }
    return [];
  }
  const producers: number[] = [];
  // Past a few entries, a Set: includes() over a long dependsOn is quadratic (150,000 names: 7 s).
  let named: Set<number> | undefined;
  const add = (o: number): void => {
    producers.push(o);
    if (named !== undefined) named.add(o);
    else if (producers.length > 16) named = new Set(producers);
  };
  const addition = r.addition;
  const base = addition?.outputBase ?? 0;
  for (let k = 0; k < list.length; k++) {
    const dep = list[k];
    if (typeof dep !== 'string') {
      if (sink.room('TASK_INVALID')) {
        const why = isUnreadable(dep) ? `could not be read: ${dep.why}` : `is ${typeName(dep)}, not a task id`;
        sink.add('TASK_INVALID', `${whose} dependsOn[${k}] ${why}`, { ...where(), hint: 'dependsOn lists task ids, each a string: ["split"]' });
      }
      continue;
    }
    const p = indexOf.get(dep);
    const existing = p === undefined ? addition?.names.get(dep) : undefined;
    if (p === undefined && existing === undefined) {
      if (!sink.room('OUTPUT_NOT_PRODUCED')) continue;
      if (addition !== undefined) {
        const near = suggest.near(dep, candidates(entries, addition.names.keys()));
        const hint = near !== undefined ? `did you mean "${near}"?` : 'dependsOn names the ids of the other new tasks, or the Name of a task of the job';
        sink.add('OUTPUT_NOT_PRODUCED', `task ${label(i, id)} depends on ${JSON.stringify(clip(dep))}, which is no task of the job or of the addition`, { ...where(), hint });
        continue;
      }
      const near = suggest.near(dep, ids(entries));
      const hint = near !== undefined ? `did you mean "${near}"?` : 'dependsOn names the ids of other tasks of the graph';
      sink.add('OUTPUT_NOT_PRODUCED', `task ${label(i, id)} depends on ${JSON.stringify(clip(dep))}, which is no task of the graph`, { ...where(), hint });
      continue;
    }
    // A task named once reads all its outputs: the first of them tells whether it was named already.
    const first = p !== undefined ? base + p : existing![0];
    if (first !== undefined && (named !== undefined ? named.has(first) : producers.includes(first))) {
      if (sink.room('INPUT_DUPLICATE')) sink.add('INPUT_DUPLICATE', `${whose} dependsOn names ${JSON.stringify(clip(dep))} twice`, { ...where(), hint: 'list each task once' });
      continue;
    }
    if (p !== undefined) add(base + p);
    else for (const o of existing!) add(o);
  }
  return producers;
}

/** The graph's ids, for "did you mean" (only asked when a dependency names none). */
function* ids(entries: readonly Entry[]): Generator<string> {
  for (const e of entries) if (e.id !== undefined) yield e.id;
}

function* candidates(entries: readonly Entry[], names: Iterable<string>): Generator<string> {
  yield* ids(entries);
  yield* names;
}


/**
 * The task's references and a TaskBody that says them, with the entries' true places in it (one
 * line): task i outputs JobOutputAsset(i) (`outputBase + i` in an addition) and reads `reads`, the
 * outputs of the tasks it depends on.
 */
function writeTaskBody(task: Task, reads: readonly number[], job: Job, outputBase: number): void {
  let body = '<taskBody>';
  const inputs = new Array<AssetRef>(reads.length);
  const inputEntries = new Array<InputAssetEntry>(reads.length);
  for (let k = 0; k < reads.length; k++) {
    const ref: AssetRef = { kind: 'JobOutputAsset', index: reads[k]! };
    const text = `JobOutputAsset(${ref.index})`;
    inputs[k] = ref;
    inputEntries[k] = { ref, text, line: 1, column: body.length + 1 };
    body += `<inputAsset>${text}</inputAsset>`;
  }
  const i = task.index + outputBase;
  const text = `JobOutputAsset(${i})`;
  const outputEntries: OutputAssetEntry[] = [{ ref: { kind: 'JobOutputAsset', index: i }, text, line: 1, column: body.length + 1 }];
  body += `<outputAsset>${text}</outputAsset></taskBody>`;
  task.TaskBody = body;
  task.inputs = inputs;
  task.inputEntries = inputEntries;
  task.outputEntries = outputEntries;
  // The default name, as an AMS output without assetName gets (and as the store writes it back).
  task.outputs = [{ index: i, assetName: defaultNameOf(i, job), assetCreationOptions: DEFAULT_ASSET_CREATION_OPTIONS, storageAccountName: null, assetFormatOption: 0 }];
}
