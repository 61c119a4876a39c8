/**
 * Deliberately simple references for the core's tests: quadratic scans, no cleverness, easy to
 * check by eye.
 */

/** Edge list as plain arrays, for readable test inputs. */
export interface SmallGraph {
  nodeCount: number;
  edges: ReadonlyArray<readonly [number, number]>;
}

/** The typed-array input the core takes. */
export function toInput(g: SmallGraph): { nodeCount: number; from: Int32Array; to: Int32Array } {
  return {
    nodeCount: g.nodeCount,
    from: Int32Array.from(g.edges, (e) => e[0]),
    to: Int32Array.from(g.edges, (e) => e[1]),
  };
}

/**
 * At every step scans all nodes for the ready one with the highest priority, ties to the lower
 * index. Returns null when it gets stuck (a cycle).
 */
export function referenceOrder(g: SmallGraph, priority?: ArrayLike<number>): number[] | null {
  const n = g.nodeCount;
  const remaining = new Array<number>(n).fill(0);
  for (const [, v] of g.edges) remaining[v]!++;
  const placed = new Array<boolean>(n).fill(false);
  const order: number[] = [];
  for (let step = 0; step < n; step++) {
    let best = -1;
    for (let v = 0; v < n; v++) {
      if (placed[v] || remaining[v] !== 0) continue;
      if (best === -1 || (priority !== undefined && priority[v]! > priority[best]!)) best = v;
    }
    if (best === -1) return null;
    placed[best] = true;
    order.push(best);
    for (const [u, v] of g.edges) if (u === best) remaining[v]!--;
  }
  return order;
}

/** Generation of each node by its definition: all predecessors in earlier ones, one in k - 1. */
export function referenceGenerations(g: SmallGraph): number[][] | null {
  const n = g.nodeCount;
  const gen = new Array<number>(n).fill(-1);
  let assigned = 0;
  const result: number[][] = [];
  for (let k = 0; assigned < n; k++) {
    const layer: number[] = [];
    for (let v = 0; v < n; v++) {
      if (gen[v] !== -1) continue;
      const preds = g.edges.filter((e) => e[1] === v).map((e) => e[0]);
      if (preds.every((u) => gen[u] !== -1 && gen[u]! < k)) layer.push(v);
    }
    if (layer.length === 0) return null;
    for (const v of layer) gen[v] = k;
    assigned += layer.length;
    result.push(layer);
  }
  return result;
}

/** Three-colour DFS (recursive: test graphs are small). */
export function referenceHasCycle(g: SmallGraph): boolean {
  const n = g.nodeCount;
  const colour = new Array<number>(n).fill(0);
  const succ: number[][] = Array.from({ length: n }, () => []);
  for (const [u, v] of g.edges) succ[u]!.push(v);
  const visit = (u: number): boolean => {
    colour[u] = 1;
    for (const v of succ[u]!) {
      if (colour[v] === 1) return true;
      if (colour[v] === 0 && visit(v)) return true;
    }
    colour[u] = 2;
    return false;
  };
  for (let v = 0; v < n; v++) if (colour[v] === 0 && visit(v)) return true;
  return false;
}

/** Strongly connected components by mutual reachability (cubic, fine for small graphs). */
export function referenceComponents(g: SmallGraph): number[][] {
  const n = g.nodeCount;
  const reach = Array.from({ length: n }, (_, i) => {
    const r = new Array<boolean>(n).fill(false);
    r[i] = true;
    return r;
  });
  for (let changed = true; changed; ) {
    changed = false;
    for (const [u, v] of g.edges) {
      for (let s = 0; s < n; s++) {
        if (reach[s]![u] && !reach[s]![v]) {
          reach[s]![v] = true;
          changed = true;
        }
      }
    }
  }
  const seen = new Array<boolean>(n).fill(false);
  const components: number[][] = [];
  for (let s = 0; s < n; s++) {
    if (seen[s]) continue;
    const c: number[] = [];
    for (let v = s; v < n; v++) if (reach[s]![v] && reach[v]![s]) (c.push(v), (seen[v] = true));
    components.push(c);
  }
  return components;
}

/** Whether `cycle` is a real cycle of g: distinct nodes, each consecutive pair and the closing pair an edge. */
export function isRealCycle(g: SmallGraph, cycle: readonly number[]): boolean {
  if (cycle.length === 0 || new Set(cycle).size !== cycle.length) return false;
  const has = (u: number, v: number): boolean => g.edges.some((e) => e[0] === u && e[1] === v);
  for (let i = 0; i < cycle.length; i++) if (!has(cycle[i]!, cycle[(i + 1) % cycle.length]!)) return false;
  return true;
}

/** Whether every edge goes forward in `order`, and `order` is a permutation of 0..n-1. */
export function respectsEdges(g: SmallGraph, order: ArrayLike<number>): boolean {
  if (order.length !== g.nodeCount) return false;
  const at = new Array<number>(g.nodeCount).fill(-1);
  for (let i = 0; i < order.length; i++) {
    const v = order[i]!;
    if (v < 0 || v >= g.nodeCount || at[v] !== -1) return false;
    at[v] = i;
  }
  return g.edges.every(([u, v]) => at[u]! < at[v]!);
}
