/**
 * Build (edge arrays → structure) plus topological order, ours against the bare references and the
 * peers, on every workload shape of docs/workloads.md; and cycle detection on the cyclic variants.
 * Every implementation starts from the same `Int32Array` edge lists; peers that key nodes by string
 * get the names precomputed (untimed).
 */
import { DepGraph, DepGraphCycleError } from 'dependency-graph';
import { DirectedGraph } from 'graphology';
import { hasCycle, topologicalSort } from 'graphology-dag';
import { Graph as GraphlibGraph, alg as graphlibAlg } from '@dagrejs/graphlib';
import toposort from 'toposort';
import { buildCsr } from '../src/core/csr.js';
import { findCycles } from '../src/core/cycles.js';
import { topologicalOrder } from '../src/core/topological-order.js';
import { CycleError } from '../src/errors.js';
import { CYCLIC_SHAPES, SHAPES, makeWorkload, type ShapeName, type Workload } from '../src/workload/shapes.js';
import { formatCount, isStackOverflow, shared, type BenchCase } from './protocol.js';
import { bareCsr, heapKahn, plainKahn } from './reference.js';

const SIZES = [10_000, 100_000, 1_000_000];

interface Input {
  w: Workload;
  names: string[];
}

const names = (n: number): string[] => Array.from({ length: n }, (_, i) => String(i));

/** Throws unless `order` is a permutation of the nodes with every edge forward. */
function checkOrder(order: ArrayLike<number | string>, w: Workload): void {
  const n = w.nodeCount;
  if (order.length !== n) throw new Error(`order has ${order.length} nodes, expected ${n}`);
  const at = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++) {
    const v = Number(order[i]);
    if (!(v >= 0 && v < n) || at[v] !== -1) throw new Error(`order[${i}] = ${String(order[i])} is not a new node`);
    at[v] = i;
  }
  for (let e = 0; e < w.from.length; e++) {
    if (at[w.from[e]!]! >= at[w.to[e]!]!) throw new Error(`edge ${w.from[e]} → ${w.to[e]} goes backwards`);
  }
}

function sameOrder(a: Int32Array, b: Int32Array): void {
  if (a.length !== b.length) throw new Error('orders differ in length');
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) throw new Error(`orders differ at ${i}: ${a[i]} vs ${b[i]}`);
}

// Peers: build from the edge arrays, then order. Each returns { graph, order } so `hold` keeps both.

function graphologyBuild(w: Workload, key: string[]): DirectedGraph {
  const g = new DirectedGraph();
  for (let i = 0; i < w.nodeCount; i++) g.addNode(key[i]!);
  for (let e = 0; e < w.from.length; e++) g.addEdge(key[w.from[e]!]!, key[w.to[e]!]!);
  return g;
}

function depGraphBuild(w: Workload, key: string[]): DepGraph<unknown> {
  const g = new DepGraph<unknown>();
  for (let i = 0; i < w.nodeCount; i++) g.addNode(key[i]!);
  // u → v: v depends on u.
  for (let e = 0; e < w.from.length; e++) g.addDependency(key[w.to[e]!]!, key[w.from[e]!]!);
  return g;
}

function graphlibBuild(w: Workload, key: string[]): GraphlibGraph {
  const g = new GraphlibGraph();
  for (let i = 0; i < w.nodeCount; i++) g.setNode(key[i]!);
  for (let e = 0; e < w.from.length; e++) g.setEdge(key[w.from[e]!]!, key[w.to[e]!]!);
  return g;
}

function toposortInput(w: Workload): { nodes: number[]; edges: Array<[number, number]> } {
  const nodes = new Array<number>(w.nodeCount);
  for (let i = 0; i < w.nodeCount; i++) nodes[i] = i;
  const edges = new Array<[number, number]>(w.from.length);
  for (let e = 0; e < w.from.length; e++) edges[e] = [w.from[e]!, w.to[e]!];
  return { nodes, edges };
}

type Peer = {
  impl: string;
  order: (w: Workload, key: string[]) => { graph: unknown; order: ArrayLike<number | string> };
  /** Build and detect the cycle; returns true when found. Must rethrow a stack overflow. */
  cycle: (w: Workload, key: string[]) => boolean;
};

