import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Engine } from '../../../src/run/engine.js';
import { createServer } from '../../../src/server/index.js';
import { REFERENCE_VERBOSE_BODY, TOKEN, VERBOSE, chainJob, enc, request, seed, startServer, testProcessors, openStoredServer, type TestServer } from './helpers.js';

const ASSET_TYPE = 'Microsoft.Cloud.Media.Vod.Rest.Data.Models.Asset';
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;
const INPUT = 'nb:cid:UUID:00000000-0000-4000-8000-000000000000';
const PROPERTIES = ['Id', 'State', 'Created', 'LastModified', 'AlternateId', 'Name', 'Options', 'Uri', 'StorageAccountName', 'FormatOption'];

let s: TestServer;
let ladder: string;
let single: string;

beforeAll(async () => {
  s = await startServer({ validationWorkers: 0 });
  ladder = seed(s.engine, chainJob(3, 'Encode ladder'));
  single = seed(s.engine, chainJob(1, 'Single'));
  await s.engine.done(ladder);
  await s.engine.done(single);
});

afterAll(async () => {
  await s.close();
});

const get = (path: string, accept?: string) => request(s.port, path, accept === undefined ? {} : { accept });
const postAsset = (body: string, headers: Record<string, string> = {}, accept?: string) =>
  request(s.port, '/api/Assets', { method: 'POST', body, headers: { 'Content-Type': 'application/json', ...headers }, ...(accept === undefined ? {} : { accept }) });
const pathOf = (uri: string): string => uri.slice(uri.indexOf('/api/'));

