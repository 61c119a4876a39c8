import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchBoundary, parseBatchResponse } from '../../../src/server/odata/batch-format.js';
import { ATOM, D, M, kid, kids, parseXml, type XNode } from './atom-helpers.js';
import { MES, request, startServer, type TestServer } from './helpers.js';

// The Java SDK (Azure/azure-sdk-for-java, services/azure-media, com.microsoft.windowsazure.services.media)
// replayed. Every request goes through Jersey with VersionHeadersFilter (DataServiceVersion 3.0,
// MaxDataServiceVersion 3.0, x-ms-version 2.13) and the OAuth filter (Authorization: Bearer).
//
// Job.create().setName(…).setPriority(…).addInputMediaAsset(id).addTaskCreator(Task.create(mp, body)…)
// posts to $batch (Accept: application/atom+xml, the batch's Content-Type
// multipart/mixed;boundary=batch_<uuid>): MediaBatchOperations writes one change set
// (changeset_<uuid>) through javax.mail, CRLF throughout; each part is application/http, binary, and
// holds `POST <absolute URI> HTTP/1.1`, then Content-ID (1 for the job, 2… for the tasks),
// Content-Type application/atom+xml;type=entry, Content-Length, DataServiceVersion and
// MaxDataServiceVersion 3.0;NetFx, and no Accept. The job is `POST {serviceUri}Jobs`, its entry
// written by JAXB (no m:type, nulls left out) with each input as an Atom <link> whose href is
// String.format("%s/Assets('%s')", serviceUri, id): the raw id, after the service URI's own slash.
// The tasks are `POST {serviceUri}$1/Tasks` (UriBuilder paths, absolute). There is no $links part.
// parseBatchResult reads the first part of the answer as the change set, refuses more parts than
// operations, and unmarshals each part in order: status line, headers, then an Atom entry (JobInfo,
// TaskInfo); a status of 400 or more is thrown.
//
// Job.get(id): Jobs('{URLEncoder.encode(id)}'), Accept application/atom+xml, sent with the key decoded
// (see get below). Tasks of a job:
// Task.list(jobInfo.getTasksLink()), the href of the entry's related link. Job.cancel(id): a
// DefaultActionOperation, GET CancelJob?jobId='{id}' (the id raw, the name with a capital I),
// Accept application/atom+xml and application/xml, Content-Type application/xml, Content-Length 0.

const ATOM_TYPE = 'application/atom+xml';
const REL = 'http://schemas.microsoft.com/ado/2007/08/dataservices/related/';
const ASSET = 'nb:cid:UUID:910ffdc1-2e25-4b17-8a42-61ffd4b8914c';
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const TASK_BODY = (input: string, output: number) => `<taskBody><inputAsset>${input}</inputAsset><outputAsset>JobOutputAsset(${output})</outputAsset></taskBody>`;
const DATE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?$/;

let s: TestServer;
/** The SDK's service URI, with its slash (https://media.windows.net/API/ against AMS). */
let serviceUri: string;

const filters = { DataServiceVersion: '3.0', MaxDataServiceVersion: '3.0', 'x-ms-version': '2.13' };

