/**
 * A comparison of simulated runs as one self-contained HTML5 file: a metrics table, a chart of the
 * main metrics side by side, and the Gantt chart of every run. Inline CSS and SVG only, no script,
 * nothing fetched: it opens from a mail attachment or a CI artifact as it is.
 */

import { ArgumentTypeError, checkObject, describeValue } from '../errors.js';
import { GRID, INK, INK_MUTED, JOB_PALETTE, outlineOf } from './colors.js';
import { DEFAULT_MAX_BARS, GANTT_ROWS, renderGanttSvg, type GanttInput, type GanttOptions, type GanttRows } from './gantt-svg.js';
import { decimalsForMagnitude, escapeXml, formatNumber, n, niceTicks, truncate } from './svg.js';

/** One simulated run: what was tried, what it measured, and the schedule it produced. */
export interface ReportRun {
  label: string;
  policy: string;
  capacity: string;
  /** Named results (`makespan`, `meanJobCompletion`, `p95JobCompletion`, `utilisation`, …). */
  metrics: Record<string, number | string>;
  gantt: GanttInput;
}

/** What a report shows. */
export interface ReportInput {
  title: string;
  /** Shown under the title as given (the report never reads the clock, so output is reproducible). */
  generatedAt?: string;
  runs: ReportRun[];
  notes?: string[];
  /**
   * Which way is better per metric, overriding the guess from its name (`makespan`, `…Completion`,
   * `…Wait`, `failed`, `…Inversions` lower; `utilisation`, `throughput` higher; others, such as
   * `ratio` or `tasks`, not highlighted).
   */
  better?: Record<string, 'lower' | 'higher' | 'none'>;
  /** Units to print after a metric's name, e.g. `{ makespan: 's' }`. */
  units?: Record<string, string>;
  /**
   * Decimals to print a metric with, kept even when zero (`ratio: 2` prints `1.00`, not `1`);
   * otherwise a column gets what its values need.
   */
  decimals?: Record<string, number>;
}

/** Metrics the comparison chart shows when every run has them, in this order. */
export const COMPARISON_METRICS: readonly string[] = ['makespan', 'meanJobCompletion', 'p95JobCompletion', 'utilisation', 'utilization'];

const CALL = 'renderHtmlReport';

/**
 * Renders runs as a single self-contained HTML5 document.
 *
 * @param input - The title, the runs (each with metrics and a Gantt input) and optional notes.
 * @param options - Passed to {@link renderGanttSvg} for every run's chart (`idPrefix` is set per
 *   chart). Without `rows`, each run gets the three views (slots, jobs, tasks); a run of more bars
 *   than `maxBars` gets one chart, aggregated, since the three would be alike.
 * @returns The HTML document as a string (UTF-8 when written).
 * @throws TypeError (`ERR_INVALID_ARG_VALUE`) if `runs` is not an array, or a value of `better` is
 *   not 'lower', 'higher' or 'none'; (`ERR_INVALID_ARG_TYPE`) if `input` or `options` is not an
 *   object, `title` or `generatedAt` is not a string, `notes` is not an array of strings, `better`
 *   or `units` (of strings) is not an object, or a run is not an object with string `label`,
 *   `policy` and `capacity`, `metrics` an object of numbers and strings, and `gantt` an object with
 *   `bars`
 * @throws TypeError, RangeError as {@link renderGanttSvg} does, for a run's `gantt` or `options`
 * @example
 * ```ts
 * const html = renderHtmlReport({ title: 'FIFO vs priority', runs: [fifoRun, priorityRun] });
 * await writeFile('report.html', html);
 * ```
 */
