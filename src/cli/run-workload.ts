/**
 * `jobgraph run` on a workload of several jobs: each job is submitted at its arrival time, scaled
 * by --time-scale as the demo durations are, to one engine whose reserved units they all share,
 * and its additions (`{ at, tasks }`, as `jobgraph simulate` reads them) are added at their time
 * with `Engine.addTasks`; a line when a job arrives, grows and ends, then a table of the jobs, what
 * went wrong in each, and a line for the whole. A job's own progress is the one-job run's business
 * (--job N).
 */

import { STATE_NAMES, TaskState } from '../job/enums.js';
import { Engine, type EngineOptions, type JobHandle } from '../run/engine.js';
import { ArgumentTypeError, ValidationError } from '../errors.js';
import { SchedulerError } from '../scheduler/errors.js';
import { prepareWorkload } from '../simulate/simulator.js';
import type { JobView, TaskView } from '../scheduler/views.js';
import { formatDiagnosticText } from '../validate/format-text.js';
import { validateJob, type ValidationResult } from '../validate/validate.js';
import { jobLabel, jobName, type WorkloadFile } from '../workload/read.js';
import { CliError, type CliIO } from './io.js';
import { arrivalError } from './workload-input.js';
import { outcomeCounts, outcomeLines } from './run-outcome.js';
import { paint } from './run-view.js';
import { formatMs } from './figures.js';

export interface WorkloadRunOptions {
  /** What the engine is made with: the processors, the reserved units, the clock. */
  engine: EngineOptions;
  /** Seconds of arrival time → ms of wall time: 1000 × --time-scale. */
  msPerSecond: number;
  json: boolean;
  color: boolean;
  now?: () => number;
  onInterrupt?: (handler: () => void) => () => void;
}

interface Arrival {
  index: number;
  arrival: number;
  name: string | undefined;
  label: string;
  result: ValidationResult;
  handle?: JobHandle;
  final?: JobView;
  /** Its tasks' final views, once it ended. */
  tasks?: TaskView[];
  /** Submit refused it (a MediaProcessorId no processor has): it never ran. */
  refused?: boolean;
  /** Its additions, in time order: what became of each ('added', or the code it was refused with; undefined: not due yet). */
  additions: Array<{ index: number; at: number; tasks: number; outcome?: string }>;
}

/** The longest wait setTimeout honours. */
const TIMER_MAX_MS = 2_147_483_647;

