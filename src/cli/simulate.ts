import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { ArgumentTypeError } from '../errors.js';
import { SchedulerError } from '../scheduler/errors.js';
import { checkWorkload, MAX_SIM_SECONDS, overallUtilisation, simulateGrid, workloadValidationError, type PolicyName, type SimJob, type SimResult, type WorkloadFailure } from '../simulate/simulator.js';
import { demoDurations, fixedDurations, type DurationModel } from '../simulate/durations.js';
import { GANTT_ROWS, renderGanttSvg, type GanttInput, type GanttRows } from '../export/gantt-svg.js';
import { renderHtmlReport } from '../export/report-html.js';
import { formatDiagnosticText, type TextFormatOptions } from '../validate/format-text.js';
import { CliError, integer, ioMessage, type CliIO, type CliOptions } from './io.js';
import { plural } from './figures.js';
import { comparisonTable } from './simulate-table.js';
import { ARRIVAL_HINT, arrivalError, workloadOf } from './workload-input.js';
import { arrivalProblem, jobLabel } from '../workload/read.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';

export { comparisonTable } from './simulate-table.js';

export const SIMULATE_USAGE = `Usage: jobgraph simulate <workload.json|-> [--policy P,…] [--reserved-units N,…] [options]

Simulates a workload on the real scheduler with a virtual clock and compares policies and
capacities: every combination of --policy and --reserved-units runs, and a table compares them.
  <workload>          a workload from 'jobgraph generate' (JSON or NDJSON), one Create-Job body,
                      or an array of them (all arriving at time 0); a job given as
                      { definition, arrival } may list "additions": [{ "at": s, "tasks":
                      { "Tasks": [...] } }], tasks added to it at s seconds (refused, and
                      counted, when the job has ended by then)
  --policy            priority, fifo, critical-path, shortest-first (default priority)
  --reserved-units    encoding reserved units, tasks that may run at once (default 3)
  --concurrency N     a global limit on top of the units
  --durations         demo (the demo processors' times ±25 %, default), demo-exact, or fixed:<s>
  --seed S            seed of the duration noise, an integer from 0 to 4294967295 (default 1)
  --gantt out.svg     an SVG Gantt chart per run (out.svg, or out-1.svg, out-2.svg, … for a grid)
  --gantt-rows R      the chart's rows: slots (a row per reserved unit, default), jobs (lanes per
                      job) or tasks (a row per task); jobs and tasks shade each task's wait
                      for a slot; every view outlines the critical path
  --report out.html   one HTML file with the metrics, a comparison chart and each run's Gantt
                      chart in all three views
  --json              print the results as JSON
An invalid workload: the errors of every invalid job, each named as 'jobgraph validate' names it
("w.json: job #2 \"name\": task #1 …"), then a line naming them all; nothing is simulated.
Exit status: 0 when every run completed, 2 for usage or I/O errors, 1 for an invalid workload.`;

const POLICIES: readonly PolicyName[] = ['priority', 'fifo', 'critical-path', 'shortest-first'];

function list(name: string, text: string): string[] {
  const items = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (items.length === 0) throw new CliError(`${name} needs at least one value`);
  return items;
}

/** Reads any of the workload forms into jobs with arrival times. */
export function readWorkload(text: string, file: string): SimJob[] {
  const trimmed = text.trim();
  if (trimmed === '') throw new CliError(`${file} is empty`);
  const workload = workloadOf(text, file);
  if (workload !== undefined) {
    return [...workload.jobs()].map((e) => {
      if (e.malformed !== undefined) throw new CliError(`${file}: line ${e.line} is not JSON (${e.malformed}); a workload is JSON or one JSON object a line`);
      const late = arrivalError(file, e);
      if (late !== undefined) throw late;
      return e.additions === undefined ? { definition: e.definition, arrival: e.arrival } : { definition: e.definition, arrival: e.arrival, additions: e.additions as SimJob['additions'] };
    });
  }
  // Not what 'jobgraph generate' writes, but read all the same: a job, an array of jobs, an object
  // with a "jobs" array, or one Create-Job body a line.
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch {
    return trimmed.split(/\r?\n/).filter((l) => l.trim() !== '').map((line, i) => {
      let entry: unknown;
      try {
        entry = JSON.parse(line);
      } catch (err) {
        throw new CliError(`${file}: line ${i + 1} is not JSON (${(err as Error).message}); a workload is JSON or one JSON object a line`);
      }
      return toSimJob(entry, file, i);
    });
  }
  const simJob = (v: unknown, i: number): SimJob => toSimJob(v, file, i);
  if (Array.isArray(value)) return value.map(simJob);
  if (typeof value === 'object' && value !== null && Array.isArray((value as { jobs?: unknown }).jobs)) return (value as { jobs: unknown[] }).jobs.map(simJob);
  return [simJob(value, 0)];
}

