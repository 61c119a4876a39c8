import { JobGraphError, checkErrorArgument, describeValue } from '../errors.js';
import type { Job, Task } from '../job/model.js';

/**
 * A scheduler call that cannot be carried out as asked (unknown id, a transition the task's state
 * does not allow). The scheduler is unchanged when this is thrown.
 */
export class SchedulerError extends JobGraphError {
  readonly taskId: string | undefined;
  readonly jobId: string | undefined;
  readonly state: string | undefined;

  constructor(code: string, message: string, data: { taskId?: string; jobId?: string; state?: string; cause?: unknown } = {}) {
    checkErrorArgument('SchedulerError', 'data', data, 'object');
    super(code, message, 'cause' in data ? { cause: data.cause } : undefined);
    this.taskId = data.taskId;
    this.jobId = data.jobId;
    this.state = data.state;
  }
}

/** How messages name a task: its Name, else its index and Id. */
export function describeTask(task: Task): string {
  return task.Name !== '' ? `"${task.Name}"` : `#${task.index} (${task.Id})`;
}

/**
 * `CALLBACK_THREW`: a function the scheduler was given (a policy's `key` or `duration`, `poolOf`)
 * threw for a task of a job being submitted or grown. What it threw is the `cause`; the call that
 * ran it changed nothing, so the caller may fix the function and call again.
 */
export function callbackThrew(what: string, task: Task, job: Job, err: unknown): SchedulerError {
  return new SchedulerError(
    'CALLBACK_THREW',
    `Scheduler: \`${what}\` threw for task ${describeTask(task)} of job ${job.Id}: ${thrownText(err)}; nothing was changed: fix the function and try again (the error is the cause)`,
    { taskId: task.Id, jobId: job.Id, cause: err },
  );
}

/** An Error's message, or a description of anything else thrown; never throws. */
function thrownText(err: unknown): string {
  try {
    if (err instanceof Error && typeof err.message === 'string' && err.message !== '') return err.message;
  } catch {
    // a hostile Error (a getter that throws): described below
  }
  return describeValue(err);
}
