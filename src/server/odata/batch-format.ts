/**
 * The wire form of OData v3 `$batch` (multipart/mixed, RFC 2046; OData v3 §2.2.7.6): reading a
 * batch request into its operations and change sets, and writing the batch response. What the
 * operations mean (Content-ID references, a change set applied as a whole) is the handler's.
 *
 * A batch body is a list of parts between `--boundary` lines, closed by `--boundary--`. A part is
 * either one operation (`Content-Type: application/http`: an HTTP request written out, request
 * line, headers, blank line, body) or a change set (`Content-Type: multipart/mixed; boundary=…`: a
 * nested multipart of operations that change data). Queries (GET) stand alone; a change set holds
 * no GET and no change set.
 *
 * Leniency, because the SDKs differ: lines may end in CRLF (the standard) or LF alone; a
 * `Content-ID` is read from the part's MIME headers or from the operation's own headers (the .NET
 * and PHP clients put it in the latter); `Content-Transfer-Encoding` may be left out (binary is
 * assumed) but nothing else than binary is read; a body's trailing line breaks are not part of it.
 * Every mistake is an {@link ODataBatchError} naming the line of the batch body where it is.
 */
import { STATUS_CODES } from 'node:http';
import { randomUUID } from 'node:crypto';
import { ODataError } from './errors.js';

/** One operation of a batch: an HTTP request as the client wrote it. */
export interface BatchOperation {
  readonly method: string;
  /** The request target as written: an absolute URI, a path, or relative (`Jobs`, `$1/Tasks`). */
  readonly target: string;
  /** Header names in lower case; a repeated header's values joined with ", ". */
  readonly headers: ReadonlyMap<string, string>;
  readonly body: string;
  /** The part's `Content-ID` (from its MIME headers, else from the operation's headers). */
  readonly contentId: string | undefined;
  /** The line of the batch body where the request line is (1-based). */
  readonly line: number;
}

/** A part of a batch request: one query, or a change set of operations applied together. */
export type BatchItem = { readonly kind: 'operation'; readonly operation: BatchOperation } | { readonly kind: 'changeset'; readonly operations: readonly BatchOperation[]; readonly line: number };

/** One response of a batch: an HTTP response to write out. */
export interface BatchResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** Echoed as the response's `Content-ID`, so the client can match it to its request. */
  readonly contentId?: string | undefined;
}

/**
 * A part of a batch response: the answer to a query, the answers to a change set's operations, or
 * (a change set that failed as a whole) the one error answer that stands in for them.
 */
export type BatchResponseItem = { readonly kind: 'operation'; readonly response: BatchResponse } | { readonly kind: 'changeset'; readonly responses: readonly BatchResponse[] };

/** What a batch may hold; beyond it the batch is refused rather than run in part. */
export interface BatchLimits {
  /** Operations in the whole batch, change sets' included. Default 1,000. */
  readonly maxOperations?: number;
}

/** Default of {@link BatchLimits.maxOperations}. */
export const MAX_BATCH_OPERATIONS = 1000;

/** A `$batch` body that cannot be read. `line` is 1-based in the body; `hint` says what to send. */
export class ODataBatchError extends ODataError {
  readonly line: number | undefined;
  readonly hint: string | undefined;

  constructor(message: string, details: { line?: number; hint?: string } = {}) {
    super('ODATA_BATCH_INVALID', details.line === undefined ? message : `line ${details.line} of the batch: ${message}`);
    this.line = details.line;
    this.hint = details.hint;
  }
}

const METHODS = new Set(['GET', 'POST', 'PUT', 'MERGE', 'PATCH', 'DELETE']);
const CHANGE_METHODS = new Set(['POST', 'PUT', 'MERGE', 'PATCH', 'DELETE']);
/** RFC 2046 boundary characters, 1 to 70 of them. */
const BOUNDARY = /^[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]$/;

/**
 * The boundary of a `multipart/mixed` Content-Type.
 * @throws ODataBatchError when the type is another, or names no valid boundary
 */
