import { describe, expect, it } from 'vitest';
import { RankQueue } from '../../../src/core/rank-queue.js';
import { ArgumentRangeError } from '../../../src/errors.js';

describe('RankQueue', () => {
  it('pops keys smallest first', () => {
    const q = new RankQueue(100);
    for (const k of [42, 7, 99, 0, 63, 64, 31, 32]) q.push(k);
    expect(q.size).toBe(8);
    const out: number[] = [];
    for (let k = q.popMin(); k !== -1; k = q.popMin()) out.push(k);
    expect(out).toEqual([0, 7, 31, 32, 42, 63, 64, 99]);
    expect(q.size).toBe(0);
  });

  it('answers -1 when empty', () => {
    const q = new RankQueue(5);
    expect(q.popMin()).toBe(-1);
    expect(q.peekMin()).toBe(-1);
    expect(new RankQueue(0).popMin()).toBe(-1);
  });

  it('works across all levels of a large capacity, including a key pushed below the last pop', () => {
    const cap = 40_000; // 3 levels
    const q = new RankQueue(cap);
    q.push(cap - 1);
    q.push(20_000);
    expect(q.popMin()).toBe(20_000);
    q.push(5);
    expect(q.peekMin()).toBe(5);
    expect(q.popMin()).toBe(5);
    expect(q.popMin()).toBe(cap - 1);
  });

  it('has(), delete() and clear()', () => {
    const q = new RankQueue(70);
    q.push(3);
    q.push(69);
    expect(q.has(3)).toBe(true);
    expect(q.has(4)).toBe(false);
    expect(q.has(-1)).toBe(false);
    expect(q.has(70)).toBe(false);
    expect(q.has(3.5)).toBe(false);
    expect(q.delete(3)).toBe(true);
    expect(q.delete(3)).toBe(false);
    expect(q.peekMin()).toBe(69);
    q.clear();
    expect(q.size).toBe(0);
    expect(q.popMin()).toBe(-1);
    q.push(10);
    expect(q.popMin()).toBe(10);
  });

  it('rejects a bad capacity with ERR_OUT_OF_RANGE', () => {
    expect(() => new RankQueue(-1)).toThrow(ArgumentRangeError);
    expect(() => new RankQueue(1.5)).toThrow(/RankQueue: expected `capacity` to be an integer in \[0, 2147483647\], got `1.5` \(number\)/);
  });
});
