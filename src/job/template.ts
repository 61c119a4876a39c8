/**
 * JobTemplate and TaskTemplate (reference §8): the entities as a client sends them, their reading
 * into a normalised {@link JobTemplate}, and the Create-Job body a template makes for a job that
 * names it by `TemplateId`. The checks of what the tasks hold (TaskBody grammar, dependencies,
 * cycles) are the validator's: it validates that body as it validates an inline job.
 */
import type { DiagnosticSink, DiagnosticExtras } from '../diagnostics/diagnostic.js';
import { BoundedSuggestions, closest } from '../diagnostics/suggest.js';
import { isInt32 } from './load.js';
import type { TaskDefinition } from './model.js';
import { isRecord, isUnreadable, kindOf, show, snapshotArray, snapshotRecord, typeName } from './read.js';
import { scanJobTemplateBody, type TemplateTaskBody } from './template-body.js';

const GUID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
export const JOB_TEMPLATE_ID = new RegExp(`^nb:jtid:UUID:${GUID}$`);
export const TASK_TEMPLATE_ID = new RegExp(`^nb:ttid:UUID:${GUID}$`);

/** TemplateType (REST-JobTemplate): SystemLevel is reserved to the service; clients create AccountLevel. */
export const TemplateType = { SystemLevel: 0, AccountLevel: 1 } as const;

/** A TaskTemplate as a client sends it inside a JobTemplate (reference §8). */
export interface TaskTemplateDefinition {
  /** `nb:ttid:UUID:<guid>`, invented by the client and repeated in the `taskTemplateId` of its `<taskBody>`. */
  Id: string;
  Name?: string | null;
  Description?: string | null;
  MediaProcessorId: string;
  Configuration?: string | null;
  NumberofInputAssets: number;
  NumberofOutputAssets: number;
  Options?: number;
  EncryptionKeyId?: string | null;
  EncryptionScheme?: string | null;
  EncryptionVersion?: string | null;
  InitializationVector?: string | null;
}

/** A JobTemplate as a client sends it (`POST /API/JobTemplates`, reference §8). */
export interface JobTemplateDefinition {
  /** `nb:jtid:UUID:<guid>`; the service sets it, so a POST may leave it out. */
  Id?: string;
  Name?: string | null;
  /** `<jobTemplate>` with one `<taskBody taskTemplateId="…">` per TaskTemplate (reference §3.1). */
  JobTemplateBody: string;
  /** 1 (AccountLevel); sent as a number or as the string `"1"` (the reference's sample). */
  TemplateType: number | string;
  NumberofInputAssets?: number | null;
  TaskTemplates: TaskTemplateDefinition[];
}

/** A TaskTemplate as read. */
export interface TaskTemplate {
  Id: string;
  Name: string;
  Description: string | null;
  MediaProcessorId: unknown;
  Configuration: unknown;
  NumberofInputAssets: number | null;
  NumberofOutputAssets: number | null;
  Options: unknown;
  EncryptionKeyId: unknown;
  EncryptionScheme: unknown;
  EncryptionVersion: unknown;
  InitializationVector: unknown;
}

/** A JobTemplate as read: its properties, its TaskTemplates, and the `<taskBody>` elements of its body. */
export interface JobTemplate {
  Id: string;
  Name: string;
  JobTemplateBody: string;
  TemplateType: number;
  NumberofInputAssets: number | null;
  TaskTemplates: TaskTemplate[];
  /** The `<taskBody>` elements of JobTemplateBody, in order: task i of a job made from the template is the i-th. */
  bodies: TemplateTaskBody[];
  /** For each body, the index in TaskTemplates of the one its taskTemplateId names, or -1. */
  templateOf: number[];
}

