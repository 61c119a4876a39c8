import PQueue from 'p-queue';
import type { Dispatcher, FailureReport, WorkItem, WorkReporter } from './dispatcher.js';
import { ProcessorError, type Processor, type ProcessorContext } from './processor.js';

interface Attempt {
  attempt: number;
  controller: AbortController;
  timer: ReturnType<typeof setTimeout> | undefined;
  settled: boolean;
  /** Resolves when the attempt is settled: reported, timed out or abandoned. */
  done: Promise<void>;
  markDone: () => void;
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
  #attempts = new Map<string, Attempt>();

  start(reporter: WorkReporter, processors: ReadonlyMap<string, Processor>): void {
    this.#reporter = reporter;
    this.#processors = processors;
  }

  dispatch(item: WorkItem): void {
    const reporter = this.#reporter;
    if (!reporter) throw new Error('InProcessDispatcher.dispatch: start() was not called');
    let markDone!: () => void;
    const done = new Promise<void>((r) => (markDone = r));
    const entry: Attempt = { attempt: item.attempt, controller: new AbortController(), timer: undefined, settled: false, done, markDone };
    this.#attempts.set(item.taskId, entry);
    // The returned promise never rejects: run() catches everything it reports.
    void this.#queue.add(() => this.#run(item, entry, reporter));
  }

  async #run(item: WorkItem, entry: Attempt, reporter: WorkReporter): Promise<void> {
    const settle = (): boolean => {
      if (entry.settled) return false;
      entry.settled = true;
      if (entry.timer) clearTimeout(entry.timer);
      if (this.#attempts.get(item.taskId) === entry) this.#attempts.delete(item.taskId);
      entry.markDone();
      return true;
    };
    const processor = this.#processors.get(item.mediaProcessorId);
    if (!processor) {
      if (settle()) reporter.fail(item.taskId, item.attempt, { code: 'ErrorProcessingTask', message: `no processor is registered for ${item.mediaProcessorId}`, retryable: false });
      return;
    }
    if (item.timeoutMs !== undefined) {
      entry.timer = setTimeout(() => {
        if (!settle()) return;
        entry.controller.abort(new ProcessorError('ErrorProcessingTask', `the task timed out after ${item.timeoutMs} ms`));
        reporter.fail(item.taskId, item.attempt, { code: 'ErrorProcessingTask', message: `the task timed out after ${item.timeoutMs} ms`, retryable: false });
      }, item.timeoutMs);
    }
    const context: ProcessorContext = {
      taskId: item.taskId,
      jobId: item.jobId,
      taskName: item.taskName,
      jobName: item.jobName,
      attempt: item.attempt,
      mediaProcessorId: item.mediaProcessorId,
      configuration: item.configuration,
      inputs: item.inputs,
      outputs: item.outputs,
      signal: entry.controller.signal,
      progress: (percent) => {
        if (entry.settled) return;
        if (typeof percent !== 'number' || !(percent >= 0 && percent <= 100)) {
          throw new RangeError(`progress: expected a number from 0 to 100, got ${String(percent)}`);
        }
        reporter.progress(item.taskId, item.attempt, percent);
      },
      log: (code, message = '') => {
        if (!entry.settled && typeof code === 'string' && code !== '') reporter.log(item.taskId, item.attempt, code, String(message));
      },
    };
    let result: unknown;
    try {
      // Inside the promise chain, so a synchronous throw is a rejection like any other.
      result = await Promise.resolve().then(() => processor.run(context));
    } catch (err) {
      if (settle()) reporter.fail(item.taskId, item.attempt, classify(err, entry.controller.signal));
      return;
    }
    if (!settle()) return;
    const metadata = readResult(result, item);
    if (metadata instanceof Map) reporter.complete(item.taskId, item.attempt, metadata);
    else reporter.fail(item.taskId, item.attempt, { code: 'ErrorProcessingTask', message: metadata, retryable: false });
  }

  abort(taskId: string, attempt: number, reason: string): void {
    const entry = this.#attempts.get(taskId);
    if (entry && entry.attempt === attempt && !entry.controller.signal.aborted) entry.controller.abort(new ProcessorError('ErrorCancelingTask', reason));
  }

  abandon(taskId: string, attempt: number): void {
    const entry = this.#attempts.get(taskId);
    if (!entry || entry.attempt !== attempt) return;
    entry.settled = true;
    if (entry.timer) clearTimeout(entry.timer);
    this.#attempts.delete(taskId);
    entry.markDone();
  }

  /**
   * Aborts every running attempt and waits until each has settled or been abandoned. It does not
   * wait for p-queue to drain: a processor that ignored its signal and was abandoned may never end.
   */
  async close(): Promise<void> {
    const pending = [...this.#attempts.values()];
    for (const entry of pending) {
      if (!entry.controller.signal.aborted) entry.controller.abort(new ProcessorError('ErrorCancelingTask', 'the engine is closing'));
    }
    await Promise.all(pending.map((e) => e.done));
  }

  /** Attempts running now. */
  get size(): number {
    return this.#attempts.size;
  }
}

function classify(err: unknown, signal: AbortSignal): FailureReport {
  if (err instanceof ProcessorError) return { code: err.code, message: err.message, retryable: err.retryable };
  if (signal.aborted) {
    const reason = signal.reason as { message?: string } | undefined;
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

/** The metadata per output index, or why the value is not a valid result. */
function readResult(result: unknown, item: WorkItem): Map<number, unknown> | string {
  const out = new Map<number, unknown>();
  if (result === undefined || result === null) return out;
  const indices = item.outputs.map((o) => o.index);
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
