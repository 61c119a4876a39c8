/**
 * The comparison table `jobgraph simulate` prints: one row per run, units on every column, and a
 * legend under it that says what each figure is. The figures' definitions live in the simulator;
 * the legend repeats them in words, so a reader of the table need not open the code.
 */
import { overallUtilisation, type SimResult } from '../simulate/simulator.js';
import { fixed } from './figures.js';

/** Why a column reads as it does, printed under the table. */
export const TABLE_LEGEND: readonly string[] = [
  'makespan: end of the last task. bound: a lower bound on it, the longest of a job\'s dependency chain from its arrival and work ÷ capacity.',
  'ratio: makespan ÷ bound (1.00× cannot be beaten).',
  'job mean, job p95: a job\'s completion, from its arrival to the end of its last task (mean, 95th percentile).',
  'wait mean: the time a task waited for a slot, from ready (its inputs done) to start.',
  'util: busy slot-time ÷ (capacity × makespan), capacity being the reserved units; the Gantt chart\'s "% busy" and the report\'s utilisation are the same figure.',
  'inversions: priority inversions, the starts of a task while a task of higher priority (task priority, then job priority) was ready and would have fitted.',
];

/** The star's line of the legend, when a row has one. */
export const STAR_LEGEND = '* the shortest makespan of these runs.';

const HEAD = ['policy', 'capacity', 'makespan (s)', 'bound (s)', 'ratio', 'job mean (s)', 'job p95 (s)', 'wait mean (s)', 'util', 'inversions'];

/** The cells of one run, as printed. */
export function tableCells(r: SimResult, starred: boolean): string[] {
  return [
    r.policy,
    r.capacity,
    fixed(r.makespan, 1) + (starred ? ' *' : ''),
    fixed(r.lowerBound, 1),
    `${fixed(r.ratio, 2)}×`,
    fixed(r.jobCompletion.mean, 1),
    fixed(r.jobCompletion.p95, 1),
    fixed(r.waits.mean, 1),
    `${fixed(100 * overallUtilisation(r), 1)} %`,
    String(r.priorityInversions),
  ];
}

/**
 * The comparison table as Markdown (one row per run), then a blank line and its legend. The best
 * makespan is starred when the runs differ in it: a star on every row says nothing.
 */
export function comparisonTable(results: readonly SimResult[]): string {
  const makespans = results.map((r) => fixed(r.makespan, 1));
  const best = results.length > 0 ? Math.min(...results.map((r) => r.makespan)) : 0;
  // Compared as printed: two makespans that print alike are a tie for the reader.
  const bestText = fixed(best, 1);
  const differ = new Set(makespans).size > 1;
  const rows = results.map((r, i) => tableCells(r, differ && makespans[i] === bestText));
  const widths = HEAD.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]): string => '| ' + cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ') + ' |';
  const rule = '|' + widths.map((w, i) => (i < 2 ? ':' + '-'.repeat(w + 1) : '-'.repeat(w + 1) + ':')).join('|') + '|';
  const legend = [...(differ ? [STAR_LEGEND] : []), ...TABLE_LEGEND];
  return [line(HEAD), rule, ...rows.map(line), '', ...legend].join('\n');
}
