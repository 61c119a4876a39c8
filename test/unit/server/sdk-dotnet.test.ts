import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchBoundary, parseBatchResponse } from '../../../src/server/odata/batch-format.js';
import { ATOM, D, M, kid, kids, parseXml, type XNode } from './atom-helpers.js';
import { MES, TOKEN, request, startServer, type TestServer } from './helpers.js';

// The .NET SDK (Azure/azure-sdk-for-media-services, src/net/Client) replayed: its calls go through
// WCF Data Services 5.x (DataServiceContext, protocol V3, no Format.UseJson, so Atom), built by
// AzureMediaServicesClassFactory.CreateDataServiceContext with IgnoreMissingProperties and
// IgnoreResourceNotFoundException, and SendingRequest2 adapters that add Authorization (Bearer),
// x-ms-version 2.19 (KnownApiVersions.Current), a header literally named `UserAgent`
// (HttpRequestHeader.UserAgent.ToString()) and x-ms-client-request-id, on the batch and on each
// of its operations.
//
// JobData.SubmitAsync: InnerSubmit does AddObject("Jobs", job), AddRelatedObject(job, "Tasks", task)
// for each task, then AttachTo("Assets", asset) and AddLink(job, "InputMediaAssets", asset) for each
// input, and SaveChangesAsync(SaveChangesOptions.Batch): one change set, Content-IDs in change order,
// tasks at $1/Tasks and links at $1/$links/InputMediaAssets. Then Refresh(): the LINQ query
// Jobs.Where(c => c.Id == id).FirstOrDefault(), which WCF sends as a key lookup, Jobs('…').
// IJob.Tasks: LoadProperty(job, "Tasks"), the job's edit link + /Tasks. CancelAsync: Execute<string>
// of the relative URI "/CancelJob?jobid='{HttpUtility.UrlEncode(Id)}'" (lower-case hex), then
// Refresh(). GetExecutionProgressTask: Refresh() every 2.5 s until Finished, Error or Canceled.
//
// The request shapes below are those WCF Data Services 5.x writes for these calls (its own source is
// not in the SDK's repository): Atom entries with every public property of JobData and TaskData, in
// name order, nulls as m:null="true", complex collections typed Collection(…) with the client's
// type names; Content-ID among the operation's headers; absolute request URIs for entity sets.

const WCF_ACCEPT = 'application/atom+xml,application/xml';
const CLIENT_NS = 'Microsoft.WindowsAzure.MediaServices.Client';
const ASSET = 'nb:cid:UUID:910ffdc1-2e25-4b17-8a42-61ffd4b8914c';
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const BODY = (input: string, output: number) => `<?xml version="1.0" encoding="utf-16"?><taskBody><inputAsset>${input}</inputAsset><outputAsset assetCreationOptions="0" assetFormatOption="0" assetName="out ${output}">JobOutputAsset(${output})</outputAsset></taskBody>`;

/** A property as ODataLib writes it in Atom: `null` as m:null, a typed value with m:type. */
type Prop = null | string | { type: string; value: string } | { collection: string };
function wcfEntry(properties: Record<string, Prop>): string {
  const props = Object.keys(properties)
    .sort()
    .map((name) => {
      const v = properties[name]!;
      if (v === null) return `<d:${name} m:null="true" />`;
      if (typeof v === 'string') return `<d:${name}>${esc(v)}</d:${name}>`;
      if ('collection' in v) return `<d:${name} m:type="Collection(${CLIENT_NS}.${v.collection})" />`;
      return `<d:${name} m:type="${v.type}">${esc(v.value)}</d:${name}>`;
    })
    .join('');
  return (
    `<?xml version="1.0" encoding="utf-8"?><entry xmlns="${ATOM}" xmlns:d="${D}" xmlns:m="${M}">` +
    `<id /><title /><updated>${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}</updated><author><name /></author>` +
    `<content type="application/xml"><m:properties>${props}</m:properties></content></entry>`
  );
}

const int = (n: number) => ({ type: 'Edm.Int32', value: String(n) });
const double = (n: number) => ({ type: 'Edm.Double', value: String(n) });
const MIN_DATE = { type: 'Edm.DateTime', value: '0001-01-01T00:00:00' };

