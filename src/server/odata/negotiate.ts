/**
 * Content negotiation and protocol headers of the AMS v2 facade (reference §9, Doc-HowTo):
 * `Accept` / `$format` → verbose or minimal-metadata JSON; `DataServiceVersion`,
 * `MaxDataServiceVersion`, `x-ms-version` and `client-request-id` → checked, and the headers to
 * answer with.
 */
import { ODataHeaderError, quoteSnippet } from './errors.js';

/** A response format: verbose JSON, minimal-metadata JSON, or nothing we can produce (answer 406/415). */
export type ResponseFormat = 'verbose' | 'minimal' | 'atom' | 'unsupported';

/** The `x-ms-version` we answer with when the client sends none. */
export const AMS_API_VERSION = '2.19';

interface MediaRange {
  readonly type: string;
  readonly subtype: string;
  readonly odata: string | undefined;
  readonly q: number;
}

function parseAccept(header: string): MediaRange[] {
  const out: MediaRange[] = [];
  for (const part of header.split(',')) {
    const [mediaType = '', ...params] = part.split(';');
    const [type = '', subtype = ''] = mediaType.trim().toLowerCase().split('/');
    if (type === '' || subtype === '') continue;
    let q = 1;
    let odata: string | undefined;
    for (const p of params) {
      const eq = p.indexOf('=');
      if (eq < 0) continue;
      const name = p.slice(0, eq).trim().toLowerCase();
      const value = p.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1').toLowerCase();
      if (name === 'q') {
        const n = Number(value);
        q = Number.isFinite(n) ? Math.min(1, Math.max(0, n)) : 0;
      } else if (name === 'odata') {
        odata = value;
      }
    }
    out.push({ type, subtype, odata, q });
  }
  return out;
}

/** 3: exact with odata=…, 2: application/json, 1: application/*, 0: *\/*, -1: no match. */
function specificity(r: MediaRange, rep: 'verbose' | 'minimal'): number {
  if (r.type === '*' && r.subtype === '*') return 0;
  if (r.type !== 'application') return -1;
  if (r.subtype === '*') return 1;
  if (r.subtype !== 'json') return -1;
  if (r.odata === undefined) return 2;
  const wants = r.odata === 'verbose' ? 'verbose' : 'minimal'; // minimalmetadata, fullmetadata, nometadata, light
  return wants === rep ? 3 : -1;
}

/**
 * q of a representation: that of the most specific range matching it (RFC 9110 §12.5.1), and that
 * specificity (-1: no range matches).
 */
/** How precisely a range names Atom: `application/atom+xml` (or `application/xml`, `text/xml`) 2, `application/*` 1, `*\/*` 0. */
function atomSpecificity(r: MediaRange): number {
  if (r.type === '*' && r.subtype === '*') return 0;
  if (r.type === 'application' && r.subtype === '*') return 1;
  if (r.type === 'application' && (r.subtype === 'atom+xml' || r.subtype === 'xml')) return 2;
  if (r.type === 'text' && r.subtype === 'xml') return 2;
  return -1;
}

function quality(ranges: readonly MediaRange[], rep: 'verbose' | 'minimal' | 'atom'): { q: number; specificity: number } {
  let best = -1;
  let q = 0;
  for (const r of ranges) {
    const s = rep === 'atom' ? atomSpecificity(r) : specificity(r, rep);
    if (s > best) {
      best = s;
      q = r.q;
    } else if (s === best && s >= 0) {
      q = Math.max(q, r.q);
    }
  }
  return { q: best < 0 ? 0 : q, specificity: best };
}

/**
 * Chooses the response format. `$format` wins over `Accept` (OData v3): `json` → minimal,
 * `verbose` → verbose, `atom`/`xml` → atom. Otherwise by `Accept`, with q-values:
 * `application/json;odata=verbose` → verbose; `application/json` (plain or
 * `odata=minimalmetadata|fullmetadata|nometadata`), `application/*`, `*\/*`, or no header →
 * minimal (at equal q, the more precisely named wins, then minimal); `application/atom+xml`,
 * `application/xml` or `text/xml` preferred (a higher q, or an equal q named more precisely than
 * any JSON) → atom; only other types → unsupported.
 *
 * @param acceptHeader - the `Accept` header, if any
 * @param format - the `$format` option, if any
 */
