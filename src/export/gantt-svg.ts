/**
 * A schedule as an SVG Gantt chart: bars on a time axis in a row per slot grouped by pool, in lanes
 * per job, or in a row per task (see gantt-rows.ts), with the wait before each task shaded and the
 * critical path outlined; or, when there are too many rows or bars to draw one by one, each pool as
 * a band of busy slots over time.
 * The output is one self-contained, deterministic SVG string (same input → same bytes).
 */

import { ArgumentRangeError, ArgumentTypeError, checkObject, describeValue } from '../errors.js';
import {
  assignJobColors,
  CANCELED_COLOR,
  compareStrings,
  FAILED_COLOR,
  GRID,
  hashString,
  INK,
  INK_MUTED,
  OTHER_COLOR,
  outlineOf,
  priorityColor,
  textColorOn,
} from './colors.js';
import { IndexHeap } from '../core/ready-heap.js';
import { displayUnitFor, escapeXml, formatNumber, formatTime, n, n1, niceTicks, truncate, type DisplayUnit, type TimeUnit } from './svg.js';
import { jobRows, shownStart, taskRows, type GanttRows, type RowGroup, type RowLayout } from './gantt-rows.js';
import { fitText, textWidth } from './text-width.js';
import { utilisation } from '../simulate/stats.js';

export { GANTT_ROWS, type GanttRows } from './gantt-rows.js';

/** One task's run on one slot of a pool. Times are in {@link GanttInput.timeUnit}. */
export interface GanttBar {
  taskId: string;
  /** Shown in the bar and its tooltip (usually the task name). */
  label: string;
  jobId: string;
  jobLabel?: string;
  /** The pool (reserved-unit type, media processor) the task ran in. */
  pool: string;
  priority: number;
  start: number;
  end: number;
  state: 'Finished' | 'Error' | 'Canceled';
  /** The slot (0-based) within the pool; assigned by greedy interval partitioning when absent. */
  slot?: number;
  /**
   * Slots the task holds (the Weight extension), counted in "% busy" and the aggregate bands; it
   * is drawn in its first slot. @defaultValue 1
   */
  weight?: number;
  /** When the task was ready to start (its inputs done); the wait until `start` is shaded in the job and task views. */
  ready?: number;
  /** On the schedule's critical path: outlined, and named in the legend. */
  critical?: boolean;
}

/** What to draw. */
export interface GanttInput {
  bars: GanttBar[];
  /**
   * The pools and their capacity, in the order to draw them. Pools that bars name but this list
   * does not (or lists with 0 slots, such as `"(global)"`) still get rows for what ran there.
   */
  pools: Array<{ name: string; slots: number }>;
  title?: string;
  /** The unit of `start` and `end`. @defaultValue `'s'` */
  timeUnit?: 'ms' | 's' | 'min';
  /**
   * Time zero of the schedule, from which its makespan (and so its utilisation) is measured: a
   * simulation's 0, when its first job arrived. @defaultValue the first bar's start
   */
  origin?: number;
}

/** How to draw it. */
export interface GanttOptions {
  /** Colour bars by job (categorical, stable per job id) or by priority (sequential). @defaultValue `'job'` */
  colorBy?: 'job' | 'priority';
  /**
   * The rows of the bar view: a row per slot of each pool, lanes per job, or a row per task grouped
   * by job. The job and task views shade each task's wait and label the rows with job (and task)
   * names. @defaultValue `'slots'`
   */
  rows?: GanttRows;
  /** Width of the SVG in px. @defaultValue 1000 */
  width?: number;
  /** Above this many rows, pools are drawn as utilisation bands. @defaultValue 60 slot rows, 600 job lanes or task rows */
  maxRows?: number;
  /** Height of one row in px. @defaultValue 18 for slots, 14 for job lanes and task rows */
  rowHeight?: number;
  /** Above this many bars, pools are drawn as utilisation bands. @defaultValue 2500 */
  maxBars?: number;
  /**
   * Prefix of the ids inside the SVG (patterns, gradients), so several charts can share one HTML
   * page. Letters, digits, `-` and `_`, starting with a letter. @defaultValue derived from the input
   */
  idPrefix?: string;
  /** Colours for job ids (`#rrggbb`), overriding the palette; a report passes one map to all its charts. */
  jobColors?: Readonly<Record<string, string>>;
}

/** Default of {@link GanttOptions.maxRows} for slot rows. */
export const DEFAULT_MAX_ROWS = 60;
/** Default of {@link GanttOptions.maxRows} for job lanes and task rows: they are read by scrolling. */
export const DEFAULT_MAX_ROWS_PER_TASK = 600;
/** Default of {@link GanttOptions.maxBars}: 2,500 bars make an SVG of about 1 MB. */
export const DEFAULT_MAX_BARS = 2500;

const CALL = 'renderGanttSvg';
const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Liberation Sans', 'DejaVu Sans', Arial, sans-serif";
const FONT_SIZE = 11;
const PAD = 12;
const LEGEND_LINE = 18;
const AXIS_TOP = 20;
const AXIS_BOTTOM = 34;
// Jobs drawn as their own band in aggregate mode; the rest are grouped as "other jobs".
const AGG_CATEGORIES = 8;
// Jobs listed one by one in the legend of the slot view (it wraps onto as many lines as they need).
const LEGEND_JOBS = 40;
// The critical path's outline, and the fill of a wait.
const CRITICAL_COLOR = '#000000';
const WAIT_COLOR = '#8a94a6';
// One area for all jobs when no handful of jobs dominates (aggregate mode).
const ALL_JOBS_COLOR = '#6b8fb8';
// The per-bucket peak line over the mean areas.
const PEAK_COLOR = '#1f2d3d';

interface Resolved {
  colorBy: 'job' | 'priority';
  rows: GanttRows;
  width: number;
  maxRows: number;
  rowHeight: number;
  maxBars: number;
  idPrefix: string;
  jobColors: Readonly<Record<string, string>> | undefined;
}

interface PoolRows {
  name: string;
  /** Declared capacity (0 when unknown). */
  declared: number;
  /** Indices into `input.bars`. */
  bars: number[];
  /** Rows drawn in bar mode: max(declared, highest slot + 1). */
  rows: number;
}

interface LegendItem {
  kind: 'swatch' | 'failed' | 'canceled' | 'gradient' | 'text' | 'line' | 'dashed' | 'wait' | 'critical';
  label: string;
  fill?: string;
  /** For 'gradient': the labels at its ends. */
  lo?: string;
  hi?: string;
}

/**
 * Renders a schedule as a standalone SVG Gantt chart.
 *
 * Bar mode (`data-mode="bars"`): one row per slot, grouped by pool, one `<rect data-bar>` per task
 * with a `<title>` tooltip; failed tasks hatched and outlined red, canceled ones grey. Aggregate
 * mode (`data-mode="aggregate"`, chosen when the slot rows exceed `maxRows` or the bars exceed
 * `maxBars`): each pool becomes a band (`class="agg-row"`) showing the mean busy slots per time
 * bucket, stacked by job (the 8 busiest, then "other jobs") or by priority, with the root attribute
 * `data-aggregated-bars="N"` and no `data-bar` element.
 *
 * @param input - Bars, pools and an optional title and time unit.
 * @param options - Colouring, size and the aggregation thresholds.
 * @returns The SVG document as a string (with `xmlns`, no XML declaration), ready to save as
 *   `.svg` or to inline into HTML.
 * @throws RangeError (`ERR_OUT_OF_RANGE`) if a bar's start, end or priority is not finite, its end
 *   is before its start, or its slot is not an integer >= 0; if a pool's slots are not a number >= 0
 *   or `origin` is not finite; or if an option is out of range
 * @throws TypeError (`ERR_INVALID_ARG_TYPE`) if `input` is not `{ bars, pools }` with arrays, a pool
 *   is not `{ name, slots }`, a bar is not an object with string `taskId`, `label`, `jobId` and
 *   `pool`, `title` is not a string, or `options` or `jobColors` is not an object;
 *   (`ERR_INVALID_ARG_VALUE`) if `timeUnit` is not 'ms', 's' or 'min', a bar's `state` is not
 *   'Finished', 'Error' or 'Canceled', or `idPrefix`, `colorBy` or `rows` is not one the chart knows
 * @example
 * ```ts
 * const svg = renderGanttSvg({
 *   pools: [{ name: 'S1', slots: 2 }],
 *   bars: [{ taskId: 't1', label: 'Encode', jobId: 'j1', pool: 'S1', priority: 0, start: 0, end: 30, state: 'Finished' }],
 *   timeUnit: 's',
 * });
 * await writeFile('schedule.svg', svg);
 * ```
 */
export function renderGanttSvg(input: GanttInput, options: GanttOptions = {}): string {
  checkInput(input);
  checkObject(CALL, '`options`', options);
  const opts = resolveOptions(input, options);
  const bars = input.bars;
  validateBars(bars);
  const unit: TimeUnit = input.timeUnit ?? 's';
  const pools = groupPools(input);

  if (bars.length > opts.maxBars) return renderAggregate(input, pools, unit, opts);
  let layout: RowLayout;
  if (opts.rows === 'slots') {
    const slots = assignGanttSlots(input);
    layout = slotRows(pools, slots, opts.maxRows);
  } else {
    layout = opts.rows === 'jobs' ? jobRows(bars) : taskRows(bars);
  }
  return layout.rows > opts.maxRows ? renderAggregate(input, pools, unit, opts) : renderBars(input, pools, layout, unit, opts);
}

