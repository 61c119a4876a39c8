/**
 * JobTemplates in validation: {@link validateJobTemplate} checks a template on its own, and
 * {@link expandTemplateJob} turns a job that names one by `TemplateId` (and has no Tasks) into the
 * Create-Job body it stands for, which validateJob then checks as an inline job.
 *
 * Decisions (README "Templates"):
 * - A template's tasks are checked as the tasks of a job: the TaskBody grammar, dependencies, cycles,
 *   the quotas of the profile. Places are given in JobTemplateBody (`line`/`column`), with `task` the
 *   index of the `<taskBody>` (= the task it makes) and `template` the template's Id.
 * - A TaskTemplate's NumberofInputAssets/NumberofOutputAssets that differ from its `<taskBody>` are a
 *   warning (TEMPLATE_ASSET_COUNT): the `<taskBody>` is what runs, and the service's own check is
 *   not documented. A job whose InputMediaAssets differ from the template's NumberofInputAssets is
 *   an error (TEMPLATE_INPUT_COUNT): the template says how many inputs its JobInputAsset(n) mean.
 * - A job with both TemplateId and Tasks keeps its Tasks, and the template is not expanded: a job
 *   read back from the service has both, and its Tasks are what it ran. An empty Tasks array counts
 *   as none (a client that serializes the whole entity sends one).
 */
import { DEFAULT_MAX_DIAGNOSTICS, DiagnosticSink, byPlace, type Diagnostic } from '../diagnostics/diagnostic.js';
import { BoundedSuggestions } from '../diagnostics/suggest.js';
import { ArgumentRangeError, ArgumentTypeError, checkMaxOption, checkObject, describeValue } from '../errors.js';
import { isCleanTask, inputCountOf, outputCountOf } from '../job/load.js';
import { parseJsonText } from '../job/json-text.js';
import type { Job } from '../job/model.js';
import { isRecord, isUnreadable, snapshotRecord } from '../job/read.js';
import { placeInTemplate } from '../job/template-body.js';
import { readJobTemplate, templateLabel, templateTasks, type JobTemplate, type JobTemplateDefinition } from '../job/template.js';
import { AMS_QUOTAS, validateJob, type Profile } from './validate.js';

/** The templates a job may be made from: a list, or a map from template Id. */
export type JobTemplates = readonly JobTemplateDefinition[] | ReadonlyMap<string, JobTemplateDefinition>;

export interface ValidateJobTemplateOptions {
  /** As for validateJob: the quotas of `ams` apply to the tasks the template makes. @defaultValue `'ams'` */
  profile?: Profile;
  /** @defaultValue 1000 */
  maxDiagnostics?: number;
}

export interface JobTemplateValidationResult {
  /** True when no diagnostic is an error. */
  valid: boolean;
  /** Every problem, in order; places in JobTemplateBody. */
  diagnostics: Diagnostic[];
  /** The template as read (present unless the definition is not an object). */
  template: JobTemplate | undefined;
}

/** A link to the n-th input a template's tasks are checked with (never resolved). */
const PLACEHOLDER_INPUT = { __metadata: { uri: "Assets('nb:cid:UUID:00000000-0000-4000-8000-000000000000')" } };
/** The processor of a `<taskBody>` that names no TaskTemplate (reported as such, not as MEDIA_PROCESSOR_MISSING). */
const PLACEHOLDER_PROCESSOR = 'nb:mpid:UUID:00000000-0000-4000-8000-000000000000';
/** Ids of the tasks checked on a template's behalf: never seen, and not worth random bytes. */
const TEMPLATE_TASK_ID = (kind: 'job' | 'task'): string => (kind === 'job' ? 'nb:jid:UUID:00000000-0000-4000-8000-000000000000' : 'nb:tid:UUID:00000000-0000-4000-8000-000000000000');

/**
 * Checks a JobTemplate (`POST /API/JobTemplates` body, reference §8): its properties, the frame of
 * JobTemplateBody, the one-to-one match of `<taskBody>` elements and TaskTemplates, and the tasks it
 * makes as validateJob checks tasks.
 *
 * @param definition JSON text, or the parsed object (read once, as validateJob reads a job).
 * @returns `{ valid, diagnostics, template }`; never throws for bad input.
 * @throws ArgumentTypeError / ArgumentRangeError for bad options only.
 */
