/**
 * Names from job definitions holding bidi controls (U+202E …) or other invisible format characters
 * must not reorder or hide text in a drawing ("Trojan Source"): every exporter shows them as
 * `\uXXXX`, and the files stay well-formed.
 */
import { describe, expect, it } from 'vitest';
import { dotString, exportDot } from '../../../src/export/dot.js';
import { renderGanttSvg, type GanttInput } from '../../../src/export/gantt-svg.js';
import { exportMermaid, mermaidText } from '../../../src/export/mermaid.js';
import { renderHtmlReport } from '../../../src/export/report-html.js';
import { escapeXml } from '../../../src/export/svg.js';
import { fitText, textWidth } from '../../../src/export/text-width.js';
import { sequentialIds } from '../../../src/job/ids.js';
import { validateJob } from '../../../src/validate/validate.js';
import { parseXml } from '../../browser/fixtures.js';

/** Every character that must not reach a drawing as itself. */
const BIDI = ['\u061c', '\u200e', '\u200f', '\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069'];
const INVISIBLE = ['\u200b', '\u2060', '\ufeff', '\u180e', '\u007f', '\u0085', '\u009b'];
const ACTIVE = /[\u007f-\u009f\u061c\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]/;

/** The classic spoof: shown as "invoice_exe.pdf" when the override is active. */
const SPOOF = 'invoice_\u202efdp.exe';
const ALL = `x${[...BIDI, ...INVISIBLE].join('')}y`;
const ALL_SHOWN = 'x\\u061c\\u200e\\u200f\\u202a\\u202b\\u202c\\u202d\\u202e\\u2066\\u2067\\u2068\\u2069\\u200b\\u2060\\ufeff\\u180e\\u007f\\u0085\\u009by';

function job(name: string) {
  return validateJob(
    {
      Name: `Job ${name}`,
      InputMediaAssets: [{ __metadata: { uri: "https://media.windows.net/api/Assets('nb%3Acid%3AUUID%3A910ffdc1-2e25-4b17-8a42-61ffd4b8914c')" } }],
      Tasks: [
        {
          Name: name,
          MediaProcessorId: 'nb:mpid:UUID:ff4df607-d419-42f0-bc17-a481b1331e56',
          TaskBody: '<taskBody><inputAsset>JobInputAsset(0)</inputAsset><outputAsset assetName="out&#x202E;put">JobOutputAsset(0)</outputAsset></taskBody>',
        },
      ],
    },
    { profile: 'relaxed', ids: sequentialIds() },
  );
}

function gantt(name: string): GanttInput {
  return {
    title: `Title ${name}`,
    pools: [{ name: `pool ${name}`, slots: 1 }],
    bars: [{ taskId: `id ${name}`, label: name, jobId: `job ${name}`, jobLabel: `Job ${name}`, pool: `pool ${name}`, priority: 0, start: 0, end: 100, state: 'Finished', ready: 0 }],
  };
}

function wellFormed(svg: string): string {
  const { errors, root } = parseXml(svg);
  expect(errors).toEqual([]);
  expect(root?.name).toBe('svg');
  return svg;
}

describe('bidi and invisible characters in exports', () => {
  it('dotString() shows them as \\uXXXX, backslash doubled so Graphviz draws it', () => {
    expect(dotString(SPOOF)).toBe('"invoice_\\\\u202efdp.exe"');
    // DEL stays a space, as the C0 controls; line breaks stay line breaks.
    expect(dotString(ALL)).toBe(`"${ALL_SHOWN.replace('\\u007f', ' ').replace(/\\/g, '\\\\')}"`);
    expect(dotString('a\u0007\u007fb\nc')).toBe('"a  b\\nc"');
  });

  it('exportDot() escapes them in task, job and asset names', () => {
    const dot = exportDot(job(SPOOF));
    expect(dot).not.toMatch(ACTIVE);
    expect(dot).toContain('#0 invoice_\\\\u202efdp.exe');
    expect(dot).toContain('Job invoice_\\\\u202efdp.exe');
    expect(dot).toContain('out\\\\u202eput');
  });

  it('mermaidText() and exportMermaid() show them as \\uXXXX, in labels and in the title comment', () => {
    expect(mermaidText(SPOOF)).toBe('invoice_\\u202efdp.exe');
    expect(mermaidText(ALL)).toBe(ALL_SHOWN.replace('\\u007f', ' ')); // DEL: a space, as before
    const mmd = exportMermaid(job(SPOOF));
    expect(mmd).not.toMatch(ACTIVE);
    expect(mmd.split('\n')[0]).toBe('%% Job invoice_\\u202efdp.exe (job priority 0)');
    expect(mmd).toContain('#35;0 invoice_\\u202efdp.exe<br/>');
    expect(mmd).toContain('out\\u202eput');
  });

  it('escapeXml() shows them as \\uXXXX and still replaces what XML cannot hold', () => {
    expect(escapeXml(`<${SPOOF}>`)).toBe('&lt;invoice_\\u202efdp.exe&gt;');
    expect(escapeXml(ALL)).toBe(ALL_SHOWN);
    expect(escapeXml('a\u0001b')).toBe('a\uFFFDb');
  });

  it('renderGanttSvg() escapes them in labels, tooltips, titles and attributes, and stays well-formed', () => {
    for (const rows of ['slots', 'jobs', 'tasks'] as const) {
      const svg = wellFormed(renderGanttSvg(gantt(ALL), { rows }));
      expect(svg).not.toMatch(ACTIVE);
      expect(svg).toContain(`Task: ${ALL_SHOWN} (id ${ALL_SHOWN})`);
      expect(svg).toContain(`Title ${ALL_SHOWN}`);
    }
    const aggregate = wellFormed(renderGanttSvg(gantt(SPOOF), { maxBars: 0 }));
    expect(aggregate).toContain('data-mode="aggregate"');
    expect(aggregate).not.toMatch(ACTIVE);
    expect(aggregate).toContain('pool invoice_\\u202efdp.exe');
  });

  it('renderHtmlReport() escapes them in the title, notes, run labels and the inline SVG', () => {
    const html = renderHtmlReport({ title: `Report ${SPOOF}`, notes: [`note ${SPOOF}`], runs: [{ label: `run ${SPOOF}`, policy: `fifo ${SPOOF}`, capacity: '1 RU', metrics: { makespan: 1 }, gantt: gantt(SPOOF) }] });
    expect(html).not.toMatch(ACTIVE);
    for (const s of ['Report', 'note', 'run', 'fifo', 'Task:']) expect(html).toContain(`${s} invoice_\\u202efdp.exe`);
  });

  it('keeps joiners that scripts and emoji need, and ordinary right-to-left text', () => {
    const text = 'می\u200cخواهم \u{1f469}\u200d\u{1f4bb} שלום';
    expect(escapeXml(text)).toBe(text);
    expect(mermaidText(text)).toBe(text);
    expect(dotString(text)).toBe(`"${text}"`);
  });

  it('measures a hidden character as its escape, so labels are cut to what is drawn', () => {
    expect(textWidth('\u202e', 11)).toBeCloseTo(textWidth('\\u202e', 11));
    // A cut never splits an escape: it happens before escaping, between characters.
    const cut = fitText(`ab\u202e\u202e\u202ecd`, textWidth('ab\\u202e…', 11) + 0.5, 11);
    expect(cut).toBe('ab\u202e…');
  });
});
