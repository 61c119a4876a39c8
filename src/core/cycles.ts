/**
 * Cycle finding: one cycle per strongly connected component (iterative Tarjan), cycles that
 * together take in every edge of each component (for the validator, which reports every mistake in
 * one pass), and the cycle that explains why a Kahn pass got stuck. No recursion: a million-node
 * cycle is fine.
 */
import { buildCsr, type Csr, type EdgeList } from './csr.js';

/**
 * Finds one cycle in every strongly connected component that has one: each component of two or
 * more nodes, and each node with an edge to itself (a cycle of one node).
 *
 * Deterministic: cycles are listed by their lowest node index, and each starts at that node and is
 * a shortest cycle through it (breadth-first over edges in input order). Each cycle lists distinct
 * nodes in order: every consecutive pair is an edge and the last node has an edge back to the first.
 * O(nodeCount + edges) time and memory.
 *
 * @param input - `{ nodeCount, from, to }`: edge `e` runs from `from[e]` to `to[e]`.
 * @returns One cycle per cyclic component, empty when the graph is acyclic.
 * @throws {@link ArgumentTypeError} `ERR_INVALID_ARG_TYPE` for arguments of the wrong type.
 * @throws {@link ArgumentRangeError} `ERR_OUT_OF_RANGE` / `ERR_INVALID_ARG_VALUE` for a bad
 *   `nodeCount`, an index outside `[0, nodeCount)` or arrays of different lengths.
 * @example
 * ```ts
 * // 0 → 1 → 2 → 0, 3 → 3, 4 → 5
 * findCycles({ nodeCount: 6, from: Int32Array.of(0, 1, 2, 3, 4), to: Int32Array.of(1, 2, 0, 3, 5) });
 * // [[0, 1, 2], [3]]
 * ```
 */
export function findCycles(input: EdgeList): number[][] {
  const csr = buildCsr(input, 'findCycles');
  const { nodeCount: n, offsets, targets } = csr;
  const component = cyclicComponents(csr);
  if (component === undefined) return [];
  const queue = new Int32Array(n);
  const size = new Int32Array(n);
  for (let v = 0; v < n; v++) if (component[v] !== -1) size[component[v]!]!++;
  const done = new Uint8Array(n); // per component
  const seen = new Uint8Array(n); // per node, for the search in hand (pathBack clears it after)
  const parent = new Int32Array(n);
  const cycles: number[][] = [];
  // Ascending node order: the first node met in a component is its lowest index.
  for (let s = 0; s < n; s++) {
    const c = component[s]!;
    if (c === -1 || done[c] === 1) continue;
    done[c] = 1;
    if (size[c] === 1) {
      let selfLoop = false;
      for (let e = offsets[s]!, end = offsets[s + 1]!; e < end; e++) {
        if (targets[e] === s) {
          selfLoop = true;
          break;
        }
      }
      if (selfLoop) cycles.push([s]);
      continue;
    }
    cycles.push(pathBack(csr, s, s, component, seen, parent, queue));
  }
  return cycles;
}

/**
 * The strongly connected components of the nodes that lie on cycles (-1 for the others), or
 * undefined for a DAG. A FIFO Kahn pass first: what it places is on no cycle. A DAG (what a
 * validator mostly sees) stops there, at about half the cost of Tarjan; otherwise Tarjan only
 * visits what is left. Consumes `csr.indegree`.
 */
function cyclicComponents(csr: Csr): Int32Array | undefined {
  const { nodeCount: n, offsets, targets } = csr;
  const remaining = csr.indegree;
  const queue = new Int32Array(n);
  let tail = 0;
  for (let v = 0; v < n; v++) if (remaining[v] === 0) queue[tail++] = v;
  for (let head = 0; head < tail; head++) {
    const u = queue[head]!;
    for (let e = offsets[u]!, end = offsets[u + 1]!; e < end; e++) {
      const v = targets[e]!;
      if (--remaining[v]! === 0) queue[tail++] = v;
    }
  }
  return tail === n ? undefined : stronglyConnectedComponents(csr, remaining);
}

