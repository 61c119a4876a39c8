import { growFloat64, growInt32, growUint8 } from './growable.js';

/**
 * The historical events of every task, kept compactly: one row per event in typed arrays, linked
 * per task, with the rare message text in a side map. A million tasks make three or four million
 * events; as objects they would dominate the heap (and the time of `complete()`).
 */

/** Event codes as the service wrote them (reference §5), plus ours for retries, logs and restores. */
export const EVENT_CODES = [
  'Queued',
  'WaitingForFreeResources',
  'Scheduled',
  'Processing',
  'Finished',
  'Error',
  'Canceled',
  'Canceling',
  'Retrying',
  'Requeued',
  'Log',
] as const;
export type EventCode = (typeof EVENT_CODES)[number];

export const EV = {
  Queued: 0,
  WaitingForFreeResources: 1,
  Scheduled: 2,
  Processing: 3,
  Finished: 4,
  Error: 5,
  Canceled: 6,
  Canceling: 7,
  Retrying: 8,
  Requeued: 9,
  Log: 10,
} as const;

export interface HistoricalEvent {
  Code: string;
  Message: string;
  TimeStamp: string;
}

export class EventLog {
  #task = new Int32Array(0);
  #code = new Uint8Array(0);
  #time = new Float64Array(0);
  /** The task's previous event (a backward link: written at the new row, never at an old one). */
  #prev = new Int32Array(0);
  #last = new Int32Array(0);
  #size = 0;
  /** Free text, by event row, for the few events that carry one; custom codes too. */
  #messages = new Map<number, string>();
  #customCodes = new Map<number, string>();

  get size(): number {
    return this.#size;
  }

  /** Makes room for tasks [0, taskCount). */
  ensureTasks(taskCount: number): void {
    if (this.#last.length < taskCount) this.#last = growInt32(this.#last, taskCount, -1);
  }

  /**
   * Makes room for `rows` events in all. Growing a big typed array allocates a new one, and at a
   * million tasks each such allocation can set off a full garbage collection of the whole heap:
   * reserving for the events a job will surely log when it is submitted avoids them.
   */
  reserve(rows: number): void {
    if (this.#task.length >= rows) return;
    this.#task = growInt32(this.#task, rows);
    this.#code = growUint8(this.#code, rows);
    this.#time = growFloat64(this.#time, rows);
    this.#prev = growInt32(this.#prev, rows);
  }

  add(task: number, code: number, time: number, message?: string, customCode?: string): number {
    const row = this.#size;
    if (row === this.#task.length) {
      const n = row + 1;
      this.#task = growInt32(this.#task, n);
      this.#code = growUint8(this.#code, n);
      this.#time = growFloat64(this.#time, n);
      this.#prev = growInt32(this.#prev, n);
    }
    this.#task[row] = task;
    this.#code[row] = code;
    this.#time[row] = time;
    // Linking backwards writes only the new row: a forward link would write into the task's previous
    // event, far back in memory — a cache miss per event at a million tasks.
    this.#prev[row] = this.#last[task]!;
    this.#last[task] = row;
    this.#size = row + 1;
    if (message !== undefined && message !== '') this.#messages.set(row, message);
    if (customCode !== undefined) this.#customCodes.set(row, customCode);
    return row;
  }

  /** Drops the texts of a task's events (its job was forgotten): the rows stay, unread. */
  dropTexts(task: number): void {
    if (this.#messages.size === 0 && this.#customCodes.size === 0) return;
    for (let r = this.#last[task] ?? -1; r !== -1; r = this.#prev[r]!) {
      this.#messages.delete(r);
      this.#customCodes.delete(r);
    }
  }

  /** The events of one task, oldest first, in the reference's shape. */
  eventsOf(task: number): HistoricalEvent[] {
    const out: HistoricalEvent[] = [];
    for (let r = this.#last[task] ?? -1; r !== -1; r = this.#prev[r]!) {
      out.push({ Code: this.codeAt(r), Message: this.#messages.get(r) ?? '', TimeStamp: new Date(this.#time[r]!).toISOString() });
    }
    return out.reverse();
  }

  /** The columns of rows [from, to), copied (for a store's journal). */
  copyRows(from: number, to: number): { task: Int32Array; code: Uint8Array; time: Float64Array } {
    return { task: this.#task.slice(from, to), code: this.#code.slice(from, to), time: this.#time.slice(from, to) };
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
    return this.#customCodes.get(row) ?? EVENT_CODES[this.#code[row]!]!;
  }

  /** Every event in order as compact rows: [task, code, time, message?]. */
  rows(): Array<[number, number, number] | [number, number, number, string] | [number, number, number, string, string]> {
    const out: Array<[number, number, number] | [number, number, number, string] | [number, number, number, string, string]> = [];
    for (let r = 0; r < this.#size; r++) {
      const m = this.#messages.get(r);
      const c = this.#customCodes.get(r);
      if (c !== undefined) out.push([this.#task[r]!, this.#code[r]!, this.#time[r]!, m ?? '', c]);
      else if (m !== undefined) out.push([this.#task[r]!, this.#code[r]!, this.#time[r]!, m]);
      else out.push([this.#task[r]!, this.#code[r]!, this.#time[r]!]);
    }
    return out;
  }

  /** Bytes held by the typed arrays (for the benchmarks' memory figures). */
  get byteLength(): number {
    return this.#task.byteLength + this.#code.byteLength + this.#time.byteLength + this.#prev.byteLength + this.#last.byteLength;
  }
}
