/**
 * `ams-mix`: a seeded stream of realistic Azure Media Services encoding jobs arriving over time,
 * for the simulator. Every job is an AMS Create-Job body that passes `validateJob(def, { profile:
 * 'ams' })`: 1 to 30 tasks, outputs numbered 0, 1, 2… in task order without gaps, each task one
 * output.
 *
 * A job is one of four recipes (weights in parentheses):
 * - `encode` (15): one Media Encoder Standard task, an adaptive-bitrate preset, from the job input;
 * - `encode-package` (15): that encode, then the Demo Packager;
 * - `ladder` (55): ingest → 1–4 single-bitrate renditions, from the source's resolution down
 *   (4K, 1080p, 720p, SD) → package (50), thumbnails (15) or both (35); thumbnails read the ingest;
 * - `batch` (15): 2–6 sources in one job, each its own ladder group reading its own
 *   `JobInputAsset(g)`; groups are added while the job stays within 30 tasks.
 * Sources are 4K (5), 1080p (55), 720p (30) or SD (10). Job priority is 0 (60), 10 (30) or 50 (10).
 * A task's Priority is its job's priority plus 0–4, in proportion to the longest path (by the demo
 * processors' expected durations) from the task to the end of its job: the critical path is favoured
 * a little, and never across priority classes, which lie 10 or more apart.
 * Arrivals are a Poisson process: the first job at 0 s, then exponential gaps of mean 60 / rate s,
 * rounded to the millisecond.
 *
 * Draws, per job, from one mulberry32 stream: priority class, recipe, then per group the source
 * resolution, the ladder length and the finish, then the packaging format, then the gap to the next
 * job. The n-th job therefore does not depend on how many jobs are asked for.
 */

import type { JobDefinition, TaskDefinition } from '../job/model.js';
import { DEMO_PROCESSOR_IDS, demoDuration } from '../workload/demo.js';
import { Mulberry32 } from './prng.js';
import { ArgumentRangeError, describeValue } from '../errors.js';

/** One job of a workload: when it arrives (seconds from the start) and its Create-Job body. */
export interface WorkloadJob {
  arrival: number;
  definition: JobDefinition;
}

/** Job priority classes and their weights. */
export const AMS_MIX_JOB_PRIORITIES: ReadonlyArray<{ priority: number; weight: number }> = [
  { priority: 0, weight: 60 },
  { priority: 10, weight: 30 },
  { priority: 50, weight: 10 },
];

const PRIORITY_CLASSES = AMS_MIX_JOB_PRIORITIES.map((p) => ({ value: p.priority, weight: p.weight }));

/**
 * The least `rate`, jobs per minute: a job every 1.9 years on average. Far below it the mean gap
 * between arrivals, 60 / rate s, overflows: 5e-324 made every arrival after the first Infinity or
 * NaN, written `"arrival": null`, a workload no command takes. From it up, 2^31 jobs arrive at
 * finite times.
 */
export const MIN_RATE = 1e-6;

/** Jobs per minute when no rate is given. */
export const AMS_MIX_DEFAULT_RATE = 6;

/** The service's quota on tasks per job (reference §10); no ams-mix job exceeds it. */
export const AMS_MIX_MAX_TASKS = 30;

type Resolution = '4K' | '1080p' | '720p' | 'SD';

/** From the top down; a ladder takes consecutive rungs from the source's resolution. */
const RUNGS: readonly Resolution[] = ['4K', '1080p', '720p', 'SD'];

/** Media Encoder Standard system presets per resolution. */
const PRESETS: Readonly<Record<Resolution, { single: string; adaptive: string }>> = {
  '4K': { single: 'H264 Single Bitrate 4K', adaptive: 'H264 Multiple Bitrate 4K' },
  '1080p': { single: 'H264 Single Bitrate 1080p', adaptive: 'H264 Adaptive Bitrate MP4 Set 1080p' },
  '720p': { single: 'H264 Single Bitrate 720p', adaptive: 'H264 Adaptive Bitrate MP4 Set 720p' },
  SD: { single: 'H264 Single Bitrate SD 16x9', adaptive: 'H264 Adaptive Bitrate MP4 Set SD 16x9' },
};

const SOURCES: ReadonlyArray<{ value: Resolution; weight: number }> = [
  { value: '4K', weight: 5 },
  { value: '1080p', weight: 55 },
  { value: '720p', weight: 30 },
  { value: 'SD', weight: 10 },
];

