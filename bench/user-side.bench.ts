/**
 * The user's side (issue 15): what someone who hands us job definitions sees, under
 * `protocol: 'cold'` — every sample is a fresh process that does the work once, ours and the anchor
 * of a row alternating (A B A B …), five samples up to 100,000 tasks and three above, medians. Definitions are plain objects made in
 * untimed setup (`makeWorkload` → `jobFromGraph`; media: one AMS job of 6 tasks per media job with
 * its drawn priority as the job priority) and are NOT validated there: validation is part of ours.
 *
 * Rows (ratio = ours ÷ anchor, both cold):
 * - submit: `new Scheduler({ concurrency: 16 })`, then `add(definition, { priority })` for each —
 *   anchor: saxes alone (one reused parser, no-op handlers) over the same TaskBodies.
 * - drain: after an untimed submit in the same process, keep 16 running (nextIndex, completeIndex
 *   the oldest) until done — anchor: `onlineHeapReference` (CSR build included) on the workload's
 *   arrays. Beside it, `our model in one loop` (bench/semantic-floor.ts): the anchor's loop plus the
 *   events, states, counts and clock readings our model asks of a drain, written plainly in one
 *   function; its ratio to the anchor is what the model costs, ours ÷ its time what our structure
 *   adds.
 * - engine: an Engine with no-op processors and concurrency 16, from `submit` of every definition to
 *   every job done — anchor: p-graph 2.0 construct+run on the same graph. At 10,000 also the same
 *   engine run after an untimed identical one in the same process (`ours, 2nd run in process`):
 *   its ratio to `ours` is the share of the cold run that is left once the process is warm; and
 *   the part after parsing (`ours, definitions validated before`): the same cold run given
 *   `validateJob()` results made untimed in the process, against p-graph.
 * - memory: bytes held by the submitted Scheduler (submit rows at 100,000 and 1,000,000), after
 *   the definitions were let go.
 *
 * Every anchor has role `reference` (p-graph too, though it is a third-party package): each row has
 * one anchor and one ratio of ours to it, and no "best peer" column (the drain rows' `our model in one
 * loop` has a ratio to the anchor of its own).
 */
import { SaxesParser } from 'saxes';
import { PGraph } from 'p-graph';
import type { BenchCase } from './protocol.js';
import { formatCount, resident } from './protocol.js';
import { drainByIndex } from './drain.js';
import { onlineHeapReference } from './online-reference.js';
import { drainFloor } from './semantic-floor.js';
import { makeWorkload, type MediaWorkload, type ShapeName } from '../src/workload/shapes.js';
import { jobFromGraph, MEDIA_ENCODER_STANDARD } from '../src/workload/ams-job.js';
import type { JobDefinition } from '../src/job/model.js';
import { taskCountOf } from '../src/job/load.js';
import { Scheduler } from '../src/scheduler/scheduler.js';
import { Engine } from '../src/run/engine.js';
import { validateJob, type ValidationResult } from '../src/validate/validate.js';
import { TaskState } from '../src/job/enums.js';

const CONCURRENCY = 16;
const SHAPES: ShapeName[] = ['layered', 'fan', 'chain', 'media'];
const SIZES = [10_000, 100_000, 1_000_000];
/** The shapes run at 1,000,000 tasks (not under --quick). */
const MILLION_SHAPES: ShapeName[] = ['layered', 'chain', 'media'];
/** Engine rows: as the others (a 1,000,000-task cold engine run took 25–40 s here). */
const ENGINE_SIZES = SIZES;
/** Sizes whose submit rows measure the memory the Scheduler holds. */
const MEMORY_SIZES = new Set([100_000, 1_000_000]);

/** Plain-object definitions, one per AMS job, and their job priorities (undefined: none given). */
interface Definitions {
  /** Job definitions, or (the pre-validated engine case) `validateJob()` results of them. */
  defs: Array<JobDefinition | ValidationResult>;
  priorities: Array<number | undefined>;
  /** Tasks over all definitions. */
  tasks: number;
}

/** Tasks the definitions of (shape, n) hold: media has 6 per media job, floor(n / 6) jobs. */
function taskCount(shape: ShapeName, n: number): number {
  return shape === 'media' ? 6 * Math.floor(n / 6) : n;
}

const MEDIA_LOCAL = { nodeCount: 6, from: Int32Array.of(0, 0, 0, 0, 1, 2, 3, 4), to: Int32Array.of(1, 2, 3, 4, 5, 5, 5, 5) };

function definitions(shape: ShapeName, n: number): Definitions {
  const w = makeWorkload(shape, n);
  if (shape !== 'media') return { defs: [jobFromGraph(w)], priorities: [undefined], tasks: w.nodeCount };
  const m = w as MediaWorkload;
  const defs: JobDefinition[] = [];
  const priorities: number[] = [];
  for (let j = 0; j < m.jobCount; j++) {
    defs.push(jobFromGraph(MEDIA_LOCAL, { name: `media ${j}` }));
    priorities.push(m.jobPriority[j]!);
  }
  return { defs, priorities, tasks: 6 * m.jobCount };
}

