/**
 * A binary heap of indices, where keys can change and entries can be withdrawn: a position array
 * makes `has`, `remove` and `update` O(1) / O(log n). The one heap of the cold paths (the
 * simulator's completions, the Gantt chart's slots); the Scheduler's hot ready set has its own,
 * specialised heaps (`src/scheduler/ready-queues.ts`).
 */
import { ArgumentRangeError, ArgumentTypeError, describeValue } from '../errors.js';

/**
 * Strict order on indices: `before(a, b)` is `true` when `a` must come out before `b`. It must be a
 * strict total order (irreflexive, transitive, and for `a !== b` exactly one of `before(a, b)` and
 * `before(b, a)` holds) — end every comparison with the index itself to make it so. Compute keys
 * into typed arrays beforehand and only read them here.
 */
export type Before = (a: number, b: number) => boolean;

/**
 * The usual ready-set order: higher `priority` first, ties to the lower index.
 *
 * @param priority - One key per index (read on every comparison, so later changes take effect after
 *   {@link IndexHeap.update}).
 * @returns A {@link Before} for {@link IndexHeap}.
 * @example
 * ```ts
 * const heap = new IndexHeap(n, byPriorityThenIndex(priority));
 * ```
 */
export function byPriorityThenIndex(priority: Int32Array): Before {
  return (a, b) => {
    const pa = priority[a]!;
    const pb = priority[b]!;
    return pa !== pb ? pa > pb : a < b;
  };
}

/**
 * A binary min-heap (by `before`) of distinct indices in `[0, capacity)`, on preallocated
 * `Int32Array`s. Sifting moves a hole instead of swapping; no allocation after construction.
 *
 * `push`, `pop`, `remove` and `update` are O(log size); `peek`, `has` and `size` O(1); `clear`
 * O(size). Memory: `8 · capacity` bytes.
 *
 * @example
 * ```ts
 * const priority = Int32Array.of(1, 5, 5);
 * const heap = new IndexHeap(3, byPriorityThenIndex(priority));
 * heap.push(0); heap.push(2); heap.push(1);
 * heap.pop(); // 1 (priority 5, lower index than 2)
 * heap.pop(); // 2
 * ```
 */
export class IndexHeap {
  /** Indices must lie in `[0, capacity)`. */
  readonly capacity: number;
  readonly #before: Before;
  /** heap[0 .. size) in heap order. */
  readonly #heap: Int32Array;
  /** pos[i]: where index i sits in #heap, or -1. */
  readonly #pos: Int32Array;
  #size = 0;

  /**
   * @param capacity - One more than the largest index: an integer in `[0, 2^31 - 1]`.
   * @param before - The order; see {@link Before}.
   * @throws {@link ArgumentRangeError} `ERR_OUT_OF_RANGE` for a bad `capacity`.
   * @throws {@link ArgumentTypeError} `ERR_INVALID_ARG_TYPE` if `before` is not a function.
   */
  constructor(capacity: number, before: Before) {
    if (!Number.isInteger(capacity) || capacity < 0 || capacity > 0x7fffffff) {
      throw new ArgumentRangeError(`IndexHeap: expected \`capacity\` to be an integer in [0, 2147483647], got ${describeValue(capacity)}`);
    }
    if (typeof before !== 'function') {
      throw new ArgumentTypeError(`IndexHeap: expected \`before\` to be a function (a, b) => boolean, got ${describeValue(before)}`);
    }
    this.capacity = capacity;
    this.#before = before;
    this.#heap = new Int32Array(capacity);
    this.#pos = new Int32Array(capacity).fill(-1);
  }

  /** Number of indices in the heap. */
  get size(): number {
    return this.#size;
  }

  /**
   * Adds index `i`.
   *
   * @param i - An integer in `[0, capacity)` not already in the heap.
   * @throws {@link ArgumentRangeError} `ERR_OUT_OF_RANGE` if `i` is out of range;
   *   `ERR_INVALID_ARG_VALUE` if it is already in the heap.
   * @example
   * ```ts
   * heap.push(7);
   * ```
   */
  push(i: number): void {
    if (!(i >= 0 && i < this.capacity) || i !== (i | 0)) this.#outOfRange('push', i);
    if (this.#pos[i] !== -1) {
      throw new ArgumentRangeError(`IndexHeap.push: index ${i} is already in the heap: call update(${i}) if its key changed`, 'ERR_INVALID_ARG_VALUE');
    }
    this.#siftUp(this.#size++, i);
  }

