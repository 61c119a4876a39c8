import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TaskState } from '../../../src/job/enums.js';
import { MES, VERBOSE, chainJob, enc, request, seed, startServer, type TestServer } from './helpers.js';

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;
const TASK_TYPE = 'Microsoft.Cloud.Media.Vod.Rest.Data.Models.Task';
const JOB_TYPE = 'Microsoft.Cloud.Media.Vod.Rest.Data.Models.Job';

let s: TestServer;
let finished: string;
let held: string;
let failed: string;

beforeAll(async () => {
  s = await startServer();
  finished = seed(s.engine, chainJob(3, 'Encode ladder'));
  held = seed(s.engine, chainJob(2, 'Held job', 'hold'));
  failed = seed(s.engine, chainJob(1, 'Failing job', 'fail'));
  await s.engine.done(finished);
  await s.engine.done(failed);
});

afterAll(async () => {
  await s.close();
});

const get = (path: string, accept?: string) => request(s.port, path, accept === undefined ? {} : { accept });

describe('GET /api/Jobs', () => {
  it('lists jobs in minimal metadata by default: odata.metadata and value, dates as ISO 8601', async () => {
    const r = await get('/api/Jobs');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/json;odata=minimalmetadata;streaming=true;charset=utf-8');
    expect(r.json['odata.metadata']).toBe(`${s.url}/$metadata#Jobs`);
    expect(r.json.value.map((j: { Name: string }) => j.Name)).toEqual(['Encode ladder', 'Held job', 'Failing job']);
    const job = r.json.value[0];
    expect(Object.keys(job)).toEqual(['Id', 'Name', 'Created', 'LastModified', 'EndTime', 'Priority', 'RunningDuration', 'StartTime', 'State', 'TemplateId', 'JobNotificationSubscriptions']);
    expect(job.State).toBe(TaskState.Finished);
    expect(job.Created).toMatch(ISO);
    expect(job.EndTime).toMatch(ISO);
    expect(r.json.value[1].EndTime).toBeNull();
    expect(r.json.value[2].State).toBe(TaskState.Error);
  });

  it('lists jobs in verbose JSON: d.results, __metadata, navigation properties deferred', async () => {
    const r = await get('/api/Jobs', VERBOSE);
    expect(r.headers['content-type']).toBe('application/json;odata=verbose;charset=utf-8');
    const job = r.json.d.results[0];
    const uri = `${s.url}/Jobs(${enc(finished)})`;
    expect(job.__metadata).toEqual({ id: uri, uri, type: JOB_TYPE });
    expect(Object.keys(job).slice(0, 5)).toEqual(['__metadata', 'Tasks', 'OutputMediaAssets', 'InputMediaAssets', 'Id']);
    expect(job.Tasks).toEqual({ __deferred: { uri: `${uri}/Tasks` } });
    expect(job.JobNotificationSubscriptions).toEqual({ __metadata: { type: 'Collection(Microsoft.Cloud.Media.Vod.Rest.Data.Models.JobNotificationSubscription)' }, results: [] });
    expect(job.Id).toBe(finished);
  });

  it('writes verbose dates as \\/Date(ms)\\/ when the server is asked to', async () => {
    const t = await startServer({ verboseDateStyle: 'msjson' });
    try {
      const id = seed(t.engine, chainJob(1, 'dated'));
      await t.engine.done(id);
      const r = await request(t.port, `/api/Jobs(${enc(id)})`, { accept: VERBOSE });
      expect(r.text).toMatch(/"Created":"\\\/Date\(\d+\)\\\/"/);
      expect(r.json.d.Created).toBe(`/Date(${Date.parse(t.engine.scheduler.job(id)!.Created)})/`);
      const minimal = await request(t.port, `/api/Jobs(${enc(id)})`);
      expect(minimal.json.Created).toMatch(ISO);
    } finally {
      await t.close();
    }
  });
});

