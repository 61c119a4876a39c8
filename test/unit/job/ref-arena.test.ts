import { describe, expect, it } from 'vitest';
import { loadJob } from '../../../src/job/load.js';
import { resolveDependencies } from '../../../src/graph/dependencies.js';
import { validateJob } from '../../../src/validate/validate.js';
import { jobFromGraph } from '../../../src/workload/ams-job.js';
import { sequentialIds } from '../../../src/job/ids.js';
import type { Job, JobDefinition } from '../../../src/job/model.js';

// Small jobs pack their references into a chunk shared with the jobs loaded around them
// (job/load.ts, RefArena); a job that outgrows its room there moves to an array of its own. Every
// job must read as the saxes reader reads it (a comment makes a TaskBody not plain).
function unplain(def: JobDefinition): JobDefinition {
  return { ...def, Tasks: def.Tasks!.map((t) => ({ ...t, TaskBody: t.TaskBody.replace('<taskBody>', '<taskBody><!-- not plain -->') })) };
}
const load = (def: JobDefinition): Job => loadJob(def, { ids: sequentialIds() }).job!;
const refsOf = (job: Job) => job.Tasks.map((t) => JSON.stringify([t.inputs, t.outputs]));
const edgesOf = (job: Job) => {
  const d = resolveDependencies(job);
  return [[...d.from], [...d.to], [...d.asset], [...d.inputEntry]];
};

/** A job of `n` tasks, task i reading the outputs of up to `fanIn` earlier tasks. */
function job(n: number, fanIn: number, name: string): JobDefinition {
  const from: number[] = [];
  const to: number[] = [];
  for (let i = 1; i < n; i++) for (let k = 1; k <= fanIn && i - k >= 0; k++) (from.push(i - k), to.push(i));
  return jobFromGraph({ nodeCount: n, from, to }, { name });
}

describe('references of small jobs in a shared chunk', () => {
  it('read back as their own, over many chunks, for jobs that stay and jobs that move out', () => {
    const defs: JobDefinition[] = [];
    for (let k = 0; k < 400; k++) defs.push(job(6, 2, `small ${k}`));
    // Expected to fit (4 integers a task) but takes 13 a task: it moves out halfway.
    defs.splice(150, 0, job(200, 10, 'outgrows'));
    defs.splice(300, 0, job(2000, 1, 'big'));
    const loaded = defs.map(load);
    defs.forEach((def, k) => {
      const read = load(unplain(def));
      expect(refsOf(loaded[k]!)).toEqual(refsOf(read));
      expect(edgesOf(loaded[k]!)).toEqual(edgesOf(read));
    });
  });

  it('keeps a job right when another is validated while it is being read', () => {
    const inner = job(6, 2, 'inner');
    let innerJob: Job | undefined;
    const outer = job(6, 2, 'outer');
    const t0 = outer.Tasks![0]!;
    outer.Tasks![0] = Object.defineProperty({ ...t0 }, 'Configuration', {
      enumerable: true,
      get: () => {
        innerJob = validateJob(inner, { profile: 'relaxed', ids: sequentialIds() }).job;
        return null;
      },
    });
    const outerJob = load(outer);
    expect(refsOf(outerJob)).toEqual(refsOf(load(unplain(job(6, 2, 'outer')))));
    expect(refsOf(innerJob!)).toEqual(refsOf(load(unplain(inner))));
  });
});
