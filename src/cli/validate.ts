import { parseArgs } from 'node:util';
import { DEFAULT_MAX_DIAGNOSTICS, makeDiagnostic, type Diagnostic } from '../diagnostics/diagnostic.js';
import { formatDiagnosticText, summarize } from '../validate/format-text.js';
import { formatSarif, type SarifFile } from '../validate/format-sarif.js';
import { validateJob, validateTaskBody, type Profile, type ValidationResult } from '../validate/validate.js';
import { validateAddition } from '../validate/add.js';
import { validateJobTemplate, type JobTemplates } from '../validate/template.js';
import type { JobTemplateDefinition } from '../job/template.js';
import { jobLabel, jobName, type WorkloadFile } from '../workload/read.js';
import { CliError, ioMessage, packageVersion, useColor, type CliIO, type CliOptions } from './io.js';
import { ARRIVAL_HINT, workloadOf } from './workload-input.js';

export const VALIDATE_USAGE = `Usage: jobgraph validate <file…> [--format text|json|sarif] [--profile ams|relaxed] [--max-diagnostics N|all] [--templates <file>] [--add-to <job.json>]

Checks AMS Create-Job bodies (JSON), workloads of them ('jobgraph generate': the jobgraph.workload/1
container or NDJSON), plain graphs ({"tasks": [{"id", "dependsOn"}, …]}: with --profile relaxed),
JobTemplates (a JSON object with JobTemplateBody) and lone TaskBody documents (.xml), and reports
every problem.
  --format           text (default, like a compiler), json ({"valid", "diagnostics"}; a workload:
                     {"valid", "jobs": [{"job", "valid", "diagnostics"}, …]}), sarif (SARIF 2.1.0)
  --profile          ams (default: the service's quotas; for a workload, the profile it names) or
                     relaxed (no quotas, graphs of any size)
  --max-diagnostics  problems listed per file, or per job of a workload (default 1000); past it they
                     are counted (TOO_MANY_DIAGNOSTICS)
  --templates        a JSON file of JobTemplates (one, or an array): jobs with TemplateId are
                     expanded from them and checked as the inline jobs they stand for (repeatable)
  --add-to           a job file (valid, checked first): each file is then tasks to add to that job,
                     {"Tasks": […]} or {"tasks": […]} (validateAddition), task #k the k-th of them
A workload's problems name their job: "w.json: job #3 \"name\": task #1 …", jobs counted from 0.
A file named - is read from standard input. Exit status: 0 no errors, 1 errors, 2 usage or I/O error.`;

interface FileResult {
  file: string;
  source: string;
  isXml: boolean;
  valid: boolean;
  diagnostics: Diagnostic[];
  taskBodies: string[];
  /** Present when the file is a workload: every job's result (diagnostics above are all of theirs). */
  jobs?: WorkloadJobResult[];
  /** JobTemplateBody by template Id, for the diagnostics placed in one (a template file, or --templates). */
  templateBodies?: Map<string, string>;
}

/** One job of a workload; its TaskBodies are kept only when it has something to show. */
interface WorkloadJobResult {
  job: number;
  name: string | undefined;
  label: string;
  line: number | undefined;
  valid: boolean;
  diagnostics: Diagnostic[];
  taskBodies: string[];
}

/** The options of `jobgraph validate`, for parseArgs and for naming a mistyped one. */
export const VALIDATE_OPTIONS = {
  format: { type: 'string', default: 'text' },
  profile: { type: 'string' },
  'max-diagnostics': { type: 'string' },
  templates: { type: 'string', multiple: true },
  'add-to': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} satisfies CliOptions;

