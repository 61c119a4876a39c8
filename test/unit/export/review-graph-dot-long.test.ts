import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { dotString, exportDot } from '../../../src/export/dot.js';
import { sequentialIds } from '../../../src/job/ids.js';
import { validateJob } from '../../../src/validate/validate.js';

// Graphviz 2.x (Debian's, the one scripts/ensure-test-tools.sh installs) refuses a quoted string
// holding 16,383 or more bytes in a row without a quote or backslash: "syntax error … scanning a
// quoted string (missing endquote? longer than 16384?)".
const MES = 'nb:mpid:UUID:ff4df607-d419-42f0-bc17-a481b1331e56';
const INPUT = { __metadata: { uri: "https://media.windows.net/api/Assets('nb%3Acid%3AUUID%3A910ffdc1-2e25-4b17-8a42-61ffd4b8914c')" } };

/** The SVG Graphviz draws, or the error it printed. */
function render(dot: string): { ok: boolean; out: string } {
  try {
    return { ok: true, out: execFileSync('dot', ['-Tsvg'], { input: dot, stdio: ['pipe', 'pipe', 'pipe'], maxBuffer: 1 << 28 }).toString() };
  } catch (err) {
    return { ok: false, out: String((err as { stderr?: Buffer }).stderr ?? err) };
  }
}

describe('DOT export of long names', () => {
  it('a valid AMS job whose output has a 20,000-character assetName is drawn by dot, name whole', () => {
    const assetName = 'a'.repeat(20000);
    const r = validateJob(
      {
        Name: 'long asset name',
        InputMediaAssets: [INPUT],
        Tasks: [{ Name: 'Encode', MediaProcessorId: MES, TaskBody: `<taskBody><inputAsset>JobInputAsset(0)</inputAsset><outputAsset assetName="${assetName}">JobOutputAsset(0)</outputAsset></taskBody>` }],
      },
      { profile: 'ams', ids: sequentialIds() },
    );
    expect(r.valid).toBe(true);
    const svg = render(exportDot(r));
    expect(svg.out).not.toMatch(/syntax error/);
    expect(svg.ok).toBe(true);
    expect(svg.out).toContain(assetName);
  });

  it('relaxed: 60,000-character job and task names (CJK, escapes, emoji) are drawn by dot', () => {
    const cjk = '中'.repeat(30000);
    const mixed = Array.from({ length: 12000 }, (_, i) => ['x', '\\', '"', '🎬', '\n', 'é'][i % 6]).join('');
    const r = validateJob(
      {
        Name: cjk + cjk,
        InputMediaAssets: [INPUT],
        Tasks: [
          { Name: 'b'.repeat(60000), MediaProcessorId: MES, TaskBody: '<taskBody><inputAsset>JobInputAsset(0)</inputAsset><outputAsset>JobOutputAsset(0)</outputAsset></taskBody>' },
          { Name: mixed + cjk, MediaProcessorId: MES, TaskBody: '<taskBody><inputAsset>JobOutputAsset(0)</inputAsset><outputAsset>JobOutputAsset(1)</outputAsset></taskBody>' },
        ],
      },
      { profile: 'relaxed', ids: sequentialIds() },
    );
    const svg = render(exportDot(r));
    expect(svg.out).not.toMatch(/syntax error/);
    expect(svg.ok).toBe(true);
    expect(svg.out).toContain('b'.repeat(60000));
  });

  it('dotString() of a long text is one DOT string that Graphviz reads back whole', () => {
    for (const text of ['z'.repeat(40000), '\\'.repeat(9999) + 'y'.repeat(20000), '🎬'.repeat(20000), 'q'.repeat(4999) + '\\"' + 'r'.repeat(20000)]) {
      const svg = render(`digraph { a [label=${dotString(text)}]; }`);
      expect(svg.ok, svg.out.slice(0, 200)).toBe(true);
      // Graphviz's own escapes: \\ is one backslash; SVG writes " as &quot;.
      const drawn = /<text[^>]*>([^<]*)<\/text>/.exec(svg.out)?.[1]?.replace(/&quot;/g, '"').replace(/&#45;/g, '-');
      expect(drawn).toBe(text);
    }
  });

  it('names up to the AMS limit (4,000 characters) are written as before, one plain string', () => {
    expect(dotString('a'.repeat(4000))).toBe(`"${'a'.repeat(4000)}"`);
  });
});
