import { describeValue } from '../errors.js';
import { StoreError, type RunBatch, type RunStore, type StoredJob, type StoredRun, type TaskValue } from './run-store.js';

const LOCATION = ':memory:';

/**
 * A {@link RunStore} in plain JS structures, with the same semantics as SqliteStore: the same
 * order of operations within a batch, the same refusals (a batch SQLite would refuse is refused
 * here, whole, before anything is applied), the same order of what `load()` returns. Nothing
 * survives the process; an engine can be reopened on the same instance, though.
 */
export class MemoryStore implements RunStore {
  readonly location = LOCATION;
  #closed = false;
  readonly #jobs = new Map<number, StoredJob>();
  readonly #ids = new Set<string>();
  readonly #segments = new Map<number, Uint8Array[]>();
  readonly #progress = new Map<number, Map<number, number>>();
  readonly #due = new Map<number, Map<number, number>>();
  readonly #outputs = new Map<number, Map<number, Uint8Array>>();
  readonly #outbox = new Map<number, string>();
  readonly #meta = new Map<string, string>();

  /** Copies of everything written: changing them does not change the store. */
  load(): StoredRun {
    this.#check();
    const jobs = [...this.#jobs.values()].sort((a, b) => a.key - b.key).map((j) => ({ ...j }));
    const segments = new Map<number, Uint8Array[]>();
    for (const [job, list] of this.#segments) segments.set(job, list.map(copy));
    const outbox = [...this.#outbox].sort((a, b) => a[0] - b[0]).map(([seq, data]) => ({ seq, data }));
    // SQLite orders TEXT keys by their UTF-8 bytes, which is code point order.
    const meta = new Map([...this.#meta].sort((a, b) => compareCodePoints(a[0], b[0])));
    return {
      jobs,
      segments,
      progress: flatten(this.#progress, (v) => v),
      due: flatten(this.#due, (v) => v),
      outputs: flatten(this.#outputs, copy),
      outbox,
      meta,
    };
  }

  write(batch: RunBatch): void {
    this.#check();
    try {
      this.#validate(batch);
    } catch (err) {
      throw new StoreError('STORE_WRITE_FAILED', LOCATION, `${LOCATION}: a write failed (${err instanceof Error ? err.message : String(err)}); nothing of the batch was written`, {
        cause: err,
      });
    }
    // Same order as SqliteStore's transaction; numbers pass through `+ 0`, which turns -0 into 0, as SQLite does.
    for (const j of batch.jobs) {
      this.#jobs.set(j.key + 0, { key: j.key + 0, id: j.id, model: j.model, status: j.status });
      this.#ids.add(j.id);
    }
    for (const u of batch.statuses) {
      const job = this.#jobs.get(u.key);
      if (job !== undefined) job.status = u.status;
    }
    for (const u of batch.models) {
      const job = this.#jobs.get(u.key);
      if (job !== undefined) job.model = u.model;
    }
    for (const g of batch.segments) {
      let list = this.#segments.get(g.job + 0);
      if (list === undefined) this.#segments.set(g.job + 0, (list = []));
      list.push(copy(g.data));
    }
    for (const p of batch.progress) perJob(this.#progress, p.job).set(p.task + 0, p.value + 0);
    for (const o of batch.outputs) perJob(this.#outputs, o.job).set(o.task + 0, copy(o.value));
    for (const d of batch.due) {
      if (d.value === null) this.#due.get(d.job)?.delete(d.task);
      else perJob(this.#due, d.job).set(d.task + 0, d.value + 0);
    }
    for (const m of batch.outboxAdd) this.#outbox.set(m.seq + 0, m.data);
    for (const seq of batch.outboxDone) this.#outbox.delete(seq);
    for (const m of batch.meta) this.#meta.set(m.key, m.value);
    for (const key of batch.forget) {
      const job = this.#jobs.get(key);
      if (job !== undefined) this.#ids.delete(job.id);
      this.#jobs.delete(key);
      this.#segments.delete(key);
      this.#progress.delete(key);
      this.#due.delete(key);
      this.#outputs.delete(key);
    }
  }

  close(): void {
    this.#closed = true;
  }

  /**
   * Throws where SqliteStore's transaction would fail: a job key or Id already stored (or repeated
   * in the batch), an outbox seq already there, a value of the wrong type (STRICT tables), a NaN
   * (stored as NULL into a NOT NULL column), a string with a lone surrogate. Inserts come before
   * any removal in a batch, so checking against the current content plus the batch's own inserts
   * is exact.
   */
  #validate(b: RunBatch): void {
    const keys = new Set<number>();
    const ids = new Set<string>();
    for (const j of b.jobs) {
      integer(j.key, 'jobs.key');
      text(j.id, 'jobs.id');
      text(j.model, 'jobs.model');
      text(j.status, 'jobs.status');
      if (this.#jobs.has(j.key) || keys.has(j.key)) throw new Error(`job key ${j.key} is already stored`);
      if (this.#ids.has(j.id) || ids.has(j.id)) throw new Error(`job Id ${j.id} is already stored`);
      keys.add(j.key);
      ids.add(j.id);
    }
    for (const u of b.statuses) text(u.status, 'jobs.status');
    for (const u of b.models) text(u.model, 'models.model');
    for (const g of b.segments) {
      integer(g.job, 'segments.job');
      blob(g.data, 'segments.data');
    }
    for (const p of b.progress) taskValue(p, 'progress', real);
    for (const o of b.outputs) taskValue(o, 'outputs', blob);
    for (const d of b.due) {
      if (d.value !== null) taskValue(d, 'due', real);
    }
    const seqs = new Set<number>();
    for (const m of b.outboxAdd) {
      integer(m.seq, 'outbox.seq');
      text(m.data, 'outbox.data');
      if (this.#outbox.has(m.seq) || seqs.has(m.seq)) throw new Error(`outbox seq ${m.seq} is already stored`);
      seqs.add(m.seq);
    }
    for (const m of b.meta) {
      text(m.key, 'meta.key');
      text(m.value, 'meta.value');
    }
  }

  #check(): void {
    if (this.#closed) throw new StoreError('STORE_CLOSED', LOCATION, `the store at ${LOCATION} was closed; use a new MemoryStore`);
  }
}

/** A copy in a fresh Uint8Array (a Buffer's `slice()` would be a view on the caller's memory). */
function copy(d: Uint8Array): Uint8Array {
  return new Uint8Array(d);
}

function perJob<T>(map: Map<number, Map<number, T>>, job: number): Map<number, T> {
  let m = map.get(job + 0);
  if (m === undefined) map.set(job + 0, (m = new Map()));
  return m;
}

/** By job, then task: the order of SqliteStore's (job, task) primary keys. */
function flatten<T>(map: Map<number, Map<number, T>>, copy: (v: T) => T): Array<TaskValue<T>> {
  const out: Array<TaskValue<T>> = [];
  for (const job of [...map.keys()].sort((a, b) => a - b)) {
    const tasks = map.get(job)!;
    for (const task of [...tasks.keys()].sort((a, b) => a - b)) out.push({ job, task, value: copy(tasks.get(task)!) });
  }
  return out;
}

function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; ) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x - y;
    i += x > 0xffff ? 2 : 1;
  }
  return a.length - b.length;
}

function taskValue<T>(v: TaskValue<T>, table: string, check: (value: unknown, column: string) => void): void {
  integer(v.job, `${table}.job`);
  integer(v.task, `${table}.task`);
  check(v.value, `${table}.value`);
}

/** What a STRICT INTEGER column takes from a JS number: an integer within 64 bits. */
function integer(v: unknown, column: string): void {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < -(2 ** 63) || v >= 2 ** 63) throw new Error(`${column} must be an integer, got ${describeValue(v)}`);
}

function real(v: unknown, column: string): void {
  if (typeof v !== 'number' || Number.isNaN(v)) throw new Error(`${column} must be a number, got ${describeValue(v)}`);
}

function blob(v: unknown, column: string): void {
  if (!(v instanceof Uint8Array)) throw new Error(`${column} must be a Uint8Array, got ${describeValue(v)}`);
}

function text(v: unknown, column: string): void {
  if (typeof v !== 'string' || !v.isWellFormed()) throw new Error(`${column} must be a well-formed string, got ${describeValue(v)}`);
}
