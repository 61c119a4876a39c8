import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { describeValue } from '../errors.js';
import { MEDIA_PROCESSOR_ID } from '../job/ids.js';
import { demoProcessors } from '../run/demo-processors.js';
import type { Processor } from '../run/processor.js';
import { messageOf } from '../run/untrusted.js';
import type { TaskWorker, WorkerOptions } from '../distributed/worker.js';
import { CliError, type CliIO, type CliOptions, integer, processSignals, timeScaleFlag } from './io.js';
import { redisFlag, waitForRedis } from './redis.js';

export const WORKER_USAGE = `Usage: jobgraph worker --redis URL [--processors FILE] [--concurrency N] [--pools a,b] [options]

Runs the tasks of 'jobgraph run --redis' and 'jobgraph serve --redis' (or of any engine with a
BullMQDispatcher): takes them from the pools' queues on Redis and runs them with the processors,
until SIGTERM or SIGINT (Ctrl-C).
  --redis URL           where Redis is: redis://[user:password@]host[:port][/db], rediss://… (TLS)
                        or unix:///path/to/redis.sock
  --processors FILE     an ES module (a path from the working directory, or a file: URL) whose
                        default export, or export named processors, is an array of processors or a
                        function that returns one (or a promise of one); give the orchestrator
                        the same module ('jobgraph run' or 'serve' --processors FILE): it checks
                        jobs against their MediaProcessorIds (default: the demo processors)
  --time-scale X        multiply every demo duration by X (default 1); not with --processors
  --concurrency N       tasks run at once from each pool's queue (default 8); the orchestrator's
                        --reserved-units bound them over all workers
  --pools a,b           the pools whose queues this worker serves (default reserved-units, the one
                        pool of 'jobgraph run' and 'jobgraph serve')
  --prefix P            prefix of the Redis keys, the orchestrator's (default jobgraph)
  --name NAME           how this worker is named where a task runs (default host:pid)
  --lock-duration MS    how long a task's lock lasts unless renewed; a worker that dies is noticed
                        after about that long plus --stalled-interval (default 30000)
  --stalled-interval MS
                        how often the queues are checked for tasks of dead workers (default 30000)
  --shutdown-grace MS   on SIGTERM or SIGINT: no new tasks are taken, and running ones may finish
                        for this long; then they go back to their queue, for another worker
                        (default 30000). A second signal hands them back at once
Until Redis answers, the worker waits (it may be starting): after 10 s it says so on stderr, and
goes on trying; a Redis that refuses the password is an error. Once ready, it prints one line on
stdout: its name, Redis, pools and concurrency.
Exit status: 0 after a clean shutdown, 1 when a close did not end (Redis away: tasks still running
go back to their queue when their lock expires), 2 for usage, configuration or I/O errors.`;

export interface WorkerCommandDeps {
  /** Installs the shutdown handler (default: SIGINT and SIGTERM); returns its removal. */
  onStop?: (handler: (signal: string) => void) => () => void;
  /** Told the worker once it is ready. */
  onReady?: (worker: TaskWorker) => void;
  /**
   * Called when the worker stops without a clean close (its connections may be left open, and
   * would keep the process alive): the CLI exits the process. The command returns `code` after it.
   */
  exit?: (code: number) => void;
  /** How long Redis may stay silent before the worker says so. @defaultValue 10000 */
  quietMs?: number;
  /** How long a close may take past the grace before the worker stops without it. @defaultValue 15000 */
  closeSlackMs?: number;
  /** After a second signal, how long the close may take before the worker stops without it. @defaultValue 5000 */
  forceMs?: number;
  /** Makes the worker. @defaultValue createWorker */
  createWorker?: (options: WorkerOptions) => TaskWorker;
}

/** setTimeout's longest delay. */
const MAX_MS = 2_147_483_647;

/** A --processors module that cannot be used: exit 2, with a code that says why. */
export class ProcessorsModuleError extends CliError {
  readonly code: 'PROCESSORS_NOT_FOUND' | 'PROCESSORS_LOAD_FAILED' | 'PROCESSORS_INVALID';
  constructor(code: ProcessorsModuleError['code'], message: string) {
    super(`${message} [${code}]`);
    this.code = code;
  }
}

/**
 * The processors of a `--processors` module: a path (from `cwd`) or a file: URL of an ES module
 * whose `processors` export, or else its default export, is an array of processors or a function
 * that returns one (or a promise of one).
 */
