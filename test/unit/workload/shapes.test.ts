import { describe, expect, it } from 'vitest';
import { Mulberry32 } from '../../../src/workload/prng.js';
import { chain, chainrev, fan, layered, makeWorkload, media, SHAPES } from '../../../src/workload/shapes.js';
import { ArgumentRangeError, ArgumentTypeError } from '../../../src/errors.js';

/** layered(N) transcribed from docs/workloads.md, as plainly as possible. */
function specLayered(n: number): { edges: Array<[number, number]>; priority: number[] } {
  const rng = new Mulberry32(20240601);
  const L = Math.round(Math.sqrt(n));
  const start = (l: number): number => Math.floor((l * n) / L);
  const priority: number[] = [];
  for (let i = 0; i < n; i++) priority.push(rng.randInt(100));
  const edges: Array<[number, number]> = [];
  for (let l = 1; l < L; l++) {
    for (let i = start(l); i < start(l + 1); i++) {
      const preds: number[] = [];
      while (preds.length < 3) {
        const c = rng.next();
        const p = c < 0.2 ? rng.randInt(start(l)) : start(l - 1) + rng.randInt(start(l) - start(l - 1));
        if (!preds.includes(p)) preds.push(p);
      }
      for (const p of preds) edges.push([p, i]);
    }
  }
  return { edges, priority };
}

const pairs = (from: Int32Array, to: Int32Array): Array<[number, number]> => Array.from(from, (u, e) => [u, to[e]!]);

