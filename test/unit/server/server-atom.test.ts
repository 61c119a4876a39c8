import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchBoundary, parseBatchResponse } from '../../../src/server/odata/batch-format.js';
import { ATOM, D, M, kid, kids, parseXml } from './atom-helpers.js';
import { MES, chainJob, enc, request, seed, startServer, type TestServer } from './helpers.js';

// Atom over the wire, as the PHP and Java SDKs (and WCF Data Services clients) speak it: answers
// in Atom when Accept asks for it, Atom entries taken for POST, and $batch change sets of Atom
// operations (the PHP SDK's createJob).

const ATOM_ACCEPT = 'application/atom+xml,application/xml';
const REL = 'http://schemas.microsoft.com/ado/2007/08/dataservices/related/';
const FEED = 'application/atom+xml;type=feed';
const INPUT = "https://media.windows.net/API/Assets('nb%3Acid%3AUUID%3A910ffdc1-2e25-4b17-8a42-61ffd4b8914c')";
const BODY = (input: string, output: number) => `<?xml version="1.0" encoding="utf-8"?><taskBody><inputAsset>${input}</inputAsset><outputAsset>JobOutputAsset(${output})</outputAsset></taskBody>`;
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The PHP SDK's entry: prefixes declared on each element, no m:type. */
function phpEntry(properties: Record<string, string>, links: string[] = []): string {
  const data = Object.entries(properties)
    .map(([k, v]) => `<data:${k} xmlns:data="${D}">${esc(v)}</data:${k}>`)
    .join('');
  const link = links.map((href) => `<atom:link href="${esc(href)}" type="${FEED}" title="InputAssets" rel="${REL}InputMediaAssets"/>`).join('');
  return `<?xml version="1.0"?>\n<atom:entry xmlns:atom="${ATOM}">${link}<atom:content type="application/xml"><meta:properties xmlns:meta="${M}">${data}</meta:properties></atom:content></atom:entry>`;
}

let s: TestServer;
let done: string;

beforeAll(async () => {
  s = await startServer({ validationWorkers: 0 });
  done = seed(s.engine, chainJob(2, 'Seeded'));
  await s.engine.done(done);
});

afterAll(async () => {
  await s.close();
});