/**
 * A `{ definition, arrival?, additions? }` entry (or a bare Create-Job body) of a workload that is
 * not a container. An `arrival` given but not seconds >= 0 (`"soon"`, `null`) is refused, as in a
 * container, rather than read as 0.
 */
function toSimJob(v: unknown, file: string, index: number): SimJob {
  if (typeof v === 'object' && v !== null && !Array.isArray(v) && 'definition' in v) {
    const o = v as { definition: unknown; arrival?: unknown; additions?: unknown };
    const problem = arrivalProblem(o.arrival);
    if (problem !== undefined) throw new CliError(`${file}: job ${index}: ${problem}; ${ARRIVAL_HINT}`);
    const job: SimJob = { definition: o.definition, arrival: (o.arrival as number | undefined) ?? 0 };
    if (o.additions !== undefined) job.additions = o.additions as SimJob['additions'];
    return job;
  }
  return { definition: v, arrival: 0 };
}

function durationModel(text: string): DurationModel {
  if (text === 'demo') return demoDurations(0.25);
  if (text === 'demo-exact') return demoDurations(0);
  const m = /^fixed:(\d+(?:\.\d+)?)$/.exec(text);
  // 400 nines are digits all the same, and Infinity: the simulator then failed on the first task.
  if (m && Number(m[1]) <= MAX_SIM_SECONDS) return fixedDurations(Number(m[1]));
  throw new CliError(`--durations must be demo, demo-exact or fixed:<seconds> (at most ${MAX_SIM_SECONDS}), not ${JSON.stringify(text)}`);
}

/** The options of `jobgraph simulate`, for parseArgs and for naming a mistyped one. */
export const SIMULATE_OPTIONS = {
  policy: { type: 'string', default: 'priority' },
  'reserved-units': { type: 'string', default: '3' },
  concurrency: { type: 'string' },
  durations: { type: 'string', default: 'demo' },
  seed: { type: 'string', default: '1' },
  gantt: { type: 'string' },
  'gantt-rows': { type: 'string', default: 'slots' },
  report: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h' },
} satisfies CliOptions;

export interface SimulateCommandDeps {
  /** The clock, in epoch ms, of the report's "generated" time: tests give a fixed one. @defaultValue Date.now */
  now?: () => number;
}

