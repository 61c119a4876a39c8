import { describe, expect, it } from 'vitest';
import { CycleError, JobGraphError, describeValue } from '../../src/errors.js';

describe('errors', () => {
  it('CycleError carries code CYCLE and the cycle, and says where it closes', () => {
    const err = new CycleError([3, 1, 2]);
    expect(err).toBeInstanceOf(JobGraphError);
    expect(err.code).toBe('CYCLE');
    expect(err.cycle).toEqual([3, 1, 2]);
    expect(err.message).toContain('3 → 1 → 2 → 3');
    expect(err.name).toBe('CycleError');
  });

  it('describeValue names the value and its type', () => {
    expect(describeValue(0)).toBe('`0` (number)');
    expect(describeValue(null)).toBe('`null` (null)');
    expect(describeValue('x')).toBe('`"x"` (string)');
  });
});