describe('GET /api/Jobs(id)', () => {
  it('finds a job by its raw key, its percent-encoded key, and under /API/ as well as /api/', async () => {
    for (const path of [`/api/Jobs('${finished}')`, `/api/Jobs(${enc(finished)})`, `/API/Jobs(${enc(finished)})`, `/API/Jobs(%27${encodeURIComponent(finished)}%27)`]) {
      const r = await get(path);
      expect(r.status, path).toBe(200);
      expect(r.json.Id).toBe(finished);
      expect(r.json['odata.metadata']).toBe(`${s.url}/$metadata#Jobs/@Element`);
    }
  });

  it('answers a single job in verbose JSON as {"d":{…}}', async () => {
    const r = await get(`/api/Jobs(${enc(held)})`, VERBOSE);
    expect(r.json.d.__metadata.type).toBe(JOB_TYPE);
    expect(r.json.d.Name).toBe('Held job');
    expect(r.json.d.State).toBe(TaskState.Processing);
  });

  it('answers 404 with an OData error for an unknown job', async () => {
    const r = await get(`/api/Jobs('nb:jid:UUID:00000000-0000-0000-0000-000000000000')`);
    expect(r.status).toBe(404);
    expect(r.json['odata.error'].code).toBe('ENTITY_NOT_FOUND');
    expect(r.json['odata.error'].message).toEqual({ lang: 'en-US', value: expect.stringContaining('nb:jid:UUID:00000000-0000-0000-0000-000000000000') });
  });

  it('answers Jobs(id)/State as the reference shows it, {"d":{"State":2}}', async () => {
    expect((await get(`/api/Jobs(${enc(held)})/State`, VERBOSE)).json).toEqual({ d: { State: 2 } });
    expect((await get(`/api/Jobs(${enc(held)})/State`)).json).toEqual({ 'odata.metadata': `${s.url}/$metadata#Edm.Int32`, value: 2 });
  });

  it('answers other properties of a job, dates formatted, unknown ones 404 with a suggestion', async () => {
    expect((await get(`/api/Jobs(${enc(held)})/Name`)).json.value).toBe('Held job');
    expect((await get(`/api/Jobs(${enc(finished)})/EndTime`)).json.value).toMatch(ISO);
    const r = await get(`/api/Jobs(${enc(held)})/Stat`);
    expect(r.status).toBe(404);
    expect(r.json['odata.error'].message.value).toContain('did you mean "State"?');
  });

  it('answers a property named like a member of Object.prototype 404, as any unknown property (was 200 with no value)', async () => {
    const task = s.engine.scheduler.tasks({ jobId: held })[0]!.Id;
    for (const name of ['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf']) {
      for (const [path, set] of [
        [`/api/Jobs(${enc(held)})/${name}`, 'Jobs'],
        [`/api/Jobs(${enc(held)})/${name}/$count`, 'Jobs'],
        [`/api/Tasks(${enc(task)})/${name}`, 'Tasks'],
      ] as const) {
        const r = await get(path);
        expect(r.status, path).toBe(404);
        expect(r.json['odata.error'].code, path).toBe('ENTITY_NOT_FOUND');
        expect(r.json['odata.error'].message.value, path).toContain(`${set} have no property "${name}"`);
      }
      const verbose = await get(`/api/Jobs(${enc(held)})/${name}`, VERBOSE);
      expect(verbose.status).toBe(404);
      expect(verbose.json.error.code).toBe('ENTITY_NOT_FOUND');
    }
  });
});

