import PQueue from 'p-queue';
import { hostname } from 'node:os';
import type { Dispatcher, FailureReport, WorkItem, WorkLocation, WorkReporter } from './dispatcher.js';
import { ProcessorError, type Processor, type ProcessorContext, type ResolvedInput } from './processor.js';
import type { TaskOutputAsset } from '../job/model.js';
import { UNREADABLE, describeUntrusted, textOf, warn } from './untrusted.js';

/**
 * One attempt of a task, and the context its processor sees. A class rather than closures: a
 * million no-op tasks then allocate one object each, and the AbortController — costly in Node —
 * is made only when the processor reads `signal` or the attempt is aborted.
 */
class Attempt implements ProcessorContext {
  #controller: AbortController | undefined;
  #abortReason: unknown;
  timer: ReturnType<typeof setTimeout> | undefined;
  settled = false;
  /** When the processor was started (epoch ms); NaN while it waits for its turn. */
  startedAt = NaN;
  #resolveDone: (() => void) | undefined;
  #done: Promise<void> | undefined;

  constructor(
    readonly item: WorkItem,
    private readonly reporter: WorkReporter,
    private readonly owner: InProcessDispatcher,
  ) {}

  get taskId(): string {
    return this.item.taskId;
  }
  get jobId(): string {
    return this.item.jobId;
  }
  get taskName(): string {
    return this.item.taskName;
  }
  get jobName(): string {
    return this.item.jobName;
  }
  get attempt(): number {
    return this.item.attempt;
  }
  get mediaProcessorId(): string {
    return this.item.mediaProcessorId;
  }
  get configuration(): string | null {
    return this.item.configuration;
  }
  get inputs(): ResolvedInput[] {
    return this.item.inputs;
  }
  get outputs(): TaskOutputAsset[] {
    return this.item.outputs;
  }

  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#abortReason !== undefined) this.#controller.abort(this.#abortReason);
    }
    return this.#controller.signal;
  }

  get aborted(): boolean {
    return this.#abortReason !== undefined;
  }

  abort(reason: unknown): void {
    if (this.#abortReason !== undefined) return;
    this.#abortReason = reason;
    this.#controller?.abort(reason);
  }

  get abortReason(): unknown {
    return this.#abortReason;
  }

  progress(percent: number): void {
    if (this.settled) return;
    // Never throws into the processor: the engine clamps or ignores a value out of range.
    try {
      this.reporter.progress(this.item.serial, this.item.attempt, percent);
    } catch (err) {
      warn('reporting progress failed', err);
    }
  }

  log(code: string, message: unknown = ''): void {
    if (this.settled || typeof code !== 'string' || code === '') return;
    try {
      this.reporter.log(this.item.serial, this.item.attempt, code, textOf(message));
    } catch (err) {
      warn('logging an event failed', err);
    }
  }

  /** Marks the attempt settled once; false when it already was (a late report to drop). */
  settle(): boolean {
    if (this.settled) return false;
    this.settled = true;
    if (this.timer) clearTimeout(this.timer);
    this.owner.forget(this);
    this.#resolveDone?.();
    return true;
  }

  /** Resolves when the attempt is settled: reported, timed out or abandoned. */
  get done(): Promise<void> {
    if (this.settled) return Promise.resolve();
    return (this.#done ??= new Promise<void>((r) => (this.#resolveDone = r)));
  }
}

/**
 * Runs processors in this process on p-queue. p-queue gets no concurrency limit of its own: the
 * scheduler already decided that each dispatched task may start now, and p-queue's priority queue
 * would only re-order (and, with many waiting, slow down) what was decided.
 *
 * What p-queue runs is a lane: a loop that runs one attempt, reports it, and then runs the attempts
 * handed over while it was reporting. A report that frees a slot makes the engine dispatch the next
 * task at once, inside that report; that task then starts in the lane that just finished, right
 * after the report returns, instead of as a new p-queue entry. So p-queue's own work per entry (a
 * promise, an options object, a symbol, a map entry, a timestamp and events; a third of a cold
 * 10k-task Engine run) is paid once per burst of starts, not once per task, and the running
 * attempts are never more than the lanes p-queue holds.
 */
export class InProcessDispatcher implements Dispatcher {
  #queue = new PQueue({ concurrency: Infinity });
  #reporter: WorkReporter | undefined;
  #processors: ReadonlyMap<string, Processor> = new Map();
  #attempts = new Map<number, Attempt>();
  /** Attempts handed to lanes that are reporting (see the class comment), oldest first, from #handoffHead. */
  #handoff: Attempt[] = [];
  #handoffHead = 0;
  /** Lanes between the end of their attempt and their next one: in a report, or about to look at #handoff. */
  #reporting = 0;

  start(reporter: WorkReporter, processors: ReadonlyMap<string, Processor>): void {
    this.#reporter = reporter;
    this.#processors = processors;
  }

  dispatch(item: WorkItem): void {
    const reporter = this.#reporter;
    if (!reporter) throw new Error('InProcessDispatcher.dispatch: start() was not called');
    const attempt = new Attempt(item, reporter, this);
    this.#attempts.set(item.serial, attempt);
    // A lane that is reporting takes it next, unless the lanes reporting have as many waiting already.
    if (this.#reporting > this.#handoff.length - this.#handoffHead) this.#handoff.push(attempt);
    // The returned promise never rejects: #lane catches everything and reports it.
    else void this.#queue.add(() => this.#lane(attempt));
  }

  /**
   * Runs `first`, then each attempt handed over while this lane was reporting, until none is.
   *
   * Never rejects, whatever a processor throws or returns: the outcome is read (safely) before the
   * attempt is settled, so that a value that cannot be read still ends the task. An attempt costs
   * one microtask when its processor returns a plain value (a no-op, a synchronous processor) and
   * one more per promise it returns, where a lane that awaited a helper per attempt, and awaited
   * every result, paid three (a report came that much later; the wall time of a 10,000-task run
   * moved within the noise).
   */
  async #lane(first: Attempt): Promise<void> {
    let a = first;
    for (;;) {
      const item = a.item;
      const processor = this.#processors.get(item.mediaProcessorId);
      let outcome: Outcome;
      if (!processor) {
        outcome = { code: 'ErrorProcessingTask', message: `no processor is registered for ${item.mediaProcessorId}`, retryable: false };
      } else {
        a.startedAt = Date.now();
        const limit = item.timeoutMs;
        // Node fires a longer timer at once (TimeoutOverflowWarning): a limit past ~24.8 days is none.
        if (limit !== undefined && limit <= MAX_TIMER_MS) a.timer = setTimeout(() => this.#timeout(a), limit);
        try {
          // Start the processor on a fresh microtask, never inside the engine's own call stack (a
          // report that frees a slot dispatches the next task synchronously); a synchronous throw
          // lands in the catch like a rejection.
          await undefined;
          let result: unknown = processor.run(a);
          // What may be a thenable (any object) is awaited; a plain value needs no turn.
          if (result !== null && (typeof result === 'object' || typeof result === 'function')) result = await result;
          // Settled already (timed out, abandoned): nothing to report.
          outcome = a.settled ? undefined : readResult(result, item);
        } catch (err) {
          outcome = a.settled ? undefined : classify(err, a);
        }
      }
      // Counted as reporting while it reports: a report that dispatches hands that task to this lane.
      this.#reporting++;
      this.#settleAndReport(a, outcome);
      this.#reporting--;
      const handoff = this.#handoff;
      if (this.#handoffHead === handoff.length) return;
      a = handoff[this.#handoffHead]!;
      handoff[this.#handoffHead++] = undefined as never;
      if (this.#handoffHead === handoff.length) {
        handoff.length = 0;
        this.#handoffHead = 0;
      }
    }
  }

  /** Called by an attempt when it settles. */
  forget(attempt: Attempt): void {
    if (this.#attempts.get(attempt.item.serial) === attempt) this.#attempts.delete(attempt.item.serial);
  }

  /** Reports an attempt's outcome (complete, or fail for a FailureReport), settling it first. */
  #settleAndReport(a: Attempt, outcome: Outcome): void {
    if (outcome === undefined) return;
    if (outcome instanceof Map) {
      if (!a.settle()) return;
      try {
        this.#reporter!.complete(a.item.serial, a.item.attempt, outcome);
      } catch (err) {
        warn('reporting a completed task failed', err);
      }
    } else {
      this.#report(a, outcome as FailureReport);
    }
  }

  /** Settles the attempt as failed and reports it, unless it was settled already. */
  #report(a: Attempt, failure: FailureReport): void {
    if (!a.settle()) return;
    try {
      this.#reporter!.fail(a.item.serial, a.item.attempt, failure);
    } catch (err) {
      warn('reporting a failed task failed', err);
    }
  }

  #timeout(a: Attempt): void {
    if (!a.settle()) return;
    const message = `the task timed out after ${a.item.timeoutMs} ms`;
    a.abort(new ProcessorError('ErrorProcessingTask', message));
    try {
      this.#reporter!.fail(a.item.serial, a.item.attempt, { code: 'ErrorProcessingTask', message, retryable: false });
    } catch (err) {
      warn('reporting a timed out task failed', err);
    }
  }

  abort(serial: number, attempt: number, reason: string): void {
    const a = this.#attempts.get(serial);
    if (a && a.item.attempt === attempt) a.abort(new ProcessorError('ErrorCancelingTask', reason));
  }

  abandon(serial: number, attempt: number): void {
    const a = this.#attempts.get(serial);
    if (a && a.item.attempt === attempt) a.settle();
  }

  /** This process, and when the attempt's processor started. */
  locate(serial: number, attempt: number): WorkLocation | undefined {
    const a = this.#attempts.get(serial);
    if (a === undefined || a.item.attempt !== attempt || Number.isNaN(a.startedAt)) return undefined;
    return { where: `this process (${hostname()}:${process.pid})`, since: a.startedAt, running: true };
  }

  /**
   * Aborts every running attempt and waits until each has settled or been abandoned. It does not
   * wait for p-queue to drain: a processor that ignored its signal and was abandoned may never end.
   */
  async close(): Promise<void> {
    const pending = [...this.#attempts.values()];
    for (const a of pending) a.abort(new ProcessorError('ErrorCancelingTask', 'the engine is closing'));
    await Promise.all(pending.map((a) => a.done));
  }

  /** Attempts running now. */
  get size(): number {
    return this.#attempts.size;
  }
}

const MAX_TIMER_MS = 0x7fffffff;

/** What an attempt came to: its metadata, a failure, or undefined when it was settled already (timed out, abandoned). */
type Outcome = ReadonlyMap<number, unknown> | FailureReport | undefined;

/**
 * How a processor's throw fails its task. Every read of the thrown value may throw (a revoked
 * Proxy, a throwing getter): then the task fails with a fixed message rather than not at all.
 */
function classify(err: unknown, a: Attempt): FailureReport {
  try {
    return classifyReadable(err, a);
  } catch {
    return a.aborted ? canceled(a) : { code: 'ErrorProcessingTask', message: `the processor threw ${UNREADABLE}`, retryable: false };
  }
}

function classifyReadable(err: unknown, a: Attempt): FailureReport {
  if (err instanceof ProcessorError) {
    const code: unknown = err.code;
    const message: unknown = err.message;
    return { code: typeof code === 'string' && code !== '' ? code : 'ErrorProcessingTask', message: typeof message === 'string' ? message : describeUntrusted(message), retryable: err.retryable === true };
  }
  if (a.aborted) return canceled(a);
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    const retryable = (err as { retryable?: unknown }).retryable === true || code === 'TransientError';
    const message: unknown = err.message;
    const text = typeof message === 'string' && message !== '' ? message : textOf(err.name);
    return { code: typeof code === 'string' && /^[A-Za-z]+$/.test(code) && retryable ? code : 'ErrorProcessingTask', message: text, retryable };
  }
  return { code: 'ErrorProcessingTask', message: `the processor threw ${describeUntrusted(err)}`, retryable: false };
}

function canceled(a: Attempt): FailureReport {
  const reason = a.abortReason;
  const message = reason instanceof ProcessorError ? reason.message : 'aborted';
  return { code: 'ErrorCancelingTask', message, retryable: false };
}

const NO_METADATA: ReadonlyMap<number, unknown> = new Map();

/** The metadata per output index, or why the value is not a valid result. Never throws. */
function readResult(result: unknown, item: WorkItem): ReadonlyMap<number, unknown> | FailureReport {
  if (result === undefined || result === null) return NO_METADATA;
  const out = new Map<number, unknown>();
  let problem: string;
  try {
    problem = readMetadata(result, item, out);
  } catch {
    problem = `the processor returned ${UNREADABLE}`;
  }
  return problem === '' ? out : { code: 'ErrorProcessingTask', message: problem, retryable: false };
}

/** Fills `out`; returns '' or what is wrong with the result. */
function readMetadata(result: unknown, item: WorkItem, out: Map<number, unknown>): string {
  const indices = item.outputs.map((o) => o.index);
  if (Array.isArray(result)) {
    const n: unknown = result.length;
    if (n !== indices.length) return `the processor returned ${describeUntrusted(n)} metadata values for ${indices.length} output${indices.length === 1 ? '' : 's'}`;
    for (let i = 0; i < indices.length; i++) out.set(indices[i]!, result[i]);
    return '';
  }
  if (typeof result === 'object' && Object.getPrototypeOf(result) === Object.prototype) {
    for (const [k, v] of Object.entries(result as object)) {
      const index = /^\d+$/.test(k) ? Number(k) : NaN;
      if (!indices.includes(index)) return `the processor returned metadata for ${JSON.stringify(k)}, which is not one of the task's outputs (${indices.join(', ')})`;
      out.set(index, v);
    }
    return '';
  }
  return `the processor returned ${describeUntrusted(result)}; return nothing, an array with one value per output, or an object keyed by output index`;
}
