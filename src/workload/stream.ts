/**
 * Workloads for `jobgraph simulate` and the benchmarks, as AMS Create-Job bodies with arrival times.
 *
 * The container format, `jobgraph.workload/1`:
 * ```json
 * { "format": "jobgraph.workload/1", "kind": "ams-mix", "seed": 1, "profile": "ams",
 *   "target": { "jobs": 10 }, "rate": 6,
 *   "jobs": [{ "arrival": 0, "definition": { "Name": "…", "Tasks": [ … ] } }, …] }
 * ```
 * `arrival` is in seconds from the start; `profile` is the `validateJob()` profile every job passes
 * (`relaxed` only for a shape of more than 30 tasks, the service's quota); `rate` (jobs per minute)
 * is present when arrivals are spread over time. The NDJSON form is one `{ arrival, definition }`
 * a line, with no header, which is what `jobgraph simulate` reads either way.
 *
 * Kinds:
 * - `layered`, `fan`, `chain`, `chainrev`: the docs/workloads.md shape of `tasks` tasks as one job
 *   (`jobFromGraph`: task i writes `JobOutputAsset(i)`, reads its predecessors' outputs or
 *   `JobInputAsset(0)`; Priority = the shape's drawn priority). The shapes' graphs are fixed by
 *   docs/workloads.md (seed 20240601): `seed` does not change them.
 * - `media`: one job per 6-task media job of media(N) (N = `tasks`, or 6 × `jobs`), job Priority =
 *   the job's drawn priority, tasks named Ingest, Encode 1080p/720p/SD 16x9/SD 4x3 and Package on the
 *   demo processors. All arrive at 0 unless `rate` is given (then Poisson arrivals drawn from `seed`).
 * - `ams-mix`: see `ams-mix.ts`; `jobs` jobs, or jobs until at least `tasks` tasks.
 */

import { ArgumentRangeError, ArgumentTypeError, checkObject, describeValue } from '../errors.js';
import type { JobDefinition } from '../job/model.js';
import { DEMO_PROCESSOR_IDS } from '../workload/demo.js';
import type { Profile } from '../validate/validate.js';
import { AMS_MIX_DEFAULT_RATE, AMS_MIX_MAX_TASKS, MIN_RATE, amsMixJobs, type WorkloadJob } from './ams-mix.js';
import { jobFromGraph, MEDIA_ENCODER_STANDARD } from './ams-job.js';
import { Mulberry32, WORKLOAD_SEED } from './prng.js';
import { makeWorkload, SHAPES, type ShapeName } from './shapes.js';

export type { WorkloadJob } from './ams-mix.js';
export { MIN_RATE } from './ams-mix.js';

/** The container's `format`. */
export const WORKLOAD_FORMAT = 'jobgraph.workload/1';

/** What `generate` makes: a benchmark shape or the ams-mix. */
export type WorkloadKind = ShapeName | 'ams-mix';

/** Every kind, shapes first. */
export const WORKLOAD_KINDS: readonly WorkloadKind[] = [...SHAPES, 'ams-mix'];

/** Options of {@link generateWorkload} and {@link generateWorkloadStream}. */
export interface GenerateOptions {
  /** Task count: the shape's N; for ams-mix, stop once at least this many tasks. */
  tasks?: number;
  /** Job count (media and ams-mix only). */
  jobs?: number;
  /**
   * Integer in `[0, 2^32 - 1]`: drives ams-mix and arrival times (not the shapes' graphs).
   * @defaultValue 20240601
   */
  seed?: number;
  /**
   * Poisson arrivals, jobs per minute (>= {@link MIN_RATE}, 1e-6).
   * @defaultValue 6 for ams-mix; for the shapes and media, every job arrives at 0
   */
  rate?: number;
}

/** The container's metadata: everything but `jobs`, in output order. */
export interface WorkloadHeader {
  format: typeof WORKLOAD_FORMAT;
  kind: WorkloadKind;
  seed: number;
  /** The `validateJob()` profile every job passes. */
  profile: Profile;
  /** What was asked for: `{ tasks }` or `{ jobs }`. */
  target: { tasks: number } | { jobs: number };
  /** Jobs per minute, when arrivals are spread over time. */
  rate?: number;
}

