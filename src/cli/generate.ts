import { once } from 'node:events';
import { closeSync, openSync, writeSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { getHeapStatistics } from 'node:v8';
import { WORKLOAD_SEED } from '../workload/prng.js';
import { generateWorkloadStream, MIN_RATE, serializeJobs, workloadHeader, WORKLOAD_KINDS, type GenerateOptions, type WorkloadJob, type WorkloadKind } from '../workload/stream.js';
import { CliError, ioMessage, type CliIO, type CliOptions } from './io.js';

export const GENERATE_USAGE = `Usage: jobgraph generate <kind> (--tasks N | --jobs J) [--seed S] [--rate R] [--format json|ndjson] [--output <file>]

Makes a workload of AMS Create-Job bodies with arrival times, for 'jobgraph simulate' and benchmarks;
'jobgraph validate' and 'run' take every job of it, 'export' one (--job N).
  <kind>       layered, fan, chain, chainrev: the docs/workloads.md shape of N tasks, as one job
               media: one job per 6-task media job of media(N); ams-mix: a seeded mix of encoding
               jobs (ingest, a rendition ladder, package and/or thumbnails; 1-30 tasks a job)
  --tasks N    tasks (ams-mix: jobs are added until at least N)
  --jobs J     jobs (media and ams-mix only)
  --seed S     integer in [0, 4294967295] (default ${WORKLOAD_SEED}); drives ams-mix and arrival
               times; the shapes' graphs are fixed by docs/workloads.md
  --rate R     Poisson arrivals, R >= 1e-6 jobs a minute (ams-mix default 6; media: all at 0
               without it; a one-job shape always arrives at 0)
  --format     json (default: the jobgraph.workload/1 container) or ndjson (one {arrival, definition}
               a line, written as generated)
  --compact    json on one line
  --output F   write to F instead of standard output (-o - is standard output)
The same arguments give the same bytes. A shape above 30 tasks exceeds the service's quota: its
container says "profile": "relaxed", which validate and export follow; NDJSON has no header to say
it: validate it with --profile relaxed.
Exit status: 0 written, 2 usage or I/O error.`;

/** Text is handed to the output in pieces of about this many characters. */
const CHUNK = 1 << 16;

/** The options of `jobgraph generate`, for parseArgs and for naming a mistyped one. */
export const GENERATE_OPTIONS = {
  tasks: { type: 'string' },
  jobs: { type: 'string' },
  seed: { type: 'string' },
  rate: { type: 'string' },
  format: { type: 'string', default: 'json' },
  compact: { type: 'boolean', default: false },
  output: { type: 'string', short: 'o' },
  help: { type: 'boolean', short: 'h' },
} satisfies CliOptions;

/** `jobgraph generate`: returns the exit status. */
export async function generateCommand(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: GENERATE_OPTIONS,
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    io.stdout.write(GENERATE_USAGE + '\n');
    return 0;
  }
  if (positionals.length !== 1) throw new CliError(`name one kind: ${WORKLOAD_KINDS.join(', ')}`);
  const kind = positionals[0]!;
  if (!(WORKLOAD_KINDS as readonly string[]).includes(kind)) throw new CliError(`unknown kind ${JSON.stringify(kind)}; use ${WORKLOAD_KINDS.join(', ')}`);
  const format = values.format!;
  if (format !== 'json' && format !== 'ndjson') throw new CliError(`--format must be json or ndjson, not ${JSON.stringify(format)}`);
  if (values.compact && format === 'ndjson') throw new CliError('--compact applies to --format json (ndjson is always one job a line)');
  if (values.output === '') throw new CliError('--output needs a file name');

  const options: GenerateOptions = {};
  if (values.tasks !== undefined) options.tasks = count('--tasks', values.tasks);
  if (values.jobs !== undefined) options.jobs = count('--jobs', values.jobs);
  if (options.tasks === undefined && options.jobs === undefined) throw new CliError(`give --tasks N${kind === 'media' || kind === 'ams-mix' ? ' or --jobs J' : ''}`);
  if (options.tasks !== undefined && options.jobs !== undefined) throw new CliError('give --tasks or --jobs, not both');
  if (options.jobs !== undefined && kind !== 'media' && kind !== 'ams-mix') throw new CliError(`--jobs applies to media and ams-mix; ${kind} is one job: give --tasks`);
  if (values.seed !== undefined) {
    const seed = integer(values.seed);
    if (seed === undefined || seed > 0xffffffff) throw new CliError(`--seed must be an integer in [0, 4294967295], not ${JSON.stringify(values.seed)}`);
    options.seed = seed;
  }
  if (values.rate !== undefined) {
    const rate = /^\s*(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$/.test(values.rate) ? Number(values.rate) : NaN;
    if (!(Number.isFinite(rate) && rate >= MIN_RATE)) throw new CliError(`--rate must be a number of jobs a minute >= ${MIN_RATE}, not ${JSON.stringify(values.rate)}`);
    options.rate = rate;
  }

  if (kind !== 'media' && kind !== 'ams-mix' && options.tasks !== undefined) checkOneJobFits(kind, options.tasks);
  let head;
  try {
    head = workloadHeader(kind as WorkloadKind, options);
  } catch (err) {
    // Anything the checks above let through (media below 6 tasks, …) is still a usage error.
    if (err instanceof RangeError || err instanceof TypeError) throw new CliError(err.message.replace(/^workloadHeader: /, ''));
    throw err;
  }
  let jobCount = 0;
  let taskCount = 0;
  const counted = function* (jobs: Iterable<WorkloadJob>): Generator<WorkloadJob, void, undefined> {
    for (const job of jobs) {
      jobCount++;
      taskCount += job.definition.Tasks?.length ?? 0;
      yield job;
    }
  };
  const pieces = serializeJobs(head, counted(generateWorkloadStream(kind as WorkloadKind, options)), { format, indent: values.compact ? 0 : 2 });

  // `-o -` is standard output, as `-` is standard input elsewhere: not a file named '-'.
  if (values.output !== undefined && values.output !== '-') {
    const file = values.output;
    let fd: number;
    try {
      fd = openSync(file, 'w');
    } catch (err) {
      throw new CliError(writeMessage(file, err));
    }
    try {
      await pump(pieces, (text) => writeAll(fd, text));
    } catch (err) {
      throw new CliError(writeMessage(file, err));
    } finally {
      closeSync(fd);
    }
    io.stderr.write(`jobgraph generate: ${jobCount} job${jobCount === 1 ? '' : 's'}, ${taskCount} task${taskCount === 1 ? '' : 's'} (profile ${head.profile}) → ${file}\n`);
  } else {
    await pump(pieces, (text) => writeStdout(io, text));
    if (format === 'ndjson' && head.profile === 'relaxed') {
      io.stderr.write(`jobgraph generate: the job has ${taskCount} tasks, above the service's 30: validate with --profile relaxed\n`);
    }
  }
  return 0;
}

/**
 * Heap a one-job shape's definition holds a task while it is written: its object, its TaskBody and
 * Name strings (410–460 bytes measured at 1,000,000 tasks), with some room.
 */
const ONE_JOB_BYTES_PER_TASK = 500;

/**
 * A one-job shape is built in memory before its first byte is written: refused at once when it
 * cannot fit the heap this process may use, rather than failing minutes later with V8's fatal
 * out-of-memory report.
 */
function checkOneJobFits(kind: string, tasks: number): void {
  const need = tasks * ONE_JOB_BYTES_PER_TASK;
  const limit = getHeapStatistics().heap_size_limit;
  if (need <= limit) return;
  const gb = (bytes: number): string => `${(bytes / 2 ** 30).toFixed(1)} GB`;
  throw new CliError(`${kind} of ${tasks} tasks is one job, built in memory before it is written: about ${gb(need)} of heap, and this process may use ${gb(limit)}. Use fewer tasks, give node more heap (NODE_OPTIONS=--max-old-space-size=<MB>), or generate media, which writes one job at a time`);
}

/** A count from the command line: digits (underscores allowed between them), at least 1. */
function count(flag: string, text: string): number {
  const n = integer(text);
  if (n === undefined || n < 1 || n > 0x7fffffff) throw new CliError(`${flag} must be an integer in [1, 2147483647], not ${JSON.stringify(text)}`);
  return n;
}

function integer(text: string): number | undefined {
  if (!/^\d+(_\d+)*$/.test(text.trim())) return undefined;
  const n = Number(text.trim().replace(/_/g, ''));
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Gathers pieces into chunks of about {@link CHUNK} characters and hands each to `write`. */
async function pump(pieces: Iterable<string>, write: (text: string) => void | Promise<void>): Promise<void> {
  let buffer: string[] = [];
  let size = 0;
  for (const piece of pieces) {
    buffer.push(piece);
    size += piece.length;
    if (size >= CHUNK) {
      await write(buffer.join(''));
      buffer = [];
      size = 0;
    }
  }
  if (size > 0) await write(buffer.join(''));
}

/** Writes to standard output, waiting for 'drain' when the stream asks to (so memory stays flat). */
async function writeStdout(io: CliIO, text: string): Promise<void> {
  const stream = io.stdout as CliIO['stdout'] & { once?: unknown };
  const ok = io.stdout.write(text);
  if (ok === false && typeof stream.once === 'function') await once(stream as unknown as NodeJS.EventEmitter, 'drain');
}

function writeAll(fd: number, text: string): void {
  const bytes = Buffer.from(text, 'utf8');
  let offset = 0;
  while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
}

function writeMessage(file: string, err: unknown): string {
  return ioMessage(file, err).replace(/^cannot read/, 'cannot write');
}
