import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ArgumentRangeError, ArgumentTypeError } from '../../../src/errors.js';
import { simulate, simulateGrid, type SimJob } from '../../../src/simulate/simulator.js';

const LADDER: SimJob[] = [{ definition: JSON.parse(readFileSync('examples/ladder.json', 'utf8')) as unknown, arrival: 0 }];

describe('simulate: `seed` is an integer in [0, 4294967295], the noise generator\'s range', () => {
  // The seed was taken `| 0`: 2^32 + 1 ran as 1 and -1 as 4294967295, and 1.5 as 1, silently.
  it.each([2 ** 32, 2 ** 32 + 1, -1, 1.5, Number.NaN, Infinity, 1e300])('refuses seed %s with an ArgumentRangeError', (seed) => {
    const call = (): unknown => simulate(LADDER, { reservedUnits: 2, seed });
    expect(call).toThrow(ArgumentRangeError);
    expect(call).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE', message: expect.stringContaining('simulate: expected `seed` to be an integer in [0, 4294967295], got ') }));
  });

  it('refuses a seed that is no number with an ArgumentTypeError', () => {
    const call = (): unknown => simulate(LADDER, { reservedUnits: 2, seed: '7' as unknown as number });
    expect(call).toThrow(ArgumentTypeError);
    expect(call).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
  });

  it('refuses it in simulateGrid too, before any run', () => {
    expect(() => simulateGrid(LADDER, { policies: ['priority', 'fifo'], reservedUnits: [1, 2] }, { seed: 2 ** 32 + 1 })).toThrow(ArgumentRangeError);
  });

  it('takes the ends of the range and no seed, and a seed still decides the run', () => {
    const at = (seed?: number): number => simulate(LADDER, { reservedUnits: 2, ...(seed !== undefined ? { seed } : {}) }).makespan;
    expect(at()).toBe(at(1));
    expect(at(0)).not.toBe(at(2 ** 32 - 1));
    expect(at(2 ** 32 - 1)).toBe(at(2 ** 32 - 1));
  });
});
