import { makeDiagnostic, type Diagnostic } from '../validate/diagnostic.js';
import { parseTaskBody } from '../taskbody/parse.js';
import type { AssetRef } from '../taskbody/types.js';
import { DEFAULT_ASSET_CREATION_OPTIONS, TASK_OPTIONS_MASK, TaskOptions } from './enums.js';
import { CONTENT_KEY_ID, JOB_ID, MEDIA_PROCESSOR_ID, TASK_ID, randomIds, type IdFactory } from './ids.js';
import type { Job, JobInputAsset, JobNotificationSubscription, Task, TaskNotificationSubscription, TaskOutputAsset } from './model.js';

/** Limits of the entity properties (reference §1, §4, §10). */
export const LIMITS = {
  name: 4000,
  configuration: 100_000,
  initializationVector: 4000,
} as const;

export interface LoadOptions {
  /** Makes job and task ids; defaults to random GUIDs. */
  ids?: IdFactory;
}

export interface LoadResult {
  /** The normalised job; present unless the definition is not an object at all. */
  job: Job | undefined;
  diagnostics: Diagnostic[];
}

const JOB_PROPERTIES = new Set(['Name', 'Priority', 'InputMediaAssets', 'InputMediaAssets@odata.bind', 'Tasks', 'TemplateId', 'JobNotificationSubscriptions', 'Id']);
// Read-only properties a client may echo back from a GET; ignored without a warning.
const JOB_READ_ONLY = new Set(['__metadata', 'State', 'Created', 'LastModified', 'StartTime', 'EndTime', 'RunningDuration', 'OutputMediaAssets', 'odata.metadata']);
const TASK_PROPERTIES = new Set(['Name', 'MediaProcessorId', 'Configuration', 'TaskBody', 'Priority', 'Options', 'EncryptionKeyId', 'EncryptionScheme', 'EncryptionVersion', 'InitializationVector', 'TaskNotificationSubscriptions', 'Id']);
const TASK_READ_ONLY = new Set(['__metadata', 'State', 'Progress', 'StartTime', 'EndTime', 'RunningDuration', 'PerfMessage', 'ErrorDetails', 'HistoricalEvents', 'InputMediaAssets', 'OutputMediaAssets']);

