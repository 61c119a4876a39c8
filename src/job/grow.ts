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