describe('workload shapes', () => {
  it('layered(20) is pinned', () => {
    const w = layered(20);
    expect(w.nodeCount).toBe(20);
    expect(Array.from(w.from)).toEqual([4, 2, 1, 2, 3, 0, 0, 2, 1, 2, 0, 3, 0, 2, 4, 4, 7, 6, 8, 6, 9, 4, 7, 5, 7, 6, 5, 8, 5, 7, 10, 12, 13, 10, 12, 14, 12, 10, 13, 13, 8, 14, 14, 13, 12]);
    expect(Array.from(w.to)).toEqual([5, 5, 5, 6, 6, 6, 7, 7, 7, 8, 8, 8, 9, 9, 9, 10, 10, 10, 11, 11, 11, 12, 12, 12, 13, 13, 13, 14, 14, 14, 15, 15, 15, 16, 16, 16, 17, 17, 17, 18, 18, 18, 19, 19, 19]);
    expect(Array.from(w.priority)).toEqual([35, 2, 68, 20, 43, 24, 82, 6, 99, 89, 69, 33, 9, 71, 44, 98, 65, 51, 29, 46]);
  });

  it('layered(N) matches a line-by-line transcription of the spec', () => {
    for (const n of [6, 9, 50, 101, 1_000, 10_007]) {
      const w = layered(n);
      const spec = specLayered(n);
      expect(pairs(w.from, w.to)).toEqual(spec.edges);
      expect(Array.from(w.priority)).toEqual(spec.priority);
    }
  });

  it('layered(N) has about 3 edges a task and the documented counts', () => {
    expect(layered(10_000).from.length).toBe(29_700);
    expect(layered(100_000).from.length).toBe(299_052);
  });

  it('layered with a cycle adds t → s, s reached by first-drawn predecessors', () => {
    const w = layered(20, { cycle: true });
    expect(w.cyclic).toBe(true);
    expect(w.from.length).toBe(46);
    // 19's first predecessor is 14, 14's is 8, 8's is 2 (layer 0).
    expect([w.from[45], w.to[45]]).toEqual([19, 2]);
    expect(pairs(w.from, w.to).slice(0, 45)).toEqual(pairs(layered(20).from, layered(20).to));
  });

  it('layered handles tiny N (fewer than 3 earlier tasks: as many as exist)', () => {
    expect(layered(0).from.length).toBe(0);
    expect(layered(2).from.length).toBe(0);
    expect(pairs(layered(3).from, layered(3).to)).toEqual([[0, 1], [0, 2]]);
    expect(layered(5).from.length).toBe(6);
  });

  it('fan(N): 0 → middle, then middle → N-1', () => {
    const w = fan(5);
    expect(pairs(w.from, w.to)).toEqual([[0, 1], [0, 2], [0, 3], [1, 4], [2, 4], [3, 4]]);
    expect(fan(10_000).from.length).toBe(19_996);
    expect(fan(2).from.length).toBe(0);
    expect(Array.from(fan(20).priority)).toEqual(Array.from(layered(20).priority));
  });

  it('chain and chainrev', () => {
    expect(pairs(chain(4).from, chain(4).to)).toEqual([[0, 1], [1, 2], [2, 3]]);
    expect(pairs(chainrev(4).from, chainrev(4).to)).toEqual([[1, 0], [2, 1], [3, 2]]);
    const c = chain(4, { cycle: true });
    expect(pairs(c.from, c.to)).toEqual([[0, 1], [1, 2], [2, 3], [3, 0]]);
    expect(Array.from(chainrev(20).priority)).toEqual(Array.from(chain(20).priority));
    expect(pairs(chain(1, { cycle: true }).from, chain(1, { cycle: true }).to)).toEqual([[0, 0]]);
  });

  it('media(N): jobs of ingest, 4 encodes, package, one priority per job', () => {
    const w = media(14);
    expect(w.jobCount).toBe(2);
    expect(pairs(w.from, w.to)).toEqual([
      [0, 1], [0, 2], [0, 3], [0, 4], [1, 5], [2, 5], [3, 5], [4, 5],
      [6, 7], [6, 8], [6, 9], [6, 10], [7, 11], [8, 11], [9, 11], [10, 11],
    ]);
    const rng = new Mulberry32();
    const p0 = rng.randInt(100);
    const p1 = rng.randInt(100);
    expect(Array.from(w.jobPriority)).toEqual([p0, p1]);
    expect(Array.from(w.priority)).toEqual([p0, p0, p0, p0, p0, p0, p1, p1, p1, p1, p1, p1, 0, 0]);
    expect(Array.from(w.jobOf)).toEqual([0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, -1, -1]);
    expect(media(1_000_000).from.length).toBe(1_333_328);
  });

  it('is deterministic: the same call gives the same arrays', () => {
    for (const shape of SHAPES) {
      const a = makeWorkload(shape, 3_000);
      const b = makeWorkload(shape, 3_000);
      expect(a.from).toEqual(b.from);
      expect(a.to).toEqual(b.to);
      expect(a.priority).toEqual(b.priority);
    }
  });

  it('makeWorkload dispatches and rejects what the spec does not define', () => {
    expect(makeWorkload('chain', 5, { cycle: true }).cyclic).toBe(true);
    expect(() => makeWorkload('fan', 5, { cycle: true })).toThrow(ArgumentRangeError);
    expect(() => makeWorkload('fan', 5, { cycle: true })).toThrow('makeWorkload: shape `"fan"` (string) has no cyclic variant: use one of layered, chain');
    expect(() => makeWorkload('star' as never, 5)).toThrow(/unknown shape/);
    expect(() => layered(-1)).toThrow('layered: expected the task count to be an integer in [0, 2147483647], got `-1` (number)');
    expect(() => chain(0, { cycle: true })).toThrow(ArgumentRangeError);
  });

  it('refuses options that are not an object with ERR_INVALID_ARG_TYPE (regression: a raw TypeError)', () => {
    for (const [call, f] of [['makeWorkload', () => makeWorkload('chain', 5, null as never)], ['layered', () => layered(5, null as never)], ['chain', () => chain(5, 7 as never)]] as const) {
      let err: unknown;
      try {
        f();
      } catch (e) {
        err = e;
      }
      expect(err, call).toBeInstanceOf(ArgumentTypeError);
      expect(err).toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
      expect((err as Error).message).toMatch(new RegExp(`^${call}: expected \`options\` to be an object, got `));
    }
  });
});
