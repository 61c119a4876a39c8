import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assignJobColors, JOB_PALETTE, priorityColor, relativeLuminance } from '../../../src/export/colors.js';
import { assignGanttSlots, DEFAULT_MAX_BARS, renderGanttSvg, type GanttBar, type GanttInput } from '../../../src/export/gantt-svg.js';
import { escapeXml, formatNumber, niceTicks } from '../../../src/export/svg.js';
import { fitText, textWidth } from '../../../src/export/text-width.js';
import { parseXml, syntheticSchedule, type XmlElement } from '../../browser/fixtures.js';

function bar(taskId: string, pool: string, start: number, end: number, extra: Partial<GanttBar> = {}): GanttBar {
  return { taskId, label: taskId, jobId: 'job', pool, priority: 0, start, end, state: 'Finished', ...extra };
}

/** Parses and asserts well-formedness; returns the elements. */
function parsed(svg: string): XmlElement[] {
  const { errors, root, elements } = parseXml(svg);
  expect(errors).toEqual([]);
  expect(root?.name).toBe('svg');
  expect(root?.attributes.xmlns).toBe('http://www.w3.org/2000/svg');
  return elements;
}

const barsOf = (els: XmlElement[]): XmlElement[] => els.filter((e) => 'data-bar' in e.attributes);

