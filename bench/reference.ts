/**
 * Bare typed-array references: the limit our core is measured against. No argument checks, no
 * cycle reporting beyond a thrown Error, nothing but the algorithm. CSR build included, so they
 * are timed on the same work as `topologicalOrder` (edge arrays in, order out).
 */

/** CSR adjacency plus in-degrees: the bare minimum a Kahn pass needs. */
export interface BareCsr {
  offsets: Int32Array;
  targets: Int32Array;
  indegree: Int32Array;
}

/**
 * Bare CSR build: count, prefix sum, fill (with a cursor array, the textbook way).
 *
 * @param n - Node count.
 * @param from - Edge tails.
 * @param to - Edge heads.
 * @returns The CSR arrays.
 */
export function bareCsr(n: number, from: Int32Array, to: Int32Array): BareCsr {
  const m = from.length;
  const offsets = new Int32Array(n + 1);
  const indegree = new Int32Array(n);
  for (let e = 0; e < m; e++) {
    offsets[from[e]! + 1]!++;
    indegree[to[e]!]!++;
  }
  for (let u = 0; u < n; u++) offsets[u + 1]! += offsets[u]!;
  const cursor = offsets.slice(0, n);
  const targets = new Int32Array(m);
  for (let e = 0; e < m; e++) targets[cursor[from[e]!]!++] = to[e]!;
  return { offsets, targets, indegree };
}

/**
 * Plain FIFO Kahn: ready nodes in the order they became ready (no tie rule). The order array is
 * the queue.
 *
 * @returns The order.
 * @throws Error if the graph has a cycle.
 */
export function plainKahn(n: number, from: Int32Array, to: Int32Array): Int32Array {
  const { offsets, targets, indegree } = bareCsr(n, from, to);
  const order = new Int32Array(n);
  let tail = 0;
  for (let v = 0; v < n; v++) if (indegree[v] === 0) order[tail++] = v;
  for (let head = 0; head < tail; head++) {
    const u = order[head]!;
    for (let e = offsets[u]!, end = offsets[u + 1]!; e < end; e++) {
      const v = targets[e]!;
      if (--indegree[v]! === 0) order[tail++] = v;
    }
  }
  if (tail < n) throw new Error('plainKahn: cycle');
  return order;
}

/**
 * Priority Kahn with a bare binary heap of indices (preallocated Int32Array, hole moved instead of
 * swapping): at every step the ready node with the highest priority, ties to the lower index.
 *
 * @returns The order.
 * @throws Error if the graph has a cycle.
 */
export function heapKahn(n: number, from: Int32Array, to: Int32Array, priority: Int32Array): Int32Array {
  const { offsets, targets, indegree } = bareCsr(n, from, to);
  const order = new Int32Array(n);
  const heap = new Int32Array(n);
  let size = 0;
  for (let v = 0; v < n; v++) {
    if (indegree[v] === 0) size = heapPush(heap, size, v, priority);
  }
  let placed = 0;
  while (size > 0) {
    const u = heap[0]!;
    size--;
    if (size > 0) heapSiftDown(heap, size, heap[size]!, priority);
    order[placed++] = u;
    for (let e = offsets[u]!, end = offsets[u + 1]!; e < end; e++) {
      const v = targets[e]!;
      if (--indegree[v]! === 0) size = heapPush(heap, size, v, priority);
    }
  }
  if (placed < n) throw new Error('heapKahn: cycle');
  return order;
}

function heapPush(heap: Int32Array, size: number, v: number, priority: Int32Array): number {
  let hole = size;
  const pv = priority[v]!;
  while (hole > 0) {
    const parent = (hole - 1) >> 1;
    const p = heap[parent]!;
    const pp = priority[p]!;
    if (pp > pv || (pp === pv && p < v)) break;
    heap[hole] = p;
    hole = parent;
  }
  heap[hole] = v;
  return size + 1;
}

function heapSiftDown(heap: Int32Array, size: number, v: number, priority: Int32Array): void {
  let hole = 0;
  const pv = priority[v]!;
  const half = size >> 1;
  while (hole < half) {
    let child = 2 * hole + 1;
    let c = heap[child]!;
    let pc = priority[c]!;
    const right = child + 1;
    if (right < size) {
      const r = heap[right]!;
      const pr = priority[r]!;
      if (pr > pc || (pr === pc && r < c)) {
        child = right;
        c = r;
        pc = pr;
      }
    }
    if (pv > pc || (pv === pc && v < c)) break;
    heap[hole] = c;
    hole = child;
  }
  heap[hole] = v;
}