/**
 * A row per slot of each pool: as many as the pool declares, or more if bars need them. Row labels
 * only when the rows will be drawn (at most `maxRows` in all): a pool of 10^9 declared slots is
 * drawn aggregated, and a label per slot was 10^9 strings (out of memory).
 */
function slotRows(pools: PoolRows[], slots: Int32Array, maxRows: number): RowLayout {
  const rowOf = new Int32Array(slots.length);
  let row = 0;
  for (const p of pools) {
    let rows = p.declared;
    for (const i of p.bars) rows = Math.max(rows, slots[i]! + 1);
    p.rows = rows;
    for (const i of p.bars) rowOf[i] = row + slots[i]!;
    row += rows;
  }
  const labelled = row <= maxRows;
  const groups: RowGroup[] = pools.map((p) => {
    const rows = p.rows;
    const cap = p.declared > 0 ? `${p.declared} slot${p.declared === 1 ? '' : 's'}${rows > p.declared ? ` (+${rows - p.declared})` : ''}` : 'no set capacity';
    const g: RowGroup = { key: p.name, label: p.name, rows, declared: p.declared, sub: cap };
    if (labelled && rows > 1) g.rowLabels = Array.from({ length: rows }, (_, r) => String(r));
    return g;
  });
  return { view: 'slots', groups, rowOf, rows: row };
}

/**
 * The slot of every bar (by index in `input.bars`): its own `slot` when it has one; otherwise the
 * first slot of its pool that is free at its start, taking bars in order of start (then end, then
 * task id), which uses no more slots than the most bars running at once. Times are half-open
 * `[start, end)`, so a bar may start in the slot another ends in at the same instant. A slot given
 * explicitly is never shared with an overlapping bar placed here. Takes O(n log n) time for n bars
 * (however many have a given slot), as long as their times are numbers other than NaN.
 *
 * @param input - The bars; pools are told apart by `bar.pool`.
 * @returns The slot of each bar, by its index in `input.bars`.
 * @throws TypeError (`ERR_INVALID_ARG_TYPE`) if `input` is not an object, `bars` is not an array, or
 *   a bar is not an object
 * @example
 * ```ts
 * const bar = (start: number, end: number): GanttBar =>
 *   ({ taskId: `t${start}`, label: '', jobId: 'j', pool: 'P', priority: 0, start, end, state: 'Finished' });
 * assignGanttSlots({ bars: [bar(0, 10), bar(2, 4), bar(4, 6)] }); // Int32Array [0, 1, 1]
 * ```
 */
export function assignGanttSlots(input: Pick<GanttInput, 'bars'>): Int32Array {
  const call = 'assignGanttSlots';
  checkObject(call, '`input`', input, '{ bars }');
  const bars = input.bars;
  if (!Array.isArray(bars)) throw new ArgumentTypeError(`${call}: expected \`bars\` to be an array, got ${describeValue(bars)}`);
  for (let i = 0; i < bars.length; i++) {
    const b: unknown = bars[i];
    checkObject(call, `bar #${i}`, b);
  }
  const out = new Int32Array(bars.length);
  const byPool = new Map<string, number[]>();
  for (let i = 0; i < bars.length; i++) {
    const b = bars[i]!;
    let list = byPool.get(b.pool);
    if (list === undefined) byPool.set(b.pool, (list = []));
    list.push(i);
  }
  for (const list of byPool.values()) assignPoolSlots(bars, list, out);
  return out;
}

function assignPoolSlots(bars: readonly GanttBar[], list: number[], out: Int32Array): void {
  // Fixed slots first: they constrain where the others may go.
  const fixed = new Map<number, number[]>();
  const free: number[] = [];
  let unordered = false;
  for (const i of list) {
    const b = bars[i]!;
    const s = b.slot;
    if (s === undefined) {
      free.push(i);
      if (typeof b.start !== 'number' || typeof b.end !== 'number' || Number.isNaN(b.start) || Number.isNaN(b.end)) unordered = true;
    } else {
      if (typeof b.start !== 'number' || typeof b.end !== 'number') unordered = true;
      out[i] = s;
      let f = fixed.get(s);
      if (f === undefined) fixed.set(s, (f = []));
      f.push(i);
    }
  }
  if (free.length === 0) return;
  free.sort((a, b) => compareBars(bars, a, b));
  // A slot number is at most one past every free bar and every fixed slot a candidate can collide with.
  const capacity = free.length + fixed.size + 1;
  if (fixed.size === 0) placeFree(bars, free, out, capacity);
  else if (unordered) placeAroundFixedByScan(bars, free, fixed, out, capacity);
  else placeAroundFixed(bars, free, fixed, out, capacity);
}

/** Each bar (in order) in the lowest slot free at its start. busy: slots in use, by (end, slot); idle: free slot numbers. */
function placeFree(bars: readonly GanttBar[], free: readonly number[], out: Int32Array, capacity: number): void {
  const busyEnd = new Float64Array(capacity);
  const busy = new IndexHeap(capacity, (a, b) => busyEnd[a]! < busyEnd[b]! || (busyEnd[a] === busyEnd[b] && a < b));
  const idle = new IndexHeap(capacity, (a, b) => a < b);
  let nextSlot = 0;
  for (const i of free) {
    const b = bars[i]!;
    while (busy.size > 0 && busyEnd[busy.peek()]! <= b.start) idle.push(busy.pop());
    const slot = idle.size > 0 ? idle.pop() : nextSlot++;
    out[i] = slot;
    busyEnd[slot] = b.end;
    busy.push(slot);
  }
}

/**
 * Bar `[s, e)` collides with fixed bar `[fs, fe)` when `fs < e && s < fe`, or, for an instant
 * (`s === e`), when `fs === s < fe`: that is, when some fixed bar with `fe > s` has `fs < e`
 * (`fs <= s` for an instant). Free bars come in order of start, so a sweep drops the fixed bars
 * with `fe <= s` as `s` grows, and each slot keeps the least `fs` of the rest (`m`). The slot of a
 * bar is the lowest one not busy with `m >= e` (`m > s` for an instant), found in a tree over the
 * slots of the most `m` among idle ones: O(log) a bar instead of a test of every slot.
 * Needs the free bars' times to be numbers (not NaN) so that they are in order of start.
 */
function placeAroundFixed(bars: readonly GanttBar[], free: readonly number[], fixed: ReadonlyMap<number, number[]>, out: Int32Array, capacity: number): void {
  // The fixed bars that can collide: in a slot that may be a candidate (an integer in [0, capacity))
  // and with numbers for times (a NaN compares false, so never collides); by slot, then by end.
  const perSlot = new Int32Array(capacity + 1);
  let count = 0;
  for (const [slot, f] of fixed) {
    if (!Number.isInteger(slot) || slot < 0 || slot >= capacity) continue;
    for (const j of f) {
      const o = bars[j]!;
      if (Number.isNaN(o.start) || Number.isNaN(o.end)) continue;
      perSlot[slot + 1]!++;
      count++;
    }
  }
  for (let k = 0; k < capacity; k++) perSlot[k + 1]! += perSlot[k]!;
  const fixedStart = new Float64Array(count);
  const fixedEnd = new Float64Array(count);
  const fixedSlot = new Int32Array(count);
  {
    const at = perSlot.slice(0, capacity);
    for (const [slot, f] of fixed) {
      if (!Number.isInteger(slot) || slot < 0 || slot >= capacity) continue;
      for (const j of f) {
        const o = bars[j]!;
        if (Number.isNaN(o.start) || Number.isNaN(o.end)) continue;
        const p = at[slot]!++;
        fixedStart[p] = o.start;
        fixedEnd[p] = o.end;
        fixedSlot[p] = slot;
      }
    }
  }
  // byEnd: positions by end (ties by position, so by slot); in each slot's range, positions are
  // re-laid in that order, and leastStart[p] is the least start from p to the slot's last.
  const byEnd = Int32Array.from({ length: count }, (_, p) => p).sort((a, b) => fixedEnd[a]! - fixedEnd[b]! || a - b);
  const order = new Int32Array(count);
  {
    const at = perSlot.slice(0, capacity);
    for (const p of byEnd) order[at[fixedSlot[p]!]!++] = p;
  }
  const leastStart = new Float64Array(count);
  for (let k = 0; k < capacity; k++) {
    let least = Infinity;
    for (let q = perSlot[k + 1]! - 1; q >= perSlot[k]!; q--) leastStart[q] = least = Math.min(least, fixedStart[order[q]!]!);
  }
  const dropped = new Int32Array(capacity);
  // m[k]: the least start of the fixed bars of slot k not yet dropped (Infinity for none).
  const m = new Float64Array(capacity);
  for (let k = 0; k < capacity; k++) m[k] = perSlot[k + 1]! > perSlot[k]! ? leastStart[perSlot[k]!]! : Infinity;
  // tree: the most m among the idle slots below each node; NaN where all are busy.
  let leaves = 1;
  while (leaves < capacity) leaves *= 2;
  const tree = new Float64Array(2 * leaves).fill(NaN);
  const most = (a: number, b: number): number => (a !== a ? b : b !== b ? a : a > b ? a : b);
  for (let k = 0; k < capacity; k++) tree[leaves + k] = m[k]!;
  for (let v = leaves - 1; v >= 1; v--) tree[v] = most(tree[2 * v]!, tree[2 * v + 1]!);
  const set = (k: number, value: number): void => {
    let v = leaves + k;
    tree[v] = value;
    for (v >>= 1; v >= 1; v >>= 1) tree[v] = most(tree[2 * v]!, tree[2 * v + 1]!);
  };
  // The lowest idle slot with m >= t (m > t when strict). There always is one: at most
  // free.length - 1 slots are busy and fixed.size collide.
  const lowest = (t: number, strict: boolean): number => {
    const fits = (x: number): boolean => (strict ? x > t : x >= t);
    let v = 1;
    while (v < leaves) v = fits(tree[2 * v]!) ? 2 * v : 2 * v + 1;
    return v - leaves;
  };

  const busyEnd = new Float64Array(capacity);
  const isBusy = new Uint8Array(capacity);
  const busy = new IndexHeap(capacity, (a, b) => busyEnd[a]! < busyEnd[b]! || (busyEnd[a] === busyEnd[b] && a < b));
  let next = 0; // in byEnd: the fixed bars before it are dropped
  for (const i of free) {
    const b = bars[i]!;
    const s = b.start;
    const e = b.end;
    while (busy.size > 0 && busyEnd[busy.peek()]! <= s) {
      const k = busy.pop();
      isBusy[k] = 0;
      set(k, m[k]!);
    }
    while (next < count && fixedEnd[byEnd[next]!]! <= s) {
      const k = fixedSlot[byEnd[next++]!]!;
      const q = perSlot[k]! + ++dropped[k]!;
      m[k] = q < perSlot[k + 1]! ? leastStart[q]! : Infinity;
      if (isBusy[k] === 0) set(k, m[k]!);
    }
    // An instant at +Infinity collides with nothing (no fixed bar ends after it).
    const slot = s !== e ? lowest(e, false) : s === Infinity ? lowest(-Infinity, false) : lowest(s, true);
    out[i] = slot;
    busyEnd[slot] = e;
    isBusy[slot] = 1;
    set(slot, NaN);
    busy.push(slot);
  }
}