type Recipe = 'encode' | 'encode-package' | 'ladder' | 'batch';
const RECIPES: ReadonlyArray<{ value: Recipe; weight: number }> = [
  { value: 'encode', weight: 15 },
  { value: 'encode-package', weight: 15 },
  { value: 'ladder', weight: 55 },
  { value: 'batch', weight: 15 },
];

type Finish = 'package' | 'thumbnails' | 'both';
const FINISHES: ReadonlyArray<{ value: Finish; weight: number }> = [
  { value: 'package', weight: 50 },
  { value: 'thumbnails', weight: 15 },
  { value: 'both', weight: 35 },
];

const PACKAGE_FORMATS = ['Smooth Streaming', 'HLS', 'MPEG-DASH'] as const;
const THUMBNAILS_CONFIGURATION = '{"Codecs":[{"Type":"PngImage","Step":"10%"}]}';
const ENCODER = DEMO_PROCESSOR_IDS.encoder;

/** A task before numbering: what it runs, what it reads (task indices or a job input). */
interface Draft {
  name: string;
  processor: keyof typeof DEMO_PROCESSOR_IDS;
  configuration: string;
  /** Predecessor task indices; empty means it reads `JobInputAsset(input)`. */
  preds: number[];
  input: number;
  assetName?: string;
}

/**
 * An endless stream of ams-mix jobs with their arrival times; take as many as you need.
 *
 * @param seed - Seeds the mulberry32 stream (only its int32 value matters).
 * @param rate - Jobs per minute, a finite number > 0.
 * @returns A generator of `{ arrival, definition }`, arrivals non-decreasing from 0.
 * @example
 * ```ts
 * const it = amsMixJobs(1, 6);
 * const first = it.next().value; // { arrival: 0, definition: { Name: 'ams-mix 0: …', … } }
 * ```
 */
export function amsMixJobs(seed: number, rate: number = AMS_MIX_DEFAULT_RATE): Generator<WorkloadJob, never, undefined> {
  // Checked at the call, not at the first next(): a generator function's body runs late.
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new ArgumentRangeError(`amsMixJobs: expected \`seed\` to be an integer in [0, 4294967295], got ${describeValue(seed)}`);
  if (!(typeof rate === 'number' && Number.isFinite(rate) && rate >= MIN_RATE)) {
    throw new ArgumentRangeError(`amsMixJobs: expected \`rate\` to be a finite number of jobs per minute >= ${MIN_RATE}, got ${describeValue(rate)}`);
  }
  return jobsOf(seed, rate);
}

function* jobsOf(seed: number, rate: number): Generator<WorkloadJob, never, undefined> {
  const rng = new Mulberry32(seed);
  const meanGap = 60 / rate;
  let t = 0;
  for (let j = 0; ; j++) {
    const definition = amsMixJob(rng, j);
    yield { arrival: Math.round(t * 1000) / 1000, definition };
    t += -Math.log(1 - rng.next()) * meanGap;
  }
}

function pick<T>(rng: Mulberry32, table: ReadonlyArray<{ value: T; weight: number }>): T {
  let total = 0;
  for (const row of table) total += row.weight;
  let r = rng.next() * total;
  for (const row of table) {
    r -= row.weight;
    if (r < 0) return row.value;
  }
  return table[table.length - 1]!.value;
}

/** One ams-mix job, drawing from `rng`. */
function amsMixJob(rng: Mulberry32, j: number): JobDefinition {
  const jobPriority = pick(rng, PRIORITY_CLASSES);
  const recipe = pick(rng, RECIPES);
  const drafts: Draft[] = [];
  let inputs = 1;
  let title: string;
  if (recipe === 'encode' || recipe === 'encode-package') {
    const source = pick(rng, SOURCES);
    drafts.push({ name: `Encode ${source} adaptive`, processor: 'encoder', configuration: PRESETS[source].adaptive, preds: [], input: 0 });
    if (recipe === 'encode-package') drafts.push(packageDraft(rng, j, [0], ''));
    title = `${recipe} ${source}`;
  } else if (recipe === 'ladder') {
    const group = ladderGroup(rng, j, 0, 0, false);
    drafts.push(...group.drafts);
    title = `ladder ${group.source}`;
  } else {
    const wanted = 2 + rng.randInt(5);
    inputs = 0;
    for (let g = 0; g < wanted; g++) {
      const group = ladderGroup(rng, j, g, drafts.length, true);
      if (drafts.length + group.drafts.length > AMS_MIX_MAX_TASKS) break;
      drafts.push(...group.drafts);
      inputs++;
    }
    title = `batch of ${inputs}`;
  }
  return toDefinition(j, title, jobPriority, inputs, drafts);
}