describe('answers in Atom', () => {
  it('lists a set as a feed of entries, with the count when asked', async () => {
    const r = await request(s.port, '/api/Jobs?$inlinecount=allpages', { accept: ATOM_ACCEPT });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/atom+xml;type=feed;charset=utf-8');
    const feed = parseXml(r.text);
    expect([feed.ns, feed.local]).toEqual([ATOM, 'feed']);
    const json = await request(s.port, '/api/Jobs', { accept: 'application/json' });
    const ids = kids(feed, ATOM, 'entry').map((e) => kid(kid(kid(e, ATOM, 'content'), M, 'properties'), D, 'Id').text);
    expect(ids).toEqual(json.json.value.map((j: { Id: string }) => j.Id));
    expect(kid(feed, M, 'count').text).toBe(String(ids.length));
  });

  it('answers one entity as an entry, one property as a d: element, and errors as m:error', async () => {
    const entry = await request(s.port, `/api/Jobs(${enc(done)})`, { accept: ATOM_ACCEPT });
    expect(entry.headers['content-type']).toBe('application/atom+xml;type=entry;charset=utf-8');
    const props = kid(kid(parseXml(entry.text), ATOM, 'content'), M, 'properties');
    expect(kid(props, D, 'Name').text).toBe('Seeded');
    expect(kid(props, D, 'State').attrs[`{${M}}type`]).toBe('Edm.Int32');
    const state = await request(s.port, `/api/Jobs(${enc(done)})/State`, { accept: 'application/xml' });
    expect(state.headers['content-type']).toBe('application/xml;charset=utf-8');
    const value = parseXml(state.text);
    expect([value.ns, value.local, value.text]).toEqual([D, 'State', '3']);
    const missing = await request(s.port, "/api/Jobs('nope')", { accept: ATOM_ACCEPT });
    expect(missing.status).toBe(404);
    const error = parseXml(missing.text);
    expect([error.ns, error.local]).toEqual([M, 'error']);
    expect(kid(error, M, 'code').text).toBe('ENTITY_NOT_FOUND');
  });

  // Regression: $select leaving Id out answered 500 (atomEntry: no string `Id`) in Atom only.
  it('answers $select without Id with entries that keep their id and edit link, on every set and entity', async () => {
    const taskId = s.engine.scheduler.jobModel(done).Tasks[0]!.Id;
    const json = await request(s.port, '/api/Assets?$top=1', { accept: 'application/json' });
    const assetId: string = json.json.value[0].Id;
    const cases: [path: string, set: string, select: string, keys: readonly string[] | undefined][] = [
      ['/api/Jobs?$top=1&$select=Name', 'Jobs', 'Name', undefined],
      ['/api/Jobs?$top=1&$select=Tasks', 'Jobs', 'Tasks', undefined],
      ['/api/Tasks?$select=Name', 'Tasks', 'Name', undefined],
      [`/api/Jobs(${enc(done)})/Tasks?$select=Name`, 'Tasks', 'Name', undefined],
      ['/api/MediaProcessors?$select=Name', 'MediaProcessors', 'Name', undefined],
      ['/api/Assets?$select=Name', 'Assets', 'Name', undefined],
      [`/api/Jobs(${enc(done)})?$select=Name`, 'Jobs', 'Name', [done]],
      [`/api/Tasks(${enc(taskId)})?$select=Name`, 'Tasks', 'Name', [taskId]],
      [`/api/Assets(${enc(assetId)})?$select=Name`, 'Assets', 'Name', [assetId]],
      [`/api/MediaProcessors(${enc(MES)})?$select=Name`, 'MediaProcessors', 'Name', [MES]],
    ];
    for (const [path, set, select, single] of cases) {
      const r = await request(s.port, path, { accept: ATOM_ACCEPT });
      expect([path, r.status]).toEqual([path, 200]);
      const root = parseXml(r.text);
      const entries = single === undefined ? kids(root, ATOM, 'entry') : [root];
      expect(entries.length).toBeGreaterThan(0);
      // The same keys, in the same order, as JSON answers without $select.
      const keys = single ?? (await request(s.port, path.replace(/[?&]\$select=[^&]*/, ''), { accept: 'application/json' })).json.value.map((e: { Id: string }) => e.Id);
      expect(entries.map((e) => kid(e, ATOM, 'id').text)).toEqual(keys.map((k: string) => `${s.url}/${set}(${enc(k)})`));
      expect(entries.map((e) => kids(e, ATOM, 'link')[0]!.attrs.href)).toEqual(keys.map((k: string) => `${set}(${enc(k)})`));
      for (const e of entries) {
        const names = kid(kid(e, ATOM, 'content'), M, 'properties').children.map((c) => c.local);
        expect(names).toEqual(select === 'Tasks' ? [] : [select]);
      }
    }
    const byFormat = await request(s.port, '/api/Jobs?$top=1&$select=Name&$format=atom', { accept: 'application/json' });
    expect(byFormat.status).toBe(200);
  });

  it('answers $format=atom whatever Accept says', async () => {
    const r = await request(s.port, '/api/MediaProcessors?$format=atom', { accept: 'application/json' });
    expect(r.headers['content-type']).toBe('application/atom+xml;type=feed;charset=utf-8');
  });

  it('takes $format in any case and as a media type, as the format is negotiated', async () => {
    for (const format of ['ATOM', 'Xml', 'application%2Fatom%2Bxml']) {
      const r = await request(s.port, `/api/MediaProcessors?$format=${format}`, { accept: 'application/json' });
      expect([format, r.status, r.headers['content-type']]).toEqual([format, 200, 'application/atom+xml;type=feed;charset=utf-8']);
    }
    const verbose = await request(s.port, '/api/MediaProcessors?$format=application%2Fjson%3Bodata%3Dverbose');
    expect([verbose.status, verbose.headers['content-type']]).toEqual([200, expect.stringContaining('odata=verbose')]);
  });
});