const PEERS: Peer[] = [
  {
    impl: 'graphology-dag',
    order: (w, key) => {
      const graph = graphologyBuild(w, key);
      return { graph, order: topologicalSort(graph) };
    },
    cycle: (w, key) => hasCycle(graphologyBuild(w, key)),
  },
  {
    impl: 'dependency-graph',
    order: (w, key) => {
      const graph = depGraphBuild(w, key);
      return { graph, order: graph.overallOrder() };
    },
    cycle: (w, key) => {
      const graph = depGraphBuild(w, key);
      try {
        graph.overallOrder();
        return false;
      } catch (err) {
        if (isStackOverflow(err)) throw err;
        if (!(err instanceof DepGraphCycleError)) throw err;
        return true;
      }
    },
  },
  {
    impl: 'toposort',
    order: (w) => {
      const { nodes, edges } = toposortInput(w);
      return { graph: edges, order: toposort.array(nodes, edges) };
    },
    cycle: (w) => {
      const { nodes, edges } = toposortInput(w);
      try {
        toposort.array(nodes, edges);
        return false;
      } catch (err) {
        if (isStackOverflow(err)) throw err;
        if (!/Cyclic dependency/.test((err as Error).message)) throw err;
        return true;
      }
    },
  },
  {
    impl: '@dagrejs/graphlib',
    order: (w, key) => {
      const graph = graphlibBuild(w, key);
      return { graph, order: graphlibAlg.topsort(graph) };
    },
    cycle: (w, key) => graphlibAlg.findCycles(graphlibBuild(w, key)).length > 0,
  },
];

