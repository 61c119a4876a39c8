/**
 * A min-queue of distinct small integers (ranks) as a tree of 32-bit bitmaps: each bit of a level
 * says whether the 32-bit word below it is non-empty. With 32-way fan-out a million keys need 4
 * levels, so push and pop-min cost a handful of word operations on 131 KB of bitmap instead of
 * the ~20 dependent, cache-missing steps of a binary heap.
 */
import { ArgumentRangeError, describeValue } from '../errors.js';

/**
 * A set of integers in `[0, capacity)` that pops its smallest member first.
 *
 * Each key is present at most once. `push`, `popMin`, `delete` and `has` are O(log32 capacity);
 * memory is about `capacity / 8` bytes. Use it for a ready set when every node's rank (its place in
 * the final tie-break order) is known up front: the smallest ready rank is the node to run next.
 *
 * @example
 * ```ts
 * const q = new RankQueue(100);
 * q.push(42); q.push(7); q.push(99);
 * q.popMin(); // 7
 * q.popMin(); // 42
 * ```
 */
export class RankQueue {
  /** Keys must lie in `[0, capacity)`. */
  readonly capacity: number;
  /** All levels in one array; level 0 (one bit per key) starts at 0, the top level is last. */
  private readonly bits: Int32Array;
  /** Start of each level in `bits`, bottom (level 0) first. */
  private readonly levelStart: Int32Array;
  private readonly depth: number;
  private count = 0;
  /** Every key present is >= floor: the last key popped, lowered by pushes below it. */
  private floor = 0;

  /**
   * @param capacity - One more than the largest key: an integer in `[0, 2^31 - 1]`.
   * @throws {@link ArgumentRangeError} `ERR_OUT_OF_RANGE` if `capacity` is not such an integer.
   */
  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 0 || capacity > 0x7fffffff) {
      throw new ArgumentRangeError(`RankQueue: expected \`capacity\` to be an integer in [0, 2147483647], got ${describeValue(capacity)}`);
    }
    this.capacity = capacity;
    const starts: number[] = [];
    let total = 0;
    let words = Math.max(1, Math.ceil(capacity / 32));
    for (;;) {
      starts.push(total);
      total += words;
      if (words === 1) break;
      words = Math.ceil(words / 32);
    }
    this.bits = new Int32Array(total);
    this.levelStart = Int32Array.from(starts);
    this.depth = starts.length;
  }

  /** Number of keys present. */
  get size(): number {
    return this.count;
  }

  /**
   * Adds `key`. The caller guarantees `0 <= key < capacity` and that `key` is absent (this is the
   * hot path: it is not checked; {@link RankQueue.has} tells).
   *
   * @param key - The key to add.
   * @example
   * ```ts
   * q.push(3);
   * ```
   */
  push(key: number): void {
    const bits = this.bits;
    const levelStart = this.levelStart;
    const depth = this.depth;
    this.count++;
    if (key < this.floor) this.floor = key;
    let i = key;
    for (let l = 0; l < depth; l++) {
      const w = levelStart[l]! + (i >>> 5);
      const old = bits[w]!;
      bits[w] = old | (1 << (i & 31));
      // The word was non-empty, so every level above already has this path marked.
      if (old !== 0) return;
      i >>>= 5;
    }
  }

  /**
   * Removes and returns the smallest key.
   *
   * @returns The smallest key, or `-1` when empty.
   * @example
   * ```ts
   * const next = q.popMin();
   * ```
   */
  popMin(): number {
    if (this.count === 0) return -1;
    const key = this.findMin();
    this.clearKey(key);
    this.count--;
    this.floor = key;
    return key;
  }

  /**
   * The smallest key, without removing it.
   *
   * @returns The smallest key, or `-1` when empty.
   * @example
   * ```ts
   * if (q.peekMin() === 0) q.popMin();
   * ```
   */
  peekMin(): number {
    return this.count === 0 ? -1 : this.findMin();
  }

  /**
   * Whether `key` is present.
   *
   * @param key - Any number; out-of-range or non-integer keys are absent.
   * @returns `true` if present.
   * @example
   * ```ts
   * q.has(3);
   * ```
   */
  has(key: number): boolean {
    if (!(key >= 0 && key < this.capacity) || key !== (key | 0)) return false;
    return (this.bits[key >>> 5]! & (1 << (key & 31))) !== 0;
  }

  /**
   * Removes `key` if present.
   *
   * @param key - The key to remove.
   * @returns `true` if it was present.
   * @example
   * ```ts
   * q.delete(3);
   * ```
   */
  delete(key: number): boolean {
    if (!this.has(key)) return false;
    this.clearKey(key);
    this.count--;
    return true;
  }

  /**
   * Removes every key; O(capacity / 32).
   *
   * @example
   * ```ts
   * q.clear();
   * ```
   */
  clear(): void {
    this.bits.fill(0);
    this.count = 0;
    this.floor = 0;
  }

  private findMin(): number {
    const bits = this.bits;
    // Keys often leave in nearly ascending order (a wide layer, a fan): the minimum is then in the
    // bottom word holding `floor`, found with one load instead of a walk down every level.
    const w = this.floor >>> 5;
    const near = bits[w]!;
    if (near !== 0) return (w << 5) | (31 - Math.clz32(near & -near));
    const levelStart = this.levelStart;
    let i = 0;
    for (let l = this.depth - 1; l >= 0; l--) {
      const word = bits[levelStart[l]! + i]!;
      // Lowest set bit: word & -word isolates it, clz32 counts down to it.
      i = (i << 5) | (31 - Math.clz32(word & -word));
    }
    return i;
  }

  private clearKey(key: number): void {
    const bits = this.bits;
    const levelStart = this.levelStart;
    const depth = this.depth;
    let i = key;
    for (let l = 0; l < depth; l++) {
      const w = levelStart[l]! + (i >>> 5);
      const now = bits[w]! & ~(1 << (i & 31));
      bits[w] = now;
      // Still non-empty: the levels above keep their bit.
      if (now !== 0) return;
      i >>>= 5;
    }
  }
}
