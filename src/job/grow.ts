import { padExtensions } from './extensions.js';
import type { Job, JobExtensions, Task } from './model.js';
import { noteGrown } from './names.js';

/**
 * A job model with tasks added after its own (`Scheduler.addTasks`): a new model, so the one it
 * grew from (a submitted validateJob() result, a model read earlier) stays as it was. `added` are
 * the new tasks (their `index` already their place in the grown job) and `ext` their extension
 * arrays, over the added tasks only.
 */
export function grownJob(job: Job, added: readonly Task[], ext: JobExtensions | undefined): Job {
  const grown: Job = { ...job, Tasks: job.Tasks.concat(added) };
  const extensions = grownExtensions(job.extensions, job.Tasks.length, added.length, ext);
  if (extensions !== undefined) grown.extensions = extensions;
  noteGrown(job, grown);
  return grown;
}

/**
 * The extensions of a job of `n0` tasks once `k` were added: new arrays, each the job's values then
 * the added ones, an array the job lacked starting with its default for the tasks before, one the
 * addition lacks ending with it. Undefined when neither has any.
 */
function grownExtensions(ext: JobExtensions | undefined, n0: number, k: number, added: JobExtensions | undefined): JobExtensions | undefined {
  if (ext === undefined && added === undefined) return undefined;
  const out: JobExtensions = ext?.maxRunning !== undefined ? { maxRunning: ext.maxRunning } : {};
  for (const key of ['weight', 'action', 'pool', 'label'] as const) {
    const before = ext?.[key] as Array<number | string | null> | undefined;
    const values = added?.[key] as Array<number | string | null> | undefined;
    if (before === undefined && values === undefined) continue;
    const list: Array<number | string | null> = before !== undefined ? before.slice() : [];
    padExtensions({ [key]: list }, n0);
    if (values !== undefined) list.push(...values);
    (out as Record<string, unknown>)[key] = list;
  }
  padExtensions(out, n0 + k);
  return out;
}

/**
 * {@link grownJob} applied to each of `parts` in turn (tasks added in several additions, as a
 * store's journal replays them), made as one growth: the same model, where growing a version per
 * addition copied the whole job each time (a job grown a task at a time, replayed, was quadratic,
 * and past 16,000 tasks each copy was fresh pages of its own).
 */
export function grownJobByParts(job: Job, parts: ReadonlyArray<{ tasks: readonly Task[]; ext: JobExtensions | undefined }>): Job {
  if (parts.length === 0) return job;
  if (parts.length === 1) return grownJob(job, parts[0]!.tasks, parts[0]!.ext);
  const added: Task[] = [];
  let ext: JobExtensions | undefined;
  for (const part of parts) {
    if (part.ext !== undefined) {
      ext ??= {};
      // A part's arrays follow the parts before it, padded with the defaults for the tasks of
      // parts that had none (as grownJob pads the job's own).
      for (const key of ['weight', 'action', 'pool', 'label'] as const) {
        const values = part.ext[key] as Array<number | string | null> | undefined;
        if (values === undefined) continue;
        const list = ((ext as Record<string, Array<number | string | null>>)[key] ??= []);
        padExtensions({ [key]: list }, added.length);
        for (const v of values) list.push(v);
      }
    }
    for (const t of part.tasks) added.push(t);
  }
  padExtensions(ext, added.length);
  return grownJob(job, added, ext);
}
