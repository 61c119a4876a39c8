import { deserialize, serialize } from 'node:v8';
import type { Job, JobExtensions, Task, TaskOutputAsset } from '../job/model.js';
import type { AssetRef, InputAssetEntry, OutputAssetEntry } from '../taskbody/types.js';
import type { JournalChunk, JournalJobRecord } from '../scheduler/scheduler.js';
import type { ErrorDetail } from '../scheduler/views.js';
import { StoreError } from './run-store.js';
import { grownJobByParts } from '../job/grow.js';

/**
 * How the Engine writes the scheduler's event log into a store, and reads it back.
 *
 * A segment is one job's events of one batch: a 16-byte header (format, row count, text length),
 * then the columns as the scheduler keeps them (times as float64, task indices as int32, codes as
 * bytes) and, only when some row has one, a JSON tail with the messages, custom codes and
 * ErrorDetails. A task's life is four or five rows of 13 bytes: writing it costs a copy, not a
 * statement per event, and reading a store back is a copy per segment, not a parse per row.
 */

const SEGMENT_FORMAT = 1;
/** A segment that holds tasks added to the job, not events (see {@link encodeAddedTasks}). */
const ADDED_FORMAT = 2;
const HEADER = 16;

/** Text of a segment: rows with a message or custom code, and the ErrorDetails added. */
interface SegmentText {
  t?: Array<[number, string] | [number, string, string]>;
  e?: Array<[number, string, string]>;
}

/** Encodes the rows `rows` (indices into `chunk`) of one job, and that job's ErrorDetails. */
export function encodeSegment(chunk: JournalChunk, rows: ArrayLike<number>, errors: ReadonlyArray<[number, ErrorDetail]>, textByRow: ReadonlyMap<number, [string, string | undefined]> | undefined): Uint8Array {
  const count = rows.length;
  let tail: Uint8Array | undefined;
  const text: SegmentText = {};
  if (textByRow !== undefined) {
    for (let i = 0; i < count; i++) {
      const t = textByRow.get(rows[i]!);
      if (t === undefined) continue;
      (text.t ??= []).push(t[1] === undefined ? [i, t[0]] : [i, t[0], t[1]]);
    }
  }
  if (errors.length > 0) text.e = errors.map(([task, d]) => [task, d.Code, d.Message]);
  if (text.t !== undefined || text.e !== undefined) tail = Buffer.from(JSON.stringify(text), 'utf8');
  const tailLength = tail?.length ?? 0;
  // 8-byte aligned columns: the float64s first, right after the header.
  const bytes = new Uint8Array(HEADER + count * 13 + tailLength);
  const head = new Uint32Array(bytes.buffer, 0, 4);
  head[0] = SEGMENT_FORMAT;
  head[1] = count;
  head[2] = tailLength;
  const time = new Float64Array(bytes.buffer, HEADER, count);
  const task = new Int32Array(bytes.buffer, HEADER + count * 8, count);
  const code = bytes.subarray(HEADER + count * 12, HEADER + count * 13);
  for (let i = 0; i < count; i++) {
    const r = rows[i]!;
    time[i] = chunk.time[r]!;
    task[i] = chunk.task[r]!;
    code[i] = chunk.code[r]!;
  }
  if (tail !== undefined) bytes.set(tail, HEADER + count * 13);
  return bytes;
}

/** One job's events and ErrorDetails, decoded from all its segments in order. */
export interface DecodedEvents {
  /** The bodies of the job's segments of added tasks, in the order written (see {@link addTasksTo}). */
  added: string[];
  task: Int32Array;
  code: Uint8Array;
  time: Float64Array;
  text: Array<[row: number, message: string, customCode: string | undefined]>;
  errors: Map<number, ErrorDetail[]>;
}

