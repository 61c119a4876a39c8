import { JobGraphError } from '../errors.js';

/**
 * A scheduler call that cannot be carried out as asked (unknown id, a transition the task's state
 * does not allow). The scheduler is unchanged when this is thrown.
 */
export class SchedulerError extends JobGraphError {
  readonly taskId: string | undefined;
  readonly jobId: string | undefined;
  readonly state: string | undefined;

  constructor(code: string, message: string, data: { taskId?: string; jobId?: string; state?: string } = {}) {
    super(code, message);
    this.taskId = data.taskId;
    this.jobId = data.jobId;
    this.state = data.state;
  }
}
