import { ArgumentRangeError, ArgumentTypeError, checkObject, describeValue } from '../errors.js';
import { randomIds, type IdFactory } from '../job/ids.js';
import type { Job, Task } from '../job/model.js';
import type { Profile } from '../validate/validate.js';
import type { JobTemplates } from '../validate/template.js';
import { checkPolicy, type Policy } from './policy.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';

export interface SchedulerOptions {
  /** Tasks that may run at once over all pools. @defaultValue Infinity */
  concurrency?: number;
  /** Slots per pool (the analogue of reserved units). A task whose pool is not listed is limited only by `concurrency`. */
  pools?: Record<string, number>;
  /**
   * Per pool: at most `max` starts in any `perMs` milliseconds (BullMQ's limiter, per pool). A pool
   * at its limit gives nothing until the window moves on; {@link Scheduler.blockedUntil} says when,
   * for a caller that waits. Rate windows are not kept by snapshots or stores: a restarted
   * scheduler starts with empty windows.
   */
  rateLimits?: Record<string, { max: number; perMs: number }>;
  /** Names a task's pool (a task's own `Pool` extension wins). @defaultValue the task's MediaProcessorId */
  poolOf?: (task: Task, job: Job) => string;
  /** When a task fails, cancel the rest of its job (tasks with DoNotCancelOnJobFailure excepted). @defaultValue false */
  failFast?: boolean;
  /** Starts a task may have; a retryable failure on the last one is final. @defaultValue Infinity */
  maxAttempts?: number;
  /** The clock, in epoch milliseconds. @defaultValue Date.now */
  now?: () => number;
  /** Makes job and task ids. @defaultValue random GUIDs */
  ids?: IdFactory;
  /** Validation profile for submitted jobs. @defaultValue 'relaxed' */
  profile?: Profile;
  /** The order among ready tasks. @defaultValue 'priority' */
  policy?: Policy;
  /** Called when an event listener throws; the scheduler's state is already consistent. @defaultValue process.emitWarning */
  onListenerError?: (error: unknown) => void;
}

export interface SubmitOptions {
  /** Job priority; overrides the definition's Priority. Higher first among tasks of equal priority. */
  priority?: number;
  /** Overrides the scheduler's failFast for this job. */
  failFast?: boolean;
  /**
   * Most tasks of this job running at once (overrides the definition's `MaxRunningTasks` /
   * `maxRunning`). The job's ready tasks beyond it wait, best first, without holding pool slots.
   */
  maxRunning?: number;
  /** JobTemplates a definition with TemplateId (and no Tasks) is expanded from, as in validateJob. Unused for a `validateJob()` result. */
  templates?: JobTemplates;
}

export interface RerunOptions {
  /** Also set back the task's transitive dependents (whatever their state, unless running). @defaultValue false */
  downstream?: boolean;
}

export interface TaskFilter {
  jobId?: string;
  state?: number | readonly number[];
  mediaProcessorId?: string;
}

export interface FailOptions {
  /** An ErrorDetail code; the reference's encoding codes where they fit. @defaultValue 'ErrorProcessingTask' */
  code?: string;
  message?: string;
  /** Put the task back to Scheduled (a new attempt) instead of failing it. */
  retryable?: boolean;
  /**
   * With `retryable`: keep the task out of the ready set until {@link Scheduler.resume} is called,
   * so an executor can wait out a backoff without holding a slot.
   */
  hold?: boolean;
}

export interface RestoreOptions extends Pick<SchedulerOptions, 'poolOf' | 'now' | 'ids' | 'onListenerError' | 'policy'> {
  /** What becomes of tasks that were Processing: `requeue` (at least once, the default) or `keep`. */
  processing?: 'requeue' | 'keep';
}

/** The options as the scheduler uses them: checked, defaults filled in. */
export interface Settings {
  readonly concurrency: number;
  readonly poolSlots: Readonly<Record<string, number>>;
  readonly rateLimits: Readonly<Record<string, { max: number; perMs: number }>>;
  readonly poolOf: (task: Task, job: Job) => string;
  /** Pools are MediaProcessorIds (no `poolOf` given): a claim names its pool without a call. */
  readonly defaultPools: boolean;
  readonly failFast: boolean;
  readonly maxAttempts: number;
  readonly now: () => number;
  readonly ids: IdFactory;
  readonly profile: Profile;
  readonly policy: Policy;
  readonly onListenerError: (error: unknown) => void;
}

/**
 * A record of the given entries with no prototype: a task's pool may be any string, and a pool
 * named `toString` or `constructor` must find nothing here unless the caller gave it slots (on a
 * plain object it found a function, and its tasks never started).
 */
function byName<T>(entries: Iterable<readonly [string, T]>): Record<string, T> {
  const out = Object.create(null) as Record<string, T>;
  for (const [k, v] of entries) out[k] = v;
  return out;
}

