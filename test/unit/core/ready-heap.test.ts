import { describe, expect, it } from 'vitest';
import { byPriorityThenIndex, IndexHeap } from '../../../src/core/ready-heap.js';
import { ArgumentRangeError, ArgumentTypeError } from '../../../src/errors.js';

function drain(heap: IndexHeap): number[] {
  const out: number[] = [];
  for (let i = heap.pop(); i !== -1; i = heap.pop()) out.push(i);
  return out;
}

describe('IndexHeap', () => {
  it('pops by priority, then lower index', () => {
    const priority = Int32Array.of(1, 5, 5, -7, 9, 1);
    const heap = new IndexHeap(6, byPriorityThenIndex(priority));
    for (const i of [0, 3, 2, 5, 1, 4]) heap.push(i);
    expect(heap.size).toBe(6);
    expect(heap.peek()).toBe(4);
    expect(drain(heap)).toEqual([4, 1, 2, 0, 5, 3]);
    expect(heap.size).toBe(0);
    expect(heap.pop()).toBe(-1);
    expect(heap.peek()).toBe(-1);
  });

  it('has(), remove() and update() keep heap order', () => {
    const priority = Int32Array.of(0, 1, 2, 3, 4, 5, 6, 7);
    const heap = new IndexHeap(8, byPriorityThenIndex(priority));
    for (let i = 0; i < 8; i++) heap.push(i);
    expect(heap.has(3)).toBe(true);
    expect(heap.remove(3)).toBe(true);
    expect(heap.remove(3)).toBe(false);
    expect(heap.has(3)).toBe(false);
    expect(heap.has(99)).toBe(false);
    priority[0] = 100;
    heap.update(0);
    priority[7] = -1;
    heap.update(7);
    expect(drain(heap)).toEqual([0, 6, 5, 4, 2, 1, 7]);
  });

  it('clear() empties it and lets indices be pushed again', () => {
    const heap = new IndexHeap(4, (a, b) => a < b);
    heap.push(2);
    heap.push(1);
    heap.clear();
    expect(heap.size).toBe(0);
    expect(heap.has(1)).toBe(false);
    heap.push(1);
    expect(Array.from(heap.toArray())).toEqual([1]);
  });

  it('rejects out-of-range, duplicate and absent indices with codes', () => {
    const heap = new IndexHeap(3, (a, b) => a < b);
    expect(() => heap.push(3)).toThrow(ArgumentRangeError);
    expect(() => heap.push(-1)).toThrow('IndexHeap.push: expected an integer index in [0, 3), got `-1` (number)');
    expect(() => heap.push(0.5)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    heap.push(1);
    expect(() => heap.push(1)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
    expect(() => heap.push(1)).toThrow('IndexHeap.push: index 1 is already in the heap: call update(1) if its key changed');
    expect(() => heap.update(2)).toThrow('IndexHeap.update: index 2 is not in the heap: push(2) it first');
    expect(() => new IndexHeap(-1, (a, b) => a < b)).toThrow(ArgumentRangeError);
    expect(() => new IndexHeap(3, null as never)).toThrow(ArgumentTypeError);
  });
});
