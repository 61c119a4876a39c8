import { describe, expect, it } from 'vitest';
import { validateJob } from '../../../src/validate/validate.js';
import { validateJobTemplate } from '../../../src/validate/template.js';
import { scanJobTemplateBody } from '../../../src/job/template-body.js';
import type { JobTemplateDefinition } from '../../../src/job/template.js';
import { Scheduler } from '../../../src/scheduler/scheduler.js';
import { Engine } from '../../../src/run/engine.js';
import { demoProcessors } from '../../../src/run/demo-processors.js';
import { sequentialIds } from '../../../src/job/ids.js';
import { STATE_NAMES } from '../../../src/job/enums.js';

const MES = 'nb:mpid:UUID:ff4df607-d419-42f0-bc17-a481b1331e56';
const JT = 'nb:jtid:UUID:0b6c7d6e-1111-4a2b-9c3d-000000000001';
const TT = ['nb:ttid:UUID:071370A3-E63E-4E81-A099-AD66BCAC3789', 'nb:ttid:UUID:071370A3-E63E-4E81-A099-AD66BCAC3790', 'nb:ttid:UUID:071370A3-E63E-4E81-A099-AD66BCAC3791'] as const;
const INPUT = { __metadata: { uri: "https://media.windows.net/api/Assets('nb%3Acid%3AUUID%3A910ffdc1-2e25-4b17-8a42-61ffd4b8914c')" } };

const BODIES = [
  '<taskBody taskTemplateId="TT0"><inputAsset>JobInputAsset(0)</inputAsset><outputAsset>JobOutputAsset(0)</outputAsset></taskBody>',
  '<taskBody taskTemplateId="TT1"><inputAsset>JobOutputAsset(0)</inputAsset><outputAsset>JobOutputAsset(1)</outputAsset></taskBody>',
  '<taskBody TaskTemplateId="TT2"><inputAsset>JobOutputAsset(0)</inputAsset><inputAsset>JobOutputAsset(1)</inputAsset><outputAsset assetName="final">JobOutputAsset(2)</outputAsset></taskBody>',
];

/** A three-task template: an encode, a packaging of it, and a step reading both (the third spells TaskTemplateId in PascalCase). */
function template(overrides: Partial<JobTemplateDefinition> = {}, separator = ''): JobTemplateDefinition {
  return {
    Id: JT,
    Name: 'Ladder',
    TemplateType: 1,
    NumberofInputAssets: 1,
    JobTemplateBody: `<?xml version="1.0" encoding="utf-8"?>${separator}<jobTemplate>${separator}${BODIES.map((b, i) => b.replace(`TT${i}`, TT[i]!)).join(separator)}${separator}</jobTemplate>`,
    TaskTemplates: [
      { Id: TT[0], Name: 'encode', MediaProcessorId: MES, Configuration: 'H264 Multiple Bitrate 720p', NumberofInputAssets: 1, NumberofOutputAssets: 1 },
      { Id: TT[1], Name: 'package', MediaProcessorId: MES, Configuration: 'package', NumberofInputAssets: 1, NumberofOutputAssets: 1, Options: 4 },
      { Id: TT[2], Name: 'index', MediaProcessorId: MES, NumberofInputAssets: 2, NumberofOutputAssets: 1 },
    ],
    ...overrides,
  };
}

const job = (extra: Record<string, unknown> = {}) => ({ Name: 'from template', InputMediaAssets: [INPUT], TemplateId: JT, ...extra });
const codes = (ds: readonly { code: string }[]) => ds.map((d) => d.code);

