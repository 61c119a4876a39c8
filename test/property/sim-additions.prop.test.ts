import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { simulate, type SimJob } from '../../src/simulate/simulator.js';
import { demoDurations } from '../../src/simulate/durations.js';
import { PROCESSORS, randomJob, toDefinition } from '../helpers/arbitraries.js';

// The seed is fixed by test/setup.ts in CI (FC_SEED replays a failure).

/** An addition as drawn: when, after the job's arrival, and per task the seeds of what it reads. */
const randomAddition = fc.record({
  delay: fc.integer({ min: 0, max: 40 }),
  tasks: fc.array(fc.record({ reads: fc.array(fc.nat(50), { maxLength: 3 }), processor: fc.nat(2) }), { minLength: 1, maxLength: 3 }),
});

describe('simulate() with additions: properties', () => {
  it('added tasks start after their addition and their producers, capacity holds, the bound holds, runs repeat', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ job: randomJob(5), arrival: fc.integer({ min: 0, max: 20 }), additions: fc.array(randomAddition, { maxLength: 3 }) }), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 0, max: 4 }),
        fc.constantFrom('priority', 'fifo', 'critical-path', 'shortest-first'),
        fc.integer({ min: 1, max: 1000 }),
        (jobs, units, policy, seed) => {
          // Each addition's tasks read outputs of the job or of tasks added before them (in time
          // order) and write the next output: valid as long as the ones before were made.
          const plans = jobs.map((j) => {
            const adds = j.additions.slice().sort((a, b) => a.delay - b.delay);
            let outputs = j.job.n;
            return adds.map((a) => {
              const tasks = a.tasks.map((t, k) => {
                const reads = [...new Set(t.reads.map((r) => r % (outputs + k)))];
                const refs = reads.length === 0 ? '<inputAsset>JobInputAsset(0)</inputAsset>' : reads.map((r) => `<inputAsset>JobOutputAsset(${r})</inputAsset>`).join('');
                return { reads, def: { Name: `add ${outputs + k}`, MediaProcessorId: PROCESSORS[t.processor]!, TaskBody: `<taskBody>${refs}<outputAsset>JobOutputAsset(${outputs + k})</outputAsset></taskBody>` } };
              });
              outputs += tasks.length;
              return { at: j.arrival + a.delay, tasks };
            });
          });
          const workload: SimJob[] = jobs.map((j, i) => ({
            definition: toDefinition(j.job, `J${i}`),
            arrival: j.arrival,
            additions: plans[i]!.map((p) => ({ at: p.at, tasks: { Tasks: p.tasks.map((t) => t.def) } })),
          }));
          const opts = { reservedUnits: units, policy: policy as 'priority', seed, durations: demoDurations(0.5) };
          const r = simulate(workload, opts);
          const again = simulate(workload, opts);
          expect(JSON.stringify({ ...again, wallMs: 0 })).toBe(JSON.stringify({ ...r, wallMs: 0 }));
          expect(r.makespan).toBeGreaterThanOrEqual(r.lowerBound - 1e-9);
          const sched = r.schedule!;
          expect(r.tasks).toBe(sched.length);
          for (const t of sched) {
            const running = sched.filter((u) => u.start <= t.start && u.end > t.start && u.end > u.start);
            expect(running.length).toBeLessThanOrEqual(Math.max(1, units));
          }
          jobs.forEach((j, n) => {
            const rows = sched.filter((t) => t.jobName === `J${n}`);
            const jobEnd = Math.max(...rows.map((t) => t.end));
            const jobId = rows[0]!.jobId;
            const refused = r.refusedAdditions.filter((a) => a.job === jobId);
            // Refusal is for good: once the job ended, every later addition finds it ended.
            const made = plans[n]!.slice(0, plans[n]!.length - refused.length);
            expect(refused.map((a) => a.at)).toEqual(plans[n]!.slice(made.length).map((p) => p.at));
            for (const a of refused) {
              expect(a.code).toBe('JOB_FINAL');
              expect(a.at).toBeGreaterThanOrEqual(jobEnd);
            }
            expect(rows).toHaveLength(j.job.n + made.reduce((s, p) => s + p.tasks.length, 0));
            for (const [u, v] of j.job.edges) expect(rows[v]!.start).toBeGreaterThanOrEqual(rows[u]!.end);
            for (let i = 0; i < j.job.n; i++) expect(rows[i]!.start).toBeGreaterThanOrEqual(j.arrival);
            // Output o is written by row o (the job's tasks, then the added ones in order).
            let i = j.job.n;
            for (const p of made) {
              for (const t of p.tasks) {
                const row = rows[i++]!;
                expect(row.start).toBeGreaterThanOrEqual(p.at);
                expect(row.ready).toBeGreaterThanOrEqual(p.at);
                for (const o of t.reads) expect(row.start).toBeGreaterThanOrEqual(rows[o]!.end);
              }
            }
          });
          const jobsEnd = jobs.map((_, n) => Math.max(...sched.filter((t) => t.jobName === `J${n}`).map((t) => t.end)) - jobs[n]!.arrival);
          expect(r.jobCompletion.max).toBeCloseTo(Math.max(...jobsEnd), 9);
          if (policy === 'priority') expect(r.priorityInversions).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });
});