/** What {@link coveringCycles} finds. */
export interface CoveringCycles {
  /** Cycles, each as {@link findCycles} lists one: distinct nodes in edge order, from the lowest. */
  cycles: number[][];
  /**
   * By cycle: on the last cycle listed for a component stopped at the cap, how many of its
   * dependencies (parallel edges counted once) lie on no listed cycle; else 0.
   */
  left: number[];
}

/**
 * Finds cycles that together take in every edge of every strongly connected component (parallel
 * edges count as one), at most `maxPerComponent` per component: two tasks that each read the other,
 * and a third that does the same with one of them, are two mistakes, and one pass should show both.
 *
 * Greedy: a component's first cycle is {@link findCycles}' (a shortest cycle through its lowest
 * node); then, for each edge `u → v` not yet on a listed cycle, in node and edge order, a shortest
 * path from `v` back to `u` inside the component closes one more. Components are listed by lowest
 * node, a component's cycles in the order found, each started at its lowest node. Time
 * O(nodeCount + edges) for a DAG, and O(maxPerComponent · (nodeCount + edges)) at worst.
 *
 * @param input - `{ nodeCount, from, to }`: edge `e` runs from `from[e]` to `to[e]`.
 * @param maxPerComponent - Cycles listed per component at most; the edges left are counted in `left`.
 * @returns The cycles and, for a component stopped at the cap, what was left out.
 * @throws As {@link findCycles}.
 * @example
 * ```ts
 * // 0 ↔ 1 and 0 ↔ 2: one component, two cycles.
 * coveringCycles({ nodeCount: 3, from: Int32Array.of(0, 1, 0, 2), to: Int32Array.of(1, 0, 2, 0) }, 20);
 * // { cycles: [[0, 1], [0, 2]], left: [0, 0] }
 * ```
 * @internal
 */
export function coveringCycles(input: EdgeList, maxPerComponent: number): CoveringCycles {
  const csr = buildCsr(input, 'coveringCycles');
  const found: CoveringCycles = { cycles: [], left: [] };
  const component = cyclicComponents(csr);
  if (component === undefined) return found;
  const { nodeCount: n, offsets, targets } = csr;
  const members = componentMembers(component);
  const covered = new Uint8Array(offsets[n]!);
  const seen = new Uint8Array(n);
  const parent = new Int32Array(n);
  const queue = new Int32Array(n);
  const listed = (cycle: number[]): void => {
    markCovered(csr, cycle, covered);
    found.cycles.push(cycle);
    found.left.push(0);
  };
  for (let m = 0; m < members.start.length - 1; m++) {
    const first = members.start[m]!;
    const end = members.start[m + 1]!;
    const s = members.nodes[first]!;
    const c = component[s]!;
    if (end - first === 1) {
      // A lone node is a component with a cycle only by an edge to itself.
      for (let e = offsets[s]!; e < offsets[s + 1]!; e++) {
        if (targets[e] === s) {
          listed([s]);
          break;
        }
      }
      continue;
    }
    listed(pathBack(csr, s, s, component, seen, parent, queue));
    let count = 1;
    let left = 0;
    for (let i = first; i < end; i++) {
      const u = members.nodes[i]!;
      for (let e = offsets[u]!; e < offsets[u + 1]!; e++) {
        const v = targets[e]!;
        if (covered[e] === 1 || component[v] !== c) continue;
        if (count === maxPerComponent) {
          markCovered(csr, [u, v], covered, 1);
          left++;
          continue;
        }
        const cycle = u === v ? [u] : [u, ...pathBack(csr, v, u, component, seen, parent, queue)];
        listed(startAtLowest(cycle));
        count++;
      }
    }
    found.left[found.left.length - 1] = left;
  }
  return found;
}

/**
 * The nodes of each cyclic component, grouped, ascending within each group, groups ordered by
 * their lowest node: group `m` is `nodes[start[m] .. start[m + 1])`.
 */