describe('renderGanttSvg() in bar mode', () => {
  it('draws one data-bar per bar, each with a tooltip naming task, job, pool, times, priority and state', () => {
    const input = syntheticSchedule({ tasks: 12, jobs: 3, pools: [{ name: 'S1', slots: 2 }, { name: 'S2', slots: 1 }], withSlots: true, seed: 1 });
    const els = parsed(renderGanttSvg(input));
    const rects = barsOf(els);
    expect(rects).toHaveLength(12);
    expect(els[0]!.attributes['data-mode']).toBe('bars');
    expect(new Set(rects.map((r) => r.attributes['data-task-id']))).toEqual(new Set(input.bars.map((b) => b.taskId)));
    const first = input.bars[0]!;
    const rect = rects.find((r) => r.attributes['data-task-id'] === first.taskId)!;
    const title = els.find((e) => e.name === 'title' && e.parent === rect)!.text;
    expect(title).toContain(`Task: ${first.label} (${first.taskId})`);
    expect(title).toContain(`Job: Job 0 (${first.jobId})`);
    expect(title).toContain(`Pool: ${first.pool}, slot ${first.slot}`);
    expect(title).toMatch(/Start: .+\nEnd: .+\nDuration: .+\nPriority: \d+\nState: Finished/);
  });

  it('draws 200 bars over three pools, one with no set capacity', () => {
    const input = syntheticSchedule({ tasks: 200, jobs: 10, pools: [{ name: 'A', slots: 8 }, { name: 'B', slots: 4 }, { name: '(global)', slots: 0 }], seed: 2 });
    const els = parsed(renderGanttSvg(input));
    expect(barsOf(els)).toHaveLength(200);
    expect(els.filter((e) => e.attributes['class'] === 'pool').map((e) => e.attributes['data-pool'])).toEqual(['A', 'B', '(global)']);
  });

  it('gives rows to pools that bars name but the pool list does not, after the listed ones', () => {
    const input: GanttInput = {
      pools: [{ name: 'listed', slots: 1 }, { name: 'empty', slots: 0 }],
      bars: [bar('a', 'zeta', 0, 5), bar('b', 'alpha', 0, 5), bar('c', 'alpha', 1, 3), bar('d', 'listed', 0, 1)],
    };
    const els = parsed(renderGanttSvg(input));
    expect(els.filter((e) => e.attributes['class'] === 'pool').map((e) => e.attributes['data-pool'])).toEqual(['listed', 'alpha', 'zeta']);
    // alpha needs two rows: its bars overlap.
    expect(new Set(barsOf(els).filter((r) => ['b', 'c'].includes(r.attributes['data-task-id']!)).map((r) => r.attributes.y)).size).toBe(2);
  });

  it('never draws two bars of one row over each other', () => {
    const input = syntheticSchedule({ tasks: 300, jobs: 12, pools: [{ name: 'A', slots: 6 }, { name: 'B', slots: 3 }], seed: 3 });
    const rects = barsOf(parsed(renderGanttSvg(input, { maxBars: 1000 })));
    const rows = new Map<string, Array<[number, number]>>();
    for (const r of rects) {
      const list = rows.get(r.attributes.y!) ?? [];
      list.push([Number(r.attributes.x), Number(r.attributes.x) + Number(r.attributes.width)]);
      rows.set(r.attributes.y!, list);
    }
    for (const list of rows.values()) {
      list.sort((a, b) => a[0] - b[0]);
      for (let i = 1; i < list.length; i++) expect(list[i]![0]).toBeGreaterThanOrEqual(list[i - 1]![1] - 0.02);
    }
  });

  it('escapes task, job and pool names, in text and attributes', () => {
    const nasty = `<script>alert("x")</script> & 'q'`;
    const input: GanttInput = {
      title: `Title ${nasty}`,
      pools: [{ name: `pool ${nasty}`, slots: 1 }],
      bars: [bar(`id ${nasty}`, `pool ${nasty}`, 0, 100, { label: `label ${nasty}`, jobId: `job ${nasty}`, jobLabel: `Job ${nasty}\u0001` })],
    };
    const svg = renderGanttSvg(input);
    expect(svg).not.toContain('<script');
    const els = parsed(svg);
    const rect = barsOf(els)[0]!;
    expect(rect.attributes['data-task-id']).toBe(`id ${nasty}`);
    const title = els.find((e) => e.name === 'title' && e.parent === rect)!.text;
    expect(title).toContain(`Task: label ${nasty} (id ${nasty})`);
    expect(title).toContain(`Job: Job ${nasty}\uFFFD (job ${nasty})`);
    expect(els.find((e) => e.attributes['class'] === 'title')!.text).toBe(`Title ${nasty}`);
  });

  it('hatches failed bars with a red outline and greys canceled ones', () => {
    const input: GanttInput = { pools: [{ name: 'P', slots: 3 }], bars: [bar('ok', 'P', 0, 10), bar('bad', 'P', 0, 10, { state: 'Error' }), bar('stop', 'P', 0, 10, { state: 'Canceled' })] };
    const els = parsed(renderGanttSvg(input, { idPrefix: 'x-' }));
    const byId = new Map(barsOf(els).map((r) => [r.attributes['data-task-id'], r]));
    expect(byId.get('bad')!.attributes.stroke).toBe('#d62728');
    expect(els.some((e) => e.name === 'rect' && e.attributes.fill === 'url(#x-hatch)' && e.attributes.x === byId.get('bad')!.attributes.x)).toBe(true);
    expect(byId.get('stop')!.attributes.fill).toBe('#c7c7c7');
    expect(byId.get('ok')!.attributes.fill).not.toBe('#c7c7c7');
    const legend = els.filter((e) => e.name === 'text' && e.parent?.attributes['class'] === 'legend').map((e) => e.text);
    expect(legend).toEqual(expect.arrayContaining(['failed (1)', 'canceled (1)']));
  });

  it('colours by priority on a sequential scale with a gradient legend', () => {
    const input: GanttInput = { pools: [{ name: 'P', slots: 3 }], bars: [bar('lo', 'P', 0, 10, { priority: 1 }), bar('mid', 'P', 0, 10, { priority: 5 }), bar('hi', 'P', 0, 10, { priority: 9 })] };
    const els = parsed(renderGanttSvg(input, { colorBy: 'priority', idPrefix: 'p-' }));
    const fill = new Map(barsOf(els).map((r) => [r.attributes['data-task-id'], r.attributes.fill!]));
    expect(fill.get('lo')).toBe(priorityColor(1, 1, 9));
    expect(fill.get('hi')).toBe(priorityColor(9, 1, 9));
    // Darker means more important.
    expect(relativeLuminance(fill.get('hi')!)).toBeLessThan(relativeLuminance(fill.get('mid')!));
    expect(relativeLuminance(fill.get('mid')!)).toBeLessThan(relativeLuminance(fill.get('lo')!));
    expect(els.some((e) => e.name === 'linearGradient' && e.attributes.id === 'p-prio')).toBe(true);
  });

  it('puts ticks on 1-2-5 steps with the unit that suits the span', () => {
    const ticksOf = (input: GanttInput): string[] =>
      parsed(renderGanttSvg(input))
        .filter((e) => 'data-tick' in e.attributes)
        .map((e) => e.text);
    const unitOf = (input: GanttInput): string => parsed(renderGanttSvg(input)).find((e) => e.attributes['class'] === 'axis-unit')!.text;
    const s: GanttInput = { pools: [], bars: [bar('a', 'P', 0, 97)], timeUnit: 's' };
    expect(ticksOf(s)).toEqual(['0', '20', '40', '60', '80', '100']);
    expect(unitOf(s)).toBe('time (s)');
    const ms: GanttInput = { pools: [], bars: [bar('a', 'P', 0, 300_000)], timeUnit: 'ms' };
    expect(ticksOf(ms)).toEqual(['0', '1', '2', '3', '4', '5']);
    expect(unitOf(ms)).toBe('time (min)');
    const h: GanttInput = { pools: [], bars: [bar('a', 'P', 0, 600)], timeUnit: 'min' };
    expect(unitOf(h)).toBe('time (h)');
    expect(ticksOf(h)).toEqual(['0', '2', '4', '6', '8', '10']);
  });

  it('starts the axis at the first start when the times are far from zero (epoch ms)', () => {
    const t = 1_767_225_600_000;
    const els = parsed(renderGanttSvg({ pools: [], bars: [bar('a', 'P', t, t + 60_000)], timeUnit: 'ms' }));
    const ticks = els.filter((e) => 'data-tick' in e.attributes).map((e) => e.text);
    expect(ticks.length).toBeGreaterThan(2);
    expect(ticks.length).toBeLessThan(20);
  });
});