const JOB_TEMPLATE_PROPERTIES = new Set(['Id', 'Name', 'JobTemplateBody', 'TemplateType', 'NumberofInputAssets', 'TaskTemplates']);
const JOB_TEMPLATE_READ_ONLY = new Set(['__metadata', 'odata.metadata', 'Created', 'LastModified']);
const TASK_TEMPLATE_PROPERTIES = new Set([
  'Id',
  'Name',
  'Description',
  'MediaProcessorId',
  'Configuration',
  'NumberofInputAssets',
  'NumberofOutputAssets',
  'Options',
  'EncryptionKeyId',
  'EncryptionScheme',
  'EncryptionVersion',
  'InitializationVector',
]);
const TASK_TEMPLATE_READ_ONLY = new Set(['__metadata', 'Created', 'LastModified']);
/** What the task a template makes takes from its TaskTemplate (the rest are the template's own). */
const TASK_FIELDS = ['Name', 'MediaProcessorId', 'Configuration', 'Options', 'EncryptionKeyId', 'EncryptionScheme', 'EncryptionVersion', 'InitializationVector'] as const;

function clip(s: string, max = 80): string {
  return s.length > max ? `${s.slice(0, max - 3)}...` : s;
}

/**
 * The place of an unknown property, with the near one as hint: the default hint says names are
 * PascalCase, but the reference spells NumberofInputAssets with a lower-case "of".
 */
function unknownAt(key: string, known: ReadonlySet<string>, at: DiagnosticExtras): DiagnosticExtras {
  const near = closest(key, known);
  return near === undefined ? { ...at, property: key } : { ...at, property: key, hint: `did you mean ${near}?` };
}

/** How a template is named in messages: its Name, else its Id. */
export function templateLabel(t: { Id: string; Name: string }): string {
  if (t.Name !== '') return `JobTemplate "${clip(t.Name, 60)}"`;
  return t.Id !== '' ? `JobTemplate ${t.Id}` : 'the JobTemplate';
}

/** A count property: a non-negative 32-bit integer (or its decimal string, as the sample writes TemplateType). */
function readCount(v: unknown): number | undefined {
  if (typeof v === 'string' && /^\s*\d{1,9}\s*$/.test(v)) return Number(v);
  return isInt32(v) && v >= 0 ? v : undefined;
}

/**
 * Reads a JobTemplate (parsed JSON, or a caller's object: copied as the job loader copies, so
 * getters, Proxies and cycles are reported, not followed) and checks what belongs to the template
 * itself: its properties, the frame of JobTemplateBody, and that `<taskBody>` elements and
 * TaskTemplates match one to one. Diagnostics carry `template` (the Id) and, for places in
 * JobTemplateBody, `line`/`column` there; never throws.
 */