function componentMembers(component: Int32Array): { nodes: Int32Array; start: Int32Array } {
  const n = component.length;
  // Tarjan numbers components in completion order: renumber them by lowest node.
  const order = new Int32Array(n).fill(-1);
  let groups = 0;
  let total = 0;
  for (let v = 0; v < n; v++) {
    const c = component[v]!;
    if (c === -1) continue;
    total++;
    if (order[c] === -1) order[c] = groups++;
  }
  const start = new Int32Array(groups + 1);
  for (let v = 0; v < n; v++) if (component[v] !== -1) start[order[component[v]!]! + 1]!++;
  for (let g = 0; g < groups; g++) start[g + 1]! += start[g]!;
  const fill = start.slice(0, groups);
  const nodes = new Int32Array(total);
  for (let v = 0; v < n; v++) if (component[v] !== -1) nodes[fill[order[component[v]!]!]!++] = v;
  return { nodes, start };
}

/** Marks every edge of `cycle` (parallel edges too) as on a listed cycle; `steps` limits how many steps are marked. */
function markCovered(csr: Csr, cycle: readonly number[], covered: Uint8Array, steps = cycle.length): void {
  const { offsets, targets } = csr;
  for (let i = 0; i < steps; i++) {
    const a = cycle[i]!;
    const b = cycle[(i + 1) % cycle.length]!;
    for (let e = offsets[a]!; e < offsets[a + 1]!; e++) if (targets[e] === b) covered[e] = 1;
  }
}

function startAtLowest(cycle: number[]): number[] {
  let low = 0;
  for (let i = 1; i < cycle.length; i++) if (cycle[i]! < cycle[low]!) low = i;
  return low === 0 ? cycle : [...cycle.slice(low), ...cycle.slice(0, low)];
}

/**
 * A shortest path, inside `from`'s component, from `from` to a node with an edge into `to`, as its
 * nodes (`from` first); with `to` = `from`, a shortest cycle through it. Breadth-first over edges in input order; leaves `seen` clear again.
 */
function pathBack(csr: Csr, from: number, to: number, component: Int32Array, seen: Uint8Array, parent: Int32Array, queue: Int32Array): number[] {
  const { offsets, targets } = csr;
  const c = component[from]!;
  let head = 0;
  let tail = 0;
  queue[tail++] = from;
  seen[from] = 1;
  let last = -1;
  while (head < tail && last === -1) {
    const x = queue[head++]!;
    for (let e = offsets[x]!, end = offsets[x + 1]!; e < end; e++) {
      const w = targets[e]!;
      if (w === to) {
        last = x;
        break;
      }
      if (seen[w] === 0 && component[w] === c) {
        seen[w] = 1;
        parent[w] = x;
        queue[tail++] = w;
      }
    }
  }
  for (let i = 0; i < tail; i++) seen[queue[i]!] = 0;
  // Unreachable: inside a strongly connected component every node reaches every other.
  if (last === -1) throw new Error(`cycles: internal error, no path from node ${from} back to node ${to} in their component`);
  return pathFromRoot(parent, from, last);
}

/**
 * Labels strongly connected components with an iterative Tarjan: an explicit frame stack of
 * (node, next edge) replaces recursion.
 *
 * @param csr - The graph.
 * @param within - If given, only nodes with `within[v] !== 0` take part (others and the edges
 *   touching them are ignored, and get component -1).
 * @returns `component[v]`, numbered in the order Tarjan completes them (reverse topological order
 *   of the condensation).
 * @example
 * ```ts
 * stronglyConnectedComponents(buildCsr({ nodeCount: 2, from: Int32Array.of(0, 1), to: Int32Array.of(1, 0) }));
 * // Int32Array [0, 0]
 * ```
 * @internal
 */