describe('GET /api/Jobs(id)/Tasks and /api/Tasks', () => {
  it("lists a job's tasks in verbose JSON with inline collections and deferred assets", async () => {
    const r = await get(`/api/Jobs(${enc(finished)})/Tasks`, VERBOSE);
    expect(r.status).toBe(200);
    const tasks = r.json.d.results;
    expect(tasks).toHaveLength(3);
    const t = tasks[0];
    const uri = `${s.url}/Tasks(${enc(t.Id)})`;
    expect(t.__metadata).toEqual({ id: uri, uri, type: TASK_TYPE });
    expect(Object.keys(t).slice(0, 4)).toEqual(['__metadata', 'OutputMediaAssets', 'InputMediaAssets', 'Id']);
    expect(t.InputMediaAssets).toEqual({ __deferred: { uri: `${uri}/InputMediaAssets` } });
    expect(t.ErrorDetails).toEqual({ __metadata: { type: 'Collection(Microsoft.Cloud.Media.Vod.Rest.Data.Models.ErrorDetail)' }, results: [] });
    expect(t.HistoricalEvents.__metadata).toEqual({ type: 'Collection(Microsoft.Cloud.Media.Vod.Rest.Data.Models.TaskHistoricalEvent)' });
    expect(t.HistoricalEvents.results.map((e: { Code: string }) => e.Code)).toContain('Finished');
    expect(t.HistoricalEvents.results[0].TimeStamp).toMatch(ISO);
    expect(t.TaskNotificationSubscriptions.results).toEqual([]);
    expect(t.State).toBe(TaskState.Finished);
    expect(t.Progress).toBe(100);
    expect(t.StartTime).toMatch(ISO);
  });

  it("lists a job's tasks in minimal metadata, collections as plain arrays", async () => {
    const r = await get(`/api/Jobs('${failed}')/Tasks`);
    expect(r.json['odata.metadata']).toBe(`${s.url}/$metadata#Tasks`);
    const t = r.json.value[0];
    expect(t.State).toBe(TaskState.Error);
    expect(t.ErrorDetails).toEqual([{ Code: 'ErrorExecutingTaskUnsupportedFormat', Message: expect.stringContaining('not supported') }]);
    expect(Array.isArray(t.HistoricalEvents)).toBe(true);
    expect(t.OutputMediaAssets).toBeUndefined();
  });

  it('lists every task of every job in submission order', async () => {
    const r = await get('/API/Tasks');
    expect(r.json.value.map((t: { Name: string }) => t.Name)).toEqual([
      'Encode ladder task 0',
      'Encode ladder task 1',
      'Encode ladder task 2',
      'Held job task 0',
      'Held job task 1',
      'Failing job task 0',
    ]);
    expect(r.json.value.map((t: { State: number }) => t.State)).toEqual([3, 3, 3, 2, 0, 4]);
  });

  it('finds a task by key, in both formats, and its properties', async () => {
    const id = s.engine.scheduler.tasks({ jobId: held })[0]!.Id;
    const minimal = await get(`/api/Tasks(${enc(id)})`);
    expect(minimal.json.Id).toBe(id);
    expect(minimal.json.MediaProcessorId).toBe(MES);
    const verbose = await get(`/api/Tasks('${id}')`, VERBOSE);
    expect(verbose.json.d.__metadata.type).toBe(TASK_TYPE);
    expect((await get(`/api/Tasks('${id}')/State`, VERBOSE)).json).toEqual({ d: { State: 2 } });
    const events = await get(`/api/Tasks('${id}')/HistoricalEvents`, VERBOSE);
    expect(events.json.d.HistoricalEvents.__metadata.type).toBe('Collection(Microsoft.Cloud.Media.Vod.Rest.Data.Models.TaskHistoricalEvent)');
    expect((await get(`/api/Tasks('nb:tid:UUID:00000000-0000-0000-0000-000000000000')`)).status).toBe(404);
  });

  it('writes EncryptionScheme "None" for a task without encryption, and filters on it so', async () => {
    const tasks = await get(`/api/Jobs(${enc(finished)})/Tasks?$select=EncryptionScheme,EncryptionVersion`);
    expect(tasks.json.value).toEqual([0, 1, 2].map(() => ({ EncryptionScheme: 'None', EncryptionVersion: null })));
    const verbose = await get(`/api/Tasks?$top=1`, VERBOSE);
    expect(verbose.json.d.results[0].EncryptionScheme).toBe('None');
    const none = await get(`/api/Tasks/$count?$filter=${encodeURIComponent("EncryptionScheme eq 'None'")}`);
    expect(none.text).toBe('6');
    const nulls = await get(`/api/Tasks/$count?$filter=${encodeURIComponent('EncryptionScheme eq null')}`);
    expect(nulls.text).toBe('0');
  });

  it("lists a task's and a job's assets: inputs by link, outputs with their names", async () => {
    const tasks = s.engine.scheduler.tasks({ jobId: finished });
    const inputs = await get(`/api/Tasks(${enc(tasks[1]!.Id)})/InputMediaAssets`);
    const outputsOfFirst = await get(`/api/Tasks(${enc(tasks[0]!.Id)})/OutputMediaAssets`, VERBOSE);
    expect(inputs.json.value).toHaveLength(1);
    expect(inputs.json.value[0].Id).toBe(outputsOfFirst.json.d.results[0].Id);
    expect(outputsOfFirst.json.d.results[0].Name).toBe('JobOutputAsset(0)_Encode ladder');
    expect(outputsOfFirst.json.d.results[0].__metadata.type).toBe('Microsoft.Cloud.Media.Vod.Rest.Data.Models.Asset');
    const jobInputs = await get(`/api/Jobs(${enc(finished)})/InputMediaAssets`);
    expect(jobInputs.json.value[0].Id).toBe('nb:cid:UUID:00000000-0000-4000-8000-000000000000');
    const jobOutputs = await get(`/api/Jobs(${enc(finished)})/OutputMediaAssets?$select=Name`);
    expect(jobOutputs.json.value).toEqual([0, 1, 2].map((i) => ({ Name: `JobOutputAsset(${i})_Encode ladder` })));
  });
});