export function readJobTemplate(definition: unknown, sink: DiagnosticSink): JobTemplate | undefined {
  if (!isRecord(definition)) {
    sink.add('TEMPLATE_INVALID', `the JobTemplate is ${typeName(definition)}, not an object`);
    return undefined;
  }
  const d = snapshotRecord(definition, JOB_TEMPLATE_PROPERTIES);
  if (isUnreadable(d)) {
    sink.add('TEMPLATE_INVALID', `the JobTemplate could not be read: ${d.why}`);
    return undefined;
  }
  const rawId = d.Id;
  const id = typeof rawId === 'string' ? rawId : '';
  const at: DiagnosticExtras = id !== '' ? { template: id } : {};
  const name = typeof d.Name === 'string' ? d.Name : '';
  const t: JobTemplate = { Id: id, Name: name, JobTemplateBody: '', TemplateType: TemplateType.AccountLevel, NumberofInputAssets: null, TaskTemplates: [], bodies: [], templateOf: [] };
  const who = templateLabel(t);
  const bad = (property: string, message: string, hint?: string): void => {
    if (sink.room('TEMPLATE_INVALID')) sink.add('TEMPLATE_INVALID', `${who}: ${message}`, hint === undefined ? { ...at, property } : { ...at, property, hint });
  };
  for (const key of Object.keys(d)) {
    if (!JOB_TEMPLATE_PROPERTIES.has(key) && !JOB_TEMPLATE_READ_ONLY.has(key) && sink.room('UNKNOWN_PROPERTY')) {
      sink.add('UNKNOWN_PROPERTY', `the JobTemplate has no property "${clip(key)}"; it is ignored`, unknownAt(key, JOB_TEMPLATE_PROPERTIES, at));
    }
  }
  if (rawId !== undefined && rawId !== null && !(typeof rawId === 'string' && JOB_TEMPLATE_ID.test(rawId))) {
    bad('Id', `Id ${isUnreadable(rawId) ? `could not be read: ${rawId.why}` : show(rawId)} is not of the form nb:jtid:UUID:<guid>`, 'leave Id out when creating a template: the service assigns it');
  }
  if (d.Name !== undefined && d.Name !== null && typeof d.Name !== 'string') bad('Name', `Name is ${typeName(d.Name)}, not a string`);

  const type = readCount(d.TemplateType);
  if (d.TemplateType === undefined || d.TemplateType === null) bad('TemplateType', 'TemplateType is missing', 'send "TemplateType": 1 (AccountLevel)');
  else if (type !== TemplateType.SystemLevel && type !== TemplateType.AccountLevel) bad('TemplateType', `TemplateType is ${show(d.TemplateType)}, not 0 (SystemLevel) or 1 (AccountLevel)`, 'send "TemplateType": 1 (AccountLevel)');
  else t.TemplateType = type;

  if (d.NumberofInputAssets !== undefined && d.NumberofInputAssets !== null) {
    const n = readCount(d.NumberofInputAssets);
    if (n === undefined) bad('NumberofInputAssets', `NumberofInputAssets is ${show(d.NumberofInputAssets)}, not a whole number >= 0`);
    else t.NumberofInputAssets = n;
  }

  readTaskTemplates(d.TaskTemplates, t, sink, at, who);

  const body = d.JobTemplateBody;
  if (typeof body !== 'string' || body.trim() === '') {
    bad('JobTemplateBody', typeof body === 'string' ? 'JobTemplateBody is empty' : body === undefined || body === null ? 'JobTemplateBody is missing' : `JobTemplateBody is ${typeName(body)}, not an XML string`, 'JobTemplateBody is <jobTemplate> with one <taskBody taskTemplateId="…"> per TaskTemplate');
    return t;
  }
  t.JobTemplateBody = body;
  const scanned = scanJobTemplateBody(body);
  for (const p of scanned.problems) {
    if (!sink.room(p.code)) continue;
    const extras: DiagnosticExtras = { ...at, property: 'JobTemplateBody', line: p.line, column: p.column };
    if (p.hint !== undefined) extras.hint = p.hint;
    sink.add(p.code, `${who}: ${p.message}`, extras);
  }
  t.bodies = scanned.bodies;
  // A frame that failed may have hidden <taskBody> elements: TaskTemplates without one are then not reported.
  matchBodies(t, sink, at, who, scanned.problems.length === 0);
  return t;
}

function readTaskTemplates(raw: unknown, t: JobTemplate, sink: DiagnosticSink, at: DiagnosticExtras, who: string): void {
  // A verbose client may send the collection as {"results":[…]}.
  let value = raw;
  if (isRecord(value) && kindOf(value) === 'object') {
    const r = snapshotRecord(value, new Set(['results']));
    value = isUnreadable(r) ? r : r.results;
  }
  if (value === undefined || value === null || kindOf(value) !== 'array') {
    if (sink.room('TEMPLATE_INVALID')) {
      sink.add('TEMPLATE_INVALID', `${who}: TaskTemplates is ${value === undefined || value === null ? 'missing' : typeName(value)}, not an array`, {
        ...at,
        property: 'TaskTemplates',
        hint: 'send the TaskTemplates inline: "TaskTemplates":[{"Id":"nb:ttid:UUID:…","MediaProcessorId":"nb:mpid:UUID:…","NumberofInputAssets":1,"NumberofOutputAssets":1}]',
      });
    }
    return;
  }
  const list = snapshotArray(value as object);
  if (isUnreadable(list)) {
    sink.add('TEMPLATE_INVALID', `${who}: TaskTemplates could not be read: ${list.why}`, { ...at, property: 'TaskTemplates' });
    return;
  }
  for (let i = 0; i < list.length; i++) {
    const tt = readTaskTemplate(list[i], i, sink, at, who);
    if (tt !== undefined) t.TaskTemplates.push(tt);
  }
}

