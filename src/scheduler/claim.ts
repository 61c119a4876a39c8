import type { Job, Task } from '../job/model.js';
import type { TaskClaim } from './views.js';

/**
 * What `next()` hands out. The task's properties are read from its model only when asked for:
 * claiming and completing a task then never visits the model object (at a million tasks, each such
 * visit is a cache miss).
 */
export class Claim implements TaskClaim {
  constructor(
    /** The scheduler that made it: a claim passed back to it needs no lookup by id. */
    readonly owner: object,
    readonly serial: number,
    readonly attempt: number,
    /** @internal The job's model when the task was claimed (the engine reads its task from it). */
    readonly job: Job,
    /** The task's index in its job: the task model itself is looked up only when a property is read. */
    readonly index: number,
    /** The pool's name, or how to find it: undefined means the MediaProcessorId, a function is `poolOf`. */
    private readonly poolName: string | undefined | ((task: Task, job: Job) => string),
  ) {}

  private get model(): Task {
    return this.job.Tasks[this.index]!;
  }
  get taskId(): string {
    return this.model.Id;
  }
  get jobId(): string {
    return this.job.Id;
  }
  get pool(): string {
    const p = this.poolName;
    return typeof p === 'string' ? p : p === undefined ? this.model.MediaProcessorId : p(this.model, this.job);
  }
  get name(): string {
    return this.model.Name;
  }
  get mediaProcessorId(): string {
    return this.model.MediaProcessorId;
  }
  get configuration(): string | null {
    return this.model.Configuration;
  }

  toJSON(): Omit<TaskClaim, never> {
    const { taskId, jobId, serial, index, attempt, pool, name, mediaProcessorId, configuration } = this;
    return { taskId, jobId, serial, index, attempt, pool, name, mediaProcessorId, configuration };
  }
}
