import { describe, expect, it } from 'vitest';
import { closest, editDistance } from '../../../src/diagnostics/suggest.js';

describe('editDistance', () => {
  it('counts insertions, deletions, substitutions and adjacent transpositions as one edit each', () => {
    expect(editDistance('', '')).toBe(0);
    expect(editDistance('', 'run')).toBe(3);
    expect(editDistance('run', '')).toBe(3);
    expect(editDistance('validate', 'validate')).toBe(0);
    expect(editDistance('valdate', 'validate')).toBe(1);
    expect(editDistance('validatee', 'validate')).toBe(1);
    expect(editDistance('vaLidate', 'validate')).toBe(1);
    expect(editDistance('valdiate', 'validate')).toBe(1);
    expect(editDistance('expotr', 'export')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });

  it('is symmetric', () => {
    for (const [a, b] of [['serve', 'server'], ['concurency', 'concurrency'], ['abcd', 'badc'], ['x', 'generate']] as const) {
      expect(editDistance(a, b)).toBe(editDistance(b, a));
    }
  });
});

describe('closest', () => {
  const commands = ['validate', 'run', 'export', 'generate', 'serve', 'worker', 'simulate'];

  it('names the candidate a slip away', () => {
    expect(closest('valdate', commands)).toBe('validate');
    expect(closest('rnu', commands)).toBe('run');
    expect(closest('Serve', commands)).toBe('serve');
    expect(closest('simulte', commands)).toBe('simulate');
    expect(closest('concurency', ['concurrency', 'reserved-units'])).toBe('concurrency');
  });

  it('names nothing for another word, or for nothing to choose from', () => {
    expect(closest('frobnicate', commands)).toBeUndefined();
    expect(closest('nosuch', commands)).toBeUndefined();
    expect(closest('x', commands)).toBeUndefined();
    expect(closest('run', [])).toBeUndefined();
  });

  it('prefers the nearer candidate, then the earlier one', () => {
    expect(closest('sever', ['serve', 'server'])).toBe('server');
    expect(closest('ab', ['ac', 'ad'])).toBe('ac');
  });
});
