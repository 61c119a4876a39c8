import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MES, VERBOSE, enc, request, startServer, openStoredServer, type TestServer } from './helpers.js';

const TT0 = 'nb:ttid:UUID:071370A3-E63E-4E81-A099-AD66BCAC3789';
const TT1 = 'nb:ttid:UUID:071370A3-E63E-4E81-A099-AD66BCAC3780';
const INPUT_URI = "https://media.windows.net/api/Assets('nb%3Acid%3AUUID%3A910ffdc1-2e25-4b17-8a42-61ffd4b8914c')";

/** The reference's sample (§8), with a second, chained task. */
function templateBody(ids: readonly [string, string] = [TT0, TT1]): string {
  return JSON.stringify({
    Name: 'NewJobTemplate25',
    TemplateType: '1',
    NumberofInputAssets: 1,
    JobTemplateBody:
      `<?xml version="1.0" encoding="utf-8"?><jobTemplate><taskBody taskTemplateId="${TT0}"><inputAsset>JobInputAsset(0)</inputAsset><outputAsset>JobOutputAsset(0)</outputAsset></taskBody>` +
      `<taskBody taskTemplateId="${TT1}"><inputAsset>JobOutputAsset(0)</inputAsset><outputAsset>JobOutputAsset(1)</outputAsset></taskBody></jobTemplate>`,
    TaskTemplates: [
      { Id: ids[0], Configuration: 'H264 Smooth Streaming 720p', MediaProcessorId: MES, Name: 'SampleTaskTemplate2', NumberofInputAssets: 1, NumberofOutputAssets: 1 },
      { Id: ids[1], Configuration: 'H264 packaging', MediaProcessorId: MES, Name: 'Packager', NumberofInputAssets: 1, NumberofOutputAssets: 1 },
    ],
  });
}

const jobBody = (templateId: string): string => JSON.stringify({ Name: 'FromTemplate', InputMediaAssets: [{ __metadata: { uri: INPUT_URI } }], TemplateId: templateId });
const pathOf = (uri: string): string => uri.slice(uri.indexOf('/api/'));

let s: TestServer;

beforeAll(async () => {
  s = await startServer({ validationWorkers: 0 });
});

afterAll(async () => {
  await s.close();
});

const post = (path: string, body: string, accept?: string) =>
  request(s.port, path, { method: 'POST', body, headers: { 'Content-Type': 'application/json' }, ...(accept === undefined ? {} : { accept }) });