/** Ingest → 1..k renditions → package and/or thumbnails, for job input `g`; task indices from `base`. */
function ladderGroup(rng: Mulberry32, j: number, g: number, base: number, batch: boolean): { source: Resolution; drafts: Draft[] } {
  const source = pick(rng, SOURCES);
  const rungs = RUNGS.slice(RUNGS.indexOf(source));
  const count = 1 + rng.randInt(rungs.length);
  const finish = pick(rng, FINISHES);
  const suffix = batch ? ` (source ${g + 1})` : '';
  const drafts: Draft[] = [{ name: `Ingest${suffix}`, processor: 'encoder', configuration: 'Copy', preds: [], input: g }];
  const encodes: number[] = [];
  for (let r = 0; r < count; r++) {
    encodes.push(base + drafts.length);
    drafts.push({ name: `Encode ${rungs[r]}${suffix}`, processor: 'encoder', configuration: PRESETS[rungs[r]!].single, preds: [base], input: g });
  }
  if (finish !== 'thumbnails') drafts.push(packageDraft(rng, j, encodes, suffix));
  if (finish !== 'package') {
    drafts.push({ name: `Thumbnails${suffix}`, processor: 'thumbnailer', configuration: THUMBNAILS_CONFIGURATION, preds: [base], input: g });
  }
  return { source, drafts };
}

function packageDraft(rng: Mulberry32, j: number, preds: number[], suffix: string): Draft {
  const format = PACKAGE_FORMATS[rng.randInt(PACKAGE_FORMATS.length)]!;
  return { name: `Package${suffix}`, processor: 'packager', configuration: format, preds, input: 0, assetName: `ams-mix ${j} ${format}${suffix}` };
}

/** Numbers the outputs (task i writes `JobOutputAsset(i)`) and sets the priorities. */
function toDefinition(j: number, title: string, jobPriority: number, inputs: number, drafts: Draft[]): JobDefinition {
  const n = drafts.length;
  // Longest path from each task to the end of the job, its own duration included. Drafts are in
  // topological order (predecessors first), so one backward pass settles each task before its
  // predecessors read it.
  const duration = drafts.map((d) => demoDuration(d.processor, d.configuration));
  const path = duration.slice();
  for (let i = n - 1; i >= 0; i--) {
    for (const p of drafts[i]!.preds) path[p] = Math.max(path[p]!, duration[p]! + path[i]!);
  }
  const critical = Math.max(...path);
  const tasks: TaskDefinition[] = drafts.map((d, i) => {
    const reads = d.preds.length > 0 ? d.preds.map((p) => `JobOutputAsset(${p})`) : [`JobInputAsset(${d.input})`];
    const output = d.assetName !== undefined ? `<outputAsset assetName="${escapeXmlAttribute(d.assetName)}">` : '<outputAsset>';
    return {
      Name: d.name,
      MediaProcessorId: d.processor === 'encoder' ? ENCODER : DEMO_PROCESSOR_IDS[d.processor],
      Configuration: d.configuration,
      Priority: jobPriority + Math.round((4 * path[i]!) / critical),
      TaskBody: `<taskBody>${reads.map((r) => `<inputAsset>${r}</inputAsset>`).join('')}${output}JobOutputAsset(${i})</outputAsset></taskBody>`,
    };
  });
  const hex8 = j.toString(16).padStart(8, '0');
  return {
    Name: `ams-mix ${j}: ${title}`,
    Priority: jobPriority,
    InputMediaAssets: Array.from({ length: inputs }, (_, g) => ({
      __metadata: { uri: `https://media.windows.net/api/Assets('nb%3Acid%3AUUID%3A${hex8}-0000-4000-8000-${g.toString(16).padStart(12, '0')}')` },
    })),
    Tasks: tasks,
  };
}

function escapeXmlAttribute(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');
}