export function validateJobTemplate(definition: unknown, options: ValidateJobTemplateOptions = {}): JobTemplateValidationResult {
  checkObject('validateJobTemplate', '`options`', options);
  const profile = readProfile(options.profile, 'validateJobTemplate');
  const sink = new DiagnosticSink(checkMaxOption(options, 'maxDiagnostics', 'validateJobTemplate', DEFAULT_MAX_DIAGNOSTICS));
  let value = definition;
  if (typeof definition === 'string') {
    const text = parseJsonText(definition);
    if (!text.ok) {
      const { message, line, column, hint } = text.problem;
      sink.add('JSON_MALFORMED', message, hint ? { line, column, hint } : { line, column });
      return { valid: false, diagnostics: finish(sink), template: undefined };
    }
    value = text.value;
  }
  const template = checkTemplateInto(value, sink, profile);
  return { valid: !sink.hasError(), diagnostics: finish(sink), template };
}

function readProfile(profile: unknown, call: string): Profile {
  const p = profile ?? 'ams';
  if (p !== 'ams' && p !== 'relaxed') throw new ArgumentRangeError(`${call}: expected \`profile\` to be "ams" or "relaxed", got ${describeValue(p)}`, 'ERR_INVALID_ARG_VALUE');
  return p;
}

function finish(sink: DiagnosticSink): Diagnostic[] {
  const list = sink.list;
  list.sort(byPlace);
  const summary = sink.summary();
  if (summary) list.push(summary);
  return list;
}

/** Reads and checks a template into `sink`; the tasks it makes are validated as a job's. */
function checkTemplateInto(definition: unknown, sink: DiagnosticSink, profile: Profile): JobTemplate | undefined {
  const t = readJobTemplate(definition, sink);
  if (t === undefined || t.bodies.length === 0) return t;
  const who = templateLabel(t);
  const declared = t.NumberofInputAssets ?? 0;
  const inputs = placeholderCount(declared, t.JobTemplateBody);
  const r = validateJob(
    { InputMediaAssets: Array.from({ length: inputs }, () => PLACEHOLDER_INPUT), Tasks: templateTasks(t, { MediaProcessorId: PLACEHOLDER_PROCESSOR }) },
    { profile, ids: TEMPLATE_TASK_ID, maxDiagnostics: Math.max(0, sink.remaining) },
  );
  for (const d of r.diagnostics) {
    // No NumberofInputAssets: the job that names the template says how many inputs there are.
    if (d.code === 'JOB_NO_INPUTS') continue;
    if (d.code === 'TOO_MANY_DIAGNOSTICS') {
      sink.leftOut(d.omitted?.problems ?? 0, d.omitted?.errors ?? 0);
      continue;
    }
    if (!sink.room(d.code)) continue;
    const out = inTemplate(d, t, who);
    // Checked with fewer inputs than the template takes: the quota's count is the template's.
    if (d.code === 'JOB_TOO_MANY_ASSETS' && inputs < declared) out.message = `${who}: a job made from it has more than ${AMS_QUOTAS.assetsPerJob} assets: NumberofInputAssets is ${declared}; the quota is ${AMS_QUOTAS.assetsPerJob}`;
    sink.list.push(out);
  }
  if (r.job !== undefined) checkAssetCounts(t, r.job, sink, who);
  return t;
}

/** Most placeholder inputs a template is checked with (about 250 ms of checking). */
const MAX_PLACEHOLDER_INPUTS = 100_000;
const INPUT_REF = /JobInputAsset\(\s*(\d+)\s*\)/g;

/**
 * How many placeholder inputs check a template that takes `declared`: as many when few, else just
 * enough for its highest JobInputAsset(n) and for the ams quota to see too many. NumberofInputAssets
 * may be 2^31 - 1: making that many inputs ran out of memory (and past 2^22, the loader refused them).
 */
function placeholderCount(declared: number, body: string): number {
  if (declared <= AMS_QUOTAS.assetsPerJob + 1) return declared;
  let highest = -1;
  for (const m of body.matchAll(INPUT_REF)) highest = Math.max(highest, Number(m[1]));
  return Math.min(declared, Math.max(AMS_QUOTAS.assetsPerJob + 1, highest + 1), MAX_PLACEHOLDER_INPUTS);
}

/** A diagnostic of a task a template makes, as a diagnostic of the template: placed in JobTemplateBody. */
function inTemplate(d: Diagnostic, t: JobTemplate, who: string): Diagnostic {
  const out: Diagnostic = { ...d, message: `${who}: ${d.message}` };
  relocate(out, t);
  return out;
}

