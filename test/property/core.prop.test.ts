import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findCycles } from '../../src/core/cycles.js';
import { topologicalGenerations } from '../../src/core/generations.js';
import { rankByPriority } from '../../src/core/rank.js';
import { RankQueue } from '../../src/core/rank-queue.js';
import { byPriorityThenIndex, IndexHeap } from '../../src/core/ready-heap.js';
import { orderWithHeapLimit, topologicalOrder } from '../../src/core/topological-order.js';
import { CycleError } from '../../src/errors.js';
import {
  isRealCycle,
  referenceComponents,
  referenceGenerations,
  referenceHasCycle,
  referenceOrder,
  respectsEdges,
  toInput,
  type SmallGraph,
} from '../unit/core/reference-impl.js';

const RUNS = { numRuns: 1000 };
const INT32 = fc.integer({ min: -2147483648, max: 2147483647 });

/** Any directed graph on up to `maxNodes` nodes: parallel edges and self-loops included. */
const anyGraph = (maxNodes = 30, maxEdges = 60): fc.Arbitrary<SmallGraph> =>
  fc.integer({ min: 0, max: maxNodes }).chain((n) =>
    (n === 0
      ? fc.constant<Array<[number, number]>>([])
      : fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1)), { maxLength: maxEdges })
    ).map((edges) => ({ nodeCount: n, edges })),
  );

/** A DAG: random pairs oriented along a random permutation, so edges run both up and down in index. */
const dag = (maxNodes = 30, maxEdges = 60): fc.Arbitrary<SmallGraph> =>
  fc.integer({ min: 0, max: maxNodes }).chain((n) => {
    const nodes = Array.from({ length: n }, (_, i) => i);
    return fc
      .record({
        pairs: n < 2 ? fc.constant<Array<[number, number]>>([]) : fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1)), { maxLength: maxEdges }),
        perm: fc.shuffledSubarray(nodes, { minLength: n, maxLength: n }),
      })
      .map(({ pairs, perm }) => {
        const place = new Array<number>(n);
        perm.forEach((v, i) => (place[v] = i));
        const edges = pairs
          .filter(([a, b]) => a !== b)
          .map(([a, b]): [number, number] => (place[a]! < place[b]! ? [a, b] : [b, a]));
        return { nodeCount: n, edges };
      });
  });

/**
 * Priorities that exercise every path: all equal, a few small values (many ties, counting sort),
 * the whole int32 range (radix sort), its extremes, and mixtures.
 */
const priorities = (n: number): fc.Arbitrary<number[]> =>
  fc.oneof(
    fc.integer({ min: -3, max: 3 }).map((p) => new Array<number>(n).fill(p)),
    fc.array(fc.integer({ min: 0, max: 2 }), { minLength: n, maxLength: n }),
    fc.array(fc.integer({ min: -100, max: 100 }), { minLength: n, maxLength: n }),
    fc.array(INT32, { minLength: n, maxLength: n }),
    fc.array(fc.oneof(INT32, fc.integer({ min: -1, max: 1 }), fc.constantFrom(-2147483648, 2147483647)), { minLength: n, maxLength: n }),
  );

const withPriorities = (graph: fc.Arbitrary<SmallGraph>): fc.Arbitrary<{ g: SmallGraph; p: number[] }> =>
  graph.chain((g) => priorities(g.nodeCount).map((p) => ({ g, p })));

/** Ready sets up to this size stay in the heap: 0 and 1 force the rank path, 1 << 30 the heap path. */
const heapLimit = fc.constantFrom(0, 1, 2, 4, 256, 1 << 30);

function expectRealCycleError(g: SmallGraph, call: () => unknown): void {
  let thrown: unknown;
  try {
    call();
  } catch (err) {
    thrown = err;
  }
  expect(thrown).toBeInstanceOf(CycleError);
  const cycle = (thrown as CycleError).cycle;
  expect(isRealCycle(g, cycle)).toBe(true);
  expect(cycle[0]).toBe(Math.min(...cycle));
}

describe('topologicalOrder() properties', () => {
  it('orders every edge forward and equals the scan-the-ready-set reference, with priorities', () => {
    fc.assert(
      fc.property(withPriorities(dag()), heapLimit, ({ g, p }, limit) => {
        const got = Array.from(orderWithHeapLimit({ ...toInput(g), priority: Int32Array.from(p) }, limit));
        expect(respectsEdges(g, got)).toBe(true);
        expect(got).toEqual(referenceOrder(g, p));
      }),
      RUNS,
    );
  });

  it('without priority equals the reference with equal priorities (smallest ready index first)', () => {
    fc.assert(
      fc.property(dag(), (g) => {
        const got = Array.from(topologicalOrder(toInput(g)));
        expect(respectsEdges(g, got)).toBe(true);
        expect(got).toEqual(referenceOrder(g));
        expect(got).toEqual(referenceOrder(g, new Array<number>(g.nodeCount).fill(7)));
      }),
      RUNS,
    );
  });

  it('on any graph: orders it like the reference, or throws CycleError with a real cycle exactly when it is cyclic', () => {
    fc.assert(
      fc.property(withPriorities(anyGraph()), heapLimit, fc.boolean(), ({ g, p }, limit, usePriority) => {
        const input = { ...toInput(g), priority: usePriority ? Int32Array.from(p) : undefined };
        if (referenceHasCycle(g)) expectRealCycleError(g, () => orderWithHeapLimit(input, limit));
        else expect(Array.from(orderWithHeapLimit(input, limit))).toEqual(referenceOrder(g, usePriority ? p : undefined));
      }),
      RUNS,
    );
  });

  it('agrees with the reference on larger DAGs with wide ready sets (fewer runs)', () => {
    fc.assert(
      fc.property(withPriorities(dag(300, 600)), heapLimit, ({ g, p }, limit) => {
        expect(Array.from(orderWithHeapLimit({ ...toInput(g), priority: Int32Array.from(p) }, limit))).toEqual(referenceOrder(g, p));
      }),
      { numRuns: 200 },
    );
  });
});