/**
 * As {@link placeAroundFixed}, by trying the slots lowest first and testing each against every
 * fixed bar in it: quadratic, kept for times that are not numbers (or NaN), which have no order.
 */
function placeAroundFixedByScan(bars: readonly GanttBar[], free: readonly number[], fixed: ReadonlyMap<number, number[]>, out: Int32Array, capacity: number): void {
  const conflicts = (slot: number, i: number): boolean => {
    const f = fixed.get(slot);
    if (f === undefined) return false;
    const s = bars[i]!.start;
    const e = bars[i]!.end;
    for (const j of f) {
      const o = bars[j]!;
      if (o.start < e && s < o.end) return true;
      if (s === e && o.start === s && o.end > s) return true;
    }
    return false;
  };
  const busyEnd = new Float64Array(capacity);
  const busy = new IndexHeap(capacity, (a, b) => busyEnd[a]! < busyEnd[b]! || (busyEnd[a] === busyEnd[b] && a < b));
  const idle = new IndexHeap(capacity, (a, b) => a < b);
  let nextSlot = 0;
  const setAside: number[] = [];
  for (const i of free) {
    const b = bars[i]!;
    while (busy.size > 0 && busyEnd[busy.peek()]! <= b.start) idle.push(busy.pop());
    let slot = -1;
    while (slot < 0) {
      const candidate = idle.size > 0 ? idle.pop() : nextSlot++;
      if (conflicts(candidate, i)) setAside.push(candidate);
      else slot = candidate;
    }
    for (const c of setAside) idle.push(c);
    setAside.length = 0;
    out[i] = slot;
    busyEnd[slot] = b.end;
    busy.push(slot);
  }
}

function compareBars(bars: readonly GanttBar[], a: number, b: number): number {
  const x = bars[a]!;
  const y = bars[b]!;
  return x.start - y.start || x.end - y.end || compareStrings(x.taskId, y.taskId) || a - b;
}

function resolveOptions(input: GanttInput, o: GanttOptions): Resolved {
  const num = (name: string, v: number | undefined, def: number, min: number, integer: boolean): number => {
    if (v === undefined) return def;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || (integer && !Number.isInteger(v))) {
      throw new ArgumentRangeError(`${CALL}: expected \`${name}\` to be ${integer ? 'an integer' : 'a number'} >= ${min}, got ${describeValue(v)}`);
    }
    return v;
  };
  if (o.colorBy !== undefined && o.colorBy !== 'job' && o.colorBy !== 'priority') {
    throw new ArgumentTypeError(`${CALL}: expected \`colorBy\` to be 'job' or 'priority', got ${describeValue(o.colorBy)}`, 'ERR_INVALID_ARG_VALUE');
  }
  let idPrefix = o.idPrefix;
  if (idPrefix === undefined) {
    idPrefix = 'jg' + hashString(`${input.title ?? ''}|${input.bars.length}|${input.pools.map((p) => p.name).join('|')}`).toString(36) + '-';
  } else if (!/^[A-Za-z][\w-]*$/.test(idPrefix)) {
    throw new ArgumentTypeError(`${CALL}: expected \`idPrefix\` to be letters, digits, '-' or '_' starting with a letter, got ${describeValue(idPrefix)}`, 'ERR_INVALID_ARG_VALUE');
  }
  if (o.rows !== undefined && o.rows !== 'slots' && o.rows !== 'jobs' && o.rows !== 'tasks') {
    throw new ArgumentTypeError(`${CALL}: expected \`rows\` to be 'slots', 'jobs' or 'tasks', got ${describeValue(o.rows)}`, 'ERR_INVALID_ARG_VALUE');
  }
  if (o.jobColors !== undefined && (typeof o.jobColors !== 'object' || o.jobColors === null || Array.isArray(o.jobColors))) {
    throw new ArgumentTypeError(`${CALL}: expected \`jobColors\` to be an object of job id → '#rrggbb', got ${describeValue(o.jobColors)}`);
  }
  const rows = o.rows ?? 'slots';
  return {
    colorBy: o.colorBy ?? 'job',
    rows,
    width: num('width', o.width, 1000, 320, false),
    maxRows: num('maxRows', o.maxRows, rows === 'slots' ? DEFAULT_MAX_ROWS : DEFAULT_MAX_ROWS_PER_TASK, 1, true),
    rowHeight: num('rowHeight', o.rowHeight, rows === 'slots' ? 18 : 14, 4, false),
    maxBars: num('maxBars', o.maxBars, DEFAULT_MAX_BARS, 0, true),
    idPrefix,
    jobColors: o.jobColors,
  };
}

const TIME_UNITS: readonly string[] = ['ms', 's', 'min'];

/**
 * The input's shape, before anything reads it: what is not an object, an array or a known unit
 * would otherwise crash somewhere inside, or (an unknown `timeUnit`) draw an axis of NaN.
 */
function checkInput(input: GanttInput): void {
  checkObject(CALL, '`input`', input, '{ bars, pools }');
  if (!Array.isArray(input.bars)) throw new ArgumentTypeError(`${CALL}: expected \`bars\` to be an array, got ${describeValue(input.bars)}`);
  if (!Array.isArray(input.pools)) throw new ArgumentTypeError(`${CALL}: expected \`pools\` to be an array of { name, slots }, got ${describeValue(input.pools)}`);
  input.pools.forEach((p: unknown, i) => {
    const pool = p as { name?: unknown; slots?: unknown } | null;
    if (typeof pool !== 'object' || pool === null || typeof pool.name !== 'string') throw new ArgumentTypeError(`${CALL}: expected \`pools[${i}]\` to be { name: a string, slots: a number >= 0 }, got ${describeValue(p)}`);
    if (typeof pool.slots !== 'number' || !(pool.slots >= 0)) throw new ArgumentRangeError(`${CALL}: expected \`pools[${i}].slots\` (pool ${JSON.stringify(pool.name)}) to be a number >= 0, got ${describeValue(pool.slots)}`);
  });
  if (input.timeUnit !== undefined && !TIME_UNITS.includes(input.timeUnit)) {
    throw new ArgumentTypeError(`${CALL}: expected \`timeUnit\` to be 'ms', 's' or 'min', got ${describeValue(input.timeUnit)}`, 'ERR_INVALID_ARG_VALUE');
  }
  if (input.title !== undefined && typeof input.title !== 'string') throw new ArgumentTypeError(`${CALL}: expected \`title\` to be a string, got ${describeValue(input.title)}`);
  if (input.origin !== undefined && !(typeof input.origin === 'number' && Number.isFinite(input.origin))) {
    throw new ArgumentRangeError(`${CALL}: expected \`origin\` to be a finite number, got ${describeValue(input.origin)}`);
  }
}

