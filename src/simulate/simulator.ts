import { ArgumentRangeError, ArgumentTypeError, ValidationError, checkObject, describeValue } from '../errors.js';
import { sequentialIds, type IdFactory } from '../job/ids.js';
import { TaskState } from '../job/enums.js';
import type { Job, Task } from '../job/model.js';
import { grownJob } from '../job/grow.js';
import { resolveDependenciesOfRefs, type Dependencies } from '../graph/dependencies.js';
import { Scheduler } from '../scheduler/scheduler.js';
import { SchedulerError } from '../scheduler/errors.js';
import { validateAddition } from '../validate/add.js';
import { policyName, remainingPath, type Policy } from '../scheduler/policy.js';
import { ReadyOrder } from '../scheduler/ready-order.js';
import { IndexHeap } from '../core/ready-heap.js';
import { isValidationResult, validateJob, type ValidationResult } from '../validate/validate.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { demoDurations, type DurationModel } from './durations.js';
import { criticalPath, type ScheduledTask } from './critical-path.js';
import { summarize, utilisation as utilisationOf, type Summary } from './stats.js';
import { InversionShadow } from './inversion-shadow.js';
import { PoolSlots } from './slots.js';

/**
 * The latest time the simulation takes, in seconds (an arrival, an addition's `at`, a duration):
 * 9e12 s, about 285,000 years, under 2^53 ms. The clock is kept in milliseconds in a double; past
 * this it no longer counts whole milliseconds, a task's seconds vanish when added to its start (a
 * job arriving at 1e308 s "completed" in 0 s) and past 1.8e305 s the clock is Infinity.
 */
export const MAX_SIM_SECONDS = 9e12;

/** A job of a workload: its Create-Job body (or a `validateJob()` result) and when it arrives, in seconds. */
export interface SimJob {
  definition: unknown;
  arrival?: number;
  /**
   * Tasks added to the job while it runs (`Scheduler.addTasks`): at `at` seconds from time 0 (no
   * earlier than the job's arrival), `tasks` (`{ Tasks: [...] }` or `{ tasks: [...] }`, as
   * `validateAddition` takes it) joins the job. An addition that finds its job ended is refused
   * ({@link SimResult.refusedAdditions}); the simulation goes on.
   */
  additions?: SimAddition[];
}

/** Tasks added to a job of a workload at a simulated time. */
export interface SimAddition {
  /** Seconds from time 0, >= the job's arrival. */
  at: number;
  /** The addition: `{ Tasks: [task definitions] }` or `{ tasks: [plain tasks] }`. */
  tasks: unknown;
}

/** An addition the scheduler refused when its time came. */
export interface RefusedAddition {
  /** The job's Id. */
  job: string;
  at: number;
  /**
   * Why: `JOB_FINAL` (the job had ended by `at`: its last task ended at or before it); rarely
   * `WEIGHT_EXCEEDS_POOL` (a task heavier than the simulated pool), `TASK_EXISTS` (an Id given
   * twice) or `VALIDATION_FAILED` (it reads what an earlier refused addition would have produced).
   */
  code: string;
}

/** The policies the simulator knows by name (a custom key is a {@link Policy} object). */
export type PolicyName = 'priority' | 'fifo' | 'critical-path' | 'shortest-first';

export interface SimulateOptions {
  /** @defaultValue 'priority' */
  policy?: PolicyName | Policy;
  /**
   * Encoding reserved units: tasks that may run at once over all processors, as on the service
   * (0 means one at a time). Mutually exclusive with `pools`.
   */
  reservedUnits?: number;
  /** Slots per MediaProcessorId (or per `poolOf` name) instead of reserved units. */
  pools?: Record<string, number>;
  poolOf?: (task: Task, job: Job) => string;
  /** Global limit on running tasks. @defaultValue Infinity */
  concurrency?: number;
  /** Per pool: at most `max` starts in any `perMs` milliseconds of simulated time (see `SchedulerOptions.rateLimits`). */
  rateLimits?: Record<string, { max: number; perMs: number }>;
  /** @defaultValue demo durations with ±25 % log-normal noise */
  durations?: DurationModel;
  /** Seed of the duration noise: an integer in [0, 4294967295] (the noise is 32-bit). @defaultValue 1 */
  seed?: number;
  /** Keep every task's placement (for the Gantt chart); off for big runs. @defaultValue true below 20,000 tasks */
  record?: boolean;
}

/** Where one task ran in a simulation. */
export interface SimTask {
  taskId: string;
  jobId: string;
  name: string;
  jobName: string;
  pool: string;
  slot: number;
  priority: number;
  jobPriority: number;
  ready: number;
  start: number;
  end: number;
  /** Slots it held (the Weight extension; 1 without it): its busy slot-time is (end − start) × weight. */
  weight: number;
  /** On the schedule's critical path ({@link criticalPath}): the chain that decided the makespan. */
  critical: boolean;
}

