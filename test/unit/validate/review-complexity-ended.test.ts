/**
 * INPUT_ENDED of a plain addition (validate/add.ts checkEnded): the producers a new task was
 * already said to depend on are a set, not a list searched for each.
 */
import { describe, expect, it } from 'vitest';
import { validateAddition } from '../../../src/validate/add.js';
import { validateJob } from '../../../src/validate/validate.js';

describe('INPUT_ENDED: cost', () => {
  it('checks one new task depending on 200,000 failed tasks in linear time (took 14–17 s)', () => {
    const n = 200_000;
    const tasks = Array.from({ length: n }, (_, i) => ({ id: `t${i}` }));
    const job = validateJob({ tasks }, { profile: 'relaxed' });
    expect(job.valid).toBe(true);
    let asked = 0;
    const t0 = performance.now();
    const r = validateAddition(job.job!, job.dependencies!, { tasks: [{ id: 'new', dependsOn: tasks.map((t) => t.id) }] }, {
      profile: 'relaxed',
      ended: () => {
        asked++;
        return 'failed';
      },
    });
    const ms = performance.now() - t0;
    expect(asked).toBe(n);
    expect(r.diagnostics).toHaveLength(1001);
    expect(r.diagnostics[0]).toMatchObject({ code: 'INPUT_ENDED', task: 0, property: 'dependsOn' });
    expect(r.diagnostics[0]!.message).toBe('task #0 "new" depends on task #0 "t0" of the job, which failed: its outputs will not be made and the task could never run');
    expect(r.diagnostics[1000]).toMatchObject({ code: 'TOO_MANY_DIAGNOSTICS', omitted: { problems: n - 1000, errors: n - 1000 } });
    // 1.1–1.2 s alone; the bound leaves room for a loaded machine and still fails the old 14–17 s.
    expect(ms).toBeLessThan(8_000);
  }, 120_000);
});
