import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { grownJob, grownJobByParts } from '../../../src/job/grow.js';
import type { Job, JobExtensions, Task } from '../../../src/job/model.js';

// The seed is fixed by test/setup.ts in CI (FC_SEED replays a failure).

const task = (index: number): Task => ({ index, Name: `t${index}` }) as unknown as Task;

/** A part's extensions: each key present or not, values of the key's kind. */
const extArb = (k: number): fc.Arbitrary<JobExtensions | undefined> =>
  fc.option(
    fc.record(
      {
        weight: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: k, maxLength: k }),
        action: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: k, maxLength: k }),
        pool: fc.array(fc.constantFrom('gpu', 'cpu', null), { minLength: k, maxLength: k }),
        label: fc.array(fc.constantFrom('a', 'b', null), { minLength: k, maxLength: k }),
      },
      { requiredKeys: [] },
    ) as fc.Arbitrary<JobExtensions>,
    { nil: undefined },
  );

describe('grownJobByParts (a store replaying a job\'s additions)', () => {
  it('makes the model that growing by each part in turn makes', () => {
    const parts = fc.array(fc.integer({ min: 1, max: 4 }).chain((k) => extArb(k).map((ext) => ({ k, ext }))), { maxLength: 6 });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), extArb(0), parts, (n0, jobExtArb, specs) => {
        const job = { Id: 'nb:jid:UUID:1', Name: 'j', Tasks: Array.from({ length: n0 }, (_, i) => task(i)) } as unknown as Job;
        // The job's own extensions, over its n0 tasks (the arbitrary made them for 0: padded here).
        if (jobExtArb !== undefined) {
          const own: JobExtensions = {};
          for (const key of Object.keys(jobExtArb) as Array<'weight' | 'action' | 'pool' | 'label'>) (own as Record<string, unknown>)[key] = Array.from({ length: n0 }, (_, i) => (key === 'weight' ? i + 1 : key === 'action' ? 1 : 'x'));
          job.extensions = own;
        }
        let next = n0;
        const list = specs.map(({ k, ext }) => ({ tasks: Array.from({ length: k }, () => task(next++)), ext }));
        let oneByOne = job;
        for (const p of list) oneByOne = grownJob(oneByOne, p.tasks, p.ext);
        const atOnce = grownJobByParts(job, list);
        expect(atOnce.Tasks).toEqual(oneByOne.Tasks);
        expect(atOnce.extensions).toEqual(oneByOne.extensions);
        expect(atOnce === job).toBe(list.length === 0);
        // The job it grew from is as it was.
        expect(job.Tasks).toHaveLength(n0);
      }),
      { numRuns: 300 },
    );
  });

  it('grows a job by 40,000 one-task parts in one copy (each part a copy of the job took seconds)', () => {
    const job = { Id: 'nb:jid:UUID:2', Name: 'big', Tasks: [task(0)] } as unknown as Job;
    const parts = Array.from({ length: 40_000 }, (_, i) => ({ tasks: [task(i + 1)], ext: i % 1000 === 0 ? { weight: [2] } : undefined }));
    const grown = grownJobByParts(job, parts);
    expect(grown.Tasks).toHaveLength(40_001);
    expect(grown.Tasks[40_000]!.index).toBe(40_000);
    const w = grown.extensions!.weight!;
    expect(w).toHaveLength(40_001);
    expect([w[0], w[1], w[2], w[1001], w[1002]]).toEqual([1, 2, 1, 2, 1]);
  });
});