/** Moves a task diagnostic's TaskBody places into JobTemplateBody and names the template. */
function relocate(d: Diagnostic, t: JobTemplate): void {
  if (t.Id !== '') d.template = t.Id;
  if (d.task === undefined) return;
  const body = t.bodies[d.task];
  if (body === undefined) return;
  if (d.line !== undefined) {
    const p = placeInTemplate(body, d.line, d.column ?? 1);
    d.line = p.line;
    d.column = p.column;
    d.property = 'JobTemplateBody';
  }
  if (d.edges !== undefined) {
    d.edges = d.edges.map((e) => {
      const b = t.bodies[e.to];
      return b === undefined ? e : { ...e, ...placeInTemplate(b, e.line, e.column) };
    });
  }
}

function checkAssetCounts(t: JobTemplate, job: Job, sink: DiagnosticSink, who: string): void {
  for (let i = 0; i < t.bodies.length; i++) {
    const k = t.templateOf[i] ?? -1;
    const task = job.Tasks[i];
    if (k < 0 || task === undefined || task.TaskBody === '') continue;
    const tt = t.TaskTemplates[k]!;
    const clean = isCleanTask(task);
    const counts = [
      ['NumberofInputAssets', tt.NumberofInputAssets, clean ? inputCountOf(task) : task.inputEntries.length, 'inputAsset'],
      ['NumberofOutputAssets', tt.NumberofOutputAssets, clean ? outputCountOf(task) : task.outputEntries.length, 'outputAsset'],
    ] as const;
    for (const [property, declared, actual, element] of counts) {
      if (declared === null || declared === actual || !sink.room('TEMPLATE_ASSET_COUNT')) continue;
      const b = t.bodies[i]!;
      sink.add('TEMPLATE_ASSET_COUNT', `${who}: TaskTemplate ${tt.Id} says ${property} ${declared}, but its <taskBody> #${i} has ${actual} <${element}>`, {
        ...(t.Id !== '' ? { template: t.Id } : {}),
        task: i,
        property: 'TaskTemplates',
        line: b.line,
        column: b.column,
        hint: `set ${property} to ${actual}`,
      });
    }
  }
}

// ------------------------------------------------------------------------------------ expansion

/** What {@link expandTemplateJob} made of a job definition. */
export interface TemplateExpansion {
  /** The definition to load: the job's own properties, with Tasks made by the template when it was expanded. */
  definition: unknown;
  /** The template expanded, or undefined (not found, or not valid: the diagnostics say why). */
  template: JobTemplate | undefined;
  /** The job's TemplateId was dealt with here: the loader must not report JOB_TEMPLATE_UNSUPPORTED. */
  handled: boolean;
}

/**
 * Whether a job's Tasks leave its tasks to its template: absent, null, or an empty array (what a
 * client that serializes the whole entity sends for a job made from a template).
 */
function noTasks(tasks: unknown): boolean {
  if (tasks === undefined || tasks === null) return true;
  if (!Array.isArray(tasks)) return false;
  try {
    return tasks.length === 0;
  } catch {
    return false; // the loader reports what cannot be read
  }
}

/** @internal Checks the `templates` option of validateJob. */
export function checkTemplatesOption(templates: unknown, call: string): void {
  if (!Array.isArray(templates) && !(templates instanceof Map)) {
    throw new ArgumentTypeError(`${call}: Expected \`templates\` to be an array or a Map of JobTemplates, got ${describeValue(templates)}`);
  }
}

/** The Id of a template object, read once and safely; '' when it has none. */
function idOf(template: unknown): string {
  if (!isRecord(template)) return '';
  const r = snapshotRecord(template, new Set(['Id']));
  return !isUnreadable(r) && typeof r.Id === 'string' ? r.Id : '';
}

function findTemplate(templates: JobTemplates, id: string): { found: unknown; ids: string[] } {
  if (templates instanceof Map) {
    const found = templates.get(id);
    return { found, ids: found === undefined ? [...templates.keys()].filter((k) => typeof k === 'string') : [] };
  }
  const ids: string[] = [];
  for (const t of templates as readonly unknown[]) {
    const tid = idOf(t);
    if (tid === id) return { found: t, ids };
    ids.push(tid);
  }
  return { found: undefined, ids };
}