/** The workload's arrays, trimmed for media to the tasks of its jobs (the same tasks ours gets). */
function graph(shape: ShapeName, n: number): { n: number; from: Int32Array; to: Int32Array; priority: Int32Array } {
  const w = makeWorkload(shape, n);
  const tasks = taskCount(shape, n);
  return { n: tasks, from: w.from, to: w.to, priority: w.priority.subarray(0, tasks) };
}

/** {@link graph} with each task's job: media's jobs of six, one job for the other shapes. */
function floorInput(shape: ShapeName, n: number): ReturnType<typeof graph> & { jobOf: Int32Array | null; jobCount: number } {
  const g = graph(shape, n);
  if (shape !== 'media') return { ...g, jobOf: null, jobCount: 1 };
  const m = makeWorkload(shape, n) as MediaWorkload;
  return { ...g, jobOf: m.jobOf.subarray(0, g.n), jobCount: m.jobCount };
}

// ---------------------------------------------------------------- submit

function submitAll(d: Definitions): Scheduler {
  const s = new Scheduler({ concurrency: CONCURRENCY });
  for (let j = 0; j < d.defs.length; j++) {
    const priority = d.priorities[j];
    s.add(d.defs[j], priority === undefined ? {} : { priority });
  }
  return s;
}

/** Counted without making the task objects a big job makes only when asked (job/load.ts): the memory figure is what a submit holds. */
function submittedTasks(s: Scheduler): number {
  let tasks = 0;
  for (const j of s.jobs()) tasks += taskCountOf(s.jobModel(j.Id));
  return tasks;
}

function saxesAlone(bodies: string[]): number {
  const parser = new SaxesParser();
  let elements = 0;
  parser.on('opentag', () => void elements++);
  parser.on('text', () => {});
  for (const b of bodies) {
    parser.write(b);
    parser.close();
  }
  return elements;
}

// ---------------------------------------------------------------- drain


// ---------------------------------------------------------------- engine

const NO_OP = { id: MEDIA_ENCODER_STANDARD, name: 'no-op', run: () => undefined };

async function runEngine(d: Definitions): Promise<{ engine: Engine; finished: number }> {
  const engine = new Engine({ processors: [NO_OP], concurrency: CONCURRENCY });
  const done: Array<Promise<{ State: number }>> = [];
  for (let j = 0; j < d.defs.length; j++) {
    const priority = d.priorities[j];
    done.push(engine.submit(d.defs[j], priority === undefined ? {} : { priority }).done);
  }
  let finished = 0;
  for (const view of await Promise.all(done)) if (view.State === TaskState.Finished) finished++;
  return { engine, finished };
}

function checkEngine(r: { engine: Engine; finished: number }, d: Definitions): void {
  if (r.finished !== d.defs.length) throw new Error(`${r.finished} of ${d.defs.length} jobs finished`);
  const tasks = r.engine.scheduler.tasks({ state: TaskState.Finished }).length;
  if (tasks !== d.tasks) throw new Error(`${tasks} of ${d.tasks} tasks finished`);
}

interface PGraphInput {
  n: number;
  nodes: Record<string, { priority: number }>;
  deps: Array<[string, string]>;
}

function pGraphInput(shape: ShapeName, n: number): PGraphInput {
  const g = graph(shape, n);
  const nodes: Record<string, { priority: number }> = {};
  for (let i = 0; i < g.n; i++) nodes[String(i)] = { priority: g.priority[i]! };
  const deps: Array<[string, string]> = [];
  for (let e = 0; e < g.from.length; e++) deps.push([String(g.from[e]), String(g.to[e])]);
  return { n: g.n, nodes, deps };
}

async function runPGraph(input: PGraphInput): Promise<number> {
  let ran = 0;
  await new PGraph(input.nodes, input.deps).run({ concurrency: CONCURRENCY, run: () => void ran++ });
  return ran;
}

/**
 * The second-run case: an identical engine run (on definitions of its own, so nothing cached on the
 * first set's objects helps), untimed, before the timed one. That engine stays alive, and a second
 * one keeps a task running, as in a long-lived process: the forced GC before the timed run must not
 * collect the hidden classes the warm-up's optimised code depends on (see `resident`).
 */
async function warmUpEngine(shape: ShapeName, n: number): Promise<void> {
  resident(await runEngine(definitions(shape, n)));
  const busy = resident(new Engine({ processors: [{ ...NO_OP, name: 'never ends', run: () => new Promise<never>(() => undefined) }], concurrency: 1 }));
  busy.submit(jobFromGraph(makeWorkload('chain', 2)));
}

// ---------------------------------------------------------------- cases

const expect = (what: string, got: number, want: number): void => {
  if (got !== want) throw new Error(`${what} ${got} of ${want}`);
};

export const cases: BenchCase[] = [];

