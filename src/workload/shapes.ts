/**
 * The benchmark workload shapes of docs/workloads.md, generated exactly per that spec so that any
 * two measurements of the same (shape, N) see the same graph. An edge u → v means u must finish
 * before v starts.
 *
 * Where the spec is silent we chose (and pin in tests):
 * - layered: a layer whose earlier layers hold fewer than 3 tasks (only N < 6) draws as many
 *   distinct predecessors as exist; N = 0 gives an empty graph.
 * - fan: N < 3 has no middle tasks and so no edges.
 * - chainrev: priorities are drawn exactly as for chain (`priority[i] = randInt(100)` by index);
 *   edges `i+1 → i` are emitted for i ascending (1 → 0 first).
 * - media: the `N mod 6` tasks after the last whole job belong to no job (`jobOf = -1`), have
 *   priority 0 and no edges.
 * - with a cycle: the back edge is appended after all other edges.
 */
import { ArgumentRangeError, ArgumentTypeError, checkObject, describeValue } from '../errors.js';
import { Mulberry32, WORKLOAD_SEED } from './prng.js';

/** Names of the shapes. */
export type ShapeName = 'layered' | 'fan' | 'chain' | 'chainrev' | 'media';

/** Every shape, in the order benchmarks list them. */
export const SHAPES: readonly ShapeName[] = ['layered', 'fan', 'chain', 'chainrev', 'media'];

/** Shapes that have a "with a cycle" variant. */
export const CYCLIC_SHAPES: readonly ShapeName[] = ['layered', 'chain'];

/** A generated workload: a task graph with one priority per task. */
export interface Workload {
  /** Which shape made it. */
  readonly shape: ShapeName;
  /** Whether the spec's back edge was added (the graph then has a cycle). */
  readonly cyclic: boolean;
  /** Number of tasks N; ids are `0 .. N-1`. */
  readonly nodeCount: number;
  /** Tail of each edge (must finish first). */
  readonly from: Int32Array;
  /** Head of each edge. */
  readonly to: Int32Array;
  /** `randInt(100)` per task as the spec draws it. */
  readonly priority: Int32Array;
}

/**
 * The media workload, with what building Azure Media Services jobs needs: job `j` owns tasks `6j`
 * (ingest: reads `JobInputAsset(0)`, writes `JobOutputAsset(0)`), `6j+k` for k = 1..4 (encode:
 * reads `JobOutputAsset(0)`, writes `JobOutputAsset(k)`) and `6j+5` (package: reads
 * `JobOutputAsset(1..4)`, writes `JobOutputAsset(5)`).
 */
export interface MediaWorkload extends Workload {
  readonly shape: 'media';
  /** J = floor(N / 6). */
  readonly jobCount: number;
  /** `jobOf[i]`: the job of task i, or -1 for the `N mod 6` trailing tasks outside any job. */
  readonly jobOf: Int32Array;
  /** `jobPriority[j]`: the priority drawn for job j (also the priority of each of its tasks). */
  readonly jobPriority: Int32Array;
}

/** Options of the shapes that have a cyclic variant. */
export interface CycleOption {
  /**
   * Add the spec's back edge, making the graph cyclic.
   * @defaultValue false
   */
  readonly cycle?: boolean | undefined;
}

/**
 * layered(N): L = round(√N) layers of consecutive tasks; each task outside layer 0 gets 3 distinct
 * predecessors, each from the previous layer (80 %) or any earlier layer (20 %). About 3 edges a task.
 * With `cycle`, adds t → s for t = N-1 and s the layer-0 task reached from t by first-drawn
 * predecessors.
 *
 * @param n - Number of tasks, an integer in `[0, 2^31 - 1]`.
 * @param options - `{ cycle }`.
 * @returns The workload.
 * @throws {@link ArgumentRangeError} `ERR_OUT_OF_RANGE` for a bad `n`.
 * @example
 * ```ts
 * const { nodeCount, from, to, priority } = layered(100_000);
 * ```
 */