/** Runs every job of `workload`; returns the exit status: 0 only when every job finished. */
export async function runWorkload(io: CliIO, file: string, workload: WorkloadFile, options: WorkloadRunOptions): Promise<number> {
  // Every job is checked before any runs: a broken job 11 should not be found after jobs 0-10 ran.
  const jobs: Arrival[] = [];
  const additionsOf: unknown[] = [];
  let invalid = 0;
  for (const e of workload.jobs()) {
    if (e.malformed !== undefined) throw new CliError(`${file}: line ${e.line} is not JSON (${e.malformed})`);
    const late = arrivalError(file, e);
    if (late !== undefined) throw late;
    const label = jobLabel(e.index, e.definition);
    const result = validateJob(e.definition, { profile: options.engine.profile ?? 'relaxed' });
    if (!result.valid) {
      invalid++;
      for (const d of result.diagnostics) if (d.severity === 'error') io.stderr.write(formatDiagnosticText(file, d, { scope: label }) + '\n');
    }
    jobs.push({ index: e.index, arrival: e.arrival, name: jobName(e.definition), label, result, additions: [] });
    additionsOf.push(e.additions);
  }
  if (invalid > 0) {
    io.stderr.write(`jobgraph run: ${file}: ${invalid} of ${jobs.length} jobs ${invalid === 1 ? 'is' : 'are'} not valid; nothing ran\n`);
    return 1;
  }
  // The additions too, as the simulator checks them: in time order, each against its job as the
  // earlier ones grew it (the job's validation is reused; the check's own task ids are thrown away).
  let additions;
  try {
    additions = prepareWorkload(jobs.map((j, i) => ({ definition: j.result, arrival: j.arrival, ...(additionsOf[i] !== undefined ? { additions: additionsOf[i] as never } : {}) }))).additions ?? [];
  } catch (err) {
    if (!(err instanceof ValidationError) && !(err instanceof ArgumentTypeError)) throw err;
    io.stderr.write(`jobgraph run: ${file}: ${err.message.replace(/^simulate: /, '')}; nothing ran\n`);
    if (err instanceof ValidationError) for (const d of err.diagnostics.filter((x) => x.severity === 'error').slice(0, 20)) io.stderr.write(formatDiagnosticText(file, d) + '\n');
    return 1;
  }

  // setTimeout takes a wait beyond 2^31 - 1 ms for 1 ms: such a job arrived at once, silently.
  const late = [...jobs.map((j) => ({ what: j.label, at: j.arrival })), ...additions.map((a) => ({ what: `${jobs[a.job]!.label} addition #${a.index}`, at: a.at }))].find(
    (t) => t.at * options.msPerSecond > TIMER_MAX_MS,
  );
  if (late !== undefined)
    throw new CliError(
      `${file}: ${late.what} is due at ${late.at} s, ${Math.round((late.at * options.msPerSecond) / 86_400_000)} days of wall time at this --time-scale, longer than a timer can wait (24.8 days): give a smaller --time-scale`,
    );

  const now = options.now ?? Date.now;
  const clock = (): string => new Date(now()).toISOString().slice(11, 23);
  const say = (text: string): void => {
    if (!options.json) io.stdout.write(`${clock()} ${text}\n`);
  };
  const engine = new Engine(options.engine);
  const start = now();
  const timers: ReturnType<typeof setTimeout>[] = [];
  let left = jobs.length;
  let allDone!: () => void;
  const finished = new Promise<void>((resolve) => (allDone = resolve));
  const ended = (): void => {
    if (--left === 0) allDone();
  };
  const submit = (job: Arrival): void => {
    try {
      job.handle = engine.submit(job.result);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      job.refused = true;
      for (const d of err.diagnostics) io.stderr.write(formatDiagnosticText(file, d, { scope: job.label }) + '\n');
      say(`${job.label} refused: not run`);
      ended();
      return;
    }
    say(`${job.label} arrived: ${job.result.job!.Tasks.length} tasks`);
    void job.handle.done.then((view) => {
      job.final = view;
      job.tasks = engine.scheduler.tasks({ jobId: view.Id });
      say(`${job.label} ${STATE_NAMES[view.State]} in ${formatMs(view.RunningDuration)}`);
      ended();
    });
  };
  for (const job of jobs) timers.push(setTimeout(() => submit(job), job.arrival * options.msPerSecond));
  // Set after the arrivals: an addition due at its job's arrival comes after the job.
  for (const a of additions) {
    const job = jobs[a.job]!;
    const entry: Arrival['additions'][number] = { index: a.index, at: a.at, tasks: a.count };
    job.additions.push(entry);
    timers.push(
      setTimeout(() => {
        if (job.handle === undefined) {
          entry.outcome = 'NOT_RUN';
          return;
        }
        try {
          engine.addTasks(job.handle.id, a.tasks);
          entry.outcome = 'added';
          say(`${job.label} grew: ${a.count} task${a.count === 1 ? '' : 's'} added (addition #${a.index})`);
        } catch (err) {
          if (!(err instanceof SchedulerError) && !(err instanceof ValidationError)) throw err;
          entry.outcome = err.code;
          if (err instanceof ValidationError) for (const d of err.diagnostics) io.stderr.write(formatDiagnosticText(file, d, { scope: job.label }) + '\n');
          say(`${job.label} addition #${a.index} refused: ${err.code === 'JOB_FINAL' ? 'the job had ended' : err.code}`);
        }
      }, a.at * options.msPerSecond),
    );
  }

  let interrupted = false;
  const removeInterrupt = options.onInterrupt?.(() => {
    if (interrupted) return;
    interrupted = true;
    io.stderr.write('\njobgraph run: interrupted, canceling the jobs that arrived; the others will not\n');
    for (const t of timers) clearTimeout(t);
    for (const job of jobs) {
      if (job.handle !== undefined) job.handle.cancel();
      else if (!job.refused) ended();
    }
  });
  await finished;
  removeInterrupt?.();
  const wall = now() - start;
  // Every job ended before these were due: the engine would have refused them.
  for (const t of timers) clearTimeout(t);
  for (const job of jobs) for (const a of job.additions) a.outcome ??= job.handle === undefined ? 'NOT_RUN' : 'JOB_FINAL';

  if (options.json) {
    const body = jobs.map((job) => ({
      index: job.index,
      arrival: job.arrival,
      job: job.final ?? null,
      tasks: (job.tasks ?? []).map((t) => ({ ...t, attempts: engine.scheduler.attemptsOf(t.Id) })),
      ...(job.additions.length > 0 ? { additions: job.additions } : {}),
    }));
    io.stdout.write(JSON.stringify({ jobs: body }, null, 2) + '\n');
  } else {
    io.stdout.write(jobsTable(jobs) + '\n');
    for (const job of jobs) {
      const refused = job.additions.filter((a) => a.outcome !== 'added');
      if (refused.length === 0) continue;
      const codes = [...new Set(refused.map((a) => a.outcome!))].join(', ');
      io.stdout.write(paint(`${job.label}: ${refused.length} addition${refused.length === 1 ? '' : 's'} refused (${codes}${codes === 'JOB_FINAL' ? ': the job had ended' : ''})`, 'yellow', options.color) + '\n');
    }
    for (const job of jobs) {
      if (job.final === undefined) continue;
      for (const o of outcomeLines(engine.scheduler, job.final.Id, job.tasks!)) io.stdout.write(paint(`${job.label}: ${o.text}`, o.kind === 'failed' ? 'red' : 'yellow', options.color && o.kind !== 'retried') + '\n');
    }
    io.stdout.write(overall(jobs, wall, options.color) + '\n');
  }
  await engine.close();
  return jobs.every((j) => j.final?.State === TaskState.Finished) ? 0 : 1;
}