/** A new JobData as the SDK sends it: every property, Id and the dates unset. */
function jobData(name: string): string {
  return wcfEntry({
    Created: MIN_DATE,
    EndTime: null,
    Id: null,
    JobNotificationSubscriptions: { collection: 'JobNotificationSubscription' },
    LastModified: MIN_DATE,
    Name: name,
    Priority: int(0),
    RunningDuration: double(0),
    StartTime: null,
    State: int(0),
    TemplateId: null,
  });
}

/** A new TaskData: its TaskBody built by the SDK from the task's input and output assets. */
function taskData(name: string, configuration: string, taskBody: string): string {
  return wcfEntry({
    Configuration: configuration,
    EncryptionKeyId: null,
    EncryptionScheme: null,
    EncryptionVersion: null,
    EndTime: null,
    ErrorDetails: { collection: 'ErrorDetail' },
    HistoricalEvents: { collection: 'TaskHistoricalEvent' },
    Id: null,
    InitializationVector: null,
    MediaProcessorId: MES,
    Name: name,
    Options: int(0),
    PerfMessage: null,
    Priority: int(0),
    Progress: double(0),
    RunningDuration: double(0),
    StartTime: null,
    State: int(0),
    TaskBody: taskBody,
    TaskNotificationSubscriptions: { collection: 'TaskNotificationSubscription' },
  });
}

let s: TestServer;
/** The DataServiceContext's base URI, with its slash. */
let base: string;
const clientRequestId = randomUUID();

/** The headers each SendingRequest2 adapter sets, on every request and every batch operation. */
const adapters = (): Record<string, string> => ({ 'x-ms-version': '2.19', UserAgent: 'Azure Media Services .NET SDK v3.8.0.5', 'x-ms-client-request-id': clientRequestId });

/** A WCF query (GET) as the SDK's context sends it. */
function wcfGet(uri: string) {
  const path = uri.startsWith(base) ? `/api/${uri.slice(base.length)}` : uri;
  return request(s.port, path, {
    headers: { ...adapters(), Accept: WCF_ACCEPT, 'Accept-Charset': 'UTF-8', DataServiceVersion: '1.0;NetFx', MaxDataServiceVersion: '3.0;NetFx' },
  });
}

/** One operation of a WCF change set: the operation's headers after its request line, CRLF. */
function operation(uri: string, contentId: number, type: string, version: string, body: string): string {
  const headers = [
    `Content-ID: ${contentId}`,
    `Content-Type: ${type}`,
    `DataServiceVersion: ${version}`,
    'MaxDataServiceVersion: 3.0;NetFx',
    `Accept: ${WCF_ACCEPT}`,
    'Accept-Charset: UTF-8',
    `Authorization: Bearer ${TOKEN}`,
    ...Object.entries(adapters()).map(([k, v]) => `${k}: ${v}`),
  ];
  return ['Content-Type: application/http', 'Content-Transfer-Encoding: binary', '', `POST ${uri} HTTP/1.1`, ...headers, '', body].join('\r\n');
}

/** SaveChanges(SaveChangesOptions.Batch) of InnerSubmit's changes. */
function submitBatch(name: string, tasks: Array<{ name: string; configuration: string; body: string }>, inputs: string[]) {
  const batch = `batch_${randomUUID()}`;
  const changeset = `changeset_${randomUUID()}`;
  let id = 1;
  const ops = [operation(`${base}Jobs`, id++, 'application/atom+xml', '3.0;NetFx', jobData(name))];
  for (const t of tasks) ops.push(operation('$1/Tasks', id++, 'application/atom+xml', '3.0;NetFx', taskData(t.name, t.configuration, t.body)));
  for (const asset of inputs) {
    const uri = `${base}Assets('${encodeURIComponent(asset)}')`;
    ops.push(operation('$1/$links/InputMediaAssets', id++, 'application/xml', '1.0;NetFx', `<?xml version="1.0" encoding="utf-8"?><uri xmlns="${D}">${esc(uri)}</uri>`));
  }
  const text = [`--${batch}`, `Content-Type: multipart/mixed; boundary=${changeset}`, '', ...ops.map((o) => `--${changeset}\r\n${o}`), `--${changeset}--`, `--${batch}--`, ''].join('\r\n');
  return request(s.port, '/api/$batch', {
    method: 'POST',
    body: text,
    headers: { ...adapters(), 'Content-Type': `multipart/mixed; boundary=${batch}`, Accept: 'multipart/mixed', 'Accept-Charset': 'UTF-8', DataServiceVersion: '1.0;NetFx', MaxDataServiceVersion: '3.0;NetFx' },
  });
}