function orderCases(shape: ShapeName, n: number): BenchCase[] {
  const input = shared<Input>(() => {
    const w = makeWorkload(shape, n);
    return { w, names: [] };
  });
  const withNames = shared<Input>(() => {
    const { w } = input();
    return { w, names: names(n) };
  });
  const edges = expectedEdges(shape, n);
  const base = { table: 'order', row: `${shape} ${formatCount(n)}`, n, edges };
  const id = (impl: string): string => `order/${shape}/${n}/${impl}`;
  const cases: BenchCase[] = [
    {
      ...base,
      id: id('ours-priority'),
      impl: 'ours (priority)',
      role: 'ours',
      baseline: 'heap Kahn',
      setup: input,
      run: ({ w }: Input) => topologicalOrder(w),
      check: (order: Int32Array, { w }: Input) => sameOrder(order, heapKahn(w.nodeCount, w.from, w.to, w.priority)),
      // What a scheduler keeps: the CSR (with in-degrees) and the plan.
      hold: ({ w }: Input) => ({ csr: buildCsr(w), order: topologicalOrder(w) }),
    },
    {
      ...base,
      id: id('ours'),
      impl: 'ours (no priority)',
      role: 'ours',
      baseline: 'plain Kahn',
      setup: input,
      run: ({ w }: Input) => topologicalOrder({ nodeCount: w.nodeCount, from: w.from, to: w.to }),
      check: (order: Int32Array, { w }: Input) => checkOrder(order, w),
      hold: ({ w }: Input) => ({ csr: buildCsr(w), order: topologicalOrder({ nodeCount: w.nodeCount, from: w.from, to: w.to }) }),
    },
    {
      ...base,
      id: id('heap-kahn'),
      impl: 'heap Kahn',
      role: 'reference',
      setup: input,
      run: ({ w }: Input) => heapKahn(w.nodeCount, w.from, w.to, w.priority),
      check: (order: Int32Array, { w }: Input) => checkOrder(order, w),
      hold: ({ w }: Input) => ({ csr: bareCsr(w.nodeCount, w.from, w.to), order: heapKahn(w.nodeCount, w.from, w.to, w.priority) }),
    },
    {
      ...base,
      id: id('plain-kahn'),
      impl: 'plain Kahn',
      role: 'reference',
      setup: input,
      run: ({ w }: Input) => plainKahn(w.nodeCount, w.from, w.to),
      check: (order: Int32Array, { w }: Input) => checkOrder(order, w),
      hold: ({ w }: Input) => ({ csr: bareCsr(w.nodeCount, w.from, w.to), order: plainKahn(w.nodeCount, w.from, w.to) }),
    },
    {
      ...base,
      id: id('bare-csr'),
      impl: 'bare CSR (memory)',
      role: 'reference',
      setup: input,
      run: ({ w }: Input) => bareCsr(w.nodeCount, w.from, w.to),
    },
  ];
  for (const p of PEERS) {
    cases.push({
      ...base,
      id: id(p.impl.replace(/^@dagrejs\//, '')),
      impl: p.impl,
      role: 'peer',
      // dependency-graph's build is quadratic on fan (each edge is de-duplicated with indexOf over
      // the source's 1..N-2 dependants): ~27 s at 100,000 tasks, so not in --quick, and given two
      // minutes at 1,000,000 (it needs hours) to report the timeout.
      ...(p.impl === 'dependency-graph' && shape === 'fan' && n >= 100_000 ? { quick: false, timeoutMs: 120_000 } : {}),
      setup: withNames,
      run: ({ w, names: key }: Input) => p.order(w, key),
      check: (r: { order: ArrayLike<number | string> }, { w }: Input) => checkOrder(r.order, w),
    });
  }
  return cases;
}

function cycleCases(shape: ShapeName, n: number): BenchCase[] {
  const input = shared<Input>(() => {
    const w = makeWorkload(shape, n, { cycle: true });
    return { w, names: names(n) };
  });
  const base = { table: 'cycle detection', row: `${shape} + cycle ${formatCount(n)}`, n, edges: expectedEdges(shape, n) + 1, memory: false };
  const id = (impl: string): string => `cycle/${shape}/${n}/${impl}`;
  const mustFind = (found: boolean): void => {
    if (!found) throw new Error('the cycle was not found');
  };
  const cases: BenchCase[] = [
    {
      ...base,
      id: id('ours-order'),
      impl: 'ours: topologicalOrder → CycleError',
      role: 'ours',
      baseline: 'plain Kahn',
      setup: input,
      run: ({ w }: Input) => {
        try {
          topologicalOrder({ nodeCount: w.nodeCount, from: w.from, to: w.to });
          return false;
        } catch (err) {
          if (err instanceof CycleError) return err.cycle.length > 0;
          throw err;
        }
      },
      check: mustFind,
    },
    {
      ...base,
      id: id('ours-find-cycles'),
      impl: 'ours: findCycles',
      role: 'ours',
      baseline: 'plain Kahn',
      setup: input,
      run: ({ w }: Input) => findCycles(w).length > 0,
      check: mustFind,
    },
    {
      ...base,
      id: id('plain-kahn'),
      impl: 'plain Kahn',
      role: 'reference',
      setup: input,
      run: ({ w }: Input) => {
        try {
          plainKahn(w.nodeCount, w.from, w.to);
          return false;
        } catch {
          return true;
        }
      },
      check: mustFind,
    },
  ];
  for (const p of PEERS) {
    cases.push({
      ...base,
      id: id(p.impl.replace(/^@dagrejs\//, '')),
      impl: p.impl,
      role: 'peer',
      setup: input,
      run: ({ w, names: key }: Input) => p.cycle(w, key),
      check: mustFind,
    });
  }
  return cases;
}

/** Edge counts without generating the graph (importing this file must stay cheap). */
function expectedEdges(shape: ShapeName, n: number): number {
  switch (shape) {
    case 'layered': {
      const layers = Math.round(Math.sqrt(n));
      return 3 * (n - Math.floor(n / layers));
    }
    case 'fan':
      return 2 * Math.max(0, n - 2);
    case 'chain':
    case 'chainrev':
      return Math.max(0, n - 1);
    case 'media':
      return 8 * Math.floor(n / 6);
  }
}

export const cases: BenchCase[] = [
  ...SHAPES.flatMap((shape) => SIZES.flatMap((n) => orderCases(shape, n))),
  ...CYCLIC_SHAPES.flatMap((shape) => SIZES.flatMap((n) => cycleCases(shape, n))),
];
