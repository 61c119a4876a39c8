import { ArgumentRangeError, ArgumentTypeError, describeValue } from '../errors.js';
import { callbackThrew, describeTask, SchedulerError } from '../scheduler/errors.js';
import { TaskState, isFinalState } from '../job/enums.js';
import type { Task } from '../job/model.js';
import { policyName } from '../scheduler/policy.js';
import { Scheduler, type RecoveredJob, type SchedulerOptions } from '../scheduler/scheduler.js';
import { addTasksTo, decodeJobModel, decodeJobStatus, decodeOutputs, decodeSegments } from '../store/journal.js';
import { StoreError, type RunStore } from '../store/run-store.js';
import { SqliteStore } from '../store/sqlite-store.js';
import type { OutboxRecord } from './durable.js';

/** A run read back from a store, ready for the Engine to take up. */
export interface Recovered {
  scheduler: Scheduler;
  store: RunStore;
  /** Store key of each job, by its position in the scheduler. */
  keys: number[];
  nextKey: number;
  /** Blocks of tasks added to jobs, by job key (see RunJournal). */
  grown: Map<number, Array<[number, number]>>;
  outboxSeq: number;
  /** Output metadata by producing task id. */
  outputs: Array<[string, ReadonlyMap<number, unknown>]>;
  /** Tasks waiting out a retry backoff, and when it ends (epoch ms). */
  backoffs: Array<{ taskId: string; due: number }>;
  /** Notifications recorded and never marked sent. */
  outbox: Array<{ seq: number; record: OutboxRecord }>;
  tasks: number;
  /** "name: recorded → given" for each option that changed. */
  changedOptions: string[];
  /** The options to record now (JSON). */
  optionsRecord: string;
  /** The embedder's records ({@link Engine.setRecord}), by key. */
  records: Map<string, string>;
}

/**
 * Where an embedder's records live in the store's `meta` table: under this prefix, apart from the
 * engine's own settings (`engine.options`).
 */
export const RECORD_PREFIX = 'record:';

/** A store from what `Engine.open` was given. */
export function openStore(where: string | RunStore, synchronous: 'normal' | 'full' | undefined): RunStore {
  if (typeof where === 'string') {
    if (where === '') throw new ArgumentTypeError('Engine.open: expected `store` to be a file path, got an empty string');
    if (synchronous !== undefined && synchronous !== 'normal' && synchronous !== 'full') {
      throw new ArgumentTypeError(`Engine.open: expected \`synchronous\` to be "normal" or "full", got ${describeValue(synchronous)}`, 'ERR_INVALID_ARG_VALUE');
    }
    return new SqliteStore(where, synchronous === undefined ? {} : { synchronous });
  }
  if (typeof where !== 'object' || where === null || typeof where.load !== 'function' || typeof where.write !== 'function' || typeof where.close !== 'function') {
    throw new ArgumentTypeError(`Engine.open: expected \`store\` to be a file path or a RunStore (load, write, close), got ${describeValue(where)}`);
  }
  if (synchronous !== undefined) throw new ArgumentTypeError('Engine.open: `synchronous` applies to a store given as a path; set it on your store instead');
  return where;
}

/** The options a store records, to tell the next open what changed. */
function optionsRecord(o: SchedulerOptions): Record<string, unknown> {
  return {
    concurrency: o.concurrency === undefined || o.concurrency === Infinity ? null : o.concurrency,
    pools: o.pools ?? {},
    policy: policyName(o.policy ?? 'priority'),
    poolOf: o.poolOf === undefined ? 'MediaProcessorId' : 'custom',
    failFast: o.failFast ?? false,
    maxAttempts: o.maxAttempts === undefined || o.maxAttempts === Infinity ? null : o.maxAttempts,
    profile: o.profile ?? 'relaxed',
  };
}

/**
 * Reads a store back into a scheduler. Cost: one JSON parse per job model and a copy per segment;
 * no TaskBody is parsed and no event is replayed through the scheduler's calls.
 * @throws StoreError when what the store holds cannot be read
 * (The options were checked before the store was opened: see Engine.open.)
 * @throws SchedulerError `CALLBACK_THREW` (a `poolOf` or policy `key` of the caller's threw);
 *   `WEIGHT_EXCEEDS_POOL` (a task yet to end is heavier than its pool as given now)
 */
