import { createHash } from 'node:crypto';
import { STATE_NAMES } from '../../job/enums.js';
import { ArgumentTypeError, describeValue } from '../../errors.js';

/** Notification EventType numbers (reference §6; the webhook sample sends them as numbers). */
export const NotificationEventType = {
  None: 0,
  JobStateChange: 1,
  NotificationEndPointRegistration: 2,
  NotificationEndPointUnregistration: 3,
  TaskStateChange: 4,
  TaskProgress: 5,
} as const;

/** A notification as it travels to an endpoint (webhook message version 1.1, reference §6). */
export interface NotificationMessage {
  MessageVersion: '1.1';
  /** Hex SHA-256 of the message's content: the same event to the same endpoint always has the same ETag. */
  ETag: string;
  /** 1 JobStateChange, 4 TaskStateChange, 5 TaskProgress. */
  EventType: number;
  /** ISO 8601 UTC with seven fraction digits, as the service wrote it: `2017-02-16T03:59:53.3041122Z`. */
  TimeStamp: string;
  /** Every value is a string; states travel by name (`"Finished"`). */
  Properties: Record<string, string>;
}

/** A task's state changed (states are JobState numbers, 0–6). */
export interface TaskStateInput {
  jobId: string;
  jobName: string;
  taskId: string;
  oldState: number;
  newState: number;
  /** When it happened, in epoch milliseconds (a fraction is kept to the 100 ns tick). */
  timestamp: number;
}

/** A task reported progress (0–100). */
export interface TaskProgressInput {
  jobId: string;
  jobName: string;
  taskId: string;
  progress: number;
  /** When it happened, in epoch milliseconds. */
  timestamp: number;
}

/** A job's state changed (JobState numbers, 0–6). */
export interface JobStateInput {
  jobId: string;
  jobName: string;
  oldState: number;
  newState: number;
  /** When it happened, in epoch milliseconds. */
  timestamp: number;
}

/**
 * One event as the hub keeps it until delivery: a copy of the caller's input, shared by every
 * endpoint it goes to. Messages are built from it only when they are delivered, so the hub's entry
 * points stay cheap.
 */
export interface EventRecord {
  readonly type: 1 | 4 | 5;
  readonly jobId: string;
  readonly jobName: string;
  /** '' for job events. */
  readonly taskId: string;
  /** -1 for progress events. */
  readonly oldState: number;
  readonly newState: number;
  /** Only for progress events. */
  readonly progress: number;
  readonly timestamp: number;
}

/** The largest |ms| a JavaScript Date holds. */
const MAX_EPOCH_MS = 8.64e15;

/** Whether `ms` can be written as a TimeStamp. */
export function isValidTimestamp(ms: number): boolean {
  return typeof ms === 'number' && Number.isFinite(ms) && Math.abs(ms) <= MAX_EPOCH_MS;
}

/**
 * Writes epoch milliseconds the way the service wrote TimeStamp: ISO 8601 UTC with seven fraction
 * digits (.NET ticks of 100 ns). Whole milliseconds are padded with zeros (`….3040000Z`); a fraction
 * of a millisecond (from `performance.timeOrigin + performance.now()`) fills the last four digits.
 *
 * @param ms - epoch milliseconds; must satisfy {@link isValidTimestamp}
 * @returns `2017-02-16T03:59:53.3041122Z`
 */
export function formatTimeStamp(ms: number): string {
  const whole = Math.floor(ms);
  // Ticks below the millisecond, truncated like the millisecond itself (never rounded up to 10000).
  const ticks = Math.min(9999, Math.floor((ms - whole) * 10_000));
  const iso = new Date(whole).toISOString(); // …T03:59:53.304Z
  return iso.slice(0, -1) + String(ticks).padStart(4, '0') + 'Z';
}

function stateName(state: number): string {
  return STATE_NAMES[state] ?? String(state);
}

/** Progress as the service sent LastComputedProgress: an integer, rounded down, within 0–100. */
export function progressText(progress: number): string {
  if (!(progress > 0)) return '0'; // NaN too
  return String(Math.min(100, Math.floor(progress)));
}

