import { describe, expect, it } from 'vitest';
import { topologicalGenerations, topologicalLevels } from '../../../src/core/generations.js';
import { ArgumentRangeError, CycleError } from '../../../src/errors.js';
import { chainrev, fan } from '../../../src/workload/shapes.js';
import { toInput } from './reference-impl.js';

describe('topologicalGenerations()', () => {
  it('groups nodes by longest path from a source, each generation sorted by index', () => {
    const g = toInput({ nodeCount: 6, edges: [[5, 0], [4, 0], [0, 1], [4, 1], [3, 2]] });
    expect(topologicalGenerations(g).map((a) => Array.from(a))).toEqual([[3, 4, 5], [0, 2], [1]]);
  });

  it('places a node by its latest predecessor', () => {
    const g = toInput({ nodeCount: 4, edges: [[0, 1], [1, 2], [0, 2], [2, 3], [0, 3]] });
    expect(topologicalGenerations(g).map((a) => Array.from(a))).toEqual([[0], [1], [2], [3]]);
  });

  it('gives the flat form with generation numbers', () => {
    const lv = topologicalLevels(toInput({ nodeCount: 4, edges: [[0, 2], [1, 2], [2, 3]] }));
    expect(lv.count).toBe(3);
    expect(Array.from(lv.nodes)).toEqual([0, 1, 2, 3]);
    expect(Array.from(lv.offsets)).toEqual([0, 2, 3, 4]);
    expect(Array.from(lv.generation)).toEqual([0, 0, 1, 2]);
  });

  it('handles an empty graph', () => {
    expect(topologicalGenerations(toInput({ nodeCount: 0, edges: [] }))).toEqual([]);
    const lv = topologicalLevels(toInput({ nodeCount: 0, edges: [] }));
    expect(lv.count).toBe(0);
    expect(Array.from(lv.offsets)).toEqual([0]);
  });

  it('gives fan three generations and a reversed chain one node per generation', () => {
    const f = topologicalGenerations(fan(100));
    expect(f.map((a) => a.length)).toEqual([1, 98, 1]);
    const c = topologicalLevels(chainrev(100_000));
    expect(c.count).toBe(100_000);
    expect(c.nodes[0]).toBe(99_999);
  });

  it('throws CycleError with the cycle in order', () => {
    const g = toInput({ nodeCount: 4, edges: [[0, 1], [1, 2], [2, 3], [3, 1]] });
    const call = (): unknown => topologicalGenerations(g);
    expect(call).toThrow(CycleError);
    try {
      call();
    } catch (err) {
      expect((err as CycleError).cycle).toEqual([1, 2, 3]);
    }
  });

  it('names itself in argument errors', () => {
    expect(() => topologicalLevels({ nodeCount: 1, from: Int32Array.of(0), to: Int32Array.of(1) })).toThrow(ArgumentRangeError);
    expect(() => topologicalGenerations({ nodeCount: 1, from: Int32Array.of(0), to: Int32Array.of(1) })).toThrow(
      /^topologicalGenerations: `to\[0\]` is 1 but nodeCount is 1/,
    );
  });
});