export function isInt32(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= -2147483648 && v <= 2147483647;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function typeName(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/** The asset id inside `…/Assets('nb%3Acid%3AUUID%3A…')`, decoded; the uri itself when it has none. */
export function assetIdFromUri(uri: string): string {
  const m = /Assets\('((?:[^']|'')*)'\)\s*$/.exec(uri);
  if (!m) return uri;
  const raw = m[1]!.replace(/''/g, "'");
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/** The default name of an output asset (reference §3.3 rule 6): `JobOutputAsset(k)_<job name or id>`. */
export function defaultOutputAssetName(index: number, job: { Name: string; Id: string }): string {
  return `JobOutputAsset(${index})_${job.Name !== '' ? job.Name : job.Id}`;
}

/**
 * Loads a Create-Job body (already JSON-parsed) into a normalised {@link Job}, collecting every
 * problem of the entity properties and of each TaskBody. Graph rules (producers, ranges, cycles)
 * are checked by the validator on the result.
 */
export function loadJob(definition: unknown, options: LoadOptions = {}): LoadResult {
  const ids = options.ids ?? randomIds;
  const diagnostics: Diagnostic[] = [];
  if (!isObject(definition)) {
    diagnostics.push(makeDiagnostic('JOB_INVALID', `the job definition is ${typeName(definition)}, not an object`));
    return { job: undefined, diagnostics };
  }
  const d = definition;
  for (const key of Object.keys(d)) {
    if (!JOB_PROPERTIES.has(key) && !JOB_READ_ONLY.has(key)) {
      diagnostics.push(makeDiagnostic('UNKNOWN_PROPERTY', `the Job has no property "${key}"; it is ignored`));
    }
  }

  const name = optionalString(d, 'Name', 'the Job', diagnostics, 'JOB_INVALID') ?? '';
  if (name.length > LIMITS.name) diagnostics.push(makeDiagnostic('NAME_TOO_LONG', `the Job's Name has ${name.length} characters; at most ${LIMITS.name} are allowed`));

  let priority = 0;
  if (d.Priority !== undefined && d.Priority !== null) {
    if (isInt32(d.Priority)) priority = d.Priority;
    else diagnostics.push(makeDiagnostic('PRIORITY_INVALID', `the Job's Priority is ${JSON.stringify(d.Priority)}, not a 32-bit integer`, priorityHint(d.Priority)));
  }

  let id = ids('job');
  if (typeof d.Id === 'string' && JOB_ID.test(d.Id)) id = d.Id;
  else if (d.Id !== undefined) diagnostics.push(makeDiagnostic('JOB_INVALID', `the Job's Id ${JSON.stringify(d.Id)} is not of the form nb:jid:UUID:<guid>`, { hint: 'leave Id out: the service assigns it' }));

  const templateId = optionalString(d, 'TemplateId', 'the Job', diagnostics, 'JOB_INVALID');
  const inputs = loadInputAssets(d, diagnostics);
  const jobSubscriptions = loadJobSubscriptions(d.JobNotificationSubscriptions, diagnostics);

  const job: Job = {
    Id: id,
    Name: name,
    Priority: priority,
    TemplateId: templateId ?? null,
    InputMediaAssets: inputs,
    Tasks: [],
    JobNotificationSubscriptions: jobSubscriptions,
  };

  const tasks = d.Tasks;
  if (tasks === undefined || tasks === null) {
    if (templateId) {
      diagnostics.push(makeDiagnostic('JOB_TEMPLATE_UNSUPPORTED', `the job is made from JobTemplate ${templateId}, whose tasks are not part of the definition`));
    } else {
      diagnostics.push(makeDiagnostic('JOB_NO_TASKS', 'the job has no Tasks'));
    }
    return { job, diagnostics };
  }
  if (!Array.isArray(tasks)) {
    diagnostics.push(makeDiagnostic('JOB_INVALID', `the Job's Tasks is ${typeName(tasks)}, not an array`, { hint: 'Tasks is an array of task objects' }));
    return { job, diagnostics };
  }
  if (tasks.length === 0) {
    diagnostics.push(makeDiagnostic('JOB_NO_TASKS', 'the job has an empty Tasks array'));
  }
  for (let i = 0; i < tasks.length; i++) {
    job.Tasks.push(loadTask(tasks[i], i, job, ids, diagnostics));
  }
  return { job, diagnostics };
}

function priorityHint(v: unknown): { hint?: string } {
  if (typeof v === 'string' && /^-?\d+$/.test(v.trim())) return { hint: `write it as a JSON number: ${v.trim()}` };
  return {};
}

function optionalString(
  obj: Record<string, unknown>,
  key: string,
  owner: string,
  diagnostics: Diagnostic[],
  code: 'JOB_INVALID' | 'TASK_INVALID',
  task?: number,
): string | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  const extras = task === undefined ? {} : { task };
  diagnostics.push(makeDiagnostic(code, `${owner}'s ${key} is ${typeName(v)}, not a string`, extras));
  return undefined;
}

