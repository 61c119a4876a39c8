import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import { TaskState, isFinalState } from '../../../src/job/enums.js';
import { MES, REFERENCE_BIND_BODY, REFERENCE_VERBOSE_BODY, VERBOSE, chainJob, enc, request, seed, startServer, type TestServer } from './helpers.js';

let s: TestServer;

beforeAll(async () => {
  s = await startServer({ maxBodyBytes: 64 * 1024 });
});

afterAll(async () => {
  await s.close();
});

const post = (body: string | Buffer, headers: Record<string, string> = {}, accept?: string) =>
  request(s.port, '/api/Jobs', { method: 'POST', body, headers: { 'Content-Type': 'application/json', ...headers }, ...(accept === undefined ? {} : { accept }) });

describe('POST /api/Jobs', () => {
  it("accepts the reference's verbose Create Job body: 201, Location with the encoded key, the job in verbose JSON", async () => {
    const r = await post(
      REFERENCE_VERBOSE_BODY,
      { 'Content-Type': 'application/json;odata=verbose', DataServiceVersion: '3.0', MaxDataServiceVersion: '3.0', 'x-ms-version': '2.19' },
      VERBOSE,
    );
    expect(r.status).toBe(201);
    const id: string = r.json.d.Id;
    expect(id).toMatch(/^nb:jid:UUID:[0-9a-f-]{36}$/);
    expect(r.headers.location).toBe(`${s.url}/Jobs('${encodeURIComponent(id)}')`);
    expect(r.headers.location).toMatch(/\/api\/Jobs\('nb%3Ajid%3AUUID%3A/);
    expect(r.json.d.__metadata).toEqual({ id: r.headers.location, uri: r.headers.location, type: 'Microsoft.Cloud.Media.Vod.Rest.Data.Models.Job' });
    expect(r.json.d.Tasks).toEqual({ __deferred: { uri: `${r.headers.location}/Tasks` } });
    expect(r.json.d.Name).toBe('NewTestJob');
    expect(r.json.d.Priority).toBe(0);
    expect(r.json.d.TemplateId).toBeNull();

    // The Location answers, and the job runs its two chained tasks to the end.
    const path = r.headers.location!.slice(r.headers.location!.indexOf('/api/'));
    expect((await request(s.port, path)).json.Id).toBe(id);
    await s.engine.done(id);
    const tasks = await request(s.port, `${path}/Tasks`);
    expect(tasks.json.value.map((t: { State: number; Configuration: string }) => [t.State, t.Configuration])).toEqual([
      [3, 'H264 Adaptive Bitrate MP4 Set 720p'],
      [3, 'H264 Smooth Streaming 720p'],
    ]);
    const inputs = await request(s.port, `${path}/InputMediaAssets`);
    expect(inputs.json.value[0].Id).toBe('nb:cid:UUID:910ffdc1-2e25-4b17-8a42-61ffd4b8914c');
  });

  it('accepts the non-verbose variant with @odata.bind and TaskNotificationSubscriptions, answering minimal metadata', async () => {
    const r = await post(REFERENCE_BIND_BODY);
    expect(r.status).toBe(201);
    expect(r.headers['content-type']).toContain('odata=minimalmetadata');
    expect(r.json['odata.metadata']).toBe(`${s.url}/$metadata#Jobs/@Element`);
    expect(r.json.Name).toBe('Gridwich encode');
    const tasks = await request(s.port, `/api/Jobs(${enc(r.json.Id)})/Tasks`, { accept: VERBOSE });
    const t = tasks.json.d.results[0];
    expect(t.Name).toBe('encode');
    expect(t.TaskNotificationSubscriptions.results).toEqual([{ IncludeTaskProgress: true, NotificationEndPointId: 'nb:nepid:UUID:12ed9f0d-0000-4000-8000-000000000001', TargetTaskState: 2 }]);
    const outputs = await request(s.port, `/api/Tasks(${enc(t.Id)})/OutputMediaAssets`);
    expect(outputs.json.value).toEqual([expect.objectContaining({ Name: 'encoded', Options: 0, FormatOption: 0 })]);
  });

  it('answers a new job as Queued (State 0), as the service did, in both formats', async () => {
    const minimal = await post(JSON.stringify(chainJob(2, 'queued')));
    expect(minimal.status).toBe(201);
    expect(minimal.json.State).toBe(0);
    const verbose = await post(JSON.stringify(chainJob(1, 'queued verbose')), {}, VERBOSE);
    expect(verbose.json.d.State).toBe(0);
    // A GET shows where the scheduler has taken it since.
    const now = await request(s.port, `/api/Jobs(${enc(minimal.json.Id)})/State`);
    expect(now.json.value).toBeGreaterThanOrEqual(0);
    await s.engine.done(minimal.json.Id);
    await s.engine.done(verbose.json.d.Id);
  });

  it('answers 204 with Location when the client prefers no content', async () => {
    const r = await post(JSON.stringify(chainJob(1, 'quiet')), { Prefer: 'return-no-content' });
    expect(r.status).toBe(204);
    expect(r.text).toBe('');
    expect(r.headers['preference-applied']).toBe('return-no-content');
    expect(r.headers.location).toMatch(/\/api\/Jobs\('nb%3Ajid%3AUUID%3A/);
  });

  it('refuses an invalid job with 400 and every diagnostic, in the message and in innererror', async () => {
    const body = JSON.stringify({
      Name: 'broken',
      InputMediaAssets: [{ __metadata: { uri: "https://x/api/Assets('nb%3Acid%3AUUID%3A910ffdc1-2e25-4b17-8a42-61ffd4b8914c')" } }],
      Tasks: [
        { Name: 'a', MediaProcessorId: MES, TaskBody: '<taskBody><inputAsset>JobInputAsset(0)</inputAsset><outputAsset>JobOutputAsset(0)</outputAsset></taskBody>' },
        { Name: 'b', MediaProcessorId: MES, TaskBody: '<taskBody><inputAsset>JobInputAsset(0)</inputAsset><outputAsset>JobOutputAsset(0)</outputAsset></taskBody>' },
        { Name: 'c', MediaProcessorId: 'nb:mpid:UUID:00000000-0000-0000-0000-000000000001', TaskBody: '<taskBody><inputAsset>JobInputAsset(5)</inputAsset><outputAsset>JobOutputAsset(2)</outputAsset></taskBody>' },
      ],
    });
    const before = s.engine.scheduler.jobs().length;
    const r = await post(body);
    expect(r.status).toBe(400);
    const err = r.json['odata.error'];
    expect(err.code).toBe('VALIDATION_FAILED');
    const codes = err.innererror.diagnostics.map((d: { code: string }) => d.code);
    expect(codes).toEqual(expect.arrayContaining(['OUTPUT_DUPLICATE', 'MEDIA_PROCESSOR_UNKNOWN', 'INPUT_INDEX_OUT_OF_RANGE']));
    for (const code of codes) expect(err.message.value).toContain(code);
    const located = err.innererror.diagnostics.find((d: { code: string }) => d.code === 'INPUT_INDEX_OUT_OF_RANGE');
    expect(located).toMatchObject({ task: 2, line: 1 });
    expect(err.message.value).toContain(`task #2 "c" 1:${located.column} error INPUT_INDEX_OUT_OF_RANGE`);
    expect(s.engine.scheduler.jobs()).toHaveLength(before);
  });

  it('answers verbose clients with the verbose error shape', async () => {
    const r = await post('{"Name":"x"}', {}, VERBOSE);
    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe('VALIDATION_FAILED');
    expect(r.json.error.message.lang).toBe('en-US');
  });

  it('enforces the service quotas (ams profile): 31 tasks is one too many', async () => {
    const r = await post(JSON.stringify(chainJob(31, 'too long')));
    expect(r.status).toBe(400);
    expect(r.json['odata.error'].innererror.diagnostics.map((d: { code: string }) => d.code)).toContain('JOB_TOO_MANY_TASKS');
  });

  it.each([
    ['{"Name": "x",\n  "Tasks": [1,]}', 2, 15],
    ['{"Name": "x"', 1, 13],
    ['', 1, 1],
    ['\ufeff{"Name": }', 1, 10],
  ])('answers malformed JSON with 400 JSON_MALFORMED and where: %j', async (body, line, column) => {
    const r = await post(body);
    expect(r.status).toBe(400);
    const err = r.json['odata.error'];
    expect(err.code).toBe('JSON_MALFORMED');
    expect(err.innererror.diagnostics[0]).toMatchObject({ code: 'JSON_MALFORMED', line, column });
    expect(err.message.value).toContain(`at line ${line}, column ${column}`);
  });

  it('refuses a body that is not UTF-8', async () => {
    const r = await post(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]));
    expect(r.status).toBe(400);
    expect(r.json['odata.error'].code).toBe('BODY_INVALID');
  });

  it.each([
    [undefined, 'no Content-Type'],
    ['text/plain', 'is not supported'],
    ['application/atom+xml;charset=iso-8859-1', 'must be UTF-8'],
    ['application/json; charset=iso-8859-1', 'charset'],
  ])('answers 415 for Content-Type %s', async (type, words) => {
    const headers: Record<string, string> = { 'Content-Length': '2' };
    if (type !== undefined) headers['Content-Type'] = type;
    const r = await new Promise<{ status: number; json: any }>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: s.port, path: '/api/Jobs', method: 'POST', headers: { Authorization: 'Bearer test-token-0123456789abcdef', ...headers } }, (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode!, json: JSON.parse(text) }));
      });
      req.on('error', reject);
      req.end('{}');
    });
    expect(r.status).toBe(415);
    expect(r.json['odata.error'].code).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(r.json['odata.error'].message.value).toContain(words);
  });

  // Regression: the 415 said "this service reads JSON only (no Atom/XML)" although Atom bodies are read.
  it('answers 415 for text/plain naming both body forms it reads, JSON and Atom', async () => {
    const r = await post('{}', { 'Content-Type': 'text/plain' });
    expect(r.status).toBe(415);
    const message: string = r.json['odata.error'].message.value;
    expect(message).not.toMatch(/JSON only|no Atom/);
    expect(message).toMatch(/JSON or Atom/);
    expect(message).toContain('application/atom+xml');
  });

  it('answers 413 for a body over the limit, declared or streamed, and stays up', async () => {
    const big = JSON.stringify({ Name: 'x'.repeat(70 * 1024) });
    const declared = await post(big);
    expect(declared.status).toBe(413);
    expect(declared.json['odata.error'].code).toBe('PAYLOAD_TOO_LARGE');
    expect(declared.headers.connection).toBe('close');

    const streamed = await new Promise<{ status: number; code: string }>((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port: s.port, path: '/api/Jobs', method: 'POST', headers: { Authorization: 'Bearer test-token-0123456789abcdef', 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' } },
        (res) => {
          let text = '';
          res.on('data', (c) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode!, code: JSON.parse(text)['odata.error'].code }));
        },
      );
      req.on('error', reject);
      // More than the limit, in chunks; the server answers before the end and closes.
      for (let i = 0; i < 5; i++) req.write('x'.repeat(16 * 1024));
      req.end();
    });
    expect(streamed).toEqual({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
    expect((await request(s.port, '/api/Jobs/$count')).status).toBe(200);
  });

  it('answers 409 for a job whose Id is taken', async () => {
    const id = seed(s.engine, chainJob(1, 'first'));
    const r = await post(JSON.stringify({ ...chainJob(1, 'second'), Id: id }));
    expect(r.status).toBe(409);
    expect(r.json['odata.error'].code).toBe('CONFLICT');
  });
});