describe('validateJobTemplate', () => {
  it("takes the reference's sample (§8) and a three-task template without a diagnostic", () => {
    const sample = {
      Name: 'NewJobTemplate25',
      TemplateType: '1',
      JobTemplateBody: `<?xml version="1.0" encoding="utf-8"?><jobTemplate><taskBody taskTemplateId="${TT[0]}"><inputAsset>JobInputAsset(0)</inputAsset><outputAsset>JobOutputAsset(0)</outputAsset></taskBody></jobTemplate>`,
      TaskTemplates: [{ Id: TT[0], Configuration: 'H264 Smooth Streaming 720p', MediaProcessorId: MES, Name: 'SampleTaskTemplate2', NumberofInputAssets: 1, NumberofOutputAssets: 1 }],
    };
    expect(validateJobTemplate(sample)).toMatchObject({ valid: true, diagnostics: [] });
    expect(validateJobTemplate(JSON.stringify(sample)).valid).toBe(true);
    const r = validateJobTemplate(template());
    expect(r.diagnostics).toEqual([]);
    expect(r.template!.bodies.map((b) => b.taskTemplateId)).toEqual([...TT]);
  });

  it('TEMPLATE_INVALID: not an object, missing or wrong properties, a body that is no <jobTemplate>', () => {
    expect(codes(validateJobTemplate(42).diagnostics)).toEqual(['TEMPLATE_INVALID']);
    const r = validateJobTemplate({ Name: 'x', TemplateType: 7, JobTemplateBody: '', TaskTemplates: 'no' });
    expect(r.valid).toBe(false);
    expect(r.diagnostics.map((d) => [d.code, d.property])).toEqual([
      ['TEMPLATE_INVALID', 'TemplateType'],
      ['TEMPLATE_INVALID', 'TaskTemplates'],
      ['TEMPLATE_INVALID', 'JobTemplateBody'],
    ]);
    const lone = validateJobTemplate(template({ JobTemplateBody: BODIES[0]!.replace('TT0', TT[0]) }));
    // The frame failed: the TaskTemplates are not also reported as missing their <taskBody>.
    expect(lone.diagnostics).toEqual([expect.objectContaining({ code: 'TEMPLATE_INVALID', property: 'JobTemplateBody', line: 1, column: 1, template: JT })]);
    expect(lone.diagnostics[0]!.message).toContain('lone <taskBody>');
    const noCount = template();
    delete (noCount.TaskTemplates[0] as Partial<(typeof noCount.TaskTemplates)[0]>).NumberofOutputAssets;
    expect(validateJobTemplate(noCount).diagnostics.map((d) => [d.code, d.message.includes('NumberofOutputAssets')])).toEqual([['TEMPLATE_INVALID', true]]);
    expect(codes(validateJobTemplate(template({ Id: 'nb:jid:UUID:0b6c7d6e-1111-4a2b-9c3d-000000000001' })).diagnostics)).toEqual(['TEMPLATE_INVALID']);
  });

  it('TEMPLATE_TASK_MISMATCH: no taskTemplateId, an Id no TaskTemplate has (did you mean), the same twice, a TaskTemplate with no <taskBody>', () => {
    const t = template();
    t.JobTemplateBody = t.JobTemplateBody.replace(` taskTemplateId="${TT[1]}"`, '').replace(TT[2], `${TT[2]}x`);
    const r = validateJobTemplate(t);
    // Job-level places first (diagnostics are sorted by place), then those in the body.
    expect(r.diagnostics.map((d) => [d.code, d.line, d.column])).toEqual([
      ['TEMPLATE_TASK_MISMATCH', undefined, undefined],
      ['TEMPLATE_TASK_MISMATCH', undefined, undefined],
      ['TEMPLATE_TASK_MISMATCH', 1, t.JobTemplateBody.indexOf('<taskBody>') + 1],
      ['TEMPLATE_TASK_MISMATCH', 1, t.JobTemplateBody.lastIndexOf('<taskBody') + 1],
    ]);
    expect(r.diagnostics[3]!.hint).toBe(`did you mean ${TT[2]}?`);
    expect(r.diagnostics.slice(0, 2).map((d) => d.message)).toEqual([expect.stringContaining(`${TT[1]} "package" has no <taskBody>`), expect.stringContaining(`${TT[2]} "index" has no <taskBody>`)]);
    const twice = template();
    twice.JobTemplateBody = twice.JobTemplateBody.replace(TT[1], TT[0]);
    expect(validateJobTemplate(twice).diagnostics.map((d) => d.message)).toEqual([expect.stringContaining(`${TT[1]} "package" has no <taskBody>`), expect.stringContaining('<taskBody> #0 and <taskBody> #1 both name')]);
  });

  it('TEMPLATE_ASSET_COUNT (a warning): a TaskTemplate whose counts differ from its <taskBody>', () => {
    const t = template();
    t.TaskTemplates[2]!.NumberofInputAssets = 1;
    const r = validateJobTemplate(t);
    expect(r.valid).toBe(true);
    expect(r.diagnostics).toEqual([expect.objectContaining({ code: 'TEMPLATE_ASSET_COUNT', severity: 'warning', task: 2, hint: 'set NumberofInputAssets to 2' })]);
  });

  it("places a <taskBody>'s own problems in JobTemplateBody, names the template, and checks the tasks as a job's", () => {
    const t = template({}, '\n  ');
    t.JobTemplateBody = t.JobTemplateBody.replace('<inputAsset>JobOutputAsset(1)</inputAsset>', '<inputAsset>JobOutputAset(1)</inputAsset>');
    t.TaskTemplates[1]!.MediaProcessorId = 'ff4df607-d419-42f0-bc17-a481b1331e56';
    const r = validateJobTemplate(t);
    const bad = r.diagnostics.find((d) => d.code === 'ASSET_REF_INVALID')!;
    // Line 5 of the body is the third <taskBody>; the second <inputAsset> is at column 183 of it.
    const line5 = t.JobTemplateBody.split('\n')[4]!;
    expect(bad).toMatchObject({ task: 2, line: 5, column: line5.indexOf('<inputAsset>JobOutputAset') + 1, property: 'JobTemplateBody', template: JT });
    expect(bad.message).toMatch(/^JobTemplate "Ladder": /);
    expect(r.diagnostics.find((d) => d.code === 'MEDIA_PROCESSOR_ID_INVALID')).toMatchObject({ task: 1, template: JT, property: 'MediaProcessorId' });
    // A cycle between TaskTemplates is a CYCLE, its edges placed in the body.
    const cyclic = template();
    cyclic.JobTemplateBody = cyclic.JobTemplateBody.replace('<inputAsset>JobInputAsset(0)</inputAsset>', '<inputAsset>JobOutputAsset(1)</inputAsset>');
    const c = validateJobTemplate(cyclic).diagnostics.find((d) => d.code === 'CYCLE')!;
    expect(c.cycle).toEqual([0, 1]);
    expect(c.edges![1]).toMatchObject({ from: 1, to: 0, line: 1, column: cyclic.JobTemplateBody.indexOf('<inputAsset>JobOutputAsset(1)') + 1 });
  });

  it("reads the reference's defective sample: </jobtemplate> and curly quotes are reported where they are", () => {
    const body = `<?xml version="1.0" encoding="utf-8"?><jobTemplate><taskBody taskTemplateId=”${TT[0]}”><inputAsset>JobInputAsset(0)</inputAsset><outputAsset>JobOutputAsset(0)</outputAsset></taskBody></jobtemplate>`;
    const r = validateJobTemplate(template({ JobTemplateBody: body, TaskTemplates: [template().TaskTemplates[0]!] }));
    expect(r.valid).toBe(false);
    expect(r.diagnostics.map((d) => [d.code, d.column])).toEqual(
      expect.arrayContaining([
        ['XML_MALFORMED', body.indexOf('</jobtemplate>') + 1],
        ['XML_MALFORMED', body.indexOf('”') + 1],
      ]),
    );
    expect(r.diagnostics.find((d) => d.column === body.indexOf('</jobtemplate>') + 1)!.hint).toContain('case-sensitive');
  });

  it('never throws on hostile input: getters that throw, Proxies, DOCTYPE, deep nesting, garbage', () => {
    const throwing = { ...template(), get TaskTemplates(): never { throw new Error('boom'); } };
    expect(validateJobTemplate(throwing).diagnostics.map((d) => d.code)).toContain('TEMPLATE_INVALID');
    const revoked = Proxy.revocable({}, {});
    revoked.revoke();
    expect(codes(validateJobTemplate(revoked.proxy).diagnostics)).toEqual(['TEMPLATE_INVALID']);
    for (const body of [
      '<!DOCTYPE x [<!ENTITY a "aaaa">]><jobTemplate/>',
      `<jobTemplate>${'<a>'.repeat(100_000)}`,
      `<jobTemplate>${'<taskBody>'.repeat(20_000)}</jobTemplate>`,
      '<jobTemplate><taskBody taskTemplateId="x"',
      '\uD800<jobTemplate>',
      '<jobTemplate></jobTemplate><jobTemplate/>',
      '',
    ]) {
      const r = validateJobTemplate(template({ JobTemplateBody: body }), { maxDiagnostics: 50 });
      expect(r.valid, body.slice(0, 40)).toBe(false);
      expect(r.diagnostics.length).toBeLessThanOrEqual(51);
    }
    expect(codes(validateJobTemplate(template({ JobTemplateBody: '<!DOCTYPE x><jobTemplate/>' })).diagnostics)).toContain('XML_DOCTYPE_FORBIDDEN');
  });

  it('takes JSON text (JSON_MALFORMED with its place) and refuses bad options by throwing', () => {
    expect(validateJobTemplate('{"Name": }').diagnostics).toEqual([expect.objectContaining({ code: 'JSON_MALFORMED', line: 1 })]);
    expect(() => validateJobTemplate(template(), { profile: 'x' as never })).toThrow(/profile/);
    expect(() => validateJobTemplate(template(), { maxDiagnostics: -1 })).toThrow();
    expect(validateJobTemplate(template({ JobTemplateBody: '<jobTemplate/>' }), { maxDiagnostics: 0 }).diagnostics.map((d) => d.code)).toEqual(['TOO_MANY_DIAGNOSTICS']);
  });

  it('scans the frame of a body: each <taskBody> as text with its place', () => {
    const s = scanJobTemplateBody('<jobTemplate>\n  <!-- c --><taskBody taskTemplateId="a&amp;b"><inputAsset>JobInputAsset(0)</inputAsset></taskBody>\n</jobTemplate>');
    expect(s.problems).toEqual([]);
    expect(s.bodies).toEqual([{ text: '<taskBody taskTemplateId="a&amp;b"><inputAsset>JobInputAsset(0)</inputAsset></taskBody>', start: 26, line: 2, column: 13, taskTemplateId: 'a&b' }]);
  });
});

