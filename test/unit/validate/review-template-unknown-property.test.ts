import { describe, expect, it } from 'vitest';
import { validateJobTemplate } from '../../../src/validate/template.js';

const MES = 'nb:mpid:UUID:ff4df607-d419-42f0-bc17-a481b1331e56';
const JT = 'nb:jtid:UUID:0b6c7d6e-1111-4a2b-9c3d-000000000001';
const TT = ['nb:ttid:UUID:071370A3-E63E-4E81-A099-AD66BCAC3789', 'nb:ttid:UUID:071370A3-E63E-4E81-A099-AD66BCAC3790'];
const body = (id: string, input: string, output: number) => `<taskBody taskTemplateId="${id}"><inputAsset>${input}</inputAsset><outputAsset>JobOutputAsset(${output})</outputAsset></taskBody>`;
const template = (extra: Record<string, unknown>, second: Record<string, unknown>) => ({
  Id: JT,
  Name: 'T',
  TemplateType: 1,
  NumberofInputAssets: 1,
  JobTemplateBody: `<jobTemplate>${body(TT[0]!, 'JobInputAsset(0)', 0)}${body(TT[1]!, 'JobOutputAsset(0)', 1)}</jobTemplate>`,
  TaskTemplates: [
    { Id: TT[0], MediaProcessorId: MES, NumberofInputAssets: 1, NumberofOutputAssets: 1 },
    { Id: TT[1], MediaProcessorId: MES, NumberofInputAssets: 1, NumberofOutputAssets: 1, ...second },
  ],
  ...extra,
});

describe('a property a JobTemplate or TaskTemplate does not have', () => {
  it('says which TaskTemplate has it', () => {
    const r = validateJobTemplate(template({}, { Foo: 1 }));
    expect(r.diagnostics).toEqual([expect.objectContaining({ code: 'UNKNOWN_PROPERTY', severity: 'warning', template: JT, property: 'Foo', message: expect.stringContaining('TaskTemplates[1]') })]);
  });

  it('suggests the spelling the reference uses: NumberofInputAssets, with a lower-case "of" (not PascalCase)', () => {
    const jt = validateJobTemplate(template({ NumberOfInputAssets: 1 }, {}));
    expect(jt.diagnostics.map((d) => [d.code, d.property, d.hint])).toEqual([['UNKNOWN_PROPERTY', 'NumberOfInputAssets', 'did you mean NumberofInputAssets?']]);
    const tt = validateJobTemplate(template({}, { Descripton: 'x' }));
    expect(tt.diagnostics.map((d) => [d.code, d.hint])).toEqual([['UNKNOWN_PROPERTY', 'did you mean Description?']]);
  });
});