/** Decodes a job's segments (in the order written) into one set of columns. */
export function decodeSegments(location: string, jobId: string, segments: readonly Uint8Array[]): DecodedEvents {
  let total = 0;
  const added: string[] = [];
  const heads: Array<{ bytes: Uint8Array; count: number; tail: number }> = [];
  for (const s of segments) {
    // A copy: a Buffer from SQLite may start at any byte, and typed views need aligned offsets.
    const bytes = s.byteOffset % 8 === 0 ? s : new Uint8Array(s);
    if (bytes.length < HEADER) throw damaged(location, jobId, 'a segment shorter than its header');
    const head = new Uint32Array(bytes.buffer, bytes.byteOffset, 4);
    const count = head[1]!;
    const tail = head[2]!;
    if (head[0] === ADDED_FORMAT && bytes.length === HEADER + tail) {
      added.push(Buffer.from(bytes.buffer, bytes.byteOffset + HEADER, tail).toString('utf8'));
      continue;
    }
    if (head[0] !== SEGMENT_FORMAT || bytes.length !== HEADER + count * 13 + tail) throw damaged(location, jobId, `a segment of ${bytes.length} bytes that does not match its header`);
    heads.push({ bytes, count, tail });
    total += count;
  }
  const out: DecodedEvents = { added, task: new Int32Array(total), code: new Uint8Array(total), time: new Float64Array(total), text: [], errors: new Map() };
  let at = 0;
  for (const { bytes, count, tail } of heads) {
    const o = bytes.byteOffset;
    out.time.set(new Float64Array(bytes.buffer, o + HEADER, count), at);
    // A time no Date can hold was never written (every view would throw on it): damaged bytes.
    for (let i = at; i < at + count; i++) if (!isTime(out.time[i]!)) throw damaged(location, jobId, `an event time that is not a date (${out.time[i]})`);
    out.task.set(new Int32Array(bytes.buffer, o + HEADER + count * 8, count), at);
    out.code.set(bytes.subarray(HEADER + count * 12, HEADER + count * 13), at);
    if (tail > 0) {
      let text: SegmentText;
      try {
        text = JSON.parse(Buffer.from(bytes.buffer, o + HEADER + count * 13, tail).toString('utf8')) as SegmentText;
      } catch {
        throw damaged(location, jobId, 'a segment whose text is not JSON');
      }
      for (const row of text.t ?? []) {
        if (!Array.isArray(row) || typeof row[0] !== 'number' || typeof row[1] !== 'string') throw damaged(location, jobId, 'a segment with a bad text row');
        out.text.push([at + row[0], row[1], typeof row[2] === 'string' ? row[2] : undefined]);
      }
      for (const e of text.e ?? []) {
        if (!Array.isArray(e) || typeof e[0] !== 'number' || typeof e[1] !== 'string' || typeof e[2] !== 'string') throw damaged(location, jobId, 'a segment with a bad ErrorDetail');
        const list = out.errors.get(e[0]);
        if (list) list.push({ Code: e[1], Message: e[2] });
        else out.errors.set(e[0], [{ Code: e[1], Message: e[2] }]);
      }
    }
    at += count;
  }
  return out;
}

/**
 * The job as stored: its normalised model as compact JSON (arrays, not objects with keys), so that
 * opening a store parses no TaskBody again, and writing a job costs one JSON.stringify of little
 * more than its TaskBodies. Submit pays for this before it returns (measured: an object per task
 * with its keys cost twice as much to write and to read).
 *
 * Job: [format, Id, Name, Priority, TemplateId, inputs [uri, id]…, subscriptions [endpoint, target]…,
 *       MediaProcessorIds…, tasks…]
 * Task: [Id, Name, MediaProcessorId (its index in the job's list), Configuration, TaskBody, Priority, Options, EncryptionKeyId,
 *        EncryptionScheme, EncryptionVersion, InitializationVector, subscriptions [endpoint, target, progress]…,
 *        inputs (JobOutputAsset(k) as k, JobInputAsset(n) as -1-n)…,
 *        outputs [index, assetName (null for the default), assetCreationOptions, storageAccountName, assetFormatOption]…]
 * A job with extensions (model.ts JobExtensions) has them as a 10th element, as they are: a job
 * without any is written as before, and a model of 9 elements (an older store) reads as one without.
 */