export interface SimResult {
  label: string;
  policy: string;
  capacity: string;
  tasks: number;
  jobs: number;
  /** End of the last task, in seconds from time 0. */
  makespan: number;
  /**
   * max(critical path from arrival, work ÷ capacity of each pool, work ÷ concurrency); in a job that
   * additions grew, each task's chain counts from its release (an added task's from its `at`).
   */
  lowerBound: number;
  /** makespan ÷ lowerBound (≥ 1). */
  ratio: number;
  /** Completion time of each job (end of its last task, added ones included, − arrival), in seconds. */
  jobCompletion: Summary;
  /** The same, per job priority class. */
  jobCompletionByPriority: Record<string, Summary>;
  /** Time each task waited between ready and start, in seconds. */
  waits: Summary;
  /**
   * Busy slot-time ÷ (capacity × makespan), per pool ({@link utilisationOf}); capacity is the pool's
   * slots as in `pools`. {@link overallUtilisation} gives the whole run's.
   */
  utilisation: Record<string, number>;
  /** Starts of a task while a task of higher (task, job) priority was ready and would have fitted. */
  priorityInversions: number;
  /** Wall-clock milliseconds the simulation took (excluding validation). */
  wallMs: number;
  /**
   * Capacity per pool as simulated: its slots, no more than `concurrency` tasks of its heaviest
   * weight can hold; a pool without a limit counts the slots it used at most.
   */
  pools: Array<{ name: string; slots: number }>;
  /** Per task placement when recorded. */
  schedule?: SimTask[];
  /** Additions refused when their time came, in the order they came (empty when none). */
  refusedAdditions: RefusedAddition[];
}

/** An addition as validated by {@link prepareWorkload}. */
interface PreparedAddition {
  /** Index of its job in the workload. */
  job: number;
  /** Its index in the job's `additions`. */
  index: number;
  at: number;
  tasks: unknown;
  /** How many tasks it adds. */
  count: number;
  /** The task ids validation drew for it: replayed when the scheduler adds it, so every simulation gives the added tasks these Ids. */
  ids: string[];
  /** The new tasks' dependencies among themselves (local indices), for the shadow order's keys. */
  dependencies: Dependencies;
}

interface Prepared {
  results: ValidationResult[];
  arrivals: number[];
  order: number[];
  /** Every job's additions, by time, then job, then index: the order they are validated and made. */
  additions?: PreparedAddition[];
}

/** A job of a workload, or one of its additions, that did not validate ({@link checkWorkload}). */
export interface WorkloadFailure {
  /** Index of the job in the workload. */
  job: number;
  /** For an addition: its index in the job's `additions`. */
  addition?: number;
  /** `jobs[i]`, or `jobs[i].additions[k]`. */
  label: string;
  /** Its diagnostics, as validation gave them. */
  diagnostics: Diagnostic[];
}

/**
 * {@link prepareWorkload} without the throw: the prepared workload, or every job (and addition)
 * that did not validate, in job order. Misused arguments (not `{ definition, arrival? }`, an
 * arrival or an addition's `at` out of range, `additions` not an array of `{ at, tasks }`) are
 * TypeErrors, thrown before any job is validated. The additions of the valid jobs are checked even
 * when other jobs are invalid; a job's additions after one that is invalid are not (they would be
 * checked against a job it did not grow). What `jobgraph simulate` calls, to label each job's
 * diagnostics itself.
 */
export function checkWorkload(jobs: readonly SimJob[]): { prepared: Prepared; failures?: undefined } | { prepared?: undefined; failures: WorkloadFailure[] } {
  if (!Array.isArray(jobs)) throw new ArgumentTypeError(`simulate: expected \`jobs\` to be an array, got ${describeValue(jobs)}`);
  const ids = sequentialIds();
  const arrivals: number[] = [];
  const pending: Array<{ job: number; index: number; at: number; tasks: unknown }> = [];
  // The arguments first, every job's: a misused one is refused before any validation is done.
  jobs.forEach((j, i) => {
    if (typeof j !== 'object' || j === null) throw new ArgumentTypeError(`simulate: expected jobs[${i}] to be { definition, arrival? }, got ${describeValue(j)}`);
    const arrival = j.arrival ?? 0;
    if (typeof arrival !== 'number' || !Number.isFinite(arrival) || arrival < 0) throw new ArgumentTypeError(`simulate: expected jobs[${i}].arrival to be seconds >= 0, got ${describeValue(arrival)}`);
    if (arrival > MAX_SIM_SECONDS) throw new ArgumentTypeError(`simulate: expected jobs[${i}].arrival to be at most ${MAX_SIM_SECONDS} seconds (about 285,000 years), got ${describeValue(arrival)}`);
    arrivals.push(arrival);
    const additions = (j as SimJob).additions;
    if (additions === undefined) return;
    if (!Array.isArray(additions)) throw new ArgumentTypeError(`simulate: expected jobs[${i}].additions to be an array of { at, tasks }, got ${describeValue(additions)}`);
    additions.forEach((a: unknown, k) => {
      if (typeof a !== 'object' || a === null || Array.isArray(a)) throw new ArgumentTypeError(`simulate: expected jobs[${i}].additions[${k}] to be { at, tasks }, got ${describeValue(a)}`);
      const at = (a as SimAddition).at;
      if (typeof at !== 'number' || !Number.isFinite(at) || at < arrival) {
        throw new ArgumentTypeError(`simulate: expected jobs[${i}].additions[${k}].at to be seconds >= the job's arrival (${arrival}), got ${describeValue(at)}`);
      }
      if (at > MAX_SIM_SECONDS) {
        throw new ArgumentTypeError(`simulate: expected jobs[${i}].additions[${k}].at to be at most ${MAX_SIM_SECONDS} seconds (about 285,000 years), got ${describeValue(at)}`);
      }
      pending.push({ job: i, index: k, at, tasks: (a as SimAddition).tasks });
    });
  });
  // Then every job, once: an invalid one is noted and the next checked, so that all are told at once.
  const results: ValidationResult[] = [];
  const failures: WorkloadFailure[] = [];
  jobs.forEach((j, i) => {
    const r = isValidationResult(j.definition) ? j.definition : validateJob(j.definition, { profile: 'relaxed', ids });
    if (!r.valid) failures.push({ job: i, label: `jobs[${i}]`, diagnostics: r.diagnostics });
    results.push(r);
  });
  const order = arrivals.map((_, i) => i).sort((a, b) => arrivals[a]! - arrivals[b]! || a - b);
  if (pending.length === 0) return failures.length === 0 ? { prepared: { results, arrivals, order } } : { failures };
  pending.sort((a, b) => a.at - b.at || a.job - b.job || a.index - b.index);
  // Each addition is checked against its job as the ones before it grew it (grown models are new
  // ones: the workload's stay as they are). A job that is invalid, or grown by an addition that
  // is, has no model to check the next ones against: they are left.
  const grown = new Map<number, { job: Job; deps: Dependencies }>();
  const stuck = new Set<number>(failures.map((f) => f.job));
  const prepared: PreparedAddition[] = [];
  for (const a of pending) {
    if (stuck.has(a.job)) continue;
    let g = grown.get(a.job);
    if (g === undefined) {
      const r = results[a.job]!;
      g = { job: r.job!, deps: r.dependencies! };
      grown.set(a.job, g);
    }
    const drawn: string[] = [];
    const recording: IdFactory = (kind) => {
      const id = ids(kind);
      drawn.push(id);
      return id;
    };
    const r = validateAddition(g.job, g.deps, a.tasks, { profile: 'relaxed', ids: recording });
    if (!r.valid || r.tasks === undefined || r.dependencies === undefined) {
      failures.push({ job: a.job, addition: a.index, label: `jobs[${a.job}].additions[${a.index}]`, diagnostics: r.diagnostics });
      stuck.add(a.job);
      continue;
    }
    g.job = grownJob(g.job, r.tasks, r.extensions);
    g.deps = resolveDependenciesOfRefs(g.job);
    prepared.push({ ...a, count: r.tasks.length, ids: drawn, dependencies: r.dependencies });
  }
  if (failures.length > 0) return { failures: failures.sort((a, b) => a.job - b.job || (a.addition ?? -1) - (b.addition ?? -1)) };
  return { prepared: { results, arrivals, order, additions: prepared } };
}