describe('GET /api/MediaProcessors and the service root', () => {
  it('lists the registered processors with the REST properties, filterable by Name', async () => {
    const r = await get("/api/MediaProcessors?$filter=Name%20eq%20'Media%20Encoder%20Standard'");
    expect(r.json.value).toEqual([{ Id: MES, Description: 'test encoder', Name: 'Media Encoder Standard', Sku: '', Vendor: 'Microsoft', Version: '1.1' }]);
    const verbose = await get('/api/MediaProcessors', VERBOSE);
    expect(verbose.json.d.results).toHaveLength(2);
    expect(verbose.json.d.results[0].__metadata.type).toBe('Microsoft.Cloud.Media.Vod.Rest.Data.Models.MediaProcessor');
    expect((await get(`/api/MediaProcessors('${MES}')/Version`)).json.value).toBe('1.1');
  });

  it('answers the service root with the entity sets', async () => {
    const sets = ['Jobs', 'Tasks', 'MediaProcessors', 'Assets', 'JobTemplates', 'TaskTemplates'];
    expect((await get('/api/')).json).toEqual({ 'odata.metadata': `${s.url}/$metadata`, value: sets.map((n) => ({ name: n, url: n })) });
    expect((await get('/API/', VERBOSE)).json).toEqual({ d: { EntitySets: sets } });
  });
});

