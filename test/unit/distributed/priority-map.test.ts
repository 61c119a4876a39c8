import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BULL_PRIORITY_MAX, PriorityMap } from '../../../src/distributed/priority-map.js';

/** More urgent = higher task priority, then higher job priority. */
const moreUrgent = (a: readonly [number, number], b: readonly [number, number]): boolean =>
  a[0] !== b[0] ? a[0] > b[0] : a[1] > b[1];

describe('PriorityMap', () => {
  it('exports the BullMQ limit', () => {
    expect(BULL_PRIORITY_MAX).toBe(2 ** 21 - 1);
  });

  it('gives the first key the middle of the range', () => {
    expect(new PriorityMap().acquire(0, 0)).toEqual({ priority: 1_048_576, renumbered: [] });
    expect(new PriorityMap(7).acquire(5, -3)).toEqual({ priority: 4, renumbered: [] });
    expect(new PriorityMap(1).acquire(0, 0)).toEqual({ priority: 1, renumbered: [] });
  });

  it('gives a more urgent key a smaller number, a less urgent one a larger number', () => {
    const map = new PriorityMap();
    const mid = map.acquire(10, 0).priority;
    const urgent = map.acquire(20, 0);
    const lazy = map.acquire(5, 0);
    expect(urgent.renumbered).toEqual([]);
    expect(lazy.renumbered).toEqual([]);
    expect(urgent.priority).toBeLessThan(mid);
    expect(lazy.priority).toBeGreaterThan(mid);
    // In between, strictly.
    const between = map.acquire(15, 0).priority;
    expect(between).toBeGreaterThan(urgent.priority);
    expect(between).toBeLessThan(mid);
    expect(map.size).toBe(4);
  });

  it('breaks ties on task priority by job priority, and task priority dominates', () => {
    const map = new PriorityMap();
    const a = map.acquire(1, 0).priority;
    const b = map.acquire(1, 100).priority;
    const c = map.acquire(1, -100).priority;
    const d = map.acquire(2, -2_147_483_648).priority;
    const e = map.acquire(0, 2_147_483_647).priority;
    expect(d).toBeLessThan(b);
    expect(b).toBeLessThan(a);
    expect(a).toBeLessThan(c);
    expect(c).toBeLessThan(e);
  });

  it('counts references: a held key keeps its number until the last release', () => {
    const map = new PriorityMap();
    const first = map.acquire(3, 4);
    expect(map.acquire(3, 4)).toEqual({ priority: first.priority, renumbered: [] });
    expect(map.acquire(3, 4)).toEqual({ priority: first.priority, renumbered: [] });
    expect(map.size).toBe(1);
    map.release(3, 4);
    map.release(3, 4);
    expect(map.priorityOf(3, 4)).toBe(first.priority);
    expect(map.size).toBe(1);
    map.release(3, 4);
    expect(map.priorityOf(3, 4)).toBeUndefined();
    expect(map.size).toBe(0);
  });

  it('frees the number on release, and ignores unknown keys', () => {
    const map = new PriorityMap(3);
    expect(map.acquire(0, 0).priority).toBe(2);
    map.release(9, 9); // unknown: no-op
    map.release(0, 1); // unknown: no-op
    expect(map.size).toBe(1);
    map.release(0, 0);
    expect(map.size).toBe(0);
    map.release(0, 0); // already gone: no-op
    // The freed number is handed out again.
    expect(map.acquire(7, 7)).toEqual({ priority: 2, renumbered: [] });
  });

  it('renumbers everything evenly when there is no room, reporting only the other keys that moved', () => {
    const map = new PriorityMap(7);
    expect(map.acquire(0, 0).priority).toBe(4);
    expect(map.acquire(0, -1).priority).toBe(6);
    expect(map.acquire(0, -2).priority).toBe(7);
    // No integer between 7 and the virtual bound 8: spread the 4 keys over 1..7 as 1, 3, 4, 6.
    const r = map.acquire(0, -3);
    expect(r.priority).toBe(6);
    expect(r.renumbered).toEqual([
      { task: 0, job: 0, priority: 1 },
      { task: 0, job: -1, priority: 3 },
      { task: 0, job: -2, priority: 4 },
    ]);
    expect([map.priorityOf(0, 0), map.priorityOf(0, -1), map.priorityOf(0, -2), map.priorityOf(0, -3)]).toEqual([1, 3, 4, 6]);
    // The spread left room: the next inserts need no renumbering.
    expect(map.acquire(0, -4)).toEqual({ priority: 7, renumbered: [] });
    // Nothing below 1: spread 6 keys as 1..6; keys that land on their old number are not reported.
    expect(map.acquire(1, 0)).toEqual({
      priority: 1,
      renumbered: [
        { task: 0, job: 0, priority: 2 },
        { task: 0, job: -3, priority: 5 },
        { task: 0, job: -4, priority: 6 },
      ],
    });
    expect(map.priorityOf(0, -1)).toBe(3);
    expect(map.priorityOf(0, -2)).toBe(4);
  });

  it('renumbering at the default max keeps order and reports the moved keys', () => {
    const map = new PriorityMap();
    const model = new Map<number, number>();
    let renumberings = 0;
    // Always the least urgent so far: each insert halves the room at the bottom end until it runs out.
    for (let job = 0; job > -40; job--) {
      const { priority, renumbered } = map.acquire(0, job);
      model.set(job, priority);
      if (renumbered.length > 0) renumberings++;
      for (const moved of renumbered) {
        expect(moved.task).toBe(0);
        expect(model.has(moved.job)).toBe(true);
        expect(moved.job).not.toBe(job);
        model.set(moved.job, moved.priority);
      }
    }
    expect(renumberings).toBeGreaterThan(0);
    let last = 0;
    for (let job = 0; job > -40; job--) {
      const p = map.priorityOf(0, job)!;
      expect(p).toBe(model.get(job));
      expect(p).toBeGreaterThan(last);
      expect(p).toBeLessThanOrEqual(BULL_PRIORITY_MAX);
      last = p;
    }
  });

  it('fills every number when max keys are held', () => {
    const map = new PriorityMap(5);
    for (let t = 0; t < 5; t++) map.acquire(t, 0);
    expect([4, 3, 2, 1, 0].map((t) => map.priorityOf(t, 0))).toEqual([1, 2, 3, 4, 5]);
  });

  it('over capacity, shares the less-urgent neighbour’s number and keeps refcounts right', () => {
    const map = new PriorityMap(3);
    expect(map.acquire(10, 0).priority).toBe(2);
    expect(map.acquire(20, 0).priority).toBe(1);
    expect(map.acquire(30, 0)).toEqual({
      priority: 1,
      renumbered: [
        { task: 20, job: 0, priority: 2 },
        { task: 10, job: 0, priority: 3 },
      ],
    });
    // A fourth key cannot be kept apart: it ties with its less-urgent neighbour (10).
    expect(map.acquire(15, 0)).toEqual({ priority: 3, renumbered: [] });
    expect(map.size).toBe(4);
    // Least urgent of all: no less-urgent neighbour, so it ties with the more-urgent one (10).
    expect(map.acquire(5, 0)).toEqual({ priority: 3, renumbered: [] });
    // Most urgent of all: ties with 30.
    expect(map.acquire(40, 0)).toEqual({ priority: 1, renumbered: [] });
    expect(map.size).toBe(6);

    // Releasing one of the keys sharing 3 must not disturb the others sharing it.
    map.release(10, 0);
    expect(map.priorityOf(10, 0)).toBeUndefined();
    expect(map.priorityOf(15, 0)).toBe(3);
    expect(map.priorityOf(5, 0)).toBe(3);
    map.release(5, 0);
    map.release(40, 0);
    expect(map.size).toBe(3);
    // Back within capacity, but 20 and 15 are still 2 and 3 and 30 is 1: no ties are left here.
    expect([map.priorityOf(30, 0), map.priorityOf(20, 0), map.priorityOf(15, 0)]).toEqual([1, 2, 3]);
    // So the map knows no ties are outstanding: a new key that fits moves nobody.
    map.release(30, 0);
    map.release(15, 0);
    expect(map.acquire(5, 0)).toEqual({ priority: 3, renumbered: [] });
  });

  it('undoes the ties of an overflow at the next acquire of a new key once back within capacity', () => {
    const map = new PriorityMap(3);
    map.acquire(10, 0); // 2
    map.acquire(20, 0); // 1
    map.acquire(30, 0); // spread: 30→1, 20→2, 10→3
    expect(map.acquire(15, 0).priority).toBe(3); // tie with 10
    map.release(30, 0);
    map.release(20, 0);
    // Within capacity again, but 15 and 10 still tie: release cannot report renumbering.
    expect(map.size).toBe(2);
    expect(map.priorityOf(15, 0)).toBe(3);
    expect(map.priorityOf(10, 0)).toBe(3);
    // A held key is not a new key: no renumbering on it.
    expect(map.acquire(15, 0)).toEqual({ priority: 3, renumbered: [] });
    // A new key (3 distinct <= max) spreads everything: 40→1, 15→2, 10→3 (unchanged, so not reported).
    expect(map.acquire(40, 0)).toEqual({ priority: 1, renumbered: [{ task: 15, job: 0, priority: 2 }] });
    expect(map.priorityOf(10, 0)).toBe(3);
  });

  it('with max 1, every key shares 1', () => {
    const map = new PriorityMap(1);
    expect(map.acquire(0, 0)).toEqual({ priority: 1, renumbered: [] });
    expect(map.acquire(5, 0)).toEqual({ priority: 1, renumbered: [] });
    expect(map.acquire(-5, 0)).toEqual({ priority: 1, renumbered: [] });
    expect(map.size).toBe(3);
    map.release(0, 0);
    expect(map.priorityOf(5, 0)).toBe(1);
    expect(map.priorityOf(-5, 0)).toBe(1);
  });

  it('rejects a bad max', () => {
    for (const max of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, BULL_PRIORITY_MAX + 1]) {
      expect(() => new PriorityMap(max)).toThrow(RangeError);
    }
    expect(() => new PriorityMap('7' as unknown as number)).toThrow(RangeError);
    expect(() => new PriorityMap(0)).toThrow('PriorityMap: expected max to be an integer from 1 to 2097151, got 0');
    expect(new PriorityMap(BULL_PRIORITY_MAX).acquire(0, 0).priority).toBe(1_048_576);
  });

  it('rejects keys that are not 32-bit integers, with a stable message', () => {
    const map = new PriorityMap();
    expect(() => map.acquire(1.5, 0)).toThrow(new RangeError('PriorityMap.acquire: expected task priority to be a 32-bit integer, got 1.5'));
    expect(() => map.acquire(0, Number.NaN)).toThrow(new RangeError('PriorityMap.acquire: expected job priority to be a 32-bit integer, got NaN'));
    expect(() => map.acquire(2 ** 31, 0)).toThrow('expected task priority to be a 32-bit integer, got 2147483648');
    expect(() => map.acquire(0, -(2 ** 31) - 1)).toThrow(RangeError);
    expect(() => map.acquire(Number.POSITIVE_INFINITY, 0)).toThrow(RangeError);
    expect(() => map.acquire('1' as unknown as number, 0)).toThrow('got "1"');
    expect(() => map.acquire(undefined as unknown as number, 0)).toThrow('got undefined');
    expect(() => map.release(0.5, 0)).toThrow(new RangeError('PriorityMap.release: expected task priority to be a 32-bit integer, got 0.5'));
    expect(() => map.priorityOf(0, 0.5)).toThrow(new RangeError('PriorityMap.priorityOf: expected job priority to be a 32-bit integer, got 0.5'));
    // Nothing was taken by the failed calls; the int32 ends are accepted.
    expect(map.size).toBe(0);
    map.acquire(2 ** 31 - 1, -(2 ** 31));
    expect(map.size).toBe(1);
  });

  describe('property: a model of the numbers, applied from acquire results, always matches', () => {
    // 'releaseHeld' releases the (pick mod n)-th held key, so the count falls back after an overflow
    // (random releases mostly miss); plain 'release' also exercises unknown keys.
    type Op = { kind: 'acquire' | 'release' | 'releaseHeld'; task: number; job: number; pick: number };
    const op: fc.Arbitrary<Op> = fc.record({
      kind: fc.constantFrom<Op['kind']>('acquire', 'acquire', 'release', 'releaseHeld'),
      task: fc.integer({ min: -3, max: 3 }),
      job: fc.integer({ min: -3, max: 3 }),
      pick: fc.nat(),
    });
    // Bursts of only acquires or only releases of held keys: a uniform mix rarely overflows a small
    // max and then drains back below it, which is where the ties of an overflow must be undone.
    const ops = (maxBursts: number): fc.Arbitrary<Op[]> =>
      fc
        .array(fc.tuple(fc.constantFrom<Op['kind'] | 'mixed'>('acquire', 'releaseHeld', 'mixed'), fc.array(op, { maxLength: 40 })), {
          maxLength: maxBursts,
        })
        .map((bursts) => bursts.flatMap(([kind, burst]) => (kind === 'mixed' ? burst : burst.map((o) => ({ ...o, kind })))));

    function run(max: number | undefined, sequence: Op[]): void {
      const map = max === undefined ? new PriorityMap() : new PriorityMap(max);
      const limit = max ?? BULL_PRIORITY_MAX;
      const keyOf = (task: number, job: number) => `${task},${job}`;
      const numbers = new Map<string, number>(); // the model: what the caller believes each key's number is
      const refs = new Map<string, number>();
      const tuples = new Map<string, readonly [number, number]>();
      // Ties from an overflow survive until the next acquire of a new key within capacity.
      let tiesPossible = false;

      for (const { kind, pick, ...raw } of sequence) {
        const heldNow = [...tuples.values()];
        const [task, job] = kind === 'releaseHeld' && heldNow.length > 0 ? heldNow[pick % heldNow.length]! : [raw.task, raw.job];
        const key = keyOf(task, job);
        if (kind === 'acquire') {
          const held = refs.has(key);
          // Room between the new key's neighbours (range ends 0 and max + 1 stand in for missing ones),
          // judged from the model before the call: with room and no ties left to undo (two held keys
          // on one number), nobody may move.
          let lo = 0;
          let hi = limit + 1;
          for (const [k, t] of tuples) {
            const n = numbers.get(k)!;
            if (moreUrgent(t, [task, job])) lo = Math.max(lo, n);
            else if (moreUrgent([task, job], t)) hi = Math.min(hi, n);
          }
          const room = hi - lo >= 2 && new Set(numbers.values()).size === numbers.size;
          const { priority, renumbered } = map.acquire(task, job);
          refs.set(key, (refs.get(key) ?? 0) + 1);
          tuples.set(key, [task, job]);
          if (held) {
            expect(priority).toBe(numbers.get(key));
            expect(renumbered).toEqual([]);
          } else {
            for (const moved of renumbered) {
              const movedKey = keyOf(moved.task, moved.job);
              expect(movedKey).not.toBe(key);
              expect(numbers.has(movedKey)).toBe(true);
              expect(moved.priority).not.toBe(numbers.get(movedKey)); // only keys that really moved
              numbers.set(movedKey, moved.priority);
            }
            if (room) {
              expect(renumbered).toEqual([]);
              expect(priority > lo && priority < hi).toBe(true);
            }
            numbers.set(key, priority);
            tiesPossible = refs.size > limit;
          }
        } else {
          map.release(task, job);
          const left = (refs.get(key) ?? 0) - 1;
          if (left > 0) refs.set(key, left);
          else if (left === 0) {
            refs.delete(key);
            numbers.delete(key);
            tuples.delete(key);
          }
        }

        // Checks are gathered into plain values and asserted once per step: an expect per pair
        // made the 100-run properties take tens of seconds.
        // (d) size is the number of distinct held keys.
        expect(map.size).toBe(refs.size);
        // (a) the model matches priorityOf; released keys are gone.
        const actual: Array<number | undefined> = [];
        const expected: Array<number | undefined> = [];
        for (let t = -3; t <= 3; t++) {
          for (let j = -3; j <= 3; j++) {
            actual.push(map.priorityOf(t, j));
            expected.push(numbers.get(keyOf(t, j)));
          }
        }
        expect(actual).toEqual(expected);
        // (c) every number is an integer in 1..max.
        const outOfRange = [...numbers.values()].filter((n) => !Number.isInteger(n) || n < 1 || n > limit);
        expect(outOfRange).toEqual([]);
        // (b) more urgent ⇒ strictly smaller number while within capacity (and ties from an earlier
        // overflow have been undone); never an inversion, even over capacity. Checking neighbours in
        // urgency order covers every pair, since both relations are transitive.
        const strict = refs.size <= limit && !tiesPossible;
        const ordered = [...tuples.entries()].sort(([, a], [, b]) => (moreUrgent(a, b) ? -1 : moreUrgent(b, a) ? 1 : 0));
        const bad: string[] = [];
        for (let i = 1; i < ordered.length; i++) {
          const [ka] = ordered[i - 1]!;
          const [kb] = ordered[i]!;
          const na = numbers.get(ka)!;
          const nb = numbers.get(kb)!;
          if (strict ? !(na < nb) : !(na <= nb)) bad.push(`${ka}→${na} vs ${kb}→${nb}`);
        }
        expect(bad).toEqual([]);
      }
    }

    it('with a small max (1..20)', () => {
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 20 }), ops(8), (max, sequence) => {
          run(max, sequence);
        }),
      );
    });

    it('with the default max', () => {
      fc.assert(
        fc.property(ops(8), (sequence) => {
          run(undefined, sequence);
        }),
      );
    });

    it('with the default max and a monotone run that forces renumbering', () => {
      // Random keys from a small range rarely exhaust 2^21 numbers; a run of ever less (or more)
      // urgent keys does within ~21 inserts, so mix one into random operations.
      fc.assert(
        fc.property(ops(3), fc.boolean(), ops(3), (before, down, after) => {
          const walk: Op[] = [];
          for (let i = 0; i < 49; i++) {
            const k = down ? 48 - i : i; // walk every (task, job) in -3..3 in one direction
            walk.push({ kind: 'acquire', task: Math.floor(k / 7) - 3, job: (k % 7) - 3, pick: 0 });
          }
          run(undefined, [...before, ...walk, ...after]);
        }),
      );
    });
  });
});