export async function simulateCommand(args: string[], io: CliIO, deps: SimulateCommandDeps = {}): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: SIMULATE_OPTIONS,
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    io.stdout.write(SIMULATE_USAGE + '\n');
    return 0;
  }
  if (positionals.length !== 1) throw new CliError('name exactly one workload file (or - for standard input)');
  const policies = list('--policy', values.policy!).map((p) => {
    if (!POLICIES.includes(p as PolicyName)) throw new CliError(`--policy: unknown policy ${JSON.stringify(p)}; use ${POLICIES.join(', ')}`);
    return p as PolicyName;
  });
  // Decimal digits, as run's and serve's flags: Number() read '0x10' as 16 and '1e3' as 1000.
  // No bound of their own beyond exact integers (the simulator needs no more).
  const units = list('--reserved-units', values['reserved-units']!).map((u) => integer('--reserved-units', u, 0, Number.MAX_SAFE_INTEGER)!);
  const concurrency = integer('--concurrency', values.concurrency, 1, Number.MAX_SAFE_INTEGER);
  // The duration noise is 32-bit, as simulate() checks: a wider seed ran as another (2^32 + 1 as 1).
  const seed = integer('--seed', values.seed, 0, 0xffffffff)!;
  const durations = durationModel(values.durations!);
  const ganttRows = values['gantt-rows']!;
  if (!(GANTT_ROWS as readonly string[]).includes(ganttRows)) throw new CliError(`--gantt-rows must be ${GANTT_ROWS.join(', ')}, not ${JSON.stringify(ganttRows)}`);

  const file = positionals[0]!;
  let text: string;
  try {
    text = await io.readFile(file);
  } catch (err) {
    throw new CliError(ioMessage(file, err));
  }
  const jobs = readWorkload(text, file);
  // A table of zeros for `[]` or a container without jobs said nothing was wrong; export refuses it too.
  if (jobs.length === 0) throw new CliError(`${file} is a workload with no jobs: nothing to simulate`);
  let checked;
  try {
    checked = checkWorkload(jobs);
  } catch (err) {
    // A job's additions that are not [{ at, tasks }], or an addition before its job arrives.
    if (err instanceof ArgumentTypeError) {
      io.stderr.write(`jobgraph simulate: ${file}: ${err.message.replace(/^simulate: /, '')}\n`);
      return 1;
    }
    throw err;
  }
  if (checked.failures !== undefined) {
    writeInvalid(io, file, jobs, checked.failures);
    return 1;
  }
  const prepared = checked.prepared;
  const tasks = prepared.results.reduce((n, r) => n + r.job!.Tasks.length, 0);
  const additions = prepared.additions ?? [];
  const added = additions.length === 0 ? '' : ` (+ ${plural(additions.reduce((n, a) => n + a.count, 0), 'task')} in ${plural(additions.length, 'addition')})`;
  const record = values.gantt !== undefined || values.report !== undefined;
  let results: SimResult[];
  try {
    results = simulateGrid(prepared, { policies, reservedUnits: units }, { durations, seed, record, ...(concurrency !== undefined ? { concurrency } : {}) });
  } catch (err) {
    // A job the scheduler refuses at its arrival for these units (a task of Weight 5 on 2 reserved
    // units: WEIGHT_EXCEEDS_POOL) is the workload's problem, not an internal error with a stack.
    if (err instanceof SchedulerError) {
      io.stderr.write(`jobgraph simulate: ${file}: ${err.code}: ${err.message}\n`);
      return 1;
    }
    throw err;
  }

  if (values.json) {
    io.stdout.write(JSON.stringify(results.map(({ schedule: _s, ...rest }) => rest), null, 2) + '\n');
  } else {
    io.stdout.write(`${plural(jobs.length, 'job')}, ${plural(tasks, 'task')}${added}, durations ${durations.name}, seed ${seed}\n\n`);
    io.stdout.write(comparisonTable(results) + '\n');
    for (const r of results) {
      if (r.refusedAdditions.length === 0) continue;
      const codes = [...new Set(r.refusedAdditions.map((a) => a.code))].join(', ');
      io.stdout.write(`${r.label}: ${plural(r.refusedAdditions.length, 'addition')} refused (${codes}: ${codes === 'JOB_FINAL' ? 'the job had ended' : 'see --json'})\n`);
    }
  }
  if (values.gantt !== undefined) {
    for (let i = 0; i < results.length; i++) {
      const path = results.length === 1 ? values.gantt : values.gantt.replace(/(\.svg)?$/i, `-${i + 1}.svg`);
      await write(path, renderGanttSvg(ganttOf(results[i]!), { colorBy: 'job', rows: ganttRows as GanttRows }));
      if (!values.json) io.stdout.write(`Gantt of ${results[i]!.label}: ${path}\n`);
    }
  }
  if (values.report !== undefined) {
    const html = renderHtmlReport({
      title: `jobgraph simulation: ${file}`,
      generatedAt: new Date((deps.now ?? Date.now)()).toISOString(),
      runs: results.map((r) => ({ label: r.label, policy: r.policy, capacity: r.capacity, metrics: reportMetrics(r), gantt: ganttOf(r) })),
      notes: [
        `${plural(jobs.length, 'job')}, ${plural(tasks, 'task')}${added}`,
        `durations: ${durations.name}, seed ${seed}`,
        'utilisation: busy slot-time ÷ (capacity × makespan), as in the Gantt charts\' "% busy"',
      ],
      units: REPORT_UNITS,
      decimals: REPORT_DECIMALS,
    });
    await write(values.report, html);
    if (!values.json) io.stdout.write(`report: ${values.report}\n`);
  }
  return 0;
}

/** Errors printed per invalid job (or addition); the rest are counted. */
const ERRORS_SHOWN = 20;

/** Jobs and additions a summary names before it counts the rest. */
const NAMES_SHOWN = 5;

/**
 * An invalid workload on stderr: the errors of every invalid job and addition. A workload of
 * several jobs labels each as `jobgraph validate` does (`w.json: job #2 "name": task #1 …`, an
 * addition `job #2 "name" addition #0`), with its TaskBody line, and ends with one line naming and
 * counting them; a lone job prints as it always has, the error's line first.
 */