export function recoverRun(store: RunStore, options: SchedulerOptions, engine: { processors: readonly { id: string }[] }): Recovered {
  const run = store.load();
  const where = store.location;
  const progressOf = groupByJob(run.progress);
  const dueOf = groupByJob(run.due);
  const jobs: RecoveredJob[] = [];
  const keys: number[] = [];
  let nextKey = 1;
  let tasks = 0;
  const grown = new Map<number, Array<[number, number]>>();
  for (const row of run.jobs) {
    const submitted = decodeJobModel(where, row.key, row.model);
    const status = decodeJobStatus(where, submitted.Id, row.status);
    const events = decodeSegments(where, submitted.Id, run.segments.get(row.key) ?? []);
    const job = addTasksTo(where, submitted, events.added);
    const held = new Set<number>();
    for (const [task] of dueOf.get(row.key) ?? []) held.add(task);
    const { grown: blocks, ...record } = status;
    const rj: RecoveredJob = { job, ...record, order: row.key, events, errors: events.errors, progress: new Map(progressOf.get(row.key) ?? []), held };
    if (blocks !== undefined) {
      // Tasks added to the job keep their place in the order: each block's key is of the jobs' sequence.
      rj.grown = blocks.map(([order, count]) => ({ order, count }));
      grown.set(row.key, blocks);
      for (const [order] of blocks) nextKey = Math.max(nextKey, order + 1);
    }
    jobs.push(rj);
    keys.push(row.key);
    nextKey = Math.max(nextKey, row.key + 1);
    tasks += job.Tasks.length;
  }
  let scheduler: Scheduler;
  try {
    scheduler = Scheduler.recover(jobs, options);
  } catch (err) {
    // The caller's to fix, as at submit: a policy the scheduler checks only once it orders a job, or
    // a function of theirs (`poolOf`, a policy's `key`) that threw or returned a non-number.
    if (err instanceof StoreError || err instanceof ArgumentTypeError || err instanceof ArgumentRangeError || (err instanceof SchedulerError && err.code === 'CALLBACK_THREW')) throw err;
    throw new StoreError('STORE_CORRUPT', where, `the store ${where} cannot be read back: ${err instanceof Error ? err.message : String(err)}; restore the file from a backup`, { cause: err });
  }
  checkWeights(scheduler, jobs, where, options);
  const byKey = new Map<number, number>();
  keys.forEach((k, i) => byKey.set(k, i));
  const taskIdOf = (key: number, task: number): string | undefined => {
    const i = byKey.get(key);
    return i === undefined ? undefined : jobs[i]!.job.Tasks[task]?.Id;
  };
  const outputs: Recovered['outputs'] = [];
  for (const o of run.outputs) {
    const id = taskIdOf(o.job, o.task);
    if (id !== undefined) outputs.push([id, decodeOutputs(where, o.value)]);
  }
  const backoffs: Recovered['backoffs'] = [];
  for (const d of run.due) {
    const id = taskIdOf(d.job, d.task);
    if (id !== undefined && scheduler.explain(id).reason === 'retry-backoff') backoffs.push({ taskId: id, due: d.value });
  }
  const outbox: Recovered['outbox'] = [];
  let outboxSeq = 0;
  for (const m of run.outbox) {
    outboxSeq = Math.max(outboxSeq, m.seq);
    let record: OutboxRecord;
    try {
      record = JSON.parse(m.data) as OutboxRecord;
    } catch {
      throw new StoreError('STORE_CORRUPT', where, `the store ${where} holds notification #${m.seq} that is not JSON: restore the file from a backup`);
    }
    if (typeof record !== 'object' || record === null || !['job', 'task', 'progress'].includes(record.k) || !Array.isArray(record.s)) {
      throw new StoreError('STORE_CORRUPT', where, `the store ${where} holds a damaged notification #${m.seq}: restore the file from a backup`);
    }
    outbox.push({ seq: m.seq, record });
  }
  const now = optionsRecord(options);
  const changedOptions: string[] = [];
  const recordedText = run.meta.get('engine.options');
  if (recordedText !== undefined) {
    let recorded: Record<string, unknown> = {};
    try {
      recorded = JSON.parse(recordedText) as Record<string, unknown>;
    } catch {
      // An unreadable record tells nothing: every option counts as given anew.
    }
    for (const [k, v] of Object.entries(now)) {
      const was = JSON.stringify(recorded[k]);
      const is = JSON.stringify(v);
      if (was !== is) changedOptions.push(`${k}: ${was ?? 'unset'} → ${is}`);
    }
  }
  const known = new Set(engine.processors.map((p) => p.id));
  const missing = new Set<string>();
  for (const j of jobs) for (const t of j.job.Tasks) if (!known.has(t.MediaProcessorId)) missing.add(t.MediaProcessorId);
  if (missing.size > 0) {
    process.emitWarning(`jobgraph: Engine.open: jobs in ${where} name processors this engine does not have (${[...missing].join(', ')}): their tasks fail when they start; register those processors`, { code: 'JOBGRAPH_PROCESSOR_MISSING' });
  }
  const records = new Map<string, string>();
  for (const [k, v] of run.meta) if (k.startsWith(RECORD_PREFIX)) records.set(k.slice(RECORD_PREFIX.length), v);
  return { scheduler, store, keys, nextKey, grown, outboxSeq, outputs, backoffs, outbox, tasks, changedOptions, optionsRecord: JSON.stringify(now), records };
}