describe('GET /api/CancelJob', () => {
  it('cancels a running job: 204, then the job and its tasks end Canceled', async () => {
    const id = seed(s.engine, chainJob(2, 'to cancel', 'hold'));
    expect(s.engine.scheduler.job(id)!.State).toBe(TaskState.Processing);
    const r = await request(s.port, `/API/CancelJob?jobid='${encodeURIComponent(id)}'`);
    expect(r.status).toBe(204);
    expect(r.text).toBe('');
    const final = await s.engine.done(id);
    expect(final.State).toBe(TaskState.Canceled);
    const tasks = await request(s.port, `/api/Jobs(${enc(id)})/Tasks?$select=State`);
    expect(tasks.json.value).toEqual([{ State: TaskState.Canceled }, { State: TaskState.Canceled }]);
  });

  it('answers 400 when the job has already ended, 404 when there is no such job', async () => {
    const done = seed(s.engine, chainJob(1, 'ended'));
    await s.engine.done(done);
    const again = await request(s.port, `/api/CancelJob?jobid='${encodeURIComponent(done)}'`);
    expect(again.status).toBe(400);
    expect(again.json['odata.error'].code).toBe('JOB_FINAL');
    expect(again.json['odata.error'].message.value).toContain('already Finished');
    const unknown = await request(s.port, `/api/CancelJob?jobid='nb%3Ajid%3AUUID%3A00000000-0000-0000-0000-000000000000'`);
    expect(unknown.status).toBe(404);
  });

  it('takes the id raw, encoded once (the .NET SDK) or encoded twice', async () => {
    for (const form of [(id: string) => `'${id}'`, (id: string) => `%27${encodeURIComponent(id)}%27`, (id: string) => `'${encodeURIComponent(encodeURIComponent(id))}'`]) {
      const id = seed(s.engine, chainJob(1, 'forms', 'hold'));
      const r = await request(s.port, `/api/CancelJob?jobid=${form(id)}`);
      expect(r.status, form(id)).toBe(204);
      await s.engine.done(id);
    }
  });

  it('answers 400 for a missing, unquoted or repeated jobid', async () => {
    for (const q of ['', '?jobid=', '?jobid=nb:jid:UUID:1', "?jobid='unclosed", "?jobid='a'&jobid='b'", "?$top=1&jobid='a'"]) {
      const r = await request(s.port, `/api/CancelJob${q}`);
      expect(r.status, q).toBe(400);
      expect(r.json['odata.error'].message.value.length, q).toBeGreaterThan(10);
    }
  });

  it('answers 405 for other methods', async () => {
    const r = await request(s.port, "/api/CancelJob?jobid='x'", { method: 'POST', body: '{}' });
    expect(r.status).toBe(405);
    expect(r.headers.allow).toBe('GET, HEAD');
  });
});

