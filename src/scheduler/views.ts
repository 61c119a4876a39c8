import type { HistoricalEvent } from './event-log.js';
import type { JobNotificationSubscription, TaskNotificationSubscription } from '../job/model.js';

/** An ErrorDetail (reference §5). */
export interface ErrorDetail {
  Code: string;
  Message: string;
}

/**
 * A task as the REST API shows it (reference §1): property names as the service spells them, so a
 * view serializes straight to the wire. Dates are ISO strings (UTC); RunningDuration is in
 * milliseconds, as the service reported it in practice.
 */
export interface TaskView {
  Id: string;
  Name: string;
  Configuration: string | null;
  MediaProcessorId: string;
  Priority: number;
  State: number;
  Progress: number;
  StartTime: string | null;
  EndTime: string | null;
  RunningDuration: number;
  PerfMessage: string;
  ErrorDetails: ErrorDetail[];
  HistoricalEvents: HistoricalEvent[];
  TaskBody: string;
  Options: number;
  EncryptionKeyId: string | null;
  EncryptionScheme: string | null;
  EncryptionVersion: string | null;
  InitializationVector: string | null;
  TaskNotificationSubscriptions: TaskNotificationSubscription[];
}

/** A job as the REST API shows it (reference §4). */
export interface JobView {
  Id: string;
  Name: string;
  Priority: number;
  State: number;
  Created: string;
  LastModified: string;
  StartTime: string | null;
  EndTime: string | null;
  RunningDuration: number;
  TemplateId: string | null;
  JobNotificationSubscriptions: JobNotificationSubscription[];
}

/** What `next()` hands out: the task to start now. Pass it back to complete(), fail() or progress(). */
export interface TaskClaim {
  readonly taskId: string;
  readonly jobId: string;
  /** The task's number in this scheduler (submission order): pass the claim back to skip the id lookup. */
  readonly serial: number;
  /** Position of the task in its job's Tasks. */
  readonly index: number;
  /** 1 for the first start, 2 after one retry, … */
  readonly attempt: number;
  /** The pool whose slot the task holds (its MediaProcessorId unless `poolOf` says otherwise). */
  readonly pool: string;
  readonly name: string;
  readonly mediaProcessorId: string;
  readonly configuration: string | null;
}

/** Payload of the `taskStateChange` event. */
export interface TaskStateChange {
  taskId: string;
  jobId: string;
  /** The task's number in the scheduler (as in its claim). */
  serial: number;
  oldState: number;
  newState: number;
  timestamp: number;
}

/** Payload of the `taskProgress` event. */
export interface TaskProgressEvent {
  taskId: string;
  jobId: string;
  /** The task's number in the scheduler (as in its claim). */
  serial: number;
  progress: number;
  timestamp: number;
}

/** Payload of the `jobStateChange` event. */
export interface JobStateChange {
  jobId: string;
  oldState: number;
  newState: number;
  timestamp: number;
}

/** What `explain()` answers. */
export interface Explanation {
  taskId: string;
  state: string;
  reason: 'waiting-on-dependencies' | 'retry-backoff' | 'pool-full' | 'concurrency-full' | 'job-cap' | 'rate-limited' | 'ready' | 'running' | 'canceling' | 'final';
  /** Unfinished tasks it waits on, with their states. */
  waitingOn: Array<{ taskId: string; name: string; state: string }>;
  pool: string;
  poolSlots: number;
  poolRunning: number;
  /** Ready tasks of the same pool that go before it. */
  ahead: number;
  message: string;
}

export function isoOrNull(ms: number): string | null {
  return Number.isNaN(ms) ? null : isoOf(ms);
}

/**
 * A time (epoch ms) as an ISO string. Views made together mostly show a few milliseconds over and
 * over (jobs submitted in one turn share their Created, a job's LastModified is its EndTime), and
 * formatting one costs about a microsecond cold: the last four are kept.
 */
export function isoOf(ms: number): string {
  for (let i = 0; i < ISO_KEPT; i++) if (keptMs[i] === ms) return keptIso[i]!;
  const iso = new Date(ms).toISOString();
  keptMs[nextKept] = ms;
  keptIso[nextKept] = iso;
  nextKept = (nextKept + 1) % ISO_KEPT;
  return iso;
}

const ISO_KEPT = 4;
const keptMs = new Float64Array(ISO_KEPT).fill(NaN);
const keptIso: string[] = new Array<string>(ISO_KEPT).fill('');
let nextKept = 0;
