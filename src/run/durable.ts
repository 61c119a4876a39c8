import type { Job, JobNotificationSubscription, TaskNotificationSubscription } from '../job/model.js';
import type { Scheduler } from '../scheduler/scheduler.js';
import { encodeAddedTasks, encodeJobModel, encodeJobStatus, encodeOutputs, encodeSegment } from '../store/journal.js';
import { emptyBatch, isEmptyBatch, StoreError, type RunBatch, type RunStore } from '../store/run-store.js';
import type { JobStateInput, TaskProgressInput, TaskStateInput } from './notifications/message.js';
import type { NotificationHub } from './notifications/hub.js';
import { warn } from './untrusted.js';

/** How often a task's progress is written at most. */
const PROGRESS_INTERVAL_MS = 1000;
/** How long a failed write waits before it is tried again. */
const RETRY_WRITE_MS = 1000;

/** A notification as the outbox keeps it until every endpoint has had it. */
export type OutboxRecord =
  | { k: 'job'; i: JobStateInput; s: JobNotificationSubscription[] }
  | { k: 'task'; i: TaskStateInput; s: TaskNotificationSubscription[] }
  | { k: 'progress'; i: TaskProgressInput; s: TaskNotificationSubscription[] };

/**
 * What makes an Engine durable: it turns the scheduler's event log and the engine's own facts
 * (output metadata, retry due times, progress, notifications) into one {@link RunBatch} per
 * event-loop turn and writes it to the store.
 *
 * What is durable when:
 * - a job, once `submit` has returned: it is written by submit itself, in its own transaction;
 * - every other change, at the end of the event-loop turn it happened in (one transaction);
 * - progress, within about a second (the last value of each task, at most once a second);
 * - a notification, in the same transaction as the change that caused it, before it is sent.
 * A failed write keeps its batch and is tried again a second later; nothing is dropped.
 */
export class RunJournal {
  readonly store: RunStore;
  readonly #scheduler: Scheduler;
  readonly #hub: NotificationHub;
  /** Store key of each job, by the job's position in the scheduler. */
  readonly #keys: number[] = [];
  /**
   * Per grown job (by store key): its blocks of added tasks as [order, count], the order a key of
   * the same sequence as the jobs' (see RecoveredJob.grown), kept in the job's record.
   */
  readonly #grown = new Map<number, Array<[number, number]>>();
  #nextKey: number;
  /** Event rows up to here are in the batch or the store. */
  #mark: number;
  #batch: RunBatch = emptyBatch();
  #scheduled = false;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  /** Last progress of each task since it was last written, by task number. */
  readonly #progress = new Map<number, number>();
  #progressWritten = 0;
  #progressTimer: ReturnType<typeof setTimeout> | undefined;
  #outboxSeq: number;
  /** Notifications in the batch: handed to the hub once the batch is written. */
  #unsent: Array<{ seq: number; record: OutboxRecord }> = [];
  /** Set while closing: messages the hub drops then stay in the outbox, to be sent after a restart. */
  #closing = false;
  #lastError: string | undefined;
  #closed = false;
  #warnedUnkept = false;

  constructor(store: RunStore, scheduler: Scheduler, hub: NotificationHub, state: { keys: readonly number[]; nextKey: number; mark: number; outboxSeq: number; grown?: ReadonlyMap<number, Array<[number, number]>> }) {
    this.store = store;
    this.#scheduler = scheduler;
    this.#hub = hub;
    this.#keys.push(...state.keys);
    for (const [key, blocks] of state.grown ?? []) this.#grown.set(key, blocks.slice());
    this.#nextKey = state.nextKey;
    this.#mark = state.mark;
    this.#outboxSeq = state.outboxSeq;
    scheduler.enableJournal();
  }

