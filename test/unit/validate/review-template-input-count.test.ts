import { describe, expect, it } from 'vitest';
import { validateJob } from '../../../src/validate/validate.js';
import { validateJobTemplate } from '../../../src/validate/template.js';

const MES = 'nb:mpid:UUID:ff4df607-d419-42f0-bc17-a481b1331e56';
const JT = 'nb:jtid:UUID:0b6c7d6e-1111-4a2b-9c3d-000000000001';
const TT = 'nb:ttid:UUID:071370A3-E63E-4E81-A099-AD66BCAC3789';
const INPUT = { __metadata: { uri: "Assets('nb:cid:UUID:910ffdc1-2e25-4b17-8a42-61ffd4b8914c')" } };

const template = (n: unknown, input = 0) => ({
  Id: JT,
  Name: 'T',
  TemplateType: 1,
  NumberofInputAssets: n,
  JobTemplateBody: `<jobTemplate><taskBody taskTemplateId="${TT}"><inputAsset>JobInputAsset(${input})</inputAsset><outputAsset>JobOutputAsset(0)</outputAsset></taskBody></jobTemplate>`,
  TaskTemplates: [{ Id: TT, Name: 'a', MediaProcessorId: MES, NumberofInputAssets: 1, NumberofOutputAssets: 1 }],
});

const timed = <T>(f: () => T): [T, number] => {
  const t0 = performance.now();
  const r = f();
  return [r, performance.now() - t0];
};

describe('a template with a huge NumberofInputAssets', () => {
  it('is checked in bounded time (5,000,000 inputs are not made one by one)', () => {
    const [ams, msAms] = timed(() => validateJobTemplate(template(5_000_000)));
    expect(msAms).toBeLessThan(1000);
    expect(ams.valid).toBe(false);
    expect(ams.diagnostics.map((d) => d.code)).toEqual(['JOB_TOO_MANY_ASSETS']);
    // The count said is the template's, not that of the inputs it was checked with.
    expect(ams.diagnostics[0]!.message).toContain('5000000');
    const [relaxed, msRelaxed] = timed(() => validateJobTemplate(template(5_000_000), { profile: 'relaxed' }));
    expect(msRelaxed).toBeLessThan(1000);
    expect(relaxed.diagnostics).toEqual([]);
  });

  it('never crashes at the largest count it takes (2^31 - 1, and "999999999" as text)', () => {
    for (const n of [2147483647, '999999999']) {
      const [r, ms] = timed(() => validateJobTemplate(template(n), { profile: 'relaxed' }));
      expect(ms).toBeLessThan(1000);
      expect(r.valid).toBe(true);
      const [j, msJob] = timed(() => validateJob({ Name: 'j', TemplateId: JT, InputMediaAssets: [INPUT] }, { templates: [template(n) as never], profile: 'relaxed' }));
      expect(msJob).toBeLessThan(1000);
      expect(j.diagnostics.map((d) => d.code)).toEqual(['TEMPLATE_INPUT_COUNT']);
    }
  });

  it('still checks the references against the count: in range below it, out of range at it', () => {
    expect(validateJobTemplate(template(500, 499), { profile: 'relaxed' }).diagnostics).toEqual([]);
    const out = validateJobTemplate(template(500, 500), { profile: 'relaxed' });
    expect(out.diagnostics.map((d) => d.code)).toEqual(['INPUT_INDEX_OUT_OF_RANGE']);
    expect(out.diagnostics[0]!.message).toContain('500 input assets');
    expect(validateJobTemplate(template(50_000, 40_000), { profile: 'relaxed' }).diagnostics).toEqual([]);
    // Exactly as before for counts the quota allows.
    expect(validateJobTemplate(template(100)).diagnostics.map((d) => [d.code, d.message])).toEqual([['JOB_TOO_MANY_ASSETS', expect.stringContaining('101 assets (100 inputs, 1 outputs)')]]);
  });
});
