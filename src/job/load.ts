import { DiagnosticSink, DEFAULT_MAX_DIAGNOSTICS, type Diagnostic, type DiagnosticExtras } from '../diagnostics/diagnostic.js';
import type { DiagnosticCode } from '../diagnostics/codes.js';
import { parseTaskBody, parseTaskBodyWithSaxes } from '../taskbody/parse.js';
import { packPlainRefs, refsOfScan, type PlainOutput, type RefPacker } from '../taskbody/plain-scan.js';
import { assetRef } from '../taskbody/asset-ref.js';
import type { AssetRef, InputAssetEntry, OutputAssetEntry } from '../taskbody/types.js';
import { ArgumentRangeError, ArgumentTypeError, checkMaxOption, checkObject, describeValue } from '../errors.js';
import { DEFAULT_ASSET_CREATION_OPTIONS, TASK_OPTIONS_MASK, TaskOptions } from './enums.js';
import { ASSET_ID, CONTENT_KEY_ID, JOB_ID, MEDIA_PROCESSOR_ID, TASK_ID, randomIds, taskIdChunk, type IdFactory, type TaskIdBits } from './ids.js';
import { padExtensions, readAction, readMaxRunning, readPool, readWeight, type ExtensionUse } from './extensions.js';
import type { Job, JobInputAsset, JobNotificationSubscription, Task, TaskNotificationSubscription, TaskOutputAsset } from './model.js';
import { type Unreadable, isRecord, isUnreadable, kindOf, ownKeys, readFailed, readOnce, show, snapshotArray, snapshotRecord, typeName } from './read.js';

/** Limits of the entity properties (reference §1, §4, §10). */
export const LIMITS = {
  name: 4000,
  configuration: 100_000,
  initializationVector: 4000,
} as const;

export interface LoadOptions {
  /** Makes job and task ids; defaults to random GUIDs. */
  ids?: IdFactory;
  /**
   * At most this many diagnostics are reported (an integer >= 0, or Infinity); past it problems are
   * counted, not built, and one TOO_MANY_DIAGNOSTICS says how many were left out.
   * @defaultValue 1000
   */
  maxDiagnostics?: number;
}

export interface LoadResult {
  /** The normalised job; present unless the definition is not an object at all. */
  job: Job | undefined;
  diagnostics: Diagnostic[];
}

const JOB_PROPERTIES = new Set(['Name', 'Priority', 'InputMediaAssets', 'InputMediaAssets@odata.bind', 'Tasks', 'TemplateId', 'JobNotificationSubscriptions', 'Id', 'MaxRunningTasks']);
// Read-only properties a client may echo back from a GET; ignored without a warning.
const JOB_READ_ONLY = new Set(['__metadata', 'State', 'Created', 'LastModified', 'StartTime', 'EndTime', 'RunningDuration', 'OutputMediaAssets', 'odata.metadata']);
const TASK_READ_ONLY = new Set(['__metadata', 'State', 'Progress', 'StartTime', 'EndTime', 'RunningDuration', 'PerfMessage', 'ErrorDetails', 'HistoricalEvents', 'InputMediaAssets', 'OutputMediaAssets']);
// What the loader reads of a task, each key with its slot (see TaskRecord): the Task's properties,
// then from FIRST_EXTENSION on its extensions (profile relaxed). A key of TASK_READ_ONLY is ignored.
const TASK_SLOTS = ['Name', 'MediaProcessorId', 'Configuration', 'TaskBody', 'Priority', 'Options', 'EncryptionKeyId', 'EncryptionScheme', 'EncryptionVersion', 'InitializationVector', 'TaskNotificationSubscriptions', 'Id', 'Weight', 'DependencyAction', 'Pool'] as const;
const FIRST_EXTENSION = 12;
const TASK_EXTENSIONS = TASK_SLOTS.slice(FIRST_EXTENSION);
const READ_ONLY = -1;
const TASK_KEYS = new Map<string, number>([...TASK_SLOTS.map((k, slot) => [k, slot] as const), ...[...TASK_READ_ONLY].map((k) => [k, READ_ONLY] as const)]);
// What the loader reads of the other objects (only these values are read from a caller's objects;
// an input asset's `__metadata.uri` is read by ownValue).
const JOB_SUBSCRIPTION_PROPERTIES = new Set(['NotificationEndPointId', 'TargetJobState']);
const TASK_SUBSCRIPTION_PROPERTIES = new Set(['NotificationEndPointId', 'TargetTaskState', 'IncludeTaskProgress']);

export function isInt32(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= -2147483648 && v <= 2147483647;
}

/** Whether `s` is empty or white space only, without the copy `trim()` makes (of a whole TaskBody). */
function isBlank(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // String.prototype.trim's white space: ASCII blanks, NBSP, BOM and the Unicode spaces and breaks.
    if (!(c === 0x20 || (c >= 0x09 && c <= 0x0d) || c === 0xa0 || c === 0xfeff || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000)) return false;
  }
  return true;
}

function clip(s: string, max = 80): string {
  return s.length > max ? `${s.slice(0, max - 3)}...` : s;
}

/** The asset id inside `…/Assets('nb%3Acid%3AUUID%3A…')`, decoded; the uri itself when it has none. */
export function assetIdFromUri(uri: string): string {
  if (typeof uri !== 'string') throw new ArgumentTypeError(`assetIdFromUri: expected \`uri\` to be a string, got ${describeValue(uri)}`);
  return assetLinkId(uri) ?? uri;
}

/** The key an asset link ends with (`…/Assets('key')`), decoded; undefined for a uri that is no such link. */
function assetLinkId(uri: string): string | undefined {
  const raw = plainAssetKey(uri) ?? quotedAssetKey(uri);
  if (raw === undefined) return undefined;
  // The usual key, an asset id escaped as clients escape it: its three colons are the only escapes,
  // and cutting them out is a quarter of what decodeURIComponent takes (0.09 against 0.32 µs here,
  // once an input of every job).
  if (raw.startsWith(ESCAPED_ASSET_PREFIX) && raw.indexOf('%', ESCAPED_ASSET_PREFIX.length) === -1) return `nb:cid:UUID:${raw.slice(ESCAPED_ASSET_PREFIX.length)}`;
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

const ESCAPED_ASSET_PREFIX = 'nb%3Acid%3AUUID%3A';

/**
 * Why an input's uri is refused: it does not end with `Assets('<asset id>')`, or the id in it is not
 * an asset id (`nb:cid:UUID:<guid>`, what the service gives every asset).
 */
function notAssetLink(where: string, uri: string): [string, DiagnosticExtras] {
  const id = assetLinkId(uri);
  const message = id === undefined || id === '' ? `${where} ${JSON.stringify(clip(uri))} is not an asset link` : `${where} names ${JSON.stringify(clip(id))}, which is not an asset id (nb:cid:UUID:<guid>)`;
  return [message, { hint: "an input is named by its asset's link, ending in Assets('<asset id>'): https://media.windows.net/api/Assets('nb:cid:UUID:<guid>')" }];
}

/**
 * The key of `…/Assets('key')` when the uri holds exactly two quotes, those two, and ends there:
 * nearly every uri. The expression of {@link quotedAssetKey} would match there and nowhere else
 * (its opening quote must be the first one), so the two agree. The expression was a third of the
 * time of finding an asset's id (16,666 uris, cold: 34 against 22 ms).
 */
function plainAssetKey(uri: string): string | undefined {
  const open = uri.indexOf("'");
  const close = uri.length - 2;
  if (open < 7 || close <= open || uri.charCodeAt(close + 1) !== 0x29 /* ) */ || uri.indexOf("'", open + 1) !== close || !uri.startsWith('Assets(', open - 7)) return undefined;
  return uri.slice(open + 1, close);
}

/** The key of `…/Assets('key')` at the end of the uri (`''` inside it a quote), or undefined. */
function quotedAssetKey(uri: string): string | undefined {
  const m = /Assets\('((?:[^']|'')*)'\)\s*$/.exec(uri);
  return m ? m[1]!.replace(/''/g, "'") : undefined;
}

/** The default name of an output asset (reference §3.3 rule 6): `JobOutputAsset(k)_<job name or id>`. */
export function defaultOutputAssetName(index: number, job: { Name: string; Id: string }): string {
  if (!Number.isInteger(index) || index < 0) throw new ArgumentRangeError(`defaultOutputAssetName: expected \`index\` to be an integer >= 0, got ${describeValue(index)}`);
  if (typeof job !== 'object' || job === null || typeof job.Name !== 'string' || typeof job.Id !== 'string') {
    throw new ArgumentTypeError(`defaultOutputAssetName: expected \`job\` to be a job with a string \`Name\` and \`Id\`, got ${describeValue(job)}`);
  }
  return defaultNameOf(index, job);
}

/** @internal {@link defaultOutputAssetName} for the loader, whose arguments are its own (no checks a task). */
export function defaultNameOf(index: number, job: { Name: string; Id: string }): string {
  // join() makes one flat string; a template literal makes a chain of concatenation nodes, kept by
  // every output of every task (two 32-byte nodes each, besides the text).
  return outputAssetName(index, job.Name !== '' ? job.Name : job.Id);
}

/** `JobOutputAsset(k)_<base>`, one flat string. */
function outputAssetName(index: number, base: string): string {
  return ['JobOutputAsset(', index, ')_', base].join('');
}

/**
 * How the loader reads. `safe`: the definition came from a caller as an object, so every object it
 * descends into is copied first (read.ts); JSON.parse output is read as it is.
 */
export interface Reading {
  sink: DiagnosticSink;
  ids: IdFactory;
  safe: boolean;
  /** Tasks whose Id the definition gave (counted, so the scheduler knows which ids it made itself). */
  givenTaskIds?: number;
  /** The job's TemplateId was dealt with by the validator (validate/template.ts): no JOB_TEMPLATE_UNSUPPORTED. */
  templateHandled?: boolean;
  /** Each extension the definition uses, for profile `ams` to refuse (made when there is one). */
  extensionUses?: ExtensionUse[];
}

/** Who owns the properties being read, for messages and locations. */
interface Owner {
  /** "the Job" or "task #3". */
  name: string;
  code: 'JOB_INVALID' | 'TASK_INVALID';
  at: DiagnosticExtras;
}