describe('$links', () => {
  it("answers a job's and a task's links in each form: verbose, JSON light and XML", async () => {
    const tasks = s.engine.scheduler.jobModel(done).Tasks;
    const verbose = await request(s.port, `/api/Jobs(${enc(done)})/$links/Tasks`, { accept: 'application/json;odata=verbose' });
    expect(verbose.json).toEqual({ d: { results: tasks.map((t) => ({ uri: `${s.url}/Tasks(${enc(t.Id)})` })) } });
    const light = await request(s.port, `/api/Jobs(${enc(done)})/$links/OutputMediaAssets`, { accept: 'application/json' });
    expect(light.json['odata.metadata']).toBe(`${s.url}/$metadata#Jobs/$links/OutputMediaAssets`);
    expect(light.json.value).toHaveLength(2);
    const outputs = await request(s.port, `/api/Jobs(${enc(done)})/OutputMediaAssets`, { accept: 'application/json' });
    expect(light.json.value.map((l: { url: string }) => l.url)).toEqual(outputs.json.value.map((a: { Id: string }) => `${s.url}/Assets(${enc(a.Id)})`));
    const xml = await request(s.port, `/api/Tasks(${enc(tasks[0]!.Id)})/$links/InputMediaAssets`, { accept: 'application/xml' });
    const links = parseXml(xml.text);
    expect([links.ns, links.local]).toEqual([D, 'links']);
    expect(kids(links, D, 'uri')).toHaveLength(1);
    // Each link leads to an entity the server serves.
    const target = await request(s.port, new URL(kid(links, D, 'uri').text).pathname, { accept: 'application/json' });
    expect(target.status).toBe(200);
  });

  // Regression: $top on a $links collection was refused as if it were a single entity.
  it('pages $links with $top and $skip and counts them with $inlinecount, in each form; other options stay refused', async () => {
    const tasks = s.engine.scheduler.jobModel(done).Tasks;
    const second = `${s.url}/Tasks(${enc(tasks[1]!.Id)})`;
    const path = `/api/Jobs(${enc(done)})/$links/Tasks`;
    const light = await request(s.port, `${path}?$top=1&$skip=1&$inlinecount=allpages`, { accept: 'application/json' });
    expect(light.status).toBe(200);
    expect(light.json).toEqual({ 'odata.metadata': `${s.url}/$metadata#Jobs/$links/Tasks`, 'odata.count': '2', value: [{ url: second }] });
    const verbose = await request(s.port, `${path}?$top=1&$skip=1&$inlinecount=allpages`, { accept: 'application/json;odata=verbose' });
    expect(verbose.json).toEqual({ d: { __count: '2', results: [{ uri: second }] } });
    const xml = parseXml((await request(s.port, `${path}?$top=1&$inlinecount=allpages`, { accept: 'application/xml' })).text);
    expect(kid(xml, M, 'count').text).toBe('2');
    expect(kids(xml, D, 'uri').map((u) => u.text)).toEqual([`${s.url}/Tasks(${enc(tasks[0]!.Id)})`]);
    const top0 = await request(s.port, `/api/Tasks(${enc(tasks[0]!.Id)})/$links/OutputMediaAssets?$top=0`, { accept: 'application/json' });
    expect(top0.json.value).toEqual([]);
    const filtered = await request(s.port, `${path}?$filter=Name eq 'x'`.replace(/ /g, '%20'), { accept: 'application/json' });
    expect(filtered.status).toBe(400);
    expect(filtered.json['odata.error'].code).toBe('QUERY_OPTION_NOT_APPLICABLE');
    expect(filtered.json['odata.error'].message.value).toMatch(/links take \$top, \$skip and \$inlinecount/);
  });

  it('refuses links that do not exist, and adding a link to a job that exists', async () => {
    expect((await request(s.port, `/api/Jobs(${enc(done)})/$links/State`)).status).toBe(404);
    const post = await request(s.port, `/api/Jobs(${enc(done)})/$links/InputMediaAssets`, { method: 'POST', body: JSON.stringify({ uri: INPUT }) });
    expect(post.status).toBe(405);
    expect(post.json['odata.error'].message.value).toMatch(/change set that creates it/);
  });
});