export async function validateCommand(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: VALIDATE_OPTIONS,
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    io.stdout.write(VALIDATE_USAGE + '\n');
    return 0;
  }
  const format = values.format!;
  if (format !== 'text' && format !== 'json' && format !== 'sarif') throw new CliError(`--format must be text, json or sarif, not ${JSON.stringify(format)}`);
  // Not given: 'ams', or the profile a workload names.
  const profileFlag = values.profile as Profile | undefined;
  if (profileFlag !== undefined && profileFlag !== 'ams' && profileFlag !== 'relaxed') throw new CliError(`--profile must be ams or relaxed, not ${JSON.stringify(values.profile)}`);
  const maxDiagnostics = readMaxDiagnostics(values['max-diagnostics']);
  if (positionals.length === 0) throw new CliError('name at least one job file (.json) or TaskBody (.xml)');
  const templates = await readTemplates(values.templates ?? [], io);
  // By Id, for validateJob: given the list, it looks each job's template up by reading every Id
  // before it (8,000 jobs of a workload against 8,000 templates took 10.7 s).
  const templateIndex = templates === undefined ? undefined : (indexTemplates(templates) ?? templates);
  const addTo = values['add-to'] !== undefined ? await readJobToAddTo(values['add-to'], profileFlag ?? 'ams', maxDiagnostics, templates, io) : undefined;

  const results: FileResult[] = [];
  let ioFailed = false;
  for (const file of positionals) {
    let source: string;
    try {
      source = await io.readFile(file);
    } catch (err) {
      io.stderr.write(`jobgraph validate: ${ioMessage(file, err)}\n`);
      ioFailed = true;
      continue;
    }
    if (addTo !== undefined) {
      const r = validateAddition(addTo.job!, addTo.dependencies!, source, { profile: profileFlag ?? 'ams', maxDiagnostics });
      results.push({ file, source, isXml: false, valid: r.valid, diagnostics: r.diagnostics, taskBodies: r.tasks ? r.tasks.map((t) => t.TaskBody) : [] });
      continue;
    }
    const isXml = /\.xml$/i.test(file) || (file === '-' && /^\s*(<\?xml|<)/.test(source.replace(/^\uFEFF/, '')));
    const workload = isXml ? undefined : workloadOf(source, file);
    if (workload !== undefined) {
      results.push(validateWorkload(file, source, workload, profileFlag, maxDiagnostics, templateIndex));
    } else if (isXml) {
      const r = validateTaskBody(source, { maxDiagnostics });
      results.push({ file, source, isXml, valid: r.valid, diagnostics: r.diagnostics, taskBodies: [] });
    } else if (isJobTemplate(source)) {
      const r = validateJobTemplate(source, { profile: profileFlag ?? 'ams', maxDiagnostics });
      const body = r.template?.JobTemplateBody ?? '';
      results.push({ file, source, isXml, valid: r.valid, diagnostics: r.diagnostics, taskBodies: [], templateBodies: new Map([[r.template?.Id ?? '', body]]) });
    } else {
      const r = validateJob(source, { profile: profileFlag ?? 'ams', maxDiagnostics, ...(templateIndex ? { templates: templateIndex } : {}) });
      const taskBodies = r.job ? r.job.Tasks.map((t) => t.TaskBody) : [];
      results.push({ file, source, isXml, valid: r.valid, diagnostics: r.diagnostics, taskBodies, ...(templates ? { templateBodies: bodiesOf(templates) } : {}) });
    }
  }

  if (format === 'json') {
    const jobsJson = (r: FileResult): object[] => r.jobs!.map((j) => ({ job: j.job, ...(j.name !== undefined ? { name: j.name } : {}), ...(j.line !== undefined ? { line: j.line } : {}), valid: j.valid, diagnostics: j.diagnostics }));
    if (positionals.length === 1 && results.length === 1) {
      const r = results[0]!;
      io.stdout.write(JSON.stringify(r.jobs ? { valid: r.valid, jobs: jobsJson(r) } : { valid: r.valid, diagnostics: r.diagnostics }, null, 2) + '\n');
    } else {
      const body = { valid: results.every((r) => r.valid) && !ioFailed, files: results.map((r) => (r.jobs ? { file: r.file, valid: r.valid, jobs: jobsJson(r) } : { file: r.file, valid: r.valid, diagnostics: r.diagnostics })) };
      io.stdout.write(JSON.stringify(body, null, 2) + '\n');
    }
  } else if (format === 'sarif') {
    const files: SarifFile[] = results.flatMap((r) =>
      r.jobs
        ? r.jobs.filter((j) => j.diagnostics.length > 0).map((j) => ({ file: r.file, job: j.job, diagnostics: j.diagnostics, physical: (d: Diagnostic) => d.code === 'JSON_MALFORMED' }))
        : [{ file: r.file, diagnostics: r.diagnostics, physical: (d: Diagnostic) => r.isXml || d.code === 'JSON_MALFORMED' }],
    );
    io.stdout.write(JSON.stringify(formatSarif(files, packageVersion()), null, 2) + '\n');
  } else {
    const color = useColor(io);
    for (const r of results) {
      if (r.jobs) {
        writeWorkloadText(io, r, color);
        continue;
      }
      const sourceOf = (d: Diagnostic): string | undefined =>
        r.isXml || d.code === 'JSON_MALFORMED' ? r.source : d.template !== undefined && r.templateBodies !== undefined ? (r.templateBodies.get(d.template) ?? r.templateBodies.get('')) : d.task !== undefined ? r.taskBodies[d.task] : undefined;
      for (const d of r.diagnostics) io.stdout.write(formatDiagnosticText(r.file, d, r.isXml ? { color, sourceOf } : { color, sourceOf, fileText: r.source }) + '\n');
      io.stdout.write(`${r.file}: ${r.valid ? 'valid' : 'invalid'} (${summarize(r.diagnostics)})\n`);
    }
    if (positionals.length > 1) io.stdout.write(filesSummary(results, positionals.length - results.length) + '\n');
  }
  if (ioFailed) return 2;
  return results.every((r) => r.valid) ? 0 : 1;
}

