/**
 * Validation of tasks added to a job that was already accepted (and may be running): what
 * `Scheduler.addTasks` checks before the job grows.
 *
 * The new tasks are loaded and checked as a job of their own, in the addition's terms (task k is the
 * k-th task the user wrote; diagnostics, cycles and `dependencies` say k), with the job they join as
 * context: references to its outputs are fine (`external` edges), their outputs continue the job's
 * numbering, and the quotas count the grown job. Only then are the tasks given their indices in the
 * grown job.
 */
import { resolveLoaded, type Dependencies } from '../graph/dependencies.js';
import { DiagnosticSink, type Diagnostic, type DiagnosticExtras } from '../diagnostics/diagnostic.js';
import { closest } from '../diagnostics/suggest.js';
import { ArgumentRangeError, ArgumentTypeError, describeValue } from '../errors.js';
import { randomIds, type IdFactory } from '../job/ids.js';
import { parseJsonText } from '../job/json-text.js';
import { reportDuplicateKeys } from './duplicate-keys.js';
import { loadTasksInto, packedRefsOf, readLoadOptions, type Reading } from '../job/load.js';
import type { Job, JobExtensions, Task } from '../job/model.js';
import { loadPlainGraphInto, type PlainReading } from '../job/plain.js';
import { taskNames } from '../job/names.js';
import { isRecord, isUnreadable, kindOf, snapshotArray, snapshotRecord, typeName } from '../job/read.js';
import { at, checkGraph, checkTaskIds, finish, label, placeInFile, refuseExtensions, type Profile } from './validate.js';

/** Options of {@link validateAddition}. */
export interface AdditionOptions {
  /** As validateJob's: `ams` enforces the quotas (on the grown job) and refuses extensions. @defaultValue `'ams'` */
  profile?: Profile;
  /** Makes the new tasks' ids (a task of a `Tasks` addition may give its own `Id`). @defaultValue randomIds */
  ids?: IdFactory;
  /** As validateJob's: past it problems are counted, not built (TOO_MANY_DIAGNOSTICS). @defaultValue 1000 */
  maxDiagnostics?: number;
  /**
   * For an existing task (its index in `job.Tasks`): `'failed'` or `'canceled'` when it ended without
   * producing its outputs, else undefined (not ended, or Finished). A new task that reads an output
   * of such a task could never run: INPUT_ENDED. Asked only for the producers the new tasks read.
   */
  ended?: (taskIndex: number) => 'failed' | 'canceled' | undefined;
}

/** The result of {@link validateAddition}. */
export interface AdditionResult {
  /** True when no diagnostic is an error. */
  valid: boolean;
  /**
   * Every problem, sorted as validateJob sorts them; `task` is the index in the addition's list
   * (what the user wrote), `line`:`column` a place in that task's TaskBody; `fileLine`/`fileColumn`
   * when the addition was JSON text.
   */
  diagnostics: Diagnostic[];
  /**
   * The new tasks as loaded (undefined when the addition holds no readable list); task k's `index`
   * is its place in the grown job, `job.Tasks.length + k`.
   */
  tasks: Task[] | undefined;
  /**
   * The edges among the new tasks only, `from`/`to` LOCAL (0..k-1), `taskCount` k; `producerOf` maps
   * the new outputs to local indices; `unproduced` lists the references neither the job nor the
   * addition produces, `duplicates` the outputs written twice within the addition.
   */
  dependencies: Dependencies | undefined;
  /**
   * The edges from an existing task (`from`: its index in `job.Tasks`) to a new one (`to`: local k),
   * edge e being the new task's `inputEntry[e]`-th input, `JobOutputAsset(asset[e])`; in the order
   * of the new tasks and their inputs.
   */
  external: { from: Int32Array; to: Int32Array; asset: Int32Array; inputEntry: Int32Array } | undefined;
  /**
   * The new tasks' extension arrays (`weight`, `action`, `pool`, `label`), each of length k, present
   * only when a new task uses one; never `maxRunning` (no job-level property in an addition).
   */
  extensions: JobExtensions | undefined;
  /** True when every new task id was made by the built-in random factory (none given, none injected). */
  freshIds: boolean;
}