/** Labels listed in a workload's error before the rest are counted. */
const LABELS_SHOWN = 5;

/**
 * The ValidationError of {@link prepareWorkload} for `failures` of a workload of `jobCount` jobs.
 * One failure: as for a lone job, its call naming it (`simulate: jobs[2]`) and its diagnostics as
 * validated. Several: every one's diagnostics, each message led by its label (`jobs[2]: …`), the
 * error's message listing the labels and quoting the first error.
 */
export function workloadValidationError(failures: readonly WorkloadFailure[], jobCount: number): ValidationError {
  if (failures.length === 1) return new ValidationError(`simulate: ${failures[0]!.label}`, failures[0]!.diagnostics);
  const diagnostics: Diagnostic[] = [];
  let errors = 0;
  let first: { label: string; d: Diagnostic } | undefined;
  for (const f of failures) {
    for (const d of f.diagnostics) {
      diagnostics.push({ ...d, message: `${f.label}: ${d.message}` });
      if (d.severity !== 'error') continue;
      errors++;
      first ??= { label: f.label, d };
    }
  }
  const err = new ValidationError('simulate', diagnostics);
  const labels = failures.slice(0, LABELS_SHOWN).map((f) => f.label).join(', ') + (failures.length > LABELS_SHOWN ? `, … (${failures.length} in all)` : '');
  const badJobs = failures.filter((f) => f.addition === undefined).length;
  const badAdditions = failures.length - badJobs;
  const what = [badJobs > 0 ? `${badJobs} of ${jobCount} job${jobCount === 1 ? '' : 's'}` : '', badAdditions > 0 ? `${badAdditions} addition${badAdditions === 1 ? '' : 's'}` : ''].filter(Boolean).join(' and ');
  const where = first === undefined ? '' : ` (${first.label}${first.d.task !== undefined ? `, task #${first.d.task}${first.d.line !== undefined ? ` ${first.d.line}:${first.d.column}` : ''}` : ''})`;
  const message =
    `simulate: ${labels}: ${what} are invalid, ${errors} error${errors === 1 ? '' : 's'} in all` +
    (first ? `; the first is ${first.d.code}${where}: ${first.d.message}` : '') +
    "; see `diagnostics` (each message starts with its job's label), or run `jobgraph validate` on the workload";
  const old = err.message;
  err.message = message;
  if (typeof err.stack === 'string') err.stack = err.stack.replace(old, () => message);
  return err;
}

/**
 * Validates a workload once, so that several simulations (a grid of policies and capacities) can
 * share it. Ids are sequential, so results are reproducible. Each job's additions are validated
 * (`validateAddition`, profile relaxed) in the order they will be made, by time, each against the
 * job grown by the ones before it; their task ids follow the jobs'.
 * @throws ValidationError naming every invalid job and addition (`jobs[i]`, `jobs[i].additions[k]`):
 * for one, its call names it and its diagnostics are as validated; for several, it holds all their
 * diagnostics, each message led by its label (`jobs[2]: …`). See {@link checkWorkload}.
 * @throws TypeError for a misused argument, before any job is validated.
 */