/**
 * The job of `--add-to`: one job file (not a workload), which must be valid (under the profile and
 * templates given) before tasks can be added to it; else a usage error (exit 2).
 */
async function readJobToAddTo(file: string, profile: Profile, maxDiagnostics: number, templates: JobTemplateDefinition[] | undefined, io: CliIO): Promise<ValidationResult> {
  let source: string;
  try {
    source = await io.readFile(file);
  } catch (err) {
    throw new CliError(`--add-to: ${ioMessage(file, err)}`);
  }
  if (workloadOf(source, file) !== undefined) throw new CliError(`--add-to: ${file} is a workload; give the file of one job`);
  const r = validateJob(source, { profile, maxDiagnostics, ...(templates ? { templates } : {}) });
  if (!r.valid) throw new CliError(`--add-to: ${file} is not a valid job (${summarize(r.diagnostics)}); check it first: jobgraph validate ${file}${profile === 'relaxed' ? ' --profile relaxed' : ''}`);
  return r;
}

/** A JSON object with a JobTemplateBody (and no Tasks): a JobTemplate, checked as one. */
function isJobTemplate(source: string): boolean {
  if (!/"JobTemplateBody"/.test(source)) return false;
  try {
    const v: unknown = JSON.parse(source.replace(/^\uFEFF/, ''));
    return typeof v === 'object' && v !== null && !Array.isArray(v) && 'JobTemplateBody' in v && !('Tasks' in v) && !('tasks' in v);
  } catch {
    return false;
  }
}

/**
 * The JobTemplates of `--templates` files (each a template or an array of them), read as given:
 * validateJob checks each one a job names, and reports its problems on that job.
 */
async function readTemplates(files: string[], io: CliIO): Promise<JobTemplateDefinition[] | undefined> {
  if (files.length === 0) return undefined;
  const out: JobTemplateDefinition[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await io.readFile(file);
    } catch (err) {
      throw new CliError(`--templates: ${ioMessage(file, err)}`);
    }
    let v: unknown;
    try {
      v = JSON.parse(text.replace(/^\uFEFF/, ''));
    } catch (err) {
      throw new CliError(`--templates: ${file} is not JSON (${(err as Error).message}); give a JobTemplate, or an array of them`);
    }
    const list = Array.isArray(v) ? v : [v];
    if (list.some((t) => typeof t !== 'object' || t === null || Array.isArray(t))) throw new CliError(`--templates: ${file} must hold a JobTemplate object or an array of them`);
    out.push(...(list as JobTemplateDefinition[]));
  }
  return out;
}

/**
 * The templates by Id; undefined when some template has no Id or shares one, where the list itself
 * is given (validateJob counts a list's templates in TEMPLATE_NOT_FOUND, and a map's Ids).
 */
function indexTemplates(templates: JobTemplateDefinition[]): Map<string, JobTemplateDefinition> | undefined {
  const m = new Map<string, JobTemplateDefinition>();
  for (const t of templates) {
    if (typeof t.Id !== 'string' || t.Id === '' || m.has(t.Id)) return undefined;
    m.set(t.Id, t);
  }
  return m;
}

function bodiesOf(templates: JobTemplateDefinition[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const t of templates) if (typeof t.Id === 'string' && typeof t.JobTemplateBody === 'string') m.set(t.Id, t.JobTemplateBody);
  return m;
}