/** What an addition holds. */
const ADDITION_PROPERTIES = new Set(['Tasks', 'tasks']);
/** The job's own properties (Create-Job body and plain graph): an addition cannot set them. */
const JOB_PROPERTIES = new Set([
  'Name',
  'Priority',
  'TemplateId',
  'InputMediaAssets',
  'InputMediaAssets@odata.bind',
  'JobNotificationSubscriptions',
  'Id',
  'MaxRunningTasks',
  'name',
  'priority',
  'maxRunning',
]);

const SHAPE_HINT = 'an addition is {"Tasks": [...]} (tasks as in a Create-Job body) or {"tasks": [...]} (plain tasks with dependsOn), nothing else';

/**
 * Checks tasks to be added to an accepted job and reports every problem in one pass, as
 * {@link validateJob} does for a whole job.
 *
 * `additions` is `{ "Tasks": [...] }` (task definitions as in a Create-Job body, loaded as tasks of
 * a job with the job's Name and inputs: `JobInputAsset(N)` must be one of the job's inputs,
 * `JobOutputAsset(a)` an output of the job or of a new task, and the new outputs continue the job's,
 * from one past its highest) or `{ "tasks": [...] }` (plain tasks: new task k outputs
 * `JobOutputAsset(m + k)`, `m` one past the job's highest output; `dependsOn` names another new
 * task's `id` or an existing task's `Name`, whose every output it then reads). Profile `ams`
 * counts its quotas on the grown job and refuses extensions and plain tasks (EXTENSION_NOT_AMS).
 * Only new tasks can form a cycle: the job's tasks cannot read outputs that did not exist.
 * A new task reading an output of a task `ended` says failed or was canceled is INPUT_ENDED.
 *
 * Time is linear in the size of the addition, plus O(tasks of the job) for a plain addition (the
 * names) and O(outputs of the job) for the output numbering.
 *
 * @param job the job as accepted (valid), with `deps` its dependencies (validateJob's `dependencies`).
 * @param additions JSON text, or the parsed object; never throws for a bad one.
 * @throws ArgumentTypeError / ArgumentRangeError for bad options, or a `job`/`deps` that are not a
 *   loaded job and its dependencies.
 * @example
 * const r = validateAddition(accepted.job!, accepted.dependencies!, { Tasks: [{ MediaProcessorId, TaskBody }] });
 * if (!r.valid) console.log(r.diagnostics);
 */