  /**
   * Removes and returns the first index by `before`.
   *
   * @returns The first index, or `-1` when empty.
   * @example
   * ```ts
   * for (let i = heap.pop(); i !== -1; i = heap.pop()) run(i);
   * ```
   */
  pop(): number {
    if (this.#size === 0) return -1;
    const heap = this.#heap;
    const top = heap[0]!;
    this.#pos[top] = -1;
    const last = heap[--this.#size]!;
    if (this.#size > 0) this.#siftDown(0, last);
    return top;
  }

  /**
   * The first index by `before`, left in place.
   *
   * @returns The first index, or `-1` when empty.
   * @example
   * ```ts
   * const next = heap.peek();
   * ```
   */
  peek(): number {
    return this.#size === 0 ? -1 : this.#heap[0]!;
  }

  /**
   * Whether index `i` is in the heap.
   *
   * @param i - Any number; out-of-range values are simply absent.
   * @returns `true` if present.
   * @example
   * ```ts
   * if (!heap.has(i)) heap.push(i);
   * ```
   */
  has(i: number): boolean {
    return i >= 0 && i < this.capacity && i === (i | 0) && this.#pos[i] !== -1;
  }

  /**
   * Removes index `i` if present.
   *
   * @param i - The index to remove.
   * @returns `true` if it was present.
   * @example
   * ```ts
   * heap.remove(canceledTask);
   * ```
   */
  remove(i: number): boolean {
    if (!this.has(i)) return false;
    const heap = this.#heap;
    const at = this.#pos[i]!;
    this.#pos[i] = -1;
    const last = heap[--this.#size]!;
    if (at < this.#size) this.#place(at, last);
    return true;
  }

  /**
   * Restores heap order after the key of index `i` changed (in either direction).
   *
   * @param i - An index in the heap.
   * @throws {@link ArgumentRangeError} `ERR_OUT_OF_RANGE` if out of range; `ERR_INVALID_ARG_VALUE`
   *   if not in the heap.
   * @example
   * ```ts
   * priority[i] = 10; heap.update(i);
   * ```
   */
  update(i: number): void {
    if (!(i >= 0 && i < this.capacity) || i !== (i | 0)) this.#outOfRange('update', i);
    const at = this.#pos[i]!;
    if (at === -1) throw new ArgumentRangeError(`IndexHeap.update: index ${i} is not in the heap: push(${i}) it first`, 'ERR_INVALID_ARG_VALUE');
    this.#place(at, i);
  }

  /**
   * Empties the heap in O(size).
   *
   * @example
   * ```ts
   * heap.clear();
   * ```
   */
  clear(): void {
    const heap = this.#heap;
    const pos = this.#pos;
    for (let k = 0; k < this.#size; k++) pos[heap[k]!] = -1;
    this.#size = 0;
  }

  /**
   * The indices in heap order (not sorted), as a copy; for snapshots and debugging.
   *
   * @returns A new `Int32Array` of the `size` indices present.
   * @example
   * ```ts
   * Array.from(heap.toArray()).sort((a, b) => a - b);
   * ```
   */
  toArray(): Int32Array {
    return this.#heap.slice(0, this.#size);
  }

  /** Puts `i` into the hole at `at`, moving it up or down as its key requires. */
  #place(at: number, i: number): void {
    if (at > 0 && this.#before(i, this.#heap[(at - 1) >> 1]!)) this.#siftUp(at, i);
    else this.#siftDown(at, i);
  }

  #siftUp(hole: number, i: number): void {
    const heap = this.#heap;
    const pos = this.#pos;
    const before = this.#before;
    while (hole > 0) {
      const parent = (hole - 1) >> 1;
      const p = heap[parent]!;
      if (!before(i, p)) break;
      heap[hole] = p;
      pos[p] = hole;
      hole = parent;
    }
    heap[hole] = i;
    pos[i] = hole;
  }

  #siftDown(hole: number, i: number): void {
    const heap = this.#heap;
    const pos = this.#pos;
    const before = this.#before;
    const size = this.#size;
    const half = size >> 1; // nodes at or after `half` are leaves
    while (hole < half) {
      let child = 2 * hole + 1;
      let c = heap[child]!;
      const right = child + 1;
      if (right < size) {
        const r = heap[right]!;
        if (before(r, c)) {
          child = right;
          c = r;
        }
      }
      if (!before(c, i)) break;
      heap[hole] = c;
      pos[c] = hole;
      hole = child;
    }
    heap[hole] = i;
    pos[i] = hole;
  }

  #outOfRange(call: string, i: number): never {
    throw new ArgumentRangeError(`IndexHeap.${call}: expected an integer index in [0, ${this.capacity}), got ${describeValue(i)}`);
  }
}
