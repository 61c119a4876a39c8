/**
 * Synthetic schedules for the chart tests: jobs of tasks list-scheduled onto the slots of a few
 * pools, deterministic for a seed. Not a simulator: just plausible pictures with known counts.
 */
import type { GanttBar, GanttInput } from '../../src/export/gantt-svg.js';
import type { ReportInput, ReportRun } from '../../src/export/report-html.js';
import { SaxesParser } from 'saxes';

/** mulberry32: small, deterministic. */
export function rng(seed: number): () => number {
  let a = seed | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface ScheduleSpec {
  tasks: number;
  jobs: number;
  pools: Array<{ name: string; slots: number }>;
  seed?: number;
  /** Put the slot the list scheduler chose on each bar; otherwise leave it to the chart. */
  withSlots?: boolean;
  /** Share of tasks that fail / are canceled. */
  failRate?: number;
  cancelRate?: number;
  /** Mean task duration. */
  meanDuration?: number;
  title?: string;
  timeUnit?: 'ms' | 's' | 'min';
  /** Give some tasks names with markup characters. */
  nastyNames?: boolean;
}

const STEPS = ['Ingest', 'Encode 1080p', 'Encode 720p', 'Thumbnails', 'Package', 'Index', 'Encrypt', 'Publish'];

/** A plausible finished schedule: every bar inside its pool's capacity (pools with 0 slots are unbounded). */
export function syntheticSchedule(spec: ScheduleSpec): GanttInput {
  const next = rng(spec.seed ?? 1);
  const mean = spec.meanDuration ?? 30;
  const free = new Map(spec.pools.map((p) => [p.name, new Array<number>(Math.max(0, p.slots)).fill(0)]));
  const bars: GanttBar[] = [];
  const perJob = Math.ceil(spec.tasks / spec.jobs);
  for (let t = 0; t < spec.tasks; t++) {
    const job = Math.min(spec.jobs - 1, Math.floor(t / perJob));
    const within = t - job * perJob;
    const pool = spec.pools[(job + within) % spec.pools.length]!;
    const release = job * mean * 0.8 + within * mean * 0.05;
    const duration = Math.max(0.5, mean * (0.3 + 1.4 * next()));
    const slots = free.get(pool.name)!;
    let start = release;
    let slot: number | undefined;
    if (slots.length > 0) {
      let best = 0;
      for (let k = 1; k < slots.length; k++) if (slots[k]! < slots[best]!) best = k;
      start = Math.max(release, slots[best]!);
      slots[best] = start + duration;
      slot = best;
    }
    const r = next();
    const state: GanttBar['state'] = r < (spec.failRate ?? 0) ? 'Error' : r < (spec.failRate ?? 0) + (spec.cancelRate ?? 0) ? 'Canceled' : 'Finished';
    const step = STEPS[within % STEPS.length]!;
    const label = spec.nastyNames && t % 5 === 0 ? `${step} <"${t}"> & 'more'` : `${step} #${within}`;
    const bar: GanttBar = {
      taskId: `task-${t}`,
      label,
      jobId: `job-${job}`,
      jobLabel: `Job ${job}${spec.nastyNames && job === 0 ? ' <&>' : ''}`,
      pool: pool.name,
      priority: (job * 7 + within) % 10,
      start: round(start),
      end: round(start + (state === 'Canceled' ? duration / 3 : duration)),
      state,
    };
    if (spec.withSlots && slot !== undefined) bar.slot = slot;
    bars.push(bar);
  }
  const input: GanttInput = { bars, pools: spec.pools, timeUnit: spec.timeUnit ?? 's' };
  if (spec.title !== undefined) input.title = spec.title;
  return input;
}

function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}