export function validateAddition(job: Job, deps: Dependencies, additions: unknown, options: AdditionOptions = {}): AdditionResult {
  const { ids, maxDiagnostics } = readLoadOptions(options, 'validateAddition');
  const profile = options.profile ?? 'ams';
  if (profile !== 'ams' && profile !== 'relaxed') {
    throw new ArgumentRangeError(`validateAddition: expected \`profile\` to be "ams" or "relaxed", got ${describeValue(profile)}`, 'ERR_INVALID_ARG_VALUE');
  }
  const ended = options.ended;
  if (ended !== undefined && typeof ended !== 'function') throw new ArgumentTypeError(`validateAddition: Expected \`ended\` to be a function, got ${describeValue(ended)}`);
  if (typeof job !== 'object' || job === null || !Array.isArray(job.Tasks) || !Array.isArray(job.InputMediaAssets)) {
    throw new ArgumentTypeError(`validateAddition: Expected \`job\` to be a loaded job (validateJob's \`job\`), got ${describeValue(job)}`);
  }
  if (typeof deps !== 'object' || deps === null || typeof deps.producerOf?.get !== 'function') {
    throw new ArgumentTypeError(`validateAddition: Expected \`deps\` to be the job's dependencies (validateJob's \`dependencies\`), got ${describeValue(deps)}`);
  }

  const sink = new DiagnosticSink(maxDiagnostics);
  const out: AdditionResult = { valid: false, diagnostics: [], tasks: undefined, dependencies: undefined, external: undefined, extensions: undefined, freshIds: false };
  let value = additions;
  let parsed = false;
  if (typeof additions === 'string') {
    const text = parseJsonText(additions);
    if (!text.ok) {
      const { message, line, column, hint } = text.problem;
      sink.add('JSON_MALFORMED', message, hint ? { line, column, fileLine: line, fileColumn: column, hint } : { line, column, fileLine: line, fileColumn: column });
      return done(out, sink);
    }
    value = text.value;
    parsed = true;
  }
  const safe = !parsed;
  const list = readShape(value, safe, sink);
  if (list === undefined) {
    const r = done(out, sink);
    if (parsed) placeInFile(additions as string, r.diagnostics, 'Tasks');
    return r;
  }
  const plain = list.plain;
  // As validateJob: a key given twice in one object of the text, which JSON.parse dropped.
  if (parsed) reportDuplicateKeys(additions as string, sink, plain ? 'tasks' : 'Tasks');
  const outputBase = nextOutput(deps);

  // The tasks, loaded as those of a job that stands for the one they join (its Id, Name and inputs:
  // default output names and input ranges are the job's; no job id is made).
  let tasksJob: Job;
  let givenTaskIds = 0;
  let extensionUses: Reading['extensionUses'];
  if (plain && list.tasks.length === 0) {
    tasksJob = standIn(job); // JOB_NO_TASKS is said
  } else if (plain) {
    const reading: PlainReading = { sink, ids, safe, addition: { names: taskNames(job), outputBase, job } };
    tasksJob = loadPlainGraphInto({ tasks: list.tasks }, reading);
  } else {
    tasksJob = standIn(job);
    const reading: Reading = { sink, ids, safe, givenTaskIds: 0 };
    loadTasksInto(tasksJob, list.tasks, reading);
    givenTaskIds = reading.givenTaskIds ?? 0;
    extensionUses = reading.extensionUses;
  }
  if (profile === 'ams') refuseExtensions(plain, extensionUses, sink, 'the addition holds plain tasks');

  // Local dependencies. What they read of the job is an external edge: an output the job has is
  // the job's (as in the grown job, where its producer comes first), even when a new task outputs it
  // again (OUTPUT_DUPLICATE); what neither has stays unproduced.
  const packed = packedRefsOf(tasksJob);
  const local = resolveLoaded(tasksJob, packed);
  const ex = splitExternal(local, deps);
  checkGraph(tasksJob, local, sink, profile, plain, { job, deps, outputBase }, packed);
  if (ended !== undefined) checkEnded(tasksJob, job, ex, ended, plain, sink);
  if (givenTaskIds > 0) checkTaskIds(tasksJob, sink, job);

  // The tasks take their places in the grown job.
  const base = job.Tasks.length;
  for (const t of tasksJob.Tasks) (t as { index: number }).index = base + t.index;

  out.diagnostics = finish(sink);
  if (parsed) placeInFile(additions as string, out.diagnostics, plain ? 'tasks' : 'Tasks');
  out.valid = !sink.hasError();
  out.tasks = tasksJob.Tasks;
  out.dependencies = local;
  out.external = { from: Int32Array.from(ex.from), to: Int32Array.from(ex.to), asset: Int32Array.from(ex.asset), inputEntry: Int32Array.from(ex.inputEntry) };
  out.extensions = tasksJob.extensions;
  out.freshIds = ids === randomIds && givenTaskIds === 0;
  return out;
}

/** A job without tasks that stands for `job`: its Id, Name and inputs (what loading a task looks at). */
function standIn(job: Job): Job {
  return { Id: job.Id, Name: job.Name, Priority: job.Priority, TemplateId: null, InputMediaAssets: job.InputMediaAssets, Tasks: [], JobNotificationSubscriptions: [] };
}