function readTaskTemplate(raw: unknown, i: number, sink: DiagnosticSink, at: DiagnosticExtras, who: string): TaskTemplate | undefined {
  const where = { ...at, property: 'TaskTemplates' };
  const r = isRecord(raw) ? snapshotRecord(raw, TASK_TEMPLATE_PROPERTIES) : undefined;
  if (r === undefined || isUnreadable(r)) {
    if (sink.room('TEMPLATE_INVALID')) sink.add('TEMPLATE_INVALID', `${who}: TaskTemplates[${i}] ${r === undefined ? `is ${typeName(raw)}, not an object` : `could not be read: ${r.why}`}`, where);
    return undefined;
  }
  const bad = (message: string, hint?: string): void => {
    if (sink.room('TEMPLATE_INVALID')) sink.add('TEMPLATE_INVALID', `${who}: TaskTemplates[${i}] ${message}`, hint === undefined ? where : { ...where, hint });
  };
  for (const key of Object.keys(r)) {
    if (!TASK_TEMPLATE_PROPERTIES.has(key) && !TASK_TEMPLATE_READ_ONLY.has(key) && sink.room('UNKNOWN_PROPERTY')) {
      sink.add('UNKNOWN_PROPERTY', `${who}: TaskTemplates[${i}] has no property "${clip(key)}"; it is ignored`, unknownAt(key, TASK_TEMPLATE_PROPERTIES, at));
    }
  }
  const id = r.Id;
  if (typeof id !== 'string' || !TASK_TEMPLATE_ID.test(id)) {
    bad(
      id === undefined || id === null ? 'has no Id' : `has the Id ${isUnreadable(id) ? 'that could not be read' : show(id)}, not of the form nb:ttid:UUID:<guid>`,
      'invent a GUID for each TaskTemplate and write it both as its Id and as the taskTemplateId of its <taskBody>',
    );
  }
  // Optional strings: a value of another type was dropped without a word (Name became no name).
  for (const key of ['Name', 'Description'] as const) {
    const v = r[key];
    if (v !== undefined && v !== null && typeof v !== 'string') bad(`has a ${key} that ${isUnreadable(v) ? 'could not be read' : `is ${typeName(v)}`}, not a string`, `${key} is text, or left out`);
  }
  const count = (key: 'NumberofInputAssets' | 'NumberofOutputAssets'): number | null => {
    const v = r[key];
    const n = readCount(v);
    if (n === undefined) bad(v === undefined || v === null ? `has no ${key}` : `has ${key} ${show(v)}, not a whole number >= 0`, `${key} is required: the number of ${key === 'NumberofInputAssets' ? '<inputAsset>' : '<outputAsset>'} elements of its <taskBody>`);
    return n ?? null;
  };
  return {
    Id: typeof id === 'string' ? id : '',
    Name: typeof r.Name === 'string' ? r.Name : '',
    Description: typeof r.Description === 'string' ? r.Description : null,
    MediaProcessorId: r.MediaProcessorId,
    Configuration: r.Configuration,
    NumberofInputAssets: count('NumberofInputAssets'),
    NumberofOutputAssets: count('NumberofOutputAssets'),
    Options: r.Options,
    EncryptionKeyId: r.EncryptionKeyId,
    EncryptionScheme: r.EncryptionScheme,
    EncryptionVersion: r.EncryptionVersion,
    InitializationVector: r.InitializationVector,
  };
}