export function renderHtmlReport(input: ReportInput, options: GanttOptions = {}): string {
  checkReport(input);
  checkObject(CALL, '`options`', options);
  const runs = input.runs;
  const keys = metricKeys(runs);
  const better = (k: string): 'lower' | 'higher' | 'none' => own(input.better, k) ?? guessDirection(k);
  const unitOf = (k: string): string | undefined => own(input.units, k);
  const { format, isPercent } = metricFormatter(runs, keys, input.decimals ?? {});

  let html = '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n';
  html += '<meta name="viewport" content="width=device-width, initial-scale=1">\n<meta name="generator" content="jobgraph">\n';
  html += `<title>${escapeXml(input.title)}</title>\n<style>${CSS}</style>\n</head>\n<body>\n`;
  html += `<header>\n<h1>${escapeXml(input.title)}</h1>\n<p class="meta">${escapeXml(
    [`${runs.length} run${runs.length === 1 ? '' : 's'}`, ...(input.generatedAt !== undefined ? [`generated ${input.generatedAt}`] : [])].join(' · '),
  )}</p>\n`;
  if (input.notes !== undefined && input.notes.length > 0) {
    html += `<ul class="notes">${input.notes.map((t) => `<li>${escapeXml(t)}</li>`).join('')}</ul>\n`;
  }
  html += '</header>\n<main>\n';

  if (runs.length === 0) {
    html += '<p class="empty">No runs to compare.</p>\n';
  } else {
    html += '<section id="metrics">\n<h2>Metrics</h2>\n';
    html += metricsTable(runs, keys, better, unitOf, format);
    const directions = keys.filter((k) => better(k) !== 'none' && numericIn(runs, k).length >= 2);
    if (directions.length > 0) {
      html += `<p class="hint"><span class="best-key">Highlighted</span>: the best value of a column (${escapeXml(
        directions.map((k) => `${humanise(k)} ${better(k)}`).join(', '),
      )} is better).</p>\n`;
    }
    html += '</section>\n';

    html += '<section id="comparison">\n<h2>Comparison</h2>\n';
    html += comparisonChart(runs, better, unitOf, format, isPercent);
    html += '</section>\n';

    html += '<section id="schedules">\n<h2>Schedules</h2>\n';
    runs.forEach((run, i) => {
      html += `<details class="run" data-run="${i}"${i === 0 ? ' open' : ''}>\n<summary>${runSummary(run, i, format)}</summary>\n`;
      const views: readonly GanttRows[] = options.rows !== undefined ? [options.rows] : run.gantt.bars.length > (options.maxBars ?? DEFAULT_MAX_BARS) ? ['slots'] : GANTT_ROWS;
      for (const view of views) {
        html += `<section class="view" data-view="${view}">`;
        if (views.length > 1) html += `<h3>${VIEW_TITLES[view]}</h3>`;
        html += `<div class="gantt-wrap">${renderGanttSvg(run.gantt, { ...options, rows: view, idPrefix: `r${i}-${view}-` })}</div></section>\n`;
      }
      html += '</details>\n';
    });
    html += '</section>\n';
  }
  html += '</main>\n<footer>Made with jobgraph. Hover a bar for its task, times and state.</footer>\n</body>\n</html>\n';
  return html;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The report's shape, before anything reads it: what is missing or of another type crashed inside,
 * or was written into the HTML as "undefined". The charts' own input is checked by renderGanttSvg.
 */
function checkReport(input: ReportInput): void {
  const fail = (what: string, expected: string, v: unknown, code?: string): never => {
    throw new ArgumentTypeError(`${CALL}: expected \`${what}\` to be ${expected}, got ${describeValue(v)}`, code);
  };
  if (typeof input !== 'object' || input === null) fail('input', 'an object { title, runs }', input);
  if (typeof input.title !== 'string') fail('title', 'a string', input.title);
  if (!Array.isArray(input.runs)) fail('runs', 'an array', input.runs, 'ERR_INVALID_ARG_VALUE');
  if (input.generatedAt !== undefined && typeof input.generatedAt !== 'string') fail('generatedAt', 'a string', input.generatedAt);
  if (input.notes !== undefined) {
    if (!Array.isArray(input.notes)) fail('notes', 'an array of strings', input.notes);
    input.notes.forEach((t: unknown, i) => typeof t === 'string' || fail(`notes[${i}]`, 'a string', t));
  }
  if (input.better !== undefined) {
    if (!isRecord(input.better)) fail('better', "an object of metric → 'lower', 'higher' or 'none'", input.better);
    for (const [k, v] of Object.entries(input.better)) {
      if (v !== 'lower' && v !== 'higher' && v !== 'none') fail(`better.${k}`, "'lower', 'higher' or 'none'", v, 'ERR_INVALID_ARG_VALUE');
    }
  }
  if (input.units !== undefined) {
    if (!isRecord(input.units)) fail('units', 'an object of metric → unit', input.units);
    for (const [k, v] of Object.entries(input.units)) if (typeof v !== 'string') fail(`units.${k}`, 'a string', v);
  }
  input.runs.forEach((r: unknown, i) => {
    if (typeof r !== 'object' || r === null) fail(`runs[${i}]`, 'an object { label, policy, capacity, metrics, gantt }', r);
    const run = r as Partial<Record<keyof ReportRun, unknown>>;
    for (const key of ['label', 'policy', 'capacity'] as const) if (typeof run[key] !== 'string') fail(`runs[${i}].${key}`, 'a string', run[key]);
    if (!isRecord(run.metrics)) fail(`runs[${i}].metrics`, 'an object of numbers and strings', run.metrics);
    for (const [k, v] of Object.entries(run.metrics as Record<string, unknown>)) {
      if (v !== undefined && typeof v !== 'number' && typeof v !== 'string') fail(`runs[${i}].metrics.${k}`, 'a number or a string', v);
    }
    if (!isRecord(run.gantt) || !Array.isArray(run.gantt.bars)) fail(`runs[${i}].gantt`, 'an object { bars, pools }', run.gantt);
  });
}

/** The heading of each Gantt view in a run's section. */
const VIEW_TITLES: Readonly<Record<GanttRows, string>> = {
  slots: 'By slot: a row per reserved unit',
  jobs: 'By job: each job in lanes, waits for a slot shaded',
  tasks: 'By task: a row per task, grouped by job, waits for a slot shaded',
};

const CSS = `
:root{color-scheme:light;--ink:#222;--muted:#666;--line:#dde1e6;--best:#e3f4e6;--best-ink:#14532d;--accent:#4e79a7}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Liberation Sans","DejaVu Sans",Arial,sans-serif;color:var(--ink);background:#fff}
header,main,footer{max-width:1180px;margin:0 auto;padding:0 20px}
header{padding-top:20px}
h1{font-size:22px;margin:0 0 4px}
h2{font-size:17px;margin:28px 0 10px;padding-bottom:4px;border-bottom:1px solid var(--line)}
.meta{color:var(--muted);margin:0}
.notes{color:var(--muted);margin:8px 0 0;padding-left:20px}
.table-wrap{overflow-x:auto}
table.metrics{border-collapse:collapse;font-variant-numeric:tabular-nums;min-width:60%}
.metrics th,.metrics td{padding:5px 8px;border-bottom:1px solid var(--line);text-align:left;white-space:nowrap}
.metrics thead th{font-weight:600;border-bottom:2px solid #b9c0c8;vertical-align:bottom;white-space:normal;max-width:7em;line-height:1.25}
.metrics td.num,.metrics th.num{text-align:right}
.metrics tbody tr:hover{background:#f6f7f9}
.metrics td.best{background:var(--best);color:var(--best-ink);font-weight:700}
.metrics td.best::after{content:" \\2605";font-size:11px}
.swatch{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:6px;vertical-align:baseline}
.hint{color:var(--muted);font-size:12px;margin:6px 0 0}
.best-key{background:var(--best);color:var(--best-ink);font-weight:700;padding:0 4px}
.chart-wrap,.gantt-wrap{overflow-x:auto}
svg{max-width:100%;height:auto;display:block}
details.run{border:1px solid var(--line);border-radius:6px;margin:0 0 12px;background:#fff}
details.run>summary{cursor:pointer;padding:8px 12px;font-weight:600;list-style-position:inside}
details.run>summary .sub{font-weight:400;color:var(--muted);margin-left:8px}
details.run[open]>summary{border-bottom:1px solid var(--line)}
.gantt-wrap{padding:4px}
section.view h3{font-size:14px;font-weight:600;margin:10px 12px 2px;color:var(--muted)}
.jobgraph-gantt [data-bar]:hover{stroke:#000;stroke-width:2}
.empty{color:var(--muted)}
footer{color:var(--muted);font-size:12px;padding:24px 20px 32px}
@media print{details.run{break-inside:avoid}}
`;

function metricKeys(runs: readonly ReportRun[]): string[] {
  const seen = new Set<string>();
  for (const r of runs) for (const k of Object.keys(r.metrics)) seen.add(k);
  return [...seen];
}

/**
 * `rec[key]` if `key` is the record's own: a metric named `toString` or `constructor` is looked up
 * as any other name, not found on Object.prototype.
 */
function own<T>(rec: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  return rec !== undefined && Object.hasOwn(rec, key) ? rec[key] : undefined;
}

function numericIn(runs: readonly ReportRun[], key: string): number[] {
  const out: number[] = [];
  for (const r of runs) {
    const v = own(r.metrics, key);
    if (typeof v === 'number' && Number.isFinite(v)) out.push(v);
  }
  return out;
}

/** Which way a metric is better, from its name; `'none'` when the name does not say. */
export function guessDirection(key: string): 'lower' | 'higher' | 'none' {
  const k = key.toLowerCase();
  if (/utili[sz]|throughput|efficien|speedup|score|success|succeeded|goodput/.test(k)) return 'higher';
  if (/makespan|completion|latency|wait|delay|duration|time|cost|fail|error|cancel|slowdown|tardiness|lateness|turnaround|response|stretch|inversion/.test(k)) return 'lower';
  return 'none';
}

/** `meanJobCompletion` → `mean job completion`, `p95_wait` → `p95 wait`. */
export function humanise(key: string): string {
  return key
    .replace(/[_-]+/g, ' ')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .trim();
}

/** The fewest decimals (up to `limit`) that print `v` as it prints with `limit`. */
function decimalsNeeded(v: number, limit: number): number {
  const full = v.toFixed(limit);
  for (let d = 0; d < limit; d++) if (Number(v.toFixed(d)) === Number(full)) return d;
  return limit;
}

/** How the report prints a metric's value. */
type FormatMetric = (key: string, v: number | string | undefined) => string;

/**
 * A formatter that prints as percentages the columns that are shares (`utilisation`, `…Share`,
 * `…Fraction`) when every run's value lies in [0, 1], so a column never mixes `100 %` and `1.05`.
 */
function metricFormatter(runs: readonly ReportRun[], keys: readonly string[], fixedDecimals: Readonly<Record<string, number>>): { format: FormatMetric; isPercent: (key: string) => boolean } {
  const percent = new Set(keys.filter((k) => /utili[sz]|share|fraction/i.test(k) && numericIn(runs, k).length > 0 && numericIn(runs, k).every((v) => v >= 0 && v <= 1)));
  // One precision per column so the digits line up (7.07, 7.50, 4.07): what its largest value
  // deserves, but no more than some value of the column needs (0.5 stays 0.5, not 0.500).
  const decimals = new Map<string, number>();
  for (const k of keys) {
    const values = numericIn(runs, k).map((v) => (percent.has(k) ? v * 100 : v));
    if (values.length === 0) continue;
    const largest = values.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    const limit = percent.has(k) ? 1 : decimalsForMagnitude(largest);
    const given = own(fixedDecimals, k);
    decimals.set(k, given !== undefined && Number.isInteger(given) && given >= 0 ? given : values.reduce((d, v) => Math.max(d, decimalsNeeded(v, limit)), 0));
  }
  const format: FormatMetric = (key, v) => {
    if (v === undefined) return '—';
    if (typeof v === 'string') return v;
    if (!Number.isFinite(v)) return formatNumber(v);
    if (percent.has(key)) return `${formatNumber(v * 100, decimals.get(key), true)} %`;
    return formatNumber(v, decimals.get(key), true);
  };
  return { format, isPercent: (key) => percent.has(key) };
}

function metricsTable(
  runs: readonly ReportRun[],
  keys: readonly string[],
  better: (k: string) => 'lower' | 'higher' | 'none',
  unitOf: (k: string) => string | undefined,
  formatMetric: FormatMetric,
): string {
  const best = new Map<string, number>();
  for (const k of keys) {
    const dir = better(k);
    const values = numericIn(runs, k);
    if (dir === 'none' || values.length < 2) continue;
    const b = dir === 'lower' ? Math.min(...values) : Math.max(...values);
    // All equal says nothing: highlight nothing.
    if (values.every((v) => v === b)) continue;
    best.set(k, b);
  }
  let out = '<div class="table-wrap"><table class="metrics">\n<thead><tr><th>Run</th><th>Policy</th><th>Capacity</th>';
  for (const k of keys) {
    const unit = unitOf(k);
    out += `<th class="num" title="${escapeXml(k)}">${escapeXml(humanise(k))}${unit !== undefined ? ` <span class="hint">(${escapeXml(unit)})</span>` : ''}</th>`;
  }
  out += '</tr></thead>\n<tbody>\n';
  runs.forEach((r, i) => {
    out += `<tr data-run="${i}"><th scope="row"><span class="swatch" style="background:${runColor(i)}"></span>${escapeXml(r.label)}</th><td>${escapeXml(r.policy)}</td><td>${escapeXml(r.capacity)}</td>`;
    for (const k of keys) {
      const v = own(r.metrics, k);
      const isBest = typeof v === 'number' && best.get(k) === v;
      const num = typeof v === 'number';
      const cls = [num ? 'num' : '', isBest ? 'best' : ''].filter(Boolean).join(' ');
      const exact = typeof v === 'number' ? ` title="${escapeXml(String(v))}"` : '';
      out += `<td${cls ? ` class="${cls}"` : ''}${exact}>${escapeXml(formatMetric(k, v))}</td>`;
    }
    out += '</tr>\n';
  });
  return out + '</tbody></table></div>\n';
}

/** The colour of run `i` in the table and the comparison chart. */
function runColor(i: number): string {
  return JOB_PALETTE[i % JOB_PALETTE.length]!;
}

function runSummary(run: ReportRun, i: number, formatMetric: FormatMetric): string {
  const bits = [`policy ${run.policy}`, `capacity ${run.capacity}`];
  for (const k of COMPARISON_METRICS) {
    const v = run.metrics[k];
    if (v !== undefined) bits.push(`${humanise(k)} ${formatMetric(k, v)}`);
  }
  bits.push(`${formatNumber(run.gantt.bars.length)} tasks`);
  return `<span class="swatch" style="background:${runColor(i)}"></span>${escapeXml(run.label)}<span class="sub">${escapeXml(bits.join(' · '))}</span>`;
}

/** Metrics for the chart: the preferred ones every run has as numbers, else up to 4 others. */
function chartMetrics(runs: readonly ReportRun[]): string[] {
  const all = metricKeys(runs).filter((k) => numericIn(runs, k).length === runs.length);
  const preferred = COMPARISON_METRICS.filter((k) => all.includes(k));
  return preferred.length > 0 ? preferred.slice(0, 4) : all.slice(0, 4);
}

/**
 * Bars of each metric per run, one panel per metric with its own zero-based scale (metrics have
 * different units, so one shared axis would flatten the small ones); runs keep their colour across
 * panels, and the best bar of a panel is labelled.
 */
function comparisonChart(
  runs: readonly ReportRun[],
  better: (k: string) => 'lower' | 'higher' | 'none',
  unitOf: (k: string) => string | undefined,
  formatMetric: FormatMetric,
  isPercent: (key: string) => boolean,
): string {
  const metrics = chartMetrics(runs);
  if (metrics.length === 0) return '<p class="empty">No metric is a number in every run, so there is nothing to chart.</p>\n';
  const width = 1000;
  const cols = metrics.length === 1 ? 1 : 2;
  const margin = 6;
  const panelW = (width - 2 * margin - 20 * (cols - 1)) / cols;
  const barH = 18;
  const gapY = 6;
  const labelW = Math.min(170, Math.max(70, Math.max(...runs.map((r) => Math.min(24, r.label.length))) * 6.6 + 12));
  const panelH = 44 + runs.length * (barH + gapY) + 18;
  const rows = Math.ceil(metrics.length / cols);
  const height = rows * panelH + (rows - 1) * 16;
  let out = `<div class="chart-wrap"><svg xmlns="http://www.w3.org/2000/svg" class="comparison" width="${width}" height="${n(height)}" viewBox="0 0 ${width} ${n(height)}" role="img" aria-label="${escapeXml(`Comparison of ${metrics.map(humanise).join(', ')} per run`)}" font-family="system-ui, -apple-system, 'Segoe UI', Roboto, 'Liberation Sans', 'DejaVu Sans', Arial, sans-serif" font-size="11">`;
  metrics.forEach((key, mi) => {
    const px = margin + (mi % cols) * (panelW + 20);
    const py = Math.floor(mi / cols) * (panelH + 16);
    const values = runs.map((r) => r.metrics[key] as number);
    const dir = better(key);
    const share = isPercent(key);
    const lo = Math.min(0, ...values);
    const hi = Math.max(0, ...values);
    const ticks = niceTicks(share ? lo * 100 : lo, share ? Math.max(hi * 100, 1e-9) : hi === lo ? lo + 1 : hi, 4);
    const scale = share ? 100 : 1;
    const x0 = px + labelW;
    const plotW = panelW - labelW - 70;
    const x = (v: number): number => x0 + ((v * scale - ticks.start) / (ticks.end - ticks.start)) * plotW;
    const bestValue = dir === 'none' ? undefined : dir === 'lower' ? Math.min(...values) : Math.max(...values);
    const unit = unitOf(key);
    out += `<g class="metric-panel" data-metric="${escapeXml(key)}">`;
    out += `<text x="${n(px)}" y="${n(py + 14)}" font-size="13" font-weight="600" fill="${INK}">${escapeXml(humanise(key))}${unit !== undefined ? ` (${escapeXml(unit)})` : share ? ' (%)' : ''}</text>`;
    if (dir !== 'none') out += `<text x="${n(px + panelW)}" y="${n(py + 14)}" text-anchor="end" fill="${INK_MUTED}">${dir} is better</text>`;
    const top = py + 28;
    const bottom = top + runs.length * (barH + gapY);
    for (const t of ticks.values) {
      const tx = x0 + ((t - ticks.start) / (ticks.end - ticks.start)) * plotW;
      out += `<line x1="${n(tx)}" y1="${n(top - 2)}" x2="${n(tx)}" y2="${n(bottom)}" stroke="${GRID}"/>`;
      out += `<text x="${n(tx)}" y="${n(bottom + 13)}" text-anchor="middle" fill="${INK_MUTED}">${escapeXml(formatNumber(t, ticks.decimals))}</text>`;
    }
    runs.forEach((r, ri) => {
      const v = values[ri]!;
      const y = top + ri * (barH + gapY);
      const a = x(Math.min(0, v));
      const b = x(Math.max(0, v));
      const isBest = bestValue !== undefined && v === bestValue && !values.every((w) => w === v);
      const fill = runColor(ri);
      out += `<text x="${n(x0 - 8)}" y="${n(y + barH / 2 + 4)}" text-anchor="end" fill="${INK}">${escapeXml(truncate(r.label, 24))}</text>`;
      out += `<rect data-run="${ri}" x="${n(a)}" y="${n(y)}" width="${n(Math.max(1, b - a))}" height="${barH}" rx="2" fill="${fill}" stroke="${outlineOf(fill)}" stroke-width="0.6"><title>${escapeXml(`${r.label}: ${humanise(key)} ${formatMetric(key, v)}`)}</title></rect>`;
      out += `<text x="${n(b + 5)}" y="${n(y + barH / 2 + 4)}" fill="${INK}"${isBest ? ' font-weight="700"' : ''}>${escapeXml(formatMetric(key, v) + (isBest ? ' ★' : ''))}</text>`;
    });
    out += `<line x1="${n(x(0))}" y1="${n(top - 2)}" x2="${n(x(0))}" y2="${n(bottom)}" stroke="${INK_MUTED}"/>`;
    out += '</g>';
  });
  return out + '</svg></div>\n';
}