describe('Atom request bodies', () => {
  it('creates a job from an Atom entry with its input as a link and its tasks inline', async () => {
    const tasks = `<m:inline><feed xmlns="${ATOM}"><entry><content type="application/xml"><m:properties><d:MediaProcessorId>${MES}</d:MediaProcessorId><d:TaskBody>${esc(BODY('JobInputAsset(0)', 0))}</d:TaskBody></m:properties></content></entry></feed></m:inline>`;
    const xml =
      `<entry xmlns="${ATOM}" xmlns:d="${D}" xmlns:m="${M}">` +
      `<link rel="${REL}InputMediaAssets" type="${FEED}" href="${esc(INPUT)}"/>` +
      `<link rel="${REL}Tasks" type="${FEED}" title="Tasks">${tasks}</link>` +
      `<content type="application/xml"><m:properties><d:Name>Atom job</d:Name><d:Priority m:type="Edm.Int32">4</d:Priority></m:properties></content></entry>`;
    const r = await request(s.port, '/api/Jobs', { method: 'POST', body: xml, headers: { 'Content-Type': 'application/atom+xml' }, accept: ATOM_ACCEPT });
    expect(r.status).toBe(201);
    const props = kid(kid(parseXml(r.text), ATOM, 'content'), M, 'properties');
    expect([kid(props, D, 'Name').text, kid(props, D, 'Priority').text, kid(props, D, 'State').text]).toEqual(['Atom job', '4', '0']);
    const id = kid(props, D, 'Id').text;
    expect(s.engine.scheduler.jobModel(id).Tasks).toHaveLength(1);
  });

  it('refuses Atom that is not an entry, and a DOCTYPE, with a place; a definition with errors with its diagnostics and no file places', async () => {
    const doctype = await request(s.port, '/api/Jobs', { method: 'POST', body: '<!DOCTYPE x [<!ENTITY a "b">]><entry/>', headers: { 'Content-Type': 'application/atom+xml' } });
    expect(doctype.status).toBe(400);
    expect(doctype.json['odata.error'].code).toBe('ATOM_DOCTYPE_FORBIDDEN');
    expect(doctype.json['odata.error'].innererror).toMatchObject({ line: 1 });
    const invalid = await request(s.port, '/api/Jobs', { method: 'POST', body: phpEntry({ Name: 'no tasks' }, [INPUT]), headers: { 'Content-Type': 'application/atom+xml' } });
    expect(invalid.status).toBe(400);
    expect(invalid.json['odata.error'].code).toBe('VALIDATION_FAILED');
    for (const d of invalid.json['odata.error'].innererror.diagnostics) {
      expect(d.fileLine).toBeUndefined();
      expect(d.fileColumn).toBeUndefined();
    }
  });

  it('creates an asset from an Atom entry', async () => {
    const r = await request(s.port, '/api/Assets', { method: 'POST', body: phpEntry({ Name: 'from atom', Options: '0' }), headers: { 'Content-Type': 'application/atom+xml' } });
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({ Name: 'from atom', Options: 0 });
  });
});