const properties = (entry: XNode) => kid(kid(entry, ATOM, 'content'), M, 'properties');
/** The entry's edit link, resolved against its xml:base as WCF does. */
function editLink(entry: XNode): string {
  const link = kids(entry, ATOM, 'link').find((l) => l.attrs.rel === 'edit');
  const xmlBase = entry.attrs['{http://www.w3.org/XML/1998/namespace}base'];
  return new URL(link!.attrs.href!, xmlBase).href;
}

beforeAll(async () => {
  s = await startServer({ validationWorkers: 0 });
  base = `${s.url}/`;
});

afterAll(async () => {
  await s.close();
});

describe('the .NET SDK (WCF Data Services, Atom)', () => {
  it("finds the account's API endpoint as GetAccountApiEndpoint does: GET on the server's root, no redirect followed, a 301's Location", async () => {
    // A plain HttpWebRequest (AllowAutoRedirect = false, no Accept) with the adapters' headers.
    const r = await request(s.port, '/', { headers: { 'x-ms-version': '2.19', 'User-Agent': 'Azure Media Services .NET SDK v3.8.0.5', 'x-ms-client-request-id': clientRequestId } });
    expect(r.status).toBe(301);
    expect(r.headers.location).toBe(base);
    expect(r.headers['x-ms-client-request-id']).toBe(clientRequestId);
  });

  it('submits a job as a $batch change set and reads the answer as SaveChanges does', async () => {
    const r = await submitBatch(
      'dotnet job',
      [
        { name: 'encode', configuration: 'H264 Single Bitrate 720p', body: BODY('JobInputAsset(0)', 0) },
        { name: 'package', configuration: 'Package', body: BODY('JobOutputAsset(0)', 1) },
      ],
      [ASSET],
    );
    expect(r.status).toBe(202);
    const [set, ...rest] = parseBatchResponse(r.text, batchBoundary(r.headers['content-type']));
    expect(rest).toEqual([]);
    if (set?.kind !== 'changeset') throw new Error(r.text);
    // SaveChanges matches each answer to its change by Content-ID, takes each created entity's
    // Location (it refuses a 201 without one), and reads the entry into the tracked object.
    expect(set.responses.map((a) => [a.status, a.contentId])).toEqual([
      [201, '1'],
      [201, '2'],
      [201, '3'],
      [204, '4'],
    ]);
    const [job, t1, t2] = set.responses.map((a) => (a.status === 201 ? parseXml(a.body) : undefined));
    for (const [k, entry] of [job, t1, t2].entries()) {
      const answer = set.responses[k]!;
      expect(answer.headers['content-type']).toMatch(/^application\/atom\+xml;type=entry/);
      expect(new URL(answer.headers.location!).href).toBe(answer.headers.location);
      expect(kid(entry!, ATOM, 'id').text).toBe(answer.headers.location);
      expect(editLink(entry!)).toBe(answer.headers.location);
    }
    const jobId = kid(properties(job!), D, 'Id').text;
    expect(jobId).toMatch(/^nb:jid:UUID:/);
    expect(kid(properties(t1!), D, 'Name').text).toBe('encode');
    expect(kid(properties(t2!), D, 'Configuration').text).toBe('Package');
    expect(set.responses[0]!.headers.location).toBe(`${base}Jobs('${encodeURIComponent(jobId)}')`);
    const model = s.engine.scheduler.jobModel(jobId);
    expect(model.Name).toBe('dotnet job');
    expect(model.Tasks.map((t) => t.Name)).toEqual(['encode', 'package']);
    expect(model.InputMediaAssets.map((a) => a.id)).toEqual([ASSET]);
  });

  it('refreshes, loads the tasks through the edit link, cancels and polls until Canceled', async () => {
    const r = await submitBatch('dotnet cancel', [{ name: 'held', configuration: 'hold', body: BODY('JobInputAsset(0)', 0) }], [ASSET]);
    const [set] = parseBatchResponse(r.text, batchBoundary(r.headers['content-type']));
    if (set?.kind !== 'changeset') throw new Error(r.text);
    const jobId = kid(properties(parseXml(set.responses[0]!.body)), D, 'Id').text;

    // Refresh(): Jobs.Where(c => c.Id == id).FirstOrDefault(), a key lookup with the key escaped.
    const refreshed = await wcfGet(`${base}Jobs('${encodeURIComponent(jobId)}')`);
    expect(refreshed.status).toBe(200);
    expect(refreshed.headers['content-type']).toMatch(/^application\/atom\+xml;type=entry/);
    const entry = parseXml(refreshed.text);
    expect(kid(properties(entry), D, 'State').attrs[`{${M}}type`]).toBe('Edm.Int32');

    // IJob.Tasks: LoadProperty(job, "Tasks") on the edit link the entry gave.
    const tasks = await wcfGet(`${editLink(entry)}/Tasks`);
    expect(tasks.status).toBe(200);
    expect(tasks.headers['content-type']).toMatch(/^application\/atom\+xml;type=feed/);
    expect(kids(parseXml(tasks.text), ATOM, 'entry').map((e) => kid(properties(e), D, 'Name').text)).toEqual(['held']);

    // CancelAsync: the relative "/CancelJob?jobid='…'" under the base URI, the id through
    // HttpUtility.UrlEncode (lower-case hex); Execute<string> takes the empty answer.
    const urlEncoded = encodeURIComponent(jobId).replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase());
    const cancel = await wcfGet(`${base}CancelJob?jobid='${urlEncoded}'`);
    expect(cancel.status).toBe(204);
    expect(cancel.text).toBe('');

    // GetExecutionProgressTask: Refresh() until Finished (3), Error (4) or Canceled (5).
    let state = '';
    for (let i = 0; i < 200 && !['3', '4', '5'].includes(state); i++) {
      const poll = await wcfGet(`${base}Jobs('${encodeURIComponent(jobId)}')`);
      state = kid(properties(parseXml(poll.text)), D, 'State').text;
      if (!['3', '4', '5'].includes(state)) await new Promise((ok) => setTimeout(ok, 10));
    }
    expect(state).toBe('5');
  });

  it('lists jobs as context.Jobs and its LINQ queries are sent: the set, then Jobs() with $filter, $orderby and $top', async () => {
    const all = await wcfGet(`${base}Jobs`);
    expect(all.headers['content-type']).toBe('application/atom+xml;type=feed;charset=utf-8');
    const names = kids(parseXml(all.text), ATOM, 'entry').map((e) => kid(properties(e), D, 'Name').text);
    expect(names).toEqual(expect.arrayContaining(['dotnet job', 'dotnet cancel']));
    // Jobs.Where(j => j.State == 5).OrderByDescending(j => j.Created).Take(5)
    const canceled = await wcfGet(`${base}Jobs()?$filter=State%20eq%205&$orderby=Created%20desc&$top=5`);
    expect(canceled.status).toBe(200);
    expect(kids(parseXml(canceled.text), ATOM, 'entry').map((e) => kid(properties(e), D, 'Name').text)).toEqual(['dotnet cancel']);
    // Jobs.Where(j => j.Name == "dotnet job").FirstOrDefault(): a filter, and $top=1
    const byName = await wcfGet(`${base}Jobs()?$filter=Name%20eq%20'dotnet%20job'&$top=1`);
    expect(kids(parseXml(byName.text), ATOM, 'entry')).toHaveLength(1);
  });

  it("answers a refresh of a job that is gone with 404, which IgnoreResourceNotFoundException makes FirstOrDefault's null", async () => {
    const gone = await wcfGet(`${base}Jobs('${encodeURIComponent('nb:jid:UUID:00000000-0000-0000-0000-000000000000')}')`);
    expect(gone.status).toBe(404);
    expect(parseXml(gone.text).local).toBe('error');
  });

  it('answers the calls it makes before a ProtectedConfiguration job with 501 and why, not a 404 it would read as "none"', async () => {
    for (const path of ['/api/GetProtectionKeyId?contentKeyType=0', "/api/GetProtectionKey?ProtectionKeyId='x'"]) {
      const r = await request(s.port, path, { accept: 'application/atom+xml,application/xml' });
      expect(r.status).toBe(501);
      expect(r.text).toContain('<m:code>NOT_IMPLEMENTED</m:code>');
      expect(r.text).toContain('ProtectedConfiguration');
    }
  });
});
