/**
 * Every picture `jobgraph simulate` draws, looked at in Chromium: a 200-task ams-mix simulated
 * under two policies, its Gantt chart in each view (slots, jobs, tasks) and its HTML report. The
 * checks read the boxes Chromium rendered (getBBox), not the markup: no label wider than its bar,
 * the label column clear of the plot, the legend and every text inside the picture, no two bars
 * (or a bar and a wait) of a row over each other. Screenshots go to test-artifacts/.
 *
 * Needs Chromium as report.browser.test.ts does (scripts/ensure-test-tools.sh; JOBGRAPH_SKIP_BROWSER=1 skips).
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateWorkload } from '../../src/workload/stream.js';
import { renderHtmlReport } from '../../src/export/report-html.js';
import { runCli } from '../helpers/cli.js';
import { threeRunReport } from './fixtures.js';

const skip = process.env.JOBGRAPH_SKIP_BROWSER === '1';
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const artifacts = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
const VIEWS = ['slots', 'jobs', 'tasks'] as const;
const RUNS = 2;

/** What the page found wrong with one chart, in words; empty when nothing. */
type Findings = { problems: string[]; bars: number; labels: number; rowLabels: number; legendLines: number; mode: string | null; rows: string | null };

// Runs in the page: plain JavaScript over the rendered SVG (tsconfig has no DOM lib, so the types
// the page has are described by hand).
const inspect = `(svg) => {
  const W = svg.viewBox.baseVal.width, H = svg.viewBox.baseVal.height;
  const problems = [];
  const box = (el) => el.getBBox();
  const describe = (el) => (el.getAttribute('class') || el.tagName) + ' "' + (el.textContent || '').slice(0, 40) + '"';
  for (const t of svg.querySelectorAll('text')) {
    const b = box(t);
    if (b.width === 0) continue;
    if (b.x < -0.5 || b.y < -0.5 || b.x + b.width > W + 0.5 || b.y + b.height > H + 0.5) problems.push('outside the picture: ' + describe(t));
  }
  let labels = 0;
  for (const t of svg.querySelectorAll('text.bar-label')) {
    labels++;
    let r = t.previousElementSibling;
    while (r && !r.hasAttribute('data-bar')) r = r.previousElementSibling;
    const rb = box(r), tb = box(t);
    if (tb.x < rb.x - 0.5 || tb.x + tb.width > rb.x + rb.width + 0.5) problems.push('label wider than its bar: ' + describe(t) + ' ' + tb.width.toFixed(1) + ' > ' + rb.width.toFixed(1));
  }
  const plotX = Number(svg.getAttribute('data-plot-x'));
  const left = [...svg.querySelectorAll('.group-label, .group-sub, .row-label')];
  for (const t of left) if (box(t).x + box(t).width > plotX + 0.5) problems.push('label runs into the plot: ' + describe(t));
  const overlaps = (a, b) => a.x < b.x + b.width - 0.5 && b.x < a.x + a.width - 0.5 && a.y < b.y + b.height - 0.5 && b.y < a.y + a.height - 0.5;
  const groupLabels = [...svg.querySelectorAll('.group-label, .group-sub')].map(box);
  const rowLabels = [...svg.querySelectorAll('.row-label')].map(box);
  for (const g of groupLabels) for (const r of rowLabels) if (overlaps(g, r)) { problems.push('a job name over a task name'); break; }
  const legend = [...svg.querySelectorAll('.legend text')].map(box);
  for (let i = 0; i < legend.length; i++) for (let j = i + 1; j < legend.length; j++) if (overlaps(legend[i], legend[j])) problems.push('legend entries overlap: ' + i + ', ' + j);
  const title = svg.querySelector('.title'), summary = svg.querySelector('.summary');
  if (title && summary && overlaps(box(title), box(summary))) problems.push('the title runs into the summary');
  const rows = new Map();
  for (const r of svg.querySelectorAll('rect[data-bar], rect.wait')) {
    const b = box(r);
    const key = Math.round(b.y + b.height / 2);
    if (!rows.has(key)) rows.set(key, []);
    rows.get(key).push([b.x, b.x + b.width, r.getAttribute('data-task-id')]);
  }
  for (const list of rows.values()) {
    list.sort((a, b) => a[0] - b[0]);
    // A zero-length task is drawn 1px wide: that pixel may touch its neighbour.
    for (let i = 1; i < list.length; i++) if (list[i][0] < list[i - 1][1] - 1.01) problems.push('overlap in a row: ' + list[i - 1][2] + ' and ' + list[i][2]);
  }
  const legendLines = new Set([...svg.querySelectorAll('.legend text')].map((t) => Math.round(box(t).y))).size;
  return { problems, bars: svg.querySelectorAll('[data-bar]').length, labels, rowLabels: rowLabels.length, legendLines, mode: svg.getAttribute('data-mode'), rows: svg.getAttribute('data-rows') };
}`;