/** Who is sending: the account the messages name. */
export interface Sender {
  accountName: string;
  accountId: string;
}

/**
 * The Properties of a message for one endpoint, in the order of the reference's samples.
 * JobStateChange: JobId, JobName, NewState, OldState, AccountName. TaskStateChange adds TaskId,
 * AccountId and NotificationEndPointId. TaskProgress: JobId, TaskId, LastComputedProgress,
 * AccountName, AccountId, NotificationEndPointId.
 */
export function messageProperties(e: EventRecord, sender: Sender, endpointId: string): Record<string, string> {
  switch (e.type) {
    case 1:
      return { JobId: e.jobId, JobName: e.jobName, NewState: stateName(e.newState), OldState: stateName(e.oldState), AccountName: sender.accountName };
    case 4:
      return {
        JobId: e.jobId,
        JobName: e.jobName,
        TaskId: e.taskId,
        NewState: stateName(e.newState),
        OldState: stateName(e.oldState),
        AccountName: sender.accountName,
        AccountId: sender.accountId,
        NotificationEndPointId: endpointId,
      };
    case 5:
      return {
        JobId: e.jobId,
        TaskId: e.taskId,
        LastComputedProgress: progressText(e.progress),
        AccountName: sender.accountName,
        AccountId: sender.accountId,
        NotificationEndPointId: endpointId,
      };
  }
}

/**
 * The ETag of a message: hex SHA-256 of a canonical text of everything else in it (version, event
 * type, timestamp, properties sorted by name). A retry sends the same bytes, so the same ETag; the
 * same event sent to two endpoints differs where the message names the endpoint.
 */
export function messageETag(eventType: number, timeStamp: string, properties: Readonly<Record<string, string>>): string {
  const names = Object.keys(properties).sort();
  const canonical: unknown[] = ['1.1', eventType, timeStamp];
  for (const name of names) canonical.push(name, properties[name]);
  return createHash('sha256').update(JSON.stringify(canonical), 'utf8').digest('hex');
}

/**
 * Builds the message an endpoint receives for an event.
 * @throws ArgumentTypeError (`ERR_INVALID_ARG_TYPE`) for arguments of the wrong type,
 *   (`ERR_INVALID_ARG_VALUE`) for an event type other than 1, 4 or 5, or a timestamp no Date holds.
 */
export function buildMessage(e: EventRecord, sender: Sender, endpointId: string): NotificationMessage {
  checkMessageArgs(e, sender, endpointId);
  const TimeStamp = formatTimeStamp(e.timestamp);
  const Properties = messageProperties(e, sender, endpointId);
  // Field order as in the reference sample.
  return { MessageVersion: '1.1', ETag: messageETag(e.type, TimeStamp, Properties), EventType: e.type, TimeStamp, Properties };
}

function checkMessageArgs(e: EventRecord, sender: Sender, endpointId: string): void {
  const call = 'buildMessage';
  if (typeof e !== 'object' || e === null) throw new ArgumentTypeError(`${call}: expected \`e\` to be an event record, got ${describeValue(e)}`);
  if (e.type !== 1 && e.type !== 4 && e.type !== 5) throw new ArgumentTypeError(`${call}: expected \`e.type\` to be 1, 4 or 5, got ${describeValue(e.type)}`, 'ERR_INVALID_ARG_VALUE');
  if (!isValidTimestamp(e.timestamp)) throw new ArgumentTypeError(`${call}: expected \`e.timestamp\` to be epoch milliseconds a Date holds, got ${describeValue(e.timestamp)}`, 'ERR_INVALID_ARG_VALUE');
  if (typeof sender !== 'object' || sender === null || typeof sender.accountName !== 'string' || typeof sender.accountId !== 'string') {
    throw new ArgumentTypeError(`${call}: expected \`sender\` to be { accountName, accountId } (strings), got ${describeValue(sender)}`);
  }
  if (typeof endpointId !== 'string') throw new ArgumentTypeError(`${call}: expected \`endpointId\` to be a string, got ${describeValue(endpointId)}`);
}
