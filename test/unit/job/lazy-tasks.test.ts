import { describe, expect, it } from 'vitest';
import { LAZY_TASKS_ABOVE, loadJob, readTasks, tasksPending } from '../../../src/job/load.js';
import { sequentialIds } from '../../../src/job/ids.js';
import { jobFromGraph } from '../../../src/workload/ams-job.js';
import { makeWorkload } from '../../../src/workload/shapes.js';
import { validateJob } from '../../../src/validate/validate.js';
import { Scheduler } from '../../../src/scheduler/scheduler.js';
import { TaskState } from '../../../src/job/enums.js';
import type { Job } from '../../../src/job/model.js';

// A job of more than LAZY_TASKS_ABOVE tasks keeps its tasks' fields in columns and makes its task
// objects when `Tasks` is first read (job/load.ts, installLazyTasks). Validation and the scheduler
// read such a job through views they do not keep.
const BIG = LAZY_TASKS_ABOVE + 36;
const definition = () => jobFromGraph(makeWorkload('layered', BIG), { name: 'big' });
const load = (): Job => loadJob(definition(), { ids: sequentialIds() }).job!;

describe('the task objects of a big job', () => {
  it('are made when Tasks is first read, and hold what the definition says', () => {
    const def = definition();
    const job = loadJob(def, { ids: sequentialIds() }).job!;
    expect(tasksPending(job)).toBe(true);
    const tasks = job.Tasks;
    expect(tasksPending(job)).toBe(false);
    expect(job.Tasks).toBe(tasks);
    expect(tasks).toHaveLength(BIG);
    tasks.forEach((t, i) => {
      expect(t.index).toBe(i);
      expect(t.Name).toBe(def.Tasks![i]!.Name);
      expect(t.TaskBody).toBe(def.Tasks![i]!.TaskBody);
      expect(t.Priority).toBe(def.Tasks![i]!.Priority);
      expect(t.outputs.map((o) => o.index)).toEqual([i]);
    });
    expect(new Set(tasks.map((t) => t.Id)).size).toBe(BIG);
  });

  it('are not made by validation, submission, a drain or the id index', () => {
    const result = validateJob(definition(), { profile: 'relaxed' });
    expect(result.valid).toBe(true);
    const job = result.job!;
    expect(tasksPending(job)).toBe(true);
    const s = new Scheduler({ concurrency: 4 });
    s.add(result);
    expect(tasksPending(job)).toBe(true);
    let done = 0;
    for (let serial = s.nextIndex(); serial !== -1; serial = s.nextIndex()) {
      s.completeIndex(serial);
      done++;
    }
    expect(done).toBe(BIG);
    expect(s.job(job.Id)!.State).toBe(TaskState.Finished);
    // A lookup by id builds the id index from the columns.
    const id = readTasks(job).id(7);
    expect(s.taskSerial(id)).toBe(7);
    expect(tasksPending(job)).toBe(true);
    // A view asks for the task object.
    expect(s.tasks({ jobId: job.Id })).toHaveLength(BIG);
    expect(tasksPending(job)).toBe(false);
    expect(job.Tasks[7]!.Id).toBe(id);
  });

  it('agree with the views read before them: what is set through one is read through the other', () => {
    const job = load();
    const view = readTasks(job).task(3);
    view.Name = 'renamed';
    view.Priority = 42;
    view.MediaProcessorId = 'nb:mpid:UUID:00000000-0000-4000-8000-000000000009';
    const id = view.Id;
    expect(tasksPending(job)).toBe(true);
    const t = job.Tasks[3]!;
    expect([t.Name, t.Priority, t.MediaProcessorId, t.Id]).toEqual(['renamed', 42, 'nb:mpid:UUID:00000000-0000-4000-8000-000000000009', id]);
    expect(job.Tasks[4]!.MediaProcessorId).not.toBe(t.MediaProcessorId);
    t.Configuration = 'after';
    expect(readTasks(job).task(3).Configuration).toBe('after');
  });

  it('look the same to a spread, JSON and Object.keys as an array of tasks would', () => {
    const a = load();
    const b = load();
    expect(Object.keys(a)).toEqual(['Id', 'Name', 'Priority', 'TemplateId', 'InputMediaAssets', 'Tasks', 'JobNotificationSubscriptions']);
    const json = JSON.stringify(a);
    expect(tasksPending(a)).toBe(false);
    b.Tasks; // made
    expect(json).toBe(JSON.stringify(b));
    const copy = { ...load() };
    expect(Array.isArray(copy.Tasks)).toBe(true);
    expect(copy.Tasks).toHaveLength(BIG);
    expect(Object.getOwnPropertyDescriptor(copy, 'Tasks')!.value).toBe(copy.Tasks);
  });

  it('are replaced, not made, when Tasks is set first', () => {
    const job = load();
    const replacement = load().Tasks.slice(0, 2);
    job.Tasks = replacement;
    expect(tasksPending(job)).toBe(false);
    expect(job.Tasks).toBe(replacement);
    expect(readTasks(job).count).toBe(2);
  });

  it('are found through an object made from the job', () => {
    const job = load();
    const derived = Object.create(job) as Job;
    expect(derived.Tasks).toHaveLength(BIG);
    expect(tasksPending(job)).toBe(false);
  });

  it('keep what a small job does: its Tasks is an array from the start', () => {
    const small = loadJob(jobFromGraph(makeWorkload('chain', 6)), { ids: sequentialIds() }).job!;
    expect(tasksPending(small)).toBe(false);
    expect(Object.getOwnPropertyDescriptor(small, 'Tasks')!.value).toHaveLength(6);
  });
});