export function batchBoundary(contentType: string | undefined, what = 'the $batch request'): string {
  const hint = 'send Content-Type: multipart/mixed; boundary=batch_<id>, and the operations as parts of that multipart body';
  if (contentType === undefined || contentType.trim() === '') throw new ODataBatchError(`${what} has no Content-Type`, { hint });
  const [type = '', ...params] = splitParams(contentType);
  if (type.trim().toLowerCase() !== 'multipart/mixed') throw new ODataBatchError(`${what} is ${JSON.stringify(type.trim().slice(0, 80))}, not multipart/mixed`, { hint });
  for (const p of params) {
    const eq = p.indexOf('=');
    if (eq < 0 || p.slice(0, eq).trim().toLowerCase() !== 'boundary') continue;
    let value = p.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    if (!BOUNDARY.test(value)) throw new ODataBatchError(`${what} has the boundary ${JSON.stringify(value.slice(0, 80))}, which is not 1 to 70 of the characters RFC 2046 allows`, { hint });
    return value;
  }
  throw new ODataBatchError(`${what}'s Content-Type names no boundary`, { hint });
}

/** `type; a=b; c="d;e"` → its pieces, a quoted value kept whole. */
function splitParams(value: string): string[] {
  const out: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === '"') quoted = !quoted;
    else if (c === ';' && !quoted) {
      out.push(value.slice(start, i));
      start = i + 1;
    }
  }
  out.push(value.slice(start));
  return out;
}

/** A line of the body: where its text starts and ends (before its line break), and its number. */
interface Line {
  readonly start: number;
  readonly end: number;
  /** Just past its line break (the next line's start). */
  readonly next: number;
  readonly number: number;
}

function* linesOf(text: string, from: number, to: number, firstNumber: number): Generator<Line> {
  let start = from;
  let number = firstNumber;
  while (start < to) {
    let lf = text.indexOf('\n', start);
    if (lf < 0 || lf >= to) lf = to;
    const end = lf > start && text.charCodeAt(lf - 1) === 0x0d ? lf - 1 : lf;
    yield { start, end, next: Math.min(lf + 1, to), number };
    start = lf + 1;
    number++;
  }
}

/** The parts of a multipart body between `from` and `to`: each one's text range and first line. */
interface RawPart {
  readonly start: number;
  readonly end: number;
  readonly line: number;
}

function splitParts(text: string, from: number, to: number, firstLine: number, boundary: string, what: string): RawPart[] {
  const dash = `--${boundary}`;
  const parts: RawPart[] = [];
  let open: { start: number; line: number } | undefined;
  let seenDelimiter = false;
  for (const line of linesOf(text, from, to, firstLine)) {
    if (!text.startsWith(dash, line.start)) continue;
    const rest = text.slice(line.start + dash.length, line.end);
    const close = rest.startsWith('--');
    // Transport padding: white space may follow a delimiter.
    if ((close ? rest.slice(2) : rest).trim() !== '') continue;
    if (open !== undefined) {
      // The line break before a delimiter is the delimiter's, not the part's.
      let end = line.start;
      if (end > open.start && text.charCodeAt(end - 1) === 0x0a) end--;
      if (end > open.start && text.charCodeAt(end - 1) === 0x0d) end--;
      parts.push({ start: open.start, end: Math.max(end, open.start), line: open.line });
    }
    seenDelimiter = true;
    if (close) return parts;
    open = { start: line.next, line: line.number + 1 };
  }
  const hint = `end the multipart body with a line --${boundary}--`;
  if (!seenDelimiter) throw new ODataBatchError(`${what} has no line --${boundary}: the boundary of its Content-Type starts no part`, { line: firstLine, hint });
  throw new ODataBatchError(`${what} does not end with --${boundary}--`, { line: open?.line ?? firstLine, hint });
}