function validateBars(bars: readonly GanttBar[]): void {
  for (let i = 0; i < bars.length; i++) {
    const b = bars[i]!;
    checkObject(CALL, `bar #${i}`, b);
    const what = `${CALL}: bar #${i} (task ${JSON.stringify(b.taskId)})`;
    for (const key of ['taskId', 'label', 'jobId', 'pool'] as const) {
      if (typeof b[key] !== 'string') throw new ArgumentTypeError(`${what} has a ${key} of ${describeValue(b[key])}; expected a string`);
    }
    if (typeof b.start !== 'number' || !Number.isFinite(b.start)) throw new ArgumentRangeError(`${what} has a start of ${describeValue(b.start)}; expected a finite number`);
    if (typeof b.end !== 'number' || !Number.isFinite(b.end)) throw new ArgumentRangeError(`${what} has an end of ${describeValue(b.end)}; expected a finite number`);
    if (typeof b.priority !== 'number' || !Number.isFinite(b.priority)) throw new ArgumentRangeError(`${what} has a priority of ${describeValue(b.priority)}; expected a finite number`);
    if (b.state !== 'Finished' && b.state !== 'Error' && b.state !== 'Canceled') {
      throw new ArgumentTypeError(`${what} has a state of ${describeValue(b.state)}; expected 'Finished', 'Error' or 'Canceled'`, 'ERR_INVALID_ARG_VALUE');
    }
    if (b.end < b.start) throw new ArgumentRangeError(`${what} ends at ${b.end}, before its start ${b.start}; swap them or drop the bar`);
    if (b.slot !== undefined && !(Number.isInteger(b.slot) && b.slot >= 0)) throw new ArgumentRangeError(`${what} has a slot of ${describeValue(b.slot)}; expected an integer >= 0 or none`);
    if (b.weight !== undefined && !(typeof b.weight === 'number' && Number.isFinite(b.weight) && b.weight > 0)) throw new ArgumentRangeError(`${what} has a weight of ${describeValue(b.weight)}; expected a number > 0 or none`);
    if (b.ready !== undefined && !(typeof b.ready === 'number' && Number.isFinite(b.ready) && b.ready <= b.start)) throw new ArgumentRangeError(`${what} has a ready time of ${describeValue(b.ready)}; expected a finite number no later than its start, or none`);
  }
}

function groupPools(input: GanttInput): PoolRows[] {
  const out: PoolRows[] = [];
  const byName = new Map<string, PoolRows>();
  for (const p of input.pools) {
    const existing = byName.get(p.name);
    const declared = Number.isFinite(p.slots) && p.slots > 0 ? Math.floor(p.slots) : 0;
    if (existing !== undefined) {
      existing.declared = Math.max(existing.declared, declared);
      continue;
    }
    const row: PoolRows = { name: p.name, declared, bars: [], rows: declared };
    byName.set(p.name, row);
    out.push(row);
  }
  const extra: PoolRows[] = [];
  input.bars.forEach((b, i) => {
    let p = byName.get(b.pool);
    if (p === undefined) {
      p = { name: b.pool, declared: 0, bars: [], rows: 0 };
      byName.set(b.pool, p);
      extra.push(p);
    }
    p.bars.push(i);
  });
  extra.sort((a, b) => compareStrings(a.name, b.name));
  // A listed pool with no capacity and nothing run draws nothing.
  return [...out, ...extra].filter((p) => p.declared > 0 || p.bars.length > 0);
}

// ---------------------------------------------------------------------------------------------
// Shared frame: header, legend, axis

interface Frame {
  width: number;
  labelW: number;
  plotX: number;
  plotW: number;
  t0: number;
  t1: number;
  ticks: ReturnType<typeof niceTicks>;
  axisUnit: DisplayUnit;
  x: (t: number) => number;
}

/** The label column's width for pool names, bold, with room for slot numbers. */
function poolLabelWidth(pools: readonly PoolRows[], min: number): number {
  const longest = pools.reduce((m, p) => Math.max(m, textWidth(p.name, FONT_SIZE, true)), 0);
  return Math.ceil(Math.min(230, Math.max(min, longest + PAD + 26)));
}

function timeFrame(input: GanttInput, labelW: number, unit: TimeUnit, width: number, withWaits: boolean): Frame {
  let lo = input.origin !== undefined && Number.isFinite(input.origin) ? input.origin : Infinity;
  let hi = -Infinity;
  for (const b of input.bars) {
    const s = withWaits ? shownStart(b) : b.start;
    if (s < lo) lo = s;
    if (b.end > hi) hi = b.end;
  }
  if (hi === -Infinity) hi = lo;
  if (lo === Infinity) {
    lo = 0;
    hi = 1;
  }
  // Start the axis at 0 when the schedule starts near it, so runs line up; not for epoch times.
  if (lo > 0 && lo <= (hi - lo) * 0.25) lo = 0;
  const plotX = labelW;
  const plotW = width - labelW - PAD - 8;
  const axisUnit = displayUnitFor(hi - lo, unit);
  // Ticks in display units, so they fall on 1-2-5 steps of what is printed.
  const dt = niceTicks(lo * axisUnit.factor, hi * axisUnit.factor, Math.max(2, Math.floor(plotW / 90)));
  const t0 = dt.start / axisUnit.factor;
  const t1 = dt.end / axisUnit.factor;
  const scale = plotW / (t1 - t0);
  return { width, labelW, plotX, plotW, t0, t1, ticks: dt, axisUnit, x: (t) => plotX + (t - t0) * scale };
}

function layoutLegend(items: readonly LegendItem[], width: number): { lines: LegendItem[][]; widths: Map<LegendItem, number> } {
  const widths = new Map<LegendItem, number>();
  const lines: LegendItem[][] = [];
  let line: LegendItem[] = [];
  let used = 0;
  const avail = width - 2 * PAD;
  for (const it of items) {
    const tw = (t: string): number => textWidth(t, FONT_SIZE);
    // An item wider than a line gets a line of its own and is cut to it.
    if (tw(it.label) + 34 > avail) it.label = fitText(it.label, avail - 34, FONT_SIZE);
    const w = it.kind === 'gradient' ? tw(it.label) + tw(it.lo!) + tw(it.hi!) + 100 : it.kind === 'text' ? tw(it.label) + 14 : tw(it.label) + 40;
    widths.set(it, w);
    if (line.length > 0 && used + w > avail) {
      lines.push(line);
      line = [];
      used = 0;
    }
    line.push(it);
    used += w;
  }
  if (line.length > 0) lines.push(line);
  return { lines, widths };
}

function drawLegend(lines: LegendItem[][], widths: Map<LegendItem, number>, top: number, p: string): string {
  let out = '<g class="legend">';
  lines.forEach((line, li) => {
    let x = PAD;
    const y = top + li * LEGEND_LINE;
    for (const it of line) {
      const ty = y + 12;
      if (it.kind === 'text') {
        out += `<text x="${n(x)}" y="${n(ty)}" fill="${INK_MUTED}">${escapeXml(it.label)}</text>`;
      } else if (it.kind === 'line' || it.kind === 'dashed') {
        out += `<line x1="${n(x)}" y1="${n(y + 8.5)}" x2="${n(x + 20)}" y2="${n(y + 8.5)}" stroke="${it.fill!}"${it.kind === 'dashed' ? ' stroke-dasharray="4 3"' : ' stroke-width="1.5"'}/>`;
        out += `<text x="${n(x + 26)}" y="${n(ty)}" fill="${INK}">${escapeXml(it.label)}</text>`;
      } else if (it.kind === 'gradient') {
        out += `<text x="${n(x)}" y="${n(ty)}" fill="${INK}">${escapeXml(it.label)}</text>`;
        let gx = x + textWidth(it.label, FONT_SIZE) + 8;
        out += `<text x="${n(gx)}" y="${n(ty)}" fill="${INK_MUTED}">${escapeXml(it.lo!)}</text>`;
        gx += textWidth(it.lo!, FONT_SIZE) + 4;
        out += `<rect x="${n(gx)}" y="${n(y + 3)}" width="60" height="11" fill="url(#${p}prio)" stroke="${GRID}"/>`;
        out += `<text x="${n(gx + 64)}" y="${n(ty)}" fill="${INK_MUTED}">${escapeXml(it.hi!)}</text>`;
      } else if (it.kind === 'wait') {
        out += `<rect x="${n(x)}" y="${n(y + 3)}" width="20" height="11" fill="url(#${p}wait)" stroke="${WAIT_COLOR}" stroke-width="0.6"/>`;
        out += `<text x="${n(x + 26)}" y="${n(ty)}" fill="${INK}">${escapeXml(it.label)}</text>`;
      } else if (it.kind === 'critical') {
        out += `<rect x="${n(x + 1)}" y="${n(y + 4)}" width="18" height="9" rx="2" fill="#ffffff" stroke="${CRITICAL_COLOR}" stroke-width="2"/>`;
        out += `<text x="${n(x + 26)}" y="${n(ty)}" fill="${INK}">${escapeXml(it.label)}</text>`;
      } else {
        const fill = it.kind === 'canceled' ? CANCELED_COLOR : it.kind === 'failed' ? '#ffffff' : it.fill!;
        out += `<rect x="${n(x)}" y="${n(y + 3)}" width="20" height="11" rx="2" fill="${fill}" stroke="${it.kind === 'failed' ? FAILED_COLOR : it.kind === 'canceled' ? '#8a8a8a' : outlineOf(fill)}"${it.kind === 'canceled' ? ' stroke-dasharray="3 2"' : ''}${it.kind === 'failed' ? ' stroke-width="1.5"' : ''}/>`;
        if (it.kind === 'failed') out += `<rect x="${n(x)}" y="${n(y + 3)}" width="20" height="11" fill="url(#${p}hatch)"/>`;
        out += `<text x="${n(x + 26)}" y="${n(ty)}" fill="${INK}">${escapeXml(it.label)}</text>`;
      }
      x += widths.get(it)!;
    }
  });
  return out + '</g>';
}

