import { JobGraphError, checkErrorArgument } from '../errors.js';

/**
 * The storage seam under the Engine: where accepted jobs and every change of their tasks live.
 *
 * A store is a dumb, durable container. It does not know what a task state is: the Engine encodes
 * the scheduler's event log into opaque per-job segments (see `store/journal.ts`) and hands the
 * store one {@link RunBatch} per event-loop turn, which the store must write atomically (all of it
 * or none of it). {@link RunStore.load} gives back everything written, for `Engine.open`.
 *
 * Calls are synchronous on purpose: `submit` must have written its job before it returns, and the
 * embedded SQLite store answers in microseconds without a round trip.
 */
export interface RunStore {
  /** Where the store lives: a file path, or `:memory:`. */
  readonly location: string;
  /** Reads back everything written so far. Called once, by `Engine.open`, before any write. */
  load(): StoredRun;
  /**
   * Writes one batch atomically: after it returns, all of it survives a crash of this process (and
   * of the machine too, with a store whose `synchronous` is `full`); if it throws, none of it was
   * written.
   * @throws StoreError
   */
  write(batch: RunBatch): void;
  /** Releases the file (and its lock). Idempotent; writes after close throw `STORE_CLOSED`. */
  close(): void;
}

/** An accepted job as the store keeps it. */
export interface StoredJob {
  /** The job's key in the store, given by the engine: ascending in the order jobs were accepted. */
  key: number;
  /** The job's Id (`nb:jid:UUID:…`). */
  id: string;
  /** The job as accepted (JSON text written by the engine; opaque to the store). */
  model: string;
  /** The job's changing fields (JSON text written by the engine: priority, cancel requested, …). */
  status: string;
}

/** A value kept per task of a job (progress, a retry's due time, output metadata). */
export interface TaskValue<T> {
  job: number;
  task: number;
  value: T;
}

/** What one write adds, changes and removes. Every list may be empty. */
export interface RunBatch {
  /** Jobs accepted since the last batch. */
  jobs: StoredJob[];
  /** New `status` of jobs already stored (or stored by this batch). */
  statuses: Array<{ key: number; status: string }>;
  /** New `model` of jobs already stored (or stored by this batch): a job that gained tasks. */
  models: Array<{ key: number; model: string }>;
  /** Encoded events, appended to their job's segments in this order. */
  segments: Array<{ job: number; data: Uint8Array }>;
  /** Last progress of a task (replaces the previous value). */
  progress: Array<TaskValue<number>>;
  /** Epoch ms at which a task waiting out a retry backoff may run again; `null` removes it. */
  due: Array<TaskValue<number | null>>;
  /** Output metadata a task's processor returned (encoded by the engine); replaces earlier data. */
  outputs: Array<TaskValue<Uint8Array>>;
  /** Notifications recorded before they are sent: `seq` ascending and never reused. */
  outboxAdd: Array<{ seq: number; data: string }>;
  /** Notifications delivered (or given up on): removed from the outbox. */
  outboxDone: number[];
  /** Jobs to remove with everything of theirs (segments, task values). */
  forget: number[];
  /** Settings the engine records (recorded options, counters, the embedder's `record:` entries); replaces earlier values. */
  meta: Array<{ key: string; value: string }>;
}

/** Everything a store holds. */
export interface StoredRun {
  /** Job records, by ascending key. */
  jobs: StoredJob[];
  /** Each job's segments in the order they were written, by job key. */
  segments: Map<number, Uint8Array[]>;
  progress: Array<TaskValue<number>>;
  due: Array<TaskValue<number>>;
  outputs: Array<TaskValue<Uint8Array>>;
  /** Notifications not yet marked done, by ascending seq. */
  outbox: Array<{ seq: number; data: string }>;
  meta: Map<string, string>;
}

/**
 * Codes of {@link StoreError}. A store refuses rather than overwrites: none of these changes the file.
 * - `STORE_CORRUPT`: not an SQLite database (or damaged beyond reading), or our tables hold what we never write.
 * - `STORE_FOREIGN`: an SQLite database of some other program.
 * - `STORE_VERSION`: written by a newer jobgraph (schema version above ours).
 * - `STORE_LOCKED`: another live process has it open.
 * - `STORE_UNAVAILABLE`: cannot be opened or created (no such directory, no permission, disk full…).
 * - `STORE_WRITE_FAILED`: a write failed; nothing of the batch was written.
 * - `STORE_CLOSED`: used after close().
 */
export type StoreErrorCode = 'STORE_CORRUPT' | 'STORE_FOREIGN' | 'STORE_VERSION' | 'STORE_LOCKED' | 'STORE_UNAVAILABLE' | 'STORE_WRITE_FAILED' | 'STORE_CLOSED';

/** A store that cannot be opened, read or written. `location` names the file. */
export class StoreError extends JobGraphError {
  declare readonly code: StoreErrorCode;
  readonly location: string;

  constructor(code: StoreErrorCode, location: string, message: string, options?: { cause?: unknown }) {
    checkErrorArgument('StoreError', 'location', location, 'string');
    super(code, message, options);
    this.location = location;
  }
}

/** An empty batch, to fill. */
export function emptyBatch(): RunBatch {
  return { jobs: [], statuses: [], models: [], segments: [], progress: [], due: [], outputs: [], outboxAdd: [], outboxDone: [], forget: [], meta: [] };
}

/** Whether a batch has nothing to write. */
export function isEmptyBatch(b: RunBatch): boolean {
  return (
    b.jobs.length === 0 &&
    b.statuses.length === 0 &&
    b.models.length === 0 &&
    b.segments.length === 0 &&
    b.progress.length === 0 &&
    b.due.length === 0 &&
    b.outputs.length === 0 &&
    b.outboxAdd.length === 0 &&
    b.outboxDone.length === 0 &&
    b.forget.length === 0 &&
    b.meta.length === 0
  );
}
