import { describe, expect, it } from 'vitest';
import { Scheduler } from '../../../src/scheduler/scheduler.js';
import { jobFromSnapshot, jobToSnapshot } from '../../../src/scheduler/snapshot.js';
import { ValidationError } from '../../../src/errors.js';
import { sequentialIds } from '../../../src/job/ids.js';
import { TaskState } from '../../../src/job/enums.js';
import { validateJob } from '../../../src/validate/validate.js';
import { tickClock } from '../../helpers/jobs.js';

const GRAPH = {
  name: 'media',
  tasks: [
    { id: 'package', dependsOn: ['encode-hd', 'encode-sd'], processor: 'packager' },
    { id: 'encode-hd', dependsOn: ['split'], pool: 'gpu', weight: 2, priority: 5 },
    { id: 'encode-sd', dependsOn: ['split'], pool: 'cpu', action: 'run' },
    { id: 'split', processor: 'splitter', name: 'Split the source' },
  ],
};

function make(): Scheduler {
  return new Scheduler({ now: tickClock(), ids: sequentialIds() });
}

describe('Scheduler with a plain graph', () => {
  it('takes it through submit and drains it in dependency order', () => {
    const s = make();
    const view = s.submit(GRAPH);
    expect(view.Name).toBe('media');
    const order: string[] = [];
    for (let c = s.next(); c; c = s.next()) {
      order.push(c.name);
      s.complete(c.taskId);
    }
    expect(order[0]).toBe('split');
    expect(order.slice(1, 3).sort()).toEqual(['encode-hd', 'encode-sd']);
    expect(order[3]).toBe('package');
    expect(s.job(view.Id)!.State).toBe(TaskState.Finished);
    // Each task's Id is the scheduler's; its plain id is its Name.
    expect(s.tasks({ jobId: view.Id }).map((t) => [t.Name, t.MediaProcessorId])).toEqual([
      ['package', 'packager'],
      ['encode-hd', 'gpu'],
      ['encode-sd', 'cpu'],
      ['split', 'splitter'],
    ]);
  });

  it('takes the same graph twice (task ids are unique across the scheduler, plain ids per job)', () => {
    const s = make();
    const a = s.add(JSON.stringify(GRAPH));
    const b = s.add(GRAPH);
    expect(a).not.toBe(b);
    const ids = s.tasks().map((t) => t.Id);
    expect(new Set(ids).size).toBe(8);
  });

  it('refuses a plain graph with a cycle, naming it', () => {
    const s = make();
    let error: unknown;
    try {
      s.submit({ tasks: [{ id: 'a', dependsOn: ['b'] }, { id: 'b', dependsOn: ['a'] }] });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).diagnostics.map((d) => d.code)).toEqual(['CYCLE']);
  });

  it('keeps extensions through snapshot and restore', () => {
    const s = make();
    const id = s.add(GRAPH);
    const c = s.next()!;
    s.complete(c.taskId);
    const snap = JSON.parse(JSON.stringify(s.snapshot()));
    const r = Scheduler.restore(snap, { now: tickClock() });
    const model = r.jobModel(id);
    expect(model.extensions).toEqual({ weight: [1, 2, 1, 1], action: [0, 0, 1, 0], pool: [null, 'gpu', 'cpu', null], label: [null, null, null, 'Split the source'] });
    expect(model.extensions).toEqual(s.jobModel(id).extensions);
    const order: string[] = [];
    for (let t = r.next(); t; t = r.next()) {
      order.push(t.name);
      r.complete(t.taskId);
    }
    expect(order.sort()).toEqual(['encode-hd', 'encode-sd', 'package']);
  });

  it('jobToSnapshot/jobFromSnapshot copy extensions, and leave them out of a job that has none', () => {
    const job = validateJob(GRAPH, { profile: 'relaxed' }).job!;
    const snap = jobToSnapshot(job);
    expect(snap.extensions).toEqual(job.extensions);
    expect(snap.extensions!.pool).not.toBe(job.extensions!.pool);
    const back = jobFromSnapshot(JSON.parse(JSON.stringify(snap)));
    expect(back.extensions).toEqual(job.extensions);
    const none = validateJob({ tasks: [{ id: 'a' }] }, { profile: 'relaxed' }).job!;
    expect(jobToSnapshot(none)).not.toHaveProperty('extensions');
    expect(jobFromSnapshot(jobToSnapshot(none))).not.toHaveProperty('extensions');
  });
});