export function prepareWorkload(jobs: readonly SimJob[]): Prepared {
  const checked = checkWorkload(jobs);
  if (checked.failures !== undefined) throw workloadValidationError(checked.failures, jobs.length);
  return checked.prepared;
}

/**
 * Simulates a workload on the real {@link Scheduler} with a virtual clock: jobs arrive, tasks take
 * the model's durations, capacity is reserved units or pools. Deterministic for a seed.
 */
export function simulate(workload: readonly SimJob[] | Prepared, options: SimulateOptions = {}): SimResult {
  const prepared = readWorkload(workload, 'simulate');
  checkSimulateOptions(options, 'simulate');
  return run(prepared, options);
}

/** A workload as given: jobs (validated here) or what {@link prepareWorkload} returned. */
function readWorkload(workload: unknown, call: string): Prepared {
  if (Array.isArray(workload)) return prepareWorkload(workload);
  const p = workload as Partial<Prepared> | null;
  if (typeof p === 'object' && p !== null && Array.isArray(p.results) && Array.isArray(p.arrivals) && Array.isArray(p.order)) return p as Prepared;
  throw new ArgumentTypeError(`${call}: expected \`workload\` to be an array of { definition, arrival? } or what prepareWorkload returned, got ${describeValue(workload)}`);
}

/** The options' shape: an object, and a duration model that has the methods the loop calls. */
function checkSimulateOptions(options: unknown, call: string): void {
  checkObject(call, '`options`', options);
  const d = (options as SimulateOptions).durations as unknown;
  if (d === undefined) return;
  const m = d as Partial<DurationModel> | null;
  if (typeof m !== 'object' || m === null || typeof m.sample !== 'function' || typeof m.expected !== 'function') {
    throw new ArgumentTypeError(`${call}: expected \`durations\` to be a duration model { name, expected(), sample() } (fixedDurations(), demoDurations(), perProcessorDurations()), got ${describeValue(d)}`);
  }
}

