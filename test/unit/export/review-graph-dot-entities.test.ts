import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { exportDot } from '../../../src/export/dot.js';
import { sequentialIds } from '../../../src/job/ids.js';
import { validateJob } from '../../../src/validate/validate.js';

// Graphviz decodes character references in a plain label (`&#x202e;` becomes U+202E in the SVG, and
// in what the PNG renderer draws): a name could bring back, through dot, the bidi controls the
// export writes as a visible `\u202e` ("Trojan Source").
const MES = 'nb:mpid:UUID:ff4df607-d419-42f0-bc17-a481b1331e56';
const INPUT = { __metadata: { uri: "https://media.windows.net/api/Assets('nb%3Acid%3AUUID%3A910ffdc1-2e25-4b17-8a42-61ffd4b8914c')" } };
const ACTIVE = /[\u061c\u200b\u200e\u200f\u202a-\u202e\u2060-\u206f\ufeff]/;

function drawn(name: string): { svg: string; xdot: string } {
  const r = validateJob(
    { Name: `job ${name}`, InputMediaAssets: [INPUT], Tasks: [{ Name: name, MediaProcessorId: MES, TaskBody: '<taskBody><inputAsset>JobInputAsset(0)</inputAsset><outputAsset>JobOutputAsset(0)</outputAsset></taskBody>' }] },
    { profile: 'ams', ids: sequentialIds() },
  );
  expect(r.valid).toBe(true);
  const dot = exportDot(r);
  return { svg: execFileSync('dot', ['-Tsvg'], { input: dot }).toString(), xdot: execFileSync('dot', ['-Txdot'], { input: dot }).toString() };
}

describe('DOT export: character references in names', () => {
  for (const name of ['invoice_&#x202e;fdp.exe', 'invoice_&#8238;fdp.exe', 'invoice_&#X202E;fdp.exe', 'a&rlm;b&lrm;c', 'zero&#8203;width&#xfeff;']) {
    it(`dot draws ${JSON.stringify(name)} as written, no bidi or invisible character`, () => {
      const { svg, xdot } = drawn(name);
      expect(svg).not.toMatch(ACTIVE);
      expect(xdot).not.toMatch(ACTIVE);
      // The name as it is, in the task's label and in the title (xdot writes text undecoded).
      expect(xdot).toContain(`#0 ${name}`);
      expect(xdot).toContain(`job ${name}`);
    });
  }

  it('a numeric reference to an ordinary character is drawn as written, not as the character', () => {
    const { xdot } = drawn('code &#65;&#x42;');
    expect(xdot).toContain('#0 code &#65;&#x42;');
    expect(xdot).not.toContain('code AB');
  });
});