describe('query options', () => {
  const names = (r: { json: { value: Array<{ Name: string }> } }): string[] => r.json.value.map((t) => t.Name);

  it.each([
    ['State eq 3', ['Encode ladder task 0', 'Encode ladder task 1', 'Encode ladder task 2']],
    ['State eq 2 or State eq 4', ['Held job task 0', 'Failing job task 0']],
    ["startswith(Name, 'Held') and State ne 2", ['Held job task 1']],
    ["endswith(Name, 'task 2')", ['Encode ladder task 2']],
    ["not (State eq 3) and not endswith(Name, '1')", ['Held job task 0', 'Failing job task 0']],
    ["substringof('ladder', Name) and Priority ge 0", ['Encode ladder task 0', 'Encode ladder task 1', 'Encode ladder task 2']],
    ['EndTime eq null', ['Held job task 0', 'Held job task 1']],
    ["StartTime gt datetime'2000-01-01T00:00:00Z' and Progress lt 100", ['Held job task 0', 'Failing job task 0']],
    [`MediaProcessorId eq '${MES}' and Options eq 0 and Configuration eq 'hold'`, ['Held job task 0', 'Held job task 1']],
  ])('$filter=%s', async (filter, expected) => {
    const r = await get(`/api/Tasks?$filter=${encodeURIComponent(filter)}`);
    expect(r.status).toBe(200);
    expect(names(r)).toEqual(expected);
  });

  it('filters jobs, and tasks within a job', async () => {
    expect((await get('/api/Jobs?$filter=State%20eq%204')).json.value.map((j: { Id: string }) => j.Id)).toEqual([failed]);
    expect(names(await get(`/api/Jobs(${enc(finished)})/Tasks?$filter=${encodeURIComponent("Name eq 'Encode ladder task 1'")}`))).toEqual(['Encode ladder task 1']);
  });

  it('accepts + for spaces in the query, as form encoding has it', async () => {
    expect(names(await get('/api/Tasks?$filter=State+eq+4'))).toEqual(['Failing job task 0']);
  });

  it('$orderby, $skip, $top and $select', async () => {
    const r = await get('/api/Tasks?$orderby=State%20desc,Name&$skip=1&$top=3&$select=Name,State');
    expect(r.json.value).toEqual([
      { Name: 'Encode ladder task 0', State: 3 },
      { Name: 'Encode ladder task 1', State: 3 },
      { Name: 'Encode ladder task 2', State: 3 },
    ]);
    expect((await get('/api/Tasks?$orderby=State%20desc&$top=1&$select=Name')).json.value).toEqual([{ Name: 'Failing job task 0' }]);
  });

  it('$select in verbose JSON keeps __metadata and only the selected navigation links', async () => {
    const r = await get('/api/Jobs?$select=Name,Tasks&$top=1', VERBOSE);
    const job = r.json.d.results[0];
    expect(Object.keys(job)).toEqual(['__metadata', 'Tasks', 'Name']);
    expect(job.__metadata.uri).toBe(`${s.url}/Jobs(${enc(finished)})`);
  });

  it('$inlinecount=allpages adds the count of matches, as a string', async () => {
    expect((await get('/api/Tasks?$top=1&$inlinecount=allpages')).json['odata.count']).toBe('6');
    expect((await get('/api/Tasks?$top=1&$inlinecount=allpages&$filter=State%20eq%203', VERBOSE)).json.d.__count).toBe('3');
  });

  it('/$count answers the number of matches as text', async () => {
    for (const [path, n] of [
      ['/api/Tasks/$count', '6'],
      ['/api/Jobs/$count', '3'],
      ['/api/Tasks/$count?$filter=State%20eq%203', '3'],
      [`/api/Jobs(${enc(finished)})/Tasks/$count`, '3'],
      ['/api/MediaProcessors/$count', '2'],
      ['/api/Tasks/$count?$skip=4', '2'],
    ] as const) {
      const r = await get(path);
      expect(r.status, path).toBe(200);
      expect(r.headers['content-type']).toBe('text/plain;charset=utf-8');
      expect(r.text, path).toBe(n);
    }
  });

  it('$format=verbose and $format=json override Accept', async () => {
    expect((await get('/api/Jobs?$format=verbose')).json.d.results).toHaveLength(3);
    expect((await get('/api/Jobs?$format=json', VERBOSE)).json.value).toHaveLength(3);
  });
});