function writeInvalid(io: CliIO, file: string, jobs: readonly SimJob[], failures: readonly WorkloadFailure[]): void {
  if (jobs.length === 1) {
    // One job has one failure (its additions after a bad one are not checked): the file is the job.
    // The error names its call ("simulate: jobs[0]: …"); the CLI's prefix already says simulate.
    io.stderr.write(`jobgraph simulate: ${file}: ${workloadValidationError(failures, jobs.length).message.replace(/^simulate: /, '')}\n`);
    for (const f of failures) writeErrors(io, file, f.diagnostics, {});
    return;
  }
  const labels: string[] = [];
  let errors = 0;
  for (const f of failures) {
    const job = jobs[f.job]!;
    const addition = f.addition !== undefined ? ` addition #${f.addition}` : '';
    labels.push(`job #${f.job}${addition}`);
    // Diagnostics number the tasks of what was validated: the job's Tasks, or the addition's.
    const validated = f.addition === undefined ? job.definition : job.additions?.[f.addition]?.tasks;
    writeErrors(io, file, f.diagnostics, { scope: jobLabel(f.job, job.definition) + addition, sourceOf: (d) => taskBodyOf(validated, d.task) });
    // Problems past the cap count too, as validate counts them.
    for (const d of f.diagnostics) if (d.severity === 'error') errors += d.code === 'TOO_MANY_DIAGNOSTICS' ? (d.omitted?.errors ?? 0) : 1;
  }
  const badJobs = failures.filter((f) => f.addition === undefined).length;
  const badAdditions = failures.length - badJobs;
  const what = [badJobs > 0 ? `${badJobs} of ${plural(jobs.length, 'job')}` : '', badAdditions > 0 ? plural(badAdditions, 'addition') : ''].filter(Boolean).join(' and ');
  const named = labels.slice(0, NAMES_SHOWN).join(', ') + (labels.length > NAMES_SHOWN ? `, … ${labels.length - NAMES_SHOWN} more` : '');
  io.stderr.write(`jobgraph simulate: ${file}: ${what} ${failures.length === 1 ? 'is' : 'are'} invalid (${named}), ${plural(errors, 'error')} in all; nothing was simulated\n`);
}

/** The errors of one job (or addition), ERRORS_SHOWN at most, then how many more there are. */
function writeErrors(io: CliIO, file: string, diagnostics: readonly Diagnostic[], options: TextFormatOptions): void {
  const errors = diagnostics.filter((d) => d.severity === 'error');
  for (const d of errors.slice(0, ERRORS_SHOWN)) io.stderr.write(formatDiagnosticText(file, d, options) + '\n');
  const more = errors.length - ERRORS_SHOWN;
  if (more > 0) io.stderr.write(`${file}:${options.scope !== undefined ? ` ${options.scope}:` : ''} ${more} more error${more === 1 ? '' : 's'} not shown\n`);
}

/** Task `task`'s TaskBody in a job definition or an addition (`{ Tasks }`), when it has one. */
function taskBodyOf(validated: unknown, task: number | undefined): string | undefined {
  if (task === undefined || typeof validated !== 'object' || validated === null) return undefined;
  const tasks = (validated as { Tasks?: unknown }).Tasks;
  if (!Array.isArray(tasks)) return undefined;
  const t: unknown = tasks[task];
  return typeof t === 'object' && t !== null && typeof (t as { TaskBody?: unknown }).TaskBody === 'string' ? (t as { TaskBody: string }).TaskBody : undefined;
}

async function write(path: string, content: string): Promise<void> {
  try {
    await writeFile(path, content);
  } catch (err) {
    // In words, as export and generate say it ("no such file", "it is a directory"), not "ENOENT".
    throw new CliError(ioMessage(path, err).replace(/^cannot read/, 'cannot write'));
  }
}

/** The Gantt chart's input from a recorded simulation. */
export function ganttOf(r: SimResult): GanttInput {
  return {
    title: r.label,
    timeUnit: 's',
    // The simulation's time 0, so the chart's makespan and "% busy" are the table's.
    origin: 0,
    pools: r.pools,
    bars: (r.schedule ?? []).map((t) => ({
      taskId: t.taskId,
      label: t.name || t.taskId,
      jobId: t.jobId,
      jobLabel: t.jobName,
      pool: t.pool,
      priority: t.priority,
      start: t.start,
      end: t.end,
      state: 'Finished' as const,
      slot: t.slot,
      weight: t.weight,
      ready: t.ready,
      critical: t.critical,
    })),
  };
}

/** Units of the report's columns, as the table prints them. */
const REPORT_UNITS: Record<string, string> = { makespan: 's', lowerBound: 's', ratio: '×', meanJobCompletion: 's', p95JobCompletion: 's', meanWait: 's' };

/** Decimals as the table prints them, so the report and the table read alike. */
const REPORT_DECIMALS: Record<string, number> = { makespan: 1, lowerBound: 1, ratio: 2, meanJobCompletion: 1, p95JobCompletion: 1, meanWait: 1, utilisation: 1 };

function reportMetrics(r: SimResult): Record<string, number> {
  return {
    makespan: round(r.makespan),
    lowerBound: round(r.lowerBound),
    ratio: round(r.ratio, 3),
    meanJobCompletion: round(r.jobCompletion.mean),
    p95JobCompletion: round(r.jobCompletion.p95),
    meanWait: round(r.waits.mean),
    utilisation: overallUtilisation(r),
    priorityInversions: r.priorityInversions,
  };
}

function round(v: number, digits = 2): number {
  const f = 10 ** digits;
  // + 0 turns a -0 into 0: the report prints what it is given.
  return Math.round(v * f) / f + 0;
}