describe('JobTemplates over REST', () => {
  it('creates a template with its TaskTemplates inline (201, Location), lists and reads it, and its TaskTemplates', async () => {
    const created = await post('/api/JobTemplates', templateBody());
    expect(created.status).toBe(201);
    const id: string = created.json.Id;
    expect(id).toMatch(/^nb:jtid:UUID:[0-9a-f-]{36}$/);
    expect(created.headers.location).toBe(`${s.url}/JobTemplates(${enc(id)})`);
    expect(created.json).toMatchObject({ Name: 'NewJobTemplate25', TemplateType: 1, NumberofInputAssets: 1 });

    const list = await request(s.port, '/api/JobTemplates');
    expect(list.status).toBe(200);
    expect(list.json.value.map((t: { Id: string }) => t.Id)).toContain(id);
    const one = await request(s.port, pathOf(created.headers.location!), { accept: VERBOSE });
    expect(one.json.d.__metadata.type).toBe('Microsoft.Cloud.Media.Vod.Rest.Data.Models.JobTemplate');
    expect(one.json.d.TaskTemplates.__deferred.uri).toBe(`${s.url}/JobTemplates(${enc(id)})/TaskTemplates`);

    const tts = await request(s.port, `/api/JobTemplates(${enc(id)})/TaskTemplates`);
    expect(tts.status).toBe(200);
    expect(tts.json.value.map((t: { Id: string; Name: string }) => [t.Id, t.Name])).toEqual([
      [TT0, 'SampleTaskTemplate2'],
      [TT1, 'Packager'],
    ]);
    const all = await request(s.port, `/api/TaskTemplates?$filter=${encodeURIComponent("Name eq 'Packager'")}`);
    expect(all.json.value).toHaveLength(1);
    expect(all.json.value[0]).toMatchObject({ Id: TT1, MediaProcessorId: MES, NumberofInputAssets: 1, NumberofOutputAssets: 1, Options: 0 });
  });

  it('refuses an invalid template with 400 and the diagnostics, placed in JobTemplateBody', async () => {
    const body = JSON.parse(templateBody()) as { JobTemplateBody: string };
    body.JobTemplateBody = body.JobTemplateBody.replace(`taskTemplateId="${TT1}"`, 'taskTemplateId="nb:ttid:UUID:00000000-0000-4000-8000-000000000009"');
    const r = await post('/api/JobTemplates', JSON.stringify(body));
    expect(r.status).toBe(400);
    expect(r.json['odata.error'].code).toBe('VALIDATION_FAILED');
    const codes = r.json['odata.error'].innererror.diagnostics.map((d: { code: string }) => d.code);
    expect(codes).toEqual(['TEMPLATE_TASK_MISMATCH', 'TEMPLATE_TASK_MISMATCH']);
    const first = r.json['odata.error'].innererror.diagnostics.find((d: { line?: number }) => d.line !== undefined);
    expect(first).toMatchObject({ property: 'JobTemplateBody', line: 1 });
  });

  it('answers a template body that is not JSON with 400 JSON_MALFORMED', async () => {
    const r = await post('/api/JobTemplates', '{"Name": ');
    expect(r.status).toBe(400);
    expect(r.json['odata.error'].code).toBe('JSON_MALFORMED');
  });

  it('creates a job from a stored template (TemplateId, no Tasks); it runs to Finished', async () => {
    const t = await post('/api/JobTemplates', templateBody(['nb:ttid:UUID:11111111-0000-4000-8000-000000000001', 'nb:ttid:UUID:11111111-0000-4000-8000-000000000002']));
    expect(t.status).toBe(400); // the body's taskTemplateId attributes name TT0/TT1, not these
    const ok = await post('/api/JobTemplates', templateBody().replaceAll('071370A3-E63E-4E81-A099-AD66BCAC378', '271370A3-E63E-4E81-A099-AD66BCAC378'));
    expect(ok.status).toBe(201);
    const job = await post('/api/Jobs', jobBody(ok.json.Id));
    expect(job.status).toBe(201);
    expect(job.json.TemplateId).toBe(ok.json.Id);
    await s.engine.done(job.json.Id);
    const tasks = await request(s.port, `/api/Jobs(${enc(job.json.Id)})/Tasks`);
    expect(tasks.json.value.map((x: { Name: string; State: number }) => [x.Name, x.State])).toEqual([
      ['SampleTaskTemplate2', 3],
      ['Packager', 3],
    ]);
    expect((await request(s.port, `/api/Jobs(${enc(job.json.Id)})`)).json.State).toBe(3);
  });

  it('answers a job naming an unknown template with 400 TEMPLATE_NOT_FOUND', async () => {
    const r = await post('/api/Jobs', jobBody('nb:jtid:UUID:00000000-0000-4000-8000-00000000dead'));
    expect(r.status).toBe(400);
    expect(r.json['odata.error'].innererror.diagnostics.map((d: { code: string }) => d.code)).toEqual(['TEMPLATE_NOT_FOUND']);
  });

  it('deletes a template (204), after which it is 404 and a job cannot name it', async () => {
    const body = templateBody().replaceAll('071370A3-E63E-4E81-A099-AD66BCAC378', '371370A3-E63E-4E81-A099-AD66BCAC378');
    const t = await post('/api/JobTemplates', body);
    const path = pathOf(t.headers.location!);
    expect((await request(s.port, path, { method: 'DELETE' })).status).toBe(204);
    expect((await request(s.port, path)).status).toBe(404);
    expect((await request(s.port, path, { method: 'DELETE' })).status).toBe(404);
    expect((await post('/api/Jobs', jobBody(t.json.Id))).status).toBe(400);
  });

  it('takes templates out of the 501 list: the service document and $metadata name them', async () => {
    const doc = await request(s.port, '/api/');
    expect(doc.json.value.map((v: { name: string }) => v.name)).toEqual(expect.arrayContaining(['JobTemplates', 'TaskTemplates']));
    const md = await request(s.port, '/api/$metadata', { accept: 'application/xml' });
    expect(md.text).toContain('<EntityType Name="JobTemplate"');
    expect(md.text).toContain('<EntityType Name="TaskTemplate"');
    expect(md.text).toContain('<EntitySet Name="JobTemplates"');
    expect((await request(s.port, '/api/NotificationEndPoints')).status).toBe(501);
  });

  it('refuses PUT/MERGE on a template (templates cannot be updated) and POST on TaskTemplates', async () => {
    const t = await post('/api/JobTemplates', templateBody().replaceAll('071370A3-E63E-4E81-A099-AD66BCAC378', '471370A3-E63E-4E81-A099-AD66BCAC378'));
    expect((await request(s.port, pathOf(t.headers.location!), { method: 'PUT', body: '{}', headers: { 'Content-Type': 'application/json' } })).status).toBe(405);
    expect((await post('/api/TaskTemplates', '{}')).status).toBe(405);
  });

  it('refuses a second template reusing a TaskTemplate Id (409)', async () => {
    const body = templateBody().replaceAll('071370A3-E63E-4E81-A099-AD66BCAC378', '571370A3-E63E-4E81-A099-AD66BCAC378');
    expect((await post('/api/JobTemplates', body)).status).toBe(201);
    expect((await post('/api/JobTemplates', body)).status).toBe(409);
  });
});