const JOB_FORMAT = 1;

export function encodeJobModel(job: Job): string {
  const { processors, tasks } = encodeTasks(job, 0);
  const model: unknown[] = [
    JOB_FORMAT,
    job.Id,
    job.Name,
    job.Priority,
    job.TemplateId,
    job.InputMediaAssets.map((a) => [a.uri, a.id]),
    job.JobNotificationSubscriptions.map((x) => [x.NotificationEndPointId, x.TargetJobState]),
    processors,
    tasks,
  ];
  if (job.extensions !== undefined) model.push(job.extensions);
  return JSON.stringify(model);
}

/** The job's tasks from `from` on as stored rows, with the list of processors they name by index. */
function encodeTasks(job: Job, from: number): { processors: string[]; tasks: unknown[] } {
  const tasks: unknown[] = new Array(job.Tasks.length - from);
  const processors: string[] = [];
  const processorIndex = new Map<string, number>();
  const suffix = `)_${job.Name !== '' ? job.Name : job.Id}`;
  for (let i = from; i < job.Tasks.length; i++) {
    const t = job.Tasks[i]!;
    let p = processorIndex.get(t.MediaProcessorId);
    if (p === undefined) {
      p = processors.length;
      processors.push(t.MediaProcessorId);
      processorIndex.set(t.MediaProcessorId, p);
    }
    const inputs = new Array<number>(t.inputs.length);
    for (let k = 0; k < t.inputs.length; k++) {
      const r = t.inputs[k]!;
      inputs[k] = r.kind === 'JobOutputAsset' ? r.index : -1 - r.index;
    }
    const outputs = new Array<unknown>(t.outputs.length);
    for (let k = 0; k < t.outputs.length; k++) {
      const o = t.outputs[k]!;
      // The default name (reference §3.3 rule 6) is made again when read: most outputs have it.
      const name = o.assetName === `JobOutputAsset(${o.index}${suffix}` ? null : o.assetName;
      outputs[k] = [o.index, name, o.assetCreationOptions, o.storageAccountName, o.assetFormatOption];
    }
    const subs = t.TaskNotificationSubscriptions.length === 0 ? 0 : t.TaskNotificationSubscriptions.map((x) => [x.NotificationEndPointId, x.TargetTaskState, x.IncludeTaskProgress]);
    tasks[i - from] = [t.Id, t.Name, p, t.Configuration, t.TaskBody, t.Priority, t.Options, t.EncryptionKeyId, t.EncryptionScheme, t.EncryptionVersion, t.InitializationVector, subs, inputs, outputs];
  }
  return { processors, tasks };
}

/**
 * The tasks added to a job (`Engine.addTasks`) as a segment of its own, appended to the job's
 * segments like its events: the job's tasks from `from` on, with their extension values. Writing
 * the whole model again for each addition cost the job's size a call (2,000 one-task additions to
 * one job took 7.1 s, growing). Format 2: the header's count is the number of tasks; the body is
 * JSON, [processors, task rows (as in the model), extensions of these tasks or 0].
 */
export function encodeAddedTasks(job: Job, from: number): Uint8Array {
  const { processors, tasks } = encodeTasks(job, from);
  let ext: JobExtensions | 0 = 0;
  if (job.extensions !== undefined) {
    const e: JobExtensions = {};
    for (const key of ['weight', 'action', 'pool', 'label'] as const) {
      const list = job.extensions[key] as Array<number | string | null> | undefined;
      if (list !== undefined) (e as Record<string, unknown>)[key] = list.slice(from);
    }
    if (Object.keys(e).length > 0) ext = e;
  }
  const body = Buffer.from(JSON.stringify([processors, tasks, ext]), 'utf8');
  const bytes = new Uint8Array(HEADER + body.length);
  const head = new Uint32Array(bytes.buffer, 0, 4);
  head[0] = ADDED_FORMAT;
  head[1] = tasks.length;
  head[2] = body.length;
  bytes.set(body, HEADER);
  return bytes;
}