function add(kind: 'submit' | 'drain' | 'engine', shape: ShapeName, n: number, more: Array<Omit<BenchCase, 'table' | 'row' | 'n' | 'protocol' | 'timeoutMs' | 'quick'>>): void {
  for (const c of more) {
    cases.push({
      ...c,
      table: 'user-side',
      row: `${kind} · ${shape} ${formatCount(n)}`,
      n: taskCount(shape, n),
      protocol: 'cold',
      quick: n <= 100_000,
      // Five processes a side up to 100,000 tasks: three left a ratio's median to one outlier on
      // this shared machine (saxes alone over the chain's 100k TaskBodies took 184–329 ms within minutes).
      samples: n <= 100_000 ? 5 : 3,
      timeoutMs: n <= 10_000 ? 120_000 : n <= 100_000 ? 300_000 : 1_200_000,
    });
  }
}

const sizesOf = (shape: ShapeName, sizes: number[]): number[] => sizes.filter((n) => n < 1_000_000 || MILLION_SHAPES.includes(shape));

for (const shape of SHAPES) {
  for (const n of sizesOf(shape, SIZES)) {
    const id = `user-side/${shape}/${n}/submit`;
    const tasks = taskCount(shape, n);
    add('submit', shape, n, [
      {
        id: `${id}/ours`,
        impl: 'ours',
        role: 'ours',
        baseline: 'anchor',
        setup: () => definitions(shape, n),
        run: submitAll,
        check: (s: Scheduler) => expect('submitted tasks', submittedTasks(s), tasks),
        ...(MEMORY_SIZES.has(n) ? { hold: (_: Definitions, s: Scheduler) => s } : {}),
      },
      {
        id: `${id}/saxes`,
        impl: 'anchor',
        role: 'reference',
        setup: () => (definitions(shape, n).defs as JobDefinition[]).flatMap((d) => d.Tasks!.map((t) => t.TaskBody)),
        run: saxesAlone,
        check: (elements: number) => {
          if (elements < 2 * tasks) throw new Error(`saxes saw ${elements} elements for ${tasks} TaskBodies`);
        },
      },
    ]);
  }
}

for (const shape of SHAPES) {
  for (const n of sizesOf(shape, SIZES)) {
    const id = `user-side/${shape}/${n}/drain`;
    const tasks = taskCount(shape, n);
    add('drain', shape, n, [
      {
        id: `${id}/ours`,
        impl: 'ours',
        role: 'ours',
        baseline: 'anchor',
        setup: () => definitions(shape, n),
        fresh: submitAll,
        run: (_: Definitions, s: Scheduler) => drainByIndex(s, CONCURRENCY),
        check: (done: number) => expect('drained', done, tasks),
      },
      {
        id: `${id}/reference`,
        impl: 'anchor',
        role: 'reference',
        setup: () => graph(shape, n),
        run: (g: ReturnType<typeof graph>) => onlineHeapReference(g.n, g.from, g.to, g.priority, CONCURRENCY),
        check: (done: number) => expect('drained', done, tasks),
      },
      {
        // What the model itself costs over the bare loop: its bookkeeping, written plainly in one function.
        id: `${id}/floor`,
        impl: 'our model in one loop',
        role: 'reference',
        baseline: 'anchor',
        setup: () => floorInput(shape, n),
        run: (g: ReturnType<typeof floorInput>) => drainFloor(g.n, g.from, g.to, g.priority, g.jobOf, g.jobCount, CONCURRENCY).done,
        check: (done: number) => expect('drained', done, tasks),
      },
    ]);
  }
}

for (const shape of SHAPES) {
  for (const n of sizesOf(shape, ENGINE_SIZES)) {
    const id = `user-side/${shape}/${n}/engine`;
    const tasks = taskCount(shape, n);
    add('engine', shape, n, [
      {
        id: `${id}/ours`,
        impl: 'ours',
        role: 'ours',
        baseline: 'anchor',
        setup: () => definitions(shape, n),
        run: runEngine,
        check: checkEngine,
      },
      {
        id: `${id}/p-graph`,
        impl: 'anchor',
        role: 'reference',
        setup: () => pGraphInput(shape, n),
        run: runPGraph,
        check: (ran: number) => expect('p-graph ran', ran, tasks),
      },
      ...(n === 10_000
        ? [
            {
              // The part after parsing: the same run given validateJob() results made untimed in
              // this process (so the TaskBody parse, validation and their JIT warm-up are not timed).
              id: `${id}/ours-validated`,
              impl: 'ours, definitions validated before',
              role: 'ours' as const,
              baseline: 'anchor',
              setup: () => definitions(shape, n),
              fresh: (d: Definitions): Definitions => ({ ...d, defs: d.defs.map((def) => validateJob(def, { profile: 'relaxed' })) }),
              run: (_: Definitions, v: Definitions) => runEngine(v),
              check: checkEngine,
            },
            {
              id: `${id}/ours-second-run`,
              impl: 'ours, 2nd run in process',
              role: 'ours' as const,
              baseline: 'ours',
              setup: () => definitions(shape, n),
              fresh: () => warmUpEngine(shape, n),
              run: (d: Definitions) => runEngine(d),
              check: checkEngine,
            },
          ]
        : []),
    ]);
  }
}
