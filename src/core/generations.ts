/**
 * Topological generations (levels): the nodes that could run in the same wave given unlimited
 * capacity.
 */
import { CycleError } from '../errors.js';
import { buildCsr, type EdgeList } from './csr.js';
import { cycleAmongUnplaced } from './cycles.js';

/**
 * Generations in flat form: generation `k` is `nodes[offsets[k] .. offsets[k + 1])`, sorted by index.
 */
export interface Generations {
  /** Every node once, generation by generation, ascending inside each generation. */
  readonly nodes: Int32Array;
  /** `count + 1` entries: where each generation starts in `nodes`, then `nodeCount`. */
  readonly offsets: Int32Array;
  /** `generation[v]`: the generation of node `v`. */
  readonly generation: Int32Array;
  /** Number of generations (0 for an empty graph). */
  readonly count: number;
}

/**
 * Computes topological generations in flat form: generation 0 holds the nodes without predecessors;
 * generation k the nodes whose predecessors all lie in earlier generations, at least one in k - 1
 * (so `generation[v]` is the length of the longest path ending at `v`). O(nodeCount + edges), no
 * recursion, no per-generation allocation.
 *
 * @param input - `{ nodeCount, from, to }`: edge `e` runs from `from[e]` to `to[e]`.
 * @returns The generations; see {@link Generations}.
 * @throws {@link CycleError} `CYCLE` if the graph has a cycle (its nodes in order, lowest first).
 * @throws {@link ArgumentTypeError} `ERR_INVALID_ARG_TYPE` for arguments of the wrong type.
 * @throws {@link ArgumentRangeError} `ERR_OUT_OF_RANGE` / `ERR_INVALID_ARG_VALUE` for a bad
 *   `nodeCount`, an index outside `[0, nodeCount)` or arrays of different lengths.
 * @example
 * ```ts
 * const g = topologicalLevels({ nodeCount: 4, from: Int32Array.of(0, 1, 2), to: Int32Array.of(2, 2, 3) });
 * g.count;                                      // 3
 * g.nodes.subarray(g.offsets[0], g.offsets[1]); // Int32Array [0, 1]
 * g.generation;                                 // Int32Array [0, 0, 1, 2]
 * ```
 */
export function topologicalLevels(input: EdgeList): Generations {
  return levels(input, 'topologicalLevels');
}

/**
 * Topological generations as one `Int32Array` per generation, each sorted by index. The arrays are
 * views into one buffer (see {@link topologicalLevels} for the flat form).
 *
 * @param input - `{ nodeCount, from, to }`: edge `e` runs from `from[e]` to `to[e]`.
 * @returns `result[k]` lists the nodes of generation k.
 * @throws {@link CycleError} `CYCLE` if the graph has a cycle (its nodes in order, lowest first).
 * @throws {@link ArgumentTypeError} `ERR_INVALID_ARG_TYPE` for arguments of the wrong type.
 * @throws {@link ArgumentRangeError} `ERR_OUT_OF_RANGE` / `ERR_INVALID_ARG_VALUE` for a bad
 *   `nodeCount`, an index outside `[0, nodeCount)` or arrays of different lengths.
 * @example
 * ```ts
 * topologicalGenerations({ nodeCount: 4, from: Int32Array.of(0, 1, 2), to: Int32Array.of(2, 2, 3) });
 * // [Int32Array [0, 1], Int32Array [2], Int32Array [3]]
 * ```
 */
export function topologicalGenerations(input: EdgeList): Int32Array[] {
  const { nodes, offsets, count } = levels(input, 'topologicalGenerations');
  const result: Int32Array[] = new Array(count);
  for (let k = 0; k < count; k++) result[k] = nodes.subarray(offsets[k]!, offsets[k + 1]!);
  return result;
}

function levels(input: EdgeList, call: string): Generations {
  const csr = buildCsr(input, call);
  const { nodeCount: n, offsets, targets, indegree } = csr;
  // FIFO Kahn: nodes leave the queue in non-decreasing generation, so the predecessor that frees a
  // node is one of its latest, and its generation + 1 is the node's.
  const generation = new Int32Array(n);
  const queue = new Int32Array(n);
  let tail = 0;
  for (let v = 0; v < n; v++) if (indegree[v] === 0) queue[tail++] = v;
  let maxGeneration = -1;
  for (let head = 0; head < tail; head++) {
    const u = queue[head]!;
    const g = generation[u]! + 1;
    for (let e = offsets[u]!, end = offsets[u + 1]!; e < end; e++) {
      const v = targets[e]!;
      if (--indegree[v]! === 0) {
        generation[v] = g;
        queue[tail++] = v;
      }
    }
  }
  if (tail < n) throw new CycleError(cycleAmongUnplaced(csr, indegree));
  if (n > 0) maxGeneration = generation[queue[n - 1]!]!;
  const count = maxGeneration + 1;
  // Counting sort by generation, scanning indices ascending: each generation comes out sorted.
  const starts = new Int32Array(count + 1);
  for (let v = 0; v < n; v++) starts[generation[v]! + 1]!++;
  for (let k = 1; k <= count; k++) starts[k]! += starts[k - 1]!;
  const nodes = queue; // reuse: the FIFO is no longer needed
  const cursor = starts.slice(0, count);
  for (let v = 0; v < n; v++) nodes[cursor[generation[v]!]!++] = v;
  return { nodes, offsets: starts, generation, count };
}
