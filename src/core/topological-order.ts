/**
 * The offline plan: a topological order that, at every step, places the ready node with the highest
 * priority, ties to the lower index.
 */
import { CycleError } from '../errors.js';
import { buildCsr, readEdgeList, type Csr, type EdgeList } from './csr.js';
import { cycleAmongUnplaced } from './cycles.js';
import { rankByPriority } from './rank.js';
import { rankFindMin, rankPush, rankQueueLayout, rankRemove } from './rank-queue.js';

/** Arguments of {@link topologicalOrder}. */
export interface OrderInput extends EdgeList {
  /**
   * One int32 per node, higher placed first among ready nodes.
   * @defaultValue all equal: the smallest ready index goes first
   */
  readonly priority?: Int32Array | undefined;
}

/**
 * Orders the nodes so every edge goes forward. At every step it places, among the ready nodes (all
 * predecessors placed), the one with the highest `priority`, ties to the lower index; without
 * `priority`, the lowest ready index (the lexicographically smallest topological order, not FIFO
 * Kahn). Deterministic, O((nodeCount + edges) + placements · log32 nodeCount), no recursion.
 *
 * How: the ready set starts as a binary heap keyed by (priority, index); once more than 4,096 nodes
 * are ready, the nodes are ranked by (priority desc, index asc) with an O(n) counting or radix sort
 * and the ready set becomes a 32-way bitmap tree of ranks (see {@link RankQueue}), where the next
 * node is simply the smallest ready rank. Without priority the bitmap tree is keyed by index from
 * the start. A node that is the only one ready skips the queue altogether (a chain never touches it).
 *
 * @param input - `{ nodeCount, from, to, priority? }`: edge `e` runs from `from[e]` to `to[e]`.
 * @returns A new `Int32Array` of the `nodeCount` node indices in order.
 * @throws {@link CycleError} `CYCLE` if the graph has a cycle; `cycle` lists its nodes in order,
 *   starting at its lowest index.
 * @throws {@link ArgumentTypeError} `ERR_INVALID_ARG_TYPE` for arguments of the wrong type (arrays
 *   must be `Int32Array`s).
 * @throws {@link ArgumentRangeError} `ERR_OUT_OF_RANGE` for a bad `nodeCount` or an edge index outside
 *   `[0, nodeCount)`; `ERR_INVALID_ARG_VALUE` for arrays of the wrong length.
 * @example
 * ```ts
 * // 0 → 2, 1 → 2; node 1 has the higher priority
 * topologicalOrder({ nodeCount: 3, from: Int32Array.of(0, 1), to: Int32Array.of(2, 2), priority: Int32Array.of(0, 5, 0) });
 * // Int32Array [1, 0, 2]
 * ```
 */
export function topologicalOrder(input: OrderInput): Int32Array {
  return orderWithHeapLimit(input, HEAP_LIMIT);
}

/**
 * {@link topologicalOrder} with the heap-to-rank switch point as a parameter, so tests can drive
 * both phases on small graphs. Same result for every `heapLimit`.
 *
 * @param input - As for {@link topologicalOrder}.
 * @param heapLimit - Largest ready set kept in the binary heap; 0 switches to ranks as soon as a node
 *   has to wait in the heap.
 * @returns As for {@link topologicalOrder}.
 * @throws As {@link topologicalOrder}.
 * @example
 * ```ts
 * expect(orderWithHeapLimit(input, 0)).toEqual(orderWithHeapLimit(input, 1 << 30));
 * ```
 * @internal
 */
export function orderWithHeapLimit(input: OrderInput, heapLimit: number): Int32Array {
  const call = 'topologicalOrder';
  // Read once: a getter must not answer one thing to the checks and another to the loops.
  const args = readEdgeList(call, input, true);
  const priority = args.priority;
  const csr = buildCsr(args, call);
  const order = new Int32Array(csr.nodeCount);
  // All-equal priorities order by index alone: one early-exit scan decides it.
  const placed = priority === undefined || allEqual(priority) ? orderByIndex(csr, order) : orderByPriority(csr, priority, order, heapLimit);
  if (placed < csr.nodeCount) throw new CycleError(cycleAmongUnplaced(csr, csr.indegree));
  return order;
}

/**
 * Kahn's algorithm taking the lowest ready index each step. Consumes `csr.indegree`.
 *
 * @returns How many nodes were placed (less than `nodeCount` when a cycle stopped it).
 */
function orderByIndex(csr: Csr, order: Int32Array): number {
  const { nodeCount: n, offsets, targets, indegree } = csr;
  // The ready set: a bitmap tree keyed by node index (see rank-queue.ts), held in locals.
  const { levelStart, words } = rankQueueLayout(n);
  const bits = new Int32Array(words);
  let size = 0;
  let floor = 0; // every ready index is >= floor
  for (let v = 0; v < n; v++) {
    if (indegree[v] === 0) {
      rankPush(bits, levelStart, v);
      size++;
    }
  }
  let placed = 0;
  // `next` holds a node that is the only ready one, so it skips the queue: on deep narrow graphs
  // (a chain) the queue is never touched.
  let next = -1;
  for (;;) {
    let u: number;
    if (next !== -1) {
      u = next;
      next = -1;
    } else if (size !== 0) {
      u = rankFindMin(bits, levelStart, floor);
      rankRemove(bits, levelStart, u);
      size--;
      floor = u;
    } else break;
    order[placed++] = u;
    let fresh = -1;
    for (let e = offsets[u]!, end = offsets[u + 1]!; e < end; e++) {
      const v = targets[e]!;
      if (--indegree[v]! === 0) {
        if (fresh === -1) fresh = v;
        else {
          rankPush(bits, levelStart, v);
          size++;
          if (v < floor) floor = v;
        }
      }
    }
    if (fresh !== -1) {
      if (size === 0) next = fresh;
      else {
        rankPush(bits, levelStart, fresh);
        size++;
        if (fresh < floor) floor = fresh;
      }
    }
  }
  return placed;
}

