import PQueue from 'p-queue';
import type { Dispatcher, FailureReport, WorkItem, WorkReporter } from './dispatcher.js';
import { ProcessorError, type Processor, type ProcessorContext, type ResolvedInput } from './processor.js';
import type { TaskOutputAsset } from '../job/model.js';

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
    if (typeof percent !== 'number' || !(percent >= 0 && percent <= 100)) {
      throw new RangeError(`progress: expected a number from 0 to 100, got ${String(percent)}`);
    }
    this.reporter.progress(this.item.serial, this.item.attempt, percent);
  }

  log(code: string, message = ''): void {
    if (!this.settled && typeof code === 'string' && code !== '') this.reporter.log(this.item.serial, this.item.attempt, code, String(message));
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
 */
export class InProcessDispatcher implements Dispatcher {
  #queue = new PQueue({ concurrency: Infinity });
  #reporter: WorkReporter | undefined;
  #processors: ReadonlyMap<string, Processor> = new Map();
  #attempts = new Map<number, Attempt>();

  start(reporter: WorkReporter, processors: ReadonlyMap<string, Processor>): void {
    this.#reporter = reporter;
    this.#processors = processors;
  }

  dispatch(item: WorkItem): void {
    const reporter = this.#reporter;
    if (!reporter) throw new Error('InProcessDispatcher.dispatch: start() was not called');
    const attempt = new Attempt(item, reporter, this);
    this.#attempts.set(item.serial, attempt);
    // The returned promise never rejects: #run catches everything and reports it.
    void this.#queue.add(() => this.#run(attempt));
  }

  /** Called by an attempt when it settles. */
  forget(attempt: Attempt): void {
    if (this.#attempts.get(attempt.item.serial) === attempt) this.#attempts.delete(attempt.item.serial);
  }

  async #run(a: Attempt): Promise<void> {
    const item = a.item;
    const reporter = this.#reporter!;
    const processor = this.#processors.get(item.mediaProcessorId);
    if (!processor) {
      if (a.settle()) reporter.fail(item.serial, item.attempt, { code: 'ErrorProcessingTask', message: `no processor is registered for ${item.mediaProcessorId}`, retryable: false });
      return;
    }
    if (item.timeoutMs !== undefined) a.timer = setTimeout(() => this.#timeout(a), item.timeoutMs);
    let result: unknown;
    try {
      // Start the processor on a fresh microtask, never inside the engine's own call stack (a
      // report that frees a slot dispatches the next task synchronously); a synchronous throw lands
      // in the catch like a rejection.
      await undefined;
      result = await processor.run(a);
    } catch (err) {
      if (a.settle()) reporter.fail(item.serial, item.attempt, classify(err, a));
      return;
    }
    if (!a.settle()) return;
    const metadata = readResult(result, item);
    if (typeof metadata === 'string') reporter.fail(item.serial, item.attempt, { code: 'ErrorProcessingTask', message: metadata, retryable: false });
    else reporter.complete(item.serial, item.attempt, metadata);
  }

  #timeout(a: Attempt): void {
    if (!a.settle()) return;
    const message = `the task timed out after ${a.item.timeoutMs} ms`;
    a.abort(new ProcessorError('ErrorProcessingTask', message));
    this.#reporter!.fail(a.item.serial, a.item.attempt, { code: 'ErrorProcessingTask', message, retryable: false });
  }

  abort(serial: number, attempt: number, reason: string): void {
    const a = this.#attempts.get(serial);
    if (a && a.item.attempt === attempt) a.abort(new ProcessorError('ErrorCancelingTask', reason));
  }

  abandon(serial: number, attempt: number): void {
    const a = this.#attempts.get(serial);
    if (a && a.item.attempt === attempt) a.settle();
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

function classify(err: unknown, a: Attempt): FailureReport {
  if (err instanceof ProcessorError) return { code: err.code, message: err.message, retryable: err.retryable };
  if (a.aborted) {
    const reason = a.abortReason as { message?: string } | undefined;
    return { code: 'ErrorCancelingTask', message: reason?.message ?? 'aborted', retryable: false };
  }
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    const retryable = (err as { retryable?: unknown }).retryable === true || code === 'TransientError';
    return { code: typeof code === 'string' && /^[A-Za-z]+$/.test(code) && retryable ? code : 'ErrorProcessingTask', message: err.message || err.name, retryable };
  }
  return { code: 'ErrorProcessingTask', message: `the processor threw ${describe(err)}`, retryable: false };
}

function describe(v: unknown): string {
  try {
    return typeof v === 'string' ? JSON.stringify(v) : String(v);
  } catch {
    return 'a value that cannot be shown';
  }
}

const NO_METADATA: ReadonlyMap<number, unknown> = new Map();

/** The metadata per output index, or why the value is not a valid result. */
function readResult(result: unknown, item: WorkItem): ReadonlyMap<number, unknown> | string {
  if (result === undefined || result === null) return NO_METADATA;
  const indices = item.outputs.map((o) => o.index);
  const out = new Map<number, unknown>();
  if (Array.isArray(result)) {
    if (result.length !== indices.length) return `the processor returned ${result.length} metadata values for ${indices.length} output${indices.length === 1 ? '' : 's'}`;
    result.forEach((m, i) => out.set(indices[i]!, m));
    return out;
  }
  if (typeof result === 'object' && Object.getPrototypeOf(result) === Object.prototype) {
    for (const [k, v] of Object.entries(result)) {
      const index = /^\d+$/.test(k) ? Number(k) : NaN;
      if (!indices.includes(index)) return `the processor returned metadata for ${JSON.stringify(k)}, which is not one of the task's outputs (${indices.join(', ')})`;
      out.set(index, v);
    }
    return out;
  }
  return `the processor returned ${describe(result)}; return nothing, an array with one value per output, or an object keyed by output index`;
}
