import { describe, expect, it } from 'vitest';
import { validateJobTemplate } from '../../../src/validate/template.js';

const MES = 'nb:mpid:UUID:ff4df607-d419-42f0-bc17-a481b1331e56';
const JT = 'nb:jtid:UUID:0b6c7d6e-1111-4a2b-9c3d-000000000001';
const TT = 'nb:ttid:UUID:071370A3-E63E-4E81-A099-AD66BCAC3789';
const template = (tt: Record<string, unknown>) => ({
  Id: JT,
  Name: 'T',
  TemplateType: 1,
  NumberofInputAssets: 1,
  JobTemplateBody: `<jobTemplate><taskBody taskTemplateId="${TT}"><inputAsset>JobInputAsset(0)</inputAsset><outputAsset>JobOutputAsset(0)</outputAsset></taskBody></jobTemplate>`,
  TaskTemplates: [{ Id: TT, MediaProcessorId: MES, NumberofInputAssets: 1, NumberofOutputAssets: 1, ...tt }],
});

describe('TaskTemplate Name and Description of the wrong type', () => {
  it('are TEMPLATE_INVALID on TaskTemplates, not dropped without a word', () => {
    for (const [key, value] of [['Name', 5], ['Name', { text: 'x' }], ['Description', 7], ['Description', ['a']]] as const) {
      const r = validateJobTemplate(template({ [key]: value }));
      expect(r.valid, `${key} ${JSON.stringify(value)}`).toBe(false);
      expect(r.diagnostics).toEqual([expect.objectContaining({ code: 'TEMPLATE_INVALID', property: 'TaskTemplates', template: JT, message: expect.stringContaining(`TaskTemplates[0] has a ${key} that is`) })]);
      expect(r.diagnostics[0]!.hint).toBeTruthy();
    }
  });

  it('null or absent stay fine (optional properties), and a string is kept', () => {
    expect(validateJobTemplate(template({ Name: null, Description: null })).diagnostics).toEqual([]);
    const r = validateJobTemplate(template({ Name: 'encode', Description: 'the first step' }));
    expect(r.diagnostics).toEqual([]);
    expect(r.template!.TaskTemplates[0]).toMatchObject({ Name: 'encode', Description: 'the first step' });
  });
});