describe('validateJob with templates', () => {
  it('expands a job with TemplateId and no Tasks into the inline job it stands for: same tasks, same dependencies', () => {
    const t = template();
    const fromTemplate = validateJob(job(), { templates: [t], ids: sequentialIds() });
    expect(fromTemplate.diagnostics).toEqual([]);
    const inline = validateJob(
      {
        Name: 'from template',
        InputMediaAssets: [INPUT],
        TemplateId: JT,
        Tasks: t.TaskTemplates.map((tt, i) => ({
          Name: tt.Name,
          MediaProcessorId: tt.MediaProcessorId,
          ...(tt.Configuration !== undefined ? { Configuration: tt.Configuration } : {}),
          ...(tt.Options !== undefined ? { Options: tt.Options } : {}),
          TaskBody: BODIES[i]!.replace(`TT${i}`, TT[i]!),
        })),
      },
      { ids: sequentialIds() },
    );
    expect(inline.valid).toBe(true);
    expect(fromTemplate.job).toEqual(inline.job);
    expect(fromTemplate.dependencies!.from).toEqual(inline.dependencies!.from);
    expect(fromTemplate.dependencies!.to).toEqual(inline.dependencies!.to);
    expect([...fromTemplate.dependencies!.from]).toEqual([0, 0, 1]);
    expect([...fromTemplate.dependencies!.to]).toEqual([1, 2, 2]);
    expect(fromTemplate.job!.Tasks.map((x) => [x.Name, x.Configuration, x.Options])).toEqual([
      ['encode', 'H264 Multiple Bitrate 720p', 0],
      ['package', 'package', 4],
      ['index', null, 0],
    ]);
    expect(fromTemplate.job!.TemplateId).toBe(JT);
  });

  it('takes templates as a Map by Id, under both profiles, and a job given as JSON text', () => {
    const map = new Map([[JT, template()]]);
    expect(validateJob(job(), { templates: map }).valid).toBe(true);
    expect(validateJob(job(), { templates: map, profile: 'relaxed' }).valid).toBe(true);
    expect(validateJob(JSON.stringify(job()), { templates: [template()] }).job!.Tasks).toHaveLength(3);
  });

  it('JOB_TEMPLATE_UNSUPPORTED without templates; TEMPLATE_NOT_FOUND with did-you-mean when they name another', () => {
    expect(codes(validateJob(job()).diagnostics)).toEqual(['JOB_TEMPLATE_UNSUPPORTED']);
    const typo = JT.replace('0001', '0007');
    const r = validateJob(JSON.stringify(job({ TemplateId: typo })), { templates: [template()] });
    expect(r.diagnostics).toEqual([expect.objectContaining({ code: 'TEMPLATE_NOT_FOUND', property: 'TemplateId', hint: `did you mean ${JT}?`, fileLine: 1 })]);
    expect(codes(validateJob(job(), { templates: [] }).diagnostics)).toEqual(['TEMPLATE_NOT_FOUND']);
  });

  it('TEMPLATE_INPUT_COUNT: the job has not the inputs the template takes', () => {
    const r = validateJob(job({ InputMediaAssets: [INPUT, INPUT] }), { templates: [template()] });
    expect(r.diagnostics.map((d) => [d.code, d.property, d.template])).toEqual([['TEMPLATE_INPUT_COUNT', 'InputMediaAssets', JT]]);
  });

  it("reports an invalid template's problems with TEMPLATE_INVALID, and the problems of its tasks placed in JobTemplateBody", () => {
    const t = template();
    t.JobTemplateBody = t.JobTemplateBody.replace(` taskTemplateId="${TT[1]}"`, '');
    const r = validateJob(job(), { templates: [t] });
    expect(codes(r.diagnostics)).toEqual(['TEMPLATE_INVALID', 'TEMPLATE_TASK_MISMATCH', 'TEMPLATE_TASK_MISMATCH']);
    expect(r.job!.Tasks).toEqual([]);
    // A valid template whose tasks read an input the job lacks: placed in JobTemplateBody.
    const wide = template();
    wide.JobTemplateBody = wide.JobTemplateBody.replace('JobInputAsset(0)', 'JobInputAsset(1)');
    wide.NumberofInputAssets = 2;
    const out = validateJob(job(), { templates: [wide] });
    const d = out.diagnostics.find((x) => x.code === 'INPUT_INDEX_OUT_OF_RANGE')!;
    expect(d).toMatchObject({ task: 0, line: 1, column: wide.JobTemplateBody.indexOf('<inputAsset>JobInputAsset(1)') + 1, template: JT, property: 'JobTemplateBody' });
    expect(codes(out.diagnostics)).toEqual(['TEMPLATE_INPUT_COUNT', 'INPUT_INDEX_OUT_OF_RANGE']);
  });

  it('keeps the inline Tasks of a job that has both TemplateId and Tasks (the template is not expanded)', () => {
    const r = validateJob(
      job({ Tasks: [{ MediaProcessorId: MES, TaskBody: '<taskBody><inputAsset>JobInputAsset(0)</inputAsset><outputAsset>JobOutputAsset(0)</outputAsset></taskBody>' }] }),
      { templates: [template()] },
    );
    expect(r.diagnostics).toEqual([]);
    expect(r.job!.Tasks).toHaveLength(1);
    // An empty Tasks array (a client serializing the whole entity) leaves the tasks to the template.
    expect(validateJob(job({ Tasks: [] }), { templates: [template()] }).job!.Tasks).toHaveLength(3);
  });

  it('reads a caller job object once, and refuses a templates option that is not a list or a Map', () => {
    let reads = 0;
    const def = { ...job(), get Name() { reads++; return 'counted'; } };
    const r = validateJob(def, { templates: [template()] });
    expect(r.valid).toBe(true);
    expect(r.job!.Name).toBe('counted');
    expect(reads).toBe(1);
    expect(() => validateJob(job(), { templates: 'x' as never })).toThrow(/templates/);
  });
});