/**
 * Who a task's diagnostics name. One for all the tasks of a load, moved on from task to task, so
 * that a valid task makes none of its texts: a `task #3` string and an extras object for each task
 * were an eighth of loading 100k valid tasks. Every caller copies what `at` gives.
 */
class TaskOwner implements Owner {
  readonly code = 'TASK_INVALID';
  index = 0;
  /** The task's Name as diagnostics show it, once read (and not empty). */
  shown: string | undefined = undefined;

  next(index: number): void {
    this.index = index;
    this.shown = undefined;
  }

  get name(): string {
    return `task #${this.index}`;
  }

  /** A new object each time, as it stands now: the Name is in it once read. */
  get at(): DiagnosticExtras {
    return this.shown === undefined ? { task: this.index } : { task: this.index, taskName: this.shown };
  }
}

/** Reads the options of loadJob and validateJob. */
export function readLoadOptions(options: unknown, call: string): { ids: IdFactory; maxDiagnostics: number } {
  checkObject(call, '`options`', options);
  const ids = (options as LoadOptions).ids ?? randomIds;
  if (typeof ids !== 'function') throw new ArgumentTypeError(`${call}: Expected \`ids\` to be a function, got ${describeValue(ids)}`);
  return { ids, maxDiagnostics: checkMaxOption(options, 'maxDiagnostics', call, DEFAULT_MAX_DIAGNOSTICS) };
}

/**
 * Loads a Create-Job body (already JSON-parsed, or an object built by the caller) into a normalised
 * {@link Job}, collecting every problem of the entity properties and of each TaskBody (up to
 * `maxDiagnostics`, then TOO_MANY_DIAGNOSTICS). Graph rules (producers, ranges, cycles) are checked
 * by the validator on the result.
 *
 * Never throws for a bad definition: getters that throw, Proxies (revoked ones too), BigInts,
 * Symbols, cycles and sparse arrays are reported as diagnostics. An object is read once, as
 * JSON.stringify would see it (own enumerable properties).
 *
 * @throws ArgumentTypeError / ArgumentRangeError for bad options.
 */
export function loadJob(definition: unknown, options: LoadOptions = {}): LoadResult {
  const { ids, maxDiagnostics } = readLoadOptions(options, 'loadJob');
  const sink = new DiagnosticSink(maxDiagnostics);
  const job = loadJobInto(definition, { sink, ids, safe: true });
  const summary = sink.summary();
  if (summary) sink.list.push(summary);
  return { job, diagnostics: sink.list };
}

/**
 * @internal The loader, writing into the validator's sink. `safe: false` only for a value fresh
 * from JSON.parse.
 */
export function loadJobInto(definition: unknown, r: Reading): Job | undefined {
  const sink = r.sink;
  if (!isRecord(definition)) {
    sink.add('JOB_INVALID', `the job definition is ${typeName(definition)}, not an object`);
    return undefined;
  }
  const keys = ownKeys(definition);
  if (isUnreadable(keys)) {
    sink.add('JOB_INVALID', `the job definition could not be read: ${keys.why}`);
    return undefined;
  }
  const owner: Owner = { name: 'the Job', code: 'JOB_INVALID', at: {} };
  // As a task's (see TaskRecord): a caller's job is read once into a record, in the pass that
  // reports the keys the loader does not know.
  const record = r.safe ? new JobRecord() : undefined;
  for (const key of keys) {
    if (JOB_PROPERTIES.has(key)) {
      if (record !== undefined) record[key] = readOnce(definition, key);
    } else if (!JOB_READ_ONLY.has(key) && sink.room('UNKNOWN_PROPERTY')) {
      sink.add('UNKNOWN_PROPERTY', `the Job has no property "${clip(key)}"; it is ignored`, { property: key });
    }
  }
  const d: Record<string, unknown> = record ?? definition;

  const name = optionalString(d, 'Name', owner, sink) ?? '';
  if (name.length > LIMITS.name) sink.add('NAME_TOO_LONG', `the Job's Name has ${name.length} characters; at most ${LIMITS.name} are allowed`, { property: 'Name' });

  let priority = 0;
  const p = field(d, 'Priority', owner, sink);
  if (p !== undefined && p !== null) {
    if (isInt32(p)) priority = p;
    else sink.add('PRIORITY_INVALID', priorityMessage("the Job's", p), { property: 'Priority', ...priorityHint(p) });
  }

  let id = r.ids('job');
  const givenId = field(d, 'Id', owner, sink);
  if (typeof givenId === 'string' && JOB_ID.test(givenId)) id = givenId;
  else if (givenId !== undefined) {
    const what = typeof givenId === 'string' ? `the Job's Id ${show(givenId)} is not` : `the Job's Id is ${typeName(givenId)}, not a string`;
    sink.add('JOB_INVALID', `${what} of the form nb:jid:UUID:<guid>`, { property: 'Id', hint: 'leave Id out: the service assigns it' });
  }

  const templateId = optionalString(d, 'TemplateId', owner, sink);
  const inputs = loadInputAssets(d, owner, r);
  const jobSubscriptions = loadJobSubscriptions(field(d, 'JobNotificationSubscriptions', owner, sink), r);

  const job: Job = {
    Id: id,
    Name: name,
    Priority: priority,
    TemplateId: templateId ?? null,
    InputMediaAssets: inputs,
    Tasks: [],
    JobNotificationSubscriptions: jobSubscriptions,
  };

  if (d.MaxRunningTasks !== undefined) {
    (r.extensionUses ??= []).push({ property: 'MaxRunningTasks' });
    readMaxRunning(job, field(d, 'MaxRunningTasks', owner, sink), "the Job's", { property: 'MaxRunningTasks' }, sink);
  }

  if (isUnreadable(d.Tasks)) {
    field(d, 'Tasks', owner, sink);
    return job;
  }
  const rawTasks = d.Tasks;
  if (rawTasks === undefined || rawTasks === null) {
    if (templateId && r.templateHandled === true) {
      // reported by the validator: TEMPLATE_NOT_FOUND or TEMPLATE_INVALID
    } else if (templateId) {
      sink.add('JOB_TEMPLATE_UNSUPPORTED', `the job is made from JobTemplate ${clip(templateId)}, whose tasks are not part of the definition`, { property: 'TemplateId' });
    } else {
      sink.add('JOB_NO_TASKS', 'the job has no Tasks');
    }
    return job;
  }
  if (kindOf(rawTasks) !== 'array') {
    sink.add('JOB_INVALID', `the Job's Tasks is ${typeName(rawTasks)}, not an array`, { property: 'Tasks', hint: 'Tasks is an array of task objects' });
    return job;
  }
  const tasks = r.safe ? snapshotArray(rawTasks as object) : (rawTasks as unknown[]);
  if (isUnreadable(tasks)) {
    sink.add('JOB_INVALID', `the Job's Tasks could not be read: ${tasks.why}`, { property: 'Tasks', hint: 'Tasks is an array of task objects' });
    return job;
  }
  if (tasks.length === 0) {
    sink.add('JOB_NO_TASKS', 'the job has an empty Tasks array', { property: 'Tasks' });
  }
  loadTasksInto(job, tasks, r);
  return job;
}

/**
 * @internal Loads the entries of a Tasks array (already read) into `job.Tasks`, task i at index i:
 * the part of {@link loadJobInto} after the Job's properties. Default output names end with the
 * job's Name (its Id when the Name is empty). Also used for the Tasks of an addition to a running
 * job (validate/add.ts), loaded into a job that stands for the one they join.
 */
export function loadTasksInto(job: Job, tasks: readonly unknown[], r: Reading): void {
  const n = tasks.length;
  const c = columnsFor(n);
  // Taken before any is read: a getter of a task may load another job into the same chunk.
  const first = c.used;
  c.used += n;
  const fresh = job.Tasks.length === 0;
  const lazy = n > LAZY_TASKS_ABOVE && fresh;
  // A small job's Tasks made at its size: one grown by push had room for 17 (about 90 bytes a
  // six-task job more).
  const made = !lazy && fresh ? new Array<Task>(n) : undefined;
  const list = lazy || made !== undefined ? undefined : job.Tasks;
  let loaded = 0;
  // A getter of a task may load another job while this one is read: its packing goes, ours comes back.
  const outer = packInto;
  const packed = (packInto = new PackedRefs(job.Name !== '' ? job.Name : job.Id, n));
  try {
    let last: TaskShared | undefined;
    const owner = new TaskOwner();
    for (let i = 0; i < n; i++) {
      const task = loadTask(tasks[i], i, job, r, owner, c, first + i) as LoadedTask;
      last = task.seal(last);
      if (made !== undefined) made[i] = task;
      else list?.push(task);
      loaded = i + 1;
    }
    padExtensions(job.extensions, list === undefined ? n : list.length);
  } finally {
    // Also when a load throws: the shared chunk must not stay lent.
    packed.finish();
    packInto = outer; // undefined but in a nested load: it must not keep the job alive
    if (made !== undefined) {
      made.length = loaded;
      job.Tasks = made;
    }
  }
  if (lazy) installLazyTasks(job, new JobSlots(c, first, n));
}

/** A job's tasks in columns: task i in slot `first + i`. */
class JobSlots {
  constructor(
    readonly c: TaskColumns,
    readonly first: number,
    readonly n: number,
  ) {}
}

/**
 * Where a job whose `Tasks` are not made yet reads them from: a non-enumerable own property (a
 * spread does not copy it), undefined once they are made. A property, not a WeakMap: the code that
 * reads every job asks it of each one, and most jobs (small ones) have none.
 */
const SLOTS: unique symbol = Symbol('jobgraph.taskSlots');
type WithSlots = Job & { [SLOTS]?: JobSlots | undefined };

/** The slots `job` (or, for an object made with `Object.create(job)`, the job it is made from) reads its tasks from while they are not made. */
function slotsOf(job: Job): JobSlots | undefined {
  return (job as WithSlots)[SLOTS];
}

/** Whether `obj` itself holds lazy Tasks. */
function holdsSlots(obj: object): boolean {
  return Object.prototype.hasOwnProperty.call(obj, SLOTS) && (obj as WithSlots)[SLOTS] !== undefined;
}

