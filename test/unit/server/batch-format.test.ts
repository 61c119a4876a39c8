import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ODataBatchError, batchBoundary, parseBatch, parseBatchResponse, writeBatch, type BatchItem } from '../../../src/server/odata/batch-format.js';

const ASSET = "https://media.windows.net/api/Assets('nb%3Acid%3AUUID%3Aba5356eb-30ff-4dc6-9e5a-41e4223540e7')";
const MES = 'nb:mpid:UUID:ff4df607-d419-42f0-bc17-a481b1331e56';
const TASK_BODY = '<?xml version="1.0" encoding="utf-8"?><taskBody><inputAsset>JobInputAsset(0)</inputAsset><outputAsset>JobOutputAsset(0)</outputAsset></taskBody>';

/** A job created the way the SDKs do: the Job (Content-ID 1), its Task posted to $1/Tasks, its input linked to $1. */
function sdkBatch(eol: string): string {
  const lines = [
    '--batch_a01',
    'Content-Type: multipart/mixed; boundary=changeset_c01',
    '',
    '--changeset_c01',
    'Content-Type: application/http',
    'Content-Transfer-Encoding: binary',
    '',
    'POST https://media.windows.net/api/Jobs HTTP/1.1',
    'Content-ID: 1',
    'Content-Type: application/json;odata=verbose',
    'Accept: application/json;odata=verbose',
    'DataServiceVersion: 3.0',
    '',
    JSON.stringify({ Name: 'Encode' }),
    '--changeset_c01',
    'Content-Type: application/http',
    'Content-Transfer-Encoding: binary',
    '',
    'POST https://media.windows.net/api/$1/Tasks HTTP/1.1',
    'Content-ID: 2',
    'Content-Type: application/json;odata=verbose',
    '',
    JSON.stringify({ Name: 'Task 1', MediaProcessorId: MES, TaskBody: TASK_BODY }),
    '',
    '--changeset_c01',
    'Content-Type: application/http',
    'Content-Transfer-Encoding: binary',
    '',
    'POST https://media.windows.net/api/$1/$links/InputMediaAssets HTTP/1.1',
    'Content-ID: 3',
    'Content-Type: application/json;odata=verbose',
    '',
    JSON.stringify({ uri: ASSET }),
    '--changeset_c01--',
    '--batch_a01',
    'Content-Type: application/http',
    'Content-Transfer-Encoding: binary',
    '',
    "GET https://media.windows.net/api/MediaProcessors?$filter=Name eq 'Media Encoder Standard' HTTP/1.1",
    'Accept: application/json',
    '',
    '',
    '--batch_a01--',
    '',
  ];
  return lines.join(eol);
}

function errorOf(f: () => unknown): ODataBatchError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ODataBatchError);
    expect((e as ODataBatchError).code).toBe('ODATA_BATCH_INVALID');
    expect((e as ODataBatchError).status).toBe(400);
    return e as ODataBatchError;
  }
  throw new Error('no error was thrown');
}

