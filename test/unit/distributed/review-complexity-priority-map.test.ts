import { describe, expect, it } from 'vitest';
import { BULL_PRIORITY_MAX, PriorityMap } from '../../../src/distributed/priority-map.js';

/**
 * Complexity review: when a key found no free number between its neighbours, every held key was
 * spread again (n renumbered, each a changePriority in Redis). Keys that come in order (the
 * scheduler hands tasks out most urgent first, so each is less urgent than those before) ran out of
 * room every ~log2(max / n) inserts: 10,000 keys renumbered 5.1 million times, 100,000 keys 768
 * million. Now only a sparse enough block of numbers around the gap is renumbered.
 */

type Key = readonly [number, number];

/** Applies acquires and releases, keeps the caller's model from the results, and checks it against the map. */
function drive(map: PriorityMap, max: number, ops: ReadonlyArray<{ acquire: boolean; key: Key }>, checkEach = false): number {
  const numbers = new Map<string, number>();
  const refs = new Map<string, number>();
  const keys = new Map<string, Key>();
  let renumberedTotal = 0;
  for (const { acquire, key } of ops) {
    const k = `${key[0]},${key[1]}`;
    if (acquire) {
      const { priority, renumbered } = map.acquire(key[0], key[1]);
      renumberedTotal += renumbered.length;
      for (const r of renumbered) {
        const rk = `${r.task},${r.job}`;
        if (!numbers.has(rk) || rk === k || numbers.get(rk) === r.priority) throw new Error(`bad renumbering of ${rk}`);
        numbers.set(rk, r.priority);
      }
      numbers.set(k, priority);
      refs.set(k, (refs.get(k) ?? 0) + 1);
      keys.set(k, key);
    } else {
      map.release(key[0], key[1]);
      const left = (refs.get(k) ?? 0) - 1;
      if (left > 0) refs.set(k, left);
      else if (left === 0) {
        refs.delete(k);
        numbers.delete(k);
        keys.delete(k);
      }
    }
    if (checkEach) check(map, max, numbers, keys);
  }
  check(map, max, numbers, keys);
  return renumberedTotal;
}

/** The model matches the map, every number is in 1..max, and more urgent is strictly smaller. */
function check(map: PriorityMap, max: number, numbers: ReadonlyMap<string, number>, keys: ReadonlyMap<string, Key>): void {
  const sorted = [...keys.entries()].sort(([, a], [, b]) => (a[0] !== b[0] ? b[0] - a[0] : b[1] - a[1]));
  let last = 0;
  for (const [k, key] of sorted) {
    const n = map.priorityOf(key[0], key[1]);
    if (n !== numbers.get(k)) throw new Error(`model ${numbers.get(k)} != map ${n} for ${k}`);
    if (!(Number.isInteger(n) && n! > last && n! <= max)) throw new Error(`order broken at ${k}: ${n} after ${last}`);
    last = n!;
  }
  expect(map.size).toBe(keys.size);
}

describe('review (complexity): PriorityMap renumbers a block around the gap, not every key', () => {
  it('10,000 keys, each less urgent than all before: far fewer than a million renumbered (5.1 million before)', () => {
    const ops = Array.from({ length: 10_000 }, (_, i) => ({ acquire: true, key: [-i, 0] as Key }));
    const total = drive(new PriorityMap(), BULL_PRIORITY_MAX, ops);
    expect(total).toBeLessThan(500_000);
  });

  it('10,000 keys, each more urgent than all before (job priorities): far fewer than a million renumbered (5.7 million before)', () => {
    const ops = Array.from({ length: 10_000 }, (_, i) => ({ acquire: true, key: [0, i] as Key }));
    const total = drive(new PriorityMap(), BULL_PRIORITY_MAX, ops);
    expect(total).toBeLessThan(500_000);
  });

  it('keeps the order and the reported moves exact through mixed runs, releases and small ranges', () => {
    let seed = 12345;
    const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (const max of [1023, 4095, 65_535, BULL_PRIORITY_MAX]) {
      for (let round = 0; round < 4; round++) {
        const map = new PriorityMap(max);
        const held: Key[] = [];
        const ops: Array<{ acquire: boolean; key: Key }> = [];
        let walk = 0;
        for (let i = 0; i < 1500; i++) {
          const r = random();
          if (r < 0.15 && held.length > 0) {
            const [key] = held.splice(Math.floor(random() * held.length), 1);
            ops.push({ acquire: false, key: key! });
          } else {
            // Runs in one direction, jumps, and repeats of held keys.
            const key: Key = r < 0.55 ? [0, walk--] : r < 0.75 ? [0, walk + 2000 + Math.floor(random() * 50)] : r < 0.9 ? [Math.floor(random() * 5), Math.floor(random() * 9)] : (held[0] ?? [0, 0]);
            held.push(key);
            ops.push({ acquire: true, key });
          }
        }
        // After every step: a renumbering must never leave the queue out of order, even for a moment.
        drive(map, max, ops, true);
      }
    }
  });
});