/** Makes `job.Tasks` the plain property `tasks`, and lets its slots go. */
function settleTasks(job: Job, tasks: Task[]): void {
  if (holdsSlots(job)) (job as WithSlots)[SLOTS] = undefined;
  Object.defineProperty(job, 'Tasks', { value: tasks, writable: true, enumerable: true, configurable: true });
}

const LAZY_TASKS: PropertyDescriptor = { get: madeTasks, set: replaceTasks, enumerable: true, configurable: true };

/**
 * Makes `job.Tasks` an accessor that makes the task objects when first read (or takes the array it
 * is set to), and is a plain property from then on. An own enumerable accessor: a spread,
 * `JSON.stringify`, `structuredClone` and `Object.keys` see `Tasks` as before (reading it makes the
 * tasks); `util.inspect` shows `[Getter/Setter]` until then. Validation and the scheduler read such
 * a job's tasks through {@link readTasks} and do not make them.
 */
function installLazyTasks(job: Job, slots: JobSlots): void {
  Object.defineProperty(job, SLOTS, { value: slots, writable: true, enumerable: false, configurable: true });
  Object.defineProperty(job, 'Tasks', LAZY_TASKS);
}

/** The object in `obj`'s prototype chain that holds the lazy Tasks (obj itself but for an object made with `Object.create(job)`). */
function lazyHolder(obj: object): Job | undefined {
  for (let o: object | null = obj; o !== null; o = Object.getPrototypeOf(o) as object | null) if (holdsSlots(o)) return o as Job;
  return undefined;
}

function madeTasks(this: Job): Task[] {
  const job = lazyHolder(this);
  if (job === undefined) return [];
  const { c, first, n } = slotsOf(job)!;
  const list = new Array<Task>(n);
  for (let i = 0; i < n; i++) list[i] = new LoadedTask(i, c, first + i);
  settleTasks(job, list);
  return list;
}

function replaceTasks(this: Job, tasks: Task[]): void {
  settleTasks(this, tasks);
}

/**
 * @internal A job's tasks as the code that reads every task once takes them: a job whose `Tasks`
 * are not made yet (see {@link installLazyTasks}) is read from its columns, each task a view made
 * for the caller and not kept, so that validating and submitting a big job keeps no object a task.
 */
export interface TaskReader {
  readonly count: number;
  task(i: number): Task;
  priority(i: number): number;
  processor(i: number): string;
  id(i: number): string;
}

class ColumnReader implements TaskReader {
  constructor(readonly s: JobSlots) {}
  get count(): number {
    return this.s.n;
  }
  task(i: number): Task {
    return new LoadedTask(i, this.s.c, this.s.first + i);
  }
  priority(i: number): number {
    return this.s.c.priorities[this.s.first + i]!;
  }
  processor(i: number): string {
    return this.s.c.shared[this.s.first + i]!.MediaProcessorId;
  }
  id(i: number): string {
    const id = this.s.c.ids[this.s.first + i]!;
    return typeof id === 'string' ? id : this.task(i).Id;
  }
}

class ArrayReader implements TaskReader {
  constructor(readonly tasks: readonly Task[]) {}
  get count(): number {
    return this.tasks.length;
  }
  task(i: number): Task {
    return this.tasks[i]!;
  }
  priority(i: number): number {
    return this.tasks[i]!.Priority;
  }
  processor(i: number): string {
    return this.tasks[i]!.MediaProcessorId;
  }
  id(i: number): string {
    return this.tasks[i]!.Id;
  }
}

/** @internal See {@link TaskReader}. */
export function readTasks(job: Job): TaskReader {
  const slots = slotsOf(job);
  return slots !== undefined ? new ColumnReader(slots) : new ArrayReader(job.Tasks);
}

/** @internal How many tasks a job has, without making them. */
export function taskCountOf(job: Job): number {
  const slots = slotsOf(job);
  return slots !== undefined ? slots.n : job.Tasks.length;
}

/**
 * @internal Whether `v` is a loaded job (loadJob/validateJob's `job`) rather than a definition: its
 * tasks are the loader's, each with its `index`. O(1), and lazy tasks are not made.
 */
export function isLoadedJob(v: unknown): v is Job {
  if (typeof v !== 'object' || v === null) return false;
  if (slotsOf(v as Job) !== undefined) return true;
  const tasks: unknown = (v as { Tasks?: unknown }).Tasks;
  return Array.isArray(tasks) && (tasks.length === 0 || typeof (tasks[0] as { index?: unknown } | null | undefined)?.index === 'number');
}

/** @internal Whether a job's task objects are still to be made (for tests and benchmarks). */
export function tasksPending(job: Job): boolean {
  return holdsSlots(job);
}

/**
 * The references of a job's plain tasks (TaskBodies read by the plain scan, outputs without
 * attributes: nearly all), packed into one Int32Array as {@link packPlainRefs} writes them, from
 * `base` on. Such a task keeps where its references start (after `base`), not arrays of them:
 * `inputs` and `outputs` are made when first read. Why: at a million tasks the two arrays, an output
 * object and its default name were about 300 bytes a task, a third of what a submitted job held,
 * and what the garbage collector copied; the scheduler reads the references once, through
 * {@link inputCountOf} and friends.
 *
 * A small job packs into a chunk shared with the jobs loaded before and after it (see RefArena):
 * an Int32Array of its own was about 400 bytes a job besides its integers, as much as its six
 * tasks' objects for a media job.
 */
class PackedRefs implements RefPacker {
  data: Int32Array;
  /** Where the job's references start in `data`. */
  base: number;
  /** The end of what is packed, in `data`. */
  length: number;
  /** Packing into the shared chunk (see RefArena) rather than an array of its own. */
  #shared: boolean;
  /** What default output names end with: the job's Name, or its Id (see defaultOutputAssetName). */
  readonly nameBase: string;

  /**
   * `tasks`: how many will be packed. Room for four integers each (one input, one output: a chain)
   * from the start: a big job's array grown from 256 and copied at the end was 140 ms of a
   * million-task submit, fresh memory each time.
   */
  constructor(nameBase: string, tasks: number) {
    this.nameBase = nameBase;
    const estimate = 4 * tasks;
    this.#shared = estimate <= SHARED_JOB && arena.take(estimate);
    this.data = this.#shared ? arena.chunk : new Int32Array(Math.max(256, estimate));
    this.base = this.#shared ? arena.used : 0;
    this.length = this.base;
  }

  reserve(n: number): number {
    const at = this.length;
    if (at + n > this.data.length) {
      // Out of room: into an array of its own (a job that outgrew the shared chunk moves there).
      const used = at - this.base;
      const grown = new Int32Array(Math.max(used + n, 256, (used >> 1) + used));
      grown.set(this.data.subarray(this.base, at));
      if (this.#shared) arena.release();
      this.#shared = false;
      this.data = grown;
      this.base = 0;
      this.length = used + n;
      return used;
    }
    this.length = at + n;
    return at;
  }

  /** The job is read: the shared chunk goes on after it; an array of its own lets spare room over an eighth go. */
  finish(): void {
    if (this.#shared) {
      arena.release(this.length);
      this.#shared = false;
      return;
    }
    const used = this.length - this.base;
    if (this.data.length - used > Math.max(64, used >> 3)) this.data = this.data.slice(0, used);
  }
}

/** Jobs whose references are expected to take at most this many integers pack into the shared chunk. */
const SHARED_JOB = 1024;
/** Integers in a shared chunk (16 kB: a chunk stays while any job packed in it lives). */
const ARENA_CHUNK = 4096;

/** The chunk small jobs pack into, one job at a time (a job loaded while another is read packs alone). */
class RefArena {
  chunk = new Int32Array(0);
  used = 0;
  busy = false;

  /** Lends the chunk's free end to a job expected to take `estimate` integers, a new chunk if needed; false when lent already. */
  take(estimate: number): boolean {
    if (this.busy) return false;
    if (this.chunk.length - this.used < estimate) {
      this.chunk = new Int32Array(ARENA_CHUNK);
      this.used = 0;
    }
    this.busy = true;
    return true;
  }