/** A whole workload, as {@link generateWorkload} returns it and the `json` form holds it. */
export interface WorkloadContainer extends WorkloadHeader {
  jobs: WorkloadJob[];
}

interface Resolved {
  kind: WorkloadKind;
  seed: number;
  tasks: number | undefined;
  jobs: number | undefined;
  rate: number | undefined;
}

const MEDIA_NAMES = ['Ingest', 'Encode 1080p', 'Encode 720p', 'Encode SD 16x9', 'Encode SD 4x3', 'Package'];
const MEDIA_CONFIGURATIONS = ['Copy', 'H264 Single Bitrate 1080p', 'H264 Single Bitrate 720p', 'H264 Single Bitrate SD 16x9', 'H264 Single Bitrate SD 4x3', 'Smooth Streaming'];
const MEDIA_FROM = Int32Array.of(0, 0, 0, 0, 1, 2, 3, 4);
const MEDIA_TO = Int32Array.of(1, 2, 3, 4, 5, 5, 5, 5);

function resolve(call: string, kind: unknown, options: unknown): Resolved {
  if (typeof kind !== 'string' || !(WORKLOAD_KINDS as readonly string[]).includes(kind)) {
    throw new ArgumentRangeError(`${call}: unknown workload kind ${describeValue(kind)}: use one of ${WORKLOAD_KINDS.join(', ')}`, 'ERR_INVALID_ARG_VALUE');
  }
  checkObject(call, '`options`', options);
  const o = options as GenerateOptions;
  const k = kind as WorkloadKind;
  const seed = o.seed ?? WORKLOAD_SEED;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new ArgumentRangeError(`${call}: expected \`seed\` to be an integer in [0, 4294967295], got ${describeValue(o.seed)}`);
  }
  const count = (name: 'tasks' | 'jobs'): number | undefined => {
    const v = o[name];
    if (v === undefined) return undefined;
    if (!Number.isInteger(v) || v < 1 || v > 0x7fffffff) throw new ArgumentRangeError(`${call}: expected \`${name}\` to be an integer in [1, 2147483647], got ${describeValue(v)}`);
    return v;
  };
  const tasks = count('tasks');
  const jobs = count('jobs');
  if (tasks !== undefined && jobs !== undefined) throw new ArgumentRangeError(`${call}: give \`tasks\` or \`jobs\`, not both`, 'ERR_INVALID_ARG_VALUE');
  if (tasks === undefined && jobs === undefined) throw new ArgumentRangeError(`${call}: give \`tasks\` (or, for media and ams-mix, \`jobs\`)`, 'ERR_INVALID_ARG_VALUE');
  if (jobs !== undefined && k !== 'media' && k !== 'ams-mix') {
    throw new ArgumentRangeError(`${call}: \`jobs\` applies to media and ams-mix only; ${k} is one job of \`tasks\` tasks`, 'ERR_INVALID_ARG_VALUE');
  }
  if (k === 'media' && tasks !== undefined && tasks < 6) throw new ArgumentRangeError(`${call}: media needs \`tasks\` >= 6 (6 tasks a job), got ${describeValue(tasks)}`);
  if (k === 'media' && jobs !== undefined && jobs > Math.floor(0x7fffffff / 6)) throw new ArgumentRangeError(`${call}: expected \`jobs\` to be at most ${Math.floor(0x7fffffff / 6)} for media, got ${describeValue(jobs)}`);
  let rate = o.rate;
  if (rate !== undefined && !(typeof rate === 'number' && Number.isFinite(rate) && rate >= MIN_RATE)) {
    throw new ArgumentRangeError(`${call}: expected \`rate\` to be a finite number of jobs per minute >= ${MIN_RATE}, got ${describeValue(rate)}`);
  }
  if (k === 'ams-mix') rate ??= AMS_MIX_DEFAULT_RATE;
  return { kind: k, seed, tasks, jobs, rate };
}