describe('a big job whose task objects are not made yet', () => {
  const submitted = (): { s: Scheduler; job: Job } => {
    const result = validateJob(definition(), { profile: 'relaxed' });
    const s = new Scheduler({ concurrency: 3 });
    s.add(result);
    return { s, job: result.job! };
  };

  it('is kept by a snapshot and restored with the same tasks', () => {
    const { s, job } = submitted();
    const a = s.next()!;
    s.complete(a);
    expect(tasksPending(job)).toBe(true);
    const restored = Scheduler.restore(JSON.parse(JSON.stringify(s.snapshot())) as ReturnType<Scheduler['snapshot']>);
    expect(restored.tasks({ jobId: job.Id }).map((t) => [t.Id, t.Name, t.State])).toEqual(s.tasks({ jobId: job.Id }).map((t) => [t.Id, t.Name, t.State]));
  });

  it('takes added tasks, explains its tasks and is forgotten', () => {
    const { s, job } = submitted();
    const [added] = s.addTasks(job.Id, { Tasks: [{ Name: 'more', MediaProcessorId: readTasks(job).processor(0), TaskBody: `<taskBody><inputAsset>JobOutputAsset(${BIG - 1})</inputAsset><outputAsset>JobOutputAsset(${BIG})</outputAsset></taskBody>` }] });
    expect(added!.Name).toBe('more');
    expect(s.jobModel(job.Id).Tasks).toHaveLength(BIG + 1);
    const last = s.jobModel(job.Id).Tasks[BIG - 1]!;
    expect(s.explain(last.Id).message).toMatch(/wait/);
    s.cancelJob(job.Id);
    s.forget(job.Id);
    expect(s.job(job.Id)).toBeUndefined();
    expect(() => s.taskSerial(last.Id)).toThrow();
  });

  it('runs to the end on the Engine', async () => {
    const { Engine } = await import('../../../src/run/engine.js');
    const { MEDIA_ENCODER_STANDARD } = await import('../../../src/workload/ams-job.js');
    const ran: string[] = [];
    const engine = new Engine({ processors: [{ id: MEDIA_ENCODER_STANDARD, name: 'no-op', run: (ctx) => void ran.push(ctx.taskId) }], concurrency: 4 });
    const result = validateJob(definition(), { profile: 'relaxed' });
    const view = await engine.submit(result).done;
    expect(view.State).toBe(TaskState.Finished);
    expect(new Set(ran)).toEqual(new Set(result.job!.Tasks.map((t) => t.Id)));
    await engine.close();
  });
});