function run(prepared: Prepared, options: SimulateOptions): SimResult {
  const durations = options.durations ?? demoDurations();
  // Each task draws its duration from its own stream (seed, task number), so a task takes the same
  // time whichever policy runs it: runs differ by their order, not by their luck.
  const seed = checkSeed(options.seed ?? 1) | 0;
  let stream = 0;
  const random = (): number => {
    stream = (stream + 0x6d2b79f5) | 0;
    let t = Math.imul(stream ^ (stream >>> 15), 1 | stream);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const name = options.policy ?? 'priority';
  const policy: Policy = typeof name === 'string' && (name === 'critical-path' || name === 'shortest-first') ? { name, duration: (t, j) => durations.expected(t, j) } : (name as Policy);
  const concurrency = options.concurrency ?? Infinity;

  let pools: Record<string, number>;
  let poolOf: ((task: Task, job: Job) => string) | undefined;
  let capacity: string;
  if (options.reservedUnits !== undefined) {
    if (options.pools) throw new ArgumentTypeError('simulate: give `reservedUnits` or `pools`, not both');
    if (!Number.isInteger(options.reservedUnits) || options.reservedUnits < 0) throw new ArgumentTypeError(`simulate: expected \`reservedUnits\` to be an integer >= 0, got ${describeValue(options.reservedUnits)}`);
    pools = { 'reserved units': Math.max(1, options.reservedUnits) };
    poolOf = () => 'reserved units';
    capacity = `${options.reservedUnits} RU`;
  } else {
    pools = options.pools ?? {};
    poolOf = options.poolOf;
    capacity = Object.keys(pools).length > 0 ? Object.entries(pools).map(([k, v]) => `${shortPool(k)}:${v}`).join(' ') : Number.isFinite(concurrency) ? `concurrency ${concurrency}` : 'unlimited';
  }
  if (Number.isFinite(concurrency) && options.reservedUnits === undefined && Object.keys(pools).length > 0) capacity += ` (≤${concurrency})`;

  let clockMs = 0;
  // The clock in seconds as the loop holds it: clockMs / 1000 can differ from it in the last bit,
  // which made waits of -1e-17 s (printed "-0.0").
  let clockS = 0;
  const rateLimits = options.rateLimits;
  const { results, arrivals, order } = prepared;
  const additions = prepared.additions ?? [];
  const addCount = additions.length;
  // The ids an addition's validation drew, replayed for the scheduler's (the same Ids in every
  // simulation); past them (never, unless an addition changed since) a counter of its own.
  let replay: string[] = [];
  let replayAt = 0;
  const spareIds = sequentialIds(0x7fffffff);
  const ids: IdFactory = (kind) => (replayAt < replay.length ? replay[replayAt++]! : spareIds(kind));
  const s = new Scheduler({ concurrency, pools, ...(poolOf ? { poolOf } : {}), ...(rateLimits ? { rateLimits } : {}), ...(addCount > 0 ? { ids } : {}), policy, now: () => clockMs });

  const baseTasks = results.reduce((n, r) => n + r.job!.Tasks.length, 0);
  // Room for every task, the added ones included (a refused addition leaves its room unused).
  let totalTasks = baseTasks;
  for (const a of additions) totalTasks += a.count;
  // Each job's model as the scheduler has it: addTasks gives a grown job a new one (the prepared
  // workload's stay as they are, for the next simulation).
  const models: Job[] = results.map((r) => r.job!);
  const record = options.record ?? totalTasks < 20_000;

  // Per task, by scheduler serial (submission order).
  const ready = new Float64Array(totalTasks);
  const start = new Float64Array(totalTasks);
  const end = new Float64Array(totalTasks);
  const slotOf = new Int32Array(totalTasks);
  const poolIdOf = new Int32Array(totalTasks);
  const jobOfSerial = new Int32Array(totalTasks);
  // The number of each task's noise stream: its serial had every addition been made. A refused
  // addition takes no serials, and it is refused under one policy and not another, so numbering by
  // serial gave the tasks after it other durations under each policy.
  const noiseOf = new Int32Array(totalTasks);
  const noiseOfJob = new Int32Array(results.length);
  const noiseOfAddition = new Int32Array(addCount);
  for (let k = 0, a = 0, x = 0; a < order.length || x < addCount; ) {
    // In the loop's order: at an instant, arrivals before additions.
    if (x === addCount || (a < order.length && arrivals[order[a]!]! <= additions[x]!.at)) {
      noiseOfJob[order[a]!] = k;
      k += results[order[a++]!]!.job!.Tasks.length;
    } else {
      noiseOfAddition[x] = k;
      k += additions[x++]!.count;
    }
  }
  // Slots each task takes (the Weight extension): it holds that many rows of its pool's chart.
  const weightOf = new Int32Array(totalTasks).fill(1);

  // A shadow of the ready set in the AMS order (task, then job priority), to count inversions.
  const amsOrder = new ReadyOrder('priority');
  amsOrder.ensure(totalTasks);
  // Per job: its cap on running tasks (maxRunning, 0 for none) and its tasks running. The shadow
  // sets aside the ready tasks of a job at its cap: such a task could not have started, and taking
  // it for the better one counted inversions the scheduler never made.
  const capOf = new Int32Array(results.length);
  const runningOf = new Int32Array(results.length);
  const shadow = new InversionShadow({ order: amsOrder, ready, start, jobOf: jobOfSerial, poolOf: poolIdOf, capOf, runningOf, capacity: totalTasks });
  const shadowPool = new Map<string, number>();
  const poolNames: string[] = [];
  const rows: PoolSlots[] = [];
  const busy: number[] = [];
  // Own names only: a task's pool may be any string, `toString` or `__proto__` too.
  const slotsOf = (poolName: string): number => (Object.hasOwn(pools, poolName) ? pools[poolName] : undefined) ?? Infinity;
  const poolIndex = (poolName: string): number => {
    let p = shadowPool.get(poolName);
    if (p === undefined) {
      p = shadow.addPool(slotsOf(poolName));
      shadowPool.set(poolName, p);
      poolNames.push(poolName);
      rows.push(new PoolSlots());
      busy.push(0);
    }
    return p;
  };
  start.fill(-1);
  ready.fill(-1);

  // Tasks an addition makes ready while addTasks runs: their pools and keys are known only once it
  // returns, so they join the shadow then.
  const deferred: number[] = [];
  let serialBase = 0;
  s.on('taskStateChange', (e) => {
    if (e.newState === TaskState.Scheduled) {
      const serial = e.serial;
      ready[serial] = clockS;
      start[serial] = -1;
      if (serial < serialBase) shadow.push(poolIdOf[serial]!, serial);
      else deferred.push(serial);
    }
  });

  // Completions: serials by end time, ties by serial.
  const completions = new IndexHeap(totalTasks, (a, b) => end[a]! < end[b]! || (end[a] === end[b] && a < b));

  const wallStart = performance.now();
  let inversions = 0;
  let ai = 0;
  let xi = 0;
  const jobCount = order.length;
  const jobOfBase: number[] = [];
  // Per grown job: its added blocks as (first serial, count, time added) triples, in the order they
  // were added; the job's tasks are [jobOfBase, + its first size), then each block.
  const grown = new Map<number, number[]>();
  const refusedAdditions: RefusedAddition[] = [];
  const claimPool: string[] = new Array(totalTasks);
  const layouts = new Map<number, { serials: Int32Array; release: Float64Array; deps: Dependencies }>();
  for (;;) {
    const ta = ai < jobCount ? arrivals[order[ai]!]! : Infinity;
    const tc = completions.size > 0 ? end[completions.peek()]! : Infinity;
    const tx = xi < addCount ? additions[xi]!.at : Infinity;
    // A pool held back by its rate limit opens at a time of its own.
    const opens = s.blockedUntil();
    const t = Math.min(ta, tc, tx, opens === undefined ? Infinity : opens / 1000);
    if (t === Infinity) break;
    // At a pool's opening the clock takes its own reading: (opens / 1000) * 1000 can fall an ulp
    // short of it, and the pool, still held, made the loop spin at that instant for ever.
    clockMs = opens !== undefined && opens / 1000 === t ? Math.max(t * 1000, opens) : t * 1000;
    clockS = t;
    while (completions.size > 0 && end[completions.peek()] === t) {
      const serial = completions.pop();
      const p = poolIdOf[serial]!;
      const w = weightOf[serial]!;
      shadow.release(p, w);
      rows[p]!.free(slotOf[serial]!, w);
      busy[p]! += (end[serial]! - start[serial]!) * w;
      s.completeIndex(serial);
      shadow.ended(jobOfSerial[serial]!);
    }
    while (ai < jobCount && arrivals[order[ai]!] === t) {
      const r = results[order[ai]!]!;
      const job = r.job!;
      const n = job.Tasks.length;
      // Keys that stop packing (a Priority of 2^25 or more) would leave the shadow's copies stale.
      if (amsOrder.addJob(job, r.dependencies!, job.Priority, serialBase)) shadow.rekey();
      const ext = job.extensions;
      for (let i = 0; i < n; i++) {
        const serial = serialBase + i;
        const task = job.Tasks[i]!;
        jobOfSerial[serial] = order[ai]!;
        noiseOf[serial] = noiseOfJob[order[ai]!]! + i;
        poolIdOf[serial] = poolIndex(ext?.pool?.[i] ?? (poolOf ? poolOf(task, job) : task.MediaProcessorId));
        weightOf[serial] = ext?.weight?.[i] ?? 1;
      }
      if (ext?.weight !== undefined) shadow.weights = weightOf;
      jobOfBase[order[ai]!] = serialBase;
      capOf[order[ai]!] = ext?.maxRunning ?? 0;
      serialBase += n;
      s.add(r);
      ai++;
    }
    // Additions come after the ends and arrivals of their instant: a job whose last task ends at
    // `at` has ended by then, and a job arriving at `at` is there.
    while (xi < addCount && additions[xi]!.at === t) addTasks(additions[xi]!, noiseOfAddition[xi++]!);
    for (let c = s.next(); c !== undefined; c = s.next()) {
      const serial = c.serial;
      const p = poolIdOf[serial]!;
      // Was a task of higher priority ready, and would it have fitted?
      const best = shadow.peek();
      if (best !== -1 && best !== serial && amsOrder.outranks(best, serial)) inversions++;
      start[serial] = t;
      const w = weightOf[serial]!;
      shadow.started(serial, p, w);
      slotOf[serial] = rows[p]!.take(w);
      const job = models[jobOfSerial[serial]!]!;
      const task = job.Tasks[c.index]!;
      stream = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(noiseOf[serial]! + 1, 0xc2b2ae35);
      const d = durations.sample(task, job, random);
      // One comparison as before (it was isFinite): NaN, negatives, Infinity and times past the clock's range fail it.
      if (!(d >= 0 && d <= MAX_SIM_SECONDS)) throw new ArgumentTypeError(`simulate: the duration model gave ${describeValue(d)} for task ${task.Name || c.taskId}; expected seconds from 0 to ${MAX_SIM_SECONDS}`);
      end[serial] = t + d;
      if (record) claimPool[serial] = c.pool;
      completions.push(serial);
    }
  }
  const wallMs = performance.now() - wallStart;
  // Tasks simulated: the jobs' and those of the additions made.
  const taskCount = serialBase;

  // Metrics.
  let makespan = 0;
  for (let serial = 0; serial < taskCount; serial++) if (end[serial]! > makespan) makespan = end[serial]!;
  const waits = new Float64Array(taskCount);
  for (let serial = 0; serial < taskCount; serial++) waits[serial] = start[serial]! - ready[serial]!;

  const completion: number[] = [];
  const byClass = new Map<number, number[]>();
  let cpBound = 0;
  const workPerPool = new Float64Array(poolNames.length);
  let totalWork = 0;
  for (let j = 0; j < results.length; j++) {
    const job = models[j]!;
    const base = jobOfBase[j]!;
    const n = job.Tasks.length;
    // A grown job's serials and release times (its arrival, an added task's `at`), else base + i.
    const at = grown.size === 0 ? undefined : layoutOf(j);
    let last = 0;
    const expected = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const serial = at === undefined ? base + i : at.serials[i]!;
      const d = end[serial]! - start[serial]!;
      last = Math.max(last, end[serial]!);
      expected[i] = d; // the durations the tasks really took
      workPerPool[poolIdOf[serial]!]! += d * weightOf[serial]!;
      totalWork += d;
    }
    const c = last - arrivals[j]!;
    completion.push(c);
    const list = byClass.get(job.Priority) ?? [];
    list.push(c);
    byClass.set(job.Priority, list);
    const path = remainingPath(n, at === undefined ? results[j]!.dependencies! : at.deps, expected);
    // No task starts before it is released (a job's tasks at its arrival, an added task at its
    // addition's `at`), and the longest chain from a task, in the durations the tasks took, runs
    // one task after another: release + remaining path is a lower bound on the job's end, for
    // every task. For a job without additions that is arrival + its longest path; for a grown one
    // it is max(arrival + longest path of the grown job, at + longest path from an added task),
    // the tasks after an added one being added ones too (a task cannot read what did not exist).
    let bound = 0;
    for (let i = 0; i < n; i++) bound = Math.max(bound, (at === undefined ? arrivals[j]! : at.release[i]!) + path[i]!);
    cpBound = Math.max(cpBound, bound);
  }
  let lowerBound = cpBound;
  const utilisation: Array<[string, number]> = [];
  const poolList: Array<{ name: string; slots: number }> = [];
  // `concurrency` counts tasks, a pool slots: `concurrency` tasks of weight w hold up to w slots
  // each. Capping a pool at `concurrency` slots put busy slot-time over too few (400 % busy, a
  // bound above the makespan for one task of weight 4 with concurrency 1).
  const heaviest = new Int32Array(poolNames.length).fill(1);
  for (let serial = 0; serial < taskCount; serial++) heaviest[poolIdOf[serial]!] = Math.max(heaviest[poolIdOf[serial]!]!, weightOf[serial]!);
  for (let p = 0; p < poolNames.length; p++) {
    const slots = slotsOf(poolNames[p]!);
    const limit = Math.min(slots, concurrency * heaviest[p]!);
    if (Number.isFinite(limit)) lowerBound = Math.max(lowerBound, workPerPool[p]! / limit);
    // Capacity: what the pool could run at once. Without any limit there is none to measure
    // against, and the slots it used stand for it (they are the rows its Gantt chart draws).
    const capacityOfPool = Number.isFinite(limit) ? limit : rows[p]!.next;
    utilisation.push([poolNames[p]!, utilisationOf(busy[p]!, capacityOfPool, makespan)]);
    poolList.push({ name: poolNames[p]!, slots: capacityOfPool });
  }
  if (Number.isFinite(concurrency)) lowerBound = Math.max(lowerBound, totalWork / concurrency);

  const byPriority: Record<string, Summary> = {};
  for (const k of [...byClass.keys()].sort((a, b) => b - a)) byPriority[String(k)] = summarize(byClass.get(k)!);

  const result: SimResult = {
    label: `${policyName(policy)} · ${capacity}`,
    policy: policyName(policy),
    capacity,
    tasks: taskCount,
    jobs: results.length,
    makespan,
    lowerBound,
    ratio: lowerBound > 0 ? makespan / lowerBound : 1,
    jobCompletion: summarize(completion),
    jobCompletionByPriority: byPriority,
    waits: summarize(waits),
    // Keys defined, not assigned: a pool named `__proto__` is a key like any other.
    utilisation: Object.fromEntries(utilisation),
    priorityInversions: inversions,
    wallMs,
    pools: poolList,
    refusedAdditions,
  };
  if (record) {
    const critical = new Uint8Array(taskCount);
    for (const serial of criticalPath(scheduledTasks())) critical[serial] = 1;
    const schedule: SimTask[] = [];
    for (let j = 0; j < results.length; j++) {
      const job = models[j]!;
      const base = jobOfBase[j]!;
      const at = grown.size === 0 ? undefined : layoutOf(j);
      job.Tasks.forEach((task, i) => {
        const serial = at === undefined ? base + i : at.serials[i]!;
        schedule.push({
          taskId: task.Id,
          jobId: job.Id,
          name: task.Name,
          jobName: job.Name,
          pool: poolNames[poolIdOf[serial]!]!,
          slot: slotOf[serial]!,
          priority: task.Priority,
          jobPriority: job.Priority,
          ready: ready[serial]!,
          start: start[serial]!,
          end: end[serial]!,
          weight: weightOf[serial]!,
          critical: critical[serial] === 1,
        });
      });
    }
    result.schedule = schedule;
  }
  return result;

  /** Every task by serial, with its job's arrival and its inputs' serials, for the critical path. */
  function scheduledTasks(): ScheduledTask[] {
    const out: ScheduledTask[] = [];
    for (let j = 0; j < results.length; j++) {
      const base = jobOfBase[j]!;
      const at = grown.size === 0 ? undefined : layoutOf(j);
      const deps = at === undefined ? results[j]!.dependencies! : at.deps;
      const serialOf = (i: number): number => (at === undefined ? base + i : at.serials[i]!);
      const preds: number[][] = Array.from({ length: models[j]!.Tasks.length }, () => []);
      for (let e = 0; e < deps.from.length; e++) preds[deps.to[e]!]!.push(serialOf(deps.from[e]!));
      preds.forEach((p, i) => {
        const serial = serialOf(i);
        // An added task was held by nothing when it was ready as it was added.
        const arrival = at === undefined ? arrivals[j]! : at.release[i]!;
        out[serial] = { ready: ready[serial]!, start: start[serial]!, end: end[serial]!, arrival, pool: poolIdOf[serial]!, slot: slotOf[serial]!, predecessors: p };
      });
    }
    return out;
  }

  /**
   * Job j's serials and release times by task index, and its dependencies, when additions grew it
   * (undefined otherwise: its serials are jobOfBase[j] + i, all released at its arrival).
   */
  function layoutOf(j: number): { serials: Int32Array; release: Float64Array; deps: Dependencies } | undefined {
    const blocks = grown.get(j);
    if (blocks === undefined) return undefined;
    const cached = layouts.get(j);
    if (cached !== undefined) return cached;
    const job = models[j]!;
    const n = job.Tasks.length;
    const serials = new Int32Array(n);
    const release = new Float64Array(n).fill(arrivals[j]!);
    let added = 0;
    for (let b = 0; b < blocks.length; b += 3) added += blocks[b + 1]!;
    const first = n - added;
    for (let i = 0; i < first; i++) serials[i] = jobOfBase[j]! + i;
    let i = first;
    for (let b = 0; b < blocks.length; b += 3) {
      for (let k = 0; k < blocks[b + 1]!; k++, i++) {
        serials[i] = blocks[b]! + k;
        release[i] = blocks[b + 2]!;
      }
    }
    const layout = { serials, release, deps: resolveDependenciesOfRefs(job) };
    layouts.set(j, layout);
    return layout;
  }

  /** Makes an addition through the scheduler, or records its refusal. */
  function addTasks(a: PreparedAddition, noise: number): void {
    const j = a.job;
    const n0 = models[j]!.Tasks.length;
    const jobId = models[j]!.Id;
    replay = a.ids;
    replayAt = 0;
    try {
      s.addTasks(jobId, a.tasks);
    } catch (err) {
      // Refused, nothing changed: the job had ended (JOB_FINAL), or rarely another refusal.
      if (!(err instanceof SchedulerError || err instanceof ValidationError)) throw err;
      deferred.length = 0;
      refusedAdditions.push({ job: jobId, at: a.at, code: err.code });
      return;
    }
    // The grown job is a new model (the prepared one stays as it was).
    const job = s.jobModel(jobId);
    models[j] = job;
    const k = job.Tasks.length - n0;
    // The scheduler gives them the next serials: serialBase counts every task it was given.
    if (k > 0 && s.taskSerial(job.Tasks[n0]!.Id) !== serialBase) throw new Error(`simulate: internal error: the tasks added to job ${job.Id} did not take serials from ${serialBase}`);
    const ext = job.extensions;
    for (let i = 0; i < k; i++) {
      const serial = serialBase + i;
      const task = job.Tasks[n0 + i]!;
      jobOfSerial[serial] = j;
      noiseOf[serial] = noise + i;
      poolIdOf[serial] = poolIndex(ext?.pool?.[n0 + i] ?? (poolOf ? poolOf(task, job) : task.MediaProcessorId));
      weightOf[serial] = ext?.weight?.[n0 + i] ?? 1;
    }
    if (ext?.weight !== undefined) shadow.weights = weightOf;
    if (amsOrder.addJob(job, a.dependencies, job.Priority, serialBase, n0, k)) shadow.rekey();
    const blocks = grown.get(j);
    if (blocks === undefined) grown.set(j, [serialBase, k, a.at]);
    else blocks.push(serialBase, k, a.at);
    serialBase += k;
    for (const serial of deferred) shadow.push(poolIdOf[serial]!, serial);
    deferred.length = 0;
  }
}

