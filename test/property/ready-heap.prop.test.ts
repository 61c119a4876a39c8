import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ReadyOrder } from '../../src/scheduler/ready-order.js';
import { ReadyQueues } from '../../src/scheduler/ready-queues.js';
import { resolveDependencies } from '../../src/graph/dependencies.js';
import { validateJob } from '../../src/validate/validate.js';
import { sequentialIds } from '../../src/job/ids.js';
import { dagJob } from '../helpers/jobs.js';

// The seed is fixed by test/setup.ts in CI (FC_SEED replays a failure).

/**
 * The ready heap pops, among the tasks pushed and not yet popped, the one the order puts first:
 * checked against a sort by ReadyOrder.before, with few distinct priorities (ties are the serial's
 * to break), and with the keys packed into one number or kept apart (a job priority too big to
 * pack unpacks every key).
 */
describe('the ready heap', () => {
  const priorities = fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 60 });
  // Each step pushes the next task (true) or pops (false).
  const steps = fc.array(fc.boolean(), { maxLength: 150 });

  for (const packed of [true, false]) {
    it(`pops in the order's order under any interleaving of pushes and pops (keys ${packed ? 'packed' : 'apart'})`, () => {
      fc.assert(
        fc.property(priorities, fc.integer({ min: 0, max: 5 }), steps, (prios, jobPriority, plan) => {
          const n = prios.length;
          const job = validateJob(dagJob(n, [], { priority: prios }), { ids: sequentialIds() }).job!;
          const order = new ReadyOrder('priority');
          order.ensure(n);
          order.addJob(job, resolveDependencies(job), packed ? jobPriority : 2 ** 40 + jobPriority, 0);
          expect(order.secondary === null).toBe(packed);
          const q = new ReadyQueues(order);
          q.addPool(Infinity);
          const held: number[] = [];
          let next = 0;
          const popOne = (): void => {
            const got = q.pop(() => true);
            if (held.length === 0) {
              expect(got).toBe(-1);
              return;
            }
            held.sort((a, b) => (order.before(a, b) ? -1 : 1));
            expect(got).toBe(held.shift());
            q.release(0);
          };
          for (const push of plan) {
            if (push && next < n) {
              q.push(0, next);
              held.push(next++);
            } else {
              popOne();
            }
          }
          while (held.length > 0) popOne();
          expect(q.pop(() => true)).toBe(-1);
        }),
      );
    });
  }
});