function header(r: Resolved): WorkloadHeader {
  const shapeTasks = r.kind !== 'media' && r.kind !== 'ams-mix' ? r.tasks! : 0;
  const h: WorkloadHeader = {
    format: WORKLOAD_FORMAT,
    kind: r.kind,
    seed: r.seed,
    profile: shapeTasks > AMS_MIX_MAX_TASKS ? 'relaxed' : 'ams',
    target: r.tasks !== undefined ? { tasks: r.tasks } : { jobs: r.jobs! },
  };
  // A single job always arrives at 0: a rate says nothing about it.
  if (r.rate !== undefined && (r.kind === 'media' || r.kind === 'ams-mix')) h.rate = r.rate;
  return h;
}

/**
 * The metadata of the workload that {@link generateWorkloadStream} would produce, without
 * generating it: what a streaming writer puts before the jobs.
 *
 * @param kind - One of {@link WORKLOAD_KINDS}.
 * @param options - {@link GenerateOptions}.
 * @returns `{ format, kind, seed, profile, target, rate? }`.
 * @throws {@link ArgumentRangeError} / {@link ArgumentTypeError} as {@link generateWorkload}.
 * @example
 * ```ts
 * workloadHeader('chain', { tasks: 100 }).profile; // 'relaxed': more than 30 tasks in one job
 * ```
 */
export function workloadHeader(kind: WorkloadKind, options: GenerateOptions): WorkloadHeader {
  return header(resolve('workloadHeader', kind, options));
}

/**
 * The jobs of a workload one at a time, as they are made: constant memory for media and ams-mix
 * however many jobs (a shape is one job, built whole).
 *
 * @param kind - One of {@link WORKLOAD_KINDS}.
 * @param options - {@link GenerateOptions}; `tasks` or `jobs` is required.
 * @returns A generator of `{ arrival, definition }`, arrivals non-decreasing.
 * @throws {@link ArgumentRangeError} `ERR_INVALID_ARG_VALUE` for an unknown kind or a bad mix of
 *   options, `ERR_OUT_OF_RANGE` for a bad number; checked when called, not on the first `next()`.
 * @example
 * ```ts
 * for (const { arrival, definition } of generateWorkloadStream('ams-mix', { tasks: 1_000_000, seed: 7 })) {
 *   out.write(JSON.stringify({ arrival, definition }) + '\n');
 * }
 * ```
 */
export function generateWorkloadStream(kind: WorkloadKind, options: GenerateOptions): Generator<WorkloadJob, void, undefined> {
  return jobsOf(resolve('generateWorkloadStream', kind, options));
}

/**
 * A whole workload in the `jobgraph.workload/1` container (see the module comment).
 *
 * @param kind - One of {@link WORKLOAD_KINDS}.
 * @param options - {@link GenerateOptions}; `tasks` or `jobs` is required.
 * @returns `{ format, kind, seed, profile, target, rate?, jobs }`; the same options give the same
 *   object (and `JSON.stringify` the same bytes).
 * @throws As {@link generateWorkloadStream}.
 * @example
 * ```ts
 * const w = generateWorkload('ams-mix', { jobs: 50, seed: 1, rate: 12 });
 * simulate(w.jobs, { reservedUnits: 3 });
 * ```
 */
export function generateWorkload(kind: WorkloadKind, options: GenerateOptions): WorkloadContainer {
  const r = resolve('generateWorkload', kind, options);
  return { ...header(r), jobs: [...jobsOf(r)] };
}

function* jobsOf(r: Resolved): Generator<WorkloadJob, void, undefined> {
  if (r.kind === 'ams-mix') {
    let tasks = 0;
    let jobs = 0;
    for (const job of amsMixJobs(r.seed, r.rate)) {
      yield job;
      tasks += job.definition.Tasks!.length;
      jobs++;
      if (r.jobs !== undefined ? jobs >= r.jobs : tasks >= r.tasks!) return;
    }
    return;
  }
  if (r.kind === 'media') {
    yield* mediaJobs(r.tasks ?? 6 * r.jobs!, r.seed, r.rate);
    return;
  }
  const w = makeWorkload(r.kind as ShapeName, r.tasks!);
  yield { arrival: 0, definition: jobFromGraph(w, { name: `${r.kind}(${r.tasks})` }) };
}