/**
 * The utilisation of a whole run: busy slot-time over all pools ÷ (their capacity × makespan), the
 * capacity-weighted mean of {@link SimResult.utilisation}.
 */
export function overallUtilisation(r: Pick<SimResult, 'utilisation' | 'pools'>): number {
  if (typeof r !== 'object' || r === null || typeof r.utilisation !== 'object' || r.utilisation === null || !Array.isArray(r.pools)) {
    throw new ArgumentTypeError(`overallUtilisation: expected a result of simulate() ({ utilisation, pools }), got ${describeValue(r)}`);
  }
  r.pools.forEach((p: unknown, i) => {
    const q = p as { name?: unknown; slots?: unknown } | null;
    if (typeof q !== 'object' || q === null || typeof q.name !== 'string' || typeof q.slots !== 'number') {
      throw new ArgumentTypeError(`overallUtilisation: expected \`pools[${i}]\` to be { name, slots }, got ${describeValue(p)}`);
    }
  });
  let busyShare = 0;
  let capacity = 0;
  for (const p of r.pools) {
    busyShare += ((Object.hasOwn(r.utilisation, p.name) ? r.utilisation[p.name] : undefined) ?? 0) * p.slots;
    capacity += p.slots;
  }
  return capacity > 0 ? busyShare / capacity : 0;
}