describe('topologicalGenerations() properties', () => {
  it('equals the definition on DAGs, and throws CycleError with a real cycle on cyclic graphs', () => {
    fc.assert(
      fc.property(fc.oneof(dag(), anyGraph()), (g) => {
        const expected = referenceGenerations(g);
        if (expected === null) expectRealCycleError(g, () => topologicalGenerations(toInput(g)));
        else expect(topologicalGenerations(toInput(g)).map((a) => Array.from(a))).toEqual(expected);
      }),
      RUNS,
    );
  });
});

describe('findCycles() properties', () => {
  it('finds a cycle iff a reference DFS says cyclic; one real cycle per cyclic component, from its lowest node', () => {
    fc.assert(
      fc.property(fc.oneof(anyGraph(), dag(), anyGraph(30, 15)), (g) => {
        const cycles = findCycles(toInput(g));
        expect(cycles.length > 0).toBe(referenceHasCycle(g));
        const selfLoop = (v: number): boolean => g.edges.some(([a, b]) => a === v && b === v);
        const cyclic = referenceComponents(g).filter((c) => c.length > 1 || selfLoop(c[0]!));
        expect(cycles.length).toBe(cyclic.length);
        cycles.forEach((cycle, k) => {
          expect(isRealCycle(g, cycle)).toBe(true);
          const component = cyclic[k]!; // both listed by lowest node
          expect(cycle[0]).toBe(component[0]);
          for (const v of cycle) expect(component).toContain(v);
        });
      }),
      RUNS,
    );
  });
});

describe('IndexHeap properties', () => {
  type Op = { kind: 'push' | 'remove' | 'update'; i: number; p: number } | { kind: 'pop' };
  const ops = (capacity: number): fc.Arbitrary<Op[]> =>
    fc.array(
      fc.oneof(
        fc.record({ kind: fc.constantFrom('push' as const, 'remove' as const, 'update' as const), i: fc.nat(capacity - 1), p: fc.integer({ min: -3, max: 3 }) }),
        fc.constant({ kind: 'pop' as const }),
      ),
      { maxLength: 200 },
    );

  it('pops in `before` order under any mix of push, pop, remove and key updates', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }).chain((c) => fc.tuple(fc.constant(c), ops(c), fc.array(fc.integer({ min: -3, max: 3 }), { minLength: c, maxLength: c }))),
        ([capacity, program, initial]) => {
          const priority = Int32Array.from(initial);
          const before = byPriorityThenIndex(priority);
          const heap = new IndexHeap(capacity, before);
          const model = new Set<number>();
          const first = (): number => [...model].reduce((best, i) => (best === -1 || before(i, best) ? i : best), -1);
          for (const op of program) {
            if (op.kind === 'pop') {
              const expected = first();
              expect(heap.pop()).toBe(expected);
              model.delete(expected);
            } else if (op.kind === 'push') {
              if (model.has(op.i)) continue;
              priority[op.i] = op.p;
              heap.push(op.i);
              model.add(op.i);
            } else if (op.kind === 'remove') {
              expect(heap.remove(op.i)).toBe(model.delete(op.i));
            } else if (model.has(op.i)) {
              priority[op.i] = op.p;
              heap.update(op.i);
            }
            expect(heap.size).toBe(model.size);
            expect(heap.peek()).toBe(first());
            for (let i = 0; i < capacity; i++) expect(heap.has(i)).toBe(model.has(i));
          }
        },
      ),
      RUNS,
    );
  });
});

describe('RankQueue properties', () => {
  it('behaves like a sorted set across one to three levels', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(1, 31, 32, 33, 1024, 1025, 5000).chain((c) =>
          fc.tuple(fc.constant(c), fc.array(fc.oneof(fc.nat(c - 1), fc.constant(-1), fc.constant(-2)), { maxLength: 300 })),
        ),
        ([capacity, program]) => {
          const q = new RankQueue(capacity);
          const model = new Set<number>();
          const min = (): number => (model.size === 0 ? -1 : Math.min(...model));
          for (const k of program) {
            if (k === -1) {
              const expected = min();
              expect(q.popMin()).toBe(expected);
              model.delete(expected);
            } else if (k === -2) {
              const m = min();
              if (m !== -1) expect(q.delete(m)).toBe(model.delete(m));
            } else if (model.has(k)) {
              expect(q.delete(k)).toBe(true);
              model.delete(k);
            } else {
              q.push(k);
              model.add(k);
            }
            expect(q.size).toBe(model.size);
            expect(q.peekMin()).toBe(min());
          }
        },
      ),
      RUNS,
    );
  });
});

describe('rankByPriority() properties', () => {
  it('equals a stable sort by priority descending', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 60 }).chain(priorities), (p) => {
        const ranking = rankByPriority(Int32Array.from(p));
        const sorted = p.map((_, i) => i).sort((a, b) => p[b]! - p[a]! || a - b);
        if (new Set(p).size <= 1) expect(ranking).toBeNull();
        else {
          expect(Array.from(ranking!.nodeOfRank)).toEqual(sorted);
          sorted.forEach((v, r) => expect(ranking!.rank[v]).toBe(r));
        }
      }),
      RUNS,
    );
  });
});