function* mediaJobs(n: number, seed: number, rate: number | undefined): Generator<WorkloadJob, void, undefined> {
  // The job priorities media(n) draws (shapes.ts), drawn as the jobs are made: the stream holds one
  // job at a time, where building media(n) first took 56 bytes a task before the first job (a
  // --tasks near 2^31 failed to allocate, or ran for minutes before a byte was written).
  const priorities = new Mulberry32(WORKLOAD_SEED);
  const jobCount = Math.floor(n / 6);
  const priority = new Int32Array(6);
  const rng = rate !== undefined ? new Mulberry32(seed) : undefined;
  const meanGap = rate !== undefined ? 60 / rate : 0;
  let t = 0;
  for (let j = 0; j < jobCount; j++) {
    const p = priorities.randInt(100);
    priority.fill(p);
    const definition: JobDefinition = jobFromGraph(
      { nodeCount: 6, from: MEDIA_FROM, to: MEDIA_TO, priority },
      {
        name: `media(${n}) job ${j}`,
        priority: p,
        nameOf: (i) => MEDIA_NAMES[i]!,
        processorOf: (i) => (i === 5 ? DEMO_PROCESSOR_IDS.packager : MEDIA_ENCODER_STANDARD),
        configurationOf: (i) => MEDIA_CONFIGURATIONS[i],
      },
    );
    yield { arrival: Math.round(t * 1000) / 1000, definition };
    if (rng) t += -Math.log(1 - rng.next()) * meanGap;
  }
}

/** How {@link serializeWorkload} writes. */
export interface SerializeOptions {
  /**
   * `json`: the container; `ndjson`: one compact `{ arrival, definition }` a line, no header.
   * @defaultValue 'json'
   */
  format?: 'json' | 'ndjson';
  /**
   * Spaces per level for `json` (0: one line).
   * @defaultValue 2
   */
  indent?: number;
}

/**
 * A workload as text, in pieces, written while it is generated: the pieces joined are exactly
 * `JSON.stringify(generateWorkload(kind, options), null, indent) + '\n'` (json) or one
 * `JSON.stringify({ arrival, definition })` a line (ndjson), without ever holding the whole text,
 * nor, for media and ams-mix, the whole workload. A job with thousands of tasks is cut task by task.
 * Measured through `jobgraph generate … -o file` (Node 20, 2026-11): ams-mix to 1,000,000 tasks
 * (192,120 jobs) as NDJSON in 4.3 s with 120 MB resident (21 MB heap), as pretty JSON in 9.1 s with
 * 115 MB; media(1,000,000) NDJSON 5.9 s, 131 MB. A one-job shape holds its job: chain(1,000,000)
 * 880 MB, layered(1,000,000) 960 MB resident (jobFromGraph builds the whole definition).
 *
 * @param kind - One of {@link WORKLOAD_KINDS}.
 * @param options - {@link GenerateOptions}.
 * @param serialize - {@link SerializeOptions}.
 * @returns A generator of text pieces (small: a job, or a task of a big job).
 * @throws As {@link generateWorkloadStream}; `ERR_INVALID_ARG_VALUE` for a bad format or indent.
 * @example
 * ```ts
 * for (const piece of serializeWorkload('ams-mix', { tasks: 1_000_000 }, { format: 'ndjson' })) out.write(piece);
 * ```
 */
export function serializeWorkload(kind: WorkloadKind, options: GenerateOptions, serialize: SerializeOptions = {}): Generator<string, void, undefined> {
  const r = resolve('serializeWorkload', kind, options);
  return serializeJobs(header(r), jobsOf(r), serialize);
}

/**
 * {@link serializeWorkload} for a header and jobs you already have (or wrap, to count them).
 *
 * @param head - The container's metadata (ignored by `ndjson`).
 * @param jobs - The jobs, in order.
 * @param serialize - {@link SerializeOptions}.
 * @returns A generator of text pieces.
 * @throws {@link ArgumentRangeError} `ERR_INVALID_ARG_VALUE` for a bad format or indent.
 */
