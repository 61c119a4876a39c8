/**
 * TaskBody parsing: parseTaskBody against saxes alone on the same text.
 *
 * Input: the TaskBodies of a media(N) workload (docs/workloads.md): per job an ingest
 * (JobInputAsset(0) → JobOutputAsset(0)), four encodes (JobOutputAsset(0) → JobOutputAsset(k)) and a
 * package (JobOutputAsset(1..4) → JobOutputAsset(5)), in two spellings:
 * - compact: as the Create-Job samples send them (`<?xml … encoding="utf-8"?>`, one line);
 * - stored: as the service gives them back (`encoding="utf-16"` prolog, CRLF, indented, explicit
 *   `assetCreationOptions="0" assetFormatOption="0"`, plus an assetName).
 *
 * Implementations, one reused parser each (as in production):
 * - ours: `parseTaskBody` (entries with positions, refs resolved to numbers, all checks): TaskBodies
 *   written the plain way are read by the plain scan (src/taskbody/plain-scan.ts), others by saxes;
 * - ours, saxes reader only: the same on every document through saxes (the other road);
 * - saxes, no-op handlers: a bare SaxesParser with empty handlers on the seven events we listen to;
 * - saxes, no handlers: the same parser with none (saxes then skips building text).
 *
 * Two ways to run it:
 * - `npm run bench -- parse` (bench/run.ts): uses `cases` below;
 * - `node --expose-gc --import tsx bench/parse.bench.ts [--quick]`: on its own, prints a table.
 */
import { pathToFileURL } from 'node:url';
import { SaxesParser } from 'saxes';
import { parseTaskBody, parseTaskBodyWithSaxes } from '../src/taskbody/parse.js';
import { serializeTaskBody, type SerializableOutputAsset } from '../src/taskbody/serialize.js';
import type { AssetRef, ParsedTaskBody } from '../src/taskbody/types.js';
import { formatCount, shared, type BenchCase } from './protocol.js';

type Form = 'compact' | 'stored';

interface Corpus {
  bodies: string[];
  chars: number;
  tasks: number;
  /** Expected totals, to check a run. */
  inputs: number;
  outputs: number;
}

const ref = (kind: AssetRef['kind'], index: number): AssetRef => ({ kind, index });

/** The TaskBodies of media(n): floor(n / 6) jobs of 6 tasks. */
export function mediaTaskBodies(n: number, form: Form): Corpus {
  const jobs = Math.floor(n / 6);
  const bodies: string[] = [];
  let chars = 0;
  let inputs = 0;
  let outputs = 0;
  const write = (ins: AssetRef[], out: number, job: number): void => {
    const o: SerializableOutputAsset = { kind: 'JobOutputAsset', index: out };
    let text: string;
    if (form === 'stored') {
      o.assetCreationOptions = 0;
      o.assetName = `JobOutputAsset(${out})_Job${job}`;
      o.assetFormatOption = 0;
      text = serializeTaskBody({ inputs: ins, outputs: [o] }, { prolog: true, pretty: true })
        .replace('encoding="utf-8"', 'encoding="utf-16"')
        .replace(/\n/g, '\r\n');
    } else {
      text = serializeTaskBody({ inputs: ins, outputs: [o] }, { prolog: true });
    }
    bodies.push(text);
    chars += text.length;
    inputs += ins.length;
    outputs += 1;
  };
  for (let j = 0; j < jobs; j++) {
    write([ref('JobInputAsset', 0)], 0, j);
    for (let k = 1; k <= 4; k++) write([ref('JobOutputAsset', 0)], k, j);
    write([1, 2, 3, 4].map((k) => ref('JobOutputAsset', k)), 5, j);
  }
  // As a job definition read from JSON gives them: flat strings, not the ropes concatenation made.
  const flat = JSON.parse(JSON.stringify(bodies)) as string[];
  return { bodies: flat, chars, tasks: bodies.length, inputs, outputs };
}

// The implementations. Each keeps one parser for all documents.

/** Entries and problems `parse` finds over the corpus. */
function entriesBy(parse: (xml: string) => ParsedTaskBody): (c: Corpus) => number {
  return (c) => {
    let entries = 0;
    for (const body of c.bodies) {
      const r = parse(body);
      entries += r.inputs.length + r.outputs.length + r.problems.length;
    }
    return entries;
  };
}

const ours = entriesBy((xml) => parseTaskBody(xml));
/** Our saxes reader on every document (the road a TaskBody that is not written the plain way takes). */
const oursBySaxes = entriesBy((xml) => parseTaskBodyWithSaxes(xml));

function saxesNoop(): (c: Corpus) => number {
  const p = new SaxesParser({ position: false });
  let events = 0;
  const count = (): void => {
    events++;
  };
  // The events parseTaskBody listens to, in its order. Not more: at the eighth on() V8 turns the
  // parser into a dictionary-mode object and saxes runs 5× slower (see src/taskbody/parse.ts).
  p.on('opentagstart', count);
  p.on('opentag', count);
  p.on('closetag', count);
  p.on('text', count);
  p.on('cdata', count);
  p.on('doctype', count);
  p.on('error', count);
  return (c) => {
    events = 0;
    for (const body of c.bodies) p.write(body).close();
    return events;
  };
}

