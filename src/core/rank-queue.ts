/**
 * A min-queue of distinct small integers (ranks) as a tree of 32-bit bitmaps: each bit of a level
 * says whether the 32-bit word below it is non-empty. With 32-way fan-out a million keys need 4
 * levels, so push and pop-min cost a handful of word operations on 131 KB of bitmap instead of
 * the ~20 dependent, cache-missing steps of a binary heap.
 *
 * The operations are plain functions over typed arrays so a hot loop can hold the state in locals:
 * a short-lived object would not do, because V8 drops the hidden class of a class instance once no
 * instance is alive, and with it every optimised function that inlined its fields ("weak objects"
 * deopts: at 100,000 tasks that made each call 5-10x slower under the benchmark's forced GCs).
 */
import { ArgumentRangeError, describeValue } from '../errors.js';

/**
 * Layout of a rank queue for `capacity` keys: where each level starts in the bitmap array, bottom
 * level (one bit per key) first, the single top word last.
 *
 * @param capacity - Number of keys, an integer in `[0, 2^31 - 1]`.
 * @returns `levelStart` (one entry per level) and the total number of 32-bit words.
 * @example
 * ```ts
 * const { levelStart, words } = rankQueueLayout(1_000_000); // 4 levels, 33,825 words
 * const bits = new Int32Array(words);
 * ```
 */
export function rankQueueLayout(capacity: number): { levelStart: Int32Array; words: number } {
  const starts: number[] = [];
  let total = 0;
  let words = Math.max(1, Math.ceil(capacity / 32));
  for (;;) {
    starts.push(total);
    total += words;
    if (words === 1) break;
    words = Math.ceil(words / 32);
  }
  return { levelStart: Int32Array.from(starts), words: total };
}

/**
 * Adds `key` (absent, in range: not checked) to the bitmap tree.
 *
 * @param bits - The bitmap words.
 * @param levelStart - From {@link rankQueueLayout}.
 * @param key - The key.
 * @example
 * ```ts
 * rankPush(bits, levelStart, 42);
 * ```
 */
export function rankPush(bits: Int32Array, levelStart: Int32Array, key: number): void {
  const depth = levelStart.length;
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
 * The smallest key of a non-empty tree (the result is garbage when empty).
 *
 * @param bits - The bitmap words.
 * @param levelStart - From {@link rankQueueLayout}.
 * @param floor - A lower bound of every key present (0 always works); a close one saves the walk.
 * @returns The smallest key.
 * @example
 * ```ts
 * const min = rankFindMin(bits, levelStart, lastPopped);
 * ```
 */
export function rankFindMin(bits: Int32Array, levelStart: Int32Array, floor: number): number {
  // Keys often leave in nearly ascending order (a wide layer, a fan): the minimum is then in the
  // bottom word holding `floor`, found with one load instead of a walk down every level.
  const w = floor >>> 5;
  const near = bits[w]!;
  if (near !== 0) return (w << 5) | (31 - Math.clz32(near & -near));
  let i = 0;
  for (let l = levelStart.length - 1; l >= 0; l--) {
    const word = bits[levelStart[l]! + i]!;
    // Lowest set bit: word & -word isolates it, clz32 counts down to it.
    i = (i << 5) | (31 - Math.clz32(word & -word));
  }
  return i;
}

/**
 * Removes `key` (present: not checked) from the bitmap tree.
 *
 * @param bits - The bitmap words.
 * @param levelStart - From {@link rankQueueLayout}.
 * @param key - The key.
 * @example
 * ```ts
 * rankRemove(bits, levelStart, min);
 * ```
 */
export function rankRemove(bits: Int32Array, levelStart: Int32Array, key: number): void {
  const depth = levelStart.length;
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

/**
 * A set of integers in `[0, capacity)` that pops its smallest member first.
 *
 * Each key is present at most once. `push`, `popMin`, `delete` and `has` are O(log32 capacity);
 * memory is about `capacity / 8` bytes. Use it for a ready set when every node's rank (its place in
 * the final tie-break order) is known up front: the smallest ready rank is the node to run next.
 * Meant for long-lived use (an online scheduler); one-shot hot loops use {@link rankPush} and
 * friends on local arrays.
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
  private readonly bits: Int32Array;
  private readonly levelStart: Int32Array;
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
    const { levelStart, words } = rankQueueLayout(capacity);
    this.bits = new Int32Array(words);
    this.levelStart = levelStart;
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
    this.count++;
    if (key < this.floor) this.floor = key;
    rankPush(this.bits, this.levelStart, key);
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
    const key = rankFindMin(this.bits, this.levelStart, this.floor);
    rankRemove(this.bits, this.levelStart, key);
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
    return this.count === 0 ? -1 : rankFindMin(this.bits, this.levelStart, this.floor);
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
    rankRemove(this.bits, this.levelStart, key);
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
}