  /** The job is done with it: what it packed ends at `end` (undefined: it moved out, nothing stays). */
  release(end?: number): void {
    if (end !== undefined) this.used = end;
    this.busy = false;
  }
}

const arena = new RefArena();

/** Where the job being loaded packs its plain references. */
let packInto: PackedRefs | undefined;

/** The value of `key`; an unreadable one is reported here and reads as absent. */
function field(rec: Record<string, unknown>, key: string, owner: Owner, sink: DiagnosticSink): unknown {
  const v = rec[key];
  if (!isUnreadable(v)) return v;
  if (sink.room(owner.code)) sink.add(owner.code, `${owner.name}'s ${key} could not be read: ${v.why}`, { ...owner.at, property: key });
  return undefined;
}

function priorityMessage(whose: string, v: unknown): string {
  if (typeof v === 'bigint') return `${whose} Priority is a BigInt (${show(v)}), not a 32-bit integer`;
  return `${whose} Priority is ${show(v)}, not a 32-bit integer`;
}

function priorityHint(v: unknown): { hint?: string } {
  if (typeof v === 'string' && /^-?\d+$/.test(v.trim())) return { hint: `write it as a JSON number: ${v.trim()}` };
  if (typeof v === 'bigint') return { hint: isInt32(Number(v)) ? `use a number: ${v}` : 'use a number from -2147483648 to 2147483647 (larger runs first)' };
  return {};
}

function optionalString(obj: Record<string, unknown>, key: string, owner: Owner, sink: DiagnosticSink): string | undefined {
  const v = field(obj, key, owner, sink);
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (sink.room(owner.code)) sink.add(owner.code, `${owner.name}'s ${key} is ${typeName(v)}, not a string`, { ...owner.at, property: key });
  return undefined;
}

/** The elements of an array value, read safely when they come from a caller; an Unreadable when they cannot be. */
function elements(v: unknown, r: Reading): unknown[] | Unreadable {
  return r.safe ? snapshotArray(v as object) : (v as unknown[]);
}

/** A record value, read safely when it comes from a caller. */
function record(v: Record<string, unknown>, read: ReadonlySet<string>, r: Reading): Record<string, unknown> | Unreadable {
  return r.safe ? snapshotRecord(v, read) : v;
}

/** `entry.__metadata.uri`, or why there is none. */
function assetUri(entry: unknown, r: Reading): unknown {
  if (!isRecord(entry)) return undefined;
  const meta = ownValue(entry, '__metadata', r);
  if (isUnreadable(meta) || !isRecord(meta)) return meta;
  return ownValue(meta, 'uri', r);
}

/**
 * What a snapshot of `obj` (read.ts) would hold at `key`, without making one: the value of an own
 * enumerable property, read once, inside try/catch for a caller's object; undefined for any other
 * key; an Unreadable when the keys cannot be listed or the read throws. An input asset's two
 * levels were two copies a job.
 */
function ownValue(obj: Record<string, unknown>, key: string, r: Reading): unknown {
  if (!r.safe) return obj[key];
  const keys = ownKeys(obj);
  if (isUnreadable(keys)) return keys;
  return keys.includes(key) ? readOnce(obj, key) : undefined;
}

function loadInputAssets(d: Record<string, unknown>, owner: Owner, r: Reading): JobInputAsset[] {
  const sink = r.sink;
  const verboseUnreadable = isUnreadable(d.InputMediaAssets);
  const bindUnreadable = isUnreadable(d['InputMediaAssets@odata.bind']);
  const verbose = field(d, 'InputMediaAssets', owner, sink);
  const bind = field(d, 'InputMediaAssets@odata.bind', owner, sink);
  // Each list is made at its length: one grown by push has room for 17, and a one-input job kept
  // 128 bytes it never used (21 B a task of a six-task job).
  let out: JobInputAsset[] = [];
  let invalid = verboseUnreadable || bindUnreadable;
  if (verbose !== undefined && bind !== undefined) {
    sink.add('JOB_INVALID', 'the Job has both InputMediaAssets and InputMediaAssets@odata.bind', { property: 'InputMediaAssets', hint: 'use one of the two forms' });
  }
  if (verbose !== undefined) {
    const entries = kindOf(verbose) === 'array' ? elements(verbose, r) : undefined;
    if (entries === undefined) {
      invalid = true;
      sink.add('INPUT_ASSET_INVALID', `InputMediaAssets is ${typeName(verbose)}, not an array`, IMA);
    } else if (isUnreadable(entries)) {
      invalid = true;
      sink.add('INPUT_ASSET_INVALID', `InputMediaAssets could not be read: ${entries.why}`, IMA);
    } else {
      out = new Array<JobInputAsset>(entries.length);
      let k = 0;
      for (let i = 0; i < entries.length; i++) {
        const entry = entries[i];
        const uri = isUnreadable(entry) ? entry : assetUri(entry, r);
        const id = typeof uri === 'string' ? assetLinkId(uri) : undefined;
        if (id !== undefined && ASSET_ID.test(id)) {
          out[k++] = { uri: uri as string, id };
          continue;
        }
        invalid = true;
        if (!sink.room('INPUT_ASSET_INVALID')) continue;
        if (typeof uri === 'string' && !isBlank(uri)) {
          const [message, extras] = notAssetLink(`InputMediaAssets[${i}].__metadata.uri`, uri);
          sink.add('INPUT_ASSET_INVALID', message, { ...IMA, ...extras });
        } else if (isUnreadable(uri)) sink.add('INPUT_ASSET_INVALID', `InputMediaAssets[${i}] could not be read: ${uri.why}`, IMA);
        else if (typeof entry === 'string' && entry.trim() !== '') {
          sink.add('INPUT_ASSET_INVALID', `InputMediaAssets[${i}] is a bare string`, { ...IMA, hint: 'wrap it as {"__metadata":{"uri":"…"}}, or list bare URIs under InputMediaAssets@odata.bind' });
        } else sink.add('INPUT_ASSET_INVALID', `InputMediaAssets[${i}] has no __metadata.uri`, IMA);
      }
      out.length = k;
    }
  } else if (bind !== undefined) {
    const entries = kindOf(bind) === 'array' ? elements(bind, r) : undefined;
    if (entries === undefined) {
      invalid = true;
      sink.add('INPUT_ASSET_INVALID', `InputMediaAssets@odata.bind is ${typeName(bind)}, not an array of URIs`, BIND);
    } else if (isUnreadable(entries)) {
      invalid = true;
      sink.add('INPUT_ASSET_INVALID', `InputMediaAssets@odata.bind could not be read: ${entries.why}`, BIND);
    } else {
      out = new Array<JobInputAsset>(entries.length);
      let k = 0;
      for (let i = 0; i < entries.length; i++) {
        const uri = entries[i];
        const id = typeof uri === 'string' ? assetLinkId(uri) : undefined;
        if (id !== undefined && ASSET_ID.test(id)) {
          out[k++] = { uri: uri as string, id };
          continue;
        }
        invalid = true;
        if (!sink.room('INPUT_ASSET_INVALID')) continue;
        if (typeof uri === 'string' && !isBlank(uri)) {
          const [message, extras] = notAssetLink(`InputMediaAssets@odata.bind[${i}]`, uri);
          sink.add('INPUT_ASSET_INVALID', message, { ...BIND, ...extras });
        } else if (isUnreadable(uri)) sink.add('INPUT_ASSET_INVALID', `InputMediaAssets@odata.bind[${i}] could not be read: ${uri.why}`, BIND);
        else sink.add('INPUT_ASSET_INVALID', `InputMediaAssets@odata.bind[${i}] is ${typeName(uri)}, not a URI string`, BIND);
      }
      out.length = k;
    }
  }
  if (out.length === 0 && !invalid) {
    sink.add('JOB_NO_INPUTS', verbose === undefined && bind === undefined ? 'the job has no InputMediaAssets' : "the job's InputMediaAssets is empty");
  }
  return out;
}

const IMA: DiagnosticExtras = { property: 'InputMediaAssets' };
const BIND: DiagnosticExtras = { property: 'InputMediaAssets@odata.bind' };
const JOB_SUBS: DiagnosticExtras = { property: 'JobNotificationSubscriptions' };

function loadJobSubscriptions(v: unknown, r: Reading): JobNotificationSubscription[] {
  const sink = r.sink;
  if (v === undefined || v === null) return [];
  const entries = kindOf(v) === 'array' ? elements(v, r) : undefined;
  if (entries === undefined || isUnreadable(entries)) {
    sink.add('NOTIFICATION_SUBSCRIPTION_INVALID', entries === undefined ? `JobNotificationSubscriptions is ${typeName(v)}, not an array` : `JobNotificationSubscriptions could not be read: ${entries.why}`, JOB_SUBS);
    return [];
  }
  const out: JobNotificationSubscription[] = [];
  for (let i = 0; i < entries.length; i++) {
    const raw = entries[i];
    const s = isRecord(raw) ? record(raw, JOB_SUBSCRIPTION_PROPERTIES, r) : raw;
    if (isRecord(s) && typeof s.NotificationEndPointId === 'string' && (s.TargetJobState === 1 || s.TargetJobState === 2)) {
      out.push({ NotificationEndPointId: s.NotificationEndPointId, TargetJobState: s.TargetJobState });
    } else if (sink.room('NOTIFICATION_SUBSCRIPTION_INVALID')) {
      sink.add('NOTIFICATION_SUBSCRIPTION_INVALID', `JobNotificationSubscriptions[${i}] needs NotificationEndPointId (a string) and TargetJobState 1 (FinalStatesOnly) or 2 (AllStates)`, JOB_SUBS);
    }
  }
  return out;
}

function loadTaskSubscriptions(v: unknown, task: number, r: Reading): TaskNotificationSubscription[] {
  const sink = r.sink;
  if (v === undefined || v === null) return NO_SUBSCRIPTIONS;
  const entries = kindOf(v) === 'array' ? elements(v, r) : undefined;
  if (entries === undefined || isUnreadable(entries)) {
    if (sink.room('NOTIFICATION_SUBSCRIPTION_INVALID')) {
      sink.add(
        'NOTIFICATION_SUBSCRIPTION_INVALID',
        entries === undefined ? `TaskNotificationSubscriptions is ${typeName(v)}, not an array` : `TaskNotificationSubscriptions could not be read: ${entries.why}`,
        { task, property: 'TaskNotificationSubscriptions' },
      );
    }
    return [];
  }
  const out: TaskNotificationSubscription[] = [];
  for (let i = 0; i < entries.length; i++) {
    const raw = entries[i];
    const s = isRecord(raw) ? record(raw, TASK_SUBSCRIPTION_PROPERTIES, r) : raw;
    if (
      isRecord(s) &&
      typeof s.NotificationEndPointId === 'string' &&
      (s.TargetTaskState === 1 || s.TargetTaskState === 2) &&
      (s.IncludeTaskProgress === undefined || typeof s.IncludeTaskProgress === 'boolean')
    ) {
      out.push({ NotificationEndPointId: s.NotificationEndPointId, TargetTaskState: s.TargetTaskState, IncludeTaskProgress: s.IncludeTaskProgress === true });
    } else if (sink.room('NOTIFICATION_SUBSCRIPTION_INVALID')) {
      sink.add(
        'NOTIFICATION_SUBSCRIPTION_INVALID',
        `TaskNotificationSubscriptions[${i}] needs NotificationEndPointId (a string), TargetTaskState 1 or 2 and IncludeTaskProgress (a boolean)`,
        { task, property: 'TaskNotificationSubscriptions' },
      );
    }
  }
  return out;
}

// Shared by the placeholder tasks that stand for an entry of Tasks that is no task object (`null`,
// a number, a hole...): a job of a million such entries holds a million placeholders, so they
// carry no arrays of their own. Frozen, so that no one fills one in for all of them.
const NO_ASSETS = Object.freeze([]) as unknown as never[];
/** A task without subscriptions shares this one (most tasks: an array each was 16 slots a task). */
const NO_SUBSCRIPTIONS = NO_ASSETS as TaskNotificationSubscription[];

/**
 * The properties of a task that most tasks leave unset. A task holds the shared, frozen defaults
 * until one is set, then an object of its own: six fields a task were 48 of its 184 bytes.
 */
class RareTaskFields {
  Options = 0;
  EncryptionKeyId: string | null = null;
  EncryptionScheme: string | null = null;
  EncryptionVersion: string | null = null;
  InitializationVector: string | null = null;
  TaskNotificationSubscriptions: TaskNotificationSubscription[] = NO_SUBSCRIPTIONS;
}
const NO_RARE = Object.freeze(new RareTaskFields());

/**
 * A task's references and TaskBody entries (undefined: made when first read, from the packed
 * references or the TaskBody). Most tasks share one of two frozen values until one is set: four
 * fields a task were 32 of its bytes.
 */
class TaskRefs {
  constructor(
    public inputs: AssetRef[] | undefined,
    public outputs: TaskOutputAsset[] | undefined,
    public inputEntries: InputAssetEntry[] | undefined,
    public outputEntries: OutputAssetEntry[] | undefined,
  ) {}
}
/** A task not read yet (or read with nothing in it). */
const NO_REFS = Object.freeze(new TaskRefs(NO_ASSETS, NO_ASSETS, NO_ASSETS, NO_ASSETS));
/** A task whose references are packed and whose TaskBody had no problem: everything is made on demand. */
const PACKED_CLEAN = Object.freeze(new TaskRefs(undefined, undefined, undefined, undefined));

/**
 * What a task holds that the tasks of a job nearly always have in common: processor,
 * Configuration, the rare fields, the state of its references, the job's packed
 * references and the chunk its random Id comes from. The loader gives consecutive tasks with the
 * same values one record (see {@link LoadedTask.seal}); a task that changes one of them after
 * that first gets a copy of its own. Six fields a task were 48 of its 128 bytes, and what a task
 * holds is time here: fresh memory costs about 2.5 ns a byte to touch on these machines.
 */
class TaskShared {
  MediaProcessorId = '';
  Configuration: string | null = null;
  /** Options, encryption and subscriptions (see RareTaskFields). */
  rare: RareTaskFields = NO_RARE;
  /** References and entries (see TaskRefs). */
  refs: TaskRefs = NO_REFS;
  /** The job's packed references (see PackedRefs); undefined when the task has its arrays. */
  packed: PackedRefs | undefined = undefined;
  /** The chunk the task's Id is made from while it is a slot number (see TaskIdBits). */
  ids: TaskIdBits | undefined = undefined;
  /** Held, or may be held, by more than one task: a change copies it first. */
  shared = false;

