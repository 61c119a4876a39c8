/**
 * The HTML report as people see it: written to a file, opened in Debian's Chromium (headless,
 * through playwright-core), checked for errors and counts, and photographed into test-artifacts/.
 *
 * Needs /usr/bin/chromium (or CHROMIUM_PATH): `scripts/ensure-test-tools.sh` installs it. Without
 * it this suite fails, on purpose; JOBGRAPH_SKIP_BROWSER=1 skips it explicitly.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderHtmlReport } from '../../src/export/report-html.js';
import { threeRunReport } from './fixtures.js';

const skip = process.env.JOBGRAPH_SKIP_BROWSER === '1';
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const artifacts = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
// Per run: the slot, job and task views (each drawing every bar), one aggregated chart for 10,000.
const EXPECTED_BARS = [36, 600, 0];

describe.skipIf(skip)('the HTML report in headless Chromium', { timeout: 120_000 }, () => {
  let browser: Browser | undefined;
  let page: Page;
  let tmp: string | undefined;
  let fileUrl: string;
  const consoleErrors: string[] = [];
  const pageErrors: string[] = [];
  const requests: string[] = [];
  const timing: Record<string, number> = {};

  // A setup failure (no Chromium, a launch that fails) is kept and thrown by every test, so each
  // counts as failed: vitest would count the tests of a suite whose beforeAll throws as skipped.
  let setupError: unknown;
  const ready = (): void => {
    if (setupError !== undefined) throw setupError;
  };

  beforeAll(async () => {
    try {
      await setUp();
    } catch (err) {
      setupError = err;
    }
  }, 120_000);

  async function setUp(): Promise<void> {
    if (!existsSync(executablePath)) {
      throw new Error(
        `Chromium is not installed at ${executablePath}: run scripts/ensure-test-tools.sh (as root) to install Debian's chromium, ` +
          'or point CHROMIUM_PATH at a Chromium binary. Set JOBGRAPH_SKIP_BROWSER=1 to skip the browser tests on purpose.',
      );
    }
    const t0 = performance.now();
    const html = renderHtmlReport(threeRunReport());
    timing.renderMs = performance.now() - t0;
    tmp = await mkdtemp(join(tmpdir(), 'jobgraph-report-'));
    const file = join(tmp, 'report.html');
    await writeFile(file, html);
    await mkdir(artifacts, { recursive: true });
    await writeFile(join(artifacts, 'report.html'), html);
    fileUrl = pathToFileURL(file).href;

    const t1 = performance.now();
    browser = await chromium.launch({
      executablePath,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    timing.launchMs = performance.now() - t1;
    page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    page.on('request', (r) => requests.push(r.url()));
    const t2 = performance.now();
    await page.goto(fileUrl, { waitUntil: 'load' });
    timing.loadMs = performance.now() - t2;
  }

  afterAll(async () => {
    // Each step on its own, so a failure in one still runs the next.
    try {
      await browser?.close();
    } finally {
      if (tmp !== undefined) await rm(tmp, { recursive: true, force: true });
      if (Object.keys(timing).length > 0) {
        console.info(`browser test timing (ms): ${Object.entries(timing).map(([k, v]) => `${k} ${Math.round(v)}`).join(', ')}`);
      }
    }
  });

  it('loads with no console error, no page error and no request but the file itself', async () => {
    ready();
    expect(consoleErrors).toEqual([]);
    expect(pageErrors).toEqual([]);
    expect(requests.filter((u) => u !== fileUrl)).toEqual([]);
    expect(await page.title()).toBe('Policy comparison <test> & "quotes"');
  });

  it('draws 12, 200 and 0 [data-bar] elements in each of three views, the 10,000-task run aggregated once', async () => {
    ready();
    const charts = await page.$$eval('details.run', (ds) =>
      ds.map((d) => {
        const svg = d.querySelector('svg.jobgraph-gantt')!;
        return {
          bars: d.querySelectorAll('[data-bar]').length,
          views: [...d.querySelectorAll('svg.jobgraph-gantt')].map((s) => s.getAttribute('data-rows') ?? s.getAttribute('data-mode')),
          mode: svg.getAttribute('data-mode'),
          aggregated: svg.getAttribute('data-aggregated-bars'),
          aggRows: d.querySelectorAll('.agg-row').length,
          namespace: svg.namespaceURI,
        };
      }),
    );
    expect(charts.map((c) => c.bars)).toEqual(EXPECTED_BARS);
    expect(charts.map((c) => c.views)).toEqual([['slots', 'jobs', 'tasks'], ['slots', 'jobs', 'tasks'], ['aggregate']]);
    expect(charts.map((c) => c.mode)).toEqual(['bars', 'bars', 'aggregate']);
    expect(charts[2]!.aggregated).toBe('10000');
    expect(charts[2]!.aggRows).toBe(3);
    expect(new Set(charts.map((c) => c.namespace))).toEqual(new Set(['http://www.w3.org/2000/svg']));
    expect(await page.locator('[data-bar]').count()).toBe(636);
  });

  it('has a metrics table row per run and a comparison chart that takes up room', async () => {
    ready();
    expect(await page.locator('table.metrics tbody tr').count()).toBe(3);
    expect(await page.locator('table.metrics td.best').count()).toBeGreaterThan(0);
    const chart = await page.locator('svg.comparison').boundingBox();
    expect(chart).not.toBeNull();
    expect(chart!.width).toBeGreaterThan(500);
    expect(chart!.height).toBeGreaterThan(100);
    expect(await page.locator('svg.comparison .metric-panel').count()).toBe(4);
    expect(await page.locator('svg.comparison rect[data-run]').count()).toBe(12);
  });

  it('shows the first run open, and every chart at full size once opened, without overflowing the page', async () => {
    ready();
    expect(await page.$$eval('details.run', (ds) => ds.map((d) => d.hasAttribute('open')))).toEqual([true, false, false]);
    await page.$$eval('details.run', (ds) => ds.forEach((d) => d.setAttribute('open', '')));
    const sizes = await page.$$eval('svg.jobgraph-gantt', (svgs) => svgs.map((s) => s.getBoundingClientRect()).map((r) => [r.width, r.height]));
    for (const [w, h] of sizes) {
      expect(w).toBeGreaterThan(900);
      expect(h).toBeGreaterThan(100);
    }
    // A drawn bar has a box; its tooltip names the task.
    const bar = await page.$eval('[data-bar]', (r) => {
      // tsconfig has no DOM lib: describe the one method used.
      const b = (r as unknown as { getBBox(): { width: number; height: number } }).getBBox();
      return { w: b.width, h: b.height, title: r.querySelector('title')?.textContent ?? '' };
    });
    expect(bar.w).toBeGreaterThan(0);
    expect(bar.h).toBeGreaterThan(0);
    expect(bar.title).toMatch(/^Task: .+\nJob: .+\nPool: .+\nStart: .+\nEnd: .+\nDuration: .+\nPriority: .+\nState: /);
    expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
  });

  it('photographs the whole report and each chart into test-artifacts/', async () => {
    ready();
    await page.$$eval('details.run', (ds) => ds.forEach((d) => d.setAttribute('open', '')));
    const t = performance.now();
    const shots = [join(artifacts, 'report.png')];
    await page.screenshot({ path: shots[0], fullPage: true });
    const charts = page.locator('svg.jobgraph-gantt');
    const names = ['gantt-12-bars', 'gantt-12-bars-jobs', 'gantt-12-bars-tasks', 'gantt-200-bars', 'gantt-200-bars-jobs', 'gantt-200-bars-tasks', 'gantt-10000-aggregated'];
    for (const [i, name] of names.entries()) {
      const path = join(artifacts, `${name}.png`);
      await charts.nth(i).screenshot({ path });
      shots.push(path);
    }
    await page.locator('svg.comparison').screenshot({ path: join(artifacts, 'comparison.png') });
    shots.push(join(artifacts, 'comparison.png'));
    timing.screenshotsMs = performance.now() - t;
    for (const path of shots) {
      const head = (await readFile(path)).subarray(0, 8);
      expect(head.equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])), `${path} is a PNG`).toBe(true);
      expect((await stat(path)).size, `${path} is more than a blank page`).toBeGreaterThan(20_000);
    }
    expect((await stat(shots[0]!)).size).toBeGreaterThan(150_000);
  });
});
