import type { FailureReport } from '../run/dispatcher.js';

/**
 * What the orchestrator and its workers agree on in Redis: queue names, job ids, and how results
 * and failures travel. Both sides import this one module, so the two cannot drift apart.
 */

/** Prefix of every Redis key jobgraph's queues use (BullMQ's own `prefix`). */
export const DEFAULT_PREFIX = 'jobgraph';

/**
 * The BullMQ queue of a pool. BullMQ refuses ':' in queue names and a MediaProcessorId is full of
 * them, so every character outside [A-Za-z0-9._-] is escaped as `~XX` (its UTF-16 code in hex,
 * `~uXXXX` above 0xFF): injective, and readable for the common `nb:mpid:UUID:…` ids.
 */
export function queueName(pool: string): string {
  return `pool.${escapeId(pool)}`;
}

/**
 * The BullMQ job id of one attempt of a task: the same on every dispatch of that attempt, so a
 * re-dispatch after a crash finds the job already there (BullMQ ignores an add with an existing id).
 * BullMQ refuses ids with ':' and ids that are integers; the escaped task id has neither.
 */
export function jobIdOf(taskId: string, attempt: number): string {
  return `${escapeId(taskId)}.${attempt}`;
}

function escapeId(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]/g, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `~${code.toString(16).padStart(2, '0')}` : `~u${code.toString(16).padStart(4, '0')}`;
  });
}

/** A completed attempt's result as it travels: output index → metadata, as JSON. */
export interface WireResult {
  m: Array<[number, unknown]>;
}

export function encodeResult(metadata: ReadonlyMap<number, unknown>): WireResult {
  return { m: [...metadata] };
}

/** The metadata of a completed job's return value; undefined when it is not one of ours. */
export function decodeResult(value: unknown): Map<number, unknown> | undefined {
  let v = value;
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v);
    } catch {
      return undefined;
    }
  }
  if (v === null || typeof v !== 'object' || !Array.isArray((v as WireResult).m)) return undefined;
  const out = new Map<number, unknown>();
  for (const pair of (v as WireResult).m) {
    if (!Array.isArray(pair) || !Number.isInteger(pair[0])) return undefined;
    out.set(pair[0] as number, pair[1]);
  }
  return out;
}

/**
 * A failure travels as the error message BullMQ keeps (`failedReason`): `CODE: message`, or
 * `CODE (retryable): message`. Readable in any BullMQ dashboard, and parsed back exactly.
 */
export function encodeFailure(f: FailureReport): string {
  return `${f.code}${f.retryable ? ' (retryable)' : ''}: ${f.message}`;
}

const FAILURE = /^([A-Za-z][A-Za-z0-9]*)( \(retryable\))?: ([\s\S]*)$/;

/**
 * The failure of a job's `failedReason`. A reason that is not ours comes from BullMQ itself: the
 * job stalled more often than allowed (its workers kept dying) or its lock was lost. The attempt
 * did not fail on its own merits, so it may be retried.
 */
export function decodeFailure(reason: unknown): FailureReport {
  const text = typeof reason === 'string' ? reason : String(reason);
  const m = FAILURE.exec(text);
  if (m) return { code: m[1]!, message: m[3]!, retryable: m[2] !== undefined };
  return { code: 'ErrorProcessingTask', message: `the worker lost the task: ${text}`, retryable: true };
}

/**
 * What a worker sends through `job.updateProgress`: a percentage, or an event the processor logged
 * (BullMQ has no event for job logs, and the orchestrator must see them in order with progress).
 */
export type WireProgress = { p: number } | { l: [string, string] };

/** Name of the pub/sub channel that carries cancel requests to every worker. */
export function cancelChannel(prefix: string): string {
  return `${prefix}:jobgraph:cancel`;
}