/** The result without tasks: only diagnostics. */
function done(out: AdditionResult, sink: DiagnosticSink): AdditionResult {
  out.diagnostics = finish(sink);
  out.valid = !sink.hasError();
  return out;
}

/**
 * The list of tasks of the addition, and whether it is plain (`tasks`); undefined, with the
 * problems reported, when it holds no readable list. Job-level properties are errors (JOB_INVALID),
 * anything else a warning (UNKNOWN_PROPERTY).
 */
function readShape(value: unknown, safe: boolean, sink: DiagnosticSink): { tasks: unknown[]; plain: boolean } | undefined {
  if (!isRecord(value)) {
    sink.add('JOB_INVALID', `the addition is ${typeName(value)}, not an object`, { hint: SHAPE_HINT });
    return undefined;
  }
  const rec = safe ? snapshotRecord(value, ADDITION_PROPERTIES) : value;
  if (isUnreadable(rec)) {
    sink.add('JOB_INVALID', `the addition could not be read: ${rec.why}`, { hint: SHAPE_HINT });
    return undefined;
  }
  const keys = Object.keys(rec);
  for (const key of keys) {
    if (ADDITION_PROPERTIES.has(key)) continue;
    if (JOB_PROPERTIES.has(key)) {
      if (sink.room('JOB_INVALID')) {
        sink.add('JOB_INVALID', `an addition holds only Tasks (or tasks): the job's ${key} cannot be set by one`, {
          property: key,
          hint: 'leave it out: the tasks join the job as it is (its Name, Priority, inputs and settings stay)',
        });
      }
    } else if (sink.room('UNKNOWN_PROPERTY')) {
      const near = closest(key, ADDITION_PROPERTIES);
      sink.add('UNKNOWN_PROPERTY', `the addition has no property "${key.length > 80 ? `${key.slice(0, 77)}...` : key}"; it is ignored`, {
        property: key,
        hint: near !== undefined ? `did you mean "${near}"? An addition holds only Tasks (or tasks)` : 'an addition holds only Tasks (or tasks)',
      });
    }
  }
  const upper = keys.includes('Tasks');
  const lower = keys.includes('tasks');
  if (upper && lower) {
    sink.add('JOB_INVALID', 'the addition has both Tasks and tasks; it holds only one of them', { property: 'tasks', hint: SHAPE_HINT });
    return undefined;
  }
  if (!upper && !lower) {
    sink.add('JOB_INVALID', 'the addition has no Tasks (or tasks): an addition holds only the tasks to add', { hint: SHAPE_HINT });
    return undefined;
  }
  const key = upper ? 'Tasks' : 'tasks';
  const raw = rec[key];
  const hint = upper ? 'Tasks is an array of task objects, as in a Create-Job body' : 'tasks is an array of plain tasks: {"id": "pack", "dependsOn": ["encode"]}';
  if (isUnreadable(raw)) {
    sink.add('JOB_INVALID', `the addition's ${key} could not be read: ${raw.why}`, { property: key, hint });
    return undefined;
  }
  if (kindOf(raw) !== 'array') {
    sink.add('JOB_INVALID', `the addition's ${key} is ${typeName(raw)}, not an array`, { property: key, hint });
    return undefined;
  }
  const tasks = safe ? snapshotArray(raw as object) : (raw as unknown[]);
  if (isUnreadable(tasks)) {
    sink.add('JOB_INVALID', `the addition's ${key} could not be read: ${tasks.why}`, { property: key, hint });
    return undefined;
  }
  if (tasks.length === 0) {
    sink.add('JOB_NO_TASKS', `the addition has an empty ${key} array`, { property: key, hint: 'add at least one task, or add none' });
  }
  return { tasks, plain: lower };
}

