import type { Job, JobInputAsset, TaskOutputAsset } from '../job/model.js';
import { readTasks } from '../job/load.js';
import { makeDiagnostic, type Diagnostic } from '../diagnostics/diagnostic.js';
import { JobGraphError, checkErrorArgument } from '../errors.js';

/** A media processor as the REST API lists it (reference §7). */
export interface MediaProcessorInfo {
  Id: string;
  Name: string;
  Description: string;
  Sku: string;
  Vendor: string;
  Version: string;
}

/** An input of a task, resolved: a job input asset, or what the producing task returned for it. */
export type ResolvedInput =
  | { kind: 'JobInputAsset'; index: number; asset: JobInputAsset }
  | { kind: 'JobOutputAsset'; index: number; producerTaskId: string; assetName: string; metadata: unknown };

/** What a processor is given to run one attempt of a task. */
export interface ProcessorContext {
  taskId: string;
  jobId: string;
  taskName: string;
  jobName: string;
  /** 1 for the first attempt. */
  attempt: number;
  mediaProcessorId: string;
  configuration: string | null;
  inputs: ResolvedInput[];
  /** The task's outputs with their names (defaults per the reference §3.3 rule 6). */
  outputs: TaskOutputAsset[];
  /** Aborted when the job is canceled, the engine closes, or the task times out. */
  signal: AbortSignal;
  /**
   * Reports progress, 0–100. Never throws and never fails the task: a finite number outside 0–100
   * is clamped to it (100.0000001 counts as 100, −5 as 0); anything else (NaN, ±Infinity, a numeric
   * string such as "50", a non-number) is ignored. The first value of an attempt that is clamped
   * or ignored adds one historical event to the task (`ProgressClamped` or `ProgressIgnored`);
   * later ones of the same attempt add none. Progress is reported as given: it may go down (a
   * processor may restart a phase). Calls after the attempt has ended are ignored.
   */
  progress(percent: number): void;
  /**
   * Adds a historical event to the task. Never throws: a `code` that is not a non-empty string is
   * ignored, and a `message` that is not a string is turned into text (as String() would, or a
   * description when that throws). Calls after the attempt has ended are ignored.
   */
  log(code: string, message?: string): void;
}

/**
 * What a processor returns: nothing, an array with one metadata value per output (in the order of
 * `outputs`), or an object keyed by output index (`{ 3: {...} }`). Anything else fails the task.
 */
export type ProcessorResult = void | undefined | null | unknown[] | Record<number, unknown>;

/** A processor registered with the engine, by MediaProcessorId. */
export interface Processor {
  /** `nb:mpid:UUID:<guid>`: tasks name it in MediaProcessorId. */
  id: string;
  name: string;
  description?: string;
  vendor?: string;
  version?: string;
  sku?: string;
  /** Per-task time limit for this processor, in ms. */
  timeoutMs?: number;
  run(context: ProcessorContext): ProcessorResult | Promise<ProcessorResult>;
}

/**
 * Thrown by a processor to say how it failed: `code` becomes the ErrorDetail code (the reference's
 * encoding codes where they fit) and `retryable` whether another attempt may succeed.
 */
export class ProcessorError extends JobGraphError {
  readonly retryable: boolean;
  constructor(code: string, message: string, options: { retryable?: boolean; cause?: unknown } = {}) {
    checkErrorArgument('ProcessorError', 'options', options, 'object');
    checkErrorArgument('ProcessorError', 'options.retryable', options.retryable, 'boolean', true);
    super(code, message, options.cause === undefined ? undefined : { cause: options.cause });
    this.retryable = options.retryable ?? code === 'TransientError';
  }
}

export function processorInfo(p: Processor): MediaProcessorInfo {
  return { Id: p.id, Name: p.name, Description: p.description ?? '', Sku: p.sku ?? '', Vendor: p.vendor ?? '', Version: p.version ?? '1.0' };
}

/**
 * MEDIA_PROCESSOR_UNKNOWN for each task naming a MediaProcessorId that `isKnown` refuses: the one
 * rule of the Engine's submit and of the server's check (which runs on a worker, away from the
 * engine). An id that is not of the nb:mpid:UUID: form is left to MEDIA_PROCESSOR_ID_INVALID,
 * unless `anyForm`: for a job known to be valid (the Engine's submit), where such an id can only be
 * a plain graph's processor or pool (job/plain.ts), which no other check looks at.
 *
 * @param holder - who has no such processor, for the message ("no processor of this engine has")
 * @param hint - the hint, made once and only when some task needs it
 */
export function unknownProcessors(job: Job, isKnown: (id: string) => boolean, holder: string, hint: () => string, anyForm = false): Diagnostic[] {
  const out: Diagnostic[] = [];
  let shown: string | undefined;
  // Read without making a big job's task objects (see readTasks).
  const tasks = readTasks(job);
  for (let i = 0; i < tasks.count; i++) {
    if (isKnown(tasks.processor(i))) continue;
    const t = tasks.task(i);
    if (!anyForm && !/^nb:mpid:UUID:/i.test(t.MediaProcessorId)) continue;
    shown ??= hint();
    const what = t.MediaProcessorId === '' ? 'names no processor: a plain graph\'s task needs a processor or a pool' : `names MediaProcessorId ${t.MediaProcessorId}, which ${holder}`;
    out.push(
      makeDiagnostic('MEDIA_PROCESSOR_UNKNOWN', `task #${t.index} ${what}`, {
        task: t.index,
        ...(t.Name !== '' ? { taskName: t.Name } : {}),
        hint: shown,
      }),
    );
  }
  return out;
}