describe('$batch in Atom', () => {
  it("creates a job from the PHP SDK's change set: the Job entry with its input links, then Atom Task entries at $1/Tasks", async () => {
    const op = (path: string, id: number, body: string) =>
      `Content-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\nPOST ${s.url}/${path} HTTP/1.1\nDataServiceVersion: 3.0;NetFx\nMaxDataServiceVersion: 3.0;NetFx\nAccept: application/atom+xml,application/xml\nContent-Type: application/atom+xml\nContent-ID: ${id}\n\n${body}`;
    const text = [
      '--batch_php',
      'Content-Type: multipart/mixed; boundary=changeset_php',
      '',
      `--changeset_php\r\n${op('/Jobs', 1, phpEntry({ Name: 'PHP job', Priority: '2' }, [INPUT]))}`,
      `--changeset_php\r\n${op('/$1/Tasks', 2, phpEntry({ Configuration: 'H264 Single Bitrate 720p', MediaProcessorId: MES, TaskBody: BODY('JobInputAsset(0)', 0) }))}`,
      `--changeset_php\r\n${op('/$1/Tasks', 3, phpEntry({ Configuration: 'Package', MediaProcessorId: MES, TaskBody: BODY('JobOutputAsset(0)', 1) }))}`,
      '--changeset_php--',
      '--batch_php--',
      '',
    ].join('\r\n');
    const r = await request(s.port, '/api/$batch', { method: 'POST', body: text, headers: { 'Content-Type': 'multipart/mixed; boundary=batch_php' } });
    expect(r.status).toBe(202);
    const [set] = parseBatchResponse(r.text, batchBoundary(r.headers['content-type']));
    if (set?.kind !== 'changeset') throw new Error(r.text);
    expect(set.responses.map((a) => [a.status, a.contentId, a.headers['content-type']])).toEqual([
      [201, '1', 'application/atom+xml;type=entry;charset=utf-8'],
      [201, '2', 'application/atom+xml;type=entry;charset=utf-8'],
      [201, '3', 'application/atom+xml;type=entry;charset=utf-8'],
    ]);
    const jobId = kid(kid(kid(parseXml(set.responses[0]!.body), ATOM, 'content'), M, 'properties'), D, 'Id').text;
    const model = s.engine.scheduler.jobModel(jobId);
    expect(model.Name).toBe('PHP job');
    expect(model.Tasks.map((t) => t.Configuration)).toEqual(['H264 Single Bitrate 720p', 'Package']);
    expect(model.InputMediaAssets).toHaveLength(1);
  });

  it('links an input in XML ($links with a <uri> body), and answers a bad Atom operation with its error for the change set', async () => {
    const op = (path: string, id: number, type: string, body: string) =>
      `Content-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\nPOST ${path} HTTP/1.1\r\nContent-Type: ${type}\r\nAccept: application/json\r\nContent-ID: ${id}\r\n\r\n${body}`;
    const batch = (ops: string[]) =>
      ['--b', 'Content-Type: multipart/mixed; boundary=cs', '', ...ops.map((o) => `--cs\r\n${o}`), '--cs--', '--b--', ''].join('\r\n');
    const ok = batch([
      op('Jobs', 1, 'application/json', JSON.stringify({ Name: 'Linked in XML' })),
      op('$1/Tasks', 2, 'application/json', JSON.stringify({ MediaProcessorId: MES, TaskBody: BODY('JobInputAsset(0)', 0) })),
      op('$1/$links/InputMediaAssets', 3, 'application/xml', `<uri xmlns="${D}">${esc(INPUT)}</uri>`),
    ]);
    const r = await request(s.port, '/api/$batch', { method: 'POST', body: ok, headers: { 'Content-Type': 'multipart/mixed; boundary=b' } });
    const [set] = parseBatchResponse(r.text, batchBoundary(r.headers['content-type']));
    if (set?.kind !== 'changeset') throw new Error(r.text);
    expect(set.responses.map((a) => a.status)).toEqual([201, 201, 204]);
    const bad = batch([op('Jobs', 1, 'application/atom+xml', '<entry><unclosed></entry>')]);
    const b = await request(s.port, '/api/$batch', { method: 'POST', body: bad, headers: { 'Content-Type': 'multipart/mixed; boundary=b' } });
    const [answer] = parseBatchResponse(b.text, batchBoundary(b.headers['content-type']));
    if (answer?.kind !== 'operation') throw new Error(b.text);
    expect(answer.response.status).toBe(400);
    expect(JSON.parse(answer.response.body)['odata.error'].code).toBe('ATOM_MALFORMED');
  });

  it("serves the PHP SDK's job calls after createJob: getJob, getJobStatus, getJobTasks, getJobInputMediaAssets, cancelJob, deleteJob", async () => {
    const php = { Accept: 'application/atom+xml,application/xml', DataServiceVersion: '3.0', MaxDataServiceVersion: '3.0', 'x-ms-version': '2.19' };
    const get = (path: string, method = 'GET') => request(s.port, `/api/${path}`, { method, headers: php });
    // createJob goes through $batch (above); here a held task keeps the job running to cancel it.
    const id = seed(s.engine, chainJob(2, 'PHP flow', 'hold'));
    const job = await get(`Jobs('${id}')`); // getJob: the key raw, as the SDK writes it
    expect(kid(kid(kid(parseXml(job.text), ATOM, 'content'), M, 'properties'), D, 'Name').text).toBe('PHP flow');
    const status = await get(`Jobs('${encodeURIComponent(id)}')/State`); // getJobStatus: strip_tags of the answer
    expect(status.text.replace(/<[^>]*>/g, '')).toMatch(/^[0-6]$/);
    const tasks = parseXml((await get(`Jobs('${id}')/Tasks`)).text);
    expect(kids(tasks, ATOM, 'entry')).toHaveLength(2);
    const inputs = parseXml((await get(`Jobs('${id}')/InputMediaAssets`)).text);
    expect(kids(inputs, ATOM, 'entry')).toHaveLength(1);
    expect((await get(`CancelJob?jobid='${encodeURIComponent(id)}'`)).status).toBe(204);
    await s.engine.done(id);
    // JobState 5: Canceled (6 is Canceling).
    expect((await get(`Jobs('${encodeURIComponent(id)}')/State`)).text.replace(/<[^>]*>/g, '')).toBe('5');
    expect((await get(`Jobs('${id}')`, 'DELETE')).status).toBe(204);
    expect((await get(`Jobs('${id}')`)).status).toBe(404);
  });
});