/** Runs every combination of policies and capacities on one validated workload. */
export function simulateGrid(
  workload: readonly SimJob[] | Prepared,
  grid: { policies: ReadonlyArray<PolicyName | Policy>; reservedUnits?: readonly number[]; pools?: ReadonlyArray<Record<string, number>> },
  options: Omit<SimulateOptions, 'policy' | 'reservedUnits' | 'pools'> = {},
): SimResult[] {
  const prepared = readWorkload(workload, 'simulateGrid');
  const g = grid as Partial<typeof grid> | null;
  if (typeof g !== 'object' || g === null) throw new ArgumentTypeError(`simulateGrid: expected \`grid\` to be { policies, reservedUnits?, pools? }, got ${describeValue(grid)}`);
  if (!Array.isArray(g.policies)) throw new ArgumentTypeError(`simulateGrid: expected \`grid.policies\` to be an array of policies, got ${describeValue(g.policies)}`);
  if (g.reservedUnits !== undefined && !Array.isArray(g.reservedUnits)) throw new ArgumentTypeError(`simulateGrid: expected \`grid.reservedUnits\` to be an array of unit counts, got ${describeValue(g.reservedUnits)}`);
  if (g.pools !== undefined && !Array.isArray(g.pools)) throw new ArgumentTypeError(`simulateGrid: expected \`grid.pools\` to be an array of pool capacities, got ${describeValue(g.pools)}`);
  checkSimulateOptions(options, 'simulateGrid');
  if (options.seed !== undefined) checkSeed(options.seed);
  const capacities: Array<Pick<SimulateOptions, 'reservedUnits' | 'pools'>> = [
    ...(grid.reservedUnits ?? []).map((reservedUnits) => ({ reservedUnits })),
    ...(grid.pools ?? []).map((pools) => ({ pools })),
  ];
  if (capacities.length === 0) capacities.push({});
  const out: SimResult[] = [];
  for (const capacity of capacities) for (const policy of grid.policies) out.push(simulate(prepared, { ...options, ...capacity, policy }));
  return out;
}

/**
 * The duration noise's seed: its generator has 32 bits of state, so a seed outside [0, 2^32 - 1]
 * (or 1.5) is refused rather than run as another one (`| 0` took 2^32 + 1 as 1 and -1 as 2^32 - 1).
 */
function checkSeed(seed: unknown): number {
  if (typeof seed !== 'number') throw new ArgumentTypeError(`simulate: expected \`seed\` to be an integer in [0, 4294967295], got ${describeValue(seed)}`);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new ArgumentRangeError(`simulate: expected \`seed\` to be an integer in [0, 4294967295], got ${describeValue(seed)}`);
  return seed;
}

function shortPool(name: string): string {
  return name.startsWith('nb:mpid:UUID:') ? name.slice(-8) : name;
}
