import { describe, expect, it } from 'vitest';
import { orderWithHeapLimit, topologicalOrder } from '../../../src/core/topological-order.js';
import { ArgumentRangeError, ArgumentTypeError, CycleError } from '../../../src/errors.js';
import { chain, chainrev, layered } from '../../../src/workload/shapes.js';
import { isRealCycle, referenceOrder, respectsEdges, toInput, type SmallGraph } from './reference-impl.js';

const i32 = (...xs: number[]): Int32Array => Int32Array.from(xs);
const order = (g: SmallGraph, priority?: number[]): number[] =>
  Array.from(topologicalOrder({ ...toInput(g), priority: priority && Int32Array.from(priority) }));

function cycleOf(call: () => unknown): number[] {
  try {
    call();
  } catch (err) {
    expect(err).toBeInstanceOf(CycleError);
    expect((err as CycleError).code).toBe('CYCLE');
    return (err as CycleError).cycle;
  }
  throw new Error('expected a CycleError');
}

describe('topologicalOrder()', () => {
  it('places the smallest ready index first without priority (not FIFO order)', () => {
    // Placing 0 frees 3 before placing 2 frees 1: FIFO Kahn gives 0 2 3 1; the rule gives 1 before 3.
    const g: SmallGraph = { nodeCount: 4, edges: [[0, 3], [2, 1]] };
    expect(order(g)).toEqual([0, 2, 1, 3]);
    // A node freed late with a small index goes before larger ready ones.
    const h: SmallGraph = { nodeCount: 5, edges: [[4, 0], [3, 1]] };
    expect(order(h)).toEqual([2, 3, 1, 4, 0]);
  });

  it('places the highest priority first and ties to the lower index', () => {
    const g: SmallGraph = { nodeCount: 3, edges: [[0, 2], [1, 2]] };
    expect(order(g, [0, 5, 0])).toEqual([1, 0, 2]);
    expect(order(g, [7, 7, 9])).toEqual([0, 1, 2]);
    expect(order({ nodeCount: 4, edges: [] }, [1, 3, 3, -2147483648])).toEqual([1, 2, 0, 3]);
    expect(order({ nodeCount: 3, edges: [] }, [-2147483648, 2147483647, 0])).toEqual([1, 2, 0]);
  });

  it('lets a high-priority node jump ahead only once its predecessors are placed', () => {
    const g: SmallGraph = { nodeCount: 4, edges: [[0, 3]] };
    expect(order(g, [0, 1, 2, 100])).toEqual([2, 1, 0, 3]);
  });

  it('gives the same order whether the ready set stays in the heap or moves to ranks', () => {
    const w = layered(2_000);
    const byHeap = orderWithHeapLimit(w, 1 << 30);
    expect(orderWithHeapLimit(w, 0)).toEqual(byHeap);
    expect(topologicalOrder(w)).toEqual(byHeap);
    expect(Array.from(byHeap)).toEqual(referenceOrder({ nodeCount: w.nodeCount, edges: Array.from(w.from, (u, e) => [u, w.to[e]!] as const) }, w.priority));
  });

  it('handles empty graphs, parallel edges and all-equal priorities', () => {
    expect(order({ nodeCount: 0, edges: [] })).toEqual([]);
    expect(order({ nodeCount: 0, edges: [] }, [])).toEqual([]);
    expect(order({ nodeCount: 3, edges: [[2, 0], [2, 0], [1, 0]] })).toEqual([1, 2, 0]);
    expect(order({ nodeCount: 3, edges: [[2, 0]] }, [4, 4, 4])).toEqual([1, 2, 0]);
  });

  it('returns a new Int32Array and leaves the input untouched', () => {
    const input = { nodeCount: 3, from: i32(2, 1), to: i32(1, 0), priority: i32(1, 2, 3) };
    const result = topologicalOrder(input);
    expect(result).toBeInstanceOf(Int32Array);
    expect(Array.from(result)).toEqual([2, 1, 0]);
    expect(Array.from(input.from)).toEqual([2, 1]);
    expect(Array.from(input.to)).toEqual([1, 0]);
    expect(Array.from(input.priority)).toEqual([1, 2, 3]);
  });

  it('reports a self-loop as a cycle of one node', () => {
    const g: SmallGraph = { nodeCount: 3, edges: [[0, 1], [1, 1], [1, 2]] };
    expect(cycleOf(() => order(g))).toEqual([1]);
  });

  it('reports a cycle of two nodes, starting at its lowest index', () => {
    const g: SmallGraph = { nodeCount: 4, edges: [[0, 1], [3, 2], [2, 3]] };
    expect(cycleOf(() => order(g))).toEqual([2, 3]);
    expect(cycleOf(() => order(g, [9, 8, 7, 6]))).toEqual([2, 3]);
  });

  it('reports a cycle through every node, in edge order', () => {
    const g: SmallGraph = { nodeCount: 5, edges: [[3, 1], [1, 4], [4, 0], [0, 2], [2, 3]] };
    const cycle = cycleOf(() => order(g));
    expect(cycle).toEqual([0, 2, 3, 1, 4]);
    expect(isRealCycle(g, cycle)).toBe(true);
  });

  it('reports a real cycle when acyclic parts hang off it', () => {
    const g: SmallGraph = { nodeCount: 7, edges: [[0, 1], [1, 2], [2, 5], [5, 6], [6, 2], [6, 3], [4, 3]] };
    const cycle = cycleOf(() => order(g, [0, 1, 2, 3, 4, 5, 6]));
    expect(cycle).toEqual([2, 5, 6]);
    expect(() => order(g)).toThrow(/cycle through 3 node\(s\): 2 → 5 → 6 → 2/);
  });

  it('orders a chain of 1,000,000 nodes numbered either way without overflowing the stack', () => {
    for (const w of [chain(1_000_000), chainrev(1_000_000)]) {
      const result = topologicalOrder(w);
      const expected = w.shape === 'chain' ? (i: number) => i : (i: number) => w.nodeCount - 1 - i;
      let ok = result.length === w.nodeCount;
      for (let i = 0; ok && i < result.length; i++) ok = result[i] === expected(i);
      expect(ok).toBe(true);
      expect(topologicalOrder({ nodeCount: w.nodeCount, from: w.from, to: w.to })[0]).toBe(expected(0));
    }
  });

  it('finds the million-node cycle of chain(1e6) with a back edge', () => {
    const w = chain(1_000_000, { cycle: true });
    const cycle = cycleOf(() => topologicalOrder(w));
    expect(cycle.length).toBe(1_000_000);
    expect(cycle[0]).toBe(0);
    expect(cycle[999_999]).toBe(999_999);
  });

  it('rejects bad arguments naming the call', () => {
    expect(() => topologicalOrder(undefined as never)).toThrow(ArgumentTypeError);
    expect(() => topologicalOrder({ nodeCount: 10, from: i32(0, 1, 2, 12), to: i32(1, 2, 3, 4) })).toThrow(
      'topologicalOrder: `from[3]` is 12 but nodeCount is 10: every node index must be in [0, nodeCount)',
    );
    const badType = (): unknown => topologicalOrder({ nodeCount: 2, from: i32(), to: i32(), priority: [1, 2] as never });
    expect(badType).toThrow(ArgumentTypeError);
    expect(badType).toThrow('topologicalOrder: expected `priority` to be an Int32Array, got an array of length 2: convert it with Int32Array.from(priority)');
    const badLength = (): unknown => topologicalOrder({ nodeCount: 2, from: i32(), to: i32(), priority: i32(1) });
    expect(badLength).toThrow(ArgumentRangeError);
    expect(badLength).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
    expect(badLength).toThrow('topologicalOrder: `priority` has 1 entries but nodeCount is 2: give one priority per node');
    expect(() => topologicalOrder({ nodeCount: -3, from: i32(), to: i32() })).toThrow(
      'topologicalOrder: expected `nodeCount` to be an integer in [0, 2147483647], got `-3` (number)',
    );
  });

  it('orders every edge forward on the layered workload', () => {
    const w = layered(5_000);
    const g: SmallGraph = { nodeCount: w.nodeCount, edges: Array.from(w.from, (u, e) => [u, w.to[e]!] as const) };
    expect(respectsEdges(g, topologicalOrder(w))).toBe(true);
    expect(respectsEdges(g, topologicalOrder({ nodeCount: w.nodeCount, from: w.from, to: w.to }))).toBe(true);
  });
});