export function layered(n: number, options: CycleOption = {}): Workload {
  checkSize('layered', n);
  checkOptions('layered', options);
  const rng = new Mulberry32(WORKLOAD_SEED);
  const priority = drawPriorities(rng, n);
  const layers = Math.round(Math.sqrt(n));
  const start = (l: number): number => Math.floor((l * n) / layers);
  const size0 = layers === 0 ? n : start(1);
  const edgeCount = 3 * (n - size0) - drawShortfall(n, layers) + (options.cycle ? 1 : 0);
  const from = new Int32Array(edgeCount);
  const to = new Int32Array(edgeCount);
  const firstPred = new Int32Array(n).fill(-1);
  let e = 0;
  const picked = [0, 0, 0];
  for (let l = 1; l < layers; l++) {
    const lStart = start(l);
    const lEnd = start(l + 1);
    const prevStart = start(l - 1);
    const prevSize = lStart - prevStart;
    const want = Math.min(3, lStart);
    for (let i = lStart; i < lEnd; i++) {
      let got = 0;
      while (got < want) {
        const c = rng.next();
        const p = c < 0.2 ? rng.randInt(lStart) : prevStart + rng.randInt(prevSize);
        let duplicate = false;
        for (let k = 0; k < got; k++) if (picked[k] === p) duplicate = true;
        if (duplicate) continue;
        picked[got++] = p;
        from[e] = p;
        to[e] = i;
        e++;
      }
      firstPred[i] = picked[0]!;
    }
  }
  if (options.cycle) {
    if (n === 0) throw new ArgumentRangeError('layered: a cycle needs at least 1 task, got `0` (number)');
    const t = n - 1;
    let s = t;
    while (firstPred[s] !== -1) s = firstPred[s]!;
    from[e] = t;
    to[e] = s;
    e++;
  }
  if (e !== edgeCount) throw new Error(`layered: internal error, ${e} edges drawn, ${edgeCount} expected`);
  return { shape: 'layered', cyclic: options.cycle === true, nodeCount: n, from, to, priority };
}

/** How many fewer than 3 predecessors layered(n) draws in total (only when n < 6). */
function drawShortfall(n: number, layers: number): number {
  let shortfall = 0;
  for (let l = 1; l < layers; l++) {
    const lStart = Math.floor((l * n) / layers);
    if (lStart >= 3) break;
    shortfall += (3 - lStart) * (Math.floor(((l + 1) * n) / layers) - lStart);
  }
  return shortfall;
}

/**
 * fan(N): task 0 → each middle task 1..N-2 → task N-1 (one ingest, N-2 renditions, one package).
 * Edges 0 → i for every middle i first, then every i → N-1.
 *
 * @param n - Number of tasks, an integer in `[0, 2^31 - 1]`.
 * @returns The workload.
 * @throws {@link ArgumentRangeError} `ERR_OUT_OF_RANGE` for a bad `n`.
 * @example
 * ```ts
 * fan(5).from; // Int32Array [0, 0, 0, 1, 2, 3]
 * ```
 */
export function fan(n: number): Workload {
  checkSize('fan', n);
  const rng = new Mulberry32(WORKLOAD_SEED);
  const priority = drawPriorities(rng, n);
  const middle = Math.max(0, n - 2);
  const from = new Int32Array(2 * middle);
  const to = new Int32Array(2 * middle);
  for (let k = 0; k < middle; k++) {
    from[k] = 0;
    to[k] = k + 1;
    from[middle + k] = k + 1;
    to[middle + k] = n - 1;
  }
  return { shape: 'fan', cyclic: false, nodeCount: n, from, to, priority };
}

/**
 * chain(N): edges i → i+1. With `cycle`, adds the back edge N-1 → 0 (one cycle through all tasks).
 *
 * @param n - Number of tasks, an integer in `[0, 2^31 - 1]`.
 * @param options - `{ cycle }`.
 * @returns The workload.
 * @throws {@link ArgumentRangeError} `ERR_OUT_OF_RANGE` for a bad `n`, or a cycle asked of 0 tasks.
 * @example
 * ```ts
 * chain(1_000_000, { cycle: true });
 * ```
 */
export function chain(n: number, options: CycleOption = {}): Workload {
  checkSize('chain', n);
  checkOptions('chain', options);
  if (options.cycle && n === 0) throw new ArgumentRangeError('chain: a cycle needs at least 1 task, got `0` (number)');
  const rng = new Mulberry32(WORKLOAD_SEED);
  const priority = drawPriorities(rng, n);
  const links = Math.max(0, n - 1);
  const m = links + (options.cycle ? 1 : 0);
  const from = new Int32Array(m);
  const to = new Int32Array(m);
  for (let i = 0; i < links; i++) {
    from[i] = i;
    to[i] = i + 1;
  }
  if (options.cycle) {
    from[links] = n - 1;
    to[links] = 0;
  }
  return { shape: 'chain', cyclic: options.cycle === true, nodeCount: n, from, to, priority };
}

/**
 * chainrev(N): the chain numbered backwards, edges i+1 → i (listed for i ascending). Priorities as
 * for chain.
 *
 * @param n - Number of tasks, an integer in `[0, 2^31 - 1]`.
 * @returns The workload.
 * @throws {@link ArgumentRangeError} `ERR_OUT_OF_RANGE` for a bad `n`.
 * @example
 * ```ts
 * chainrev(3).from; // Int32Array [1, 2]
 * ```
 */
