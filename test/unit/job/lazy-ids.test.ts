import { describe, expect, it } from 'vitest';
import { loadJob } from '../../../src/job/load.js';
import { TASK_ID, randomIds } from '../../../src/job/ids.js';
import { validateJob } from '../../../src/validate/validate.js';
import { Scheduler } from '../../../src/scheduler/scheduler.js';
import { jobFromGraph } from '../../../src/workload/ams-job.js';

// Task ids of the built-in random factory are kept as 16 random bytes and made when first read
// (job/ids.ts, TaskIdBits): they must look and behave as the strings randomIds makes.
const chain = (n: number) => jobFromGraph({ nodeCount: n, from: Array.from({ length: n - 1 }, (_, i) => i), to: Array.from({ length: n - 1 }, (_, i) => i + 1) });

describe('lazy random task ids', () => {
  it('read as version-4 GUIDs with the task prefix, the same each time, all different', () => {
    // 6,000 tasks: more than one chunk (4,096 ids) is used across the loads below.
    const seen = new Set<string>();
    for (let k = 0; k < 3; k++) {
      const job = loadJob(chain(2000), { ids: randomIds }).job!;
      for (const t of job.Tasks) {
        expect(t.Id).toMatch(TASK_ID);
        expect(t.Id.slice(12 + 14, 12 + 15)).toBe('4');
        expect('89ab').toContain(t.Id.slice(12 + 19, 12 + 20));
        expect(t.Id).toBe(t.Id);
        seen.add(t.Id);
      }
    }
    expect(seen.size).toBe(6000);
  });

  it('keep Id where it was in JSON and a given Id', () => {
    const job = loadJob(chain(2)).job!;
    const json = JSON.parse(JSON.stringify(job.Tasks[0])) as Record<string, unknown>;
    expect(Object.keys(json).slice(0, 3)).toEqual(['index', 'Id', 'Name']);
    expect(json.Id).toBe(job.Tasks[0]!.Id);
    const given = 'nb:tid:UUID:00000000-0000-4000-8000-00000000abcd';
    const def = chain(2);
    (def.Tasks![1] as unknown as Record<string, unknown>).Id = given;
    const withGiven = loadJob(def).job!;
    expect(withGiven.Tasks[1]!.Id).toBe(given);
    expect(withGiven.Tasks[0]!.Id).toMatch(TASK_ID);
    withGiven.Tasks[0]!.Id = given.replace('abcd', 'abce');
    expect(withGiven.Tasks[0]!.Id).toBe(given.replace('abcd', 'abce'));
  });

  it('are found by the scheduler once asked for, though it never read them at submit', () => {
    const s = new Scheduler({ concurrency: 4 });
    const result = validateJob(chain(100), { profile: 'relaxed' });
    s.add(result);
    const ids = result.job!.Tasks.map((t) => t.Id);
    for (const id of ids) expect(s.task(id)?.Id).toBe(id);
    const first = s.next()!;
    expect(first.taskId).toBe(ids[0]);
  });
});
