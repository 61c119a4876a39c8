import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Scheduler } from '../../../src/scheduler/scheduler.js';
import { KEEP_DEPS_ABOVE } from '../../../src/scheduler/job-table.js';
import { validateJob } from '../../../src/validate/validate.js';
import { jobFromGraph } from '../../../src/workload/ams-job.js';
import { sequentialIds } from '../../../src/job/ids.js';

// A job of at most KEEP_DEPS_ABOVE tasks does not keep its dependencies: the scheduler resolves
// them again from the model when a view asks (JobTable.depsOf). Both kinds of job must say what
// validation found.
describe('dependencies of small jobs, resolved again when asked', () => {
  it('give the same dependencies as validation, for jobs below and above the threshold', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(3, KEEP_DEPS_ABOVE, KEEP_DEPS_ABOVE + 1, 90).chain((n) => fc.tuple(fc.constant(n), fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1)), { maxLength: 3 * n }))),
        ([n, pairs]) => {
          const edges = pairs.filter(([a, b]) => a < b);
          const def = jobFromGraph({ nodeCount: n, from: edges.map((e) => e[0]), to: edges.map((e) => e[1]) });
          const result = validateJob(def, { profile: 'relaxed', ids: sequentialIds() });
          const s = new Scheduler({ concurrency: 2, ids: sequentialIds(1000) });
          s.add(result);
          const tasks = result.job!.Tasks;
          const deps = result.dependencies!;
          for (let i = 0; i < n; i++) {
            const want = new Set<string>();
            for (let e = 0; e < deps.to.length; e++) if (deps.to[e] === i) want.add(tasks[deps.from[e]!]!.Id);
            const info = s.taskInfo(tasks[i]!.Id);
            expect(new Set(info.dependencies)).toEqual(want);
            if (want.size > 0) expect(s.explain(tasks[i]!.Id).waitingOn.map((w) => w.taskId).sort()).toEqual([...want].sort());
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});
