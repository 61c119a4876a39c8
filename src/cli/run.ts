import { parseArgs } from 'node:util';
import { STATE_NAMES, TaskState, isFinalState } from '../job/enums.js';
import { Engine } from '../run/engine.js';
import { demoProcessors } from '../run/demo-processors.js';
import { ValidationError } from '../errors.js';
import { formatDiagnosticText } from '../validate/format-text.js';
import type { JobView, TaskView } from '../scheduler/views.js';
import { StoreError } from '../store/run-store.js';
import type { Dispatcher } from '../run/dispatcher.js';
import { formatMs } from './figures.js';
import { CliError, integer, ioMessage, timeScaleFlag, useColor, type CliIO, type CliOptions } from './io.js';
import { redisFlag, waitForRedis } from './redis.js';
import { loadProcessors } from './worker.js';
import { label, outcomeCounts, outcomeLines } from './run-outcome.js';
import { LiveDisplay, PlainLog, paint, type RunView } from './run-view.js';
import { jobLabel } from '../workload/read.js';
import { jobFlag, notAWorkload, pickJob, workloadOf } from './workload-input.js';
import { runWorkload } from './run-workload.js';

export const RUN_USAGE = `Usage: jobgraph run <job.json|workload> [--job N] [--concurrency N] [--reserved-units N] [--time-scale X]
                    [--data FILE] [--processors FILE] [--redis URL [--prefix P]] [--json]

Runs a job with the built-in demo processors (an encoder, a packager, a thumbnailer that sleep for
times that depend on their Configuration), or with your own (--processors), and prints its
progress and a summary. A workload ('jobgraph generate': container or NDJSON) runs every job, each
submitted at its arrival time scaled by --time-scale (1 with --processors), all sharing the reserved
units, with the tasks its "additions" list added at their time: a line as each arrives, grows and
ends, then a table of the jobs (not with --data or --redis). To compare policies on a virtual clock
instead, use 'jobgraph simulate'.
  --job N             run only this job of a workload (counted from 0), as a job file runs
  --concurrency N     tasks that may run at once (default: no limit beyond the reserved units)
  --reserved-units N  encoding reserved units: tasks that may run at once over all processors;
                      0 means one at a time, as on the service (default 3)
  --time-scale X      multiply every demo duration, and a workload's arrival times, by X, from 0
                      to 1000 (default 0.05: a 10 s encode takes 0.5 s); not with --processors
  --data FILE         keep the run in FILE (SQLite): after Ctrl-C (or SIGTERM) or a crash, the same
                      command resumes the job where it stopped instead of starting it again
  --processors FILE   use the processors of this ES module instead of the demo ones: a path from the
                      working directory, or a file: URL, whose default export, or export named
                      processors, is an array of processors or a function that returns one (or a
                      promise of one), as for 'jobgraph worker --processors'. The job's
                      MediaProcessorIds must be theirs; they run the tasks here, or with --redis
                      only check the job, and the workers need the same module
  --redis URL         run the tasks on 'jobgraph worker' processes through Redis (redis://host:port,
                      rediss://host:port or unix:///path/to/redis.sock), in their pool
                      reserved-units, instead of in this process; the processors here (the demo
                      ones or --processors) only check the job's MediaProcessorIds, the workers'
                      run the tasks. With --data, tasks left running on workers are followed, not
                      run again. Until Redis answers, run waits (it says so after 10 s)
  --prefix P          prefix of the Redis keys, the workers' (default jobgraph)
  --json              print the final job and task views as JSON, nothing else
Exit status: 0 when the job (every job of a workload) finished, 1 when one ended otherwise, 2 for
usage or I/O errors.`;

export interface RunCommandDeps {
  /** Installs a Ctrl-C handler; returns its removal. */
  onInterrupt?: (handler: () => void) => () => void;
  /** With --redis: how long Redis may stay silent before run says so. @defaultValue 10000 */
  quietMs?: number;
  /**
   * The clock, in epoch ms, that stamps task states and times tasks and the job: what the lines
   * and the summary print. Tests give a fake one (with fake timers for the processors' sleeps).
   * @defaultValue Date.now
   */
  now?: () => number;
  /** Random source in [0, 1) of the retry delays' jitter: tests fix it. @defaultValue Math.random */
  random?: () => number;
}

/** The options of `jobgraph run`, for parseArgs and for naming a mistyped one. */
export const RUN_OPTIONS = {
  job: { type: 'string' },
  concurrency: { type: 'string' },
  'reserved-units': { type: 'string' },
  'time-scale': { type: 'string' },
  data: { type: 'string' },
  processors: { type: 'string' },
  redis: { type: 'string' },
  prefix: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h' },
} satisfies CliOptions;