export function stronglyConnectedComponents(csr: Csr, within?: Int32Array): Int32Array {
  const { nodeCount: n, offsets, targets } = csr;
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const component = new Int32Array(n).fill(-1);
  const stack = new Int32Array(n); // Tarjan's node stack; component[v] === -1 && index[v] >= 0 means on it
  const frameNode = new Int32Array(n);
  const frameEdge = new Int32Array(n);
  let counter = 0;
  let sp = 0;
  let components = 0;
  // Leaving a node out = marking it visited and finished, in no component: edges into it are then
  // neither tree edges nor edges to the stack.
  const outside = n; // component number stored for left-out nodes until the end
  if (within !== undefined) {
    for (let v = 0; v < n; v++) {
      if (within[v] === 0) {
        index[v] = 0;
        component[v] = outside;
      }
    }
  }
  for (let root = 0; root < n; root++) {
    if (index[root] !== -1) continue;
    let fp = 0;
    index[root] = low[root] = counter++;
    stack[sp++] = root;
    frameNode[0] = root;
    frameEdge[0] = offsets[root]!;
    fp = 1;
    while (fp > 0) {
      const v = frameNode[fp - 1]!;
      const e = frameEdge[fp - 1]!;
      if (e < offsets[v + 1]!) {
        frameEdge[fp - 1] = e + 1;
        const w = targets[e]!;
        if (index[w] === -1) {
          index[w] = low[w] = counter++;
          stack[sp++] = w;
          frameNode[fp] = w;
          frameEdge[fp] = offsets[w]!;
          fp++;
        } else if (component[w] === -1 && index[w]! < low[v]!) {
          // w is still on the stack (visited, not yet assigned): a back or cross edge inside the SCC.
          low[v] = index[w]!;
        }
        continue;
      }
      fp--;
      if (low[v] === index[v]) {
        let w: number;
        do {
          w = stack[--sp]!;
          component[w] = components;
        } while (w !== v);
        components++;
      }
      if (fp > 0) {
        const p = frameNode[fp - 1]!;
        if (low[v]! < low[p]!) low[p] = low[v]!;
      }
    }
  }
  if (within !== undefined) for (let v = 0; v < n; v++) if (component[v] === outside) component[v] = -1;
  return component;
}

function pathFromRoot(parent: Int32Array, s: number, x: number): number[] {
  const path: number[] = [];
  for (let y = x; y !== s; y = parent[y]!) path.push(y);
  path.push(s);
  return path.reverse();
}

/**
 * The cycle that stopped a Kahn pass: after the pass, the nodes with `remaining[v] > 0` are those
 * never placed, and each has a predecessor among them, so walking predecessors must repeat a node.
 * Walks from the lowest unplaced node to its lowest unplaced predecessor until a node repeats.
 *
 * @param csr - The graph.
 * @param remaining - In-degrees left after the pass (positive exactly for unplaced nodes).
 * @returns A cycle in edge order, rotated to start at its lowest node.
 * @example
 * ```ts
 * throw new CycleError(cycleAmongUnplaced(csr, indegreeLeft));
 * ```
 * @internal
 */
export function cycleAmongUnplaced(csr: Csr, remaining: Int32Array): number[] {
  const { nodeCount: n, offsets, targets } = csr;
  // pred[v]: lowest unplaced predecessor of unplaced v (tails are visited in ascending order).
  const pred = new Int32Array(n).fill(-1);
  let start = -1;
  for (let u = 0; u < n; u++) {
    if (remaining[u] === 0) continue;
    if (start === -1) start = u;
    for (let e = offsets[u]!, end = offsets[u + 1]!; e < end; e++) {
      const v = targets[e]!;
      if (remaining[v] !== 0 && pred[v] === -1) pred[v] = u;
    }
  }
  if (start === -1) throw new Error('cycleAmongUnplaced: internal error, every node was placed');
  // stepAt[v]: position of v on the walk, or -1.
  const stepAt = new Int32Array(n).fill(-1);
  const walk = new Int32Array(n);
  let length = 0;
  let x = start;
  while (stepAt[x] === -1) {
    stepAt[x] = length;
    walk[length++] = x;
    x = pred[x]!;
  }
  // The walk follows edges backwards: its looping part walk[first .. length) read from the end is
  // the cycle in edge order. Start it at its lowest node.
  const first = stepAt[x]!;
  let lowestAt = first;
  for (let i = first + 1; i < length; i++) if (walk[i]! < walk[lowestAt]!) lowestAt = i;
  const cycle: number[] = [];
  for (let i = lowestAt; i >= first; i--) cycle.push(walk[i]!);
  for (let i = length - 1; i > lowestAt; i--) cycle.push(walk[i]!);
  return cycle;
}
