import { TaskState } from '../job/enums.js';
import { growFloat64, growInt32, growUint8 } from './growable.js';
import { isoOf } from './views.js';

/**
 * The historical events of every task, kept compactly: one row per event in typed arrays, linked
 * per task, with the rare message text in a side map. A million tasks make three or four million
 * events; as objects they would dominate the heap (and the time of `complete()`).
 */

/**
 * Every event code, in code order, with the task state it leaves a task in (-1: it changes no
 * state). The service's codes (reference §5) come first, then ours for retries, restores and logs.
 * `EVENT_CODES`, `EV` and `STATE_OF_EVENT` are all derived from this one table.
 */
const EVENT_TABLE = [
  ['Queued', TaskState.Queued],
  /** A ready task whose pool (or the scheduler's concurrency) has no free slot: logged once per wait. */
  ['WaitingForFreeResources', TaskState.Scheduled],
  ['Scheduled', TaskState.Scheduled],
  ['Processing', TaskState.Processing],
  ['Finished', TaskState.Finished],
  ['Error', TaskState.Error],
  ['Canceled', TaskState.Canceled],
  ['Canceling', TaskState.Canceling],
  ['Retrying', -1],
  ['Requeued', TaskState.Scheduled],
  ['Log', -1],
  // Appended, never inserted: stores keep codes by number.
  /** A task that did not run because a producer failed or was canceled (DependencyAction `skip`). */
  ['Skipped', TaskState.Finished],
  /** `Scheduler.rerun`: an ended task goes back to waiting; the Queued or Scheduled event follows. */
  ['Rerun', -1],
] as const;

/** Event codes as the service wrote them (reference §5), plus ours for retries, logs and restores. */
export type EventCode = (typeof EVENT_TABLE)[number][0];
export const EVENT_CODES: readonly EventCode[] = EVENT_TABLE.map((row) => row[0]);

/** Each code's number, by name. */
export const EV: { readonly [K in EventCode]: number } = Object.freeze(Object.fromEntries(EVENT_TABLE.map((row, i) => [row[0], i])) as { [K in EventCode]: number });

/** The task state each event code leaves a task in; -1 for events that change no state (retries, logs). */
export const STATE_OF_EVENT: readonly number[] = EVENT_TABLE.map((row) => row[1]);

/** Rows per chunk of the log: 2^16 (1.1 MB a chunk). */
const SHIFT = 16;
const CHUNK = 1 << SHIFT;
const MASK = CHUNK - 1;

const WAITING = EV.WaitingForFreeResources;
const PROCESSING = EV.Processing;
const EV_CANCELING = EV.Canceling;
const LOG = EV.Log;

/** A task's times as its events tell them (see {@link EventLog.timesOf}); milliseconds. */
export interface TaskTimes {
  start: number;
  end: number;
  waited: number;
  ran: number;
  /** Processing events (starts, requeued ones included). */
  attempts: number;
  /** WaitingForFreeResources events. */
  waits: number;
}

export interface HistoricalEvent {
  Code: string;
  Message: string;
  TimeStamp: string;
}

export class EventLog {
  // Rows live in chunks of CHUNK rows (the first grows up to that size), so the log never copies a
  // big array to grow and holds no more than one chunk of room beyond what was promised. Per row:
  // the task, the code, and the task's previous row (a backward link, so linking writes only rows
  // past the last one linked, never an old one): 9 bytes. Logging writes the first two; the links
  // (and their chunks) are made when a reader first asks (see #link): 5 bytes a row until then.
  #tasks: Int32Array[] = [];
  #codes: Uint8Array[] = [];
  #prevs: Int32Array[] = [];
  // The chunk rows are being added to: rows [#base, #end).
  #task: Int32Array = new Int32Array(0);
  #code: Uint8Array = new Uint8Array(0);
  // Times are kept where the clock's reading changes, not per row: reading k holds from row
  // #changeRow[k] until the next change. A completion, the tasks it makes Scheduled and the start
  // that follows share one reading, and Date.now() moves once a millisecond, so there are far fewer
  // readings than rows. Bytes a drain writes for the first time are its main cost (a fresh page
  // costs more than the events written on it), and a time per row was half of them.
  #changeRow = new Int32Array(16);
  #changeTime = new Float64Array(16);
  #changes = 0;
  #lastTime = NaN;
  #base = 0;
  #end = 0;
  /**
   * Each task's last row, or -1, as of row {@link #linked}. Made (and grown) by the first link that
   * needs it, not by {@link ensureTasks}: a submit writes nothing here, and on this kind of machine
   * every fresh page a submit touches costs about 10 µs (grown a quarter at a time, with its -1
   * fill, it was 4 bytes a task held and about 20 written by the copies).
   */
  #last = new Int32Array(0);
  /**
   * Rows [0, #linked) are linked: their `prev`, and `#last`. Linking waits for a reader: a drain
   * that nobody reads while it runs writes 5 bytes an event instead of 9 and never touches `#last`
   * (at a million tasks, 12 MB of memory written for the first time).
   */
  #linked = 0;
  /** Each task's last code but Log (0 before any): what {@link waitLogged} asks, without linking. */
  #lastCode = new Uint8Array(0);
  #size = 0;
  /** Rows promised (see {@link promise}). */
  #promised = 0;
  /** Free text, by event row, for the few events that carry one; custom codes too. */
  #messages = new Map<number, string>();
  #customCodes = new Map<number, string>();