type StoredTaskRow = [string, string, number, string | null, string, number, number, string | null, string | null, string | null, string | null, 0 | Array<[string, number, boolean]>, number[], Array<[number, string | null, number, string | null, number]>];
type StoredJobModel = [number, string, string, number, string | null, Array<[string, string]>, Array<[string, number]>, string[], StoredTaskRow[], JobExtensions?];

/**
 * A task read back from a store. Its parser entries are made only when asked for (a graph export
 * of a restored job, say): the scheduler reads `inputs` and `outputs`, and building two arrays of
 * entries for every task was a third of the time of opening a store.
 */
class StoredTask implements Task {
  readonly index: number;
  Id: string;
  Name: string;
  MediaProcessorId: string;
  Configuration: string | null;
  TaskBody: string;
  Priority: number;
  Options: number;
  EncryptionKeyId: string | null;
  EncryptionScheme: string | null;
  EncryptionVersion: string | null;
  InitializationVector: string | null;
  TaskNotificationSubscriptions: Task['TaskNotificationSubscriptions'];
  inputs: AssetRef[];
  outputs: TaskOutputAsset[];
  #inputEntries: InputAssetEntry[] | undefined;
  #outputEntries: OutputAssetEntry[] | undefined;

  constructor(index: number, t: StoredTaskRow, processor: string, subs: Task['TaskNotificationSubscriptions'], inputs: AssetRef[], outputs: TaskOutputAsset[]) {
    this.index = index;
    this.Id = t[0];
    this.Name = t[1];
    this.MediaProcessorId = processor;
    this.Configuration = t[3];
    this.TaskBody = t[4];
    this.Priority = t[5];
    this.Options = t[6];
    this.EncryptionKeyId = t[7];
    this.EncryptionScheme = t[8];
    this.EncryptionVersion = t[9];
    this.InitializationVector = t[10];
    this.TaskNotificationSubscriptions = subs;
    this.inputs = inputs;
    this.outputs = outputs;
  }