export function chainrev(n: number): Workload {
  checkSize('chainrev', n);
  const rng = new Mulberry32(WORKLOAD_SEED);
  const priority = drawPriorities(rng, n);
  const links = Math.max(0, n - 1);
  const from = new Int32Array(links);
  const to = new Int32Array(links);
  for (let i = 0; i < links; i++) {
    from[i] = i + 1;
    to[i] = i;
  }
  return { shape: 'chainrev', cyclic: false, nodeCount: n, from, to, priority };
}

/**
 * media(N): J = floor(N/6) jobs of ingest → 4 encodes → package; each job draws one priority for its
 * 6 tasks. Edges per job: 6j → 6j+k (k = 1..4), then 6j+k → 6j+5.
 *
 * @param n - Number of tasks, an integer in `[0, 2^31 - 1]`.
 * @returns The workload with job membership; see {@link MediaWorkload}.
 * @throws {@link ArgumentRangeError} `ERR_OUT_OF_RANGE` for a bad `n`.
 * @example
 * ```ts
 * const { jobCount, jobOf } = media(60); // 10 jobs
 * ```
 */
export function media(n: number): MediaWorkload {
  checkSize('media', n);
  const rng = new Mulberry32(WORKLOAD_SEED);
  const jobCount = Math.floor(n / 6);
  const priority = new Int32Array(n);
  const jobOf = new Int32Array(n).fill(-1);
  const jobPriority = new Int32Array(jobCount);
  const from = new Int32Array(8 * jobCount);
  const to = new Int32Array(8 * jobCount);
  let e = 0;
  for (let j = 0; j < jobCount; j++) {
    const p = rng.randInt(100);
    jobPriority[j] = p;
    const base = 6 * j;
    for (let k = 0; k < 6; k++) {
      priority[base + k] = p;
      jobOf[base + k] = j;
    }
    for (let k = 1; k <= 4; k++) {
      from[e] = base;
      to[e++] = base + k;
    }
    for (let k = 1; k <= 4; k++) {
      from[e] = base + k;
      to[e++] = base + 5;
    }
  }
  return { shape: 'media', cyclic: false, nodeCount: n, from, to, priority, jobCount, jobOf, jobPriority };
}

/**
 * Any shape by name.
 *
 * @param shape - One of {@link SHAPES}.
 * @param n - Number of tasks.
 * @param options - `{ cycle }`, only for {@link CYCLIC_SHAPES}.
 * @returns The workload.
 * @throws {@link ArgumentRangeError} `ERR_INVALID_ARG_VALUE` for an unknown shape or a cycle asked of
 *   a shape without a cyclic variant; `ERR_OUT_OF_RANGE` for a bad `n`.
 * @throws {@link ArgumentTypeError} `ERR_INVALID_ARG_TYPE` for `options` that are not an object.
 * @example
 * ```ts
 * for (const shape of SHAPES) run(makeWorkload(shape, 100_000));
 * ```
 */
export function makeWorkload(shape: ShapeName, n: number, options: CycleOption = {}): Workload {
  checkOptions('makeWorkload', options);
  if (options.cycle && !CYCLIC_SHAPES.includes(shape)) {
    throw new ArgumentRangeError(
      `makeWorkload: shape ${describeValue(shape)} has no cyclic variant: use one of ${CYCLIC_SHAPES.join(', ')}`,
      'ERR_INVALID_ARG_VALUE',
    );
  }
  switch (shape) {
    case 'layered':
      return layered(n, options);
    case 'fan':
      return fan(n);
    case 'chain':
      return chain(n, options);
    case 'chainrev':
      return chainrev(n);
    case 'media':
      return media(n);
    default:
      throw new ArgumentRangeError(
        `makeWorkload: unknown shape ${describeValue(shape)}: use one of ${SHAPES.join(', ')}`,
        'ERR_INVALID_ARG_VALUE',
      );
  }
}

function drawPriorities(rng: Mulberry32, n: number): Int32Array {
  const priority = new Int32Array(n);
  for (let i = 0; i < n; i++) priority[i] = rng.randInt(100);
  return priority;
}

function checkOptions(call: string, options: unknown): void {
  checkObject(call, '`options`', options);
}

function checkSize(call: string, n: number): void {
  if (!Number.isInteger(n) || n < 0 || n > 0x7fffffff) {
    throw new ArgumentRangeError(`${call}: expected the task count to be an integer in [0, 2147483647], got ${describeValue(n)}`);
  }
}