describe('batch requests', () => {
  it('reads a change set that creates a job across three operations, and a query after it', () => {
    const items = parseBatch(sdkBatch('\r\n'), 'batch_a01');
    expect(items.map((i) => i.kind)).toEqual(['changeset', 'operation']);
    const set = items[0] as Extract<BatchItem, { kind: 'changeset' }>;
    expect(set.operations.map((o) => [o.method, o.target, o.contentId])).toEqual([
      ['POST', 'https://media.windows.net/api/Jobs', '1'],
      ['POST', 'https://media.windows.net/api/$1/Tasks', '2'],
      ['POST', 'https://media.windows.net/api/$1/$links/InputMediaAssets', '3'],
    ]);
    expect(JSON.parse(set.operations[0]!.body)).toEqual({ Name: 'Encode' });
    expect(JSON.parse(set.operations[1]!.body).TaskBody).toBe(TASK_BODY);
    expect(JSON.parse(set.operations[2]!.body)).toEqual({ uri: ASSET });
    expect(set.operations[0]!.headers.get('content-type')).toBe('application/json;odata=verbose');
    expect(set.operations[0]!.headers.get('dataserviceversion')).toBe('3.0');
    expect(set.operations[0]!.line).toBe(8);
    const query = items[1] as Extract<BatchItem, { kind: 'operation' }>;
    expect(query.operation.method).toBe('GET');
    expect(query.operation.target).toBe("https://media.windows.net/api/MediaProcessors?$filter=Name eq 'Media Encoder Standard'");
    expect(query.operation.body).toBe('');
  });

  it('reads the same batch with LF line ends, a preamble, padding after delimiters and a Content-ID in the part headers', () => {
    const crlf = parseBatch(sdkBatch('\r\n'), 'batch_a01');
    const lf = parseBatch(sdkBatch('\n'), 'batch_a01');
    const strip = (items: BatchItem[]) => JSON.stringify(items, (k, v) => (k === 'line' ? undefined : v instanceof Map ? [...v] : v));
    expect(strip(lf)).toBe(strip(crlf));
    const padded = `This is a preamble.\r\n${sdkBatch('\r\n').replace('--batch_a01\r\nContent-Type: multipart', '--batch_a01  \t\r\nContent-Type: multipart')}`;
    expect(strip(parseBatch(padded, 'batch_a01'))).toBe(strip(crlf));
    const mimeId = sdkBatch('\r\n').replace('Content-Transfer-Encoding: binary\r\n\r\nPOST https://media.windows.net/api/Jobs HTTP/1.1\r\nContent-ID: 1\r\n', 'Content-Transfer-Encoding: binary\r\nContent-ID: job\r\n\r\nPOST https://media.windows.net/api/Jobs HTTP/1.1\r\n');
    expect((parseBatch(mimeId, 'batch_a01')[0] as Extract<BatchItem, { kind: 'changeset' }>).operations[0]!.contentId).toBe('job');
  });

  it('reads the boundary of a Content-Type, quoted or not', () => {
    expect(batchBoundary('multipart/mixed; boundary=batch_36522ad7-fc75-4b56-8c71-56071383e77b')).toBe('batch_36522ad7-fc75-4b56-8c71-56071383e77b');
    expect(batchBoundary('Multipart/Mixed;boundary="batch_a:b c"')).toBe('batch_a:b c');
    expect(errorOf(() => batchBoundary(undefined)).message).toMatch(/no Content-Type/);
    expect(errorOf(() => batchBoundary('application/json')).message).toMatch(/not multipart\/mixed/);
    expect(errorOf(() => batchBoundary('multipart/mixed')).message).toMatch(/names no boundary/);
    expect(errorOf(() => batchBoundary(`multipart/mixed; boundary=${'x'.repeat(71)}`)).message).toMatch(/1 to 70/);
    expect(errorOf(() => batchBoundary('multipart/mixed; boundary=a\u00e9')).message).toMatch(/RFC 2046/);
  });

  it('refuses what is not a batch, saying on which line', () => {
    // Errors name the line where the part, operation or header in question starts.
    const good = sdkBatch('\r\n');
    const cases: Array<[string, RegExp, number | undefined]> = [
      ['no parts at all', /no line --batch_a01/, 1],
      [good.replace('--batch_a01--\r\n', ''), /does not end with --batch_a01--/, 36],
      [good.replace('--changeset_c01--', '--changeset_c01-x'), /does not end with --changeset_c01--/, 26],
      [good.replace("GET https://media.windows.net/api/MediaProcessors?$filter=Name eq 'Media Encoder Standard' HTTP/1.1", 'GET /api/MediaProcessors HTTP/1.1'), /./, undefined],
      [good.replace('POST https://media.windows.net/api/$1/Tasks HTTP/1.1', 'GET https://media.windows.net/api/Jobs HTTP/1.1'), /a change set holds only changes/, 19],
      [good.replace("GET https://media.windows.net/api/MediaProcessors?$filter=Name eq 'Media Encoder Standard' HTTP/1.1", 'DELETE /api/Jobs HTTP/1.1'), /outside a change set/, 39],
      [good.replace('Content-Type: multipart/mixed; boundary=changeset_c01', 'Content-Type: text/plain'), /neither application\/http nor multipart\/mixed/, 2],
      [good.replace('POST https://media.windows.net/api/$1/Tasks HTTP/1.1', 'POST https://media.windows.net/api/$1/Tasks'), /not a request line/, 19],
      [good.replace('POST https://media.windows.net/api/$1/Tasks HTTP/1.1', 'FETCH /api/Jobs HTTP/1.1'), /uses the method "FETCH"/, 19],
      [good.replace('Content-Transfer-Encoding: binary\r\n\r\nPOST https://media.windows.net/api/Jobs', 'Content-Transfer-Encoding: base64\r\n\r\nPOST https://media.windows.net/api/Jobs'), /only binary is read/, 5],
      [good.replace('Content-ID: 2', 'Content-ID: 1'), /gives the Content-ID "1" twice/, 19],
      [good.replace('Accept: application/json;odata=verbose', 'Accept application/json'), /not "Name: value"/, 11],
      [good.replace('\r\n--changeset_c01\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\nPOST https://media.windows.net/api/$1/Tasks', '\r\n--changeset_c01\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\nPOST https://media.windows.net/api/$1/Tasks'), /change sets do not nest/, 16],
    ];
    for (const [body, message, line] of cases) {
      if (line === undefined) {
        expect(parseBatch(body, 'batch_a01')).toHaveLength(2); // a path as the target is fine
        continue;
      }
      const e = errorOf(() => parseBatch(body, 'batch_a01'));
      expect(e.message).toMatch(message);
      expect(e.line).toBe(line);
      expect(e.message).toMatch(new RegExp(`^line ${line} of the batch: `));
    }
  });

  it('refuses a batch of more operations than the limit, before reading the rest', () => {
    expect(parseBatch(sdkBatch('\r\n'), 'batch_a01', { maxOperations: 4 })).toHaveLength(2);
    const e = errorOf(() => parseBatch(sdkBatch('\r\n'), 'batch_a01', { maxOperations: 3 }));
    expect(e.message).toMatch(/more than 3 operations/);
    expect(e.hint).toMatch(/at most 3/);
  });

  it('reads back any batch written out, whatever the bodies hold', () => {
    const body = fc.string({ unit: fc.constantFrom('a', '{', '"', ' ', '\r\n', '\n', '-', 'é', '<'), maxLength: 60 });
    const op = (method: fc.Arbitrary<string>) => fc.record({ method, target: fc.constantFrom('/api/Jobs', 'Jobs', '$1/Tasks', "https://h/api/Jobs('a')"), body, id: fc.option(fc.nat(99), { nil: undefined }) });
    const item = fc.oneof(
      op(fc.constant('GET')).map((o) => ({ kind: 'operation' as const, ops: [o] })),
      fc.array(op(fc.constantFrom('POST', 'MERGE', 'DELETE')), { minLength: 1, maxLength: 4 }).map((ops) => ({ kind: 'changeset' as const, ops: ops.map((o, i) => ({ ...o, id: i })) })),
    );
    fc.assert(
      fc.property(fc.array(item, { maxLength: 5 }), fc.constantFrom('\r\n', '\n'), (items, eol) => {
        const write = (o: { method: string; target: string; body: string; id: number | undefined }) =>
          ['Content-Type: application/http', '', `${o.method} ${o.target} HTTP/1.1`, ...(o.id === undefined ? [] : [`Content-ID: ${o.id}`]), 'X-Mine: yes', '', o.body].join(eol);
        const parts = items.map((i) =>
          i.kind === 'operation' ? write(i.ops[0]!) : [`Content-Type: multipart/mixed; boundary=cs`, '', ...i.ops.map((o) => `--cs${eol}${write(o)}`), '--cs--'].join(eol),
        );
        const text = [...parts.map((p) => `--b${eol}${p}`), '--b--', ''].join(eol);
        const read = parseBatch(text, 'b');
        expect(read.map((r) => r.kind)).toEqual(items.map((i) => i.kind));
        read.forEach((r, k) => {
          const ops = r.kind === 'operation' ? [r.operation] : r.operations;
          expect(ops.map((o) => [o.method, o.target, o.contentId, o.headers.get('x-mine')])).toEqual(items[k]!.ops.map((o) => [o.method, o.target, o.id === undefined ? undefined : String(o.id), 'yes']));
          // A body's own trailing line breaks are not kept; the rest is as written.
          expect(ops.map((o) => o.body)).toEqual(items[k]!.ops.map((o) => o.body.replace(/[\r\n]+$/, '')));
        });
      }),
    );
  });
});

