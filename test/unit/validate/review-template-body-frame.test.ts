import { describe, expect, it } from 'vitest';
import { validateJobTemplate } from '../../../src/validate/template.js';
import { scanJobTemplateBody } from '../../../src/job/template-body.js';

const MES = 'nb:mpid:UUID:ff4df607-d419-42f0-bc17-a481b1331e56';
const JT = 'nb:jtid:UUID:0b6c7d6e-1111-4a2b-9c3d-000000000001';
const TT = 'nb:ttid:UUID:071370A3-E63E-4E81-A099-AD66BCAC3789';
const body = (inner: string) => `<taskBody taskTemplateId="${TT}">${inner}<inputAsset>JobInputAsset(0)</inputAsset><outputAsset>JobOutputAsset(0)</outputAsset></taskBody>`;
const template = (jobTemplateBody: string) => ({
  Id: JT,
  Name: 'T',
  TemplateType: 1,
  NumberofInputAssets: 1,
  JobTemplateBody: jobTemplateBody,
  TaskTemplates: [{ Id: TT, MediaProcessorId: MES, NumberofInputAssets: 1, NumberofOutputAssets: 1 }],
});

describe('a </taskBody> that is not markup inside a <taskBody>', () => {
  it('in a comment, a CDATA section or a processing instruction does not end the element', () => {
    for (const inner of ['<!-- was: </taskBody> -->', '<!-- </TaskBody> -->', '<?note </taskBody>?>']) {
      const text = `<jobTemplate>${body(inner)}</jobTemplate>`;
      const s = scanJobTemplateBody(text);
      expect(s.problems, inner).toEqual([]);
      expect(s.bodies.map((b) => b.text)).toEqual([body(inner)]);
      expect(validateJobTemplate(template(text)).diagnostics, inner).toEqual([]);
    }
  });

  it('in a CDATA section, the frame keeps the element whole (what the text means is the TaskBody parser\'s)', () => {
    const inner = '<![CDATA[ </taskBody> ]]>';
    const s = scanJobTemplateBody(`<jobTemplate>${body(inner)}</jobTemplate>`);
    expect(s.problems).toEqual([]);
    expect(s.bodies.map((b) => b.text)).toEqual([body(inner)]);
  });

  it('a comment never closed inside the <taskBody> is one located problem, not a cascade', () => {
    const text = `<jobTemplate>${body('<!-- open')}</jobTemplate>`;
    const r = validateJobTemplate(template(text));
    expect(r.valid).toBe(false);
    expect(r.diagnostics.filter((d) => d.severity === 'error').map((d) => [d.code, d.column])).toEqual([['XML_MALFORMED', text.indexOf('<!-- open') + 1]]);
  });
});
