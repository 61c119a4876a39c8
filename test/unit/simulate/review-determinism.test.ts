import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { prepareWorkload, simulate, type PolicyName, type SimJob, type SimResult } from '../../../src/simulate/simulator.js';
import { demoDurations, type DurationModel } from '../../../src/simulate/durations.js';
import { dagJob, MES } from '../../helpers/jobs.js';

/** A task reading `inputs` (JobOutputAsset indices; none: the job's input) and writing JobOutputAsset(out). */
function task(name: string, inputs: number[], out: number): Record<string, unknown> {
  const refs = inputs.length === 0 ? '<inputAsset>JobInputAsset(0)</inputAsset>' : inputs.map((i) => `<inputAsset>JobOutputAsset(${i})</inputAsset>`).join('');
  return { Name: name, MediaProcessorId: MES, TaskBody: `<taskBody>${refs}<outputAsset>JobOutputAsset(${out})</outputAsset></taskBody>` };
}

const POLICIES: PolicyName[] = ['priority', 'fifo', 'critical-path', 'shortest-first'];
const durationsById = (r: SimResult): Map<string, number> => new Map(r.schedule!.map((t) => [t.taskId, t.end - t.start]));

/**
 * README: "a task takes the same time whichever policy runs it" — runs differ by their order, not
 * by their luck. An addition refused under one policy (its job had ended) and made under another
 * took no serials, and the noise was numbered by serial: the tasks after it drew other durations.
 */
describe('simulate(): a task takes the same time under every policy', () => {
  it('when an addition is refused under one policy and made under another', () => {
    // One unit. Y (low priority) is submitted before X (high): fifo runs Y first, priority X first.
    // At 1.5 s Y has ended under fifo (the addition is refused) and is running under priority.
    const model: DurationModel = { name: 'noisy Z', expected: () => 1, sample: (_t, job, random) => (job.Name === 'Z' ? 1 + random() : 1) };
    const workload: SimJob[] = [
      { definition: dagJob(1, [], { name: 'Y', priority: [0] }), additions: [{ at: 1.5, tasks: { Tasks: [task('extra', [0], 1)] } }] },
      { definition: dagJob(1, [], { name: 'X', priority: [5] }) },
      { definition: dagJob(1, [], { name: 'Z' }), arrival: 3 },
    ];
    const prepared = prepareWorkload(workload);
    const byPriority = simulate(prepared, { durations: model, reservedUnits: 1, policy: 'priority' });
    const byFifo = simulate(prepared, { durations: model, reservedUnits: 1, policy: 'fifo' });
    expect(byPriority.refusedAdditions).toEqual([]);
    expect(byFifo.refusedAdditions.map((a) => a.code)).toEqual(['JOB_FINAL']);
    const z = (r: SimResult) => r.schedule!.find((t) => t.jobName === 'Z')!;
    expect(z(byFifo).end - z(byFifo).start).toBe(z(byPriority).end - z(byPriority).start);
  });

  it('property: every task common to two policies took the same time in both', () => {
    const jobArb = fc.record({
      n: fc.integer({ min: 1, max: 4 }),
      arrival: fc.integer({ min: 0, max: 20 }),
      priority: fc.integer({ min: 0, max: 3 }),
      addAt: fc.option(fc.integer({ min: 0, max: 30 }), { nil: undefined }),
    });
    fc.assert(
      fc.property(fc.array(jobArb, { minLength: 1, maxLength: 6 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 1000 }), (jobs, units, seed) => {
        const workload: SimJob[] = jobs.map((j, k) => {
          const edges: Array<[number, number]> = [];
          for (let i = 1; i < j.n; i++) edges.push([i - 1, i]);
          const w: SimJob = { definition: dagJob(j.n, edges, { name: `J${k}`, jobPriority: j.priority }), arrival: j.arrival };
          if (j.addAt !== undefined) w.additions = [{ at: j.arrival + j.addAt, tasks: { Tasks: [task(`add ${k}`, [0], j.n)] } }];
          return w;
        });
        const prepared = prepareWorkload(workload);
        const runs = POLICIES.map((policy) => simulate(prepared, { durations: demoDurations(0.5), reservedUnits: units, seed, policy }));
        const base = durationsById(runs[0]!);
        for (const r of runs.slice(1)) {
          // end - start, at other starts, may differ in the last bit; a redraw differs by far more.
          for (const [id, d] of durationsById(r)) if (base.has(id)) expect(Math.abs(d - base.get(id)!)).toBeLessThan(1e-9 * Math.max(1, d));
        }
      }),
      { numRuns: 150, seed: 42 },
    );
  });
});
