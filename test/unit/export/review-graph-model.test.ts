import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { exportDot } from '../../../src/export/dot.js';
import { exportModel, graphTitle, processorName } from '../../../src/export/graph-export.js';
import { exportMermaid } from '../../../src/export/mermaid.js';
import { sequentialIds } from '../../../src/job/ids.js';
import { validateJob } from '../../../src/validate/validate.js';

const MES = 'nb:mpid:UUID:ff4df607-d419-42f0-bc17-a481b1331e56';
const INPUT = { __metadata: { uri: "https://media.windows.net/api/Assets('nb%3Acid%3AUUID%3A910ffdc1-2e25-4b17-8a42-61ffd4b8914c')" } };
const body = (inputs: string[], outputs: string[]): string =>
  `<taskBody>${inputs.map((r) => `<inputAsset>${r}</inputAsset>`).join('')}${outputs.map((r) => `<outputAsset>${r}</outputAsset>`).join('')}</taskBody>`;
const validate = (def: unknown, profile: 'ams' | 'relaxed' = 'ams') => validateJob(def as never, { profile, ids: sequentialIds() });

describe('export model: duplicate outputs', () => {
  // Task #0 writes JobOutputAsset(0) three times, task #1 writes JobOutputAsset(1) and then, twice,
  // JobOutputAsset(0) again, after JobOutputAsset(5) also written twice by #0.
  const def = {
    Name: 'dups',
    InputMediaAssets: [INPUT],
    Tasks: [
      { Name: 'a', MediaProcessorId: MES, TaskBody: body(['JobInputAsset(0)'], ['JobOutputAsset(5)', 'JobOutputAsset(0)', 'JobOutputAsset(0)', 'JobOutputAsset(0)', 'JobOutputAsset(5)']) },
      { Name: 'b', MediaProcessorId: MES, TaskBody: body(['JobOutputAsset(0)'], ['JobOutputAsset(1)', 'JobOutputAsset(0)', 'JobOutputAsset(0)']) },
    ],
  };

  it('declares each duplicate node once, in DOT and in Mermaid, listed by task then asset', () => {
    const r = validate(def);
    expect(exportModel(r).duplicates).toEqual([
      { task: 0, asset: 0 },
      { task: 0, asset: 5 },
      { task: 1, asset: 0 },
    ]);
    const dot = exportDot(r);
    for (const id of ['dup0_0', 'dup0_5', 'dup1_0']) {
      expect(dot.match(new RegExp(`^ {2}${id} \\[`, 'gm')), id).toHaveLength(1);
      expect(dot.match(new RegExp(`-> ${id} `, 'g')), id).toHaveLength(1);
      const mmd = exportMermaid(r);
      expect(mmd.match(new RegExp(`^ {2}${id}\\[`, 'gm')), id).toHaveLength(1);
      expect(mmd.match(new RegExp(`-.-> ${id}$`, 'gm')), id).toHaveLength(1);
    }
    expect(execFileSync('dot', ['-Tsvg'], { input: dot }).toString()).toContain('<svg');
  });
});

describe('export title: problems past maxDiagnostics', () => {
  it('counts the errors TOO_MANY_DIAGNOSTICS left out, as jobgraph validate does', () => {
    // 1,500 two-task cycles: 1,500 CYCLE errors, past the 1,000 listed.
    const n = 3000;
    const r = validate(
      { Name: 'many', InputMediaAssets: [INPUT], Tasks: Array.from({ length: n }, (_, i) => ({ Name: `t${i}`, MediaProcessorId: MES, TaskBody: body([`JobOutputAsset(${i ^ 1})`], [`JobOutputAsset(${i})`]) })) },
      'relaxed',
    );
    const more = r.diagnostics.find((d) => d.code === 'TOO_MANY_DIAGNOSTICS');
    expect(more?.omitted?.errors).toBe(500);
    const title = graphTitle(exportModel(r));
    expect(title).toMatch(/invalid: 1500 errors/);
    expect(exportModel(r).errors).toBe(1500);
    expect(exportDot(r)).toContain('invalid: 1500 errors');
  });
});

describe('processorName() of a long id', () => {
  it('shortens without cutting a character in two (no lone surrogate, drawn as U+FFFD)', () => {
    const name = processorName('🎬'.repeat(20));
    expect(name).toBe(`${'🎬'.repeat(11)}…`);
    expect(name).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
  });
});