export async function runCommand(args: string[], io: CliIO, deps: RunCommandDeps = {}): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: RUN_OPTIONS,
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    io.stdout.write(RUN_USAGE + '\n');
    return 0;
  }
  if (positionals.length !== 1) throw new CliError('name exactly one job file');
  const jobIndex = jobFlag(values.job);
  const concurrency = integer('--concurrency', values.concurrency, 1, 1_000_000);
  const units = integer('--reserved-units', values['reserved-units'], 0, 1_000_000) ?? 3;
  if (values.processors !== undefined && values['time-scale'] !== undefined) throw new CliError('--time-scale scales the demo processors: it does not go with --processors');
  // Demo runs are fast, their retry delays too; your own processors' retries wait as long as on the service.
  const timeScale = timeScaleFlag(values['time-scale'], values.processors !== undefined ? 1 : 0.05);
  const redis = redisFlag(values.redis, values.prefix);
  if (values.processors === '') throw new CliError('--processors needs a file');
  const processors = values.processors !== undefined ? await loadProcessors(values.processors) : demoProcessors({ timeScale });

  const file = positionals[0]!;
  let text: string;
  try {
    text = await io.readFile(file);
  } catch (err) {
    throw new CliError(ioMessage(file, err));
  }
  const workload = workloadOf(text, file);
  if (workload === undefined && jobIndex !== undefined) throw notAWorkload(file);
  // Several jobs and no --job: all of them run (runWorkload), each at its arrival time.
  const several = workload !== undefined && jobIndex === undefined && workload.count() > 1;
  const entry = workload !== undefined && !several ? pickJob(workload, file, jobIndex) : undefined;
  // What the messages call the job: the file, or the job of the workload.
  const scope = entry !== undefined ? jobLabel(entry.index, entry.definition) : undefined;
  const what = scope !== undefined ? `${file}: ${scope}` : file;

  const options = {
    processors,
    ...(concurrency !== undefined ? { concurrency } : {}),
    // Reserved units are an account-wide budget: one pool that every task draws from.
    pools: { 'reserved-units': Math.max(1, units) },
    poolOf: () => 'reserved-units',
    retry: { maxAttempts: 3, baseDelayMs: Math.max(1, 1000 * timeScale), maxDelayMs: Math.max(1, 30_000 * timeScale), ...(deps.random ? { random: deps.random } : {}) },
    ...(deps.now ? { now: deps.now } : {}),
  };
  const data = values.data;
  if (data === '') throw new CliError('--data needs a file name');
  if (several) {
    const jobs = `${file} is a workload of ${workload!.count()} jobs`;
    if (data !== undefined) throw new CliError(`${jobs}: --data keeps one job; pick one with --job N`);
    if (redis !== undefined) throw new CliError(`${jobs}: --redis runs one job; pick one with --job N`);
    return runWorkload(io, file, workload!, { engine: options, msPerSecond: 1000 * timeScale, json: values.json!, color: useColor(io), ...(deps.now ? { now: deps.now } : {}), ...(deps.onInterrupt ? { onInterrupt: deps.onInterrupt } : {}) });
  }
  let dispatcher: Dispatcher | undefined;
  if (redis !== undefined) {
    // Ctrl-C stops the wait for Redis; nothing has run yet.
    const abort = new AbortController();
    const removeWait = deps.onInterrupt?.(() => abort.abort());
    let answered: boolean;
    try {
      answered = await waitForRedis(redis, { quietMs: deps.quietMs, signal: abort.signal, onSlow: (m) => io.stderr.write(`jobgraph run: ${m}\n`) });
    } finally {
      removeWait?.();
    }
    if (!answered) {
      io.stderr.write('\njobgraph run: interrupted before Redis answered; nothing ran\n');
      return 1;
    }
    const { BullMQDispatcher } = await import('../distributed/bullmq-dispatcher.js');
    dispatcher = new BullMQDispatcher({ connection: redis.url, ...(values.prefix !== undefined ? { prefix: values.prefix } : {}) });
    io.stderr.write(`jobgraph run: tasks run on the workers of Redis at ${redis.where}${values.prefix !== undefined ? ` (prefix ${values.prefix})` : ''}, pool reserved-units: start them with jobgraph worker --redis URL\n`);
  }
  // The stop is installed before the engine exists: submit (and Engine.open, resuming a job) start
  // tasks, and a signal with no listener yet meets Node's default action, which ends the process
  // with no orderly stop. A signal before there is a job to stop is acted on once there is one.
  let stop: (() => void) | undefined;
  let stopAsked = false;
  const removeInterrupt = deps.onInterrupt?.(() => {
    stopAsked = true;
    stop?.();
  });
  let engine: Engine;
  try {
    const withDispatcher = dispatcher !== undefined ? { ...options, dispatcher } : options;
    engine = data === undefined ? new Engine(withDispatcher) : await Engine.open({ ...withDispatcher, store: data });
  } catch (err) {
    removeInterrupt?.();
    await dispatcher?.close().catch(() => undefined);
    if (err instanceof StoreError) throw new CliError(`${err.message} [${err.code}]`);
    throw err;
  }

  // A job the store holds that has not ended is the run that was interrupted: it goes on.
  const unfinished = engine.scheduler.jobs().filter((j) => !isFinalState(j.State));
  const resumed = unfinished.at(-1);
  // The display listens before the job is submitted: the first tasks start inside submit().
  const color = useColor(io);
  const display: RunView | undefined = values.json ? undefined : io.stdout.isTTY ? new LiveDisplay(io, engine.scheduler, color) : new PlainLog(io, engine.scheduler);
  display?.listen();
  let handle: { id: string; done: Promise<JobView>; cancel(): void };
  if (resumed !== undefined) {
    const r = engine.recovery!;
    const followed = redis !== undefined ? `, ${r.reattached} followed on the workers` : '';
    io.stderr.write(`jobgraph run: resuming job ${JSON.stringify(resumed.Name)} from ${data} (${r.requeued} task${r.requeued === 1 ? '' : 's'} to run again${followed}); ${what} is not submitted again\n`);
    handle = { id: resumed.Id, done: engine.done(resumed.Id), cancel: () => engine.cancel(resumed.Id) };
  } else {
    try {
      handle = engine.submit(entry !== undefined ? entry.definition : text);
    } catch (err) {
      display?.stop();
      removeInterrupt?.();
      if (err instanceof ValidationError) {
        for (const d of err.diagnostics) io.stderr.write(formatDiagnosticText(file, d, scope !== undefined ? { scope } : {}) + '\n');
        io.stderr.write(`jobgraph run: ${what} is not a valid job; nothing ran\n`);
        await engine.close();
        return 1;
      }
      await engine.close().catch(() => undefined);
      if (err instanceof StoreError) throw new CliError(`${err.message} [${err.code}]`);
      throw err;
    }
  }

  let interrupted: (() => void) | undefined;
  const stopped = new Promise<undefined>((resolve) => (interrupted = () => resolve(undefined)));
  stop = () => {
    if (data !== undefined) {
      // Durable: stop here, keep everything; the same command resumes.
      display?.release();
      io.stderr.write(`\njobgraph run: interrupted; the job is kept in ${data}: run the same command again to resume it\n`);
      interrupted?.();
      return;
    }
    display?.release();
    io.stderr.write('\njobgraph run: interrupted, canceling the job…\n');
    handle.cancel();
  };
  display?.start(handle.id, resumed !== undefined);
  if (stopAsked) stop();
  const final = await Promise.race([handle.done, stopped]);
  display?.stop();
  removeInterrupt?.();
  if (final === undefined) {
    await engine.close();
    return 1;
  }
  const tasks = engine.scheduler.tasks({ jobId: handle.id });
  if (values.json) {
    const attempts = tasks.map((t) => engine.scheduler.attemptsOf(t.Id));
    io.stdout.write(JSON.stringify({ job: final, tasks: tasks.map((t, i) => ({ ...t, attempts: attempts[i] })) }, null, 2) + '\n');
  } else {
    io.stdout.write(summaryTable(engine, tasks) + '\n');
    for (const o of outcomeLines(engine.scheduler, handle.id, tasks)) io.stdout.write(paint(o.text, o.kind === 'failed' ? 'red' : 'yellow', color && o.kind !== 'retried') + '\n');
    const outcome = paint(STATE_NAMES[final.State]!, final.State === TaskState.Finished ? 'green' : final.State === TaskState.Error ? 'red' : 'yellow', color);
    io.stdout.write(`job ${JSON.stringify(final.Name)} ${outcome} in ${formatMs(final.RunningDuration)}${outcomeCounts(tasks)}\n`);
  }
  await engine.close();
  return final.State === TaskState.Finished ? 0 : 1;
}

function clock(iso: string | null): string {
  return iso ? iso.slice(11, 23) : '-';
}

/** The table printed at the end: state, start, end, duration and attempts per task. */
export function summaryTable(engine: Engine, tasks: TaskView[]): string {
  const rows = tasks.map((t, i) => [
    String(i),
    label(t, i),
    STATE_NAMES[t.State]!,
    clock(t.StartTime),
    clock(t.EndTime),
    t.StartTime ? formatMs(t.RunningDuration) : '-',
    String(engine.scheduler.attemptsOf(t.Id)),
  ]);
  const head = ['#', 'task', 'state', 'start', 'end', 'duration', 'attempts'];
  // A loop, not Math.max(...rows): a spread of 150,000 rows overflows the stack.
  const widths = head.map((h, c) => rows.reduce((w, r) => Math.max(w, r[c]!.length), h.length));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 || i >= 5 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