function loadInputAssets(d: Record<string, unknown>, diagnostics: Diagnostic[]): JobInputAsset[] {
  const verbose = d.InputMediaAssets;
  const bind = d['InputMediaAssets@odata.bind'];
  const out: JobInputAsset[] = [];
  if (verbose !== undefined && bind !== undefined) {
    diagnostics.push(makeDiagnostic('JOB_INVALID', 'the Job has both InputMediaAssets and InputMediaAssets@odata.bind', { hint: 'use one of the two forms' }));
  }
  if (verbose !== undefined) {
    if (!Array.isArray(verbose)) {
      diagnostics.push(makeDiagnostic('INPUT_ASSET_INVALID', `InputMediaAssets is ${typeName(verbose)}, not an array`));
    } else {
      verbose.forEach((entry, i) => {
        const uri = isObject(entry) && isObject(entry.__metadata) ? entry.__metadata.uri : undefined;
        if (typeof uri === 'string' && uri.trim() !== '') out.push({ uri, id: assetIdFromUri(uri) });
        else if (typeof entry === 'string' && entry.trim() !== '') {
          diagnostics.push(makeDiagnostic('INPUT_ASSET_INVALID', `InputMediaAssets[${i}] is a bare string`, { hint: 'wrap it as {"__metadata":{"uri":"…"}}, or list bare URIs under InputMediaAssets@odata.bind' }));
        } else diagnostics.push(makeDiagnostic('INPUT_ASSET_INVALID', `InputMediaAssets[${i}] has no __metadata.uri`));
      });
    }
  } else if (bind !== undefined) {
    if (!Array.isArray(bind)) {
      diagnostics.push(makeDiagnostic('INPUT_ASSET_INVALID', `InputMediaAssets@odata.bind is ${typeName(bind)}, not an array of URIs`));
    } else {
      bind.forEach((uri, i) => {
        if (typeof uri === 'string' && uri.trim() !== '') out.push({ uri, id: assetIdFromUri(uri) });
        else diagnostics.push(makeDiagnostic('INPUT_ASSET_INVALID', `InputMediaAssets@odata.bind[${i}] is ${typeName(uri)}, not a URI string`));
      });
    }
  }
  if (out.length === 0 && !diagnostics.some((x) => x.code === 'INPUT_ASSET_INVALID')) {
    diagnostics.push(makeDiagnostic('JOB_NO_INPUTS', verbose === undefined && bind === undefined ? 'the job has no InputMediaAssets' : 'the job\'s InputMediaAssets is empty'));
  }
  return out;
}

function loadJobSubscriptions(v: unknown, diagnostics: Diagnostic[]): JobNotificationSubscription[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) {
    diagnostics.push(makeDiagnostic('NOTIFICATION_SUBSCRIPTION_INVALID', `JobNotificationSubscriptions is ${typeName(v)}, not an array`));
    return [];
  }
  const out: JobNotificationSubscription[] = [];
  v.forEach((s, i) => {
    if (isObject(s) && typeof s.NotificationEndPointId === 'string' && (s.TargetJobState === 1 || s.TargetJobState === 2)) {
      out.push({ NotificationEndPointId: s.NotificationEndPointId, TargetJobState: s.TargetJobState });
    } else {
      diagnostics.push(makeDiagnostic('NOTIFICATION_SUBSCRIPTION_INVALID', `JobNotificationSubscriptions[${i}] needs NotificationEndPointId (a string) and TargetJobState 1 (FinalStatesOnly) or 2 (AllStates)`));
    }
  });
  return out;
}

function loadTaskSubscriptions(v: unknown, task: number, diagnostics: Diagnostic[]): TaskNotificationSubscription[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) {
    diagnostics.push(makeDiagnostic('NOTIFICATION_SUBSCRIPTION_INVALID', `TaskNotificationSubscriptions is ${typeName(v)}, not an array`, { task }));
    return [];
  }
  const out: TaskNotificationSubscription[] = [];
  v.forEach((s, i) => {
    if (
      isObject(s) &&
      typeof s.NotificationEndPointId === 'string' &&
      (s.TargetTaskState === 1 || s.TargetTaskState === 2) &&
      (s.IncludeTaskProgress === undefined || typeof s.IncludeTaskProgress === 'boolean')
    ) {
      out.push({ NotificationEndPointId: s.NotificationEndPointId, TargetTaskState: s.TargetTaskState, IncludeTaskProgress: s.IncludeTaskProgress === true });
    } else {
      diagnostics.push(
        makeDiagnostic('NOTIFICATION_SUBSCRIPTION_INVALID', `TaskNotificationSubscriptions[${i}] needs NotificationEndPointId (a string), TargetTaskState 1 or 2 and IncludeTaskProgress (a boolean)`, { task }),
      );
    }
  });
  return out;
}

