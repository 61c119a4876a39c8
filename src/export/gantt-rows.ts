/**
 * The rows of a Gantt chart's bar view, three ways: a row per slot of each pool (what ran where),
 * a group of lanes per job (how each job went, its tasks packed into as few lanes as overlap), or
 * a row per task grouped by job (every task on its own line, its name beside it). Layout only: the
 * chart draws what these return.
 */
import type { GanttBar } from './gantt-svg.js';
import { compareStrings } from './colors.js';
import { IndexHeap } from '../core/ready-heap.js';

/** Which rows the bar view draws. */
export type GanttRows = 'slots' | 'jobs' | 'tasks';

/** The views, in the order a report shows them. */
export const GANTT_ROWS: readonly GanttRows[] = ['slots', 'jobs', 'tasks'];

/** A labelled band of rows: a pool's slots, a job's lanes or a job's tasks. */
export interface RowGroup {
  /** The pool name or job id. */
  key: string;
  label: string;
  rows: number;
  /** A pool's declared capacity (rows beyond it are shaded as overflow); 0 otherwise. */
  declared: number;
  /** A label per row, drawn beside the plot (slot numbers, task names). */
  rowLabels?: string[];
  /** A second line under the label when the group is tall enough. */
  sub?: string;
}

export interface RowLayout {
  view: GanttRows;
  groups: RowGroup[];
  /** The row of each bar (by index in the bars), counted over all groups. */
  rowOf: Int32Array;
  rows: number;
}

/** Where a bar's time on the chart begins: when it became ready if known, else its start. */
export function shownStart(b: GanttBar): number {
  return b.ready !== undefined && b.ready < b.start ? b.ready : b.start;
}

interface Job {
  id: string;
  label: string;
  first: number;
  bars: number[];
}

/** Jobs in order of their first ready (or start) time, then id. */
function jobsOf(bars: readonly GanttBar[]): Job[] {
  const jobs = new Map<string, Job>();
  bars.forEach((b, i) => {
    const t = shownStart(b);
    const j = jobs.get(b.jobId);
    if (j === undefined) jobs.set(b.jobId, { id: b.jobId, label: b.jobLabel ?? b.jobId, first: t, bars: [i] });
    else {
      j.first = Math.min(j.first, t);
      j.bars.push(i);
    }
  });
  return [...jobs.values()].sort((a, b) => a.first - b.first || compareStrings(a.id, b.id));
}

const byTime = (bars: readonly GanttBar[]) => (a: number, b: number): number =>
  bars[a]!.start - bars[b]!.start || shownStart(bars[a]!) - shownStart(bars[b]!) || bars[a]!.end - bars[b]!.end || compareStrings(bars[a]!.taskId, bars[b]!.taskId) || a - b;

/** A row per task, grouped by job; each row labelled with its task's name. */
export function taskRows(bars: readonly GanttBar[]): RowLayout {
  const rowOf = new Int32Array(bars.length);
  const groups: RowGroup[] = [];
  let row = 0;
  for (const job of jobsOf(bars)) {
    const order = [...job.bars].sort(byTime(bars));
    order.forEach((i, k) => (rowOf[i] = row + k));
    groups.push({ key: job.id, label: job.label, rows: order.length, declared: 0, rowLabels: order.map((i) => bars[i]!.label), sub: `${order.length} task${order.length === 1 ? '' : 's'}` });
    row += order.length;
  }
  return { view: 'tasks', groups, rowOf, rows: row };
}

/**
 * A group of lanes per job: its tasks, each with its wait before it, packed first-fit into the
 * fewest lanes where none overlaps another (as many as ran or waited at once).
 */
export function jobRows(bars: readonly GanttBar[]): RowLayout {
  const rowOf = new Int32Array(bars.length);
  const groups: RowGroup[] = [];
  let row = 0;
  for (const job of jobsOf(bars)) {
    const order = [...job.bars].sort((a, b) => shownStart(bars[a]!) - shownStart(bars[b]!) || byTime(bars)(a, b));
    const laneEnd: number[] = [];
    const lanes = new IndexHeap(order.length + 1, (a, b) => laneEnd[a]! < laneEnd[b]! || (laneEnd[a] === laneEnd[b] && a < b));
    const free = new IndexHeap(order.length + 1, (a, b) => a < b);
    let next = 0;
    for (const i of order) {
      const b = bars[i]!;
      const s = shownStart(b);
      while (lanes.size > 0 && laneEnd[lanes.peek()]! <= s) free.push(lanes.pop());
      const lane = free.size > 0 ? free.pop() : next++;
      laneEnd[lane] = Math.max(b.end, s + 1e-12 * Math.max(1, Math.abs(s)));
      lanes.push(lane);
      rowOf[i] = row + lane;
    }
    groups.push({ key: job.id, label: job.label, rows: Math.max(1, next), declared: 0, sub: `${job.bars.length} task${job.bars.length === 1 ? '' : 's'}` });
    row += Math.max(1, next);
  }
  return { view: 'jobs', groups, rowOf, rows: row };
}