/**
 * Checks the options and fills in the defaults.
 * @throws ArgumentTypeError / ArgumentRangeError naming the option.
 */
export function settingsOf(options: SchedulerOptions): Settings {
  checkOptions(options);
  return {
    concurrency: options.concurrency ?? Infinity,
    poolSlots: byName(Object.entries(options.pools ?? {})),
    rateLimits: byName(Object.entries(options.rateLimits ?? {}).map(([k, v]) => [k, { max: v.max, perMs: v.perMs }])),
    poolOf: options.poolOf ?? ((task) => task.MediaProcessorId),
    defaultPools: options.poolOf === undefined,
    failFast: options.failFast ?? false,
    maxAttempts: options.maxAttempts ?? Infinity,
    now: options.now ?? Date.now,
    ids: options.ids ?? randomIds,
    profile: options.profile ?? 'relaxed',
    policy: options.policy ?? 'priority',
    onListenerError: options.onListenerError ?? ((e) => process.emitWarning(`jobgraph: a Scheduler listener threw: ${thrownText(e)}`)),
  };
}

export function isInt32(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= -2147483648 && v <= 2147483647;
}

function checkOptions(o: SchedulerOptions): void {
  checkObject('Scheduler', '`options`', o);
  if (o.policy !== undefined) checkPolicy(o.policy);
  if (o.concurrency !== undefined && !(o.concurrency === Infinity || (Number.isInteger(o.concurrency) && o.concurrency >= 1))) {
    throw new ArgumentTypeError(`Scheduler: expected \`concurrency\` to be an integer >= 1, got ${describeValue(o.concurrency)}`);
  }
  if (o.maxAttempts !== undefined && !(o.maxAttempts === Infinity || (Number.isInteger(o.maxAttempts) && o.maxAttempts >= 1))) {
    throw new ArgumentTypeError(`Scheduler: expected \`maxAttempts\` to be an integer >= 1, got ${describeValue(o.maxAttempts)}`);
  }
  if (o.pools !== undefined) {
    if (typeof o.pools !== 'object' || o.pools === null || Array.isArray(o.pools)) throw new ArgumentTypeError(`Scheduler: expected \`pools\` to be an object of pool name → slots, got ${describeValue(o.pools)}`);
    for (const [name, slots] of Object.entries(o.pools)) {
      if (!(slots === Infinity || (Number.isInteger(slots) && slots >= 1))) {
        throw new ArgumentTypeError(`Scheduler: expected \`pools[${JSON.stringify(name)}]\` to be an integer >= 1, got ${describeValue(slots)}`);
      }
    }
  }
  if (o.rateLimits !== undefined) {
    if (typeof o.rateLimits !== 'object' || o.rateLimits === null || Array.isArray(o.rateLimits)) throw new ArgumentTypeError(`Scheduler: expected \`rateLimits\` to be an object of pool name → { max, perMs }, got ${describeValue(o.rateLimits)}`);
    for (const [name, r] of Object.entries(o.rateLimits)) {
      const ok = typeof r === 'object' && r !== null && Number.isInteger(r.max) && r.max >= 1 && r.max <= 1_000_000 && typeof r.perMs === 'number' && Number.isFinite(r.perMs) && r.perMs > 0;
      if (!ok) throw new ArgumentTypeError(`Scheduler: expected \`rateLimits[${JSON.stringify(name)}]\` to be { max: an integer from 1 to 1000000, perMs: a number > 0 }, got ${describeValue(r)}`);
    }
  }
  for (const fn of ['poolOf', 'now', 'ids', 'onListenerError'] as const) {
    if (o[fn] !== undefined && typeof o[fn] !== 'function') throw new ArgumentTypeError(`Scheduler: expected \`${fn}\` to be a function, got ${describeValue(o[fn])}`);
  }
  if (o.profile !== undefined && o.profile !== 'ams' && o.profile !== 'relaxed') {
    throw new ArgumentRangeError(`Scheduler: expected \`profile\` to be "ams" or "relaxed", got ${describeValue(o.profile)}`, 'ERR_INVALID_ARG_VALUE');
  }
}

/** What a listener threw, as text; never throws (a revoked Proxy or a throwing toString is possible). */
function thrownText(e: unknown): string {
  try {
    return String(e);
  } catch {
    return 'a value that cannot be read';
  }
}

/** Options of `Scheduler.addTasks`. */
export interface AddTasksOptions {
  /**
   * A last check of the tasks to add, once they are valid (the Engine's: does a processor have
   * their MediaProcessorId?): diagnostics with an error refuse them all, as validation's do. A
   * diagnostic's `task` is the task's index in the job.
   */
  check?: (tasks: readonly Task[]) => Diagnostic[];
}