/** Header lines from `from` up to the first empty line: the headers (names in lower case) and where the rest starts. */
function readHeaders(text: string, from: number, to: number, firstLine: number, what: string): { headers: Map<string, string>; bodyStart: number; bodyLine: number } {
  const headers = new Map<string, string>();
  let last: string | undefined;
  for (const line of linesOf(text, from, to, firstLine)) {
    if (line.end === line.start) return { headers, bodyStart: line.next, bodyLine: line.number + 1 };
    const c = text.charCodeAt(line.start);
    if ((c === 0x20 || c === 0x09) && last !== undefined) {
      // An obsolete folded line continues the header before it.
      headers.set(last, `${headers.get(last)!} ${text.slice(line.start, line.end).trim()}`);
      continue;
    }
    const colon = text.indexOf(':', line.start);
    if (colon < 0 || colon >= line.end || colon === line.start) {
      throw new ODataBatchError(`${what} has the line ${JSON.stringify(text.slice(line.start, Math.min(line.end, line.start + 80)))} among its headers, which is not "Name: value"`, {
        line: line.number,
        hint: 'end the headers with an empty line before the body',
      });
    }
    const name = text.slice(line.start, colon).trim().toLowerCase();
    const value = text.slice(colon + 1, line.end).trim();
    headers.set(name, headers.has(name) ? `${headers.get(name)!}, ${value}` : value);
    last = name;
  }
  return { headers, bodyStart: to, bodyLine: firstLine };
}

/** A body without its trailing line breaks. */
function trimBreaks(text: string, start: number, end: number): string {
  while (end > start && (text.charCodeAt(end - 1) === 0x0a || text.charCodeAt(end - 1) === 0x0d)) end--;
  return text.slice(start, end);
}

/** The media type of a Content-Type value, in lower case. */
function mediaType(value: string | undefined): string {
  return (value ?? '').split(';')[0]!.trim().toLowerCase();
}

function readOperation(text: string, part: RawPart, mime: Map<string, string>, bodyStart: number, bodyLine: number, what: string): BatchOperation {
  const encoding = mime.get('content-transfer-encoding');
  if (encoding !== undefined && encoding.toLowerCase() !== 'binary') {
    throw new ODataBatchError(`${what} has Content-Transfer-Encoding ${JSON.stringify(encoding.slice(0, 40))}; only binary is read`, { line: part.line, hint: 'send Content-Transfer-Encoding: binary' });
  }
  // Blank lines before the request line are tolerated.
  let lineNumber = bodyLine;
  let requestLine: Line | undefined;
  for (const line of linesOf(text, bodyStart, part.end, bodyLine)) {
    if (line.end > line.start) {
      requestLine = line;
      break;
    }
    lineNumber = line.number + 1;
  }
  if (requestLine === undefined) throw new ODataBatchError(`${what} holds no request`, { line: lineNumber, hint: 'write the request line (POST https://…/api/Jobs HTTP/1.1), its headers, an empty line and its body' });
  // METHOD target HTTP/1.1; a target is read up to the version even with spaces in it (some
  // clients leave a $filter's spaces unencoded), which the handler then decodes as a path.
  const text0 = text.slice(requestLine.start, requestLine.end).trim();
  const firstSpace = text0.indexOf(' ');
  const lastSpace = text0.lastIndexOf(' ');
  const shown = JSON.stringify(text0.slice(0, 120));
  const target = firstSpace < 0 ? '' : text0.slice(firstSpace + 1, lastSpace).trim();
  if (firstSpace < 0 || lastSpace === firstSpace || target === '' || !/^HTTP\/1\.[01]$/.test(text0.slice(lastSpace + 1))) {
    throw new ODataBatchError(`${what} starts with ${shown}, not a request line "METHOD target HTTP/1.1"`, { line: requestLine.number });
  }
  const method = text0.slice(0, firstSpace).toUpperCase();
  if (!METHODS.has(method)) {
    throw new ODataBatchError(`${what} uses the method ${JSON.stringify(text0.slice(0, Math.min(firstSpace, 20)))}; a batch takes ${[...METHODS].join(', ')}`, { line: requestLine.number });
  }
  const { headers, bodyStart: opBody } = readHeaders(text, requestLine.next, part.end, requestLine.number + 1, what);
  const contentId = mime.get('content-id') ?? headers.get('content-id');
  return { method, target, headers, body: trimBreaks(text, opBody, part.end), contentId, line: requestLine.number };
}

