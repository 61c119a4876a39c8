/**
 * What the extensions (issue 14) cost the drain: the same workload drained (16 running, the oldest
 * completed, nextIndex/completeIndex) by a scheduler whose jobs use none of them, and by schedulers
 * whose jobs ask for dependency actions, weights, a per-job cap or whose pool has a rate limit. The
 * first column is the default semantics: the A/B against the commit before the extensions is in
 * the note of the change (its drains are within the noise of the old ones).
 *
 * The variants do not all make the same schedule (a weight or a cap changes what runs when), so a
 * ratio says what a claim and a completion cost with the feature on, not that the runs are alike.
 */
import type { BenchCase } from './protocol.js';
import { formatCount, resident, shared } from './protocol.js';
import { drainByIndex } from './drain.js';
import { makeWorkload, type MediaWorkload, type ShapeName } from '../src/workload/shapes.js';
import { jobFromGraph } from '../src/workload/ams-job.js';
import { validateJob, type ValidationResult } from '../src/validate/validate.js';
import { sequentialIds } from '../src/job/ids.js';
import { Scheduler, type SchedulerOptions } from '../src/scheduler/scheduler.js';
import type { JobExtensions } from '../src/job/model.js';

const CONCURRENCY = 16;
const SIZES = [100_000, 1_000_000];
const SHAPES: ShapeName[] = ['layered', 'media'];

interface Variant {
  impl: string;
  options: SchedulerOptions;
  /** The extensions of a job of n tasks (j: the job's number). */
  ext?: (n: number, j: number) => JobExtensions;
  /**
   * Grown jobs: each job is submitted with its first tasks (the first half of a big job; five of a
   * media job's six) and the rest added to it by `addTasks` before the drain, so the drain meets
   * non-contiguous serials and edges kept beside the CSR (the addition itself is not timed).
   */
  grown?: boolean;
}

const POOL = 'nb:mpid:UUID:ff4df607-d419-42f0-bc17-a481b1331e56';
const VARIANTS: Variant[] = [
  { impl: 'default', options: {} },
  { impl: 'action run (all)', options: {}, ext: (n) => ({ action: new Array<number>(n).fill(1) }) },
  { impl: 'weights 1–3, pool of 48', options: { pools: { [POOL]: 48 } }, ext: (n) => ({ weight: Array.from({ length: n }, (_, i) => 1 + (i % 3)) }) },
  { impl: 'cap 2 per job', options: {}, ext: () => ({ maxRunning: 2 }) },
  { impl: 'rate limit (never reached)', options: { rateLimits: { [POOL]: { max: 1_000_000, perMs: 1 } } } },
  { impl: 'grown (addTasks)', options: {}, grown: true },
];

interface Input {
  jobs: ValidationResult[];
  priorities: number[];
  n: number;
  /** Per job, the tasks to add after its submit (grown variant). */
  additions?: Array<{ Tasks: unknown[] }>;
}

/** A job's definition split in two: the first `k` tasks as a job, the others as an addition. */
function split(def: ReturnType<typeof jobFromGraph>, k: number): { job: ReturnType<typeof jobFromGraph>; addition: { Tasks: unknown[] } } {
  const tasks = def.Tasks!;
  return { job: { ...def, Tasks: tasks.slice(0, k) }, addition: { Tasks: tasks.slice(k) } };
}

function prepare(shape: ShapeName, n: number, v: Variant): Input {
  const w = makeWorkload(shape, n);
  const ids = sequentialIds();
  const jobs: ValidationResult[] = [];
  const priorities: number[] = [];
  const add = (r: ValidationResult, priority: number): void => {
    if (!r.valid) throw new Error(`extensions bench: ${shape} ${n} is invalid: ${r.diagnostics[0]?.message}`);
    if (v.ext) r.job!.extensions = v.ext(r.job!.Tasks.length, jobs.length);
    jobs.push(r);
    priorities.push(priority);
  };
  const additions: Array<{ Tasks: unknown[] }> = [];
  if (shape !== 'media') {
    const def = jobFromGraph(w);
    if (!v.grown) add(validateJob(def, { profile: 'relaxed', ids }), 0);
    else {
      // Tasks are numbered in a topological order: the first half is a job of its own.
      const { job, addition } = split(def, Math.floor(n / 2));
      add(validateJob(job, { profile: 'relaxed', ids }), 0);
      additions.push(addition);
    }
    return { jobs, priorities, n, ...(v.grown ? { additions } : {}) };
  }
  const m = w as MediaWorkload;
  const local = { nodeCount: 6, from: Int32Array.of(0, 0, 0, 0, 1, 2, 3, 4), to: Int32Array.of(1, 2, 3, 4, 5, 5, 5, 5) };
  for (let j = 0; j < m.jobCount; j++) {
    const def = jobFromGraph(local, { name: `media ${j}` });
    if (!v.grown) add(validateJob(def, { profile: 'relaxed', ids }), m.jobPriority[j]!);
    else {
      const { job, addition } = split(def, 5);
      add(validateJob(job, { profile: 'relaxed', ids }), m.jobPriority[j]!);
      additions.push(addition);
    }
  }
  return { jobs, priorities, n: m.jobCount * 6, ...(v.grown ? { additions } : {}) };
}

function submitAll(input: Input, v: Variant): Scheduler {
  const s = new Scheduler({ concurrency: CONCURRENCY, profile: 'relaxed', ...v.options });
  for (let j = 0; j < input.jobs.length; j++) s.add(input.jobs[j]!, { priority: input.priorities[j]! });
  if (input.additions !== undefined) {
    const jobIds = s.jobs().map((j) => j.Id);
    input.additions.forEach((a, j) => s.addTasks(jobIds[j]!, a));
  }
  return s;
}

/** A scheduler kept for the whole process and never idle (see `resident` in protocol.ts). */
const keepResident = shared(() => {
  const small = prepare('media', 60, VARIANTS[0]!);
  const s = resident(submitAll(small, VARIANTS[0]!));
  drainByIndex(s, CONCURRENCY);
  resident(submitAll(small, VARIANTS[0]!)).next();
});

export const cases: BenchCase[] = [];
for (const shape of SHAPES) {
  for (const n of SIZES) {
    const row = `${shape} ${formatCount(n)}`;
    for (const v of VARIANTS) {
      const input = shared(() => {
        keepResident();
        return prepare(shape, n, v);
      });
      cases.push({
        id: `extensions/${shape}/${n}/${v.impl.split(' ')[0]}`,
        table: 'extensions',
        row,
        impl: v.impl,
        role: 'ours',
        n,
        ...(v.impl === 'default' ? {} : { baseline: 'default' }),
        batch: `extensions/${shape}/${n}`,
        timeoutMs: 300_000,
        memory: false,
        setup: input,
        fresh: (i: Input) => submitAll(i, v),
        run: (i: Input, s: Scheduler) => {
          const done = drainByIndex(s, CONCURRENCY);
          if (done !== i.n) throw new Error(`drained ${done} of ${i.n}`);
          return s;
        },
      });
    }
  }
}