/** Each `<taskBody>` names exactly one TaskTemplate, each TaskTemplate has exactly one `<taskBody>` (reference §8). */
function matchBodies(t: JobTemplate, sink: DiagnosticSink, at: DiagnosticExtras, who: string, frameRead: boolean): void {
  const byId = new Map<string, number>();
  t.TaskTemplates.forEach((tt, k) => {
    if (tt.Id === '') return;
    if (byId.has(tt.Id)) {
      if (sink.room('TEMPLATE_TASK_MISMATCH')) sink.add('TEMPLATE_TASK_MISMATCH', `${who}: TaskTemplates[${byId.get(tt.Id)!}] and TaskTemplates[${k}] have the same Id ${tt.Id}`, { ...at, property: 'TaskTemplates', hint: 'give each TaskTemplate its own GUID' });
      return;
    }
    byId.set(tt.Id, k);
  });
  const used = new Map<number, number>();
  // "Did you mean" for a taskTemplateId the template does not have: within a budget, as a template
  // may hold thousands of TaskTemplates, each unknown Id compared with every one (2,000 took 34 s).
  const suggest = new BoundedSuggestions(() => byId.keys());
  let byLowerId: Map<string, string> | undefined;
  t.templateOf = t.bodies.map((b, i) => {
    const place: DiagnosticExtras = { ...at, property: 'JobTemplateBody', line: b.line, column: b.column };
    if (b.taskTemplateId === undefined) {
      if (sink.room('TEMPLATE_TASK_MISMATCH')) sink.add('TEMPLATE_TASK_MISMATCH', `${who}: <taskBody> #${i} has no taskTemplateId`, { ...place, hint: 'write <taskBody taskTemplateId="nb:ttid:UUID:…"> with the Id of its TaskTemplate' });
      return -1;
    }
    const k = byId.get(b.taskTemplateId) ?? byId.get(b.taskTemplateId.trim());
    if (k === undefined) {
      if (sink.room('TEMPLATE_TASK_MISMATCH')) {
        if (byLowerId === undefined) {
          byLowerId = new Map();
          for (const id of byId.keys()) if (!byLowerId.has(id.toLowerCase())) byLowerId.set(id.toLowerCase(), id);
        }
        const near = byLowerId.get(b.taskTemplateId.toLowerCase()) ?? suggest.near(b.taskTemplateId, byId.keys());
        sink.add('TEMPLATE_TASK_MISMATCH', `${who}: <taskBody> #${i} names TaskTemplate ${clip(JSON.stringify(b.taskTemplateId))}, which the template does not have`, {
          ...place,
          hint: near !== undefined ? `did you mean ${near}?` : 'each taskTemplateId is the Id of one of the template\'s TaskTemplates',
        });
      }
      return -1;
    }
    const first = used.get(k);
    if (first !== undefined) {
      if (sink.room('TEMPLATE_TASK_MISMATCH')) sink.add('TEMPLATE_TASK_MISMATCH', `${who}: <taskBody> #${first} and <taskBody> #${i} both name TaskTemplate ${b.taskTemplateId}`, { ...place, hint: 'one <taskBody> per TaskTemplate: give the second its own TaskTemplate' });
      return -1;
    }
    used.set(k, i);
    return k;
  });
  t.TaskTemplates.forEach((tt, k) => {
    if (!frameRead || tt.Id === '' || used.has(k) || byId.get(tt.Id) !== k) return;
    if (sink.room('TEMPLATE_TASK_MISMATCH')) sink.add('TEMPLATE_TASK_MISMATCH', `${who}: TaskTemplate ${tt.Id}${tt.Name !== '' ? ` "${clip(tt.Name, 60)}"` : ''} has no <taskBody> in JobTemplateBody`, { ...at, property: 'TaskTemplates', hint: 'add <taskBody taskTemplateId="…"> for it to JobTemplateBody, or remove the TaskTemplate' });
  });
}

/**
 * The tasks a template makes, in the order of its `<taskBody>` elements: each takes the element as
 * its TaskBody and Name, MediaProcessorId, Configuration, Options and the encryption fields from
 * the TaskTemplate its taskTemplateId names (left out when that TaskTemplate leaves them out).
 * A body that names no TaskTemplate (TEMPLATE_TASK_MISMATCH) makes a task with its TaskBody and
 * `unmatched` (what the template check fills in so as not to report the mismatch twice).
 */
export function templateTasks(t: JobTemplate, unmatched: Partial<TaskDefinition> = {}): TaskDefinition[] {
  return t.bodies.map((b, i) => {
    const task: Record<string, unknown> = {};
    const k = t.templateOf[i] ?? -1;
    if (k < 0) Object.assign(task, unmatched);
    else {
      const tt = t.TaskTemplates[k]! as unknown as Record<string, unknown>;
      for (const f of TASK_FIELDS) {
        const v = f === 'Name' ? (tt.Name === '' ? undefined : tt.Name) : tt[f];
        if (v !== undefined) task[f] = v;
      }
    }
    task.TaskBody = b.text;
    return task as unknown as TaskDefinition;
  });
}
