import type { Job, Task } from '../job/model.js';
import { readTasks } from '../job/load.js';
import { SchedulerError } from './errors.js';
import type { JobTable } from './job-table.js';

/**
 * Serial by task id, filled in as late as it may be.
 *
 * A job whose task ids were all just made by the built-in random factory (122 random bits each)
 * cannot repeat an id, so nothing needs checking when it is submitted: its ids are put in the map
 * when an id is first looked up. Loops that drive the scheduler by serial (`nextIndex`,
 * `completeIndex`: the Engine, the simulator) never pay for the map; at 100,000 tasks it was a
 * tenth of a submit. Any other job (ids given in the definition, an injected id factory, a job read
 * back from a store) is checked against every id at once, as before, so `TASK_EXISTS` is thrown
 * by the submit that repeats an id.
 */
export class TaskIds {
  readonly #bySerial = new Map<string, number>();
  /** Jobs [0, indexedJobs) have their tasks in the map (forgotten ones had theirs removed). */
  #indexedJobs = 0;

  /** The serial of the task with this id, undefined when none (or its job was forgotten). */
  get(jobs: JobTable, id: string): number | undefined {
    if (this.#indexedJobs < jobs.count) this.#catchUp(jobs);
    return this.#bySerial.get(id);
  }

  /**
   * Takes the ids of `job`, about to be appended at position `jobs.count`, its tasks at serials
   * [base, base + n).
   * @param fresh its task ids were all made by the built-in random factory just now
   * @throws SchedulerError `TASK_EXISTS` (and takes nothing) when one of them is already taken
   */
  add(jobs: JobTable, job: Job, fresh: boolean, base: number): void {
    if (fresh) return; // indexed when first looked up
    if (this.#indexedJobs < jobs.count) this.#catchUp(jobs);
    const tasks = readTasks(job);
    this.#take(jobs, tasks.count, (i) => tasks.id(i), base, 'submit');
    this.#indexedJobs = jobs.count + 1;
  }

  /**
   * Gives back what {@link add} took for `job` (not appended after all: its submit's `accepted`
   * hook threw). Call before anything else changes the map.
   */
  untake(jobs: JobTable, job: Job, fresh: boolean, base: number): void {
    if (fresh) return;
    const tasks = readTasks(job);
    for (let i = 0; i < tasks.count; i++) {
      const id = tasks.id(i);
      if (this.#bySerial.get(id) === base + i) this.#bySerial.delete(id);
    }
    this.#indexedJobs = jobs.count;
  }

  /**
   * Takes the ids of tasks about to be added to a job at serials [base, base + tasks.length).
   * @throws SchedulerError `TASK_EXISTS` (and takes nothing) when one of them is already taken
   */
  addTasks(jobs: JobTable, tasks: readonly Task[], base: number): void {
    if (this.#indexedJobs < jobs.count) this.#catchUp(jobs);
    this.#take(jobs, tasks.length, (i) => tasks[i]!.Id, base, 'addTasks');
  }

  #take(jobs: JobTable, count: number, idAt: (i: number) => string, base: number, call: string): void {
    const map = this.#bySerial;
    for (let i = 0; i < count; i++) {
      const id = idAt(i);
      const size = map.size;
      map.set(id, base + i);
      if (map.size === size) {
        // The repeat overwrote an entry: take back these tasks', and put back the earlier task's.
        for (let k = 0; k < i; k++) map.delete(idAt(k));
        this.#restore(jobs, id);
        throw new SchedulerError('TASK_EXISTS', `Scheduler.${call}: a task with Id ${id} was already submitted: leave task ids out to get new ones`, { taskId: id });
      }
    }
  }

  /** Drops the ids of job `j`, which is being forgotten. */
  forget(jobs: JobTable, j: number): void {
    if (j >= this.#indexedJobs) return; // not in the map yet: catching up skips forgotten jobs
    const tasks = readTasks(jobs.models[j]!);
    for (let i = 0; i < tasks.count; i++) {
      const id = tasks.id(i);
      if (this.#bySerial.get(id) === jobs.serialOf(j, i)) this.#bySerial.delete(id);
    }
  }

  #catchUp(jobs: JobTable): void {
    const map = this.#bySerial;
    for (let j = this.#indexedJobs; j < jobs.count; j++) {
      if (jobs.isForgotten(j)) continue;
      // Ids read without making a big job's task objects (see readTasks).
      const tasks = readTasks(jobs.models[j]!);
      const base = jobs.base[j]!;
      const n = jobs.size[j]!;
      for (let i = 0; i < n; i++) map.set(tasks.id(i), base + i);
      for (let i = n; i < tasks.count; i++) map.set(tasks.id(i), jobs.serialOf(j, i));
    }
    this.#indexedJobs = jobs.count;
  }

  /** Puts back the earlier task with `id`, whose entry a repeat overwrote. */
  #restore(jobs: JobTable, id: string): void {
    for (let j = 0; j < jobs.count; j++) {
      if (jobs.isForgotten(j)) continue;
      const tasks = readTasks(jobs.models[j]!);
      for (let i = 0; i < tasks.count; i++) {
        if (tasks.id(i) === id) {
          this.#bySerial.set(id, jobs.serialOf(j, i));
          return;
        }
      }
    }
    this.#bySerial.delete(id);
  }
}
