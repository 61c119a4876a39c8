/**
 * assignGanttSlots with bars in given slots: near-linear however many slots are given, and the same
 * slot for every bar as the earlier algorithm (which tested every given slot for every other bar).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareStrings } from '../../../src/export/colors.js';
import { assignGanttSlots, type GanttBar } from '../../../src/export/gantt-svg.js';
import { IndexHeap } from '../../../src/core/ready-heap.js';

const FC = { seed: Number(process.env.FC_SEED ?? 20261128) };

const bar = (taskId: string, pool: string, start: number, end: number, slot?: number): GanttBar => ({
  taskId,
  label: '',
  jobId: 'j',
  pool,
  priority: 0,
  start,
  end,
  state: 'Finished',
  ...(slot === undefined ? {} : { slot }),
});

/** The earlier algorithm, verbatim: the reference. */
function referenceSlots(bars: readonly GanttBar[]): Int32Array {
  const out = new Int32Array(bars.length);
  const byPool = new Map<string, number[]>();
  for (let i = 0; i < bars.length; i++) {
    const b = bars[i]!;
    let list = byPool.get(b.pool);
    if (list === undefined) byPool.set(b.pool, (list = []));
    list.push(i);
  }
  const compareBars = (a: number, b: number): number => {
    const x = bars[a]!;
    const y = bars[b]!;
    return x.start - y.start || x.end - y.end || compareStrings(x.taskId, y.taskId) || a - b;
  };
  for (const list of byPool.values()) {
    const fixed = new Map<number, number[]>();
    const free: number[] = [];
    for (const i of list) {
      const s = bars[i]!.slot;
      if (s === undefined) {
        free.push(i);
      } else {
        out[i] = s;
        let f = fixed.get(s);
        if (f === undefined) fixed.set(s, (f = []));
        f.push(i);
      }
    }
    if (free.length === 0) continue;
    free.sort(compareBars);
    const conflicts = (slot: number, i: number): boolean => {
      const f = fixed.get(slot);
      if (f === undefined) return false;
      const s = bars[i]!.start;
      const e = bars[i]!.end;
      for (const j of f) {
        const o = bars[j]!;
        if (o.start < e && s < o.end) return true;
        if (s === e && o.start === s && o.end > s) return true;
      }
      return false;
    };
    const capacity = free.length + fixed.size + 1;
    const busyEnd = new Float64Array(capacity);
    const busy = new IndexHeap(capacity, (a, b) => busyEnd[a]! < busyEnd[b]! || (busyEnd[a] === busyEnd[b] && a < b));
    const idle = new IndexHeap(capacity, (a, b) => a < b);
    let nextSlot = 0;
    const setAside: number[] = [];
    for (const i of free) {
      const b = bars[i]!;
      while (busy.size > 0 && busyEnd[busy.peek()]! <= b.start) idle.push(busy.pop());
      let slot = -1;
      if (fixed.size === 0) {
        slot = idle.size > 0 ? idle.pop() : nextSlot++;
      } else {
        while (slot < 0) {
          const candidate = idle.size > 0 ? idle.pop() : nextSlot++;
          if (conflicts(candidate, i)) setAside.push(candidate);
          else slot = candidate;
        }
        for (const c of setAside) idle.push(c);
        setAside.length = 0;
      }
      out[i] = slot;
      busyEnd[slot] = b.end;
      busy.push(slot);
    }
  }
  return out;
}

describe('assignGanttSlots(): bars in given slots', () => {
  it(
    'places 10,000 bars around 10,000 given slots that span the whole schedule in well under a second',
    () => {
      // Each bar without a slot collides with every given slot; the earlier algorithm tested them
      // all, each against all its bars (about 21 s here).
      const n = 10_000;
      const bars: GanttBar[] = [];
      for (let k = 0; k < n; k++) bars.push(bar(`f${k}`, 'P', 0, 1000, k));
      for (let k = 0; k < n; k++) bars.push(bar(`b${k}`, 'P', k % 1000, (k % 1000) + 1));
      const t = performance.now();
      const slots = assignGanttSlots({ bars });
      const elapsed = performance.now() - t;
      expect(elapsed).toBeLessThan(4_000);
      for (let k = 0; k < n; k++) expect(slots[k]).toBe(k);
      // 10 bars run at once (k % 1000 repeats every 1000), all beyond the given slots.
      expect(new Set(slots.subarray(n))).toEqual(new Set(Array.from({ length: 10 }, (_, k) => n + k)));
    },
    120_000,
  );

  const time = fc.oneof(
    { weight: 20, arbitrary: fc.integer({ min: 0, max: 12 }) },
    { weight: 1, arbitrary: fc.constantFrom(-0, -1, 0.5, Infinity, -Infinity) },
  );
  const spec = fc.record({
    pool: fc.constantFrom('A', 'B'),
    start: time,
    len: fc.oneof({ weight: 10, arbitrary: fc.integer({ min: 0, max: 6 }) }, { weight: 1, arbitrary: fc.constantFrom(-2, Infinity, NaN) }),
    slot: fc.option(
      fc.oneof({ weight: 10, arbitrary: fc.integer({ min: 0, max: 5 }) }, { weight: 1, arbitrary: fc.constantFrom(-1, -0, 1.5, 40, NaN) }),
      { freq: 2 },
    ),
  });
  const toBars = (specs: Array<{ pool: string; start: number; len: number; slot: number | null }>): GanttBar[] =>
    specs.map((s, i) => bar(`t${i % 7}`, s.pool, s.start, s.start + s.len, s.slot ?? undefined));

  it('gives every bar the slot the earlier algorithm gave it (numeric times)', () => {
    const finite = fc.record({
      pool: fc.constantFrom('A', 'B'),
      start: fc.integer({ min: 0, max: 20 }),
      len: fc.integer({ min: 0, max: 8 }),
      slot: fc.option(fc.integer({ min: 0, max: 6 }), { freq: 2 }),
    });
    fc.assert(
      fc.property(fc.array(finite, { maxLength: 60 }), (specs) => {
        const bars = toBars(specs);
        expect([...assignGanttSlots({ bars })]).toEqual([...referenceSlots(bars)]);
      }),
      { ...FC, numRuns: 400 },
    );
  });

  it('gives every bar the slot the earlier algorithm gave it (odd times and slots: infinities, NaN, -0, inverted)', () => {
    fc.assert(
      fc.property(fc.array(spec, { maxLength: 40 }), (specs) => {
        const bars = toBars(specs);
        expect([...assignGanttSlots({ bars })]).toEqual([...referenceSlots(bars)]);
      }),
      { ...FC, numRuns: 400 },
    );
  });
});