export function negotiateFormat(acceptHeader: string | null | undefined, format?: string | null): ResponseFormat {
  if (format !== undefined && format !== null && format !== '') {
    const f = format.trim().toLowerCase();
    if (f === 'json') return 'minimal';
    if (f === 'verbose') return 'verbose';
    if (f === 'atom' || f === 'xml') return 'atom';
    if (f.startsWith('application/json') || f.startsWith('application/atom+xml') || f.startsWith('application/xml')) return negotiateFormat(f);
    return 'unsupported';
  }
  if (acceptHeader === undefined || acceptHeader === null || acceptHeader.trim() === '') return 'minimal';
  const ranges = parseAccept(acceptHeader);
  if (ranges.length === 0) return 'minimal';
  const verbose = quality(ranges, 'verbose');
  const minimal = quality(ranges, 'minimal');
  const atom = quality(ranges, 'atom');
  // Atom when the client prefers it: a higher q, or an equal q named more precisely than any JSON
  // (`application/atom+xml,application/xml` as WCF Data Services clients send it).
  const json = verbose.q > minimal.q || (verbose.q === minimal.q && verbose.specificity > minimal.specificity) ? verbose : minimal;
  if (atom.q > 0 && (atom.q > json.q || (atom.q === json.q && atom.specificity > json.specificity))) return 'atom';
  if (verbose.q === 0 && minimal.q === 0) return 'unsupported';
  if (verbose.q !== minimal.q) return verbose.q > minimal.q ? 'verbose' : 'minimal';
  // Equal q: the one the client named more precisely (`odata=verbose, */*` → verbose), else minimal.
  return verbose.specificity > minimal.specificity ? 'verbose' : 'minimal';
}

/**
 * True when `Accept` allows an XML answer (the `$metadata` document): no header, or a range with
 * q > 0 matching `application/xml` or `text/xml` (`*\/*`, `application/*` and `text/*` included).
 *
 * @param acceptHeader - the `Accept` header, if any
 */
export function acceptsXml(acceptHeader: string | null | undefined): boolean {
  if (acceptHeader === undefined || acceptHeader === null || acceptHeader.trim() === '') return true;
  const ranges = parseAccept(acceptHeader);
  if (ranges.length === 0) return true;
  return ranges.some((r) => r.q > 0 && (r.type === '*' || r.type === 'application' || r.type === 'text') && (r.subtype === '*' || r.subtype === 'xml'));
}

/**
 * The `Content-Type` of a JSON response in the given format, as AMS sends it.
 */
export function contentTypeFor(format: 'verbose' | 'minimal'): string {
  return format === 'verbose' ? 'application/json;odata=verbose;charset=utf-8' : 'application/json;odata=minimalmetadata;streaming=true;charset=utf-8';
}

/** Request headers: a WHATWG `Headers` or Node's `IncomingHttpHeaders` (any key case). */
export type RequestHeaders = { get(name: string): string | null } | Readonly<Record<string, string | readonly string[] | undefined>>;

function header(headers: RequestHeaders, name: string): string | undefined {
  if (typeof (headers as { get?: unknown }).get === 'function') {
    const v = (headers as { get(name: string): string | null }).get(name);
    return v === null ? undefined : v;
  }
  const record = headers as Readonly<Record<string, string | readonly string[] | undefined>>;
  const lower = name.toLowerCase();
  for (const key of Object.keys(record)) {
    if (key.toLowerCase() !== lower) continue;
    const v = record[key];
    return v === undefined ? undefined : typeof v === 'string' ? v : v.join(', ');
  }
  return undefined;
}

/** What {@link checkVersionHeaders} found, and the headers to answer with. */
export interface VersionCheck {
  /** The request's DataServiceVersion, as `major.minor` (3.0 when absent). */
  readonly dataServiceVersion: string;
  /** The request's MaxDataServiceVersion as a number (3 when absent); minimal metadata needs ≥ 3. */
  readonly maxDataServiceVersion: number;
  /** The `x-ms-version` in force: the client's, or {@link AMS_API_VERSION}. */
  readonly apiVersion: string;
  /** Headers for the response: `DataServiceVersion`, `x-ms-version`, and the request-id headers echoed. */
  readonly headers: Readonly<Record<string, string>>;
}

/** Request-id headers echoed on the response. */
export const REQUEST_ID_HEADERS = ['client-request-id', 'x-ms-client-request-id'] as const;

const VERSION = /^\s*(\d{1,3})\.(\d{1,3})\s*(?:;.*)?$/;

function versionText(v: number): string {
  const major = Math.floor(v);
  return `${major}.${Math.round((v - major) * 1000)}`;
}