  /** Entries without positions (line and column 0): the TaskBody was checked when the job was accepted. */
  get inputEntries(): InputAssetEntry[] {
    return (this.#inputEntries ??= this.inputs.map((ref) => ({ ref, text: `${ref.kind}(${ref.index})`, line: 0, column: 0 })));
  }
  set inputEntries(v: InputAssetEntry[]) {
    this.#inputEntries = v;
  }

  get outputEntries(): OutputAssetEntry[] {
    return (this.#outputEntries ??= this.outputs.map((o) => ({ ref: { kind: 'JobOutputAsset', index: o.index }, text: `JobOutputAsset(${o.index})`, line: 0, column: 0 })));
  }
  set outputEntries(v: OutputAssetEntry[]) {
    this.#outputEntries = v;
  }
}

export function decodeJobModel(location: string, key: number, text: string): Job {
  const bad = (): StoreError => new StoreError('STORE_CORRUPT', location, `the store ${location} holds job #${key} whose model cannot be read: the file is damaged; restore it from a backup`);
  let m: StoredJobModel;
  try {
    m = JSON.parse(text) as StoredJobModel;
  } catch {
    throw bad();
  }
  if (!Array.isArray(m) || m[0] !== JOB_FORMAT || (m.length !== 9 && (m.length !== 10 || !isExtensions(m[9], m[8].length))) || typeof m[1] !== 'string' || typeof m[2] !== 'string' || !Array.isArray(m[5]) || !Array.isArray(m[6]) || !Array.isArray(m[7]) || !Array.isArray(m[8])) throw bad();
  try {
    const tasks = decodeTasks(m[8], m[7], `)_${m[2] !== '' ? m[2] : m[1]}`, 0);
    if (tasks === undefined) throw bad();
    const job: Job = {
      Id: m[1],
      Name: m[2],
      Priority: m[3],
      TemplateId: m[4],
      InputMediaAssets: m[5].map(([uri, id]) => ({ uri, id })),
      JobNotificationSubscriptions: m[6].map(([NotificationEndPointId, TargetJobState]) => ({ NotificationEndPointId, TargetJobState })),
      Tasks: tasks,
    };
    if (m[9] !== undefined) job.extensions = m[9];
    return job;
  } catch {
    throw bad();
  }
}

/** Stored task rows as tasks numbered from `first`; undefined when a row is not one. */
function decodeTasks(list: StoredTaskRow[], processors: string[], suffix: string, first: number): Task[] | undefined {
  const tasks: Task[] = new Array(list.length);
  for (let k = 0; k < list.length; k++) {
    const t = list[k]!;
    if (!Array.isArray(t) || t.length !== 14 || typeof t[0] !== 'string' || typeof processors[t[2]] !== 'string' || !Array.isArray(t[12]) || !Array.isArray(t[13])) return undefined;
    const inputs: AssetRef[] = new Array(t[12].length);
    for (let x = 0; x < t[12].length; x++) {
      const v = t[12][x]!;
      inputs[x] = v >= 0 ? { kind: 'JobOutputAsset', index: v } : { kind: 'JobInputAsset', index: -1 - v };
    }
    const outputs: TaskOutputAsset[] = new Array(t[13].length);
    for (let x = 0; x < t[13].length; x++) {
      const [i, name, assetCreationOptions, storageAccountName, assetFormatOption] = t[13][x]!;
      outputs[x] = { index: i, assetName: name ?? `JobOutputAsset(${i}${suffix}`, assetCreationOptions, storageAccountName, assetFormatOption };
    }
    const subs = t[11] === 0 ? [] : t[11].map(([NotificationEndPointId, TargetTaskState, IncludeTaskProgress]) => ({ NotificationEndPointId, TargetTaskState, IncludeTaskProgress }));
    tasks[k] = new StoredTask(first + k, t, processors[t[2]]!, subs, inputs, outputs);
  }
  return tasks;
}

/**
 * The job with the tasks of its segments of added tasks (`added`, in the order written), as it
 * was grown: the job itself when there are none (and for a store written before such segments,
 * whose model was written again, grown, at each addition).
 */
export function addTasksTo(location: string, job: Job, added: readonly string[]): Job {
  const parts: Array<{ tasks: Task[]; ext: JobExtensions | undefined }> = [];
  let count = added.length === 0 ? 0 : job.Tasks.length;
  for (const text of added) {
    const bad = (): StoreError => damaged(location, job.Id, 'a segment of added tasks that cannot be read');
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch {
      throw bad();
    }
    if (!Array.isArray(v) || v.length !== 3 || !Array.isArray(v[0]) || !v[0].every((p) => typeof p === 'string') || !Array.isArray(v[1]) || v[1].length === 0) throw bad();
    const [processors, rows, ext] = v as [string[], StoredTaskRow[], JobExtensions | 0];
    let tasks: Task[] | undefined;
    try {
      tasks = decodeTasks(rows, processors, `)_${job.Name !== '' ? job.Name : job.Id}`, count);
    } catch {
      tasks = undefined;
    }
    if (tasks === undefined || (ext !== 0 && (!isExtensions(ext, rows.length) || ext.maxRunning !== undefined))) throw bad();
    parts.push({ tasks, ext: ext === 0 ? undefined : ext });
    count += tasks.length;
  }
  // One growth for all of them (see grownJobByParts).
  return grownJobByParts(job, parts);
}

/**
 * Whether a stored 10th element is extensions for `taskCount` tasks: an object whose per-task
 * properties, when present, are arrays of that length (what the scheduler indexes by task).
 */
function isExtensions(v: unknown, taskCount: number): v is JobExtensions {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const e = v as Record<string, unknown>;
  if (e.maxRunning !== undefined && typeof e.maxRunning !== 'number') return false;
  for (const key of ['weight', 'action', 'pool', 'label']) {
    const list = e[key];
    if (list !== undefined && (!Array.isArray(list) || list.length !== taskCount)) return false;
  }
  return true;
}

/** A job's record as stored (`status`). */
export function encodeJobStatus(r: JournalJobRecord): string {
  // maxRunning and grown only when set, so the records of other jobs read as they always did.
  const o: Record<string, unknown> = { priority: r.priority, failFast: r.failFast, created: r.created, cancelRequested: r.cancelRequested };
  if (r.maxRunning) o.maxRunning = r.maxRunning;
  if (r.grown !== undefined && r.grown.length > 0) o.grown = r.grown;
  return JSON.stringify(o);
}

export function decodeJobStatus(location: string, id: string, text: string): Omit<JournalJobRecord, 'id'> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    v = undefined;
  }
  const o = v as Partial<JournalJobRecord> | undefined;
  if (typeof o !== 'object' || o === null || !isPriority(o.priority) || typeof o.failFast !== 'boolean' || !isTime(o.created) || typeof o.cancelRequested !== 'boolean') {
    throw new StoreError('STORE_CORRUPT', location, `the store ${location} holds a damaged record of job ${id}: restore the file from a backup`);
  }
  const out: Omit<JournalJobRecord, 'id'> = { priority: o.priority, failFast: o.failFast, created: o.created, cancelRequested: o.cancelRequested };
  if (o.maxRunning !== undefined) {
    if (!(Number.isInteger(o.maxRunning) && o.maxRunning >= 1)) throw new StoreError('STORE_CORRUPT', location, `the store ${location} holds a damaged record of job ${id}: restore the file from a backup`);
    out.maxRunning = o.maxRunning;
  }
  if (o.grown !== undefined) {
    const ok = Array.isArray(o.grown) && o.grown.every((b) => Array.isArray(b) && b.length === 2 && Number.isInteger(b[0]) && Number.isInteger(b[1]) && b[1] >= 1);
    if (!ok) throw new StoreError('STORE_CORRUPT', location, `the store ${location} holds a damaged record of job ${id}: restore the file from a backup`);
    out.grown = o.grown.map(([order, count]) => [order, count]);
  }
  return out;
}

