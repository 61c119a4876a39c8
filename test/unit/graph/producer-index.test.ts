import { describe, expect, it } from 'vitest';
import { ProducerIndex } from '../../../src/graph/dependencies.js';

/** The gaps as the sorted indices give them: the rule gaps() must follow, dense or sparse. */
function gapsBySort(index: ProducerIndex, from: number): number[] {
  const out: number[] = [];
  let expected = from;
  for (const k of index.sortedIndices()) {
    if (k < from) continue;
    if (k > expected) out.push(expected, k);
    expected = k + 1;
  }
  return out;
}

function indexOf(indices: number[], dense: boolean): ProducerIndex {
  const highest = Math.max(-1, ...indices);
  // A highest index far past the count makes the index sparse (a Map).
  const index = dense ? new ProducerIndex(highest, indices.length) : new ProducerIndex(highest + 1_000_000, indices.length);
  indices.forEach((k, task) => index.set(k, task));
  return index;
}

describe('ProducerIndex.gaps', () => {
  it('gives each run of missing indices with the next index that has a producer, dense or sparse', () => {
    for (const dense of [true, false]) {
      const index = indexOf([0, 1, 4, 2, 9, 10, 12], dense);
      expect(index.gaps(0)).toEqual([3, 4, 5, 9, 11, 12]);
      // From a base (an addition's first new output): indices below it are not looked at.
      expect(index.gaps(3)).toEqual([3, 4, 5, 9, 11, 12]);
      expect(index.gaps(4)).toEqual([5, 9, 11, 12]);
      expect(index.gaps(5)).toEqual([5, 9, 11, 12]);
      expect(index.gaps(10)).toEqual([11, 12]);
      expect(index.gaps(13)).toEqual([]);
      expect(indexOf([2], dense).gaps(0)).toEqual([0, 2]);
      expect(indexOf([0, 1, 2], dense).gaps(0)).toEqual([]);
      expect(indexOf([], dense).gaps(0)).toEqual([]);
    }
  });

  it('agrees with the sorted indices on random sets', () => {
    let seed = 7;
    const random = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
    for (let round = 0; round < 300; round++) {
      const set = new Set<number>();
      for (let i = random(30); i > 0; i--) set.add(random(60));
      const indices = [...set];
      const from = random(70);
      for (const dense of [true, false]) expect(indexOf(indices, dense).gaps(from)).toEqual(gapsBySort(indexOf(indices, dense), from));
    }
  });
});
