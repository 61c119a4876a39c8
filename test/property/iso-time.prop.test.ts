import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isoOf } from '../../src/scheduler/views.js';

// The seed is fixed by test/setup.ts in CI (FC_SEED replays a failure).

/** What Date says of a time: its ISO text, or the error it throws. */
function byDate(ms: number): string {
  try {
    return new Date(ms).toISOString();
  } catch (err) {
    return `throws ${(err as Error).name}`;
  }
}

function byIsoOf(ms: number): string {
  try {
    return isoOf(ms);
  } catch (err) {
    return `throws ${(err as Error).name}`;
  }
}

const MAX_TIME = 8.64e15;
const YEAR_10000 = 253_402_300_800_000;

describe('isoOf', () => {
  it('writes any time as Date does: the fast years, the edges around them and the times Date refuses', () => {
    const time = fc.oneof(
      // 1970 to 9999, where isoOf writes the text itself; leap days and year ends come up often
      // enough at this many runs, and the edges are listed below.
      fc.integer({ min: 0, max: YEAR_10000 - 1 }),
      // the same with a fraction (Date drops it, toward zero)
      fc.double({ min: 0, max: YEAR_10000, noNaN: true }),
      // before 1970, after 9999, and past what Date can show
      fc.integer({ min: -MAX_TIME - 10, max: MAX_TIME + 10 }),
      fc.constantFrom(0, -0, -0.5, 0.5, -1, YEAR_10000 - 1, YEAR_10000, MAX_TIME, -MAX_TIME, MAX_TIME + 1, NaN, Infinity, -Infinity, 951_782_400_000, 951_868_799_999, 4_107_542_400_000),
    );
    fc.assert(
      fc.property(fc.array(time, { minLength: 1, maxLength: 8 }), (times) => {
        // Several in a row: the second and day kept from the one before must not leak into the next.
        for (const ms of times) expect(byIsoOf(ms)).toBe(byDate(ms));
      }),
      { numRuns: 3000 },
    );
  });

  it('writes the days of 1970 to 9999 as Date does', () => {
    // The calendar arithmetic, at a day's first and last millisecond: every day to 2100 (leap years,
    // 2000's leap day), then every 13th (so each weekday and month position comes up) to 9999.
    let bad = 0;
    let first = '';
    for (let day = 0; day * 86_400_000 < YEAR_10000; day += day < 47_482 ? 1 : 13) {
      for (const ms of [day * 86_400_000, day * 86_400_000 + 86_399_999]) {
        if (isoOf(ms) === new Date(ms).toISOString()) continue;
        if (bad++ === 0) first = `${ms}: ${isoOf(ms)} against ${new Date(ms).toISOString()}`;
      }
    }
    expect(first).toBe('');
  });
});