function readVersion(name: string, value: string): number {
  const m = VERSION.exec(value);
  if (m === null) {
    throw new ODataHeaderError('ODATA_VERSION_UNSUPPORTED', `${name}: ${quoteSnippet(value)} is not a version; send 3.0`, { header: name, value });
  }
  return Number(m[1]) + Number(m[2]) / 1000;
}

/**
 * Checks the protocol headers of a request. `DataServiceVersion` must be 1.0–3.0 (absent: 3.0);
 * `MaxDataServiceVersion` at least 1.0 and not below `DataServiceVersion` (absent: 3.0; above 3.0
 * is fine, we answer 3.0); with `MaxDataServiceVersion` alone, `DataServiceVersion` is taken as
 * equal to it (capped at 3.0); `x-ms-version` any 2.x (absent: we answer {@link AMS_API_VERSION});
 * `client-request-id` and `x-ms-client-request-id` at most 2 KB each, echoed back.
 *
 * @param headers - the request's headers
 * @returns the versions in force and the response headers; see {@link VersionCheck}
 * @throws ODataHeaderError `ODATA_VERSION_UNSUPPORTED`, `AMS_API_VERSION_UNSUPPORTED` or
 *   `ODATA_HEADER_INVALID` (all 400), naming the header and the value
 */
export function checkVersionHeaders(headers: RequestHeaders): VersionCheck {
  const dsvText = header(headers, 'DataServiceVersion');
  const maxText = header(headers, 'MaxDataServiceVersion');
  const max = maxText === undefined ? 3 : readVersion('MaxDataServiceVersion', maxText);
  // A client that names only its ceiling (WCF Data Services clients send
  // `MaxDataServiceVersion: 2.0` or `1.0;NetFx` on a GET) speaks up to it: an absent
  // DataServiceVersion is taken as that ceiling, not as 3.0, which would exceed it.
  const dsv = dsvText === undefined ? Math.max(1, Math.min(3, max)) : readVersion('DataServiceVersion', dsvText);
  if (dsv < 1 || dsv > 3) {
    throw new ODataHeaderError('ODATA_VERSION_UNSUPPORTED', `DataServiceVersion ${quoteSnippet(dsvText!)} is not supported; this service speaks OData 1.0 to 3.0: send 3.0`, {
      header: 'DataServiceVersion',
      value: dsvText!,
    });
  }
  if (max < 1) {
    throw new ODataHeaderError('ODATA_VERSION_UNSUPPORTED', `MaxDataServiceVersion ${quoteSnippet(maxText!)} is below 1.0; send 3.0`, { header: 'MaxDataServiceVersion', value: maxText! });
  }
  if (max < dsv) {
    throw new ODataHeaderError(
      'ODATA_VERSION_UNSUPPORTED',
      `MaxDataServiceVersion ${quoteSnippet(maxText!)} is below DataServiceVersion ${quoteSnippet(dsvText ?? '3.0')}; send 3.0 for both`,
      { header: 'MaxDataServiceVersion', value: maxText! },
    );
  }
  const apiText = header(headers, 'x-ms-version');
  let apiVersion = AMS_API_VERSION;
  if (apiText !== undefined) {
    const v = apiText.trim();
    if (!/^2\.\d{1,3}$/.test(v)) {
      throw new ODataHeaderError('AMS_API_VERSION_UNSUPPORTED', `x-ms-version ${quoteSnippet(apiText)} is not supported; this is the Media Services v2 API: send 2.x, e.g. ${AMS_API_VERSION}`, {
        header: 'x-ms-version',
        value: apiText,
      });
    }
    apiVersion = v;
  }
  // WCF Data Services writes the version with a trailing ';' ("3.0;"); clients accept both.
  const out: Record<string, string> = {
    DataServiceVersion: `${Math.floor(Math.min(max, 3))}.0;`,
    'x-ms-version': apiVersion,
  };
  // The docs name `client-request-id`; the .NET SDK sends `x-ms-client-request-id` (its
  // ClientRequestIdAdapter, a fresh GUID per context). Both are echoed.
  for (const name of REQUEST_ID_HEADERS) {
    const requestId = header(headers, name);
    if (requestId === undefined) continue;
    if (Buffer.byteLength(requestId, 'utf8') > 2048) {
      throw new ODataHeaderError('ODATA_HEADER_INVALID', `${name} is ${Buffer.byteLength(requestId, 'utf8')} bytes; the limit is 2 KB`, {
        header: name,
        value: requestId.slice(0, 64),
      });
    }
    out[name] = requestId;
  }
  return { dataServiceVersion: versionText(dsv), maxDataServiceVersion: max, apiVersion, headers: out };
}