/**
 * A task that has yet to end and is heavier than its pool under the options given now (a pool
 * made smaller since the job was accepted) could never start: its job would wait for ever. Submit
 * refuses such a task; open refuses such a run, the same way, before anything is written.
 * @throws SchedulerError `WEIGHT_EXCEEDS_POOL`
 */
function checkWeights(scheduler: Scheduler, jobs: readonly RecoveredJob[], where: string, options: SchedulerOptions): void {
  // Read from the task's state and the options, not from explain(): explain counts the ready tasks
  // ahead of a ready one (or scans its job's edges for a waiting one), so asking it for every
  // weighted task made an open quadratic (8,000 ready tasks of Weight 2: 12 s).
  const slotsOf: Readonly<Record<string, number>> = { ...(options.pools ?? {}) };
  const poolOf = options.poolOf ?? ((task: Task) => task.MediaProcessorId);
  for (const { job } of jobs) {
    const weights = job.extensions?.weight;
    if (weights === undefined) continue;
    for (let i = 0; i < weights.length; i++) {
      const w = weights[i]!;
      if (w === 1) continue;
      const task = job.Tasks[i];
      if (task === undefined) continue;
      const state = scheduler.stateOf(task.Id);
      // A running task counts too: it is requeued (or, on a worker elsewhere, may need a retry).
      if (isFinalState(state) || state === TaskState.Canceling) continue;
      let pool = job.extensions?.pool?.[i];
      try {
        pool ??= poolOf(task, job);
      } catch (err) {
        throw callbackThrew('poolOf', task, job, err);
      }
      // Own names only: a pool named `toString` or `__proto__` has no slots unless given some.
      const slots = Object.hasOwn(slotsOf, pool) ? slotsOf[pool] : undefined;
      if (slots === undefined || w <= slots) continue;
      throw new SchedulerError(
        'WEIGHT_EXCEEDS_POOL',
        `Engine.open: task ${describeTask(task)} of job ${job.Id} in ${where} has Weight ${w} but its pool "${pool}" now has ${slots} slot${slots === 1 ? '' : 's'}: it could never start; give the pool at least ${w} slots (as when the job was accepted), or open with those and cancel the job`,
        { jobId: job.Id, taskId: task.Id },
      );
    }
  }
}

function groupByJob<T>(rows: ReadonlyArray<{ job: number; task: number; value: T }>): Map<number, Array<[number, T]>> {
  const out = new Map<number, Array<[number, T]>>();
  for (const r of rows) {
    const list = out.get(r.job);
    if (list) list.push([r.task, r.value]);
    else out.set(r.job, [[r.task, r.value]]);
  }
  return out;
}