export function serializeJobs(head: WorkloadHeader, jobs: Iterable<WorkloadJob>, serialize: SerializeOptions = {}): Generator<string, void, undefined> {
  const format = serialize.format ?? 'json';
  const indent = serialize.indent ?? 2;
  if (format !== 'json' && format !== 'ndjson') throw new ArgumentRangeError(`serializeWorkload: expected \`format\` to be "json" or "ndjson", got ${describeValue(format)}`, 'ERR_INVALID_ARG_VALUE');
  if (!Number.isInteger(indent) || indent < 0 || indent > 10) throw new ArgumentRangeError(`serializeWorkload: expected \`indent\` to be an integer in [0, 10], got ${describeValue(indent)}`, 'ERR_INVALID_ARG_VALUE');
  return format === 'ndjson' ? ndjsonPieces(jobs) : containerPieces(head, jobs, indent);
}

function* ndjsonPieces(jobs: Iterable<WorkloadJob>): Generator<string, void, undefined> {
  for (const job of jobs) {
    yield* valuePieces({ arrival: job.arrival, definition: job.definition }, 0, 0);
    yield '\n';
  }
}

function* containerPieces(head: WorkloadHeader, jobs: Iterable<WorkloadJob>, indent: number): Generator<string, void, undefined> {
  const nl = indent > 0 ? '\n' : '';
  const colon = indent > 0 ? ': ' : ':';
  const pad1 = ' '.repeat(indent);
  const pad2 = ' '.repeat(2 * indent);
  let text = '{';
  let first = true;
  for (const [key, value] of Object.entries(head)) {
    if (value === undefined) continue;
    text += `${first ? '' : ','}${nl}${pad1}${JSON.stringify(key)}${colon}${reindent(JSON.stringify(value, null, indent), pad1)}`;
    first = false;
  }
  yield `${text}${first ? '' : ','}${nl}${pad1}"jobs"${colon}[`;
  let any = false;
  for (const job of jobs) {
    yield `${any ? ',' : ''}${nl}${pad2}`;
    yield* valuePieces({ arrival: job.arrival, definition: job.definition }, indent, 2);
    any = true;
  }
  yield `${any ? `${nl}${pad1}` : ''}]${nl}}\n`;
}

/** Arrays longer than this are written element by element. */
const SPLIT_LENGTH = 512;

function isLarge(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > SPLIT_LENGTH;
  if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value) || 'toJSON' in value) return false;
  for (const v of Object.values(value)) if (Array.isArray(v) ? v.length > SPLIT_LENGTH : isLarge(v)) return true;
  return false;
}

/** `JSON.stringify(value, null, indent)` nested `depth` levels deep, in pieces for large values. */
function* valuePieces(value: unknown, indent: number, depth: number): Generator<string, void, undefined> {
  const outer = ' '.repeat(indent * depth);
  if (!isLarge(value)) {
    yield reindent(JSON.stringify(value, null, indent) ?? 'null', outer);
    return;
  }
  const nl = indent > 0 ? '\n' : '';
  const inner = ' '.repeat(indent * (depth + 1));
  if (Array.isArray(value)) {
    yield '[';
    for (let i = 0; i < value.length; i++) {
      yield `${i > 0 ? ',' : ''}${nl}${inner}`;
      const v: unknown = value[i];
      yield* valuePieces(v === undefined || typeof v === 'function' || typeof v === 'symbol' ? null : v, indent, depth + 1);
    }
    yield `${nl}${outer}]`;
    return;
  }
  const colon = indent > 0 ? ': ' : ':';
  let first = true;
  yield '{';
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
    yield `${first ? '' : ','}${nl}${inner}${JSON.stringify(key)}${colon}`;
    yield* valuePieces(v, indent, depth + 1);
    first = false;
  }
  yield first ? '}' : `${nl}${outer}}`;
}

/** Continuation lines of a JSON.stringify result indented by `pad` (JSON strings hold no raw newline). */
function reindent(json: string, pad: string): string {
  return pad === '' ? json : json.replace(/\n/g, `\n${pad}`);
}