/** One row a job: its arrival, how it ended, its tasks and how long it ran. */
function jobsTable(jobs: readonly Arrival[]): string {
  const rows = jobs.map((j) => [
    String(j.index),
    j.name || '-',
    `${j.arrival} s`,
    j.final !== undefined ? STATE_NAMES[j.final.State]! : j.refused ? 'refused' : 'not arrived',
    `${j.tasks !== undefined ? j.tasks.length : j.result.job!.Tasks.length}${j.tasks !== undefined ? outcomeCounts(j.tasks).replace(/^: /, ', ') : ''}`,
    j.final !== undefined ? formatMs(j.final.RunningDuration) : '-',
  ]);
  const head = ['#', 'job', 'arrival', 'state', 'tasks', 'duration'];
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 || i === 2 || i === 5 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** "12 jobs Finished in 4.20 s", or "12 jobs in 4.20 s: 11 Finished, 1 Error". */
function overall(jobs: readonly Arrival[], wall: number, color: boolean): string {
  const counts = new Map<string, number>();
  for (const j of jobs) {
    const state = j.final !== undefined ? STATE_NAMES[j.final.State]! : j.refused ? 'refused' : 'not arrived';
    counts.set(state, (counts.get(state) ?? 0) + 1);
  }
  const n = `${jobs.length} job${jobs.length === 1 ? '' : 's'}`;
  const all = counts.get('Finished') === jobs.length;
  const text = all ? `${n} Finished in ${formatMs(wall)}` : `${n} in ${formatMs(wall)}: ${[...counts].map(([s, c]) => `${c} ${s}`).join(', ')}`;
  return paint(text, all ? 'green' : 'red', color);
}