  /**
   * Writes an accepted job, with every change pending, before the scheduler takes it: when this
   * returns the job is in the store. Returns the job's key.
   * @throws StoreError when the write fails (the job is then not in the store)
   */
  writeJob(job: Job, record: { priority: number; failFast: boolean; created: number; maxRunning?: number }): number {
    // A store applies a batch's forgets last: a job forgotten this turn would still hold the Id
    // of a job resubmitted under it. Write the forgets first.
    if (this.#batch.forget.length > 0) this.flush();
    const key = this.#nextKey++;
    this.#batch.jobs.push({ key, id: job.Id, model: encodeJobModel(job), status: encodeJobStatus({ id: job.Id, ...record, cancelRequested: false }) });
    try {
      this.flush();
    } catch (err) {
      this.#batch.jobs = this.#batch.jobs.filter((j) => j.key !== key);
      throw err;
    }
    return key;
  }

  /** The scheduler took the job written under `key` (at position `index`). */
  bindJob(index: number, key: number): void {
    this.#keys[index] = key;
    // The scheduler stamped its own creation time: record that one.
    this.#batch.statuses.push({ key, status: this.#status(index, key) });
    this.schedule();
  }

  /** The job's record as stored: the scheduler's, and the blocks of tasks added to it. */
  #status(index: number, key: number): string {
    const grown = this.#grown.get(key);
    return encodeJobStatus(grown === undefined ? this.#scheduler.jobRecord(index) : { ...this.#scheduler.jobRecord(index), grown });
  }

  /**
   * Removes a job (forgotten by the scheduler at `index`) from the store with everything of its.
   * Its events not yet written go into the same batch first: the store applies forgets last.
   */
  forget(index: number): void {
    this.#collect();
    const key = this.#keys[index];
    if (key === undefined) return;
    this.#grown.delete(key);
    this.#batch.forget.push(key);
    this.schedule();
  }

  /** Output metadata of a completed task. @throws DataCloneError when it cannot be stored */
  output(job: Job, taskIndex: number, metadata: ReadonlyMap<number, unknown>): void {
    const data = encodeOutputs(metadata);
    const key = this.#keyOf(job);
    if (key === undefined) return;
    this.#batch.outputs.push({ job: key, task: taskIndex, value: data });
    this.schedule();
  }

  /** A retry's due time (epoch ms), or null once the task is back in the ready set. */
  due(job: Job, taskIndex: number, at: number | null): void {
    const key = this.#keyOf(job);
    if (key === undefined) return;
    this.#batch.due.push({ job: key, task: taskIndex, value: at });
    this.schedule();
  }

  progress(serial: number, percent: number): void {
    this.#progress.set(serial, percent);
    if (this.#progressTimer !== undefined) return;
    const wait = Math.max(0, this.#progressWritten + PROGRESS_INTERVAL_MS - Date.now());
    this.#progressTimer = setTimeout(() => {
      this.#progressTimer = undefined;
      this.schedule();
    }, wait);
    this.#progressTimer.unref?.();
  }

  /** Records a notification; it goes to the hub once recorded. */
  notify(record: OutboxRecord): void {
    const seq = ++this.#outboxSeq;
    this.#batch.outboxAdd.push({ seq, data: JSON.stringify(record) });
    this.#unsent.push({ seq, record });
    this.schedule();
  }

  /** Sends a notification read back from the store (recorded before a crash, never marked sent). */
  resend(seq: number, record: OutboxRecord): void {
    this.#send(seq, record);
  }

  /** Writes the new options and counters the engine keeps. */
  meta(key: string, value: string): void {
    this.#batch.meta.push({ key, value });
    this.schedule();
  }

  /**
   * Writes one meta entry now, with everything pending. If the write fails the entry is taken out
   * of the batch again (the rest stays pending), so that a refused record never lands later.
   * @throws StoreError when the write fails
   */
  writeMeta(key: string, value: string): void {
    const entry = { key, value };
    this.#batch.meta.push(entry);
    try {
      this.flush();
    } catch (err) {
      this.#batch.meta = this.#batch.meta.filter((m) => m !== entry);
      throw err;
    }
  }

  /** Whether the journal writes no more (closed, or abandoned): a change made now would not be kept. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Flushes at the end of this event-loop turn. */
  schedule(): void {
    if (this.#scheduled || this.#closed) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      if (this.#retryTimer === undefined && !this.#closed) this.#tryFlush();
    });
  }

