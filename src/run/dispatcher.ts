import type { Processor, ResolvedInput } from './processor.js';
import type { TaskOutputAsset } from '../job/model.js';

/**
 * One attempt of a task, as plain data: what any dispatcher needs to run it somewhere (in this
 * process, or serialized to a worker queue).
 */
export interface WorkItem {
  /** The task's number in the scheduler: how reports name the task. */
  serial: number;
  taskId: string;
  jobId: string;
  taskName: string;
  jobName: string;
  attempt: number;
  mediaProcessorId: string;
  configuration: string | null;
  inputs: ResolvedInput[];
  outputs: TaskOutputAsset[];
  /** Time limit of this attempt in ms; undefined for none. */
  timeoutMs: number | undefined;
  /** The pool whose slot the attempt holds (a queue per pool, for dispatchers that queue). @defaultValue mediaProcessorId */
  pool?: string;
  /** The task's Priority and its job's: the scheduler's order (higher first, task before job), for dispatchers that queue. */
  priority?: number;
  jobPriority?: number;
}

/** What a dispatcher learns of the engine when it starts. */
export interface DispatcherContext {
  /** The slots of each pool the engine was given (`pools`); a pool not named has no limit. */
  pools: Readonly<Record<string, number>>;
}

/** Where an attempt is, as {@link Dispatcher.locate} says. */
export interface WorkLocation {
  /** The process or worker running it, or the queue it waits in. */
  where: string;
  /** Since when (epoch ms). */
  since: number;
  /** Whether it runs now (false: it waits in a queue). */
  running: boolean;
}

/** How an attempt failed. */
export interface FailureReport {
  code: string;
  message: string;
  retryable: boolean;
}

/**
 * What a dispatcher reports back, naming the task by its `serial` and the attempt, so that late
 * reports of an abandoned attempt can be told apart and discarded.
 */
export interface WorkReporter {
  /** Any value: the engine clamps or ignores one out of 0–100 as `ProcessorContext.progress` says. */
  progress(serial: number, attempt: number, percent: number): void;
  log(serial: number, attempt: number, code: string, message: string): void;
  complete(serial: number, attempt: number, metadata: ReadonlyMap<number, unknown>): void;
  fail(serial: number, attempt: number, failure: FailureReport): void;
}

/**
 * Where claimed tasks run. The scheduler alone decides order and capacity: a dispatcher is handed
 * only work that may start now, and must start it without queueing it behind other work.
 */
export interface Dispatcher {
  /** Called once by the engine before any dispatch. */
  start(reporter: WorkReporter, processors: ReadonlyMap<string, Processor>, context?: DispatcherContext): void;
  dispatch(item: WorkItem): void;
  /**
   * Optional: takes up an attempt that an earlier process dispatched and may still be running or
   * done elsewhere (`Engine.open` found its task Processing). Reports as for `dispatch`. Without it,
   * the engine requeues such tasks to run again.
   */
  reattach?(item: WorkItem): void;
  /** Optional: where an attempt runs, for `Engine.explain`. */
  locate?(serial: number, attempt: number): Promise<WorkLocation | undefined> | WorkLocation | undefined;
  /** Asks a running attempt to stop (its AbortSignal fires). */
  abort(serial: number, attempt: number, reason: string): void;
  /** Stops waiting for an attempt: whatever it reports later is dropped. */
  abandon(serial: number, attempt: number): void;
  /**
   * Resolves when the dispatcher holds nothing: in-process, what runs is aborted; a dispatcher whose
   * work runs elsewhere lets it run (the engine closes it only after canceling every job, or when
   * a durable engine stops and will take that work up again).
   */
  close(): Promise<void>;
}