/** Metrics of a schedule, as a simulator would report them. */
export function metricsOf(g: GanttInput): Record<string, number> {
  let lo = Infinity;
  let hi = -Infinity;
  const jobEnd = new Map<string, number>();
  const jobStart = new Map<string, number>();
  let busy = 0;
  for (const b of g.bars) {
    lo = Math.min(lo, b.start);
    hi = Math.max(hi, b.end);
    busy += b.end - b.start;
    jobEnd.set(b.jobId, Math.max(jobEnd.get(b.jobId) ?? -Infinity, b.end));
    jobStart.set(b.jobId, Math.min(jobStart.get(b.jobId) ?? Infinity, b.start));
  }
  const completions = [...jobEnd.entries()].map(([j, e]) => e - jobStart.get(j)!).sort((a, b) => a - b);
  const capacity = g.pools.reduce((s, p) => s + p.slots, 0);
  return {
    makespan: hi - lo,
    meanJobCompletion: completions.reduce((s, v) => s + v, 0) / completions.length,
    p95JobCompletion: completions[Math.min(completions.length - 1, Math.floor(completions.length * 0.95))]!,
    utilisation: capacity > 0 ? busy / (capacity * (hi - lo)) : 0,
    tasks: g.bars.length,
    failed: g.bars.filter((b) => b.state === 'Error').length,
  };
}

/** The three-run report of the browser test: 12 bars, 200 bars, 10,000 bars. */
export function threeRunReport(): ReportInput {
  const small = syntheticSchedule({
    tasks: 12,
    jobs: 3,
    pools: [
      { name: 'S1 encoder', slots: 2 },
      { name: 'S2 packager', slots: 1 },
    ],
    withSlots: true,
    failRate: 0.1,
    cancelRate: 0.1,
    nastyNames: true,
    seed: 11,
    title: 'Priority first, 3 RU',
  });
  const medium = syntheticSchedule({
    tasks: 200,
    jobs: 10,
    pools: [
      { name: 'nb:mpid:UUID:ff4df607-d419-42f0-bc17-a481b1331e56', slots: 8 },
      { name: 'S2 packager', slots: 4 },
      { name: '(global)', slots: 0 },
    ],
    failRate: 0.03,
    cancelRate: 0.02,
    meanDuration: 40,
    seed: 22,
    title: 'FIFO, 12 RU',
  });
  const large = syntheticSchedule({
    tasks: 10_000,
    jobs: 400,
    pools: [
      { name: 'S3 encoder', slots: 40 },
      { name: 'S2 packager', slots: 10 },
      { name: '(global)', slots: 0 },
    ],
    failRate: 0.01,
    cancelRate: 0.005,
    meanDuration: 20,
    seed: 33,
    title: 'Shortest job first, 50 RU',
  });
  const runs: ReportRun[] = [
    { label: 'small & <quick>', policy: 'priority', capacity: '3 RU', metrics: metricsOf(small), gantt: small },
    { label: 'medium', policy: 'fifo', capacity: '12 RU', metrics: metricsOf(medium), gantt: medium },
    { label: 'large', policy: 'sjf', capacity: '50 RU', metrics: metricsOf(large), gantt: large },
  ];
  return {
    title: 'Policy comparison <test> & "quotes"',
    generatedAt: '2026-01-02T03:04:05Z',
    runs,
    notes: ['Synthetic schedules from test/browser/fixtures.ts.', 'Times in seconds.'],
  };
}

/** An element as the tests look at it. */
export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  /** Text directly inside (concatenated), entities decoded. */
  text: string;
  parent: XmlElement | undefined;
}

/** Parses XML with saxes, collecting well-formedness errors instead of throwing. */
export function parseXml(xml: string): { errors: string[]; elements: XmlElement[]; root: XmlElement | undefined } {
  const parser = new SaxesParser();
  const errors: string[] = [];
  const elements: XmlElement[] = [];
  const stack: XmlElement[] = [];
  parser.on('error', (e) => errors.push(e.message));
  parser.on('opentag', (tag) => {
    const el: XmlElement = { name: tag.name, attributes: { ...(tag.attributes as Record<string, string>) }, text: '', parent: stack[stack.length - 1] };
    elements.push(el);
    stack.push(el);
  });
  parser.on('text', (t) => {
    const top = stack[stack.length - 1];
    if (top !== undefined) top.text += t;
  });
  parser.on('closetag', () => {
    stack.pop();
  });
  parser.write(xml).close();
  return { errors, elements, root: elements[0] };
}
