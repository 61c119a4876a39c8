import { describe, expect, it } from 'vitest';
import { isoOf, isoOrNull } from '../../../src/scheduler/views.js';

describe('the ISO times of views', () => {
  it('formats each time as Date does, whether it was formatted lately or not', () => {
    // More distinct times than are kept, in an order that revisits old and recent ones.
    const times = [0, 1, 1_700_000_000_000, 1_700_000_000_001, 1, 1_700_000_000_002, 0, 86_400_000, 1_700_000_000_000, 1_700_000_000_000, 8.64e15, -1];
    for (const ms of times) expect(isoOf(ms)).toBe(new Date(ms).toISOString());
    expect(isoOrNull(NaN)).toBeNull();
    expect(isoOrNull(5)).toBe('1970-01-01T00:00:00.005Z');
  });

  it('throws as Date does for a time it cannot show', () => {
    expect(() => isoOf(8.64e15 + 1)).toThrow(RangeError);
  });
});