describe('JobTemplates in Atom', () => {
  const ATOM = 'http://www.w3.org/2005/Atom';
  const D = 'http://schemas.microsoft.com/ado/2007/08/dataservices';
  const M = 'http://schemas.microsoft.com/ado/2007/08/dataservices/metadata';
  const REL = 'http://schemas.microsoft.com/ado/2007/08/dataservices/related/';
  const esc = (v: string) => v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const props = (p: Record<string, string>) => Object.entries(p).map(([k, v]) => `<d:${k}>${esc(v)}</d:${k}>`).join('');

  it('creates a template from an Atom entry with its TaskTemplates inline, and answers in Atom', async () => {
    const t = JSON.parse(templateBody()) as { Name: string; JobTemplateBody: string; TaskTemplates: Array<Record<string, string | number>> };
    const ids = ['771370A3-E63E-4E81-A099-AD66BCAC3789', '771370A3-E63E-4E81-A099-AD66BCAC3780'];
    const body = t.JobTemplateBody.replace(TT0, `nb:ttid:UUID:${ids[0]}`).replace(TT1, `nb:ttid:UUID:${ids[1]}`);
    const entries = t.TaskTemplates.map(
      (tt, i) =>
        `<entry><content type="application/xml"><m:properties>${props({ Id: `nb:ttid:UUID:${ids[i]}`, Name: String(tt.Name), MediaProcessorId: MES, Configuration: String(tt.Configuration) })}` +
        `<d:NumberofInputAssets m:type="Edm.Int32">1</d:NumberofInputAssets><d:NumberofOutputAssets m:type="Edm.Int32">1</d:NumberofOutputAssets></m:properties></content></entry>`,
    );
    const xml =
      `<entry xmlns="${ATOM}" xmlns:d="${D}" xmlns:m="${M}">` +
      `<link rel="${REL}TaskTemplates" type="application/atom+xml;type=feed" title="TaskTemplates"><m:inline><feed xmlns="${ATOM}">${entries.join('')}</feed></m:inline></link>` +
      `<content type="application/xml"><m:properties>${props({ Name: 'Atom template', JobTemplateBody: body })}<d:TemplateType m:type="Edm.Int32">1</d:TemplateType></m:properties></content></entry>`;
    const r = await request(s.port, '/api/JobTemplates', { method: 'POST', body: xml, headers: { 'Content-Type': 'application/atom+xml' }, accept: 'application/atom+xml' });
    expect(r.status).toBe(201);
    expect(r.text).toContain('<d:Name>Atom template</d:Name>');
    const id = /<d:Id>([^<]+)<\/d:Id>/.exec(r.text)![1]!;
    const tts = await request(s.port, `/api/JobTemplates(${enc(id)})/TaskTemplates`);
    expect(tts.json.value.map((x: { Id: string }) => x.Id)).toEqual(ids.map((g) => `nb:ttid:UUID:${g}`));
  });

  // Regression: $select leaving Id out answered 500 (atomEntry: no string `Id`) in Atom only.
  it('answers $select=Name in Atom on templates, a template, its TaskTemplates and a task template, each entry keeping its id', async () => {
    const ids = ['nb:ttid:UUID:871370A3-E63E-4E81-A099-AD66BCAC3789', 'nb:ttid:UUID:871370A3-E63E-4E81-A099-AD66BCAC3780'] as const;
    const created = await post('/api/JobTemplates', templateBody(ids).replace(TT0, ids[0]).replace(TT1, ids[1]));
    expect(created.status, created.text).toBe(201);
    const id: string = created.json.Id;
    const cases: [path: string, set: string, keys: readonly string[] | undefined][] = [
      ['/api/JobTemplates?$select=Name', 'JobTemplates', undefined],
      [`/api/JobTemplates(${enc(id)})?$select=Name`, 'JobTemplates', [id]],
      [`/api/JobTemplates(${enc(id)})/TaskTemplates?$select=Name`, 'TaskTemplates', ids],
      ['/api/TaskTemplates?$select=Name', 'TaskTemplates', undefined],
      [`/api/TaskTemplates(${enc(ids[0])})?$select=Name`, 'TaskTemplates', [ids[0]]],
    ];
    for (const [path, set, known] of cases) {
      const r = await request(s.port, path, { accept: 'application/atom+xml' });
      expect([path, r.status]).toEqual([path, 200]);
      const keys = known ?? (await request(s.port, path.replace('?$select=Name', ''))).json.value.map((e: { Id: string }) => e.Id);
      const written = [...r.text.matchAll(/<entry[^>]*><id>([^<]+)<\/id>/g)].map((m) => m[1]);
      expect(written).toEqual(keys.map((k: string) => `${s.url}/${set}(${enc(k)})`));
      expect(r.text).not.toContain('<d:Id>');
      expect(r.text.match(/<d:Name>/g)).toHaveLength(keys.length);
    }
  });
});