describe('assignGanttSlots()', () => {
  it('puts each bar in the first slot free at its start', () => {
    const bars = [bar('a', 'P', 0, 10), bar('b', 'P', 1, 3), bar('c', 'P', 3, 4), bar('d', 'P', 2, 6), bar('e', 'P', 10, 11), bar('f', 'Q', 0, 1)];
    expect([...assignGanttSlots({ bars })]).toEqual([0, 1, 1, 2, 0, 0]);
  });

  it('lets a bar start in the slot another ends in at the same instant', () => {
    expect([...assignGanttSlots({ bars: [bar('a', 'P', 0, 5), bar('b', 'P', 5, 9), bar('z', 'P', 5, 5)] })]).toEqual([0, 0, 0]);
  });

  it('rejects an input that is not { bars } of objects with a typed error (it crashed inside)', () => {
    const cases: Array<[unknown, RegExp]> = [
      [undefined, /^assignGanttSlots: expected `input` to be an object \{ bars \}, got `undefined` \(undefined\)$/],
      [null, /expected `input` to be an object \{ bars \}, got `null`/],
      [{}, /^assignGanttSlots: expected `bars` to be an array, got `undefined` \(undefined\)$/],
      [{ bars: 'ab' }, /expected `bars` to be an array, got `"ab"`/],
      [{ bars: [bar('a', 'P', 0, 1), null] }, /^assignGanttSlots: expected bar #1 to be an object, got `null` \(null\)$/],
    ];
    for (const [input, message] of cases) {
      expect(() => assignGanttSlots(input as never), String(message)).toThrow(message);
      expect(() => assignGanttSlots(input as never), String(message)).toThrow(expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' }));
    }
  });

  it('keeps given slots and places the others around them', () => {
    const bars = [bar('fixed', 'P', 0, 10, { slot: 0 }), bar('b', 'P', 2, 4), bar('c', 'P', 12, 14)];
    expect([...assignGanttSlots({ bars })]).toEqual([0, 1, 0]);
  });

  const arbitraryBars = fc.array(
    fc.record({ pool: fc.constantFrom('A', 'B'), start: fc.integer({ min: 0, max: 100 }), len: fc.integer({ min: 0, max: 30 }), fixed: fc.option(fc.integer({ min: 0, max: 3 }), { freq: 4 }) }),
    { maxLength: 80 },
  );

  it('never overlaps two bars within a slot, and uses no more slots than bars run at once', () => {
    fc.assert(
      fc.property(arbitraryBars, (specs) => {
        const bars = specs.map((s, i) => bar(`t${i}`, s.pool, s.start, s.start + s.len));
        const slots = assignGanttSlots({ bars });
        for (let i = 0; i < bars.length; i++) {
          for (let j = i + 1; j < bars.length; j++) {
            const a = bars[i]!;
            const b = bars[j]!;
            if (a.pool !== b.pool || slots[i] !== slots[j]) continue;
            expect(a.start < b.end && b.start < a.end).toBe(false);
          }
        }
        for (const pool of ['A', 'B']) {
          const mine = bars.map((b, i) => [b, slots[i]!] as const).filter(([b]) => b.pool === pool && b.end > b.start);
          let peak = 0;
          for (const [b] of mine) peak = Math.max(peak, mine.filter(([o]) => o.start <= b.start && b.start < o.end).length);
          const used = new Set(mine.map(([, s]) => s)).size;
          expect(used).toBeLessThanOrEqual(Math.max(peak, 1));
        }
      }),
    );
  });

  it('never puts a placed bar over a bar with a given slot', () => {
    fc.assert(
      fc.property(arbitraryBars, (specs) => {
        // Given slots that do not clash among themselves: one bar per given slot and pool.
        const seen = new Set<string>();
        const bars = specs.map((s, i) => {
          const b = bar(`t${i}`, s.pool, s.start, s.start + s.len);
          if (s.fixed !== null && !seen.has(`${s.pool}/${s.fixed}`)) {
            seen.add(`${s.pool}/${s.fixed}`);
            b.slot = s.fixed;
          }
          return b;
        });
        const slots = assignGanttSlots({ bars });
        for (let i = 0; i < bars.length; i++) {
          if (bars[i]!.slot !== undefined) expect(slots[i]).toBe(bars[i]!.slot);
          for (let j = i + 1; j < bars.length; j++) {
            const a = bars[i]!;
            const b = bars[j]!;
            if (a.pool !== b.pool || slots[i] !== slots[j]) continue;
            expect(a.start < b.end && b.start < a.end).toBe(false);
          }
        }
      }),
    );
  });
});

describe('renderGanttSvg() aggregation', () => {
  const rowsInput = (slots: number): GanttInput => ({ pools: [{ name: 'P', slots }], bars: [bar('a', 'P', 0, 10), bar('b', 'P', 5, 20)] });

  it('switches to aggregate mode when the slot rows exceed maxRows', () => {
    const at = parsed(renderGanttSvg(rowsInput(60)));
    expect(at[0]!.attributes['data-mode']).toBe('bars');
    const over = parsed(renderGanttSvg(rowsInput(61)));
    expect(over[0]!.attributes['data-mode']).toBe('aggregate');
    expect(barsOf(over)).toHaveLength(0);
    expect(over[0]!.attributes['data-aggregated-bars']).toBe('2');
    expect(over.filter((e) => e.attributes['class'] === 'agg-row').map((e) => e.attributes['data-peak'])).toEqual(['2']);
    expect(parsed(renderGanttSvg(rowsInput(10), { maxRows: 9 }))[0]!.attributes['data-mode']).toBe('aggregate');
  });

  it('draws a pool of a billion declared slots aggregated, without a label per slot (out of memory)', () => {
    const els = parsed(renderGanttSvg(rowsInput(1_000_000_000)));
    expect(els[0]!.attributes['data-mode']).toBe('aggregate');
    expect(els.filter((e) => e.attributes['class'] === 'agg-row').map((e) => e.attributes['data-peak'])).toEqual(['2']);
  });

  it('counts the rows bars need beyond a pool’s capacity', () => {
    // 3 declared slots, but 5 bars at once: 5 rows.
    const input: GanttInput = { pools: [{ name: 'P', slots: 3 }], bars: [0, 1, 2, 3, 4].map((i) => bar(`t${i}`, 'P', 0, 10)) };
    expect(parsed(renderGanttSvg(input, { maxRows: 5 }))[0]!.attributes['data-mode']).toBe('bars');
    expect(parsed(renderGanttSvg(input, { maxRows: 4 }))[0]!.attributes['data-mode']).toBe('aggregate');
  });

  it('switches to aggregate mode above maxBars (default 2,500), whatever the rows', () => {
    const make = (count: number): GanttInput => ({ pools: [{ name: 'P', slots: 4 }], bars: Array.from({ length: count }, (_, i) => bar(`t${i}`, 'P', Math.floor(i / 4), Math.floor(i / 4) + 1)) });
    const at = parseXml(renderGanttSvg(make(DEFAULT_MAX_BARS)));
    expect(at.root!.attributes['data-mode']).toBe('bars');
    expect(barsOf(at.elements)).toHaveLength(DEFAULT_MAX_BARS);
    const over = parsed(renderGanttSvg(make(DEFAULT_MAX_BARS + 1)));
    expect(over[0]!.attributes['data-mode']).toBe('aggregate');
    expect(over[0]!.attributes['data-aggregated-bars']).toBe(String(DEFAULT_MAX_BARS + 1));
    expect(over.find((e) => e.attributes['class'] === 'agg-note')!.text).toMatch(/^2,501 bars aggregated/);
    expect(parsed(renderGanttSvg(make(10), { maxBars: 9 }))[0]!.attributes['data-mode']).toBe('aggregate');
  });

  it('draws 10,000 tasks as one band per pool, small and quick enough to open', () => {
    const input = syntheticSchedule({ tasks: 10_000, jobs: 400, pools: [{ name: 'A', slots: 40 }, { name: 'B', slots: 10 }, { name: '(global)', slots: 0 }], failRate: 0.01, cancelRate: 0.01, seed: 4 });
    for (const colorBy of ['job', 'priority'] as const) {
      const svg = renderGanttSvg(input, { colorBy });
      expect(svg.length).toBeLessThan(500_000);
      const els = parsed(svg);
      expect(els[0]!.attributes['data-mode']).toBe('aggregate');
      expect(els[0]!.attributes['data-aggregated-bars']).toBe('10000');
      expect(barsOf(els)).toHaveLength(0);
      expect(els.filter((e) => e.attributes['class'] === 'agg-row').map((e) => e.attributes['data-pool'])).toEqual(['A', 'B', '(global)']);
      expect(svg).not.toMatch(/NaN|Infinity/);
    }
  });

  it('keeps the 2,500-bar chart under 1.5 MB', () => {
    const input = syntheticSchedule({ tasks: 2500, jobs: 50, pools: [{ name: 'A', slots: 30 }, { name: 'B', slots: 10 }], seed: 5 });
    const svg = renderGanttSvg(input, { maxRows: 200 });
    expect(svg).toContain('data-mode="bars"');
    expect(svg.length).toBeLessThan(1_500_000);
  });

  it('counts the peak of bars running at once, a bar ending where the next starts not overlapping it', () => {
    const peakOf = (bars: GanttBar[]): string | undefined =>
      parsed(renderGanttSvg({ pools: [{ name: 'P', slots: 4 }], bars }, { maxBars: 0 })).find((e) => e.attributes['class'] === 'agg-row')!.attributes['data-peak'];
    expect(peakOf([bar('a', 'P', 0, 5), bar('b', 'P', 5, 10), bar('c', 'P', 10, 15)])).toBe('1');
    expect(peakOf([bar('a', 'P', 0, 5), bar('b', 'P', 4, 10), bar('c', 'P', 4.5, 15), bar('z', 'P', 7, 7)])).toBe('3');
  });

  it('stacks the busiest jobs when a few do most of the work', () => {
    const bars = [...Array.from({ length: 30 }, (_, i) => bar(`big${i}`, 'P', i, i + 1, { jobId: 'big' })), ...Array.from({ length: 12 }, (_, i) => bar(`s${i}`, 'P', i, i + 0.5, { jobId: `small${i}` }))];
    const els = parsed(renderGanttSvg({ pools: [{ name: 'P', slots: 2 }], bars }, { maxBars: 10 }));
    const legend = els.filter((e) => e.name === 'text' && e.parent?.attributes['class'] === 'legend').map((e) => e.text);
    expect(legend[0]).toBe('big');
    expect(legend).toContain('other jobs (5)');
  });
});

describe('renderGanttSvg() edge cases', () => {
  it('draws an empty chart with a message when there is nothing', () => {
    for (const input of [{ pools: [], bars: [] }, { pools: [{ name: 'P', slots: 2 }], bars: [] }] satisfies GanttInput[]) {
      const svg = renderGanttSvg(input);
      expect(svg).not.toMatch(/NaN|Infinity/);
      const els = parsed(svg);
      expect(els[0]!.attributes['data-mode']).toBe('bars');
      expect(barsOf(els)).toHaveLength(0);
      expect(els.find((e) => e.attributes['class'] === 'empty')!.text).toBe('No tasks to show');
    }
  });

  it('draws zero-duration bars without NaN, at least 1px wide', () => {
    for (const bars of [[bar('a', 'P', 5, 5), bar('b', 'P', 5, 5)], [bar('z', 'P', 0, 0)]]) {
      const svg = renderGanttSvg({ pools: [{ name: 'P', slots: 1 }], bars });
      expect(svg).not.toMatch(/NaN|Infinity/);
      const rects = barsOf(parsed(svg));
      expect(rects).toHaveLength(bars.length);
      for (const r of rects) expect(Number(r.attributes.width)).toBeGreaterThanOrEqual(1);
      const agg = renderGanttSvg({ pools: [{ name: 'P', slots: 1 }], bars }, { maxBars: 0 });
      expect(agg).not.toMatch(/NaN|Infinity/);
      parsed(agg);
    }
  });

  it('gives the same bytes for the same input, and for the same bars in another order', () => {
    const input = syntheticSchedule({ tasks: 150, jobs: 8, pools: [{ name: 'A', slots: 5 }, { name: '(global)', slots: 0 }], failRate: 0.05, seed: 6, title: 'same' });
    const a = renderGanttSvg(input);
    expect(renderGanttSvg(input)).toBe(a);
    const shuffled = { ...input, bars: [...input.bars].reverse() };
    expect(renderGanttSvg(shuffled)).toBe(a);
    const big = syntheticSchedule({ tasks: 5000, jobs: 30, pools: [{ name: 'A', slots: 20 }], seed: 7 });
    expect(renderGanttSvg(big)).toBe(renderGanttSvg(big));
  });

  it('rejects bars that end before they start, non-finite times and bad slots', () => {
    expect(() => renderGanttSvg({ pools: [], bars: [bar('a', 'P', 5, 4)] })).toThrow(expect.objectContaining({ name: 'RangeError', code: 'ERR_OUT_OF_RANGE' }));
    expect(() => renderGanttSvg({ pools: [], bars: [bar('a', 'P', Number.NaN, 4)] })).toThrow(/bar #0 \(task "a"\) has a start of `NaN`/);
    expect(() => renderGanttSvg({ pools: [], bars: [bar('a', 'P', 0, Infinity)] })).toThrow(RangeError);
    expect(() => renderGanttSvg({ pools: [], bars: [bar('a', 'P', 0, 1, { slot: 1.5 })] })).toThrow(/slot/);
    expect(() => renderGanttSvg({ pools: [], bars: [bar('a', 'P', 0, 1, { priority: Number.NaN })] })).toThrow(/priority/);
  });

  it('rejects an input that is not { bars, pools } of the right shapes, or an unknown time unit, with a typed error (it crashed, or drew an axis of NaN)', () => {
    const ok = bar('a', 'P', 0, 1);
    const cases: Array<[unknown, RegExp]> = [
      [null, /expected `input` to be an object \{ bars, pools \}, got `null`/],
      [{ pools: [], bars: 'ab' }, /expected `bars` to be an array/],
      [{ bars: [ok] }, /expected `pools` to be an array of \{ name, slots \}, got `undefined`/],
      [{ pools: [{ name: 'P' }], bars: [ok] }, /`pools\[0\].slots` \(pool "P"\) to be a number >= 0/],
      [{ pools: [null], bars: [ok] }, /`pools\[0\]` to be \{ name: a string/],
      [{ pools: [], bars: [ok], timeUnit: 'hours' }, /`timeUnit` to be 'ms', 's' or 'min', got `"hours"`/],
      [{ pools: [], bars: [ok], timeUnit: 'toString' }, /`timeUnit` to be 'ms', 's' or 'min'/],
      [{ pools: [], bars: [ok], origin: Number.NaN }, /`origin` to be a finite number/],
      [{ pools: [], bars: [ok], title: 5 }, /`title` to be a string/],
      [{ pools: [], bars: [null] }, /expected bar #0 to be an object, got `null`/],
      [{ pools: [], bars: [{ ...ok, label: undefined }] }, /bar #0 \(task "a"\) has a label of `undefined`/],
      [{ pools: [], bars: [{ ...ok, pool: 7 }] }, /has a pool of `7`/],
      [{ pools: [], bars: [{ ...ok, state: 'Done' }] }, /bar #0 \(task "a"\) has a state of `"Done"` \(string\); expected 'Finished', 'Error' or 'Canceled'/],
      [{ pools: [], bars: [{ ...ok, state: undefined }] }, /has a state of `undefined`/],
    ];
    for (const [input, message] of cases) {
      expect(() => renderGanttSvg(input as GanttInput), String(message)).toThrow(message);
      try {
        renderGanttSvg(input as GanttInput);
      } catch (err) {
        expect((err as Error).name, String(message)).toMatch(/^(TypeError|RangeError)$/);
        expect((err as { code?: string }).code, String(message)).toMatch(/^ERR_/);
      }
    }
    expect(() => renderGanttSvg({ pools: [], bars: [ok] }, null as never)).toThrow(/expected `options` to be an object/);
    // A bar state the chart does not know was written into the SVG as data-state="Done" (or "undefined").
    expect(() => renderGanttSvg({ pools: [], bars: [{ ...ok, state: 'Done' as never }] })).toThrow(expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' }));
    // Every unit the type names still draws, without NaN.
    for (const timeUnit of ['ms', 's', 'min'] as const) expect(renderGanttSvg({ pools: [{ name: 'P', slots: 1 }], bars: [ok], timeUnit })).not.toMatch(/NaN/);
  });

  it('validates options the p-queue way', () => {
    const input: GanttInput = { pools: [], bars: [] };
    expect(() => renderGanttSvg(input, { maxRows: 0 })).toThrow('renderGanttSvg: expected `maxRows` to be an integer >= 1, got `0` (number)');
    expect(() => renderGanttSvg(input, { width: 10 })).toThrow(RangeError);
    expect(() => renderGanttSvg(input, { idPrefix: '1"x' })).toThrow(TypeError);
  });

  it('rejects `jobColors` that is not an object of colours with a typed error (null crashed inside)', () => {
    const input: GanttInput = { pools: [], bars: [bar('a', 'P', 0, 1)] };
    for (const jobColors of [null, 'red', 5, ['#ff0000']]) {
      expect(() => renderGanttSvg(input, { jobColors: jobColors as never }), String(jobColors)).toThrow(expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' }));
    }
    expect(() => renderGanttSvg(input, { jobColors: null as never })).toThrow('renderGanttSvg: expected `jobColors` to be an object of job id → \'#rrggbb\', got `null` (null)');
    expect(renderGanttSvg(input, { jobColors: { job: '#123456' } })).toContain('#123456');
  });
});

describe('chart helpers', () => {
  it('escapeXml() escapes markup and replaces characters XML cannot hold', () => {
    expect(escapeXml(`a<b>&"c"'d'`)).toBe('a&lt;b&gt;&amp;&quot;c&quot;&#39;d&#39;');
    expect(escapeXml('x\u0000y\uD800z\uFFFF')).toBe('x\uFFFDy\uFFFDz\uFFFD');
    expect(escapeXml('😀')).toBe('😀');
  });

  it('niceTicks() steps by 1, 2 or 5 times a power of ten and covers the domain', () => {
    expect(niceTicks(0, 97, 5)).toEqual({ start: 0, end: 100, step: 20, values: [0, 20, 40, 60, 80, 100], decimals: 0 });
    expect(niceTicks(3, 3, 5).end).toBeGreaterThan(niceTicks(3, 3, 5).start);
    fc.assert(
      fc.property(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.double({ min: 0, max: 1e6, noNaN: true }), fc.integer({ min: 2, max: 20 }), (lo, span, target) => {
        const t = niceTicks(lo, lo + span, target);
        const mantissa = t.step / 10 ** Math.floor(Math.log10(t.step) + 1e-9);
        expect([1, 2, 5].some((m) => Math.abs(mantissa - m) < 1e-6)).toBe(true);
        // Ticks snap to a value within a billionth of a step (float noise), so may miss by that much.
        expect(t.start).toBeLessThanOrEqual(lo + 1e-9 * Math.max(1, Math.abs(lo), t.step));
        expect(t.end).toBeGreaterThanOrEqual(lo + span - 1e-9 * Math.max(1, Math.abs(lo + span), t.step));
        expect(t.values.every(Number.isFinite)).toBe(true);
      }),
    );
  });

  it('formatNumber() groups thousands and suits decimals to the magnitude, without locale', () => {
    expect(formatNumber(1234567)).toBe('1,234,567');
    expect(formatNumber(1234.56)).toBe('1,235');
    expect(formatNumber(12.345)).toBe('12.3');
    expect(formatNumber(0.012345)).toBe('0.0123');
    expect(formatNumber(-3.5)).toBe('−3.5');
    expect(formatNumber(0.5, 0)).toBe('1');
  });

  it('assignJobColors() gives up to 12 jobs distinct colours, whatever their order', () => {
    const ids = Array.from({ length: 12 }, (_, i) => `job-${i}`);
    const a = assignJobColors(ids);
    expect(new Set(a.values()).size).toBe(12);
    expect(assignJobColors([...ids].reverse())).toEqual(a);
    for (const c of a.values()) expect(JOB_PALETTE).toContain(c);
  });
});

describe('renderGanttSvg() views: slots, jobs, tasks', () => {
  // Two jobs: a waits 5 s for its second task; b's task is on the critical path.
  const input: GanttInput = {
    pools: [{ name: 'RU', slots: 2 }],
    origin: 0,
    bars: [
      bar('a1', 'RU', 0, 10, { jobId: 'a', jobLabel: 'Job A', label: 'Ingest', ready: 0 }),
      bar('a2', 'RU', 15, 20, { jobId: 'a', jobLabel: 'Job A', label: 'Encode 1080p with a name far too long for its bar', ready: 10 }),
      bar('a3', 'RU', 10, 15, { jobId: 'a', jobLabel: 'Job A', label: 'Thumbnails', ready: 10 }),
      bar('b1', 'RU', 2, 15, { jobId: 'b', jobLabel: 'Job B', label: 'Encode', ready: 2, critical: true }),
      bar('b2', 'RU', 15, 30, { jobId: 'b', jobLabel: 'Job B', label: 'Package', ready: 15, critical: true }),
    ],
  };
  const rowsOf = (els: XmlElement[]): Map<string, string> => new Map(barsOf(els).map((r) => [r.attributes['data-task-id']!, r.attributes.y!]));

  it('draws a row per task grouped by job, each named beside it, and a wait before a task that waited', () => {
    const els = parsed(renderGanttSvg(input, { rows: 'tasks' }));
    expect(els[0]!.attributes['data-rows']).toBe('tasks');
    expect(new Set(rowsOf(els).values()).size).toBe(5);
    expect(els.filter((e) => e.attributes['class'] === 'job').map((e) => e.attributes['data-job'])).toEqual(['a', 'b']);
    expect(els.filter((e) => e.attributes['class'] === 'row-label').map((e) => e.text)).toEqual(expect.arrayContaining(['Ingest', 'Thumbnails', 'Encode', 'Package']));
    const waits = els.filter((e) => e.attributes['class'] === 'wait');
    expect(waits.map((w) => w.attributes['data-task-id'])).toEqual(['a2']);
    expect(els.find((e) => e.name === 'title' && e.parent === waits[0])!.text).toBe('Encode 1080p with a name far too long for its bar: waited 5 s for a slot');
  });

  it('packs a job into lanes, its waits included, as many as overlap', () => {
    const els = parsed(renderGanttSvg(input, { rows: 'jobs' }));
    const y = rowsOf(els);
    // a1 [0,10), a3 [10,15) and a2 [10 ready,20): two lanes; b1 then b2 in one.
    expect(new Set(['a1', 'a2', 'a3'].map((t) => y.get(t))).size).toBe(2);
    expect(y.get('b1')).toBe(y.get('b2'));
    expect(els.filter((e) => e.attributes['class'] === 'group-label').map((e) => e.text)).toEqual(['Job A', 'Job B']);
  });

  it('draws no waits in the slot view, where a wait would lie under the task before', () => {
    const els = parsed(renderGanttSvg(input));
    expect(els[0]!.attributes['data-rows']).toBe('slots');
    expect(els.filter((e) => e.attributes['class'] === 'wait')).toEqual([]);
  });

  it.each(['slots', 'jobs', 'tasks'] as const)('outlines the critical path in the %s view and names it in the legend', (rows) => {
    const els = parsed(renderGanttSvg(input, { rows }));
    const critical = barsOf(els).filter((r) => 'data-critical' in r.attributes);
    expect(critical.map((r) => r.attributes['data-task-id']).sort()).toEqual(['b1', 'b2']);
    for (const r of critical) expect(r.attributes['stroke-width']).toBe('2');
    const legend = els.filter((e) => e.name === 'text' && e.parent?.attributes['class'] === 'legend').map((e) => e.text);
    expect(legend.some((t) => t.startsWith('critical path (2 tasks)'))).toBe(true);
  });

  it('says how busy the pools were against their capacity, from the origin', () => {
    // 5 bars, 10 + 5 + 5 + 13 + 15 = 48 slot-seconds over 2 slots × 30 s.
    const summary = parsed(renderGanttSvg(input)).find((e) => e.attributes['class'] === 'summary')!.text;
    expect(summary).toContain('makespan 30 s');
    expect(summary).toContain('80.0 % busy');
  });

  it('cuts a label to its bar with an ellipsis; the bar’s tooltip keeps the whole name', () => {
    const els = parsed(renderGanttSvg(input, { rows: 'tasks' }));
    const labels = els.filter((e) => e.attributes['class'] === 'bar-label').map((e) => e.text);
    const cut = labels.find((t) => t.startsWith('Enc') && t.endsWith('…'));
    expect(cut).toBeDefined();
    expect(cut!.length).toBeLessThan('Encode 1080p with a name far too long for its bar'.length);
    const a2 = barsOf(els).find((r) => r.attributes['data-task-id'] === 'a2')!;
    expect(els.find((e) => e.name === 'title' && e.parent === a2)!.text).toContain('Task: Encode 1080p with a name far too long for its bar (a2)');
  });

  it('wraps a long legend onto lines inside the picture, whatever the names', () => {
    const many = syntheticSchedule({ tasks: 200, jobs: 40, pools: [{ name: 'A', slots: 6 }, { name: 'B', slots: 3 }], seed: 5 });
    many.bars.forEach((b) => (b.jobLabel = `${b.jobLabel} WWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWW`));
    const svg = renderGanttSvg(many, { width: 600 });
    const els = parsed(svg);
    const legendTexts = els.filter((e) => e.name === 'text' && e.parent?.attributes['class'] === 'legend');
    expect(legendTexts.length).toBeGreaterThan(20);
    for (const t of legendTexts) expect(Number(t.attributes.x) + textWidth(t.text, 11)).toBeLessThanOrEqual(600);
  });

  it('rejects an unknown view and a ready time after the start', () => {
    expect(() => renderGanttSvg(input, { rows: 'pools' as never })).toThrow(/`rows` to be 'slots', 'jobs' or 'tasks'/);
    expect(() => renderGanttSvg({ pools: [], bars: [bar('x', 'P', 0, 1, { ready: 2 })] })).toThrow(/ready time of `2`/);
  });

  it('draws 200 tasks of a simulation in every view as bars, not bands', () => {
    const big = syntheticSchedule({ tasks: 200, jobs: 30, pools: [{ name: 'RU', slots: 4 }], withSlots: true, seed: 9 });
    for (const rows of ['slots', 'jobs', 'tasks'] as const) {
      const els = parsed(renderGanttSvg(big, { rows }));
      expect(els[0]!.attributes['data-mode']).toBe('bars');
      expect(barsOf(els)).toHaveLength(200);
    }
  });
});

describe('textWidth() and fitText()', () => {
  it('measures wide letters wider than narrow ones and cuts to a width with an ellipsis', () => {
    expect(textWidth('WWW', 11)).toBeGreaterThan(textWidth('iii', 11) * 2);
    expect(fitText('Encode 1080p', 1000, 11)).toBe('Encode 1080p');
    const cut = fitText('Encode 1080p adaptive', 50, 11);
    expect(cut.endsWith('…')).toBe(true);
    expect(textWidth(cut, 11)).toBeLessThanOrEqual(50);
    expect(fitText('Encode', 3, 11)).toBe('');
  });
});