/**
 * @internal For validateJob: when the job names a template by TemplateId and has no Tasks, the
 * definition with the template's tasks (the template checked first; its own problems go to `sink`).
 * `value` is read once: a caller's object is copied here and the copy is what is loaded.
 */
export function expandTemplateJob(value: unknown, templates: JobTemplates, sink: DiagnosticSink, profile: Profile, safe: boolean): TemplateExpansion {
  const none: TemplateExpansion = { definition: value, template: undefined, handled: false };
  if (!isRecord(value)) return none;
  let d: Record<string, unknown>;
  if (safe) {
    let keys: string[];
    try {
      keys = Object.keys(value);
    } catch {
      return none; // the loader reports it
    }
    const copy = snapshotRecord(value, new Set(keys));
    if (isUnreadable(copy)) return none;
    d = copy;
  } else {
    d = value;
  }
  const same: TemplateExpansion = { definition: d, template: undefined, handled: false };
  const id = d.TemplateId;
  if (typeof id !== 'string' || id === '' || !noTasks(d.Tasks)) return same;
  const { found, ids } = findTemplate(templates, id);
  const withoutTasks = { definition: d, template: undefined, handled: true };
  if (found === undefined) {
    // Within a budget in proportion to the Ids' length: 50 Ids of 4,000 characters, each measured
    // against a TemplateId as long, took 6 s (and four times as long at twice the length).
    const named = ids.filter((x) => x !== '');
    const near = new BoundedSuggestions(() => named).near(id, named);
    sink.add('TEMPLATE_NOT_FOUND', `the job is made from JobTemplate ${JSON.stringify(id.length > 80 ? `${id.slice(0, 77)}...` : id)}, which is not among the ${ids.length} template${ids.length === 1 ? '' : 's'} given`, {
      property: 'TemplateId',
      ...(near !== undefined ? { hint: `did you mean ${near}?` } : {}),
    });
    return withoutTasks;
  }
  const own = new DiagnosticSink(Math.max(0, sink.remaining));
  const t = checkTemplateInto(found, own, profile);
  if (t === undefined || own.hasError()) {
    const errors = own.list.filter((x) => x.severity === 'error').length + own.omittedErrors;
    sink.add('TEMPLATE_INVALID', `the job's JobTemplate ${t !== undefined ? templateLabel(t).replace(/^JobTemplate /, '') : id} is not valid (${errors} error${errors === 1 ? '' : 's'}, listed with it); the job's tasks cannot be made from it`, { property: 'TemplateId', template: id });
    for (const x of own.list) {
      x.template ??= id;
      if (sink.room(x.code)) sink.list.push(x);
    }
    sink.leftOut(own.omitted, own.omittedErrors);
    return withoutTasks;
  }
  if (t.Id === '') t.Id = id;
  // Warnings of the template itself; those of its tasks come again when the job's tasks are read.
  for (const x of own.list) {
    if (x.task !== undefined && x.code !== 'TEMPLATE_ASSET_COUNT') continue;
    x.template ??= id;
    if (sink.room(x.code)) sink.list.push(x);
  }
  return { definition: { ...d, Tasks: templateTasks(t) }, template: t, handled: true };
}

/**
 * @internal For validateJob, once the job made from template `t` is loaded: its inputs against
 * the template's NumberofInputAssets.
 */
export function checkTemplateInputs(job: Job, t: JobTemplate, sink: DiagnosticSink): void {
  const n = t.NumberofInputAssets;
  const have = job.InputMediaAssets.length;
  if (n === null || n === have || have === 0) return;
  sink.add('TEMPLATE_INPUT_COUNT', `the job has ${have} input asset${have === 1 ? '' : 's'}, but ${templateLabel(t)} takes ${n} (NumberofInputAssets)`, { property: 'InputMediaAssets', ...(t.Id !== '' ? { template: t.Id } : {}) });
}

/**
 * @internal For validateJob: the diagnostics of a job made from template `t`, their TaskBody places
 * moved to JobTemplateBody (the tasks' TaskBodies are its `<taskBody>` elements). Moving a place
 * keeps the order of places within a task, so the list stays sorted.
 */
export function placeInJobTemplate(diagnostics: Diagnostic[], t: JobTemplate): void {
  // Those that already name the template came from its own check, placed there.
  for (const d of diagnostics) if (d.task !== undefined && d.template === undefined && d.code !== 'TOO_MANY_DIAGNOSTICS') relocate(d, t);
}