  /** A copy to change: what another task may hold (rare fields, references) is copied too. */
  copy(): TaskShared {
    const c = new TaskShared();
    c.MediaProcessorId = this.MediaProcessorId;
    c.Configuration = this.Configuration;
    c.rare = this.rare === NO_RARE ? NO_RARE : Object.assign(new RareTaskFields(), this.rare);
    const r = this.refs;
    c.refs = r === NO_REFS || r === PACKED_CLEAN ? r : new TaskRefs(r.inputs, r.outputs, r.inputEntries, r.outputEntries);
    c.packed = this.packed;
    c.ids = this.ids;
    return c;
  }

  /** Whether a task could hold `other` instead of this (a long Configuration is not compared). */
  sameAs(other: TaskShared): boolean {
    return (
      this.MediaProcessorId === other.MediaProcessorId &&
      this.rare === other.rare &&
      this.refs === other.refs &&
      this.packed === other.packed &&
      this.ids === other.ids &&
      (this.Configuration === null ? other.Configuration === null : this.Configuration.length <= SHARED_CONFIGURATION && this.Configuration === other.Configuration)
    );
  }
}

/** Configurations longer than this are not compared to share a record (each comparison would read it). */
const SHARED_CONFIGURATION = 1024;

/** The record of a task nothing was set on (its Id, if random, from no chunk yet). */
const BLANK = Object.freeze(Object.assign(new TaskShared(), { shared: true }));

/** The blank record of the last id chunk a task was made with. */
let blankChunk: TaskIdBits | undefined;
let blankOfChunk: TaskShared = BLANK;

function blankFor(chunk: TaskIdBits): TaskShared {
  if (chunk !== blankChunk) {
    blankChunk = chunk;
    blankOfChunk = Object.freeze(Object.assign(new TaskShared(), { ids: chunk, shared: true }));
  }
  return blankOfChunk;
}

/**
 * Where loaded tasks keep their fields: one slot a task in a few arrays, not an object a task. A
 * job of more than {@link LAZY_TASKS_ABOVE} tasks has columns of its own, its size, and makes its
 * task objects only when `Tasks` is first read (see {@link installLazyTasks}); smaller jobs take
 * consecutive slots of a chunk shared with the jobs loaded around them. Why: an object a task that
 * stays is what a submit pays most for here (100,000 of them made and kept took 40–60 ms more than
 * the same made and dropped, the collector copying each survivor twice into pages touched for the
 * first time), where arrays of a known size are written in place.
 */
class TaskColumns {
  /** The Id, or while it is not made yet, its slot in `shared[i].ids` (see TaskIdBits). */
  readonly ids: Array<string | number>;
  readonly names: string[];
  readonly bodies: string[];
  readonly priorities: Float64Array;
  readonly shared: TaskShared[];
  /** Where the task's references start in `shared[i].packed`, after its base. */
  readonly at: Int32Array;
  /** Slots taken. */
  used = 0;

  constructor(readonly size: number) {
    this.ids = new Array<string | number>(size);
    this.names = new Array<string>(size);
    this.bodies = new Array<string>(size);
    this.shared = new Array<TaskShared>(size);
    this.priorities = new Float64Array(size);
    this.at = new Int32Array(size);
  }
}

/** Where the task in `slot` starts in `packed` (after its base); -1 when its references are not (all) there. */
function packedAtSlot(c: TaskColumns, slot: number, packed: PackedRefs): number {
  const s = c.shared[slot]!;
  return s.packed === packed && s.refs.inputEntries === undefined ? c.at[slot]! : -1;
}

/** Jobs of more tasks than this get columns of their own and make their task objects when first asked for. */
export const LAZY_TASKS_ABOVE = 64;
/** Slots of a chunk of columns shared by small jobs. */
const SMALL_CHUNK = 1024;
let smallChunk: TaskColumns | undefined;

/** Columns with room for `n` tasks loaded together (they take slots from `used` on). */
function columnsFor(n: number): TaskColumns {
  if (n > LAZY_TASKS_ABOVE) return new TaskColumns(n);
  if (smallChunk === undefined || smallChunk.used + n > smallChunk.size) smallChunk = new TaskColumns(SMALL_CHUNK);
  return smallChunk;
}

/**
 * A loaded task: a view of its slot in {@link TaskColumns}. Its parser entries (`inputEntries`,
 * `outputEntries`: each reference with its text and position) matter only to diagnostics and
 * pictures, and for a TaskBody without a problem they say nothing `inputs` and `outputs` do not, but
 * its line and column. Such a task lets them go once read, and reads its TaskBody again if they are
 * ever asked for (the parser is deterministic): at a million tasks they were a quarter of what a
 * job kept, and most of the garbage collector's copying.
 *
 * Only `index` is a plain field; the rest are accessors, over the task's slot, over what it shares
 * with its neighbours (TaskShared) or made when first read (`Id`, `inputs`, `outputs`):
 * `JSON.stringify` gives every property (toJSON), a spread `{ ...task }` only `index`. Two views of
 * one slot are the same task: what is set through one is read through the other.
 */
class LoadedTask implements Task {
  index: number;
  readonly #c: TaskColumns;
  /** The task's slot in #c. */
  readonly #i: number;

  /**
   * A view of slot `slot` of `c`; with `id`, a new task there (the loader's), with the defaults a
   * task has before its definition is read.
   */
  constructor(index: number, c: TaskColumns, slot: number, id?: string | TaskIdBits) {
    this.index = index;
    this.#c = c;
    this.#i = slot;
    if (id === undefined) return;
    c.names[slot] = '';
    c.bodies[slot] = '';
    c.priorities[slot] = 0;
    c.at[slot] = 0;
    if (typeof id === 'string') {
      c.ids[slot] = id;
      c.shared[slot] = BLANK;
    } else {
      c.ids[slot] = id.used++;
      c.shared[slot] = blankFor(id);
    }
  }

  get Name(): string {
    return this.#c.names[this.#i]!;
  }

  set Name(v: string) {
    this.#c.names[this.#i] = v;
  }

  get TaskBody(): string {
    return this.#c.bodies[this.#i]!;
  }

  set TaskBody(v: string) {
    this.#c.bodies[this.#i] = v;
  }

  // Workloads often give each task its own priority: a column of its own, not a shared field.
  get Priority(): number {
    return this.#c.priorities[this.#i]!;
  }

  set Priority(v: number) {
    this.#c.priorities[this.#i] = v;
  }

  /**
   * The loader's last step on a task: it takes `last` (the record of the task before it) when it
   * holds the same, else its own record becomes the one the next task may take.
   */
  seal(last: TaskShared | undefined): TaskShared {
    const s = this.#c.shared[this.#i]!;
    if (s.shared) return s;
    if (last !== undefined && s.sameAs(last)) {
      this.#c.shared[this.#i] = last;
      return last;
    }
    s.shared = true;
    return s;
  }

  /**
   * The record to change: its own (a copy when it was shared). This and the other helpers are
   * static: a private method of the instance gives every task object a brand field, 8 of its 48
   * bytes.
   */
  static #own(t: LoadedTask): TaskShared {
    const s = t.#c.shared[t.#i]!;
    return s.shared ? (t.#c.shared[t.#i] = s.copy()) : s;
  }