export async function loadProcessors(spec: string, cwd: string = process.cwd()): Promise<Processor[]> {
  const what = `--processors ${spec}`;
  let url: URL;
  try {
    url = spec.startsWith('file:') ? new URL(spec) : pathToFileURL(resolve(cwd, spec));
    fileURLToPath(url);
  } catch {
    throw new ProcessorsModuleError('PROCESSORS_NOT_FOUND', `${what}: not a file path or file: URL`);
  }
  try {
    if (statSync(url).isDirectory()) throw new ProcessorsModuleError('PROCESSORS_NOT_FOUND', `${what}: it is a directory, not a module`);
  } catch (err) {
    if (err instanceof ProcessorsModuleError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new ProcessorsModuleError('PROCESSORS_NOT_FOUND', `${what}: ${code === 'ENOENT' || code === 'ENOTDIR' ? 'no such file' : messageOf(err)}`);
  }
  let mod: Record<string, unknown>;
  try {
    mod = (await import(url.href)) as Record<string, unknown>;
  } catch (err) {
    throw new ProcessorsModuleError('PROCESSORS_LOAD_FAILED', `${what}: the module failed to load: ${messageOf(err)}`);
  }
  const exported = 'processors' in mod && mod.processors !== undefined ? 'processors' : 'default';
  let value: unknown = mod[exported];
  if (value === undefined) {
    throw new ProcessorsModuleError('PROCESSORS_INVALID', `${what}: the module exports no processors: export default (or export const processors) an array of processors, or a function that returns one`);
  }
  if (typeof value === 'function') {
    try {
      value = await (value as () => unknown)();
    } catch (err) {
      throw new ProcessorsModuleError('PROCESSORS_LOAD_FAILED', `${what}: its ${exported} export threw: ${messageOf(err)}`);
    }
  }
  if (!Array.isArray(value) || value.length === 0) {
    const got = Array.isArray(value) ? 'an empty array' : value === null ? 'null' : typeof value === 'object' ? 'an object' : `a ${typeof value}`;
    throw new ProcessorsModuleError('PROCESSORS_INVALID', `${what}: its ${exported} export must be a non-empty array of processors (or a function that returns one), not ${got}`);
  }
  const seen = new Set<string>();
  value.forEach((p: unknown, i) => {
    const bad = (why: string): never => {
      throw new ProcessorsModuleError('PROCESSORS_INVALID', `${what}: processor #${i} ${why}`);
    };
    if (typeof p !== 'object' || p === null) bad(`is not an object: ${describeValue(p)}`);
    const q = p as Partial<Processor>;
    if (typeof q.id !== 'string' || !MEDIA_PROCESSOR_ID.test(q.id)) bad(`needs an id of the form nb:mpid:UUID:<guid>, not ${describeValue(q.id)}`);
    if (typeof q.name !== 'string' || q.name === '') bad(`(${q.id}) needs a name`);
    if (typeof q.run !== 'function') bad(`(${q.id}) needs a run() function`);
    if (seen.has(q.id!)) bad(`has the id ${q.id} of an earlier one`);
    seen.add(q.id!);
  });
  return value as Processor[];
}

/** The options of `jobgraph worker`, for parseArgs and for naming a mistyped one. */
export const WORKER_OPTIONS = {
  redis: { type: 'string' },
  processors: { type: 'string' },
  'time-scale': { type: 'string' },
  concurrency: { type: 'string' },
  pools: { type: 'string' },
  prefix: { type: 'string' },
  name: { type: 'string' },
  'lock-duration': { type: 'string' },
  'stalled-interval': { type: 'string' },
  'shutdown-grace': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} satisfies CliOptions;

/** `jobgraph worker`: runs tasks from Redis until a signal stops it. */
export async function workerCommand(args: string[], io: CliIO, deps: WorkerCommandDeps = {}): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: WORKER_OPTIONS,
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    io.stdout.write(WORKER_USAGE + '\n');
    return 0;
  }
  if (positionals.length > 0) throw new CliError(`takes no file, got ${JSON.stringify(positionals[0])}`);
  if (values.redis === undefined) throw new CliError('--redis URL is required: the Redis of the orchestrator (jobgraph run or serve --redis), e.g. redis://127.0.0.1:6379');
  const redis = redisFlag(values.redis, values.prefix)!;
  const concurrency = integer('--concurrency', values.concurrency, 1, 10_000) ?? 8;
  const lockDurationMs = integer('--lock-duration', values['lock-duration'], 1000, MAX_MS);
  const stalledIntervalMs = integer('--stalled-interval', values['stalled-interval'], 1000, MAX_MS);
  const grace = integer('--shutdown-grace', values['shutdown-grace'], 0, MAX_MS) ?? 30_000;
  const pools = values.pools === undefined ? ['reserved-units'] : values.pools.split(',').map((p) => p.trim());
  if (pools.some((p) => p === '')) throw new CliError(`--pools must name one pool or more, separated by commas, not ${JSON.stringify(values.pools)}`);
  if (values.name === '') throw new CliError('--name needs a value (the default is host:pid)');
  let processors: Processor[];
  if (values.processors !== undefined) {
    if (values['time-scale'] !== undefined) throw new CliError('--time-scale scales the demo processors: it does not go with --processors');
    if (values.processors === '') throw new CliError('--processors needs a file');
    processors = await loadProcessors(values.processors);
  } else {
    processors = demoProcessors({ timeScale: timeScaleFlag(values['time-scale'], 1) });
  }

  // Signals are heard from here on: one before Redis answers stops the wait.
  const signals: string[] = [];
  let onSignal: ((signal: string) => void) | undefined;
  const early = new AbortController();
  const remove = (deps.onStop ?? processSignals)((signal) => {
    signals.push(signal);
    early.abort();
    onSignal?.(signal);
  });
  try {
    const answered = await waitForRedis(redis, { quietMs: deps.quietMs, signal: early.signal, onSlow: (m) => io.stderr.write(`jobgraph worker: ${m}\n`) });
    if (!answered) {
      io.stderr.write(`jobgraph worker: ${signals[0]} before Redis answered: stopped\n`);
      return 0;
    }
    const createWorker = deps.createWorker ?? (await import('../distributed/worker.js')).createWorker;
    let worker: TaskWorker;
    try {
      worker = createWorker({
        connection: redis.url,
        processors,
        concurrency,
        pools,
        ...(values.prefix !== undefined ? { prefix: values.prefix } : {}),
        ...(values.name !== undefined ? { name: values.name } : {}),
        ...(lockDurationMs !== undefined ? { lockDurationMs } : {}),
        ...(stalledIntervalMs !== undefined ? { stalledIntervalMs } : {}),
      });
    } catch (err) {
      if ((err as { code?: string }).code?.startsWith('ERR_INVALID_ARG')) throw new CliError((err as Error).message);
      throw err;
    }

    // Stopping: the first signal closes with the grace, a second hands running tasks back at once,
    // a third stops without waiting. A close that does not end (Redis gone away) is given up after
    // a while: exit 1.
    let heard = 0;
    let settled = false;
    let resolveStopped!: (code: number) => void;
    const stopped = new Promise<number>((r) => (resolveStopped = r));
    const settle = (code: number): void => {
      settled = true;
      resolveStopped(code);
    };
    let slack: ReturnType<typeof setTimeout> | undefined;
    const giveUp = (why: string): void => {
      clearTimeout(slack);
      if (settled) return;
      io.stderr.write(`jobgraph worker: ${why}; stopping without a clean close: tasks still running go back to their queue when their lock expires\n`);
      settle(1);
    };
    // A second TaskWorker.close() shortens the wait and returns the first one's promise: its end,
    // once, says the worker stopped.
    let first: Promise<void> | undefined;
    const close = (timeoutMs: number): void => {
      const closing = worker.close({ timeoutMs });
      if (first !== undefined) {
        closing.catch(() => undefined);
        return;
      }
      first = closing;
      first.then(
        () => {
          clearTimeout(slack);
          if (settled) return;
          io.stderr.write('jobgraph worker: stopped\n');
          settle(0);
        },
        (err: unknown) => giveUp(`closing failed: ${messageOf(err)}`),
      );
    };
    const stop = (signal: string): void => {
      heard++;
      const running = worker.running;
      const tasks = `${running} running task${running === 1 ? '' : 's'}`;
      if (heard === 1) {
        const then = running === 0 ? 'none is running' : `${tasks} may finish for ${formatMs(grace)}, then go back to their queue (a second signal hands them back now)`;
        io.stderr.write(`jobgraph worker: ${signal}: taking no more tasks; ${then}…\n`);
        const slackMs = deps.closeSlackMs ?? 15_000;
        slack = setTimeout(() => giveUp(`the close did not end ${formatMs(slackMs)} after the grace (does Redis at ${redis.where} answer?)`), Math.min(MAX_MS, grace + slackMs));
        close(grace);
      } else if (heard === 2) {
        io.stderr.write(`jobgraph worker: ${signal} again: handing ${tasks} back to their queue now…\n`);
        const forceMs = deps.forceMs ?? 5000;
        clearTimeout(slack);
        slack = setTimeout(() => giveUp(`the close did not end ${formatMs(forceMs)} after the second signal`), forceMs);
        close(0);
      } else {
        giveUp(`${signal} a third time`);
      }
    };
    // Signals that came while the worker was being made, then the ones to come.
    for (const s of signals) stop(s);
    onSignal = stop;

    // Redis answered a moment ago: the worker's own connections follow at once.
    let failed: unknown;
    const ready = await Promise.race([
      worker.ready.then(
        () => true,
        (err: unknown) => ((failed = err), false),
      ),
      stopped.then(() => false),
    ]);
    if (failed !== undefined) {
      void worker.close({ timeoutMs: 0 }).catch(() => undefined);
      io.stderr.write(`jobgraph worker: the worker could not start on Redis at ${redis.where}: ${messageOf(failed)}\n`);
      deps.exit?.(1);
      return 1;
    }
    if (ready) {
      const prefix = values.prefix !== undefined ? ` (prefix ${values.prefix})` : '';
      const s = (n: number): string => (n === 1 ? '' : 's');
      io.stdout.write(`jobgraph worker: ${worker.name} ready: Redis at ${redis.where}${prefix}, pool${s(pools.length)} ${pools.join(', ')}, concurrency ${concurrency} per pool, ${processors.length} processor${s(processors.length)}; SIGTERM or Ctrl-C stops\n`);
      deps.onReady?.(worker);
    }
    const code = await stopped;
    if (code !== 0) deps.exit?.(code);
    return code;
  } finally {
    remove();
  }
}

function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}
