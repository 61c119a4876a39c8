/**
 * renderGanttSvg() in time bounded by its input: a long pool name was cut to its column by trying
 * one length after another from the end (quadratic in the name), and with `maxRows`/`maxBars`
 * raised each bar walked the pool groups to find its slot.
 */
import { describe, expect, it } from 'vitest';
import { renderGanttSvg, type GanttBar } from '../../../src/export/gantt-svg.js';
import { textWidth } from '../../../src/export/text-width.js';

const bar = (pool: string, extra: Partial<GanttBar> = {}): GanttBar => ({ taskId: 't', label: 'x', jobId: 'j', pool, priority: 0, start: 0, end: 1, state: 'Finished', ...extra });

/** The group label drawn for each pool, in order. */
const groupLabels = (svg: string): string[] => [...svg.matchAll(/<text class="group-label"[^>]*><title>[^<]*<\/title>([^<]*)<\/text>/g)].map((m) => m[1]!);

/** The cut as the one-length-at-a-time loop made it (11 px bold, the slot view's column). */
function slowCut(name: string, width: number): string {
  if (textWidth(name, 11, true) <= width) return name;
  let keep = name.length - 1;
  const cut = (k: number): string => name.slice(0, Math.ceil(k / 2)) + '…' + name.slice(name.length - Math.floor(k / 2));
  while (keep > 1 && textWidth(cut(keep), 11, true) > width) keep--;
  return cut(keep);
}

describe('renderGanttSvg(): cost bounded by the input', () => {
  it(
    'cuts a 64,000-character pool name to its column at once (29 s before)',
    () => {
      const name = 'p'.repeat(32_000) + 'q'.repeat(32_000);
      const t0 = performance.now();
      const svg = renderGanttSvg({ pools: [{ name, slots: 1 }], bars: [bar(name)] });
      const elapsed = performance.now() - t0;
      const [label] = groupLabels(svg);
      expect(label).toMatch(/^p+…q+$/);
      expect(elapsed).toBeLessThan(4_000);
    },
    120_000,
  );

  it('cuts pool names as the one-length-at-a-time loop did', () => {
    // The slot view's group column: 230 px at most, less the padding and the slot numbers.
    const width = 230 - 12 - 26;
    for (const name of ['nb:mpid:UUID:ff4df607-d419-42f0-bc17-a481b1331e56'.repeat(3), 'W'.repeat(41), 'i'.repeat(200) + 'M'.repeat(7), 'ab\u202ecd'.repeat(30), 'x', 'Encoder pool']) {
      const svg = renderGanttSvg({ pools: [{ name, slots: 1 }], bars: [bar(name)] });
      const drawn = groupLabels(svg)[0]!;
      if (!/[\u202e]/.test(name)) expect(drawn).toBe(slowCut(name, width));
      else expect(drawn.replaceAll('\\u202e', '\u202e')).toBe(slowCut(name, width));
    }
  });

  it('names the slot of each bar from a table of rows (a walk over the pools per bar before), with maxRows and maxBars raised', () => {
    const n = 2_000;
    const bars = Array.from({ length: n }, (_, i) => bar(`p${i}`, { taskId: `t${i}`, slot: 0 }));
    bars.push(bar('p7', { taskId: 'second', slot: 1 }));
    const svg = renderGanttSvg({ pools: [{ name: 'p3', slots: 3 }], bars }, { maxBars: 1e9, maxRows: 1e9 });
    expect(svg.match(/<rect data-bar=""/g)!.length).toBe(n + 1);
    expect(svg).toContain('Pool: p7, slot 1');
    expect(svg).toContain('Pool: p1999, slot 0');
    expect(svg).not.toMatch(/Pool: p\d+, slot [2-9]/);
  });
});