describe('paging across the 1,000-entity cap', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startServer({ profile: 'relaxed' });
    // 35 jobs of 30 tasks: 1,050 tasks, all Finished.
    const ids = Array.from({ length: 35 }, (_, j) => seed(t.engine, chainJob(30, `J${String(j).padStart(2, '0')}`)));
    await Promise.all(ids.map((id) => t.engine.done(id)));
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers at most 1,000 entities, whatever $top says', async () => {
    expect((await request(t.port, '/api/Tasks')).json.value).toHaveLength(1000);
    expect((await request(t.port, '/api/Tasks?$top=5000')).json.value).toHaveLength(1000);
    expect((await request(t.port, '/api/Tasks?$filter=State%20eq%203&$orderby=Name%20desc')).json.value).toHaveLength(1000);
    expect((await request(t.port, '/api/Tasks?$skip=1000', { accept: VERBOSE })).json.d.results).toHaveLength(50);
  });

  it('pages with $skip and $top through every task once, in submission order', async () => {
    const seen: string[] = [];
    for (let skip = 0; ; skip += 1000) {
      const r = await request(t.port, `/api/Tasks?$skip=${skip}&$top=1000&$select=Id`);
      seen.push(...r.json.value.map((x: { Id: string }) => x.Id));
      if (r.json.value.length < 1000) break;
    }
    expect(seen).toEqual(t.engine.scheduler.tasks().map((x) => x.Id));
  });

  it('pages the same way with a $filter on a fixed property and with $orderby', async () => {
    const filter = encodeURIComponent("startswith(Name, 'J1')");
    const a = await request(t.port, `/api/Tasks?$filter=${filter}&$skip=290&$top=20&$select=Name`);
    expect(a.json.value.map((x: { Name: string }) => x.Name)).toEqual([...Array.from({ length: 10 }, (_, i) => `J19 task ${20 + i}`)]);
    const b = await request(t.port, '/api/Tasks?$orderby=Name%20desc&$top=2&$select=Name');
    expect(b.json.value).toEqual([{ Name: 'J34 task 9' }, { Name: 'J34 task 8' }]);
  });

  it('a server can be configured with a smaller cap', async () => {
    const small = await startServer({ maxPageSize: 2 });
    try {
      seed(small.engine, chainJob(3, 'x'));
      expect((await request(small.port, '/api/Tasks?$top=10')).json.value).toHaveLength(2);
    } finally {
      await small.close();
    }
  });
});

describe('protocol headers', () => {
  it('answers DataServiceVersion and x-ms-version, and echoes client-request-id', async () => {
    const r = await request(s.port, '/api/Jobs', { headers: { 'x-ms-version': '2.11', DataServiceVersion: '3.0', MaxDataServiceVersion: '3.0', 'client-request-id': 'abc-123' } });
    expect(r.headers.dataserviceversion).toBe('3.0;');
    expect(r.headers['x-ms-version']).toBe('2.11');
    expect(r.headers['client-request-id']).toBe('abc-123');
    expect(r.headers['request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const none = await request(s.port, '/api/Jobs');
    expect(none.headers['x-ms-version']).toBe('2.19');
    expect(none.headers['client-request-id']).toBeUndefined();
  });

  it('echoes client-request-id on errors too', async () => {
    const r = await request(s.port, '/api/Nope', { headers: { 'client-request-id': 'req-7' } });
    expect(r.status).toBe(404);
    expect(r.headers['client-request-id']).toBe('req-7');
  });

  it('answers verbose JSON to a client capped below OData 3.0 that asks for plain JSON', async () => {
    const r = await request(s.port, '/api/Jobs', { headers: { MaxDataServiceVersion: '2.0', DataServiceVersion: '1.0' }, accept: 'application/json' });
    expect(r.json.d.results).toHaveLength(3);
    expect(r.headers.dataserviceversion).toBe('2.0;');
  });

  it('picks the format from Accept q-values', async () => {
    expect((await get('/api/Jobs', 'application/json;q=0.5, application/json;odata=verbose')).json.d).toBeDefined();
    expect((await get('/api/Jobs', '*/*')).json.value).toBeDefined();
  });

  it('answers HEAD like GET, without a body', async () => {
    const r = await request(s.port, '/api/Jobs', { method: 'HEAD' });
    expect(r.status).toBe(200);
    expect(r.text).toBe('');
    expect(Number(r.headers['content-length'])).toBeGreaterThan(0);
  });
});
