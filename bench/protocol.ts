/**
 * The benchmark case protocol: what a `bench/<topic>.bench.ts` file exports, and what a child
 * process prints back. See bench/README.md for the walk-through; bench/run.ts is the driver and
 * bench/child.ts the child.
 *
 * A bench file exports `cases: BenchCase[]` (nothing else is required). Importing the file must be
 * cheap: do the expensive work (generating inputs) in `setup`, which only runs in the child.
 */

/** Who a measured implementation belongs to: decides ratios and process isolation. */
export type Role = 'ours' | 'reference' | 'peer';

/**
 * How a case is timed: `'warm'`, repetitions in a long-lived process after a cold run and a warm-up
 * (what a long-lived orchestrator sees), or `'cold'`, one fresh process per sample with exactly one
 * timed run (what a user running a command once sees). See {@link BenchCase.protocol}.
 */
export type Protocol = 'warm' | 'cold';

/** Processes per case under `protocol: 'cold'` unless the case says otherwise. */
export const COLD_SAMPLES = 3;

/** One measured thing: an implementation on an input. */
export interface BenchCase<I = any, R = any, F = any> {
  /** Unique across all bench files, `/`-separated, e.g. `order/layered/1000000/toposort`. Filters match on it. */
  id: string;
  /** The results table it belongs to, e.g. `order`. */
  table: string;
  /** The row inside the table, e.g. `layered 1,000,000`. Cases in one row are compared. */
  row: string;
  /** The column: the implementation, e.g. `ours (priority)`, `heap Kahn`, `toposort`. */
  impl: string;
  /** `ours`, a bare `reference`, or a third-party `peer`. */
  role: Role;
  /** Number of tasks (for bytes per task). */
  n: number;
  /** Number of edges (for ns per edge); 0 or absent to skip that figure. */
  edges?: number;
  /** `impl` of the case in the same table and row to divide by (ours: the bare reference). */
  baseline?: string;
  /**
   * Cases with the same batch run in one child process, their repetitions interleaved, so their
   * ratios are measured side by side. Default: peers each get their own process (one's stack
   * overflow or OOM cannot take the others down); other roles share `table + row`.
   */
  batch?: string;
  /** Part of `--quick`. Default: `n <= 100_000`. */
  quick?: boolean;
  /** Wall-clock limit for this case in the child, ms. Default: the driver's (`--timeout`). */
  timeoutMs?: number;
  /**
   * How the case is timed. `'warm'` (default): in a child shared with its batch, a cold run, a
   * warm-up, then repetitions (see bench/README.md). `'cold'`, the user's side: every sample is a
   * child process of its own that runs `setup` and `fresh` (untimed) and `run` exactly once (timed),
   * then `check`, then `hold` if given; the driver starts `samples` such processes per case,
   * alternating between the cases of the same batch (A B A B A B), and reports the median with the
   * min–max spread. `batch` groups cases for the alternation (default `table + row`).
   */
  protocol?: Protocol;
  /** `protocol: 'cold'` only: how many processes (samples) per case. @defaultValue 3 */
  samples?: number;
  /** Untimed: build the input (generate a workload, convert edges to the peer's format). */
  setup(): I | Promise<I>;
  /**
   * Untimed, before every run (cold, warm-up, timed): builds what one run consumes, e.g. a freshly
   * loaded scheduler for a case that times draining it. Its result is `run`'s second argument.
   */
  fresh?(input: I): F | Promise<F>;
  /** Timed: the work itself. Its result is passed to `check`. Throwing ends the case with an error status. */
  run(input: I, fresh?: F): R | Promise<R>;
  /** Untimed, once after the first run: throw if the result is wrong. */
  check?(result: R, input: I): void;
  /**
   * Untimed: build and return what stays alive for the memory figure (the structure a caller
   * would keep). Default: `run`'s result. Return `undefined` with `memory: false` to skip.
   *
   * Cold cases (`protocol: 'cold'`) measure memory only when `hold` is given: it is called once
   * after the timed run and `check` with that run's result, and returns what stays alive from it
   * (e.g. `(input, scheduler) => scheduler`). The child then lets go of the input, the result and
   * `fresh`'s value, and the figure is the bytes held with the returned value alive minus without.
   */
  hold?(input: I, result?: R): unknown;
  /** Measure memory held. @defaultValue true (cold cases: only with `hold`) */
  memory?: boolean;
}

/** How a case ended. */
export type Status = 'ok' | 'stack overflow' | 'OOM' | 'timeout' | 'error' | 'crashed' | 'not run';

/** What the child prints for one case, after {@link RESULT_PREFIX}, as one JSON line. */
export interface CaseResult {
  id: string;
  status: Status;
  /** Timed samples in ms (the warm-up run is excluded unless it was the only one; see `cold`). */
  samples: number[];
  /**
   * True when the only sample is the first, cold run (too slow to repeat); for `protocol: 'cold'`
   * cases always: every sample is the one run of a fresh process.
   */
  cold?: boolean;
  /** Bytes held (heapUsed + arrayBuffers after forced GC, minus before), or null. */
  bytesHeld: number | null;
  /** Error message for `error` / `stack overflow`. */
  message?: string;
}

/** Prefix of a result line on the child's stdout. */
export const RESULT_PREFIX = 'BENCH_RESULT ';
/** Prefix of a progress line (`{ id, phase }`): tells the driver which case was running at a crash. */
export const PROGRESS_PREFIX = 'BENCH_PROGRESS ';

/** Whether an error is V8's "Maximum call stack size exceeded". */
export function isStackOverflow(err: unknown): boolean {
  return err instanceof RangeError && /call stack/i.test(err.message);
}

/** Memoises `make` so cases sharing an input (one workload, many implementations) build it once per process. */
export function shared<T>(make: () => T): () => T {
  let value: { v: T } | undefined;
  return () => (value ??= { v: make() }).v;
}

/** `1,000,000` */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

const residents: unknown[] = [];

/**
 * Keeps a value alive for the rest of the process, as an embedding application keeps its scheduler
 * or engine. A bench that makes a fresh instance per run and then forces a full GC between samples
 * would otherwise let V8 collect the hidden classes of the last instance's objects and drop the
 * optimised code built for them: every timed run would start cold (measured: a 10,000-task drain
 * 2.6 ms warm, up to 25 ms after such a GC), which no long-lived orchestrator ever sees.
 */
export function resident<T>(value: T): T {
  residents.push(value);
  return value;
}