/** The external edges, taken out of `local` (its edges and `unproduced`), in the order of the new tasks and their inputs. */
function splitExternal(local: Dependencies, deps: Dependencies): External {
  const existing = deps.producerOf;
  const ex: External = { from: [], to: [], asset: [], inputEntry: [] };
  const unproduced: Dependencies['unproduced'] = [];
  const edges = local.from.length;
  let kept = 0;
  let e = 0;
  // Both lists run by task, then input entry: merged, so the external edges keep that order.
  const take = (task: number, entry: number, asset: number): boolean => {
    const producer = existing.get(asset);
    if (producer === undefined) return false;
    ex.from.push(producer);
    ex.to.push(task);
    ex.asset.push(asset);
    ex.inputEntry.push(entry);
    return true;
  };
  const keepEdges = (until: (e: number) => boolean): void => {
    for (; e < edges && until(e); e++) {
      if (take(local.to[e]!, local.inputEntry[e]!, local.asset[e]!)) continue;
      local.from[kept] = local.from[e]!;
      local.to[kept] = local.to[e]!;
      local.asset[kept] = local.asset[e]!;
      local.inputEntry[kept] = local.inputEntry[e]!;
      kept++;
    }
  };
  for (const u of local.unproduced) {
    keepEdges((x) => local.to[x]! < u.task || (local.to[x] === u.task && local.inputEntry[x]! < u.inputEntry));
    if (!take(u.task, u.inputEntry, u.asset)) unproduced.push(u);
  }
  keepEdges(() => true);
  if (kept < edges) {
    local.from = local.from.slice(0, kept);
    local.to = local.to.slice(0, kept);
    local.asset = local.asset.slice(0, kept);
    local.inputEntry = local.inputEntry.slice(0, kept);
  }
  local.unproduced = unproduced;
  return ex;
}

interface External {
  from: number[];
  to: number[];
  asset: number[];
  inputEntry: number[];
}

/** One past the job's highest output index (0 for a job without outputs). */
function nextOutput(deps: Dependencies): number {
  return deps.producerOf.highest + 1;
}

const ENDED_HINT = 'rerun the producer first (Scheduler.rerun), then add the task; or read another output';

/**
 * INPUT_ENDED for each external edge whose producer failed or was canceled: at the input entry (a
 * plain task: at its dependsOn, once per producer). `ended` is asked once per producer.
 */
function checkEnded(
  tasksJob: Job,
  job: Job,
  ex: External,
  ended: NonNullable<AdditionOptions['ended']>,
  plain: boolean,
  sink: DiagnosticSink,
): void {
  const states = new Map<number, 'failed' | 'canceled' | undefined>();
  let lastTask = -1;
  // The producers the task was said to depend on: a set, as one plain task may name 100,000 of
  // them (a search of a list for each was quadratic: 17 s for 200,000).
  let reported = new Set<number>();
  for (let e = 0; e < ex.from.length; e++) {
    const p = ex.from[e]!;
    let state = states.get(p);
    if (!states.has(p)) {
      const s = ended(p);
      state = s === 'failed' || s === 'canceled' ? s : undefined;
      states.set(p, state);
    }
    if (state === undefined) continue;
    const t = tasksJob.Tasks[ex.to[e]!]!;
    const producer = job.Tasks[p]!;
    const how = state === 'failed' ? 'which failed' : 'which was canceled';
    if (plain) {
      if (t.index !== lastTask) [lastTask, reported] = [t.index, new Set()];
      if (reported.has(p)) continue;
      reported.add(p);
      if (!sink.room('INPUT_ENDED')) continue;
      const where: DiagnosticExtras = { ...at(t), property: 'dependsOn', hint: ENDED_HINT };
      sink.add('INPUT_ENDED', `task ${label(t)} depends on task ${label(producer)} of the job, ${how}: its outputs will not be made and the task could never run`, where);
      continue;
    }
    if (!sink.room('INPUT_ENDED')) continue;
    const entry = t.inputEntries[ex.inputEntry[e]!];
    sink.add('INPUT_ENDED', `task ${label(t)} reads JobOutputAsset(${ex.asset[e]!}), an output of task ${label(producer)} of the job, ${how}: the asset will not be made and the task could never run`, {
      ...at(t, entry),
      hint: ENDED_HINT,
    });
  }
}
