import { describe, expect, it } from 'vitest';
import { ReadyOrder } from '../../../src/scheduler/ready-order.js';
import { resolveDependencies } from '../../../src/graph/dependencies.js';
import { validateJob } from '../../../src/validate/validate.js';
import { sequentialIds } from '../../../src/job/ids.js';
import { dagJob } from '../../helpers/jobs.js';
import type { Job } from '../../../src/job/model.js';

function job(priorities: number[]): Job {
  const r = validateJob(dagJob(priorities.length, [], { priority: priorities }), { ids: sequentialIds() });
  return r.job!;
}

/** The order as a list of serials, best first. */
function sorted(order: ReadyOrder, n: number): number[] {
  return Array.from({ length: n }, (_, i) => i).sort((a, b) => (order.before(a, b) ? -1 : order.before(b, a) ? 1 : 0));
}

describe('ReadyOrder', () => {
  it('orders by primary key, then secondary, then serial; packed or not, the same order', () => {
    const order = new ReadyOrder('priority');
    const a = job([1, 5, 1]);
    const b = job([1, 5]);
    order.ensure(5);
    order.addJob(a, resolveDependencies(a), 0, 0);
    order.addJob(b, resolveDependencies(b), 10, 3);
    expect(order.secondary).toBeNull(); // small integers: packed into one array
    expect(sorted(order, 5)).toEqual([4, 1, 3, 0, 2]);
    expect([order.primaryOf(4), order.secondaryOf(4), order.primaryOf(0), order.secondaryOf(0)]).toEqual([5, 10, 1, 0]);
    // A job priority too big to pack: the keys go back to two arrays, the order stays.
    const c = job([5]);
    order.ensure(6);
    order.addJob(c, resolveDependencies(c), 2 ** 30, 5);
    expect(order.secondary).not.toBeNull();
    expect(sorted(order, 6)).toEqual([5, 4, 1, 3, 0, 2]);
    expect([order.primaryOf(4), order.secondaryOf(4), order.primaryOf(5), order.secondaryOf(5)]).toEqual([5, 10, 5, 2 ** 30]);
    expect(order.outranks(4, 1)).toBe(true);
    expect(order.outranks(1, 4)).toBe(false);
    expect(order.outranks(0, 2)).toBe(false);
  });

  it('unpacks when a task priority part-way through a job does not pack, keeping every key', () => {
    const order = new ReadyOrder('priority');
    const a = job([2, 3]);
    const b = job([4, 2 ** 27, -1]);
    order.ensure(5);
    order.addJob(a, resolveDependencies(a), 1, 0);
    expect(order.secondary).toBeNull();
    order.addJob(b, resolveDependencies(b), 7, 2);
    expect(order.secondary).not.toBeNull();
    expect(Array.from({ length: 5 }, (_, s) => [order.primaryOf(s), order.secondaryOf(s)])).toEqual([
      [2, 1],
      [3, 1],
      [4, 7],
      [2 ** 27, 7],
      [-1, 7],
    ]);
    expect(sorted(order, 5)).toEqual([3, 2, 1, 0, 4]);
  });

  it('packs negative keys without changing the order', () => {
    const order = new ReadyOrder('priority');
    const a = job([-3, 0, -3, 7]);
    order.ensure(4);
    order.addJob(a, resolveDependencies(a), -2, 0);
    expect(order.secondary).toBeNull();
    expect(sorted(order, 4)).toEqual([3, 1, 0, 2]);
    expect(order.secondaryOf(0)).toBe(-2);
    expect(order.primaryOf(0)).toBe(-3);
  });
});
