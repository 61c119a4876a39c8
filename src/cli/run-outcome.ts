import { TaskState } from '../job/enums.js';
import type { Scheduler } from '../scheduler/scheduler.js';
import type { TaskView } from '../scheduler/views.js';

/**
 * Why a task of a run ended as it did, in words for `jobgraph run`'s lines, live view and summary.
 * The scheduler keeps the facts (ErrorDetails, HistoricalEvents); this turns them into a sentence a
 * person can act on, naming the asset that links a canceled task to the task that failed.
 */

/** A task's name, or `#index` for an unnamed one, with control characters made harmless (a name is untrusted text, and an escape or newline in it would break a terminal's lines). */
export function label(t: Pick<TaskView, 'Name'>, index: number): string {
  return t.Name !== '' ? printable(t.Name) : `#${index}`;
}

/** Text with its C0 and C1 control characters shown as U+FFFD. */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '\ufffd');
}

/** The code and message of a failed task's last ErrorDetail. */
export function failureText(t: TaskView): string {
  const d = t.ErrorDetails.at(-1);
  if (d === undefined) return 'no error details';
  return printable(d.Message !== '' ? `${d.Code}: ${d.Message}` : d.Code);
}

/**
 * The text of the last failed attempt that was retried (`TransientError: …`), or of an attempt lost
 * and run again after a restart; undefined when the task was never retried.
 */
export function retryText(t: TaskView): string | undefined {
  for (let i = t.HistoricalEvents.length - 1; i >= 0; i--) {
    const e = t.HistoricalEvents[i]!;
    if (e.Code === 'Retrying' || e.Code === 'Requeued') return printable(e.Message);
  }
  return undefined;
}

/** Explains the canceled tasks of one job; the map of who outputs what is made once, on first need. */
export class CancelReasons {
  #producers: Map<number, number> | undefined;
  constructor(
    private scheduler: Scheduler,
    private jobId: string,
  ) {}

  /**
   * Why task `index` was canceled: the input that comes from a task that failed (or was itself
   * canceled), else the scheduler's own reason (the job was canceled, failed fast, …).
   */
  reason(t: TaskView, index: number): string {
    const detail = t.ErrorDetails.at(-1);
    if (detail?.Code === 'DependencyFailed') {
      const because = this.#inputReason(index);
      if (because !== undefined) return because;
    }
    if (detail !== undefined) return printable(detail.Message.replace(/^canceled: /, ''));
    // A task canceled while it ran has no ErrorDetail: its Canceling event says why.
    for (let i = t.HistoricalEvents.length - 1; i >= 0; i--) {
      const e = t.HistoricalEvents[i]!;
      if ((e.Code === 'Canceling' || e.Code === 'Canceled') && e.Message !== '') return printable(e.Message);
    }
    return 'canceled';
  }

  #inputReason(index: number): string | undefined {
    const job = this.scheduler.jobModel(this.jobId);
    if (this.#producers === undefined) {
      this.#producers = new Map();
      for (const task of job.Tasks) for (const o of task.outputs) this.#producers.set(o.index, task.index);
    }
    let canceled: string | undefined;
    for (const ref of job.Tasks[index]?.inputs ?? []) {
      if (ref.kind !== 'JobOutputAsset') continue;
      const from = this.#producers.get(ref.index);
      if (from === undefined) continue;
      const producer = job.Tasks[from]!;
      const state = this.scheduler.task(producer.Id)?.State;
      const who = producer.Name !== '' ? `"${printable(producer.Name)}"` : `#${from}`;
      // A failed producer is the cause; a canceled one only passes it on.
      if (state === TaskState.Error) return `its input JobOutputAsset(${ref.index}) comes from task ${who}, which failed`;
      if (state === TaskState.Canceled) canceled ??= `its input JobOutputAsset(${ref.index}) comes from task ${who}, which was canceled`;
    }
    return canceled;
  }
}

/** A line of the run's summary about a task that did not simply finish. */
export interface OutcomeLine {
  kind: 'failed' | 'canceled' | 'retried';
  text: string;
}

/**
 * What went wrong in a job, task by task: failures first (the causes), then cancellations (the
 * consequences), then tasks that finished only after an attempt was retried.
 */
export function outcomeLines(s: Scheduler, jobId: string, tasks: readonly TaskView[]): OutcomeLine[] {
  const reasons = new CancelReasons(s, jobId);
  const failed: OutcomeLine[] = [];
  const canceled: OutcomeLine[] = [];
  const retried: OutcomeLine[] = [];
  tasks.forEach((t, i) => {
    const attempts = s.attemptsOf(t.Id);
    const after = attempts > 1 ? ` (after ${attempts} attempts)` : '';
    if (t.State === TaskState.Error) failed.push({ kind: 'failed', text: `${label(t, i)} failed${after}: ${failureText(t)}` });
    else if (t.State === TaskState.Canceled) canceled.push({ kind: 'canceled', text: `${label(t, i)} canceled: ${reasons.reason(t, i)}` });
    else if (t.State === TaskState.Finished && retryText(t) !== undefined) retried.push({ kind: 'retried', text: `${label(t, i)} finished${after}, run again after ${retryText(t)}` });
  });
  return [...failed, ...canceled, ...retried];
}

/** ", 1 task failed, 2 canceled" for a job that did not finish; empty for one that did. */
export function outcomeCounts(tasks: readonly TaskView[]): string {
  const failed = tasks.filter((t) => t.State === TaskState.Error).length;
  const canceled = tasks.filter((t) => t.State === TaskState.Canceled).length;
  const parts: string[] = [];
  if (failed > 0) parts.push(`${failed} task${failed === 1 ? '' : 's'} failed`);
  if (canceled > 0) parts.push(`${canceled}${failed > 0 ? '' : ` task${canceled === 1 ? '' : 's'}`} canceled`);
  return parts.length > 0 ? `: ${parts.join(', ')}` : '';
}