/** `--max-diagnostics`: a whole number >= 1, or `all` for no cap (a hostile file may then take a lot of memory). */
function readMaxDiagnostics(v: string | undefined): number {
  if (v === undefined) return DEFAULT_MAX_DIAGNOSTICS;
  if (v === 'all') return Infinity;
  if (!/^\d{1,9}$/.test(v) || Number(v) < 1) throw new CliError(`--max-diagnostics must be a whole number from 1 or "all", not ${JSON.stringify(v)}`);
  return Number(v);
}

/**
 * Validates every job of a workload, one at a time: an NDJSON line is parsed when its turn comes,
 * and only the jobs with something to show keep their TaskBodies.
 */
function validateWorkload(file: string, source: string, workload: WorkloadFile, profileFlag: Profile | undefined, maxDiagnostics: number, templates: JobTemplates | undefined): FileResult {
  const profile = profileFlag ?? workload.profile ?? 'ams';
  const jobs: WorkloadJobResult[] = [];
  const all: Diagnostic[] = [];
  for (const e of workload.jobs()) {
    const r = validateJob(e.definition, { profile, maxDiagnostics, ...(templates ? { templates } : {}) });
    if (e.arrivalProblem !== undefined) {
      // The entry's own mistake, not its definition's: the job would run at the start without a word.
      r.diagnostics.unshift(makeDiagnostic('JOB_INVALID', e.arrivalProblem, { property: 'arrival', hint: ARRIVAL_HINT }));
      r.valid = false;
    }
    if (e.malformed !== undefined) {
      // The line was given as its text: its JSON_MALFORMED is on line 1 of it, which is this line of the file.
      for (const d of r.diagnostics) if (d.fileLine !== undefined) d.fileLine = d.line = e.line;
    }
    const keep = r.diagnostics.length > 0 && r.job !== undefined;
    const definition = e.malformed === undefined ? e.definition : undefined;
    jobs.push({ job: e.index, name: jobName(definition), label: jobLabel(e.index, definition), line: e.line, valid: r.valid, diagnostics: r.diagnostics, taskBodies: keep ? r.job!.Tasks.map((t) => t.TaskBody) : [] });
    for (const d of r.diagnostics) all.push(d);
  }
  return { file, source, isXml: false, valid: jobs.every((j) => j.valid), diagnostics: all, taskBodies: [], jobs };
}

/** A workload as text: the problems of each job that has any, its line, then a line for the whole. */
function writeWorkloadText(io: CliIO, r: FileResult, color: boolean): void {
  for (const j of r.jobs!) {
    if (j.diagnostics.length === 0) continue;
    const sourceOf = (d: Diagnostic): string | undefined => (d.code === 'JSON_MALFORMED' ? r.source : d.task !== undefined ? j.taskBodies[d.task] : undefined);
    for (const d of j.diagnostics) io.stdout.write(formatDiagnosticText(r.file, d, { color, sourceOf, scope: j.label }) + '\n');
    io.stdout.write(`${r.file}: ${j.label}: ${j.valid ? 'valid' : 'invalid'} (${summarize(j.diagnostics)})\n`);
  }
  io.stdout.write(`${r.file}: ${filesSummary(r.jobs!, 0, 'job')}\n`);
}

/**
 * The last line for several files, so a long run need not be scrolled back:
 * "3 files: 1 valid, 2 invalid (9 errors, 1 warning)". Problems past --max-diagnostics count too.
 * With `noun` 'job', the same count for the jobs of a workload.
 */
export function filesSummary(results: readonly { valid: boolean; diagnostics: readonly Diagnostic[] }[], unreadable: number, noun = 'file'): string {
  let errors = 0;
  let warnings = 0;
  for (const d of results.flatMap((r) => r.diagnostics)) {
    if (d.code === 'TOO_MANY_DIAGNOSTICS') {
      errors += d.omitted?.errors ?? 0;
      warnings += (d.omitted?.problems ?? 0) - (d.omitted?.errors ?? 0);
    } else if (d.severity === 'error') errors++;
    else warnings++;
  }
  const p = (n: number, w: string): string => `${n} ${w}${n === 1 ? '' : 's'}`;
  const valid = results.filter((r) => r.valid).length;
  const counts = [`${valid} valid`, `${results.length - valid} invalid`, ...(unreadable > 0 ? [`${unreadable} unreadable`] : [])];
  const problems = errors + warnings === 0 ? 'no problems' : [errors ? p(errors, 'error') : '', warnings ? p(warnings, 'warning') : ''].filter(Boolean).join(', ');
  return `${p(results.length + unreadable, noun)}${noun === 'file' ? ':' : ','} ${counts.join(', ')} (${problems})`;
}