function drawAxis(f: Frame, top: number, bottom: number): string {
  let out = '<g class="axis">';
  const { values, decimals } = f.ticks;
  for (const v of values) {
    const x = f.x(v / f.axisUnit.factor);
    const label = formatNumber(v, decimals);
    out += `<line x1="${n(x)}" y1="${n(top)}" x2="${n(x)}" y2="${n(bottom)}" stroke="${GRID}"/>`;
    out += `<text data-tick="" x="${n(x)}" y="${n(top - 6)}" text-anchor="middle" fill="${INK_MUTED}">${escapeXml(label)}</text>`;
    out += `<text x="${n(x)}" y="${n(bottom + 14)}" text-anchor="middle" fill="${INK_MUTED}">${escapeXml(label)}</text>`;
  }
  out += `<line x1="${n(f.plotX)}" y1="${n(bottom)}" x2="${n(f.plotX + f.plotW)}" y2="${n(bottom)}" stroke="${INK_MUTED}"/>`;
  out += `<text class="axis-unit" x="${n(f.plotX + f.plotW / 2)}" y="${n(bottom + 29)}" text-anchor="middle" fill="${INK}">time (${f.axisUnit.unit})</text>`;
  return out + '</g>';
}

function header(input: GanttInput, bars: readonly GanttBar[], pools: readonly PoolRows[], f: Frame, unit: TimeUnit): { svg: string; height: number; summary: string } {
  let lo = Infinity;
  let hi = -Infinity;
  let failed = 0;
  let canceled = 0;
  for (const b of bars) {
    lo = Math.min(lo, b.start);
    hi = Math.max(hi, b.end);
    if (b.state === 'Error') failed++;
    else if (b.state === 'Canceled') canceled++;
  }
  const parts = [`${formatNumber(bars.length)} task${bars.length === 1 ? '' : 's'}`, `${pools.length} pool${pools.length === 1 ? '' : 's'}`];
  const origin = input.origin !== undefined && Number.isFinite(input.origin) ? Math.min(input.origin, lo) : lo;
  if (bars.length > 0) parts.push(`makespan ${formatTime(hi - origin, unit)}`);
  // The same figure as the simulator's table and report: busy slot-time ÷ (capacity × makespan).
  if (bars.length > 0 && pools.length > 0 && pools.every((p) => p.declared > 0)) {
    let busy = 0;
    // Slot-time, as the simulator counts it: a task of weight 2 keeps two slots busy.
    for (const b of bars) busy += (b.end - b.start) * (b.weight ?? 1);
    const capacity = pools.reduce((c, p) => c + p.declared, 0);
    parts.push(`${formatNumber(100 * utilisation(busy, capacity, hi - origin), 1, true)} % busy`);
  }
  if (failed > 0) parts.push(`${formatNumber(failed)} failed`);
  if (canceled > 0) parts.push(`${formatNumber(canceled)} canceled`);
  const summary = parts.join(' · ');
  let svg = '';
  let height = PAD;
  if (input.title !== undefined && input.title !== '') {
    const maxChars = Math.max(10, Math.floor((f.width - 2 * PAD) / 8.5) - summary.length - 4);
    svg += `<text class="title" x="${PAD}" y="${n(height + 14)}" font-size="15" font-weight="600" fill="${INK}">${escapeXml(truncate(input.title, maxChars))}</text>`;
    svg += `<text class="summary" x="${n(f.width - PAD)}" y="${n(height + 14)}" text-anchor="end" fill="${INK_MUTED}">${escapeXml(summary)}</text>`;
    height += 24;
  } else {
    svg += `<text class="summary" x="${PAD}" y="${n(height + 12)}" fill="${INK_MUTED}">${escapeXml(summary)}</text>`;
    height += 20;
  }
  return { svg, height, summary };
}

function defs(p: string, withGradient: boolean): string {
  let out = '<defs>';
  out += `<pattern id="${p}wait" patternUnits="userSpaceOnUse" width="5" height="5" patternTransform="rotate(45)"><rect width="5" height="5" fill="#eef0f4"/><line x1="0" y1="0" x2="0" y2="5" stroke="${WAIT_COLOR}" stroke-width="1.2"/></pattern>`;
  out += `<pattern id="${p}hatch" patternUnits="userSpaceOnUse" width="6" height="6" patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="6" stroke="${FAILED_COLOR}" stroke-width="2.4"/></pattern>`;
  if (withGradient) {
    out += `<linearGradient id="${p}prio" x1="0" x2="1" y1="0" y2="0">`;
    for (let k = 0; k <= 8; k++) out += `<stop offset="${n(k / 8)}" stop-color="${priorityColor(k, 0, 8)}"/>`;
    out += '</linearGradient>';
  }
  return out + '</defs>';
}