describe('GET /api/Assets', () => {
  it("lists the jobs' assets: an input once, however many jobs name it, then each job's outputs", async () => {
    const r = await get('/api/Assets');
    expect(r.status).toBe(200);
    expect(r.json['odata.metadata']).toBe(`${s.url}/$metadata#Assets`);
    const names = r.json.value.map((a: { Name: string }) => a.Name);
    expect(names).toEqual(['', 'JobOutputAsset(0)_Encode ladder', 'JobOutputAsset(1)_Encode ladder', 'JobOutputAsset(2)_Encode ladder', 'JobOutputAsset(0)_Single']);
    expect(r.json.value.filter((a: { Id: string }) => a.Id === INPUT)).toHaveLength(1);
  });

  it('writes the v2 Asset properties in the order the service did: State Initialized, Uri a container, dates ISO', async () => {
    const r = await get('/api/Assets');
    const [input, output] = r.json.value;
    expect(Object.keys(input)).toEqual(PROPERTIES);
    expect(input).toMatchObject({ Id: INPUT, State: 0, AlternateId: null, Options: 0, StorageAccountName: 'jobgraph', FormatOption: 0 });
    expect(input.Uri).toBe('https://jobgraph.blob.jobgraph.invalid/asset-00000000-0000-4000-8000-000000000000');
    expect(input.Created).toMatch(ISO);
    expect(input.LastModified).toBe(input.Created);
    // Outputs stay Initialized once their task has finished: the service had no other state in use.
    expect(output.State).toBe(0);
    expect(output.Id).toMatch(/^nb:cid:UUID:[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(output.Created).toBe(s.engine.scheduler.job(ladder)!.Created.replace(/\.?0+Z$/, 'Z'));
  });

  it('lists assets in verbose JSON with __metadata and no links to sets this server lacks', async () => {
    const r = await get('/api/Assets', VERBOSE);
    const a = r.json.d.results[0];
    const uri = `${s.url}/Assets(${enc(INPUT)})`;
    expect(a.__metadata).toEqual({ id: uri, uri, type: ASSET_TYPE });
    expect(Object.keys(a)).toEqual(['__metadata', ...PROPERTIES]);
  });

  it('takes $filter, $orderby, $top, $skip, $select, $inlinecount and /$count as the other sets do', async () => {
    const outputs = await get(`/api/Assets?$filter=${encodeURIComponent("startswith(Name, 'JobOutputAsset') and State eq 0")}&$orderby=Name%20desc&$top=2&$skip=1&$select=Name&$inlinecount=allpages`);
    expect(outputs.json.value).toEqual([{ Name: 'JobOutputAsset(1)_Encode ladder' }, { Name: 'JobOutputAsset(0)_Single' }]);
    expect(outputs.json['odata.count']).toBe('4');
    expect((await get('/api/Assets/$count')).text).toBe('5');
    expect((await get(`/api/Assets/$count?$filter=${encodeURIComponent("Created ge datetime'2000-01-01T00:00:00Z'")}`)).text).toBe('5');
    expect((await get(`/api/Assets?$filter=${encodeURIComponent("Uri eq 'x'")}`)).json.value).toEqual([]);
  });

  it('refuses a filter on a property assets do not have, naming it', async () => {
    const r = await get(`/api/Assets?$filter=${encodeURIComponent("Nmae eq 'x'")}`);
    expect(r.status).toBe(400);
    expect(r.json['odata.error'].message.value).toContain('Nmae');
  });
});

describe('GET /api/Assets(id)', () => {
  it('finds an asset by raw and by percent-encoded key, in both formats, and answers its properties', async () => {
    for (const path of [`/api/Assets('${INPUT}')`, `/api/Assets(${enc(INPUT)})`, `/API/Assets(${enc(INPUT)})`]) {
      const r = await get(path);
      expect(r.status, path).toBe(200);
      expect(r.json['odata.metadata']).toBe(`${s.url}/$metadata#Assets/@Element`);
      expect(r.json.Id).toBe(INPUT);
    }
    expect((await get(`/api/Assets(${enc(INPUT)})`, VERBOSE)).json.d.__metadata.type).toBe(ASSET_TYPE);
    expect((await get(`/api/Assets(${enc(INPUT)})/State`, VERBOSE)).json).toEqual({ d: { State: 0 } });
    expect((await get(`/api/Assets(${enc(INPUT)})/Uri`)).json.value).toMatch(/^https:\/\/jobgraph\.blob\.jobgraph\.invalid\/asset-/);
  });

  it('answers 404 with the OData error shape for an unknown asset, and for an unknown property', async () => {
    const r = await get(`/api/Assets(${enc('nb:cid:UUID:11111111-1111-4111-8111-111111111111')})`);
    expect(r.status).toBe(404);
    expect(r.json['odata.error'].code).toBe('ENTITY_NOT_FOUND');
    expect(r.json['odata.error'].message.value).toContain('GET /api/Assets');
    const verbose = await get(`/api/Assets('nope')`, VERBOSE);
    expect(verbose.status).toBe(404);
    expect(verbose.json.error.code).toBe('ENTITY_NOT_FOUND');
    const prop = await get(`/api/Assets(${enc(INPUT)})/Files`);
    expect(prop.status).toBe(404);
    expect(prop.json['odata.error'].code).toBe('ENTITY_NOT_FOUND');
  });

  it('answers $count on one asset and query options it does not take with 400', async () => {
    expect((await get(`/api/Assets(${enc(INPUT)})/$count`)).status).toBe(400);
    const top = await get(`/api/Assets(${enc(INPUT)})?$top=1`);
    expect(top.status).toBe(400);
    expect(top.json['odata.error'].code).toBe('QUERY_OPTION_NOT_APPLICABLE');
  });

  it('neither updates nor deletes assets: 405 with Allow', async () => {
    for (const method of ['DELETE', 'MERGE', 'PUT', 'PATCH']) {
      const r = await request(s.port, `/api/Assets(${enc(INPUT)})`, { method });
      expect(r.status, method).toBe(405);
      expect(r.headers.allow).toBe('GET, HEAD');
    }
    expect((await request(s.port, '/api/Assets', { method: 'DELETE' })).headers.allow).toBe('GET, HEAD, POST');
  });
});

describe('the asset links of jobs and tasks resolve', () => {
  it("resolves a job's and a task's asset lists to the entities of /api/Assets", async () => {
    const inputs = await get(`/api/Jobs(${enc(ladder)})/InputMediaAssets`, VERBOSE);
    const outputs = await get(`/api/Jobs(${enc(ladder)})/OutputMediaAssets`, VERBOSE);
    expect(outputs.json.d.results.map((a: { Name: string }) => a.Name)).toEqual([0, 1, 2].map((i) => `JobOutputAsset(${i})_Encode ladder`));
    for (const a of [...inputs.json.d.results, ...outputs.json.d.results]) {
      const one = await get(pathOf(a.__metadata.uri), VERBOSE);
      expect(one.status).toBe(200);
      expect(one.json.d).toEqual(a);
    }
    const tasks = s.engine.scheduler.tasks({ jobId: ladder });
    const taskInputs = await get(`/api/Tasks(${enc(tasks[1]!.Id)})/InputMediaAssets`);
    expect(taskInputs.json.value).toEqual([outputs.json.d.results[0]].map(({ __metadata: _, ...rest }: Record<string, unknown>) => rest));
    const taskOutputs = await get(`/api/Tasks(${enc(tasks[2]!.Id)})/OutputMediaAssets/$count`);
    expect(taskOutputs.text).toBe('1');
  });

  it("resolves the link a job was created with (the reference's Assets('nb%3Acid…'))", async () => {
    const r = await request(s.port, '/api/Jobs', { method: 'POST', body: REFERENCE_VERBOSE_BODY, accept: VERBOSE });
    expect(r.status).toBe(201);
    const asset = await get(`/api/Assets('nb%3Acid%3AUUID%3A910ffdc1-2e25-4b17-8a42-61ffd4b8914c')`);
    expect(asset.status).toBe(200);
    expect(asset.json.Id).toBe('nb:cid:UUID:910ffdc1-2e25-4b17-8a42-61ffd4b8914c');
    await s.engine.done(r.json.d.Id);
  });
});

describe('POST /api/Assets', () => {
  it("creates an empty input asset: 201, Location, the entity; the reference's sample body", async () => {
    const r = await postAsset('{ "Name" : "NewJSONAsset" }', { DataServiceVersion: '3.0', MaxDataServiceVersion: '3.0' }, VERBOSE);
    expect(r.status).toBe(201);
    const id: string = r.json.d.Id;
    expect(id).toMatch(/^nb:cid:UUID:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(r.headers.location).toBe(`${s.url}/Assets(${enc(id)})`);
    expect(r.json.d.__metadata).toEqual({ id: r.headers.location, uri: r.headers.location, type: ASSET_TYPE });
    expect(r.json.d).toMatchObject({ Name: 'NewJSONAsset', State: 0, Options: 0, FormatOption: 0, AlternateId: null, StorageAccountName: 'jobgraph' });
    const again = await get(pathOf(r.headers.location!));
    expect(again.json.Name).toBe('NewJSONAsset');
    expect((await get(`/api/Assets?$filter=${encodeURIComponent("Name eq 'NewJSONAsset'")}`)).json.value).toHaveLength(1);
  });

  it('takes Options, FormatOption, StorageAccountName and AlternateId, and ignores what the service sets', async () => {
    const r = await postAsset(
      JSON.stringify({
        __metadata: { type: ASSET_TYPE },
        Id: 'nb:cid:UUID:ignored',
        State: 2,
        Created: '0001-01-01T00:00:00',
        Uri: null,
        Name: 'encrypted',
        Options: 1,
        FormatOption: 1,
        StorageAccountName: 'mystorage01',
        AlternateId: 'cms-42',
      }),
    );
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({ Name: 'encrypted', Options: 1, FormatOption: 1, StorageAccountName: 'mystorage01', AlternateId: 'cms-42', State: 0 });
    expect(r.json.Id).not.toBe('nb:cid:UUID:ignored');
    expect(r.json.Uri).toBe(`https://mystorage01.blob.jobgraph.invalid/asset-${r.json.Id.slice('nb:cid:UUID:'.length)}`);
    expect(Date.parse(r.json.Created)).toBeGreaterThan(Date.parse('2020-01-01'));
  });

  it('lets a job name the new asset by its Location; the job then shows that asset', async () => {
    const created = await postAsset(JSON.stringify({ Name: 'ingested.mp4' }));
    const body = JSON.stringify({ ...chainJob(1, 'from ingest'), InputMediaAssets: [{ __metadata: { uri: created.headers.location } }] });
    const job = await request(s.port, '/api/Jobs', { method: 'POST', body });
    expect(job.status).toBe(201);
    const inputs = await get(`/api/Jobs(${enc(job.json.Id)})/InputMediaAssets`);
    expect(inputs.json.value).toEqual([created.json].map(({ 'odata.metadata': _, ...rest }: Record<string, unknown>) => rest));
    await s.engine.done(job.json.Id);
  });

  it('answers 204 with Location when the client prefers no content', async () => {
    const r = await postAsset('{"Name":"quiet"}', { Prefer: 'return-no-content' });
    expect(r.status).toBe(204);
    expect(r.text).toBe('');
    expect(r.headers.location).toMatch(/\/api\/Assets\('nb%3Acid%3AUUID%3A/);
  });

  it.each([
    ['{"Name":', 'JSON_MALFORMED', /not JSON/],
    ['[{"Name":"a"}]', 'ASSET_INVALID', /an array/],
    ['"asset"', 'ASSET_INVALID', /not an Asset/],
    ['{"Name":42}', 'ASSET_INVALID', /Name is 42; it is a string/],
    [JSON.stringify({ Name: 'x'.repeat(513) }), 'ASSET_INVALID', /513 characters long; the limit is 512/],
    ['{"Options":3}', 'ASSET_INVALID', /never a combination/],
    ['{"Options":"StorageEncrypted"}', 'ASSET_INVALID', /one AssetCreationOptions value/],
    ['{"FormatOption":2}', 'ASSET_INVALID', /AdaptiveStreaming \(1\)/],
    ['{"StorageAccountName":"My_Storage"}', 'ASSET_INVALID', /3 to 24 lowercase letters and digits/],
    ['{"Nmae":"typo"}', 'ASSET_INVALID', /no property "Nmae" \(did you mean "Name"\?\)/],
  ])('refuses the body %s with 400 %s', async (body, code, message) => {
    const before = (await get('/api/Assets/$count')).text;
    const r = await postAsset(body);
    expect(r.status).toBe(400);
    expect(r.json['odata.error'].code).toBe(code);
    expect(r.json['odata.error'].message.value).toMatch(message);
    expect((await get('/api/Assets/$count')).text).toBe(before);
  });

  it('lists every problem of a body at once, in innererror too', async () => {
    const r = await postAsset('{"Name":1,"Options":8,"Extra":true}', {}, VERBOSE);
    expect(r.status).toBe(400);
    expect(r.json.error.innererror.problems).toHaveLength(3);
  });

  it('refuses a body that is not JSON by its Content-Type (415), and a query option (400)', async () => {
    expect((await postAsset('Name=x', { 'Content-Type': 'application/x-www-form-urlencoded' })).status).toBe(415);
    const r = await request(s.port, '/api/Assets?$top=1', { method: 'POST', body: '{}' });
    expect(r.status).toBe(400);
    expect(r.json['odata.error'].code).toBe('QUERY_OPTION_NOT_APPLICABLE');
  });
});

describe('assets and the life of jobs', () => {
  it("drops a deleted job's derived assets and keeps POSTed ones and inputs other jobs name", async () => {
    const t = await startServer({ validationWorkers: 0 });
    try {
      const a = seed(t.engine, chainJob(1, 'first'));
      const b = seed(t.engine, chainJob(1, 'second'));
      await t.engine.done(a);
      await t.engine.done(b);
      const posted = await request(t.port, '/api/Assets', { method: 'POST', body: '{"Name":"mine"}' });
      const names = async (): Promise<string[]> => (await request(t.port, '/api/Assets?$orderby=Name')).json.value.map((x: { Name: string }) => x.Name);
      expect(await names()).toEqual(['', 'JobOutputAsset(0)_first', 'JobOutputAsset(0)_second', 'mine']);
      expect((await request(t.port, `/api/Jobs(${enc(a)})`, { method: 'DELETE' })).status).toBe(204);
      expect(await names()).toEqual(['', 'JobOutputAsset(0)_second', 'mine']);
      expect((await request(t.port, pathOf(posted.headers.location!))).status).toBe(200);
    } finally {
      await t.close();
    }
  });

  it('serves no damaged asset record, and says so with a warning', async () => {
    const engine = new Engine({ processors: testProcessors() });
    engine.setRecord('server.asset:nb:cid:UUID:x', 'not json');
    engine.setRecord('server.asset:nb:cid:UUID:y', JSON.stringify({ Id: 'nb:cid:UUID:other', Name: 'moved' }));
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const api = createServer(engine, { tokens: [TOKEN], onError: () => {}, validationWorkers: 0 });
    try {
      expect(warn).toHaveBeenCalledTimes(2);
      expect(String(warn.mock.calls[0]![0])).toContain('damaged asset record');
      const { address } = await api.listen({ port: 0 });
      expect((await request(address.port, '/api/Assets')).json.value).toEqual([]);
    } finally {
      warn.mockRestore();
      await api.close({ graceMs: 100 });
      await engine.close();
    }
  });

  it('keeps POSTed assets across a restart of a server with a store (--data)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jobgraph-assets-'));
    const file = join(dir, 'run.sqlite');
    const open = () => openStoredServer(file);
    try {
      const first = await open();
      const created = await request(first.port, '/api/Assets', { method: 'POST', body: '{"Name":"survivor","Options":1}' });
      expect(created.status).toBe(201);
      const job = await request(first.port, '/api/Jobs', { method: 'POST', body: JSON.stringify({ ...chainJob(1, 'stored'), InputMediaAssets: [{ __metadata: { uri: created.headers.location } }] }) });
      expect(job.status).toBe(201);
      await first.engine.done(job.json.Id);
      const before = (await request(first.port, '/api/Assets')).json.value;
      await first.close();

      const second = await open();
      try {
        expect((await request(second.port, '/api/Assets')).json.value).toEqual(before);
        const again = await request(second.port, pathOf(created.headers.location!));
        expect(again.json).toMatchObject({ Id: created.json.Id, Name: 'survivor', Options: 1, Created: created.json.Created });
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