function loadTask(raw: unknown, index: number, job: Job, ids: IdFactory, diagnostics: Diagnostic[]): Task {
  const task: Task = {
    index,
    Id: ids('task'),
    Name: '',
    MediaProcessorId: '',
    Configuration: null,
    TaskBody: '',
    Priority: 0,
    Options: 0,
    EncryptionKeyId: null,
    EncryptionScheme: null,
    EncryptionVersion: null,
    InitializationVector: null,
    TaskNotificationSubscriptions: [],
    inputs: [],
    outputs: [],
    inputEntries: [],
    outputEntries: [],
  };
  const at = { task: index };
  if (!isObject(raw)) {
    diagnostics.push(makeDiagnostic('TASK_INVALID', `Tasks[${index}] is ${typeName(raw)}, not an object`, at));
    return task;
  }
  const owner = `task #${index}`;
  const t = raw;
  for (const key of Object.keys(t)) {
    if (!TASK_PROPERTIES.has(key) && !TASK_READ_ONLY.has(key)) {
      diagnostics.push(makeDiagnostic('UNKNOWN_PROPERTY', `the Task has no property "${key}"; it is ignored`, at));
    }
  }
  const name = optionalString(t, 'Name', owner, diagnostics, 'TASK_INVALID', index);
  if (name !== undefined) {
    task.Name = name;
    if (name.length > LIMITS.name) diagnostics.push(makeDiagnostic('NAME_TOO_LONG', `the task's Name has ${name.length} characters; at most ${LIMITS.name} are allowed`, at));
  }
  if (task.Name !== '') (at as { taskName?: string }).taskName = task.Name;

  if (typeof t.Id === 'string' && TASK_ID.test(t.Id)) task.Id = t.Id;

  const mp = t.MediaProcessorId;
  if (mp === undefined || mp === null || mp === '') {
    diagnostics.push(makeDiagnostic('MEDIA_PROCESSOR_MISSING', `${owner} has no MediaProcessorId`, at));
  } else if (typeof mp !== 'string') {
    diagnostics.push(makeDiagnostic('MEDIA_PROCESSOR_ID_INVALID', `${owner}'s MediaProcessorId is ${typeName(mp)}, not a string`, at));
  } else {
    task.MediaProcessorId = mp;
    if (!MEDIA_PROCESSOR_ID.test(mp)) {
      const hint = /^[0-9a-f-]{36}$/i.test(mp) ? `prefix the GUID: nb:mpid:UUID:${mp}` : undefined;
      diagnostics.push(makeDiagnostic('MEDIA_PROCESSOR_ID_INVALID', `${owner}'s MediaProcessorId ${JSON.stringify(mp.slice(0, 80))} is not of the form nb:mpid:UUID:<guid>`, hint ? { ...at, hint } : at));
    }
  }

  const config = optionalString(t, 'Configuration', owner, diagnostics, 'TASK_INVALID', index);
  if (config !== undefined) {
    task.Configuration = config;
    if (config.length > LIMITS.configuration) {
      diagnostics.push(makeDiagnostic('CONFIGURATION_TOO_LONG', `${owner}'s Configuration has ${config.length} characters; at most ${LIMITS.configuration} are allowed`, at));
    }
  }

  if (t.Priority !== undefined && t.Priority !== null) {
    if (isInt32(t.Priority)) task.Priority = t.Priority;
    else diagnostics.push(makeDiagnostic('PRIORITY_INVALID', `${owner}'s Priority is ${JSON.stringify(t.Priority)}, not a 32-bit integer`, { ...at, ...priorityHint(t.Priority) }));
  }

  loadEncryption(t, task, owner, at, diagnostics);
  task.TaskNotificationSubscriptions = loadTaskSubscriptions(t.TaskNotificationSubscriptions, index, diagnostics);

  const body = t.TaskBody;
  if (body === undefined || body === null || (typeof body === 'string' && body.trim() === '')) {
    diagnostics.push(makeDiagnostic('TASKBODY_MISSING', `${owner} has no TaskBody`, at));
    return task;
  }
  if (typeof body !== 'string') {
    diagnostics.push(makeDiagnostic('TASKBODY_MISSING', `${owner}'s TaskBody is ${typeName(body)}, not an XML string`, at));
    return task;
  }
  task.TaskBody = body;
  readTaskBody(task, job, diagnostics, at);
  return task;
}