describe.skipIf(skip)('every picture of a 200-task simulation, in headless Chromium', { timeout: 180_000 }, () => {
  let browser: Browser | undefined;
  let page: Page;
  let tmp: string | undefined;
  const pageErrors: string[] = [];
  let setupError: unknown;
  const ready = (): void => {
    if (setupError !== undefined) throw setupError;
  };

  beforeAll(async () => {
    try {
      if (!existsSync(executablePath)) throw new Error(`Chromium is not installed at ${executablePath}: run scripts/ensure-test-tools.sh, or set CHROMIUM_PATH (JOBGRAPH_SKIP_BROWSER=1 skips)`);
      await mkdir(artifacts, { recursive: true });
      tmp = await mkdtemp(join(tmpdir(), 'jobgraph-gantt-'));
      const workload = join(tmp, 'mix.json');
      await writeFile(workload, JSON.stringify(generateWorkload('ams-mix', { tasks: 200, seed: 7, rate: 12 })));
      const args = ['simulate', workload, '--policy', 'priority,fifo', '--reserved-units', '3'];
      for (const view of VIEWS) {
        const r = await runCli([...args, '--gantt', join(artifacts, `sim-${view}.svg`), '--gantt-rows', view]);
        if (r.code !== 0) throw new Error(r.stderr);
      }
      const r = await runCli([...args, '--report', join(artifacts, 'sim-report.html')]);
      if (r.code !== 0) throw new Error(r.stderr);
      await writeFile(join(tmp, 'fixtures.html'), renderHtmlReport(threeRunReport()));
      browser = await chromium.launch({ executablePath, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
      page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      page.on('pageerror', (e) => pageErrors.push(String(e)));
    } catch (err) {
      setupError = err;
    }
  }, 180_000);

  afterAll(async () => {
    try {
      await browser?.close();
    } finally {
      if (tmp !== undefined) await rm(tmp, { recursive: true, force: true });
    }
  });

  for (const view of VIEWS) {
    it(`draws the ${view} view of each run readably: labels inside their bars, legend and texts inside the picture, no overlaps`, async () => {
      ready();
      for (let run = 1; run <= RUNS; run++) {
        const file = join(artifacts, `sim-${view}-${run}.svg`);
        await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
        const found = (await page.evaluate(`(${inspect})(document.documentElement)`)) as Findings;
        expect(found.problems, `${file}`).toEqual([]);
        expect(found).toMatchObject({ mode: 'bars', rows: view, bars: 200 });
        // Names show: in the bars that have room, and beside every task row in the task view.
        expect(found.labels).toBeGreaterThan(view === 'tasks' ? 0 : 5);
        if (view === 'tasks') expect(found.rowLabels).toBe(200);
        if (view === 'slots') expect(found.legendLines).toBeGreaterThan(3);
        await page.locator('svg').screenshot({ path: file.replace(/\.svg$/, '.png') });
      }
      expect(pageErrors).toEqual([]);
    });
  }

  it('finds what it looks for: a label wider than its bar, bars over each other, a legend out of the picture', async () => {
    ready();
    const bad =
      '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="100" viewBox="0 0 300 100" data-plot-x="50" font-size="11">' +
      '<rect data-bar="" data-task-id="a" x="60" y="10" width="30" height="10"/><text class="bar-label" x="63" y="18">WWWWWWWW</text>' +
      '<rect data-bar="" data-task-id="b" x="80" y="10" width="30" height="10"/>' +
      '<g class="legend"><text x="250" y="60">a legend entry that runs out</text></g></svg>';
    await page.goto('about:blank');
    await page.setContent(bad);
    const found = (await page.evaluate(`(${inspect})(document.querySelector('svg'))`)) as Findings;
    expect(found.problems.some((p) => p.startsWith('label wider than its bar'))).toBe(true);
    expect(found.problems.some((p) => p.startsWith('overlap in a row: a and b'))).toBe(true);
    expect(found.problems.some((p) => p.startsWith('outside the picture'))).toBe(true);
  });

  it('draws the fixture report\'s charts readably too: markup in names, failed and canceled tasks, long pool names', async () => {
    ready();
    await page.goto(pathToFileURL(join(tmp!, 'fixtures.html')).href, { waitUntil: 'load' });
    await page.$$eval('details.run', (ds) => ds.forEach((d) => d.setAttribute('open', '')));
    const charts = (await page.$$eval('svg.jobgraph-gantt', (svgs, code) => svgs.map((s) => (0, eval)(code)(s)), inspect)) as Findings[];
    expect(charts).toHaveLength(7);
    for (const c of charts) expect(c.problems).toEqual([]);
  });

  it('shows the report: three views a run, each readable, and the metrics table saying the same utilisation as the charts', async () => {
    ready();
    await page.goto(pathToFileURL(join(artifacts, 'sim-report.html')).href, { waitUntil: 'load' });
    await page.$$eval('details.run', (ds) => ds.forEach((d) => d.setAttribute('open', '')));
    const charts = await page.$$eval('svg.jobgraph-gantt', (svgs, code) => svgs.map((s) => (0, eval)(code)(s)), inspect);
    expect((charts as Findings[]).map((c) => c.rows)).toEqual(['slots', 'jobs', 'tasks', 'slots', 'jobs', 'tasks']);
    for (const c of charts as Findings[]) expect(c.problems).toEqual([]);
    const busy = await page.$$eval('svg.jobgraph-gantt .summary', (ts) => ts.map((t) => /([\d.]+ %) busy/.exec(t.textContent ?? '')?.[1]));
    const util = await page.$$eval('table.metrics tbody tr', (rows) =>
      rows.map((r) => {
        const heads = [...r.closest('table')!.querySelectorAll('thead th')].map((h) => h.getAttribute('title') ?? h.textContent);
        return r.children[heads.indexOf('utilisation')]!.textContent;
      }),
    );
    expect(busy).toEqual(util.flatMap((u) => [u, u, u]));
    expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
    await page.screenshot({ path: join(artifacts, 'sim-report.png'), fullPage: true });
    expect(pageErrors).toEqual([]);
  });
});
