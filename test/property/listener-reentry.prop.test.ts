import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import type { TaskClaim } from '../../src/scheduler/views.js';
import { sequentialIds } from '../../src/job/ids.js';
import { TaskState, isFinalState } from '../../src/job/enums.js';
import { randomJob, toDefinition } from '../helpers/arbitraries.js';
import { MES, dagJob } from '../helpers/jobs.js';

// The seed is fixed by test/setup.ts in CI (FC_SEED replays a failure).

type Act = 'submit' | 'submit-big' | 'add' | 'cancel' | 'rerun';

/**
 * Listeners call back into the scheduler in the middle of a change (a job submitted while
 * dependents are released moved the tables under the release and left a task Queued forever, until
 * the release read them afresh). Whatever they do at whichever event, a drain ends every job, and
 * no task starts before its producers finished.
 */
describe('Scheduler listeners that call back in', () => {
  it('end every job and keep dependency order whatever they submit, add, cancel or rerun at any event', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(randomJob(6), fc.array(fc.boolean(), { minLength: 6, maxLength: 6 })), { minLength: 1, maxLength: 3 }),
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.tuple(fc.constantFrom('taskStateChange', 'taskStateChange', 'jobStateChange'), fc.integer({ min: 1, max: 30 }), fc.constantFrom<Act>('submit', 'submit-big', 'submit-big', 'add', 'cancel', 'rerun'), fc.nat(5)), { minLength: 1, maxLength: 6 }),
        (jobs, concurrency, acts) => {
          const s = new Scheduler({ concurrency, ids: sequentialIds(), onListenerError: (err) => { throw err; } });
          const failsFirst = new Set<string>();
          const failed: string[] = [];
          let made = 0;
          const seen = new Map<string, number>();
          for (const [event, at, act, pick] of acts) {
            s.on(event as 'taskStateChange', (e: { jobId: string }) => {
              const n = (seen.get(event) ?? 0) + 1;
              seen.set(event, n);
              if (n !== at) return;
              const k = made++;
              try {
                if (act === 'submit') s.submit(dagJob(3, [[0, 1], [0, 2]], { name: `S${k}` }));
                // Enough tasks that every table moves to a bigger array.
                else if (act === 'submit-big') s.submit(dagJob(200 + 40 * pick, [], { name: `B${k}` }));
                else if (act === 'add') {
                  s.addTasks(e.jobId, { Tasks: [{ Name: `A${k}`, MediaProcessorId: MES, TaskBody: `<taskBody><inputAsset>JobOutputAsset(0)</inputAsset><outputAsset>JobOutputAsset(${1000 + k})</outputAsset></taskBody>` }] });
                } else if (act === 'cancel') s.cancelJob(e.jobId);
                else if (failed.length > 0) s.rerun(failed[pick % failed.length]!, { downstream: pick % 2 === 0 });
              } catch (err) {
                // A refusal (the job ended, or is being canceled; an input that can never come) is an answer, not a failure.
                if (!(err instanceof Error) || !('code' in err)) throw err;
              }
            });
          }
          jobs.forEach(([j, failing], n) => {
            const view = s.submit(toDefinition(j, `J${n}`));
            s.tasks({ jobId: view.Id }).forEach((t, i) => {
              if (failing[i]) failsFirst.add(t.Id);
            });
          });
          const running: TaskClaim[] = [];
          for (let step = 0; step < 5000; step++) {
            for (let c = s.next(); c; c = s.next()) {
              // No task starts before every producer it waits on finished.
              for (const dep of s.taskInfo(c.taskId).dependencies) expect(s.task(dep)!.State).toBe(TaskState.Finished);
              running.push(c);
            }
            const c = running.shift();
            if (c === undefined) break;
            const state = s.task(c.taskId)!.State;
            if (state !== TaskState.Processing && state !== TaskState.Canceling) continue;
            if (state === TaskState.Processing && c.attempt === 1 && failsFirst.has(c.taskId)) {
              s.fail(c.taskId);
              failed.push(c.taskId);
            } else s.complete(c.taskId);
          }
          expect(running).toEqual([]);
          expect(s.running).toBe(0);
          for (const t of s.tasks()) expect(isFinalState(t.State)).toBe(true);
          for (const j of s.jobs()) expect(isFinalState(j.State)).toBe(true);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
