import { describe, expect, it } from 'vitest';
import { validateJobTemplate } from '../../../src/validate/template.js';

const MES = 'nb:mpid:UUID:ff4df607-d419-42f0-bc17-a481b1331e56';
const JT = 'nb:jtid:UUID:0b6c7d6e-1111-4a2b-9c3d-000000000001';
const tt = (k: number) => `nb:ttid:UUID:071370a3-e63e-4e81-a099-${String(k).padStart(12, '0')}`;
const body = (id: string, k: number) => `<taskBody taskTemplateId="${id}"><inputAsset>JobInputAsset(0)</inputAsset><outputAsset>JobOutputAsset(${k})</outputAsset></taskBody>`;

/** A template of `n` TaskTemplates whose bodies name the Ids `named(k)`. */
function template(n: number, named: (k: number) => string) {
  let text = '<jobTemplate>';
  for (let k = 0; k < n; k++) text += body(named(k), k);
  return {
    Id: JT,
    Name: 'T',
    TemplateType: 1,
    NumberofInputAssets: 1,
    JobTemplateBody: `${text}</jobTemplate>`,
    TaskTemplates: Array.from({ length: n }, (_, k) => ({ Id: tt(k), MediaProcessorId: MES, NumberofInputAssets: 1, NumberofOutputAssets: 1 })),
  };
}

const mismatches = (t: ReturnType<typeof template>) => validateJobTemplate(t, { profile: 'relaxed' }).diagnostics.filter((d) => d.code === 'TEMPLATE_TASK_MISMATCH' && d.message.includes('does not have'));

describe("did you mean, for a taskTemplateId the template does not have", () => {
  it('suggests the TaskTemplate a slip or another case names', () => {
    const hints = mismatches(template(3, (k) => (k === 1 ? tt(1).replace('071370a3', '071370a4') : k === 2 ? tt(2).toUpperCase().replace('NB:TTID:UUID', 'nb:ttid:UUID') : tt(k)))).map((d) => d.hint);
    expect(hints).toEqual([`did you mean ${tt(1)}?`, `did you mean ${tt(2)}?`]);
  });

  it('bounds its work: 2,000 TaskTemplates, each body naming an unknown Id (took 34 s)', () => {
    const t = template(2_000, (k) => tt(k).replace('071370a3-e63e', 'ffffffff-0000'));
    const t0 = performance.now();
    const found = mismatches(t);
    const ms = performance.now() - t0;
    expect(found.length).toBeGreaterThan(900);
    for (const d of found) expect(d.hint).toMatch(/^did you mean nb:ttid:UUID:\S+\?$|^each taskTemplateId is the Id of one of the template's TaskTemplates$/);
    expect(ms).toBeLessThan(4_000);
  }, 120_000);
});

describe('did you mean, for an unknown property of a megabyte', () => {
  it('is not measured against every known name (ten 1 MB names took about 30 s)', () => {
    const extra: Record<string, number> = {};
    for (let k = 0; k < 10; k++) extra[`${'Q'.repeat(1_000_000)}${k}`] = 1;
    const t = { ...template(1, tt), ...extra };
    const t0 = performance.now();
    const unknown = validateJobTemplate(t).diagnostics.filter((d) => d.code === 'UNKNOWN_PROPERTY');
    const ms = performance.now() - t0;
    expect(unknown).toHaveLength(10);
    for (const d of unknown) expect(d.hint).not.toMatch(/did you mean/);
    expect(ms).toBeLessThan(4_000);
  }, 120_000);

  it('still suggests the known name a short slip means', () => {
    const d = validateJobTemplate({ ...template(1, tt), Nmae: 'x' }).diagnostics.find((x) => x.code === 'UNKNOWN_PROPERTY');
    expect(d?.hint).toBe('did you mean Name?');
  });
});
