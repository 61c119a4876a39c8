/**
 * Ranks nodes by the tie-break order once, so a ready set only has to find the smallest rank.
 */

/**
 * The nodes sorted by priority (higher first), ties to the lower index, as a permutation and its
 * inverse: `nodeOfRank[r]` is the node in place `r`, `rank[v]` is the place of node `v`.
 */
export interface Ranking {
  /** `rank[v]`: place of node `v` in the order, 0 first. */
  readonly rank: Int32Array;
  /** `nodeOfRank[r]`: the node in place `r`. */
  readonly nodeOfRank: Int32Array;
}

/**
 * Sorts nodes by priority, higher first, ties to the lower index, in O(n): a counting sort when the
 * priorities span fewer than 2^16 values, else a stable two-pass radix sort on 16-bit digits.
 *
 * @param priority - One int32 priority per node (any value, negative included).
 * @returns The ranking, or `null` when every priority is equal (the order is then just the index).
 * @example
 * ```ts
 * rankByPriority(Int32Array.of(5, 9, 5)); // { rank: [1, 0, 2], nodeOfRank: [1, 0, 2] }
 * rankByPriority(Int32Array.of(3, 3));    // null
 * ```
 */
export function rankByPriority(priority: Int32Array): Ranking | null {
  const n = priority.length;
  if (n === 0) return null;
  let min = priority[0]!;
  let max = min;
  for (let i = 1; i < n; i++) {
    const p = priority[i]!;
    if (p < min) min = p;
    else if (p > max) max = p;
  }
  if (min === max) return null;
  const range = max - min; // up to 2^32 - 1: exact as a double
  const nodeOfRank = new Int32Array(n);
  if (range < 0x10000) {
    // Key max - p, so the highest priority gets key 0. Scanning i ascending keeps ties by index.
    const start = new Int32Array(range + 2);
    for (let i = 0; i < n; i++) start[max - priority[i]! + 1]!++;
    for (let k = 1; k <= range; k++) start[k + 1]! += start[k]!;
    for (let i = 0; i < n; i++) nodeOfRank[start[max - priority[i]!]!++] = i;
  } else {
    // Key (max - p) as uint32; LSD radix: low 16 bits, then high 16 bits, both stable.
    const tmp = new Int32Array(n);
    const count = new Int32Array(0x10001);
    for (let i = 0; i < n; i++) count[((max - priority[i]!) & 0xffff) + 1]!++;
    for (let k = 1; k <= 0xffff; k++) count[k + 1]! += count[k]!;
    for (let i = 0; i < n; i++) tmp[count[(max - priority[i]!) & 0xffff]!++] = i;
    count.fill(0);
    for (let i = 0; i < n; i++) count[((max - priority[i]!) >>> 16) + 1]!++;
    for (let k = 1; k <= 0xffff; k++) count[k + 1]! += count[k]!;
    for (let j = 0; j < n; j++) {
      const i = tmp[j]!;
      nodeOfRank[count[(max - priority[i]!) >>> 16]!++] = i;
    }
  }
  const rank = new Int32Array(n);
  for (let r = 0; r < n; r++) rank[nodeOfRank[r]!] = r;
  return { rank, nodeOfRank };
}