/**
 * Ready sets up to this size stay in a binary heap keyed by (priority, index) directly; past it the
 * nodes are ranked once (O(n)) and the ready set moves to a bitmap tree of ranks (rank-queue.ts).
 * Narrow graphs (a chain: one ready node at a time) never pay for the ranking, which costs about as
 * much as their whole Kahn pass; wide ones run 2-3x faster on ranks than on a heap (1M tasks: fan
 * 140 ms vs 410 ms, media 92 ms vs 171 ms). A heap of a few thousand entries still sits in L1 and
 * keeps up: on layered(1M), a thousand or two ready at a time, switching at 256 was 15 % slower
 * than staying on the heap, which 4096 does (bench, 2026-11).
 */
const HEAP_LIMIT = 4096;

/**
 * Kahn's algorithm taking the highest-priority ready node, ties to the lower index. Starts on a
 * binary heap and switches to ranks once the ready set outgrows {@link HEAP_LIMIT}. Consumes
 * `csr.indegree`.
 *
 * @returns How many nodes were placed (less than `nodeCount` when a cycle stopped it).
 */
function orderByPriority(csr: Csr, priority: Int32Array, order: Int32Array, heapLimit: number): number {
  const { nodeCount: n, offsets, targets, indegree } = csr;
  const heap = new Int32Array(n);
  let size = 0;
  for (let v = 0; v < n; v++) if (indegree[v] === 0) size = heapPush(heap, size, v, priority);
  let placed = 0;
  let next = -1;
  while (size <= heapLimit) {
    let u: number;
    if (next !== -1) {
      u = next;
      next = -1;
    } else if (size !== 0) {
      u = heap[0]!;
      size--;
      if (size !== 0) heapSiftDown(heap, size, heap[size]!, priority);
    } else return placed;
    order[placed++] = u;
    let fresh = -1;
    for (let e = offsets[u]!, end = offsets[u + 1]!; e < end; e++) {
      const v = targets[e]!;
      if (--indegree[v]! === 0) {
        if (fresh === -1) fresh = v;
        else size = heapPush(heap, size, v, priority);
      }
    }
    if (fresh !== -1) {
      if (size === 0) next = fresh;
      else size = heapPush(heap, size, fresh, priority);
    }
  }
  // `next` is only set when the heap is empty, so here it is -1 and the heap holds the ready set.
  const { rank, nodeOfRank } = rankByPriority(priority)!;
  const { levelStart, words } = rankQueueLayout(n);
  const bits = new Int32Array(words);
  for (let k = 0; k < size; k++) rankPush(bits, levelStart, rank[heap[k]!]!);
  return orderByRank(csr, rank, nodeOfRank, order, bits, levelStart, size, placed);
}

/** Adds v to the heap (higher priority, then lower index, on top); returns the new size. */
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

/** Moves v down from the root's hole of a heap of `size` entries. */
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

function allEqual(priority: Int32Array): boolean {
  const n = priority.length;
  if (n === 0) return true;
  const p0 = priority[0]!;
  for (let i = 1; i < n; i++) if (priority[i] !== p0) return false;
  return true;
}

/**
 * Kahn's algorithm taking the smallest ready rank each step, continuing from `placed` nodes already
 * placed with `size` ready ranks in the bitmap tree `bits`. Consumes `csr.indegree`.
 *
 * @returns How many nodes were placed (less than `nodeCount` when a cycle stopped it).
 */
function orderByRank(
  csr: Csr,
  rank: Int32Array,
  nodeOfRank: Int32Array,
  order: Int32Array,
  bits: Int32Array,
  levelStart: Int32Array,
  size: number,
  placed: number,
): number {
  const { offsets, targets, indegree } = csr;
  let floor = 0; // every ready rank is >= floor
  let next = -1;
  for (;;) {
    let u: number;
    if (next !== -1) {
      u = next;
      next = -1;
    } else if (size !== 0) {
      const r = rankFindMin(bits, levelStart, floor);
      rankRemove(bits, levelStart, r);
      size--;
      floor = r;
      u = nodeOfRank[r]!;
    } else break;
    order[placed++] = u;
    let fresh = -1;
    for (let e = offsets[u]!, end = offsets[u + 1]!; e < end; e++) {
      const v = targets[e]!;
      if (--indegree[v]! === 0) {
        if (fresh === -1) fresh = v;
        else {
          const r = rank[v]!;
          rankPush(bits, levelStart, r);
          size++;
          if (r < floor) floor = r;
        }
      }
    }
    if (fresh !== -1) {
      if (size === 0) next = fresh;
      else {
        const r = rank[fresh]!;
        rankPush(bits, levelStart, r);
        size++;
        if (r < floor) floor = r;
      }
    }
  }
  return placed;
}
