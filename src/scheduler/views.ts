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
 * A time (epoch ms) as an ISO string, as `new Date(ms).toISOString()` gives it. Views made together
 * mostly show a few milliseconds over and over (jobs submitted in one turn share their Created, a
 * job's LastModified is its EndTime): the last four are kept, so such views share one string.
 */
export function isoOf(ms: number): string {
  for (let i = 0; i < ISO_KEPT; i++) if (keptMs[i] === ms) return keptIso[i]!;
  const iso = formatIso(ms);
  keptMs[nextKept] = ms;
  keptIso[nextKept] = iso;
  nextKept = (nextKept + 1) % ISO_KEPT;
  return iso;
}

const ISO_KEPT = 4;
const keptMs = new Float64Array(ISO_KEPT).fill(NaN);
const keptIso: string[] = new Array<string>(ISO_KEPT).fill('');
let nextKept = 0;

/**
 * Why not `toISOString` alone: here its first call in a process took 0.24–4 ms and each later one
 * about 1.7 µs cold, and a run's end formats four times a job (the 1,666 job views that end a cold
 * media 10k Engine run: 4.95 ms that way, 3.78 ms this one). Times from 1970 to 9999 are put
 * together from the second's text, kept while the second lasts, and the millisecond's; any other
 * (years past 9999 are written `+010000-…`) goes to Date, which also throws the RangeError for a
 * time it cannot show.
 */
function formatIso(ms: number): string {
  // Date's own rounding of a fractional time: toward zero.
  const t = Math.trunc(ms);
  if (!(t >= 0 && t < YEAR_10000)) return new Date(ms).toISOString();
  const second = Math.floor(t / 1000);
  if (second !== keptSecond) {
    const day = Math.floor(second / 86_400);
    if (day !== keptDay) {
      keptDay = day;
      keptDayText = `${civilDate(day)}T`;
    }
    const s = second - day * 86_400;
    keptSecondText = `${keptDayText}${TWO_DIGITS[Math.floor(s / 3600)]}:${TWO_DIGITS[Math.floor(s / 60) % 60]}:${TWO_DIGITS[s % 60]}.`;
    keptSecond = second;
  }
  const milli = t - second * 1000;
  return keptSecondText + (milli < 10 ? `00${milli}Z` : milli < 100 ? `0${milli}Z` : `${milli}Z`);
}

/** 10000-01-01T00:00:00.000Z in epoch ms. */
const YEAR_10000 = 253_402_300_800_000;
const TWO_DIGITS = Array.from({ length: 100 }, (_, i) => (i < 10 ? `0${i}` : String(i)));
let keptSecond = NaN;
let keptSecondText = '';
let keptDay = NaN;
let keptDayText = '';

/** YYYY-MM-DD of a day number (days since 1970-01-01, 0 to 2,932,896), in the proleptic Gregorian calendar. */
function civilDate(day: number): string {
  // Days since 0000-03-01, counted in 400-year eras of 146,097 days, with March as the year's first
  // month so that a leap day falls at a year's end.
  const z = day + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const shifted = Math.floor((5 * dayOfYear + 2) / 153);
  const dayOfMonth = dayOfYear - Math.floor((153 * shifted + 2) / 5) + 1;
  const month = shifted < 10 ? shifted + 3 : shifted - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  return `${year}-${TWO_DIGITS[month]}-${TWO_DIGITS[dayOfMonth]}`;
}