/** A JAXB entry: the properties set, in the DTO's field order, no m:type; links before the content. */
function jaxbEntry(properties: Array<[string, string]>, links: string[] = []): string {
  const link = links.map((href) => `<link href="${esc(href)}" type="application/atom+xml;type=feed" title="InputMediaAssets" rel="${REL}InputMediaAssets"/>`).join('');
  const props = properties.map(([k, v]) => `<d:${k}>${esc(v)}</d:${k}>`).join('');
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><entry xmlns="${ATOM}" xmlns:d="${D}" xmlns:m="${M}">${link}<content type="application/xml"><m:properties>${props}</m:properties></content></entry>`;
}

/** One part of the change set, as createBatchCreateEntityPart builds it. */
function part(uri: string, contentId: number, entry: string): string {
  const http = [
    `POST ${uri} HTTP/1.1`,
    `Content-ID: ${contentId}`,
    'Content-Type: application/atom+xml;type=entry',
    `Content-Length: ${Buffer.byteLength(entry)}`,
    'DataServiceVersion: 3.0;NetFx',
    'MaxDataServiceVersion: 3.0;NetFx',
    '',
    entry,
  ].join('\r\n');
  return ['Content-Type: application/http', 'Content-Transfer-Encoding: binary', '', http].join('\r\n');
}

/** Job.create(): the $batch that MediaBatchOperations writes, and the request Jersey sends. */
function createJob(name: string, priority: number, inputs: string[], tasks: Array<{ name: string; configuration: string; body: string }>) {
  const batch = `batch_${randomUUID()}`;
  const changeset = `changeset_${randomUUID()}`;
  const links = inputs.map((id) => `${serviceUri}/Assets('${id}')`);
  const parts = [part(`${serviceUri}Jobs`, 1, jaxbEntry([['Name', name], ['Priority', String(priority)]], links))];
  tasks.forEach((t, k) =>
    parts.push(part(`${serviceUri}$1/Tasks`, k + 2, jaxbEntry([['Name', t.name], ['Configuration', t.configuration], ['MediaProcessorId', MES], ['TaskBody', t.body]]))),
  );
  // javax.mail: a boundary line, the part's headers, a blank line, its content, CRLF; then the close.
  const inner = `${parts.map((p) => `--${changeset}\r\n${p}\r\n`).join('')}--${changeset}--\r\n`;
  const text = `--${batch}\r\nContent-Type: multipart/mixed; boundary=${changeset}\r\n\r\n${inner}\r\n--${batch}--\r\n`;
  return request(s.port, '/api/$batch', { method: 'POST', body: text, accept: ATOM_TYPE, headers: { ...filters, 'Content-Type': `multipart/mixed;boundary=${batch}` } });
}

/**
 * A GET through the SDK's proxy. ResourceLocationManager.getRedirectedURI puts the operation's URI
 * under the service URI with UriBuilder.path(uri.getPath()): the path decoded, then encoded again
 * where a path needs it, so `Jobs('nb%3Ajid%3A…')` goes out as `Jobs('nb:jid:…')`; the query stays raw.
 */
function get(uri: string, headers: Record<string, string> = { Accept: ATOM_TYPE }) {
  const q = uri.indexOf('?');
  const [path, query] = q < 0 ? [uri, ''] : [uri.slice(0, q), uri.slice(q)];
  return request(s.port, `/api/${encodeURI(decodeURIComponent(path))}${query}`, { headers: { ...filters, ...headers } });
}

const properties = (entry: XNode) => kid(kid(entry, ATOM, 'content'), M, 'properties');
/** JobInfo / TaskInfo: the entry's properties as JAXB binds them (by name, the text of each). */
function info(entry: XNode): Record<string, string> {
  return Object.fromEntries(properties(entry).children.map((c) => [c.local, c.text]));
}

beforeAll(async () => {
  s = await startServer({ validationWorkers: 0 });
  serviceUri = `${s.url}/`;
});

afterAll(async () => {
  await s.close();
});

describe('the Java SDK (Jersey, JAXB, javax.mail; Atom)', () => {
  it('creates a job through MediaBatchOperations and reads the answer as parseBatchResult does', async () => {
    const r = await createJob('java job', 2, [ASSET], [
      { name: 'encode', configuration: 'H264 Single Bitrate 720p', body: TASK_BODY('JobInputAsset(0)', 0) },
      { name: 'package', configuration: 'Package', body: TASK_BODY('JobOutputAsset(0)', 1) },
    ]);
    expect(r.status).toBe(202);
    const items = parseBatchResponse(r.text, batchBoundary(r.headers['content-type']));
    // The first part is the change set; it has no more parts than the batch had operations.
    const set = items[0];
    if (set?.kind !== 'changeset') throw new Error(r.text);
    expect(set.responses).toHaveLength(3);
    for (const a of set.responses) {
      expect(a.status).toBe(201);
      // No Accept in the operations: answered as the batch asked, the Atom the SDK unmarshals.
      expect(a.headers['content-type']).toBe('application/atom+xml;type=entry;charset=utf-8');
    }
    const [job, encode, pack] = set.responses.map((a) => info(parseXml(a.body)));
    expect(job).toMatchObject({ Name: 'java job', Priority: '2' });
    expect(job!.Id).toMatch(/^nb:jid:UUID:/);
    expect(job!.Created).toMatch(DATE);
    expect(job!.LastModified).toMatch(DATE);
    expect([encode!.Name, pack!.Name]).toEqual(['encode', 'package']);
    const model = s.engine.scheduler.jobModel(job!.Id!);
    expect(model.InputMediaAssets.map((a) => a.id)).toEqual([ASSET]);
    expect(model.Tasks.map((t) => t.Configuration)).toEqual(['H264 Single Bitrate 720p', 'Package']);
  });

  it('gets the job, lists its tasks through the related link, cancels it and polls Job.get until Canceled', async () => {
    const r = await createJob('java cancel', 0, [ASSET], [{ name: 'held', configuration: 'hold', body: TASK_BODY('JobInputAsset(0)', 0) }]);
    const [set] = parseBatchResponse(r.text, batchBoundary(r.headers['content-type']));
    if (set?.kind !== 'changeset') throw new Error(r.text);
    const id = info(parseXml(set.responses[0]!.body)).Id!;

    // Job.get: the key through URLEncoder.encode, sent decoded by getRedirectedURI.
    const got = await get(`Jobs('${encodeURIComponent(id)}')`);
    expect(got.status).toBe(200);
    const entry = parseXml(got.text);
    expect(info(entry)).toMatchObject({ Id: id, Name: 'java cancel' });
    expect(Number(info(entry).State)).toBeLessThan(3);

    // Task.list(jobInfo.getTasksLink()): the related link's href, under the service URI.
    const tasksLink = kids(entry, ATOM, 'link').find((l) => l.attrs.rel === `${REL}Tasks`);
    const tasks = await get(tasksLink!.attrs.href!);
    expect(tasks.status).toBe(200);
    expect(kids(parseXml(tasks.text), ATOM, 'entry').map((e) => info(e).Name)).toEqual(['held']);

    // Job.cancel: jobId (capital I), the id raw in quotes.
    const cancel = await get(`CancelJob?jobId='${id}'`, { Accept: 'application/atom+xml,application/xml', 'Content-Type': 'application/xml', 'Content-Length': '0' });
    expect(cancel.status).toBeGreaterThanOrEqual(200);
    expect(cancel.status).toBeLessThan(300);

    let state = '';
    for (let i = 0; i < 200 && !['3', '4', '5'].includes(state); i++) {
      state = info(parseXml((await get(`Jobs('${encodeURIComponent(id)}')`)).text)).State!;
      if (!['3', '4', '5'].includes(state)) await new Promise((ok) => setTimeout(ok, 10));
    }
    expect(state).toBe('5');
  });

  it('lists jobs as a feed of entries (Job.list)', async () => {
    const list = await get('Jobs');
    expect(list.headers['content-type']).toBe('application/atom+xml;type=feed;charset=utf-8');
    const names = kids(parseXml(list.text), ATOM, 'entry').map((e) => info(e).Name);
    expect(names).toEqual(expect.arrayContaining(['java job', 'java cancel']));
  });
});