/**
 * Output metadata as stored: V8's structured serialization, so Maps, Dates, typed arrays and
 * nested objects come back as they were.
 * @throws DataCloneError for what cannot be cloned (functions, symbols, class instances' methods)
 */
export function encodeOutputs(metadata: ReadonlyMap<number, unknown>): Uint8Array {
  return serialize(metadata);
}

export function decodeOutputs(location: string, bytes: Uint8Array): ReadonlyMap<number, unknown> {
  let v: unknown;
  try {
    v = deserialize(bytes);
  } catch {
    v = undefined;
  }
  if (!(v instanceof Map)) throw new StoreError('STORE_CORRUPT', location, `the store ${location} holds output metadata that cannot be read: restore the file from a backup`);
  return v as ReadonlyMap<number, unknown>;
}

/** Epoch ms that a Date can hold (±8.64e15, ECMA-262 §21.4.1.1): every time the scheduler logs is one. */
const MAX_TIME = 8.64e15;

function isTime(v: unknown): v is number {
  return typeof v === 'number' && Math.abs(v) <= MAX_TIME;
}

/** A job priority as the scheduler takes it: a 32-bit integer. */
function isPriority(v: unknown): v is number {
  return Number.isInteger(v) && (v as number) >= -2147483648 && (v as number) <= 2147483647;
}

function damaged(location: string, jobId: string, what: string): StoreError {
  return new StoreError('STORE_CORRUPT', location, `the store ${location} holds ${what} for job ${jobId}: the file is damaged; restore it from a backup`);
}
