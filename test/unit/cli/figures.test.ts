import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fixed, plural } from '../../../src/cli/figures.js';

describe('fixed()', () => {
  it('never prints a negative zero', () => {
    expect(fixed(-1e-17, 1)).toBe('0.0');
    expect(fixed(-0, 0)).toBe('0');
    expect(fixed(-0.04, 1)).toBe('0.0');
    expect(fixed(-0.05001, 1)).toBe('-0.1');
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }), fc.integer({ min: 0, max: 4 }), (v, d) => {
        const text = fixed(v, d);
        expect(text).not.toMatch(/^-0(\.0*)?$/);
        expect(Number(text)).toBeCloseTo(v, d - 1);
      }),
    );
  });
});

describe('plural()', () => {
  it('says "1 job" and "2 jobs"', () => {
    expect(plural(1, 'job')).toBe('1 job');
    expect(plural(0, 'job')).toBe('0 jobs');
    expect(plural(2, 'task')).toBe('2 tasks');
    expect(plural(2, 'child', 'children')).toBe('2 children');
  });
});
