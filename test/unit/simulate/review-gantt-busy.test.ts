import { describe, expect, it } from 'vitest';
import { overallUtilisation, simulate } from '../../../src/simulate/simulator.js';
import { fixedDurations } from '../../../src/simulate/durations.js';
import { sequentialIds } from '../../../src/job/ids.js';
import { validateJob } from '../../../src/validate/validate.js';
import { renderGanttSvg } from '../../../src/export/gantt-svg.js';
import { ganttOf } from '../../../src/cli/simulate.js';
import { tableCells } from '../../../src/cli/simulate-table.js';
import { runCli } from '../../helpers/cli.js';
import { dagJob, MES } from '../../helpers/jobs.js';

const busyOf = (svg: string): string | undefined => /class="summary"[^>]*>[^<]*?([\d.]+ %) busy/.exec(svg)?.[1];

/**
 * README: "the table, the Gantt charts' "% busy" and the report's utilisation are the same number".
 * The table counts slot-time (a task of Weight 2 keeps two reserved units busy); the chart summed
 * bar lengths, so a weighted workload read 50 % busy in the chart and 100 % in the table.
 */
describe('the Gantt chart\'s "% busy" counts a heavy task\'s slots, as the table does', () => {
  it('every view, and the aggregate bands', () => {
    const r0 = validateJob(dagJob(2, []), { profile: 'relaxed', ids: sequentialIds() });
    r0.job!.extensions = { weight: [2, 2] };
    const r = simulate([{ definition: r0 }], { durations: fixedDurations(1), reservedUnits: 2 });
    // Two tasks, each holding both units for 1 s, one after the other: 2 units busy for 2 s.
    expect(overallUtilisation(r)).toBe(1);
    const table = tableCells(r, false)[8]!;
    expect(table).toBe('100.0 %');
    for (const rows of ['slots', 'jobs', 'tasks'] as const) expect(busyOf(renderGanttSvg(ganttOf(r), { rows }))).toBe(table);
    const agg = renderGanttSvg(ganttOf(r), { maxBars: 0 });
    expect(agg).toContain('data-mode="aggregate"');
    expect(busyOf(agg)).toBe(table);
    // The band: two busy slots at the peak, and 100 % of its capacity.
    expect(agg).toContain('data-peak="2"');
    expect(agg).toMatch(/Busy: 4 s of slot time\nPeak: 2 busy slots\nUtilisation: 100 % of capacity/);
  });

  it('through the CLI, with Weight in the workload', async () => {
    const body = (out: number): string => `<taskBody><inputAsset>JobInputAsset(0)</inputAsset><outputAsset>JobOutputAsset(${out})</outputAsset></taskBody>`;
    const job = {
      Name: 'heavy',
      InputMediaAssets: [{ __metadata: { uri: "https://media.windows.net/api/Assets('nb%3Acid%3AUUID%3A00000000-0000-4000-8000-000000000000')" } }],
      Tasks: [0, 1].map((i) => ({ Name: `T${i}`, MediaProcessorId: MES, Configuration: 'H264 Single Bitrate 720p', Weight: 2, TaskBody: body(i) })),
    };
    const { mkdtempSync, readFileSync, rmSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'jobgraph-review-'));
    try {
      writeFileSync(join(dir, 'w.json'), JSON.stringify(job));
      const r = await runCli(['simulate', join(dir, 'w.json'), '--reserved-units', '2', '--durations', 'fixed:1', '--gantt', join(dir, 'g.svg')]);
      expect(r.code, r.stderr).toBe(0);
      const util = r.stdout.split('\n').find((l) => l.startsWith('| priority'))!.split('|').map((c) => c.trim())[9];
      expect(util).toBe('100.0 %');
      expect(busyOf(readFileSync(join(dir, 'g.svg'), 'utf8'))).toBe(util);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