function saxesBare(): (c: Corpus) => number {
  const p = new SaxesParser({ position: false });
  p.on('error', () => undefined);
  return (c) => {
    for (const body of c.bodies) p.write(body).close();
    return c.bodies.length;
  };
}

const IMPL_OURS = 'ours (parseTaskBody)';
const IMPL_OURS_SAXES = 'ours, saxes reader only';
const IMPL_NOOP = 'saxes, no-op handlers';
const IMPL_BARE = 'saxes, no handlers';

function casesFor(n: number, form: Form): BenchCase<Corpus>[] {
  const corpus = shared(() => mediaTaskBodies(n, form));
  const row = `media ${formatCount(n)}, ${form}`;
  const base = { table: 'parse', row, n, memory: false, setup: corpus };
  const idBase = `parse/media/${n}/${form}`;
  return [
    {
      ...base,
      id: `${idBase}/ours`,
      impl: IMPL_OURS,
      role: 'ours',
      baseline: IMPL_NOOP,
      run: ours,
      check(entries, c) {
        if (entries !== c.inputs + c.outputs) throw new Error(`expected ${c.inputs + c.outputs} entries and no problems, got ${entries}`);
      },
      // What a validator keeps: the parsed entries of every task.
      memory: true,
      hold: (c) => c.bodies.map((b) => parseTaskBody(b)),
    },
    {
      ...base,
      id: `${idBase}/ours-saxes`,
      impl: IMPL_OURS_SAXES,
      role: 'ours',
      baseline: IMPL_NOOP,
      run: oursBySaxes,
      check(entries, c) {
        if (entries !== c.inputs + c.outputs) throw new Error(`expected ${c.inputs + c.outputs} entries and no problems, got ${entries}`);
      },
    },
    { ...base, id: `${idBase}/saxes-noop`, impl: IMPL_NOOP, role: 'reference', run: saxesNoop() },
    { ...base, id: `${idBase}/saxes-bare`, impl: IMPL_BARE, role: 'reference', baseline: IMPL_NOOP, run: saxesBare() },
  ];
}

export const cases: BenchCase[] = [
  ...casesFor(10_000, 'compact'),
  ...casesFor(10_000, 'stored'),
  ...casesFor(100_000, 'compact'),
  ...casesFor(100_000, 'stored'),
];

// ---------------------------------------------------------------------------------------------
// Standalone: node --expose-gc --import tsx bench/parse.bench.ts [--quick]

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

async function standalone(quick: boolean): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  const n = quick ? 10_000 : 100_000;
  const rounds = quick ? 5 : 9;
  // Short slices, the implementations interleaved slice by slice: on a shared, busy machine this
  // keeps their conditions alike. A figure is the sum over slices of the per-slice median (or min).
  const sliceSize = 10_000;
  console.log(`## TaskBody parsing, media(${formatCount(n)}): ${rounds} rounds of ${formatCount(sliceSize)}-task slices, interleaved (Node ${process.version})\n`);
  console.log('| form | implementation | ms (sum of medians) | best ms | tasks/s | MB/s | vs saxes, no-op handlers |');
  console.log('|---|---|---:|---:|---:|---:|---:|');
  for (const form of ['compact', 'stored'] as const) {
    const group = cases.filter((c) => c.n === n && c.row.endsWith(form));
    const corpus = (await group[0]!.setup()) as Corpus;
    for (const c of group) c.check?.(await c.run(corpus), corpus);
    const slices: Corpus[] = [];
    for (let at = 0; at < corpus.bodies.length; at += sliceSize) {
      const bodies = corpus.bodies.slice(at, at + sliceSize);
      slices.push({ bodies, chars: 0, tasks: bodies.length, inputs: 0, outputs: 0 });
    }
    const samples = new Map<string, number[][]>(group.map((c) => [c.impl, slices.map(() => [])]));
    for (let r = 0; r < rounds + 1; r++) {
      gc?.();
      slices.forEach((slice, k) => {
        for (const c of group) {
          const t0 = performance.now();
          void c.run(slice);
          const ms = performance.now() - t0;
          if (r > 0) samples.get(c.impl)![k]!.push(ms); // round 0 warms up
        }
      });
    }
    const total = (impl: string, pick: (xs: number[]) => number): number => samples.get(impl)!.reduce((sum, xs) => sum + pick(xs), 0);
    const noop = total(IMPL_NOOP, median);
    for (const c of group) {
      const ms = total(c.impl, median);
      const best = total(c.impl, (xs) => Math.min(...xs));
      const tasksPerS = corpus.tasks / (ms / 1000);
      const mbPerS = corpus.chars / 1e6 / (ms / 1000);
      console.log(
        `| ${form} (${(corpus.chars / corpus.tasks).toFixed(0)} chars a task) | ${c.impl} | ${ms.toFixed(1)} | ${best.toFixed(1)} | ${formatCount(Math.round(tasksPerS))} | ${mbPerS.toFixed(1)} | ${(ms / noop).toFixed(2)}× |`,
      );
    }
  }
  if (gc === undefined) console.log('\n(run with --expose-gc for steadier figures)');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await standalone(process.argv.includes('--quick'));
}