  get size(): number {
    return this.#size;
  }

  /** Makes room for tasks [0, taskCount). */
  ensureTasks(taskCount: number): void {
    if (this.#lastCode.length < taskCount) this.#lastCode = growUint8(this.#lastCode, taskCount);
  }

  /**
   * Promises `rows` more events: the log makes room for the events logged so far, those promised
   * before and these (see {@link reserve}). A scheduler promises, at submit, the events each task
   * will surely log, so that a drain of a million tasks never allocates.
   */
  promise(rows: number): void {
    this.#promised = Math.max(this.#promised, this.#size) + rows;
    this.reserve(this.#promised);
  }

  /**
   * Makes room for `rows` events in all. At a million tasks an allocation mid-run can set off a
   * full garbage collection of the whole heap (over a second): reserving for the events a job will
   * surely log when it is submitted avoids them.
   */
  reserve(rows: number): void {
    const first = Math.min(rows, CHUNK);
    if (this.#tasks.length === 0 || this.#tasks[0]!.length < first) this.#growFirst(first);
    while (this.#tasks.length * CHUNK < rows) {
      this.#tasks.push(new Int32Array(CHUNK));
      this.#codes.push(new Uint8Array(CHUNK));
    }
  }

  /** Grows the first chunk (the only one that grows) to `rows` rows at least, doubling, at most CHUNK. */
  #growFirst(rows: number): void {
    const had = this.#tasks.length > 0 ? this.#tasks[0]!.length : 0;
    const n = Math.min(CHUNK, Math.max(rows, had * 2, 16));
    this.#tasks[0] = growInt32(this.#tasks[0] ?? new Int32Array(0), n);
    this.#codes[0] = growUint8(this.#codes[0] ?? new Uint8Array(0), n);
    if (this.#base === 0) this.#enter(0);
  }

  /** Makes the chunk of `row` the current one, allocating it (or growing the first) if needed. */
  #enter(row: number): void {
    const k = row >>> SHIFT;
    if (k === 0 && (this.#tasks.length === 0 || this.#tasks[0]!.length <= row)) {
      this.#growFirst(row + 1);
      return;
    }
    if (k >= this.#tasks.length) this.reserve((k + 1) * CHUNK);
    this.#task = this.#tasks[k]!;
    this.#code = this.#codes[k]!;
    this.#base = k * CHUNK;
    this.#end = this.#base + this.#task.length;
  }

  /** Logs an event without text (the hot path: kept small enough to be inlined). @returns its row. */
  add(task: number, code: number, time: number): number {
    const row = this.#size;
    if (row === this.#end) this.#enter(row);
    const i = row - this.#base;
    this.#task[i] = task;
    this.#code[i] = code;
    if (time !== this.#lastTime) this.#changed(row, time);
    if (code !== LOG) this.#lastCode[task] = code;
    this.#size = row + 1;
    return row;
  }

  /**
   * Links the rows added since the last reader asked (see {@link #linked}): each row's previous row
   * of its task, and each task's last row. Every reader of a task's events calls it first.
   */
  #link(): void {
    const size = this.#size;
    let r = this.#linked;
    if (r === size) return;
    // Room for every task the log has room for (a row's task is below it), made when first needed.
    if (this.#last.length < this.#lastCode.length) this.#last = growInt32(this.#last, this.#lastCode.length, -1);
    const last = this.#last;
    while (r < size) {
      const k = r >>> SHIFT;
      const tasks = this.#tasks[k]!;
      const prevs = this.#prevChunk(k);
      const end = Math.min(size, (k + 1) * CHUNK);
      for (let i = r & MASK; r < end; r++, i++) {
        const task = tasks[i]!;
        prevs[i] = last[task]!;
        last[task] = r;
      }
    }
    this.#linked = size;
  }

  /** The links of chunk `k`, made (or grown, for the first chunk, which grows) when first linked. */
  #prevChunk(k: number): Int32Array {
    return (this.#prevs[k] = growInt32(this.#prevs[k] ?? new Int32Array(0), this.#tasks[k]!.length));
  }

  /** The clock's reading changed at `row`. */
  #changed(row: number, time: number): void {
    const k = this.#changes;
    if (k === this.#changeRow.length) {
      this.#changeRow = growInt32(this.#changeRow, k * 2);
      this.#changeTime = growFloat64(this.#changeTime, k * 2);
    }
    this.#changeRow[k] = row;
    this.#changeTime[k] = time;
    this.#changes = k + 1;
    this.#lastTime = time;
  }

  /**
   * As {@link add} of `code` for each task of `list[0, k)`, each followed by `then` unless it is 0,
   * all at `time`: one loop for a bulk release (neither code may be Log).
   */
  addEach(list: Int32Array, k: number, code: number, time: number, then: number): void {
    if (k === 0) return;
    if (time !== this.#lastTime) this.#changed(this.#size, time);
    const lastCode = this.#lastCode;
    const last = then !== 0 ? then : code;
    // The chunk in locals, read again only when the rows move to the next one: this runs cold, over
    // thousands of tasks at once (the tasks a fan-out released), where each field read is a call.
    let row = this.#size;
    let taskRows = this.#task;
    let codeRows = this.#code;
    let base = this.#base;
    let end = this.#end;
    const rowsEach = then !== 0 ? 2 : 1;
    for (let n = 0; n < k; n++) {
      const task = list[n]!;
      for (let r = 0; r < rowsEach; r++) {
        if (row === end) {
          this.#enter(row);
          taskRows = this.#task;
          codeRows = this.#code;
          base = this.#base;
          end = this.#end;
        }
        taskRows[row - base] = task;
        codeRows[row - base] = r === 0 ? code : then;
        row++;
      }
      lastCode[task] = last;
    }
    this.#size = row;
  }


  /** Logs an event with a message (kept unless empty) and, for a processor's log, its own code. */
  addText(task: number, code: number, time: number, message: string | undefined, customCode?: string): number {
    const row = this.add(task, code, time);
    if (message !== undefined && message !== '') this.#messages.set(row, message);
    if (customCode !== undefined) this.#customCodes.set(row, customCode);
    return row;
  }

  #codeOf(row: number): number {
    return this.#codes[row >>> SHIFT]![row & MASK]!;
  }

  /** The time of a row: the reading of the last change at or before it. */
  #timeOf(row: number): number {
    return this.#changeTime[this.#changeIndex(row)]!;
  }

  #prevOf(row: number): number {
    return this.#prevs[row >>> SHIFT]![row & MASK]!;
  }

  #taskOf(row: number): number {
    return this.#tasks[row >>> SHIFT]![row & MASK]!;
  }

  /**
   * Whether the task's current wait for a slot was logged: its last event, logs aside, is
   * WaitingForFreeResources (any change of state logs an event after it).
   */
  waitLogged(task: number): boolean {
    return this.#lastCode[task] === WAITING;
  }

  /** Each task's last code but Log, by serial (see {@link waitLogged}): for loops over many tasks. Replaced when it grows. */
  get lastCodes(): Uint8Array {
    return this.#lastCode;
  }

  /**
   * What the task's events say of its times: the first start (NaN if it never started), the end of
   * its final state (NaN unless `final`), and the milliseconds it waited for a slot
   * (WaitingForFreeResources until it started, or was taken out of the ready set) and ran (each
   * attempt until it ended, was retried or requeued); an interval still open counts up to `now()`,
   * which is called only then.
   */
  timesOf(task: number, final: boolean, now: () => number): TaskTimes {
    this.#link();
    const rows: number[] = [];
    for (let r = this.#last[task] ?? -1; r !== -1; r = this.#prevOf(r)) rows.push(r);
    let start = NaN;
    let end = NaN;
    let waited = 0;
    let ran = 0;
    let attempts = 0;
    let waits = 0;
    let waitFrom = NaN;
    let runFrom = NaN;
    for (let k = rows.length - 1; k >= 0; k--) {
      const r = rows[k]!;
      const c = this.#codeOf(r);
      const t = this.#timeOf(r);
      if (c === LOG) continue;
      if (c === WAITING) {
        waits++;
        if (Number.isNaN(waitFrom)) waitFrom = t;
        continue;
      }
      if (!Number.isNaN(waitFrom)) {
        waited += t - waitFrom;
        waitFrom = NaN;
      }
      if (!Number.isNaN(runFrom) && c !== EV_CANCELING) {
        ran += t - runFrom;
        runFrom = NaN;
      }
      if (c === PROCESSING) {
        attempts++;
        runFrom = t;
        if (Number.isNaN(start)) start = t;
      }
      if (final && Number.isNaN(end) && STATE_OF_EVENT[c]! >= TaskState.Finished && STATE_OF_EVENT[c]! <= TaskState.Canceled) end = t;
    }
    if (!Number.isNaN(waitFrom)) waited += Math.max(0, now() - waitFrom);
    if (!Number.isNaN(runFrom)) ran += Math.max(0, now() - runFrom);
    return { start, end, waited, ran, attempts, waits };
  }

  /** Drops the texts of a task's events (its job was forgotten): the rows stay, unread. */
  dropTexts(task: number): void {
    if (this.#messages.size === 0 && this.#customCodes.size === 0) return;
    this.#link();
    for (let r = this.#last[task] ?? -1; r !== -1; r = this.#prevOf(r)) {
      this.#messages.delete(r);
      this.#customCodes.delete(r);
    }
  }

  /** The events of one task, oldest first, in the reference's shape. */
  eventsOf(task: number): HistoricalEvent[] {
    this.#link();
    const out: HistoricalEvent[] = [];
    for (let r = this.#last[task] ?? -1; r !== -1; r = this.#prevOf(r)) {
      out.push({ Code: this.codeAt(r), Message: this.#messages.get(r) ?? '', TimeStamp: isoOf(this.#timeOf(r)) });
    }
    return out.reverse();
  }

  /** The columns of rows [from, to), copied (for a store's journal). */
  copyRows(from: number, to: number): { task: Int32Array; code: Uint8Array; time: Float64Array } {
    const n = Math.max(0, to - from);
    const task = new Int32Array(n);
    const code = new Uint8Array(n);
    for (let r = from; r < to; ) {
      const k = r >>> SHIFT;
      const i = r & MASK;
      const m = Math.min(to - r, this.#tasks[k]!.length - i);
      task.set(this.#tasks[k]!.subarray(i, i + m), r - from);
      code.set(this.#codes[k]!.subarray(i, i + m), r - from);
      r += m;
    }
    return { task, code, time: this.#timesOfRows(from, n) };
  }

  /** The times of rows [from, from + n), walking the changes once. */
  #timesOfRows(from: number, n: number): Float64Array {
    const time = new Float64Array(n);
    if (n === 0) return time;
    const rows = this.#changeRow;
    const times = this.#changeTime;
    let k = this.#changeIndex(from);
    for (let i = 0; i < n; i++) {
      while (k + 1 < this.#changes && rows[k + 1]! <= from + i) k++;
      time[i] = times[k]!;
    }
    return time;
  }

  /** The index of the change a row's time comes from (binary search). */
  #changeIndex(row: number): number {
    const rows = this.#changeRow;
    let lo = 0;
    let hi = this.#changes - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (rows[mid]! <= row) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** The free text of a row, if it has one. */
  messageAt(row: number): string | undefined {
    return this.#messages.get(row);
  }

  /** The custom code of a row (a processor's log), if it has one. */
  customCodeAt(row: number): string | undefined {
    return this.#customCodes.get(row);
  }

  codeAt(row: number): string {
    return this.#customCodes.get(row) ?? EVENT_CODES[this.#codeOf(row)]!;
  }

  /** Every event in order as compact rows: [task, code, time, message?]. */
  rows(): Array<[number, number, number] | [number, number, number, string] | [number, number, number, string, string]> {
    const out: Array<[number, number, number] | [number, number, number, string] | [number, number, number, string, string]> = [];
    const times = this.#timesOfRows(0, this.#size);
    for (let r = 0; r < this.#size; r++) {
      const m = this.#messages.get(r);
      const c = this.#customCodes.get(r);
      const row: [number, number, number] = [this.#taskOf(r), this.#codeOf(r), times[r]!];
      if (c !== undefined) out.push([...row, m ?? '', c]);
      else if (m !== undefined) out.push([...row, m]);
      else out.push(row);
    }
    return out;
  }

  /** Bytes held by the typed arrays (for the benchmarks' memory figures). */
  get byteLength(): number {
    let bytes = this.#last.byteLength;
    for (let k = 0; k < this.#tasks.length; k++) bytes += this.#tasks[k]!.byteLength + this.#codes[k]!.byteLength + (this.#prevs[k]?.byteLength ?? 0);
    return bytes + this.#changeRow.byteLength + this.#changeTime.byteLength;
  }
}
