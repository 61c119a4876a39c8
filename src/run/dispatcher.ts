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
  start(reporter: WorkReporter, processors: ReadonlyMap<string, Processor>): void;
  dispatch(item: WorkItem): void;
  /** Asks a running attempt to stop (its AbortSignal fires). */
  abort(serial: number, attempt: number, reason: string): void;
  /** Stops waiting for an attempt: whatever it reports later is dropped. */
  abandon(serial: number, attempt: number): void;
  /** Aborts what runs and resolves when the dispatcher holds nothing. */
  close(): Promise<void>;
}
