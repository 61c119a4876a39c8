import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateJob } from '../../src/validate/validate.js';

/** Every pair [a, b] with a < b < n. */
function forwardPairs(n: number): Array<readonly [number, number]> {
  return [...Array(n).keys()].flatMap((a) => [...Array(n).keys()].filter((b) => a < b).map((b) => [a, b] as const));
}

/**
 * A random DAG over nodes 0..n-1 (edges from a lower to a higher node), its tasks listed in a
 * random order (so a task may depend on one listed after it), with ids that are not positions.
 */
const dag = fc.integer({ min: 1, max: 12 }).chain((n) =>
  fc.record({
    n: fc.constant(n),
    // A subset of every forward pair (no filter: a graph of one node has none to find).
    edges: fc.subarray(forwardPairs(n), { maxLength: Math.min(n * 2, forwardPairs(n).length) }),
    order: fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n }),
  }),
);

/** The plain graph: node k is task `order.indexOf(k)`, with id `n<k>`; `dependsOn` from the edges (plus `extra`). */
function plainGraph(n: number, edges: ReadonlyArray<readonly [number, number]>, order: readonly number[]): { tasks: Array<{ id: string; dependsOn: string[] }> } {
  const tasks = order.map((k) => ({ id: `n${k}`, dependsOn: [] as string[] }));
  const position = new Array<number>(n);
  order.forEach((k, i) => (position[k] = i));
  for (const [a, b] of edges) tasks[position[b]!]!.dependsOn.push(`n${a}`);
  return { tasks };
}

/** Whether `to` can be reached from `from` along `edges`. */
function reaches(n: number, edges: ReadonlyArray<readonly [number, number]>, from: number, to: number): boolean {
  const seen = new Array<boolean>(n).fill(false);
  const stack = [from];
  while (stack.length > 0) {
    const a = stack.pop()!;
    if (a === to) return true;
    if (seen[a]) continue;
    seen[a] = true;
    for (const [x, y] of edges) if (x === a) stack.push(y);
  }
  return false;
}

describe('plain graphs: properties', () => {
  it('a random DAG validates, and its dependencies are exactly the dependsOn edges', () => {
    fc.assert(
      fc.property(dag, ({ n, edges, order }) => {
        const graph = plainGraph(n, edges, order);
        // As an object and as JSON text: the same result.
        for (const definition of [graph, JSON.stringify(graph)]) {
          const r = validateJob(definition, { profile: 'relaxed' });
          expect(r.diagnostics).toEqual([]);
          expect(r.valid).toBe(true);
          const deps = r.dependencies!;
          const got = [...deps.from].map((f, e) => `${r.job!.Tasks[f]!.Name}>${r.job!.Tasks[deps.to[e]!]!.Name}`).sort();
          expect(got).toEqual(edges.map(([a, b]) => `n${a}>n${b}`).sort());
          expect(r.job!.Tasks.map((t) => t.Name)).toEqual(order.map((k) => `n${k}`));
        }
      }),
      { numRuns: 500 },
    );
  });

  it('a random DAG with a back edge (from a node to one it is reached from, or to itself) gives CYCLE', () => {
    const withBackEdge = dag.chain((g) => fc.record({ g: fc.constant(g), from: fc.nat(g.n - 1), to: fc.nat(g.n - 1) }));
    fc.assert(
      fc.property(withBackEdge, ({ g: { n, edges, order }, from, to }) => {
        // A back edge to -> from (to depends on from) closes a cycle when `to` reaches `from`.
        fc.pre(to === from || reaches(n, edges, to, from));
        const graph = plainGraph(n, [...edges, [from, to]], order);
        const r = validateJob(graph, { profile: 'relaxed' });
        expect(r.valid).toBe(false);
        // One CYCLE or more (the cycles that take in every dependency of the tangle), each through
        // the back edge: the rest of the graph has none.
        expect(r.diagnostics.length).toBeGreaterThan(0);
        for (const d of r.diagnostics) {
          expect(d.code).toBe('CYCLE');
          const cycle = d.cycle!.map((i) => r.job!.Tasks[i]!.Name);
          expect(cycle).toContain(`n${to}`);
          expect(cycle).toContain(`n${from}`);
        }
      }),
      { numRuns: 500 },
    );
  });
});