function loadEncryption(t: Record<string, unknown>, task: Task, owner: string, at: { task: number }, diagnostics: Diagnostic[]): void {
  if (t.Options !== undefined && t.Options !== null) {
    const o = t.Options;
    if (typeof o === 'number' && Number.isInteger(o) && o >= 0 && (o & ~TASK_OPTIONS_MASK) === 0) task.Options = o;
    else diagnostics.push(makeDiagnostic('OPTIONS_INVALID', `${owner}'s Options is ${JSON.stringify(o)}`, at));
  }
  task.EncryptionKeyId = optionalString(t, 'EncryptionKeyId', owner, diagnostics, 'TASK_INVALID', at.task) ?? null;
  task.EncryptionScheme = optionalString(t, 'EncryptionScheme', owner, diagnostics, 'TASK_INVALID', at.task) ?? null;
  task.EncryptionVersion = optionalString(t, 'EncryptionVersion', owner, diagnostics, 'TASK_INVALID', at.task) ?? null;
  task.InitializationVector = optionalString(t, 'InitializationVector', owner, diagnostics, 'TASK_INVALID', at.task) ?? null;

  if (task.EncryptionScheme !== null && task.EncryptionScheme !== 'ConfigurationEncryption' && task.EncryptionScheme !== 'None') {
    diagnostics.push(makeDiagnostic('ENCRYPTION_FIELD_INVALID', `${owner}'s EncryptionScheme is ${JSON.stringify(task.EncryptionScheme)}`, at));
  }
  if (task.EncryptionVersion !== null && task.EncryptionVersion !== '1.0') {
    diagnostics.push(makeDiagnostic('ENCRYPTION_FIELD_INVALID', `${owner}'s EncryptionVersion is ${JSON.stringify(task.EncryptionVersion)}`, at));
  }
  if (task.InitializationVector !== null && task.InitializationVector.length > LIMITS.initializationVector) {
    diagnostics.push(
      makeDiagnostic('INITIALIZATION_VECTOR_TOO_LONG', `${owner}'s InitializationVector has ${task.InitializationVector.length} characters; at most ${LIMITS.initializationVector} are allowed`, at),
    );
  }
  if ((task.Options & TaskOptions.ProtectedConfiguration) !== 0) {
    const missing: string[] = [];
    if (task.EncryptionKeyId === null || !CONTENT_KEY_ID.test(task.EncryptionKeyId)) missing.push('EncryptionKeyId (nb:kid:UUID:<guid>)');
    if (task.EncryptionScheme !== 'ConfigurationEncryption') missing.push('EncryptionScheme "ConfigurationEncryption"');
    if (task.EncryptionVersion !== '1.0') missing.push('EncryptionVersion "1.0"');
    if (task.InitializationVector === null || task.InitializationVector === '') missing.push('InitializationVector');
    if (missing.length > 0) {
      diagnostics.push(makeDiagnostic('PROTECTED_CONFIGURATION_INCOMPLETE', `${owner} asks for ProtectedConfiguration but lacks ${missing.join(', ')}`, at));
    }
  }
}

function readTaskBody(task: Task, job: Job, diagnostics: Diagnostic[], at: { task: number; taskName?: string }): void {
  const parsed = parseTaskBody(task.TaskBody);
  for (const p of parsed.problems) {
    const extras: { task: number; taskName?: string; line: number; column: number; hint?: string } = { ...at, line: p.line, column: p.column };
    if (p.hint !== undefined) extras.hint = p.hint;
    diagnostics.push(makeDiagnostic(p.code as Diagnostic['code'], p.message, extras));
  }
  task.inputEntries = parsed.inputs;
  task.outputEntries = parsed.outputs;
  const inputs: AssetRef[] = [];
  for (const e of parsed.inputs) if (e.ref) inputs.push(e.ref);
  const outputs: TaskOutputAsset[] = [];
  for (const e of parsed.outputs) {
    if (!e.ref || e.ref.kind !== 'JobOutputAsset') continue;
    outputs.push({
      index: e.ref.index,
      assetName: e.assetName ?? defaultOutputAssetName(e.ref.index, job),
      assetCreationOptions: e.assetCreationOptions ?? DEFAULT_ASSET_CREATION_OPTIONS,
      storageAccountName: e.storageAccountName ?? null,
      assetFormatOption: e.assetFormatOption ?? 0,
    });
  }
  task.inputs = inputs;
  task.outputs = outputs;
}