describe('submitting a job made from a template', () => {
  it('Scheduler.submit/add take { templates }', () => {
    const s = new Scheduler({ ids: sequentialIds() });
    const view = s.submit(job(), { templates: [template()] });
    expect(s.tasks({ jobId: view.Id }).map((t) => [t.Name, STATE_NAMES[t.State]])).toEqual([
      ['encode', 'Scheduled'],
      ['package', 'Queued'],
      ['index', 'Queued'],
    ]);
    expect(() => s.add(job())).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
  });

  it('Engine.submit takes { templates }; the job runs to Finished in dependency order', async () => {
    const procs = demoProcessors({ timeScale: 0 });
    const t = template();
    for (const tt of t.TaskTemplates) tt.MediaProcessorId = procs[0]!.id;
    const engine = new Engine({ processors: procs });
    try {
      const handle = engine.submit(job(), { templates: [t] });
      const finished: string[] = [];
      const names = new Map(engine.scheduler.tasks({ jobId: handle.id }).map((x) => [x.Id, x.Name]));
      handle.on('taskStateChange', (e) => {
        if (STATE_NAMES[e.newState] === 'Finished') finished.push(names.get(e.taskId)!);
      });
      await handle.done;
      expect(STATE_NAMES[handle.view().State]).toBe('Finished');
      expect(finished).toEqual(['encode', 'package', 'index']);
    } finally {
      await engine.close();
    }
  });
});
