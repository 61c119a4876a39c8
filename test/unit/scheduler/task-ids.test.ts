import { describe, expect, it } from 'vitest';
import { Scheduler } from '../../../src/scheduler/scheduler.js';
import { sequentialIds } from '../../../src/job/ids.js';
import { validateJob } from '../../../src/validate/validate.js';
import type { JobDefinition } from '../../../src/job/model.js';
import { dagJob } from '../../helpers/jobs.js';

// Task ids the built-in random factory made are put in the id index when an id is first looked up
// (scheduler/task-ids.ts); any other ids are checked when submitted. Both must answer alike.

/** The definition with these task Ids given. */
function withIds(def: JobDefinition, ids: string[]): JobDefinition {
  return { ...def, Tasks: def.Tasks!.map((t, i) => ({ ...t, Id: ids[i]! })) };
}

/** The tasks of a job submitted to `s`. */
const tasksOf = (s: Scheduler, jobId: string) => s.jobModel(jobId).Tasks;

const ID = (n: number) => `nb:tid:UUID:00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

describe('task ids', () => {
  it('finds the tasks of jobs whose ids it made, submitted before and after a lookup', () => {
    const s = new Scheduler({ concurrency: 4 });
    const a = s.add(dagJob(3, [[0, 1]]));
    const b = s.add(dagJob(2, []));
    for (const t of tasksOf(s, a)) expect(s.task(t.Id)!.Id).toBe(t.Id);
    const c = s.add(dagJob(2, []));
    for (const t of [...tasksOf(s, b), ...tasksOf(s, c)]) expect(s.stateOf(t.Id)).toBe(s.task(t.Id)!.State);
    expect(s.task(ID(1))).toBeUndefined();
  });

  it('refuses a given id that a task of an earlier job has, looked up or not, and keeps that task', () => {
    for (const lookFirst of [false, true]) {
      const s = new Scheduler({ concurrency: 4 });
      const first = s.add(dagJob(2, []));
      const taken = tasksOf(s, first)[1]!.Id;
      if (lookFirst) expect(s.task(taken)).toBeDefined();
      const repeat = withIds(dagJob(2, []), [ID(7), taken]);
      expect(() => s.submit(repeat)).toThrow(expect.objectContaining({ code: 'TASK_EXISTS', taskId: taken }));
      // The refused job left nothing behind: its first id is free, the taken one still the first job's.
      expect(s.task(ID(7))).toBeUndefined();
      expect(tasksOf(s, first)[1]!.Id).toBe(taken);
      expect(s.task(taken)).toEqual(s.tasks().find((t) => t.Id === taken));
      expect(s.jobs()).toHaveLength(1);
      s.submit(withIds(dagJob(1, []), [ID(7)]));
      expect(s.task(ID(7))).toBeDefined();
    }
  });

  it('refuses ids an injected factory repeats', () => {
    const s = new Scheduler({ concurrency: 4, ids: sequentialIds() });
    s.submit(dagJob(2, []));
    // The first job took ids 1 (the job), 2 and 3; a second factory from 2 makes a new job id, then 3.
    const repeat = validateJob(dagJob(1, []), { ids: sequentialIds(2) });
    expect(() => s.add(repeat)).toThrow(expect.objectContaining({ code: 'TASK_EXISTS' }));
  });

  it('forgets the ids of a forgotten job, whether they were looked up or not', () => {
    for (const lookFirst of [false, true]) {
      const s = new Scheduler({ concurrency: 4 });
      const job = s.add(dagJob(1, []));
      const id = tasksOf(s, job)[0]!.Id;
      if (lookFirst) expect(s.task(id)).toBeDefined();
      s.complete(s.next()!.taskId);
      s.forget(job);
      expect(s.task(id)).toBeUndefined();
      expect(() => s.complete(id)).toThrow(expect.objectContaining({ code: 'TASK_NOT_FOUND' }));
      // Its id may be given again.
      s.submit(withIds(dagJob(1, []), [id]));
      expect(s.task(id)!.State).toBeDefined();
    }
  });

  it('survives a snapshot and restore', () => {
    const s = new Scheduler({ concurrency: 4 });
    const job = s.add(dagJob(3, [[0, 1]]));
    const copy = Scheduler.restore(s.snapshot());
    for (const t of tasksOf(s, job)) expect(copy.task(t.Id)!.Id).toBe(t.Id);
    expect(() => copy.submit(withIds(dagJob(1, []), [tasksOf(s, job)[2]!.Id]))).toThrow(expect.objectContaining({ code: 'TASK_EXISTS' }));
  });
});
