import { describe, expect, it } from 'vitest';
import type { GanttInput } from '../../../src/export/gantt-svg.js';
import { guessDirection, humanise, renderHtmlReport, type ReportInput, type ReportRun } from '../../../src/export/report-html.js';
import { parseXml, syntheticSchedule, threeRunReport } from '../../browser/fixtures.js';

const tiny: GanttInput = { pools: [{ name: 'P', slots: 1 }], bars: [{ taskId: 't', label: 't', jobId: 'j', pool: 'P', priority: 0, start: 0, end: 1, state: 'Finished' }] };

function run(label: string, metrics: ReportRun['metrics'], gantt: GanttInput = tiny): ReportRun {
  return { label, policy: 'fifo', capacity: '1 RU', metrics, gantt };
}

/** The inline SVG documents of a report, in order. */
function svgsOf(html: string): string[] {
  return [...html.matchAll(/<svg[\s\S]*?<\/svg>/g)].map((m) => m[0]);
}

/** The cells of the metrics table's body, row by row, with their class. */
function tableRows(html: string): Array<Array<{ text: string; cls: string }>> {
  const body = /<tbody>([\s\S]*?)<\/tbody>/.exec(html)![1]!;
  return [...body.matchAll(/<tr[^>]*>([\s\S]*?)<\/tr>/g)].map((r) =>
    [...r[1]!.matchAll(/<(td|th)([^>]*)>([\s\S]*?)<\/\1>/g)].map((c) => ({ text: c[3]!.replace(/<[^>]+>/g, ''), cls: /class="([^"]*)"/.exec(c[2]!)?.[1] ?? '' })),
  );
}

describe('renderHtmlReport()', () => {
  it('writes one self-contained HTML5 document: no script, no link, nothing fetched', () => {
    const html = renderHtmlReport(threeRunReport());
    expect(html.startsWith('<!doctype html>\n<html lang="en">')).toBe(true);
    expect(html).toContain('<meta charset="utf-8">');
    expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|\ssrc=|\shref=/i);
    // The only URL is the SVG namespace; url() only points inside the document.
    expect(new Set([...html.matchAll(/https?:\/\/[^\s"')]+/g)].map((m) => m[0]))).toEqual(new Set(['http://www.w3.org/2000/svg']));
    expect([...html.matchAll(/url\(([^)]*)\)/g)].every((m) => m[1]!.startsWith('#'))).toBe(true);
  });

  it('inlines well-formed SVG: a comparison chart and three views per run (one for a run too big for them), with ids unique across the page', () => {
    const input = threeRunReport();
    const html = renderHtmlReport(input);
    const svgs = svgsOf(html);
    // slots, jobs and tasks for the runs of 12 and 200 bars; the 10,000-bar run aggregated once.
    expect(svgs).toHaveLength(1 + 3 + 3 + 1);
    for (const svg of svgs) expect(parseXml(svg).errors).toEqual([]);
    expect(svgs[0]).toContain('class="comparison"');
    const ids = [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
    const bars = svgs.slice(1).map((s) => parseXml(s).elements.filter((e) => 'data-bar' in e.attributes).length);
    expect(bars).toEqual([12, 12, 12, 200, 200, 200, 0]);
    expect(svgs.slice(1, 7).map((s) => /data-rows="(\w+)"/.exec(s)?.[1])).toEqual(['slots', 'jobs', 'tasks', 'slots', 'jobs', 'tasks']);
    expect(svgs[7]).toContain('data-mode="aggregate"');
    expect(svgs[7]).toContain('data-aggregated-bars="10000"');
    expect([...html.matchAll(/<section class="view" data-view="(\w+)">/g)].map((m) => m[1])).toEqual(['slots', 'jobs', 'tasks', 'slots', 'jobs', 'tasks', 'slots']);
  });

  it('draws only the view asked for when options name one', () => {
    const svgs = svgsOf(renderHtmlReport(threeRunReport(), { rows: 'tasks' }));
    expect(svgs).toHaveLength(1 + 3);
    expect(svgs.slice(1, 3).map((s) => /data-rows="(\w+)"/.exec(s)?.[1])).toEqual(['tasks', 'tasks']);
  });

  it('puts each run’s Gantt in a <details>, the first one open', () => {
    const html = renderHtmlReport(threeRunReport());
    const details = [...html.matchAll(/<details class="run" data-run="(\d)"( open)?>/g)];
    expect(details.map((d) => [d[1], d[2] !== undefined])).toEqual([
      ['0', true],
      ['1', false],
      ['2', false],
    ]);
  });

  it('has a table row per run and a column per metric, numbers formatted', () => {
    const input: ReportInput = {
      title: 'T',
      runs: [run('a', { makespan: 12345.678, utilisation: 0.8123, note: 'warm' }), run('b', { makespan: 999, extra: 3 })],
    };
    const html = renderHtmlReport(input);
    const head = /<thead>([\s\S]*?)<\/thead>/.exec(html)![1]!;
    expect([...head.matchAll(/<th[^>]*>([^<]*)/g)].map((m) => m[1])).toEqual(['Run', 'Policy', 'Capacity', 'makespan', 'utilisation', 'note', 'extra']);
    const rows = tableRows(html);
    expect(rows).toHaveLength(2);
    expect(rows[0]!.map((c) => c.text)).toEqual(['a', 'fifo', '1 RU', '12,346', '81.2 %', 'warm', '—']);
    expect(rows[1]!.map((c) => c.text)).toEqual(['b', 'fifo', '1 RU', '999', '—', '—', '3']);
  });

  it('prints a share column as percentages only when every run’s value is in [0, 1], and a column with one precision', () => {
    const rows = tableRows(renderHtmlReport({ title: 'T', runs: [run('a', { utilisation: 1, ratio: 1, loadShare: 1.2 }), run('b', { utilisation: 0.25, ratio: 1.05, loadShare: 0.5 })] }));
    expect(rows.map((r) => r.slice(3).map((c) => c.text))).toEqual([
      ['100 %', '1.00', '1.2'],
      ['25 %', '1.05', '0.5'],
    ]);
  });

  it('prints a column with the decimals its values need, the same in every row', () => {
    const rows = tableRows(renderHtmlReport({ title: 'T', runs: [run('a', { meanWait: 7.07, utilisation: 0.721, makespan: 6721.4 }), run('b', { meanWait: 0.5, utilisation: 1, makespan: 169 })] }));
    expect(rows.map((r) => r.slice(3).map((c) => c.text))).toEqual([
      ['7.07', '72.1 %', '6,721'],
      ['0.50', '100.0 %', '169'],
    ]);
    const waits = tableRows(renderHtmlReport({ title: 'T', runs: [run('a', { meanWait: 0.5 }), run('b', { meanWait: 0.5 })] }));
    expect(waits.map((r) => r[3]!.text)).toEqual(['0.5', '0.5']);
  });

  it('highlights the best value per column: lower makespan, higher utilisation, ties both, unknown none', () => {
    const input: ReportInput = {
      title: 'T',
      runs: [
        run('a', { makespan: 100, utilisation: 0.5, meanJobCompletion: 10, tasks: 5 }),
        run('b', { makespan: 80, utilisation: 0.9, meanJobCompletion: 10, tasks: 7 }),
        run('c', { makespan: 80, utilisation: 0.7, meanJobCompletion: 12, tasks: 9 }),
      ],
    };
    const rows = tableRows(renderHtmlReport(input));
    const best = rows.map((r) => r.slice(3).map((c) => c.cls.includes('best')));
    expect(best).toEqual([
      [false, false, true, false],
      [true, true, true, false],
      [true, false, false, false],
    ]);
    // An explicit direction wins over the guess.
    const flipped = tableRows(renderHtmlReport({ ...input, better: { tasks: 'higher', makespan: 'none' } }));
    expect(flipped.map((r) => r[6]!.cls.includes('best'))).toEqual([false, false, true]);
    expect(flipped.map((r) => r[3]!.cls.includes('best'))).toEqual([false, false, false]);
  });

  it('reads a metric named like a member of Object.prototype (toString, constructor) as any other name', () => {
    // Run c lacks the metric; better, units and decimals do not name it.
    const input = (name: string): ReportInput => ({
      title: 'T',
      runs: [run('a', { [name]: 3, makespan: 2 }), run('b', { [name]: 4, makespan: 3 }), run('c', { makespan: 1 })],
      better: { makespan: 'lower' },
      units: { makespan: 's' },
      decimals: { makespan: 1 },
    });
    for (const name of ['toString', 'constructor', 'valueOf', 'hasOwnProperty']) {
      // Was a TypeError (units: escapeXml of a function), the function's source as its direction
      // (better), and −∞ for run c's missing value.
      const expected = renderHtmlReport(input('zzmetric')).replaceAll('>zzmetric<', `>${humanise(name)}<`).replaceAll('zzmetric', name);
      expect(renderHtmlReport(input(name)), name).toBe(expected);
    }
  });

  it('does not highlight a column where every run has the same value', () => {
    const rows = tableRows(renderHtmlReport({ title: 'T', runs: [run('a', { makespan: 5 }), run('b', { makespan: 5 })] }));
    expect(rows.flat().some((c) => c.cls.includes('best'))).toBe(false);
  });

  it('charts the preferred metrics every run has, one panel each, a bar per run', () => {
    const input: ReportInput = {
      title: 'T',
      runs: [run('a', { makespan: 10, meanJobCompletion: 4, utilisation: 0.5, other: 1 }), run('b', { makespan: 12, meanJobCompletion: 3, other: 2 })],
    };
    const chart = parseXml(svgsOf(renderHtmlReport(input))[0]!);
    expect(chart.errors).toEqual([]);
    expect(chart.elements.filter((e) => e.attributes['class'] === 'metric-panel').map((e) => e.attributes['data-metric'])).toEqual(['makespan', 'meanJobCompletion']);
    expect(chart.elements.filter((e) => e.name === 'rect' && 'data-run' in e.attributes)).toHaveLength(4);
  });

  it('falls back to other numeric metrics for the chart, and says so when there are none', () => {
    const other = svgsOf(renderHtmlReport({ title: 'T', runs: [run('a', { cost: 3, x: 'y' }), run('b', { cost: 4, x: 'z' })] }))[0]!;
    expect(other).toContain('data-metric="cost"');
    const none = renderHtmlReport({ title: 'T', runs: [run('a', { x: 'y' }), run('b', {})] });
    expect(none).toContain('No metric is a number in every run');
    expect(none).not.toContain('class="comparison"');
  });

  it('escapes every text: title, notes, labels, policies, metric names and values', () => {
    const evil = `<script>alert('x')</script>&"`;
    const html = renderHtmlReport({
      title: evil,
      generatedAt: evil,
      notes: [evil],
      runs: [{ label: evil, policy: evil, capacity: evil, metrics: { [evil]: evil, makespan: 1 }, gantt: { ...tiny, title: evil } }],
    });
    expect(html).not.toContain('<script');
    expect(html).toContain('&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;');
    for (const svg of svgsOf(html)) expect(parseXml(svg).errors).toEqual([]);
  });

  it('gives the same bytes for the same input', () => {
    expect(renderHtmlReport(threeRunReport())).toBe(renderHtmlReport(threeRunReport()));
  });

  it('renders a report without runs', () => {
    const html = renderHtmlReport({ title: 'Empty', runs: [] });
    expect(html).toContain('No runs to compare.');
    expect(html).not.toContain('<table');
  });

  it('rejects an input that is not a report of the right shapes with a typed error (it crashed inside, or wrote "undefined" into the HTML)', () => {
    const ok = run('a', { makespan: 1 });
    const cases: Array<[unknown, RegExp, string]> = [
      [undefined, /^renderHtmlReport: expected `input` to be an object \{ title, runs \}, got `undefined` \(undefined\)$/, 'ERR_INVALID_ARG_TYPE'],
      [null, /expected `input` to be an object \{ title, runs \}, got `null`/, 'ERR_INVALID_ARG_TYPE'],
      [{ runs: [ok] }, /^renderHtmlReport: expected `title` to be a string, got `undefined` \(undefined\)$/, 'ERR_INVALID_ARG_TYPE'],
      [{ title: 'T', runs: 'ab' }, /expected `runs` to be an array, got `"ab"` \(string\)/, 'ERR_INVALID_ARG_VALUE'],
      [{ title: 'T', runs: [ok, null] }, /^renderHtmlReport: expected `runs\[1\]` to be an object \{ label, policy, capacity, metrics, gantt \}, got `null` \(null\)$/, 'ERR_INVALID_ARG_TYPE'],
      [{ title: 'T', runs: [{ ...ok, label: undefined }] }, /expected `runs\[0\].label` to be a string, got `undefined`/, 'ERR_INVALID_ARG_TYPE'],
      [{ title: 'T', runs: [{ ...ok, policy: 3 }] }, /expected `runs\[0\].policy` to be a string, got `3` \(number\)/, 'ERR_INVALID_ARG_TYPE'],
      [{ title: 'T', runs: [{ ...ok, capacity: undefined }] }, /expected `runs\[0\].capacity` to be a string/, 'ERR_INVALID_ARG_TYPE'],
      [{ title: 'T', runs: [{ ...ok, metrics: undefined }] }, /expected `runs\[0\].metrics` to be an object of numbers and strings, got `undefined`/, 'ERR_INVALID_ARG_TYPE'],
      [{ title: 'T', runs: [{ ...ok, metrics: 5 }] }, /expected `runs\[0\].metrics` to be an object/, 'ERR_INVALID_ARG_TYPE'],
      [{ title: 'T', runs: [{ ...ok, metrics: { makespan: { x: 1 } } }] }, /expected `runs\[0\].metrics.makespan` to be a number or a string, got `\{ x: 1 \}` \(object\)/, 'ERR_INVALID_ARG_TYPE'],
      [{ title: 'T', runs: [{ ...ok, gantt: undefined }] }, /expected `runs\[0\].gantt` to be an object \{ bars, pools \}, got `undefined`/, 'ERR_INVALID_ARG_TYPE'],
      [{ title: 'T', runs: [{ ...ok, gantt: { pools: [] } }] }, /expected `runs\[0\].gantt` to be an object \{ bars, pools \}/, 'ERR_INVALID_ARG_TYPE'],
      [{ title: 'T', runs: [ok], notes: null }, /expected `notes` to be an array of strings, got `null`/, 'ERR_INVALID_ARG_TYPE'],
      [{ title: 'T', runs: [ok], notes: ['x', 5] }, /expected `notes\[1\]` to be a string, got `5`/, 'ERR_INVALID_ARG_TYPE'],
      [{ title: 'T', runs: [ok], better: null }, /expected `better` to be an object of metric → 'lower', 'higher' or 'none', got `null`/, 'ERR_INVALID_ARG_TYPE'],
      [{ title: 'T', runs: [ok], better: { makespan: 'less' } }, /expected `better.makespan` to be 'lower', 'higher' or 'none', got `"less"`/, 'ERR_INVALID_ARG_VALUE'],
      [{ title: 'T', runs: [ok], units: null }, /expected `units` to be an object of metric → unit, got `null`/, 'ERR_INVALID_ARG_TYPE'],
      [{ title: 'T', runs: [ok], units: { makespan: 1 } }, /expected `units.makespan` to be a string, got `1`/, 'ERR_INVALID_ARG_TYPE'],
      [{ title: 'T', runs: [ok], generatedAt: null }, /expected `generatedAt` to be a string, got `null`/, 'ERR_INVALID_ARG_TYPE'],
    ];
    for (const [input, message, code] of cases) {
      expect(() => renderHtmlReport(input as ReportInput), String(message)).toThrow(message);
      expect(() => renderHtmlReport(input as ReportInput), String(message)).toThrow(expect.objectContaining({ name: 'TypeError', code }));
    }
    expect(() => renderHtmlReport({ title: 'T', runs: [ok] }, null as never)).toThrow(expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE', message: 'renderHtmlReport: expected `options` to be an object, got `null` (null)' }));
    // What the type allows still renders, with nothing undefined in it.
    expect(renderHtmlReport({ title: 'T', runs: [ok], notes: [], better: {}, units: {} })).not.toMatch(/undefined|NaN/);
  });

  it('passes Gantt options to every chart', () => {
    const html = renderHtmlReport({ title: 'T', runs: [run('a', {}, syntheticSchedule({ tasks: 40, jobs: 2, pools: [{ name: 'P', slots: 2 }] }))] }, { maxBars: 10 });
    expect(html).toContain('data-mode="aggregate"');
  });
});

describe('report helpers', () => {
  it('humanise() splits camelCase and separators', () => {
    expect(humanise('meanJobCompletion')).toBe('mean job completion');
    expect(humanise('p95JobCompletion')).toBe('p95 job completion');
    expect(humanise('queue_wait-time')).toBe('queue wait time');
    expect(humanise('RUCount')).toBe('ru count');
  });

  it('guessDirection() knows times and failures are better low, utilisation high', () => {
    expect(['makespan', 'meanJobCompletion', 'p95JobCompletion', 'meanWait', 'failed', 'cost', 'priorityInversions'].map(guessDirection)).toEqual(Array(7).fill('lower'));
    expect(['utilisation', 'utilization', 'throughput'].map(guessDirection)).toEqual(Array(3).fill('higher'));
    expect(['tasks', 'jobs', 'seed', 'ratio', 'lowerBound'].map(guessDirection)).toEqual(Array(5).fill('none'));
  });
});