describe("DELETE /api/Jobs('id')", () => {
  it('refuses to delete a job that has not ended: cancel it first', async () => {
    const id = seed(s.engine, chainJob(1, 'running', 'hold'));
    const r = await request(s.port, `/api/Jobs(${enc(id)})`, { method: 'DELETE' });
    expect(r.status).toBe(400);
    expect(r.json['odata.error'].code).toBe('JOB_NOT_FINAL');
    expect(r.json['odata.error'].message.value).toContain('CancelJob');
    expect((await request(s.port, `/api/CancelJob?jobid=${enc(id)}`)).status).toBe(204);
    await s.engine.done(id);
    expect((await request(s.port, `/api/Jobs(${enc(id)})`, { method: 'DELETE' })).status).toBe(204);
  });

  it('deletes an ended job: it and its tasks are gone from every listing and lookup', async () => {
    const id = seed(s.engine, chainJob(2, 'doomed'));
    const final = await s.engine.done(id);
    expect(isFinalState(final.State)).toBe(true);
    const taskIds = s.engine.scheduler.tasks({ jobId: id }).map((t) => t.Id);
    const r = await request(s.port, `/api/Jobs('${id}')`, { method: 'DELETE' });
    expect(r.status).toBe(204);
    expect((await request(s.port, `/api/Jobs(${enc(id)})`)).status).toBe(404);
    expect((await request(s.port, `/api/Jobs(${enc(id)})/Tasks`)).status).toBe(404);
    expect((await request(s.port, `/api/Tasks(${enc(taskIds[0]!)})`)).status).toBe(404);
    expect((await request(s.port, `/api/CancelJob?jobid=${enc(id)}`)).status).toBe(404);
    expect((await request(s.port, `/api/Jobs(${enc(id)})`, { method: 'DELETE' })).status).toBe(404);
    const jobs = await request(s.port, '/api/Jobs?$select=Id');
    expect(jobs.json.value.map((j: { Id: string }) => j.Id)).not.toContain(id);
    const tasks = await request(s.port, '/api/Tasks?$select=Id');
    const listed = tasks.json.value.map((t: { Id: string }) => t.Id);
    for (const t of taskIds) expect(listed).not.toContain(t);
    const filtered = await request(s.port, `/api/Tasks?$filter=${encodeURIComponent("startswith(Name, 'doomed')")}`);
    expect(filtered.json.value).toEqual([]);
    const byState = await request(s.port, `/api/Tasks?$filter=${encodeURIComponent("State eq 3 and startswith(Name, 'doomed')")}`);
    expect(byState.json.value).toEqual([]);
  });
});

describe('methods', () => {
  it.each([
    ['PUT', '/api/Jobs', 'GET, HEAD, POST'],
    ['POST', '/api/Tasks', 'GET, HEAD'],
    ['PATCH', `/api/Jobs('nb:jid:UUID:1')`, 'GET, HEAD, DELETE'],
    ['DELETE', '/api/Tasks', 'GET, HEAD'],
    ['POST', '/api/MediaProcessors', 'GET, HEAD'],
    ['DELETE', '/api/', 'GET, HEAD'],
  ])('%s %s answers 405 with Allow: %s', async (method, path, allow) => {
    const r = await request(s.port, path, { method, ...(method === 'DELETE' ? {} : { body: '{}' }) });
    expect(r.status).toBe(405);
    expect(r.headers.allow).toBe(allow);
    expect(r.json['odata.error'].code).toBe('METHOD_NOT_ALLOWED');
  });
});
