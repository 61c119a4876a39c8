import { describe, expect, it } from 'vitest';
import { rankByPriority } from '../../../src/core/rank.js';

describe('rankByPriority()', () => {
  it('puts higher priorities first and ties by index', () => {
    const r = rankByPriority(Int32Array.of(5, 9, 5, -3, 9))!;
    expect(Array.from(r.nodeOfRank)).toEqual([1, 4, 0, 2, 3]);
    expect(Array.from(r.rank)).toEqual([2, 0, 3, 4, 1]);
  });

  it('returns null when all priorities are equal or there are none', () => {
    expect(rankByPriority(Int32Array.of(3, 3, 3))).toBeNull();
    expect(rankByPriority(new Int32Array(0))).toBeNull();
  });

  it('handles the whole int32 range (radix path)', () => {
    const p = Int32Array.of(0, 2147483647, -2147483648, 65536, -1, 2147483647, 65535);
    const r = rankByPriority(p)!;
    expect(Array.from(r.nodeOfRank)).toEqual([1, 5, 3, 6, 0, 4, 2]);
  });
});