describe('JobTemplates and a store', () => {
  it('keeps templates across a restart; a deleted one stays deleted', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jobgraph-templates-'));
    const file = join(dir, 'run.sqlite');
    const open = () => openStoredServer(file);
    try {
      const first = await open();
      const postTo = (port: number, path: string, body: string) => request(port, path, { method: 'POST', body, headers: { 'Content-Type': 'application/json' } });
      const kept = await postTo(first.port, '/api/JobTemplates', templateBody());
      const gone = await postTo(first.port, '/api/JobTemplates', templateBody().replaceAll('071370A3-E63E-4E81-A099-AD66BCAC378', '671370A3-E63E-4E81-A099-AD66BCAC378'));
      expect((await request(first.port, pathOf(gone.headers.location!), { method: 'DELETE' })).status).toBe(204);
      await first.close();

      const second = await open();
      try {
        const list = await request(second.port, '/api/JobTemplates');
        expect(list.json.value.map((t: { Id: string }) => t.Id)).toEqual([kept.json.Id]);
        expect(list.json.value[0]).toMatchObject({ Name: 'NewJobTemplate25', Created: kept.json.Created });
        const job = await postTo(second.port, '/api/Jobs', jobBody(kept.json.Id));
        expect(job.status).toBe(201);
        await second.engine.done(job.json.Id);
        expect(second.engine.scheduler.job(job.json.Id)!.State).toBe(3);
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('expands templates on a validation worker too', async () => {
    const w = await startServer({ validationWorkers: 1 });
    try {
      const t = await request(w.port, '/api/JobTemplates', { method: 'POST', body: templateBody(), headers: { 'Content-Type': 'application/json' } });
      expect(t.status).toBe(201);
      const job = await request(w.port, '/api/Jobs', { method: 'POST', body: jobBody(t.json.Id), headers: { 'Content-Type': 'application/json' } });
      expect(job.status).toBe(201);
      const bad = await request(w.port, '/api/Jobs', { method: 'POST', body: jobBody('nb:jtid:UUID:00000000-0000-4000-8000-00000000dead'), headers: { 'Content-Type': 'application/json' } });
      expect(bad.status).toBe(400);
    } finally {
      await w.close();
    }
  });
});