/**
 * Reads a batch request body into its parts, in order.
 * @param boundary from {@link batchBoundary}
 * @throws ODataBatchError for anything that is not a batch as described in the module comment
 */
export function parseBatch(body: string, boundary: string, limits: BatchLimits = {}): BatchItem[] {
  const maxOperations = limits.maxOperations ?? MAX_BATCH_OPERATIONS;
  let operations = 0;
  const count = (line: number): void => {
    if (++operations > maxOperations) {
      throw new ODataBatchError(`the batch holds more than ${maxOperations} operations`, { line, hint: `send at most ${maxOperations} operations in one batch` });
    }
  };
  const items: BatchItem[] = [];
  const parts = splitParts(body, 0, body.length, 1, boundary, 'the batch');
  for (let p = 0; p < parts.length; p++) {
    const part = parts[p]!;
    const what = `part ${p + 1} of the batch`;
    const { headers: mime, bodyStart, bodyLine } = readHeaders(body, part.start, part.end, part.line, what);
    const type = mediaType(mime.get('content-type'));
    if (type === 'multipart/mixed') {
      const inner = batchBoundary(mime.get('content-type'), `${what} (a change set)`);
      const setParts = splitParts(body, bodyStart, part.end, bodyLine, inner, `the change set of ${what}`);
      const ops: BatchOperation[] = [];
      for (let k = 0; k < setParts.length; k++) {
        const sp = setParts[k]!;
        const opWhat = `operation ${k + 1} of the change set in ${what}`;
        const { headers: opMime, bodyStart: opStart, bodyLine: opLine } = readHeaders(body, sp.start, sp.end, sp.line, opWhat);
        const opType = mediaType(opMime.get('content-type'));
        if (opType === 'multipart/mixed') throw new ODataBatchError(`${opWhat} is a change set: change sets do not nest`, { line: sp.line });
        if (opType !== 'application/http') {
          throw new ODataBatchError(`${opWhat} has Content-Type ${JSON.stringify(opType.slice(0, 80) || '(none)')}, not application/http`, { line: sp.line, hint: 'give each operation Content-Type: application/http' });
        }
        count(sp.line);
        const op = readOperation(body, sp, opMime, opStart, opLine, opWhat);
        if (!CHANGE_METHODS.has(op.method)) {
          throw new ODataBatchError(`${opWhat} is a ${op.method}: a change set holds only changes (${[...CHANGE_METHODS].join(', ')})`, { line: op.line, hint: 'put queries (GET) outside change sets, as parts of the batch itself' });
        }
        ops.push(op);
      }
      const ids = new Set<string>();
      for (const op of ops) {
        if (op.contentId === undefined) continue;
        if (ids.has(op.contentId)) throw new ODataBatchError(`the change set of ${what} gives the Content-ID ${JSON.stringify(op.contentId.slice(0, 40))} twice`, { line: op.line, hint: 'give each operation of a change set its own Content-ID' });
        ids.add(op.contentId);
      }
      items.push({ kind: 'changeset', operations: ops, line: part.line });
      continue;
    }
    if (type !== 'application/http') {
      throw new ODataBatchError(`${what} has Content-Type ${JSON.stringify(type.slice(0, 80) || '(none)')}, neither application/http nor multipart/mixed`, {
        line: part.line,
        hint: 'a part is one operation (Content-Type: application/http) or a change set (Content-Type: multipart/mixed; boundary=changeset_<id>)',
      });
    }
    count(part.line);
    const op = readOperation(body, part, mime, bodyStart, bodyLine, what);
    if (op.method !== 'GET') {
      throw new ODataBatchError(`${what} is a ${op.method} outside a change set: only queries (GET) stand alone`, { line: op.line, hint: 'put changes in a change set (a multipart/mixed part)' });
    }
    items.push({ kind: 'operation', operation: op });
  }
  return items;
}