describe('batch responses', () => {
  it('are written as parts a client reads back: a query answer, a change set of answers, and a failed change set as one answer', () => {
    const { contentType, body } = writeBatch([
      { kind: 'operation', response: { status: 200, headers: { 'Content-Type': 'application/json' }, body: '{"value":[]}' } },
      {
        kind: 'changeset',
        responses: [
          { status: 201, headers: { 'Content-Type': 'application/json;odata=verbose', Location: "https://h/api/Jobs('j')" }, body: '{"d":{}}', contentId: '1' },
          { status: 204, headers: {}, body: '', contentId: '3' },
        ],
      },
      { kind: 'operation', response: { status: 400, headers: { 'Content-Type': 'application/json' }, body: '{"odata.error":{}}', contentId: '2' } },
    ]);
    const boundary = batchBoundary(contentType);
    expect(boundary).toMatch(/^batchresponse_[0-9a-f-]{36}$/);
    expect(body.endsWith(`--${boundary}--\r\n`)).toBe(true);
    expect(body).toContain('HTTP/1.1 201 Created\r\nContent-ID: 1\r\n');
    expect(body).toContain('HTTP/1.1 400 Bad Request\r\n');
    const read = parseBatchResponse(body, boundary);
    expect(read).toEqual([
      { kind: 'operation', response: { status: 200, headers: { 'content-type': 'application/json' }, body: '{"value":[]}', contentId: undefined } },
      {
        kind: 'changeset',
        responses: [
          { status: 201, headers: { 'content-type': 'application/json;odata=verbose', location: "https://h/api/Jobs('j')" }, body: '{"d":{}}', contentId: '1' },
          { status: 204, headers: {}, body: '', contentId: '3' },
        ],
      },
      { kind: 'operation', response: { status: 400, headers: { 'content-type': 'application/json' }, body: '{"odata.error":{}}', contentId: '2' } },
    ]);
  });
});
