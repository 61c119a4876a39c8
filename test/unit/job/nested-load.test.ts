import { describe, expect, it } from 'vitest';
import { validateJob } from '../../../src/validate/validate.js';
import { jobFromGraph } from '../../../src/workload/ams-job.js';

// The loader keeps some state per job being read (job/load.ts: where plain references are packed).
// A getter that validates another job while its own task is being read must not disturb it (it
// made the outer load throw a TypeError).
describe('a job read while another is being read', () => {
  it('survives a getter that validates another job', () => {
    const inner = jobFromGraph({ nodeCount: 3, from: [0, 1], to: [1, 2] }, { name: 'inner' });
    let innerResult: ReturnType<typeof validateJob> | undefined;
    const outer = jobFromGraph({ nodeCount: 2, from: [0], to: [1] }, { name: 'outer' });
    const first = outer.Tasks![0]!;
    const task0 = {
      Name: 'first',
      MediaProcessorId: first.MediaProcessorId,
      get Configuration(): string {
        innerResult = validateJob(inner, { profile: 'relaxed' });
        return 'after the inner job';
      },
      TaskBody: first.TaskBody,
      Unknown: 1,
    };
    const result = validateJob({ ...outer, Tasks: [task0, outer.Tasks![1]!] }, { profile: 'relaxed' });
    expect(innerResult?.valid).toBe(true);
    expect(innerResult?.job?.Tasks.map((t) => t.Name)).toEqual(inner.Tasks!.map((t) => t.Name));
    expect(result.valid).toBe(true);
    const tasks = result.job!.Tasks;
    expect(tasks[0]!.Name).toBe('first');
    expect(tasks[0]!.Configuration).toBe('after the inner job');
    expect(tasks[0]!.TaskBody).toBe(first.TaskBody);
    expect(tasks[1]!.Name).toBe(outer.Tasks![1]!.Name);
    expect(result.diagnostics.map((d) => [d.code, d.task, d.property])).toEqual([['UNKNOWN_PROPERTY', 0, 'Unknown']]);
  });
});