function writeResponse(out: string[], r: BatchResponse): void {
  out.push('Content-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n');
  out.push(`HTTP/1.1 ${r.status} ${STATUS_CODES[r.status] ?? 'Unknown'}\r\n`);
  if (r.contentId !== undefined) out.push(`Content-ID: ${r.contentId}\r\n`);
  for (const [name, value] of Object.entries(r.headers)) out.push(`${name}: ${value}\r\n`);
  out.push(`\r\n${r.body}\r\n`);
}

/**
 * Writes a batch response: each item a part, a change set's answers as a nested multipart.
 * @returns the body and the Content-Type that names its boundary (answer it with 202 Accepted)
 */
export function writeBatch(items: readonly BatchResponseItem[], boundary = `batchresponse_${randomUUID()}`): { contentType: string; body: string } {
  const out: string[] = [];
  for (const item of items) {
    out.push(`--${boundary}\r\n`);
    if (item.kind === 'operation') {
      writeResponse(out, item.response);
      continue;
    }
    const inner = `changesetresponse_${randomUUID()}`;
    out.push(`Content-Type: multipart/mixed; boundary=${inner}\r\n\r\n`);
    for (const r of item.responses) {
      out.push(`--${inner}\r\n`);
      writeResponse(out, r);
    }
    out.push(`--${inner}--\r\n`);
  }
  out.push(`--${boundary}--\r\n`);
  return { contentType: `multipart/mixed; boundary=${boundary}`, body: out.join('') };
}

function readResponse(text: string, part: RawPart, what: string): BatchResponse {
  const { headers: mime, bodyStart, bodyLine } = readHeaders(text, part.start, part.end, part.line, what);
  if (mediaType(mime.get('content-type')) !== 'application/http') throw new ODataBatchError(`${what} is not application/http`, { line: part.line });
  let statusLine: Line | undefined;
  for (const line of linesOf(text, bodyStart, part.end, bodyLine)) {
    if (line.end > line.start) {
      statusLine = line;
      break;
    }
  }
  const m = statusLine === undefined ? null : /^HTTP\/1\.[01] (\d{3})(?: .*)?$/.exec(text.slice(statusLine.start, statusLine.end));
  if (statusLine === undefined || m === null) throw new ODataBatchError(`${what} holds no status line "HTTP/1.1 200 OK"`, { line: statusLine?.number ?? bodyLine });
  const { headers, bodyStart: start } = readHeaders(text, statusLine.next, part.end, statusLine.number + 1, what);
  const contentId = headers.get('content-id') ?? mime.get('content-id');
  headers.delete('content-id');
  return { status: Number(m[1]), headers: Object.fromEntries(headers), body: trimBreaks(text, start, part.end), contentId };
}

/**
 * Reads a batch response body (what {@link writeBatch} writes, or a service's): for clients and
 * tests. Header names come back in lower case; `Content-ID` is `contentId`, not a header.
 * @throws ODataBatchError when the body is not a batch response
 */
export function parseBatchResponse(body: string, boundary: string): BatchResponseItem[] {
  const items: BatchResponseItem[] = [];
  const parts = splitParts(body, 0, body.length, 1, boundary, 'the batch response');
  for (let p = 0; p < parts.length; p++) {
    const part = parts[p]!;
    const what = `part ${p + 1} of the batch response`;
    const { headers: mime, bodyStart, bodyLine } = readHeaders(body, part.start, part.end, part.line, what);
    if (mediaType(mime.get('content-type')) !== 'multipart/mixed') {
      items.push({ kind: 'operation', response: readResponse(body, part, what) });
      continue;
    }
    const inner = batchBoundary(mime.get('content-type'), what);
    const responses = splitParts(body, bodyStart, part.end, bodyLine, inner, what).map((sp, k) => readResponse(body, sp, `response ${k + 1} of ${what}`));
    items.push({ kind: 'changeset', responses });
  }
  return items;
}