function openSvg(width: number, height: number, mode: 'bars' | 'aggregate', label: string, extra: string): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="jobgraph-gantt" width="${n(width)}" height="${n(height)}" viewBox="0 0 ${n(width)} ${n(height)}"` +
    ` role="img" aria-label="${escapeXml(label)}" data-mode="${mode}"${extra} font-family="${escapeXml(FONT)}" font-size="11">` +
    `<rect width="100%" height="100%" fill="#ffffff"/>`
  );
}

function jobColorMap(bars: readonly GanttBar[], opts: Resolved): Map<string, string> {
  const colors = assignJobColors(bars.map((b) => b.jobId));
  if (opts.jobColors !== undefined) {
    for (const [k, v] of Object.entries(opts.jobColors)) if (/^#[0-9a-fA-F]{6}$/.test(v)) colors.set(k, v);
  }
  return colors;
}

interface JobInfo {
  id: string;
  label: string;
  first: number;
  busy: number;
}

function jobsInOrder(bars: readonly GanttBar[]): JobInfo[] {
  const jobs = new Map<string, JobInfo>();
  for (const b of bars) {
    const j = jobs.get(b.jobId);
    if (j === undefined) jobs.set(b.jobId, { id: b.jobId, label: b.jobLabel ?? b.jobId, first: b.start, busy: b.end - b.start });
    else {
      j.first = Math.min(j.first, b.start);
      j.busy += b.end - b.start;
    }
  }
  return [...jobs.values()].sort((a, b) => a.first - b.first || compareStrings(a.id, b.id));
}

function priorityRange(bars: readonly GanttBar[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const b of bars) {
    if (b.priority < lo) lo = b.priority;
    if (b.priority > hi) hi = b.priority;
  }
  return lo === Infinity || !Number.isFinite(lo) || !Number.isFinite(hi) ? [0, 0] : [lo, hi];
}

function stateItems(bars: readonly GanttBar[]): LegendItem[] {
  let failed = 0;
  let canceled = 0;
  for (const b of bars) {
    if (b.state === 'Error') failed++;
    else if (b.state === 'Canceled') canceled++;
  }
  const out: LegendItem[] = [];
  if (failed > 0) out.push({ kind: 'failed', label: `failed (${formatNumber(failed)})` });
  if (canceled > 0) out.push({ kind: 'canceled', label: `canceled (${formatNumber(canceled)})` });
  return out;
}

function poolLabel(name: string, width: number): string {
  if (textWidth(name, FONT_SIZE, true) <= width) return name;
  // Middle-out: pool names are often media processor ids that differ only at the end.
  const cut = (k: number): string => name.slice(0, Math.ceil(k / 2)) + '…' + name.slice(name.length - Math.floor(k / 2));
  // The most characters kept (at least 1) that fit. Each step keeps one more, so the width only
  // grows with k: a binary search, where trying every k from the end was quadratic (a 64,000-character
  // pool name took 29 s).
  if (name.length < 2) return cut(name.length - 1);
  let lo = 1;
  let hi = name.length - 1;
  while (lo < hi) {
    const mid = lo + Math.ceil((hi - lo) / 2);
    if (textWidth(cut(mid), FONT_SIZE, true) > width) hi = mid - 1;
    else lo = mid;
  }
  return cut(lo);
}

// ---------------------------------------------------------------------------------------------
// Bar mode

function renderBars(input: GanttInput, pools: readonly PoolRows[], layout: RowLayout, unit: TimeUnit, opts: Resolved): string {
  const bars = input.bars;
  const p = opts.idPrefix;
  const rh = opts.rowHeight;
  const view = layout.view;
  // Waits are drawn where a row holds one task at a time (jobs, tasks); in a slot row the wait of
  // a task falls under the task before it.
  const withWaits = view !== 'slots';
  const widths = labelColumns(layout, pools, view);
  const f = timeFrame(input, widths.total, unit, opts.width, withWaits);
  const head = header(input, bars, pools, f, unit);

  const legend: LegendItem[] = [];
  let colorOf: (b: GanttBar) => string;
  if (opts.colorBy === 'priority') {
    const [lo, hi] = priorityRange(bars);
    colorOf = (b) => priorityColor(b.priority, lo, hi);
    if (bars.length > 0) {
      if (lo === hi) legend.push({ kind: 'swatch', fill: priorityColor(lo, lo, hi), label: `priority ${formatNumber(lo)}` });
      else legend.push({ kind: 'gradient', label: 'priority', lo: formatNumber(lo), hi: formatNumber(hi) });
    }
  } else {
    const colors = jobColorMap(bars, opts);
    colorOf = (b) => colors.get(b.jobId)!;
    // The job and task views name each job beside its rows: the colours need no key there.
    if (view === 'slots') {
      const jobs = jobsInOrder(bars);
      const shown = jobs.length > LEGEND_JOBS ? jobs.slice(0, LEGEND_JOBS - 1) : jobs;
      for (const j of shown) legend.push({ kind: 'swatch', fill: colors.get(j.id)!, label: truncate(j.label, 28) });
      if (shown.length < jobs.length) legend.push({ kind: 'text', label: `… and ${formatNumber(jobs.length - shown.length)} more jobs (hover a bar)` });
    }
  }
  let waits = 0;
  let critical = 0;
  for (const b of bars) {
    if (b.ready !== undefined && b.ready < b.start) waits++;
    if (b.critical === true) critical++;
  }
  if (withWaits && waits > 0) legend.push({ kind: 'wait', label: 'waiting for a slot (ready, not started)' });
  if (critical > 0) legend.push({ kind: 'critical', label: `critical path (${formatNumber(critical)} task${critical === 1 ? '' : 's'}): the chain that ends last, each held by the one before` });
  legend.push(...stateItems(bars));
  const { lines, widths: itemWidths } = layoutLegend(legend, opts.width);

  const legendTop = head.height;
  const plotTop = legendTop + lines.length * LEGEND_LINE + 6 + AXIS_TOP;
  const emptyH = 48;
  const plotH = layout.rows > 0 ? layout.rows * rh : emptyH;
  const plotBottom = plotTop + plotH;
  const height = plotBottom + AXIS_BOTTOM + PAD;

  let out = openSvg(opts.width, height, 'bars', `Gantt chart${input.title ? `: ${input.title}` : ''} (${head.summary})`, ` data-bars="${bars.length}" data-rows="${view}" data-plot-x="${n(f.plotX)}"`);
  out += defs(p, opts.colorBy === 'priority');
  out += head.svg;
  out += drawLegend(lines, itemWidths, legendTop, p);

  // Row backgrounds, group labels and separators.
  out += '<g class="rows">';
  const groupAttr = view === 'slots' ? 'data-pool' : 'data-job';
  const rowFont = rh >= 16 ? 11 : 10;
  let row = 0;
  layout.groups.forEach((g, gi) => {
    const y0 = plotTop + row * rh;
    const h = g.rows * rh;
    out += `<g class="${view === 'slots' ? 'pool' : 'job'}" ${groupAttr}="${escapeXml(g.key)}">`;
    for (let r = 0; r < g.rows; r++) {
      if ((row + r) % 2 === 1) out += `<rect x="${n(f.plotX)}" y="${n(y0 + r * rh)}" width="${n(f.plotW)}" height="${n(rh)}" fill="#f6f7f9"/>`;
      if (g.declared > 0 && r >= g.declared) out += `<rect x="${n(f.plotX)}" y="${n(y0 + r * rh)}" width="${n(f.plotW)}" height="${n(rh)}" fill="#fff8e6" opacity="0.7"/>`;
      const rowLabel = g.rowLabels?.[r];
      if (rowLabel !== undefined && rh >= 11) {
        const text = view === 'slots' ? rowLabel : fitText(rowLabel, widths.row, rowFont);
        if (text !== '') {
          out += `<text class="row-label" x="${n(f.plotX - 5)}" y="${n(y0 + r * rh + rh / 2 + 3.5)}" text-anchor="end" font-size="${view === 'slots' ? 9 : rowFont}" fill="${INK_MUTED}">${text !== rowLabel ? `<title>${escapeXml(rowLabel)}</title>` : ''}${escapeXml(text)}</text>`;
        }
      }
    }
    const nameFont = rh >= 14 || g.rows >= 2 ? FONT_SIZE : 10;
    const nameY = g.rows >= 2 ? y0 + Math.min(h / 2 - 2, rh) + (rh < 16 ? 2 : 0) : y0 + h / 2 + 4;
    const name = view === 'slots' ? poolLabel(g.label, widths.group) : fitText(g.label, widths.group, nameFont, true);
    out += `<text class="group-label" x="${PAD}" y="${n(nameY)}" font-weight="600" font-size="${nameFont}" fill="${INK}"><title>${escapeXml(g.label)}</title>${escapeXml(name)}</text>`;
    if (g.sub !== undefined && g.rows >= 2 && h >= 2 * Math.max(rh, 13)) {
      out += `<text class="group-sub" x="${PAD}" y="${n(nameY + 13)}" font-size="10" fill="${INK_MUTED}">${escapeXml(fitText(g.sub, widths.group, 10))}</text>`;
    }
    if (gi > 0) out += `<line x1="${PAD / 2}" y1="${n(y0)}" x2="${n(f.width - PAD / 2)}" y2="${n(y0)}" stroke="${view === 'slots' ? '#9aa0a6' : '#c3c8cf'}"/>`;
    out += '</g>';
    row += g.rows;
  });
  out += '</g>';
  // No bars, no time: an axis would only show the default domain.
  if (bars.length > 0) out += drawAxis(f, plotTop, plotBottom);

  if (bars.length === 0) {
    out += `<text class="empty" x="${n(f.plotX + f.plotW / 2)}" y="${n(plotTop + plotH / 2 + 4)}" text-anchor="middle" font-size="13" fill="${INK_MUTED}">No tasks to show</text>`;
  }

  // Bars, in a fixed order: row, then start.
  const order = bars.map((_, i) => i);
  order.sort((a, b) => layout.rowOf[a]! - layout.rowOf[b]! || compareBars(bars, a, b));
  const barH = Math.max(2, rh - 4);
  const textFont = barH >= 12 ? FONT_SIZE : 10;
  const showText = barH >= 8;
  const slotOfRow = slotsOfRows(layout);
  out += '<g class="bars">';
  for (const i of order) {
    const b = bars[i]!;
    const y = plotTop + layout.rowOf[i]! * rh + (rh - barH) / 2;
    if (withWaits && b.ready !== undefined && b.ready < b.start) {
      const wx = f.x(b.ready);
      const ww = Math.max(0.5, f.x(b.start) - wx);
      out += `<rect class="wait" data-task-id="${escapeXml(b.taskId)}" x="${n(wx)}" y="${n(y + barH * 0.2)}" width="${n(ww)}" height="${n(barH * 0.6)}" fill="url(#${p}wait)" stroke="${WAIT_COLOR}" stroke-width="0.4"><title>${escapeXml(`${b.label}: waited ${formatTime(b.start - b.ready, unit)} for a slot`)}</title></rect>`;
    }
    const x = f.x(b.start);
    const w = Math.max(1, f.x(b.end) - x);
    const state = b.state;
    const fill = state === 'Canceled' ? CANCELED_COLOR : colorOf(b);
    const onPath = b.critical === true;
    const stroke = state === 'Error' ? FAILED_COLOR : onPath ? CRITICAL_COLOR : state === 'Canceled' ? '#8a8a8a' : outlineOf(fill);
    const extra = state === 'Error' ? ' stroke-width="1.5"' : onPath ? ' stroke-width="2"' : state === 'Canceled' ? ' stroke-dasharray="3 2"' : ' stroke-width="0.6"';
    const slot = slotOfRow !== undefined ? slotOfRow[layout.rowOf[i]!]! : b.slot;
    out +=
      `<rect data-bar="" data-task-id="${escapeXml(b.taskId)}" data-state="${state}"${onPath ? ' data-critical=""' : ''} x="${n(x)}" y="${n(y)}" width="${n(w)}" height="${n(barH)}" rx="${w > 4 ? 2 : 0}" fill="${fill}" stroke="${stroke}"${extra}>` +
      `<title>${escapeXml(tooltip(b, slot, unit, f.axisUnit))}</title></rect>`;
    if (state === 'Error') {
      out += `<rect x="${n(x)}" y="${n(y)}" width="${n(w)}" height="${n(barH)}" fill="url(#${p}hatch)" pointer-events="none"/>`;
    }
    if (showText && w >= 16) {
      // Cut to the bar, with room for the outline; "E…" says nothing, so three characters at least.
      const text = fitText(b.label, w - 6, textFont);
      if (text === b.label || [...text].length >= 4) {
        const color = state === 'Error' ? '#1a1a1a' : textColorOn(fill);
        out += `<text class="bar-label" x="${n(x + 3)}" y="${n(y + barH / 2 + textFont * 0.35)}" font-size="${textFont}" fill="${color}" pointer-events="none">${escapeXml(text)}</text>`;
      }
    }
  }
  out += '</g></svg>';
  return out;
}

/**
 * The slot each global row stands for in the slot view (its row within its pool's group), or
 * undefined for the other views. A table, not a walk over the groups per bar: with `maxRows` and
 * `maxBars` raised, 100,000 bars in as many pools walked 5·10^9 groups.
 */
function slotsOfRows(layout: RowLayout): Int32Array | undefined {
  if (layout.view !== 'slots') return undefined;
  const slotOf = new Int32Array(layout.rows);
  let row = 0;
  for (const g of layout.groups) for (let r = 0; r < g.rows; r++) slotOf[row++] = r;
  return slotOf;
}

/**
 * The label column: the group's name (pool or job) and, in the task view, each task's name beside
 * the plot. Widths in px: the group's, the row label's, and the whole column.
 */
function labelColumns(layout: RowLayout, pools: readonly PoolRows[], view: GanttRows): { group: number; row: number; total: number } {
  if (view === 'slots') {
    const total = poolLabelWidth(pools, 120);
    return { group: total - PAD - 26, row: 20, total };
  }
  const longestGroup = layout.groups.reduce((m, g) => Math.max(m, textWidth(g.label, FONT_SIZE, true)), 0);
  if (view === 'jobs') {
    const group = Math.ceil(Math.min(200, Math.max(90, longestGroup)));
    return { group, row: 0, total: PAD + group + 10 };
  }
  let longestRow = 0;
  for (const g of layout.groups) for (const l of g.rowLabels ?? []) longestRow = Math.max(longestRow, textWidth(l, 10));
  const group = Math.ceil(Math.min(140, Math.max(70, longestGroup)));
  const rowW = Math.ceil(Math.min(130, Math.max(40, longestRow)));
  return { group, row: rowW, total: PAD + group + 10 + rowW + 6 };
}

function tooltip(b: GanttBar, slot: number | undefined, unit: TimeUnit, axisUnit: DisplayUnit): string {
  const task = b.label === b.taskId ? b.label : `${b.label} (${b.taskId})`;
  const job = b.jobLabel !== undefined && b.jobLabel !== b.jobId ? `${b.jobLabel} (${b.jobId})` : b.jobId;
  return [
    `Task: ${task}`,
    `Job: ${job}`,
    `Pool: ${b.pool}${slot !== undefined ? `, slot ${slot}` : ''}`,
    `Start: ${formatTime(b.start, unit, axisUnit)}`,
    `End: ${formatTime(b.end, unit, axisUnit)}`,
    `Duration: ${formatTime(b.end - b.start, unit)}`,
    ...(b.ready !== undefined && b.ready < b.start ? [`Waited: ${formatTime(b.start - b.ready, unit)} for a slot`] : []),
    `Priority: ${formatNumber(b.priority)}`,
    `State: ${b.state}`,
    ...(b.critical === true ? ['On the critical path'] : []),
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Aggregate mode

interface Category {
  key: string;
  label: string;
  fill: string;
}

function renderAggregate(input: GanttInput, pools: readonly PoolRows[], unit: TimeUnit, opts: Resolved): string {
  const bars = input.bars;
  const p = opts.idPrefix;
  // The band labels hold three short lines ("3,334 tasks · 23 % busy").
  const f = timeFrame(input, poolLabelWidth(pools, 175), unit, opts.width, false);
  const head = header(input, bars, pools, f, unit);

  // Categories to stack: the busiest jobs (or priority bands), the rest as one.
  const categories: Category[] = [];
  const catOf = new Int32Array(bars.length);
  if (opts.colorBy === 'priority') {
    const [lo, hi] = priorityRange(bars);
    const distinct = [...new Set(bars.map((b) => b.priority))].sort((a, b) => b - a);
    if (distinct.length <= AGG_CATEGORIES) {
      const idx = new Map(distinct.map((v, i) => [v, i]));
      for (const v of distinct) categories.push({ key: String(v), label: `priority ${formatNumber(v)}`, fill: priorityColor(v, lo, hi) });
      bars.forEach((b, i) => (catOf[i] = idx.get(b.priority)!));
    } else {
      // Runs of neighbouring priorities, highest first, as even in count of values as they go:
      // labels stay on values that occur ("priority 7–9"), not on fractions of the range.
      const per = Math.ceil(distinct.length / AGG_CATEGORIES);
      const group = new Map<number, number>();
      for (let g = 0; g * per < distinct.length; g++) {
        const values = distinct.slice(g * per, (g + 1) * per);
        const top = values[0]!;
        const bottom = values[values.length - 1]!;
        for (const v of values) group.set(v, g);
        categories.push({ key: `g${g}`, label: `priority ${formatNumber(bottom)}–${formatNumber(top)}`, fill: priorityColor((top + bottom) / 2, lo, hi) });
      }
      bars.forEach((b, i) => (catOf[i] = group.get(b.priority)!));
    }
  } else {
    const colors = jobColorMap(bars, opts);
    const jobs = jobsInOrder(bars);
    const busiest = [...jobs].sort((a, b) => b.busy - a.busy || a.first - b.first || compareStrings(a.id, b.id));
    let own = busiest.length <= AGG_CATEGORIES + 1 ? busiest : busiest.slice(0, AGG_CATEGORIES);
    const total = jobs.reduce((s, j) => s + j.busy, 0);
    const shown = own.reduce((s, j) => s + j.busy, 0);
    if (own.length < jobs.length && shown < total / 2) {
      // The busiest jobs are a small part of the work: a stack of slivers on a grey mass says less
      // than one area of all jobs.
      own = [];
      categories.push({ key: '', label: `busy slots, all ${formatNumber(jobs.length)} jobs`, fill: ALL_JOBS_COLOR });
    } else {
      own.forEach((j) => categories.push({ key: j.id, label: truncate(j.label, 28), fill: colors.get(j.id)! }));
      if (own.length < jobs.length) categories.push({ key: '', label: `other jobs (${formatNumber(jobs.length - own.length)})`, fill: OTHER_COLOR });
    }
    const idx = new Map<string, number>(own.map((j, k) => [j.id, k]));
    bars.forEach((b, i) => (catOf[i] = idx.get(b.jobId) ?? own.length));
  }

  const legend: LegendItem[] = categories.map((c) => ({ kind: 'swatch', fill: c.fill, label: c.label }));
  legend.push({ kind: 'line', fill: PEAK_COLOR, label: 'peak busy slots' });
  if (pools.some((pool) => pool.declared > 0)) legend.push({ kind: 'dashed', fill: INK, label: 'capacity' });
  legend.push(...stateItems(bars).map((it) => ({ ...it, label: it.label + ', ticks under the band' })));
  const { lines, widths } = layoutLegend(legend, opts.width);

  const buckets = Math.max(20, Math.min(400, Math.floor(f.plotW / 4)));
  const span = f.t1 - f.t0;
  // Utilisation is over the schedule's makespan, not the axis (which is rounded out to a tick).
  let first = Infinity;
  let last = -Infinity;
  for (const b of bars) {
    if (b.start < first) first = b.start;
    if (b.end > last) last = b.end;
  }
  const makespan = last - (input.origin !== undefined && Number.isFinite(input.origin) ? Math.min(input.origin, first) : first);
  const bw = span / buckets;
  const stacked = categories.length > 1 ? `, stacked by ${opts.colorBy === 'priority' ? 'priority' : 'job'}` : '';
  const note = `${formatNumber(bars.length)} bars aggregated: mean busy slots per ${formatTime(bw, unit)} bucket${stacked}; hover a band for its totals`;

  const legendTop = head.height;
  const noteY = legendTop + lines.length * LEGEND_LINE + 12;
  const plotTop = noteY + 8 + AXIS_TOP;
  const bandH = Math.max(48, 3 * opts.rowHeight);
  const gap = 14;
  const plotH = pools.length > 0 ? pools.length * (bandH + gap) : 48;
  const plotBottom = plotTop + plotH;
  const height = plotBottom + AXIS_BOTTOM + PAD;

  let out = openSvg(opts.width, height, 'aggregate', `Gantt chart${input.title ? `: ${input.title}` : ''} (${head.summary}, aggregated)`, ` data-bars="${bars.length}" data-aggregated-bars="${bars.length}"`);
  out += defs(p, false);
  out += head.svg;
  out += drawLegend(lines, widths, legendTop, p);
  out += `<text class="agg-note" x="${PAD}" y="${n(noteY)}" font-style="italic" fill="${INK_MUTED}">${escapeXml(note)}</text>`;
  if (bars.length > 0) out += drawAxis(f, plotTop, plotBottom);

  const ncat = categories.length;
  pools.forEach((pool, pi) => {
    const top = plotTop + pi * (bandH + gap) + gap / 2;
    const bottom = top + bandH;
    // Busy time per category and bucket, and failure/cancel counts per bucket (by end time).
    const busy = new Float64Array(ncat * buckets);
    const failedAt = new Int32Array(buckets);
    const canceledAt = new Int32Array(buckets);
    let failed = 0;
    let canceled = 0;
    let busyTotal = 0;
    const events: number[] = [];
    for (const i of pool.bars) {
      const b = bars[i]!;
      const base = catOf[i]! * buckets;
      const s = b.start - f.t0;
      const e = b.end - f.t0;
      const w = b.weight ?? 1;
      busyTotal += (e - s) * w;
      if (e > s) {
        const k0 = Math.min(buckets - 1, Math.floor(s / bw));
        const k1 = Math.min(buckets - 1, Math.floor(e / bw));
        for (let k = k0; k <= k1; k++) {
          const o = Math.min(e, (k + 1) * bw) - Math.max(s, k * bw);
          if (o > 0) busy[base + k]! += o * w;
        }
        events.push(s, w, e, -w);
      }
      if (b.state !== 'Finished') {
        const k = Math.max(0, Math.min(buckets - 1, Math.floor(e / bw)));
        if (b.state === 'Error') {
          failed++;
          failedAt[k]!++;
        } else {
          canceled++;
          canceledAt[k]!++;
        }
      }
    }
    const peaks = bucketPeaks(events, buckets, bw);
    let peak = 0;
    for (let k = 0; k < buckets; k++) if (peaks[k]! > peak) peak = peaks[k]!;
    const yMax = Math.max(1, pool.declared, peak);
    const y = (v: number): number => bottom - (v / yMax) * bandH;

    const util = pool.declared > 0 && makespan > 0 ? utilisation(busyTotal, pool.declared, makespan) : undefined;
    const summary = [
      `Pool: ${pool.name}`,
      `Capacity: ${pool.declared > 0 ? `${pool.declared} slot${pool.declared === 1 ? '' : 's'}` : 'not set'}`,
      `Tasks: ${formatNumber(pool.bars.length)}${failed > 0 ? `, ${formatNumber(failed)} failed` : ''}${canceled > 0 ? `, ${formatNumber(canceled)} canceled` : ''}`,
      `Busy: ${formatTime(busyTotal, unit)} of slot time`,
      `Peak: ${formatNumber(peak)} busy slot${peak === 1 ? '' : 's'}`,
    ];
    if (util !== undefined) summary.push(`Utilisation: ${formatNumber(util * 100, 1)} % of capacity over the makespan`);

    out += `<g class="agg-row" data-pool="${escapeXml(pool.name)}" data-peak="${peak}">`;
    out += `<rect x="${n(f.plotX)}" y="${n(top)}" width="${n(f.plotW)}" height="${n(bandH)}" fill="#f6f7f9"><title>${escapeXml(summary.join('\n'))}</title></rect>`;
    // Stacked step areas, one path per category, bottom to top.
    const below = new Float64Array(buckets);
    for (let c = 0; c < ncat; c++) {
      let any = false;
      for (let k = 0; k < buckets; k++) if (busy[c * buckets + k]! > 0) any = true;
      if (!any) continue;
      const upper = new Float64Array(buckets);
      for (let k = 0; k < buckets; k++) upper[k] = below[k]! + busy[c * buckets + k]! / bw;
      const cat = categories[c]!;
      out += `<path d="${stepArea(upper, below, f.plotX, f.plotW / buckets, y)}" fill="${cat.fill}" stroke="${outlineOf(cat.fill)}" stroke-width="0.5" pointer-events="none"/>`;
      below.set(upper);
    }
    if (peak > 0) {
      out += `<path class="agg-peak" d="${stepLine(peaks, f.plotX, f.plotW / buckets, y)}" fill="none" stroke="${PEAK_COLOR}" stroke-width="1" stroke-linejoin="round" pointer-events="none"/>`;
    }
    if (pool.declared > 0) {
      out += `<line x1="${n(f.plotX)}" y1="${n(y(pool.declared))}" x2="${n(f.plotX + f.plotW)}" y2="${n(y(pool.declared))}" stroke="${INK}" stroke-dasharray="4 3" stroke-width="0.8" pointer-events="none"/>`;
    }
    // Failure and cancel rugs under the band.
    const cw = f.plotW / buckets;
    for (let k = 0; k < buckets; k++) {
      if (failedAt[k]! > 0) out += `<rect x="${n1(f.plotX + k * cw)}" y="${n1(bottom + 1)}" width="${n1(Math.max(1.5, cw))}" height="4" fill="${FAILED_COLOR}"/>`;
      else if (canceledAt[k]! > 0) out += `<rect x="${n1(f.plotX + k * cw)}" y="${n1(bottom + 1)}" width="${n1(Math.max(1.5, cw))}" height="4" fill="#8a8a8a"/>`;
    }
    // Labels: name, capacity and task count on the left; the y scale next to the band.
    out += `<text x="${PAD}" y="${n(top + 12)}" font-weight="600" fill="${INK}"><title>${escapeXml(pool.name)}</title>${escapeXml(poolLabel(pool.name, f.labelW - PAD - 26))}</text>`;
    out += `<text x="${PAD}" y="${n(top + 26)}" font-size="10" fill="${INK_MUTED}">${escapeXml(pool.declared > 0 ? `${pool.declared} slots` : 'no set capacity')} · peak ${peak}</text>`;
    out += `<text x="${PAD}" y="${n(top + 39)}" font-size="10" fill="${INK_MUTED}">${escapeXml(`${formatNumber(pool.bars.length)} tasks${util !== undefined ? ` · ${formatNumber(util * 100, 1, true)} % busy` : ''}`)}</text>`;
    out += `<text x="${n(f.plotX - 4)}" y="${n(top + 8)}" text-anchor="end" font-size="9" fill="${INK_MUTED}">${yMax}</text>`;
    out += `<text x="${n(f.plotX - 4)}" y="${n(bottom)}" text-anchor="end" font-size="9" fill="${INK_MUTED}">0</text>`;
    out += '</g>';
  });
  if (bars.length === 0) {
    out += `<text class="empty" x="${n(f.plotX + f.plotW / 2)}" y="${n(plotTop + plotH / 2 + 4)}" text-anchor="middle" font-size="13" fill="${INK_MUTED}">No tasks to show</text>`;
  }
  out += '</svg>';
  return out;
}

/**
 * The most slots busy at once in each bucket. `events` holds (time, +weight | -weight) pairs
 * relative to the first bucket's start; intervals are half-open, so one ending where another starts
 * does not count twice.
 */
function bucketPeaks(events: number[], buckets: number, bw: number): Float64Array {
  const count = events.length / 2;
  const order = new Int32Array(count);
  for (let i = 0; i < count; i++) order[i] = i;
  order.sort((a, b) => events[2 * a]! - events[2 * b]! || events[2 * a + 1]! - events[2 * b + 1]!);
  const peak = new Float64Array(buckets);
  let open = 0;
  let prev = 0;
  for (let i = 0; i < count; ) {
    const t = events[2 * order[i]!]!;
    if (open > 0 && t > prev) {
      // [prev, t) had `open` running: every bucket it touches saw at least that many.
      const ka = Math.max(0, Math.min(buckets - 1, Math.floor(prev / bw)));
      const kb = Math.max(ka, Math.min(buckets - 1, Math.ceil(t / bw) - 1));
      for (let k = ka; k <= kb; k++) if (peak[k]! < open) peak[k] = open;
    }
    while (i < count && events[2 * order[i]!] === t) open += events[2 * order[i++]! + 1]!;
    prev = t;
  }
  return peak;
}

/** The top edge of a step function over equal buckets, as an open path. */
function stepLine(values: Float64Array, x0: number, cw: number, y: (v: number) => number): string {
  let prev = n1(y(values[0]!));
  let d = `M${n1(x0)} ${prev}`;
  for (let i = 1; i < values.length; i++) {
    const v = n1(y(values[i]!));
    if (v === prev) continue;
    d += `H${n1(x0 + i * cw)}V${v}`;
    prev = v;
  }
  return d + `H${n1(x0 + values.length * cw)}`;
}

/** A closed step area between two step functions over equal buckets, in compact path data. */
function stepArea(upper: Float64Array, lower: Float64Array, x0: number, cw: number, y: (v: number) => number): string {
  const k = upper.length;
  let d = `M${n1(x0)} ${n1(y(upper[0]!))}`;
  let prev = n1(y(upper[0]!));
  for (let i = 1; i < k; i++) {
    const v = n1(y(upper[i]!));
    if (v === prev) continue;
    d += `H${n1(x0 + i * cw)}V${v}`;
    prev = v;
  }
  d += `H${n1(x0 + k * cw)}`;
  prev = n1(y(lower[k - 1]!));
  d += `V${prev}`;
  for (let i = k - 2; i >= 0; i--) {
    const v = n1(y(lower[i]!));
    if (v === prev) continue;
    d += `H${n1(x0 + (i + 1) * cw)}V${v}`;
    prev = v;
  }
  d += `H${n1(x0)}Z`;
  return d;
}
