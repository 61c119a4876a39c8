/**
 * The online Scheduler against the bare online reference: keep 16 tasks running — complete the
 * oldest, claim the best ready — until the workload drains. Ours runs with full state tracking
 * (states, attempts, times, historical events, job states). The input is validated once in setup;
 * each run gets a freshly submitted scheduler (`fresh`, untimed), so the drain cases time exactly
 * `next` + `complete`, and submitting is timed on its own. The reference's time includes building
 * its CSR, so the drain ratios are if anything unkind to us.
 */
import type { BenchCase } from './protocol.js';
import { formatCount, resident, shared } from './protocol.js';
import { onlineHeapReference } from './online-reference.js';
import { drainByIndex as drainSerials } from './drain.js';
import { makeWorkload, type MediaWorkload, type ShapeName } from '../src/workload/shapes.js';
import { jobFromGraph } from '../src/workload/ams-job.js';
import { validateJob, type ValidationResult } from '../src/validate/validate.js';
import { sequentialIds } from '../src/job/ids.js';
import { Scheduler } from '../src/scheduler/scheduler.js';
import type { TaskClaim } from '../src/scheduler/views.js';

const CONCURRENCY = 16;
const SIZES = [10_000, 100_000, 1_000_000];
const SHAPES: ShapeName[] = ['layered', 'fan', 'chain', 'media'];

interface Input {
  jobs: ValidationResult[];
  priorities: number[];
  n: number;
}

function prepare(shape: ShapeName, n: number): Input {
  const w = makeWorkload(shape, n);
  const ids = sequentialIds();
  if (shape !== 'media') {
    const r = validateJob(jobFromGraph(w), { profile: 'relaxed', ids });
    if (!r.valid) throw new Error(`scheduler bench: ${shape} ${n} is invalid: ${r.diagnostics[0]?.message}`);
    return { jobs: [r], priorities: [0], n };
  }
  // One AMS job of 6 tasks per media job, with its drawn priority as the job priority.
  const m = w as MediaWorkload;
  const jobs: ValidationResult[] = [];
  const priorities: number[] = [];
  const local = { nodeCount: 6, from: Int32Array.of(0, 0, 0, 0, 1, 2, 3, 4), to: Int32Array.of(1, 2, 3, 4, 5, 5, 5, 5) };
  for (let j = 0; j < m.jobCount; j++) {
    const r = validateJob(jobFromGraph(local, { name: `media ${j}` }), { profile: 'relaxed', ids });
    jobs.push(r);
    priorities.push(m.jobPriority[j]!);
  }
  return { jobs, priorities, n: m.jobCount * 6 };
}

function submitAll(input: Input): Scheduler {
  const s = new Scheduler({ concurrency: CONCURRENCY });
  for (let j = 0; j < input.jobs.length; j++) s.add(input.jobs[j]!, { priority: input.priorities[j]! });
  return s;
}

/** The public API: claims from next(), handed back to complete(); the oldest running task ends first. */
function drain(input: Input, s: Scheduler): Scheduler {
  const ring: TaskClaim[] = new Array(CONCURRENCY);
  let head = 0;
  let count = 0;
  let done = 0;
  for (;;) {
    for (let c = s.next(); c !== undefined; c = s.next()) ring[(head + count++) % CONCURRENCY] = c;
    if (count === 0) break;
    s.complete(ring[head]!);
    head = (head + 1) % CONCURRENCY;
    count--;
    done++;
  }
  if (done !== input.n) throw new Error(`drained ${done} of ${input.n}`);
  return s;
}

/** The same loop on serials: nextIndex() and completeIndex() (bench/drain.ts). */
function drainByIndex(input: Input, s: Scheduler): Scheduler {
  const done = drainSerials(s, CONCURRENCY);
  if (done !== input.n) throw new Error(`drained ${done} of ${input.n}`);
  return s;
}

/**
 * A scheduler kept for the whole process (see `resident`) and, like any orchestrator's, never idle:
 * one has drained a small workload, another holds a claim on a running task.
 */
const keepResident = shared(() => {
  const small = prepare('media', 60);
  resident(drain(small, submitAll(small)));
  const busy = resident(submitAll(small));
  resident(busy.next());
});

export const cases: BenchCase[] = [];
for (const shape of SHAPES) {
  for (const n of SIZES) {
    const row = `${shape} ${formatCount(n)}`;
    const input = shared(() => {
      keepResident();
      return prepare(shape, n);
    });
    const graph = shared(() => {
      const w = makeWorkload(shape, n);
      return { n: w.nodeCount, from: w.from, to: w.to, priority: w.priority };
    });
    cases.push({
      id: `scheduler/${shape}/${n}/ours`,
      table: 'scheduler',
      row,
      impl: 'next+complete (claims)',
      role: 'ours',
      n,
      baseline: 'online heap reference',
      batch: `scheduler/${shape}/${n}`,
      timeoutMs: 300_000,
      setup: input,
      fresh: submitAll,
      run: drain,
      hold: submitAll,
    });
    cases.push({
      id: `scheduler/${shape}/${n}/ours-index`,
      table: 'scheduler',
      row,
      impl: 'nextIndex+completeIndex',
      role: 'ours',
      n,
      baseline: 'online heap reference',
      batch: `scheduler/${shape}/${n}`,
      timeoutMs: 300_000,
      memory: false,
      setup: input,
      fresh: submitAll,
      run: drainByIndex,
    });
    cases.push({
      id: `scheduler/${shape}/${n}/submit`,
      table: 'scheduler',
      row,
      impl: 'submit',
      role: 'ours',
      n,
      baseline: 'online heap reference',
      batch: `scheduler/${shape}/${n}`,
      timeoutMs: 300_000,
      memory: false,
      setup: input,
      run: submitAll,
    });
    cases.push({
      id: `scheduler/${shape}/${n}/reference`,
      table: 'scheduler',
      row,
      impl: 'online heap reference',
      role: 'reference',
      n,
      batch: `scheduler/${shape}/${n}`,
      setup: graph,
      run: (g: { n: number; from: Int32Array; to: Int32Array; priority: Int32Array }) => onlineHeapReference(g.n, g.from, g.to, g.priority, CONCURRENCY),
      memory: false,
    });
  }
}
