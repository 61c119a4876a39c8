import { describe, expect, it } from 'vitest';
import { ReadyOrder } from '../../../src/scheduler/ready-order.js';
import { ReadyQueues } from '../../../src/scheduler/ready-queues.js';
import { resolveDependencies } from '../../../src/graph/dependencies.js';
import { validateJob } from '../../../src/validate/validate.js';
import { sequentialIds } from '../../../src/job/ids.js';
import { dagJob } from '../../helpers/jobs.js';

/** An order over `priorities.length` serials, one job. */
function orderOf(priorities: number[]): ReadyOrder {
  const job = validateJob(dagJob(priorities.length, [], { priority: priorities }), { ids: sequentialIds() }).job!;
  const order = new ReadyOrder('priority');
  order.ensure(priorities.length);
  order.addJob(job, resolveDependencies(job), 0, 0);
  return order;
}

describe('ReadyQueues', () => {
  it('with one pool, claims in order and skips stale entries; a second pool added with tasks ready keeps them', () => {
    const order = orderOf([1, 9, 5, 7, 3, 8]);
    const q = new ReadyQueues(order);
    expect(q.addPool(Infinity)).toBe(0);
    const stale = new Set<number>();
    const isReady = (t: number): boolean => !stale.has(t);
    for (const t of [0, 1, 2, 3]) q.push(0, t);
    stale.add(1);
    expect(q.peek(isReady)).toBe(3);
    expect(q.pop(isReady)).toBe(3);
    expect(q.runningIn(0)).toBe(1);
    // A second pool (two slots) while pool 0 still has 2 and 0 ready: both pools give tasks, best first.
    expect(q.addPool(1)).toBe(1);
    q.push(1, 5);
    q.push(1, 4);
    expect(q.pop(isReady)).toBe(5);
    expect(q.isFull(1)).toBe(true);
    expect(q.pop(isReady)).toBe(2);
    expect(q.pop(isReady)).toBe(0);
    expect(q.pop(isReady)).toBe(-1);
    q.release(1);
    expect(q.pop(isReady)).toBe(4);
  });

  it('a second pool added while pool 0 has nothing ready: pool 0 comes back when a task is pushed', () => {
    const order = orderOf([1, 2, 3]);
    const q = new ReadyQueues(order);
    q.addPool(Infinity);
    q.addPool(1);
    q.push(1, 0);
    q.push(0, 1);
    q.push(0, 2);
    const all = (): boolean => true;
    expect([q.pop(all), q.pop(all), q.pop(all), q.pop(all)]).toEqual([2, 1, 0, -1]);
  });
});