  get Id(): string {
    const c = this.#c;
    const id = c.ids[this.#i]!;
    return typeof id === 'string' ? id : (c.ids[this.#i] = c.shared[this.#i]!.ids!.text(id));
  }

  set Id(v: string) {
    this.#c.ids[this.#i] = v;
  }

  get MediaProcessorId(): string {
    return this.#c.shared[this.#i]!.MediaProcessorId;
  }

  set MediaProcessorId(v: string) {
    if (v !== this.#c.shared[this.#i]!.MediaProcessorId) LoadedTask.#own(this).MediaProcessorId = v;
  }

  get Configuration(): string | null {
    return this.#c.shared[this.#i]!.Configuration;
  }

  set Configuration(v: string | null) {
    if (v !== this.#c.shared[this.#i]!.Configuration) LoadedTask.#own(this).Configuration = v;
  }

  get inputs(): AssetRef[] {
    const s = this.#c.shared[this.#i]!;
    if (s.refs.inputs === undefined) {
      const p = s.packed!;
      const n = p.data[p.base + this.#c.at[this.#i]!]!;
      const list = new Array<AssetRef>(n);
      for (let j = 0; j < n; j++) list[j] = this.inputAt(j);
      LoadedTask.#ownRefs(this).inputs = list;
      return list;
    }
    return s.refs.inputs;
  }

  set inputs(list: AssetRef[]) {
    LoadedTask.#unpack(this);
    LoadedTask.#ownRefs(this).inputs = list;
  }

  get outputs(): TaskOutputAsset[] {
    const s = this.#c.shared[this.#i]!;
    if (s.refs.outputs === undefined) {
      const p = s.packed!;
      const n = p.data[p.base + this.#c.at[this.#i]! + 1]!;
      const list = new Array<TaskOutputAsset>(n);
      for (let j = 0; j < n; j++) {
        const index = this.outputIndexAt(j);
        list[j] = { index, assetName: outputAssetName(index, p.nameBase), assetCreationOptions: DEFAULT_ASSET_CREATION_OPTIONS, storageAccountName: null, assetFormatOption: 0 };
      }
      LoadedTask.#ownRefs(this).outputs = list;
      return list;
    }
    return s.refs.outputs;
  }

  set outputs(list: TaskOutputAsset[]) {
    LoadedTask.#unpack(this);
    LoadedTask.#ownRefs(this).outputs = list;
  }

  /** Makes both arrays from the packed references and lets those go: one is about to be replaced. */
  static #unpack(t: LoadedTask): void {
    if (t.#c.shared[t.#i]!.packed === undefined) return;
    void t.inputs;
    void t.outputs;
    LoadedTask.#own(t).packed = undefined;
  }

  /** Where the task's references start in `packed`; -1 when they are not (all) there. */
  static packedAt(task: Task, packed: PackedRefs): number {
    return task instanceof LoadedTask ? packedAtSlot(task.#c, task.#i, packed) : -1;
  }

  /** The packed references of a loaded task; undefined when it has none. */
  static packedOf(task: Task): PackedRefs | undefined {
    return task instanceof LoadedTask ? task.#c.shared[task.#i]!.packed : undefined;
  }

  get Options(): number {
    return this.#c.shared[this.#i]!.rare.Options;
  }

  set Options(v: number) {
    if (v !== this.#c.shared[this.#i]!.rare.Options) LoadedTask.#ownRare(this).Options = v;
  }

  get EncryptionKeyId(): string | null {
    return this.#c.shared[this.#i]!.rare.EncryptionKeyId;
  }

  set EncryptionKeyId(v: string | null) {
    if (v !== this.#c.shared[this.#i]!.rare.EncryptionKeyId) LoadedTask.#ownRare(this).EncryptionKeyId = v;
  }

  get EncryptionScheme(): string | null {
    return this.#c.shared[this.#i]!.rare.EncryptionScheme;
  }

  set EncryptionScheme(v: string | null) {
    if (v !== this.#c.shared[this.#i]!.rare.EncryptionScheme) LoadedTask.#ownRare(this).EncryptionScheme = v;
  }

  get EncryptionVersion(): string | null {
    return this.#c.shared[this.#i]!.rare.EncryptionVersion;
  }

  set EncryptionVersion(v: string | null) {
    if (v !== this.#c.shared[this.#i]!.rare.EncryptionVersion) LoadedTask.#ownRare(this).EncryptionVersion = v;
  }

  get InitializationVector(): string | null {
    return this.#c.shared[this.#i]!.rare.InitializationVector;
  }

  set InitializationVector(v: string | null) {
    if (v !== this.#c.shared[this.#i]!.rare.InitializationVector) LoadedTask.#ownRare(this).InitializationVector = v;
  }

  get TaskNotificationSubscriptions(): TaskNotificationSubscription[] {
    return this.#c.shared[this.#i]!.rare.TaskNotificationSubscriptions;
  }

  set TaskNotificationSubscriptions(v: TaskNotificationSubscription[]) {
    if (v !== this.#c.shared[this.#i]!.rare.TaskNotificationSubscriptions) LoadedTask.#ownRare(this).TaskNotificationSubscriptions = v;
  }

  static #ownRare(t: LoadedTask): RareTaskFields {
    const s = LoadedTask.#own(t);
    if (s.rare === NO_RARE) s.rare = new RareTaskFields();
    return s.rare;
  }

  static #ownRefs(t: LoadedTask): TaskRefs {
    const s = LoadedTask.#own(t);
    const r = s.refs;
    if (r === NO_REFS || r === PACKED_CLEAN) s.refs = new TaskRefs(r.inputs, r.outputs, r.inputEntries, r.outputEntries);
    return s.refs;
  }

  /**
   * Takes its references from the job's packed ones, starting at `at`, and lets its entries go (its
   * TaskBody was read without a problem).
   */
  packClean(packed: PackedRefs, at: number): void {
    const s = LoadedTask.#own(this);
    s.packed = packed;
    s.refs = PACKED_CLEAN;
    this.#c.at[this.#i] = at;
  }

  /** Inputs, without making the array when the references are packed. */
  inputCount(): number {
    const s = this.#c.shared[this.#i]!;
    return s.refs.inputs !== undefined ? s.refs.inputs.length : s.packed!.data[s.packed!.base + this.#c.at[this.#i]!]!;
  }

  inputAt(j: number): AssetRef {
    const s = this.#c.shared[this.#i]!;
    if (s.refs.inputs !== undefined) return s.refs.inputs[j]!;
    const v = s.packed!.data[s.packed!.base + this.#c.at[this.#i]! + 2 + j]!;
    return assetRef((v & 1) === 1, v >>> 1);
  }

  /**
   * Each input as one number, `index * 2 + 1` for JobOutputAsset and `index * 2` for
   * JobInputAsset, into `out` (room for {@link inputCount}): no reference is made.
   */
  inputCodes(out: Float64Array): void {
    const s = this.#c.shared[this.#i]!;
    const inputs = s.refs.inputs;
    if (inputs !== undefined) {
      for (let j = 0; j < inputs.length; j++) out[j] = inputs[j]!.index * 2 + (inputs[j]!.kind === 'JobOutputAsset' ? 1 : 0);
      return;
    }
    const data = s.packed!.data;
    const from = s.packed!.base + this.#c.at[this.#i]! + 2;
    const n = data[from - 2]!;
    for (let j = 0; j < n; j++) out[j] = data[from + j]!;
  }

  outputCount(): number {
    const s = this.#c.shared[this.#i]!;
    return s.refs.outputs !== undefined ? s.refs.outputs.length : s.packed!.data[s.packed!.base + this.#c.at[this.#i]! + 1]!;
  }

  outputIndexAt(j: number): number {
    const s = this.#c.shared[this.#i]!;
    if (s.refs.outputs !== undefined) return s.refs.outputs[j]!.index;
    const data = s.packed!.data;
    const at = s.packed!.base + this.#c.at[this.#i]!;
    return data[at + 2 + data[at]! + j]!;
  }

  get inputEntries(): InputAssetEntry[] {
    if (this.#c.shared[this.#i]!.refs.inputEntries === undefined) LoadedTask.#readEntries(this);
    return this.#c.shared[this.#i]!.refs.inputEntries!;
  }

  set inputEntries(entries: InputAssetEntry[]) {
    LoadedTask.#ownRefs(this).inputEntries = entries;
  }

  get outputEntries(): OutputAssetEntry[] {
    if (this.#c.shared[this.#i]!.refs.outputEntries === undefined) LoadedTask.#readEntries(this);
    return this.#c.shared[this.#i]!.refs.outputEntries!;
  }

  set outputEntries(entries: OutputAssetEntry[]) {
    LoadedTask.#ownRefs(this).outputEntries = entries;
  }

  /** Lets the entries go: only for a TaskBody read without a problem (inputs and outputs are its entries' references, in order). */
  dropEntries(): void {
    const r = LoadedTask.#ownRefs(this);
    r.inputEntries = undefined;
    r.outputEntries = undefined;
  }

  /** The entries were let go: every entry has a valid reference, and inputs/outputs list them in order. */
  get clean(): boolean {
    return this.#c.shared[this.#i]!.refs.inputEntries === undefined;
  }

  static #readEntries(t: LoadedTask): void {
    const parsed = parseTaskBody(t.TaskBody);
    const r = LoadedTask.#ownRefs(t);
    r.inputEntries = parsed.inputs;
    r.outputEntries = parsed.outputs;
  }

  /** Every property is part of the task as JSON, in the order they had when they were plain properties. */
  toJSON(): object {
    const head: Record<string, unknown> = {
      index: this.index,
      Id: this.Id,
      Name: this.Name,
      MediaProcessorId: this.MediaProcessorId,
      Configuration: this.Configuration,
      TaskBody: this.TaskBody,
      Priority: this.Priority,
    };
    return {
      ...head,
      ...this,
      Options: this.Options,
      EncryptionKeyId: this.EncryptionKeyId,
      EncryptionScheme: this.EncryptionScheme,
      EncryptionVersion: this.EncryptionVersion,
      InitializationVector: this.InitializationVector,
      TaskNotificationSubscriptions: this.TaskNotificationSubscriptions,
      inputs: this.inputs,
      outputs: this.outputs,
      inputEntries: this.inputEntries,
      outputEntries: this.outputEntries,
    };
  }
}

/**
 * @internal Whether every TaskBody entry of `task` is valid and its `inputs`/`outputs` list them in
 * order, so that checks may read those instead of the entries (which a clean task re-reads on demand).
 */
export function isCleanTask(task: Task): boolean {
  return task instanceof LoadedTask && task.clean;
}

/**
 * @internal The references of every task of `job` packed in one Int32Array, and where each task's
 * start (`data[at]` inputs, `data[at + 1]` outputs, then the inputs as `index * 2 + 1` for
 * JobOutputAsset and `index * 2` for JobInputAsset, then the output indices); undefined unless every
 * task is clean and packed in the same array (see PackedRefs). For the code that reads every
 * reference once: a loop over integers instead of a call a reference.
 */
export function packedRefsOf(job: Job): { data: Int32Array; at: Int32Array } | undefined {
  const slots = slotsOf(job);
  if (slots !== undefined) {
    const { c, first, n } = slots;
    if (n === 0) return undefined;
    const packed = c.shared[first]!.packed;
    if (packed === undefined) return undefined;
    const at = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const a = packedAtSlot(c, first + i, packed);
      if (a < 0) return undefined;
      at[i] = packed.base + a;
    }
    return { data: packed.data, at };
  }
  const tasks = job.Tasks;
  if (tasks.length === 0) return undefined;
  const packed = LoadedTask.packedOf(tasks[0]!);
  if (packed === undefined) return undefined;
  const at = new Int32Array(tasks.length);
  for (let i = 0; i < tasks.length; i++) {
    const a = LoadedTask.packedAt(tasks[i]!, packed);
    if (a < 0) return undefined;
    at[i] = packed.base + a;
  }
  return { data: packed.data, at };
}

/**
 * @internal A task's references without making its arrays (a loaded task's may be packed): for the
 * code that reads every task once (dependencies, checks).
 */
export function inputCountOf(task: Task): number {
  return task instanceof LoadedTask ? task.inputCount() : task.inputs.length;
}

export function inputAtOf(task: Task, j: number): AssetRef {
  return task instanceof LoadedTask ? task.inputAt(j) : task.inputs[j]!;
}

/**
 * A task's inputs as numbers (see LoadedTask.inputCodes): `index * 2 + 1` for JobOutputAsset,
 * `index * 2` for JobInputAsset, in document order; a new array of {@link inputCountOf} numbers.
 */
export function inputCodesOf(task: Task): Float64Array {
  const out = new Float64Array(inputCountOf(task));
  if (task instanceof LoadedTask) task.inputCodes(out);
  else task.inputs.forEach((ref, j) => (out[j] = ref.index * 2 + (ref.kind === 'JobOutputAsset' ? 1 : 0)));
  return out;
}

export function outputCountOf(task: Task): number {
  return task instanceof LoadedTask ? task.outputCount() : task.outputs.length;
}

export function outputIndexAtOf(task: Task, j: number): number {
  return task instanceof LoadedTask ? task.outputIndexAt(j) : task.outputs[j]!.index;
}

function emptyTask(index: number, c: TaskColumns, slot: number, id: string | TaskIdBits): Task {
  return new LoadedTask(index, c, slot, id);
}

/** A task name as diagnostics carry it: clipped when it is over the limit (NAME_TOO_LONG says so). */
function shownTaskName(name: string): string {
  return name.length > LIMITS.name ? `${name.slice(0, 97)}...` : name;
}

let lastValidProcessor = '';

/**
 * What the loader reads of a task, each property read once from the caller's object: one fixed
 * shape, filled in the pass that lists the task's keys (and reports those it does not know). A
 * copy per task with the caller's keys (read.ts's snapshot), listed a second time for the unknown
 * ones, was a tenth of a 100,000-task submit. A property whose getter or Proxy trap throws holds an
 * Unreadable, as in a snapshot. Its fields are those of TASK_SLOTS, in that order.
 */
class TaskRecord {
  [key: string]: unknown;
  Name: unknown = undefined;
  MediaProcessorId: unknown = undefined;
  Configuration: unknown = undefined;
  TaskBody: unknown = undefined;
  Priority: unknown = undefined;
  Options: unknown = undefined;
  EncryptionKeyId: unknown = undefined;
  EncryptionScheme: unknown = undefined;
  EncryptionVersion: unknown = undefined;
  InitializationVector: unknown = undefined;
  TaskNotificationSubscriptions: unknown = undefined;
  Id: unknown = undefined;
  Weight: unknown = undefined;
  DependencyAction: unknown = undefined;
  Pool: unknown = undefined;
}

/** What the loader reads of a job, each property read once from the caller's object (see TaskRecord). */
class JobRecord {
  [key: string]: unknown;
  Name: unknown = undefined;
  Priority: unknown = undefined;
  InputMediaAssets: unknown = undefined;
  'InputMediaAssets@odata.bind': unknown = undefined;
  Tasks: unknown = undefined;
  TemplateId: unknown = undefined;
  JobNotificationSubscriptions: unknown = undefined;
  Id: unknown = undefined;
  MaxRunningTasks: unknown = undefined;
}

/**
 * Lists the task's keys in order, reports each one it does not know and, for a caller's object
 * (`t` given), reads each property once into `t`, inside try/catch. JSON.parse output is plain:
 * the loader reads it where it is (`t` undefined).
 * @returns whether the task sets an extension.
 */
function readTaskKeys(raw: Record<string, unknown>, keys: readonly string[], t: TaskRecord | undefined, sink: DiagnosticSink, owner: TaskOwner): boolean {
  let extended = false;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const slot = TASK_KEYS.get(key);
    if (slot === READ_ONLY) continue;
    if (slot === undefined) {
      if (sink.room('UNKNOWN_PROPERTY')) sink.add('UNKNOWN_PROPERTY', `the Task has no property "${clip(key)}"; it is ignored`, { ...owner.at, property: key });
      continue;
    }
    if (slot >= FIRST_EXTENSION) extended = true;
    if (t === undefined) continue;
    try {
      readSlot(raw, slot, t);
    } catch (err) {
      t[key] = readFailed(err);
    }
  }
  return extended;
}

/** `t[TASK_SLOTS[slot]] = raw[TASK_SLOTS[slot]]`, by name: a load and a store of one shape each, where a computed key takes V8's generic road. */
function readSlot(raw: Record<string, unknown>, slot: number, t: TaskRecord): void {
  switch (slot) {
    case 0: t.Name = raw.Name; break;
    case 1: t.MediaProcessorId = raw.MediaProcessorId; break;
    case 2: t.Configuration = raw.Configuration; break;
    case 3: t.TaskBody = raw.TaskBody; break;
    case 4: t.Priority = raw.Priority; break;
    case 5: t.Options = raw.Options; break;
    case 6: t.EncryptionKeyId = raw.EncryptionKeyId; break;
    case 7: t.EncryptionScheme = raw.EncryptionScheme; break;
    case 8: t.EncryptionVersion = raw.EncryptionVersion; break;
    case 9: t.InitializationVector = raw.InitializationVector; break;
    case 10: t.TaskNotificationSubscriptions = raw.TaskNotificationSubscriptions; break;
    case 11: t.Id = raw.Id; break;
    case 12: t.Weight = raw.Weight; break;
    case 13: t.DependencyAction = raw.DependencyAction; break;
    case 14: t.Pool = raw.Pool; break;
    // A slot added to TASK_SLOTS without a case here is still read, by its computed key.
    default: t[TASK_SLOTS[slot]!] = raw[TASK_SLOTS[slot]!];
  }
}

function loadTask(raw: unknown, index: number, job: Job, r: Reading, owner: TaskOwner, c: TaskColumns, slot: number): Task {
  const sink = r.sink;
  const keys = isRecord(raw) ? ownKeys(raw) : undefined;
  // An entry whose read threw is an Unreadable (an object of one key, `why`): no task. Asked only
  // of an object of at most one key, which no valid task is, so a task costs no lookup.
  if (keys === undefined || isUnreadable(keys) || (keys.length <= 1 && isUnreadable(raw))) {
    if (sink.room('TASK_INVALID')) {
      const why = isUnreadable(raw) ? `could not be read: ${raw.why}` : isUnreadable(keys) ? `could not be read: ${keys.why}` : `is ${typeName(raw)}, not an object`;
      sink.add('TASK_INVALID', `Tasks[${index}] ${why}`, { task: index });
    }
    // No id for what is no task: an id is ~0.5 µs and ~80 bytes, as much again as the placeholder.
    return emptyTask(index, c, slot, '');
  }
  // Ids of the built-in random factory are made when first read (see TaskIdBits).
  const task = emptyTask(index, c, slot, r.ids === randomIds ? taskIdChunk() : r.ids('task'));
  owner.next(index);
  const record = r.safe ? new TaskRecord() : undefined;
  const extended = readTaskKeys(raw as Record<string, unknown>, keys, record, sink, owner);
  const t: Record<string, unknown> = record ?? (raw as Record<string, unknown>);
  const name = optionalString(t, 'Name', owner, sink);
  if (name !== undefined) {
    task.Name = name;
    if (name.length > LIMITS.name) sink.add('NAME_TOO_LONG', `the task's Name has ${name.length} characters; at most ${LIMITS.name} are allowed`, { ...owner.at, property: 'Name' });
  }
  if (task.Name !== '') owner.shown = shownTaskName(task.Name);

  const givenId = field(t, 'Id', owner, sink);
  if (typeof givenId === 'string' && TASK_ID.test(givenId)) {
    task.Id = givenId;
    r.givenTaskIds = (r.givenTaskIds ?? 0) + 1;
  }

  const mpUnreadable = isUnreadable(t.MediaProcessorId);
  const mp = field(t, 'MediaProcessorId', owner, sink);
  if (mpUnreadable) {
    // reported by field()
  } else if (mp === undefined || mp === null || mp === '') {
    sink.add('MEDIA_PROCESSOR_MISSING', `${owner.name} has no MediaProcessorId`, { ...owner.at, property: 'MediaProcessorId' });
  } else if (typeof mp !== 'string') {
    sink.add('MEDIA_PROCESSOR_ID_INVALID', `${owner.name}'s MediaProcessorId is ${typeName(mp)}, not a string`, { ...owner.at, property: 'MediaProcessorId' });
  } else {
    // Tasks of a job mostly share a processor: the last id that passed is not tested again, and
    // its string is kept instead of the task's equal copy (72 bytes a task, which JSON.parse makes).
    if (mp === lastValidProcessor) task.MediaProcessorId = lastValidProcessor;
    else {
      task.MediaProcessorId = mp;
      if (MEDIA_PROCESSOR_ID.test(mp)) lastValidProcessor = mp;
    }
    if (mp !== lastValidProcessor && sink.room('MEDIA_PROCESSOR_ID_INVALID')) {
      const hint = /^[0-9a-f-]{36}$/i.test(mp) ? `prefix the GUID: nb:mpid:UUID:${mp}` : undefined;
      sink.add('MEDIA_PROCESSOR_ID_INVALID', `${owner.name}'s MediaProcessorId ${JSON.stringify(mp.slice(0, 80))} is not of the form nb:mpid:UUID:<guid>`, hint ? { ...owner.at, property: 'MediaProcessorId', hint } : { ...owner.at, property: 'MediaProcessorId' });
    }
  }

  const config = optionalString(t, 'Configuration', owner, sink);
  if (config !== undefined) {
    task.Configuration = config;
    if (config.length > LIMITS.configuration) {
      sink.add('CONFIGURATION_TOO_LONG', `${owner.name}'s Configuration has ${config.length} characters; at most ${LIMITS.configuration} are allowed`, { ...owner.at, property: 'Configuration' });
    }
  }

  const p = field(t, 'Priority', owner, sink);
  if (p !== undefined && p !== null) {
    if (isInt32(p)) task.Priority = p;
    else if (sink.room('PRIORITY_INVALID')) sink.add('PRIORITY_INVALID', priorityMessage(`${owner.name}'s`, p), { ...owner.at, property: 'Priority', ...priorityHint(p) });
  }

  loadEncryption(t, task, owner, sink);
  if (extended) loadTaskExtensions(t, job, owner, r);
  task.TaskNotificationSubscriptions = loadTaskSubscriptions(field(t, 'TaskNotificationSubscriptions', owner, sink), index, r);

  if (isUnreadable(t.TaskBody)) {
    field(t, 'TaskBody', owner, sink);
    return task;
  }
  const body = t.TaskBody;
  if (body === undefined || body === null || (typeof body === 'string' && isBlank(body))) {
    sink.add('TASKBODY_MISSING', `${owner.name} has no TaskBody`, { ...owner.at, property: 'TaskBody' });
    return task;
  }
  if (typeof body !== 'string') {
    sink.add('TASKBODY_MISSING', `${owner.name}'s TaskBody is ${typeName(body)}, not an XML string`, { ...owner.at, property: 'TaskBody' });
    return task;
  }
  task.TaskBody = body;
  readTaskBody(task, job, sink, owner);
  return task;
}

/** Weight, DependencyAction and Pool of a task that sets one of them. */
function loadTaskExtensions(t: Record<string, unknown>, job: Job, owner: Owner, r: Reading): void {
  const index = owner.at.task!;
  const whose = `${owner.name}'s`;
  const uses = (r.extensionUses ??= []);
  for (const property of TASK_EXTENSIONS) {
    if (t[property] === undefined) continue;
    uses.push({ task: index, property });
    const v = field(t, property, owner, r.sink);
    const at = { ...owner.at, property };
    if (property === 'Weight') readWeight(job, index, v, whose, at, r.sink);
    else if (property === 'DependencyAction') readAction(job, index, v, whose, at, r.sink);
    else readPool(job, index, v, whose, at, r.sink);
  }
}

function loadEncryption(t: Record<string, unknown>, task: Task, owner: Owner, sink: DiagnosticSink): void {
  // Nearly every task sets none of them: the task keeps its defaults (RareTaskFields).
  if (t.Options === undefined && t.EncryptionKeyId === undefined && t.EncryptionScheme === undefined && t.EncryptionVersion === undefined && t.InitializationVector === undefined) return;
  const at = owner.at;
  const o = field(t, 'Options', owner, sink);
  if (o !== undefined && o !== null) {
    if (typeof o === 'number' && Number.isInteger(o) && o >= 0 && (o & ~TASK_OPTIONS_MASK) === 0) task.Options = o;
    else if (sink.room('OPTIONS_INVALID')) sink.add('OPTIONS_INVALID', `${owner.name}'s Options is ${show(o)}`, { ...at, property: 'Options' });
  }
  task.EncryptionKeyId = optionalString(t, 'EncryptionKeyId', owner, sink) ?? null;
  task.EncryptionScheme = optionalString(t, 'EncryptionScheme', owner, sink) ?? null;
  task.EncryptionVersion = optionalString(t, 'EncryptionVersion', owner, sink) ?? null;
  task.InitializationVector = optionalString(t, 'InitializationVector', owner, sink) ?? null;

  if (task.EncryptionScheme !== null && task.EncryptionScheme !== 'ConfigurationEncryption' && task.EncryptionScheme !== 'None' && sink.room('ENCRYPTION_FIELD_INVALID')) {
    sink.add('ENCRYPTION_FIELD_INVALID', `${owner.name}'s EncryptionScheme is ${show(task.EncryptionScheme)}`, { ...at, property: 'EncryptionScheme' });
  }
  if (task.EncryptionVersion !== null && task.EncryptionVersion !== '1.0' && sink.room('ENCRYPTION_FIELD_INVALID')) {
    sink.add('ENCRYPTION_FIELD_INVALID', `${owner.name}'s EncryptionVersion is ${show(task.EncryptionVersion)}`, { ...at, property: 'EncryptionVersion' });
  }
  if (task.InitializationVector !== null && task.InitializationVector.length > LIMITS.initializationVector) {
    sink.add(
      'INITIALIZATION_VECTOR_TOO_LONG',
      `${owner.name}'s InitializationVector has ${task.InitializationVector.length} characters; at most ${LIMITS.initializationVector} are allowed`,
      { ...at, property: 'InitializationVector' },
    );
  }
  if ((task.Options & TaskOptions.ProtectedConfiguration) !== 0 && sink.room('PROTECTED_CONFIGURATION_INCOMPLETE')) {
    const missing: string[] = [];
    if (task.EncryptionKeyId === null || !CONTENT_KEY_ID.test(task.EncryptionKeyId)) missing.push('EncryptionKeyId (nb:kid:UUID:<guid>)');
    if (task.EncryptionScheme !== 'ConfigurationEncryption') missing.push('EncryptionScheme "ConfigurationEncryption"');
    if (task.EncryptionVersion !== '1.0') missing.push('EncryptionVersion "1.0"');
    if (task.InitializationVector === null || task.InitializationVector === '') missing.push('InitializationVector');
    if (missing.length > 0) {
      sink.add('PROTECTED_CONFIGURATION_INCOMPLETE', `${owner.name} asks for ProtectedConfiguration but lacks ${missing.join(', ')}`, { ...at, property: 'Options' });
    }
  }
}

/** The job whose plain outputs {@link plainOutput} is making (one function, not a closure a task). */
let outputsOf: Job | undefined;

function plainOutput(o: PlainOutput): TaskOutputAsset {
  return {
    index: o.index,
    assetName: o.assetName ?? defaultNameOf(o.index, outputsOf!),
    assetCreationOptions: o.assetCreationOptions >= 0 ? o.assetCreationOptions : DEFAULT_ASSET_CREATION_OPTIONS,
    storageAccountName: o.storageAccountName ?? null,
    assetFormatOption: o.assetFormatOption >= 0 ? o.assetFormatOption : 0,
  };
}

function readTaskBody(task: Task, job: Job, sink: DiagnosticSink, owner: Owner): void {
  // Most TaskBodies are written the plain way: their references are read without the parser's
  // entries, which a task without problems would let go at once (plain-scan.ts).
  const packed = packInto;
  const start = packed !== undefined ? packPlainRefs(task.TaskBody, packed, task.index) : -1;
  if (start >= 0) {
    // Kept from the job's base: a job that outgrows the shared chunk moves, its tasks' places do not.
    (task as LoadedTask).packClean(packed!, start - packed!.base);
    return;
  }
  if (start === -2) {
    // Plain, with output attributes: the arrays, from the scan just made.
    outputsOf = job;
    const plain = refsOfScan(plainOutput);
    outputsOf = undefined; // it must not keep the job alive
    task.inputs = plain.inputs;
    task.outputs = plain.outputs;
    (task as LoadedTask).dropEntries();
    return;
  }
  const parsed = parseTaskBodyWithSaxes(task.TaskBody, Math.max(0, sink.remaining));
  const at = parsed.problems.length !== 0 ? owner.at : undefined;
  for (const p of parsed.problems) {
    const extras: DiagnosticExtras = { ...at!, line: p.line, column: p.column };
    if (p.hint !== undefined) extras.hint = p.hint;
    sink.add(p.code as DiagnosticCode, p.message, extras);
  }
  if (parsed.omittedProblems !== undefined) sink.leftOut(parsed.omittedProblems, parsed.omittedErrors ?? 0);
  task.inputEntries = parsed.inputs;
  task.outputEntries = parsed.outputs;
  // Arrays made at their size: one grown by push from [] keeps 16 slots (~130 bytes) whatever it holds.
  const entries = parsed.inputs;
  let valid = 0;
  for (let i = 0; i < entries.length; i++) if (entries[i]!.ref !== null) valid++;
  const inputs = new Array<AssetRef>(valid);
  for (let i = 0, k = 0; i < entries.length; i++) {
    const ref = entries[i]!.ref;
    if (ref !== null) inputs[k++] = ref;
  }
  const written = parsed.outputs;
  let produced = 0;
  for (let i = 0; i < written.length; i++) if (written[i]!.ref?.kind === 'JobOutputAsset') produced++;
  const outputs = new Array<TaskOutputAsset>(produced);
  for (let i = 0, k = 0; i < written.length; i++) {
    const e = written[i]!;
    if (!e.ref || e.ref.kind !== 'JobOutputAsset') continue;
    outputs[k++] = {
      index: e.ref.index,
      assetName: e.assetName ?? defaultNameOf(e.ref.index, job),
      assetCreationOptions: e.assetCreationOptions ?? DEFAULT_ASSET_CREATION_OPTIONS,
      storageAccountName: e.storageAccountName ?? null,
      assetFormatOption: e.assetFormatOption ?? 0,
    };
  }
  task.inputs = inputs;
  task.outputs = outputs;
  if (parsed.problems.length === 0 && parsed.omittedProblems === undefined && valid === entries.length && produced === written.length) (task as LoadedTask).dropEntries();
}
