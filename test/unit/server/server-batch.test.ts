import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchBoundary, parseBatchResponse, type BatchResponse, type BatchResponseItem } from '../../../src/server/odata/batch-format.js';
import { MES, VERBOSE, chainJob, enc, request, seed, startServer, type TestServer } from './helpers.js';

// $batch as the SDKs send it: a change set that creates a job across operations (the Job as
// Content-ID 1, its Tasks posted to $1/Tasks, its inputs linked at $1/$links/InputMediaAssets),
// and queries beside it.

const ASSET = "https://media.windows.net/api/Assets('nb%3Acid%3AUUID%3A910ffdc1-2e25-4b17-8a42-61ffd4b8914c')";
const body = (input: string, output: number) =>
  `<?xml version="1.0" encoding="utf-8"?><taskBody><inputAsset>${input}</inputAsset><outputAsset>JobOutputAsset(${output})</outputAsset></taskBody>`;

interface Op {
  method: string;
  target: string;
  id?: string;
  body?: unknown;
  headers?: Record<string, string>;
}

function operation(op: Op): string {
  const lines = ['Content-Type: application/http', 'Content-Transfer-Encoding: binary', '', `${op.method} ${op.target} HTTP/1.1`];
  if (op.id !== undefined) lines.push(`Content-ID: ${op.id}`);
  const headers = { ...(op.body === undefined ? {} : { 'Content-Type': VERBOSE }), Accept: VERBOSE, DataServiceVersion: '3.0', MaxDataServiceVersion: '3.0', ...op.headers };
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  lines.push('', op.body === undefined ? '' : typeof op.body === 'string' ? op.body : JSON.stringify(op.body));
  return lines.join('\r\n');
}

/** A batch body of change sets (arrays) and queries, and its Content-Type. */
function batch(items: Array<Op | Op[]>): { contentType: string; text: string } {
  const parts = items.map((item, k) => {
    if (!Array.isArray(item)) return operation(item);
    const cs = `changeset_${k}`;
    return [`Content-Type: multipart/mixed; boundary=${cs}`, '', ...item.map((op) => `--${cs}\r\n${operation(op)}`), `--${cs}--`].join('\r\n');
  });
  return { contentType: 'multipart/mixed; boundary=batch_t', text: `${parts.map((p) => `--batch_t\r\n${p}`).join('\r\n')}\r\n--batch_t--\r\n` };
}

let s: TestServer;

beforeAll(async () => {
  s = await startServer({ validationWorkers: 0 });
});

afterAll(async () => {
  await s.close();
});

async function send(items: Array<Op | Op[]>, headers: Record<string, string> = {}): Promise<{ status: number; items: BatchResponseItem[]; text: string }> {
  const { contentType, text } = batch(items);
  const r = await request(s.port, '/api/$batch', { method: 'POST', body: text, headers: { 'Content-Type': contentType, DataServiceVersion: '3.0', ...headers } });
  if (r.status !== 202) return { status: r.status, items: [], text: r.text };
  return { status: r.status, items: parseBatchResponse(r.text, batchBoundary(r.headers['content-type'])), text: r.text };
}

const json = (r: BatchResponse) => JSON.parse(r.body);

/** The SDKs' change set for a two-task job on one input. */
function sdkChangeSet(name: string, base = `${'http://127.0.0.1'}/api`): Op[] {
  return [
    { method: 'POST', target: `${base}/Jobs`, id: '1', body: { Name: name, Priority: 3 } },
    { method: 'POST', target: `${base}/$1/Tasks`, id: '2', body: { Name: 'Encode', Configuration: 'H264 Single Bitrate 720p', MediaProcessorId: MES, TaskBody: body('JobInputAsset(0)', 0) } },
    { method: 'POST', target: `${base}/$1/Tasks`, id: '3', body: { Name: 'Package', Configuration: 'Package', MediaProcessorId: MES, TaskBody: body('JobOutputAsset(0)', 1) } },
    { method: 'POST', target: `${base}/$1/$links/InputMediaAssets`, id: '4', body: { uri: ASSET } },
  ];
}