  /**
   * Writes everything pending now, in one transaction.
   * @throws StoreError when the write fails: the batch stays pending, to be written by the next flush
   */
  flush(): void {
    if (this.#closed) throw new StoreError('STORE_CLOSED', this.store.location, `the store ${this.store.location} is closed`);
    this.#collect();
    if (isEmptyBatch(this.#batch)) return;
    const batch = this.#batch;
    this.store.write(batch);
    this.#batch = emptyBatch();
    this.#lastError = undefined;
    const unsent = this.#unsent;
    this.#unsent = [];
    for (const u of unsent) this.#send(u.seq, u.record);
  }

  /** Stops writing after one last flush; messages the hub drops while closing stay in the outbox. */
  beginClose(): void {
    this.#closing = true;
    this.#tryFlush(); // hands the hub what is recorded and unsent, so that the hub's flush delivers it and close() records it done
  }

  /**
   * No more writes, and no last flush: for an engine that failed to come up (its store is closed
   * next). Without it a flush already scheduled met the closed store and retried every second
   * for ever, keeping the process alive.
   */
  abandon(): void {
    clearTimeout(this.#retryTimer);
    clearTimeout(this.#progressTimer);
    this.#retryTimer = undefined;
    this.#progressTimer = undefined;
    this.#closed = true;
  }

  /** The last flush, then no more writes. @throws StoreError when that flush fails */
  close(): void {
    if (this.#closed) return;
    clearTimeout(this.#retryTimer);
    clearTimeout(this.#progressTimer);
    this.#retryTimer = undefined;
    this.#progressTimer = undefined;
    this.#progressWritten = 0; // the last values go out now
    try {
      this.flush();
    } finally {
      this.#closed = true;
    }
  }

  #tryFlush(): void {
    try {
      this.flush();
    } catch (err) {
      const text = err instanceof Error ? err.message : String(err);
      if (text !== this.#lastError) {
        this.#lastError = text;
        warn(`the engine could not write to its store ${this.store.location}; it tries again every ${RETRY_WRITE_MS / 1000} s and loses nothing meanwhile`, err);
      }
      this.#retryTimer = setTimeout(() => {
        this.#retryTimer = undefined;
        if (!this.#closed) this.#tryFlush();
      }, RETRY_WRITE_MS);
    }
  }

  /** Moves the scheduler's new events, ErrorDetails and job records, and due progress, into the batch. */
  #collect(): void {
    const s = this.#scheduler;
    if (s.eventCount > this.#mark) {
      const chunk = s.readJournal(this.#mark);
      this.#mark = chunk.to;
      const batch = this.#batch;
      const n = chunk.job.length;
      // Rows by job, in log order; most batches touch one job or a few.
      const rowsOf = new Map<number, number[]>();
      let lastJob = -1;
      let rows: number[] = [];
      for (let i = 0; i < n; i++) {
        const j = chunk.job[i]!;
        if (j !== lastJob) {
          lastJob = j;
          let list = rowsOf.get(j);
          if (list === undefined) rowsOf.set(j, (list = []));
          rows = list;
        }
        rows.push(i);
      }
      const errorsOf = new Map<number, Array<[number, { Code: string; Message: string }]>>();
      for (const [j, t, d] of chunk.errors) {
        const list = errorsOf.get(j);
        if (list) list.push([t, d]);
        else errorsOf.set(j, [[t, d]]);
      }
      const text = chunk.text.length === 0 ? undefined : new Map(chunk.text.map(([r, m, c]) => [r, [m, c] as [string, string | undefined]]));
      for (const [j, list] of rowsOf) {
        const key = this.#known(j);
        if (key !== undefined) batch.segments.push({ job: key, data: encodeSegment(chunk, list, errorsOf.get(j) ?? [], text) });
      }
      for (const [j, list] of errorsOf) {
        // ErrorDetails without events of their own in this batch (none today: every one comes with its event).
        const key = this.#known(j);
        if (!rowsOf.has(j) && key !== undefined) batch.segments.push({ job: key, data: encodeSegment(chunk, [], list, undefined) });
      }
      // Tasks added to jobs: appended to the job's segments (the model written at submit stays),
      // and the job's record says where each block stands in the order, with a key of its own
      // from the jobs' sequence. A block whose key follows the job's last block's, with nothing
      // between, extends it, taking the later key (nothing can sit between the two): a job grown
      // a task at a time keeps a record of one block.
      const addedOf = new Map<number, number>();
      for (const [j, count] of chunk.grown) {
        const key = this.#known(j);
        if (key === undefined) continue;
        addedOf.set(j, (addedOf.get(j) ?? 0) + count);
        let blocks = this.#grown.get(key);
        if (blocks === undefined) this.#grown.set(key, (blocks = []));
        const order = this.#nextKey++;
        const last = blocks[blocks.length - 1];
        if (last !== undefined && last[0] + 1 === order) blocks[blocks.length - 1] = [order, last[1] + count];
        else blocks.push([order, count]);
      }
      for (const [j, count] of addedOf) {
        const key = this.#known(j)!;
        const model = s.jobModel(s.jobRecord(j).id);
        batch.segments.push({ job: key, data: encodeAddedTasks(model, model.Tasks.length - count) });
        batch.statuses.push({ key, status: this.#status(j, key) });
      }
      for (const j of chunk.dirtyJobs) {
        const key = this.#known(j);
        if (key !== undefined) batch.statuses.push({ key, status: this.#status(j, key) });
      }
    }
    if (this.#progress.size > 0 && Date.now() - this.#progressWritten >= PROGRESS_INTERVAL_MS) {
      this.#progressWritten = Date.now();
      for (const [serial, value] of this.#progress) {
        let model;
        try {
          model = s.modelOf(serial);
        } catch {
          continue; // its job was forgotten meanwhile
        }
        const key = this.#keyOf(model.job);
        if (key !== undefined) this.#batch.progress.push({ job: key, task: model.task.index, value });
      }
      this.#progress.clear();
    }
  }

  /**
   * The store key of the job at position `j`, or undefined for a job that was never written: one
   * handed to `engine.scheduler.submit` directly, behind the engine's back. Such a job runs but is
   * not kept (said once); its changes must not stop the others' from being written.
   */
  #known(j: number): number | undefined {
    const key = this.#keys[j];
    if (key === undefined && !this.#warnedUnkept) {
      this.#warnedUnkept = true;
      process.emitWarning('jobgraph: a job was submitted to engine.scheduler directly: it runs, but the store does not keep it; submit through engine.submit', { code: 'JOBGRAPH_JOB_NOT_KEPT' });
    }
    return key;
  }

  #keyOf(job: Job): number | undefined {
    return this.#known(this.#scheduler.jobIndex(job.Id));
  }

  #send(seq: number, record: OutboxRecord): void {
    const settled = (dropped: boolean): void => {
      // Dropped by a closing hub: it stays in the outbox and goes out after a restart. Dropped for
      // any other reason (an unknown endpoint, a full outbox), it is done: sending it again would
      // meet the same fate.
      if (this.#closed || (dropped && this.#closing)) return;
      this.#batch.outboxDone.push(seq);
      this.schedule();
    };
    if (record.k === 'job') this.#hub.jobStateChanged(record.i, record.s, settled);
    else if (record.k === 'task') this.#hub.taskStateChanged(record.i, record.s, settled);
    else this.#hub.taskProgressed(record.i, record.s, settled);
  }
}