describe('POST /api/$batch', () => {
  it('creates a job from the SDKs\' change set: the job and each task answered 201 under its Content-ID, the link 204', async () => {
    const r = await send([sdkChangeSet('From a batch')]);
    expect(r.status).toBe(202);
    expect(r.items).toHaveLength(1);
    const set = r.items[0]!;
    if (set.kind !== 'changeset') throw new Error(`expected a change set answer, got ${JSON.stringify(set)}`);
    expect(set.responses.map((a) => [a.status, a.contentId])).toEqual([
      [201, '1'],
      [201, '2'],
      [201, '3'],
      [204, '4'],
    ]);
    const job = json(set.responses[0]!).d;
    expect(job).toMatchObject({ Name: 'From a batch', Priority: 3, State: 0 });
    expect(set.responses[0]!.headers.location).toBe(`${s.url}/Jobs(${enc(job.Id)})`);
    const tasks = set.responses.slice(1, 3).map((a) => json(a).d);
    expect(tasks.map((t) => [t.Name, t.State])).toEqual([
      ['Encode', 0],
      ['Package', 0],
    ]);
    // The job as submitted: both tasks, in order, the second fed by the first, and the linked input.
    const model = s.engine.scheduler.jobModel(job.Id);
    expect(model.Tasks.map((t) => t.Id)).toEqual(tasks.map((t) => t.Id));
    expect(model.InputMediaAssets).toHaveLength(1);
    await s.engine.done(job.Id);
    const after = await request(s.port, `/api/Jobs(${enc(job.Id)})/Tasks`, { accept: 'application/json' });
    expect(after.json.value.map((t: { State: number }) => t.State)).toEqual([3, 3]);
  });

  it('answers queries beside change sets, in order, each in the form its Accept asks for', async () => {
    const done = seed(s.engine, chainJob(1, 'Seeded'));
    await s.engine.done(done);
    const r = await send([
      { method: 'GET', target: `Jobs(${enc(done)})`, headers: { Accept: 'application/json' } },
      sdkChangeSet('Second'),
      { method: 'GET', target: "/api/MediaProcessors?$filter=Name eq 'Media Encoder Standard'" },
      { method: 'GET', target: "Jobs('nope')" },
    ]);
    expect(r.items.map((i) => i.kind)).toEqual(['operation', 'changeset', 'operation', 'operation']);
    const [first, , processors, missing] = r.items as Array<Extract<BatchResponseItem, { kind: 'operation' }>>;
    expect(first!.response.status).toBe(200);
    expect(json(first!.response)).toMatchObject({ Id: done, Name: 'Seeded' });
    expect(json(processors!.response).d.results.map((p: { Name: string }) => p.Name)).toEqual(['Media Encoder Standard']);
    expect(missing!.response.status).toBe(404);
    expect(json(missing!.response).error.code).toBe('ENTITY_NOT_FOUND');
  });

  it('applies a change set all or nothing: an invalid job answers one 400 with every diagnostic, and nothing is created', async () => {
    const before = s.engine.scheduler.jobs().length;
    const ops = sdkChangeSet('Broken');
    ops[2] = { ...ops[2]!, body: { Name: 'Package', MediaProcessorId: MES, TaskBody: body('JobOutputAsset(7)', 0) } };
    ops.push({ method: 'POST', target: 'Jobs', id: '5', body: { Name: 'Fine on its own', Tasks: [{ MediaProcessorId: MES, TaskBody: body('JobInputAsset(0)', 0) }], InputMediaAssets: [{ __metadata: { uri: ASSET } }] } });
    const r = await send([ops]);
    expect(r.status).toBe(202);
    const answer = r.items[0]!;
    if (answer.kind !== 'operation') throw new Error('a failed change set is answered by one response');
    expect(answer.response.status).toBe(400);
    expect(answer.response.contentId).toBe('1');
    const error = json(answer.response).error;
    expect(error.code).toBe('VALIDATION_FAILED');
    const codes = error.innererror.diagnostics.map((d: { code: string }) => d.code);
    expect(codes).toContain('OUTPUT_NOT_PRODUCED');
    expect(codes).toContain('OUTPUT_DUPLICATE');
    expect(s.engine.scheduler.jobs().length).toBe(before);
  });

  // The loader refuses input links that are not …/Assets('nb:cid:UUID:<guid>'); a link posted to
  // $1/$links/InputMediaAssets must reach that check, not slip past it as a change set operation.
  it('refuses a change set whose linked input is not an Asset link with 400 INPUT_ASSET_INVALID, and creates nothing', async () => {
    const bad = ['hello', "https://media.windows.net/api/Jobs('nb%3Acid%3AUUID%3A910ffdc1-2e25-4b17-8a42-61ffd4b8914c')", "https://media.windows.net/api/Assets('nb%3Ajid%3AUUID%3A910ffdc1-2e25-4b17-8a42-61ffd4b8914c')"];
    const link = (uri: string, form: 'verbose' | 'light' | 'xml' | 'bind'): Op[] => {
      const ops = sdkChangeSet('Bad input');
      if (form === 'bind') ops[0] = { ...ops[0]!, body: { Name: 'Bad input', 'InputMediaAssets@odata.bind': [] } };
      ops[3] =
        form === 'xml'
          ? { ...ops[3]!, body: `<uri xmlns="http://schemas.microsoft.com/ado/2007/08/dataservices">${uri.replace(/&/g, '&amp;')}</uri>`, headers: { 'Content-Type': 'application/xml' } }
          : { ...ops[3]!, body: form === 'light' ? { url: uri } : { uri } };
      return ops;
    };
    const before = s.engine.scheduler.jobs().length;
    for (const uri of bad) {
      for (const form of ['verbose', 'light', 'xml', 'bind'] as const) {
        const r = await send([link(uri, form)]);
        const answer = r.items[0]!;
        if (answer.kind !== 'operation') throw new Error(`${form} ${uri}: expected one error answer, got ${r.text.slice(0, 400)}`);
        expect([uri, form, answer.response.status]).toEqual([uri, form, 400]);
        const error = json(answer.response).error;
        expect(error.code).toBe('VALIDATION_FAILED');
        expect(error.innererror.diagnostics.map((d: { code: string }) => d.code)).toContain('INPUT_ASSET_INVALID');
      }
    }
    expect(s.engine.scheduler.jobs()).toHaveLength(before);
  });

  it('refuses in a change set what does not build a job, a $n that names no job, and bodies that are not JSON', async () => {
    const cases: Array<[Op[], number, string, string]> = [
      [[{ method: 'DELETE', target: "Jobs('x')", id: '1' }], 501, 'NOT_IMPLEMENTED', 'is not a creation'],
      [[{ method: 'POST', target: 'Assets', id: '1', body: { Name: 'a' } }], 501, 'NOT_IMPLEMENTED', 'not part of creating a job'],
      [[{ method: 'POST', target: '$9/Tasks', id: '1', body: {} }], 400, 'BAD_REQUEST', 'refers to $9'],
      [[{ method: 'POST', target: 'Jobs', id: '1', body: '{"Name": ' }], 400, 'JSON_MALFORMED', 'is not JSON'],
      [[{ method: 'POST', target: 'Jobs', id: '1', body: 'Name=x', headers: { 'Content-Type': 'text/plain' } }], 415, 'UNSUPPORTED_MEDIA_TYPE', 'JSON or Atom'],
      [[{ method: 'POST', target: 'Jobs', id: '1', body: '<entry/>', headers: { 'Content-Type': 'application/atom+xml' } }], 400, 'ATOM_ROOT_INVALID', 'entry'],
      [[...sdkChangeSet('x').slice(0, 3), { method: 'POST', target: '$1/$links/InputMediaAssets', id: '4', body: { link: ASSET } }], 400, 'BAD_REQUEST', 'names no one asset'],
    ];
    for (const [ops, status, code, message] of cases) {
      const r = await send([ops]);
      const answer = r.items[0]!;
      if (answer.kind !== 'operation') throw new Error(`expected one error answer for ${JSON.stringify(ops)}`);
      expect([answer.response.status, json(answer.response).error.code]).toEqual([status, code]);
      expect(json(answer.response).error.message.value).toContain(message);
    }
  });

  it('refuses a body that is not a batch with a 400 naming the line, and other methods with 405', async () => {
    const bad = await request(s.port, '/api/$batch', { method: 'POST', body: '--batch_t\r\nContent-Type: text/plain\r\n\r\nhello\r\n--batch_t--\r\n', headers: { 'Content-Type': 'multipart/mixed; boundary=batch_t' } });
    expect(bad.status).toBe(400);
    expect(bad.json['odata.error'].code).toBe('ODATA_BATCH_INVALID');
    expect(bad.json['odata.error'].innererror).toMatchObject({ line: 2 });
    const json400 = await request(s.port, '/api/$batch', { method: 'POST', body: '{}', headers: { 'Content-Type': 'application/json' } });
    expect(json400.status).toBe(400);
    expect(json400.json['odata.error'].message.value).toMatch(/not multipart\/mixed/);
    const get = await request(s.port, '/api/$batch');
    expect(get.status).toBe(405);
    expect(get.headers.allow).toBe('POST');
  });

  it("reads the PHP SDK's shape: LF inside operations, `…/api//$1/Tasks`, Content-IDs numbered from 1 in the operations' headers", async () => {
    const base = `${s.url}/`;
    const op = (path: string, id: number, entity: unknown) =>
      `Content-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\nPOST ${base}${path} HTTP/1.1\nDataServiceVersion: 3.0\nMaxDataServiceVersion: 3.0\nAccept: ${VERBOSE}\nContent-Type: ${VERBOSE}\nContent-ID: ${id}\n\n${JSON.stringify(entity)}`;
    const text = [
      '--batch_php',
      'Content-Type: multipart/mixed; boundary=changeset_php',
      '',
      `--changeset_php\r\n${op('/Jobs', 1, { Name: 'PHP', InputMediaAssets: [{ __metadata: { uri: ASSET } }] })}`,
      `--changeset_php\r\n${op('/$1/Tasks', 2, { Configuration: 'H264 Single Bitrate 720p', MediaProcessorId: MES, TaskBody: body('JobInputAsset(0)', 0) })}`,
      '--changeset_php--',
      '--batch_php--',
      '',
    ].join('\r\n');
    const r = await request(s.port, '/api/$batch', { method: 'POST', body: text, headers: { 'Content-Type': 'multipart/mixed; boundary=batch_php' } });
    expect(r.status).toBe(202);
    const [set] = parseBatchResponse(r.text, batchBoundary(r.headers['content-type']));
    if (set?.kind !== 'changeset') throw new Error(r.text);
    expect(set.responses.map((a) => [a.status, a.contentId])).toEqual([
      [201, '1'],
      [201, '2'],
    ]);
    const id = json(set.responses[0]!).d.Id;
    const read = await send([{ method: 'GET', target: `${base}/Jobs(${enc(id)})/Tasks` }]);
    const [answer] = read.items as Array<Extract<BatchResponseItem, { kind: 'operation' }>>;
    expect(json(answer!.response).d.results).toHaveLength(1);
  });

  it('answers Prefer: return-no-content in a change set with 204 and Locations', async () => {
    const ops = sdkChangeSet('Quiet').map((op) => ({ ...op, headers: { Prefer: 'return-no-content' } }));
    const r = await send([ops]);
    const set = r.items[0]!;
    if (set.kind !== 'changeset') throw new Error('expected a change set answer');
    expect(set.responses.map((a) => a.status)).toEqual([204, 204, 204, 204]);
    expect(set.responses[0]!.headers.location).toMatch(/\/Jobs\('nb%3Ajid%3AUUID%3A/);
    expect(set.responses[1]!.headers.location).toMatch(/\/Tasks\('nb%3Atid%3AUUID%3A/);
  });

  it('takes Accept: multipart/mixed on the batch (as WCF Data Services sends it), and answers an operation without Accept as the batch asked', async () => {
    const noAccept = (target: string) => ['Content-Type: application/http', 'Content-Transfer-Encoding: binary', '', `GET ${target} HTTP/1.1`, '', ''].join('\r\n');
    const text = `--b\r\n${noAccept('MediaProcessors')}\r\n--b--\r\n`;
    const post = (accept: string) => request(s.port, '/api/$batch', { method: 'POST', body: text, accept, headers: { 'Content-Type': 'multipart/mixed; boundary=b' } });
    const multipart = await post('multipart/mixed');
    expect(multipart.status).toBe(202);
    const [plain] = parseBatchResponse(multipart.text, batchBoundary(multipart.headers['content-type'])) as Array<Extract<BatchResponseItem, { kind: 'operation' }>>;
    expect(plain!.response.headers['content-type']).toMatch(/^application\/json;odata=minimalmetadata/);
    const atom = await post('application/atom+xml');
    const [asAtom] = parseBatchResponse(atom.text, batchBoundary(atom.headers['content-type'])) as Array<Extract<BatchResponseItem, { kind: 'operation' }>>;
    expect(asAtom!.response.headers['content-type']).toBe('application/atom+xml;type=feed;charset=utf-8');
    expect((await post('text/plain')).status).toBe(406);
  });
});
