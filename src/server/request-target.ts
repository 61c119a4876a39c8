/**
 * The request target of an HTTP request, split into its path and a strictly decoded query.
 * `URLSearchParams` quietly keeps a bad `%zz` and turns bytes that are not UTF-8 into U+FFFD; a
 * `$filter` read that way would match the wrong thing, so a malformed query is refused instead,
 * with the position of the bad escape.
 */
import { ODataQueryError } from './odata/index.js';
import { HttpError } from './errors.js';

/** A request target: the path, still percent-encoded (as `parseResourcePath` takes it), and the query. */
export interface RequestTarget {
  readonly pathname: string;
  readonly query: URLSearchParams;
  /** The raw query text, without `?`. */
  readonly rawQuery: string;
}

/** Most parameters a query may have. */
const MAX_PARAMETERS = 64;

/**
 * Splits `req.url`. Origin-form (`/api/Jobs?…`) is the norm; absolute-form
 * (`http://host/api/Jobs`, as a proxy sends it) is accepted and its authority ignored.
 *
 * @throws HttpError `REQUEST_TARGET_INVALID` (400) for `*` or anything that is not a path
 * @throws ODataQueryError (400) for a malformed query, naming the parameter and position
 */
export function parseRequestTarget(url: string | undefined): RequestTarget {
  let target = url ?? '';
  const absolute = /^https?:\/\/[^/?#]*/i.exec(target);
  if (absolute !== null) target = target.slice(absolute[0].length) || '/';
  if (!target.startsWith('/')) {
    throw new HttpError(400, 'REQUEST_TARGET_INVALID', `the request target ${JSON.stringify(target.slice(0, 40))} is not a path; request e.g. /api/Jobs`);
  }
  const hash = target.indexOf('#');
  if (hash >= 0) target = target.slice(0, hash);
  const q = target.indexOf('?');
  const pathname = q < 0 ? target : target.slice(0, q);
  const rawQuery = q < 0 ? '' : target.slice(q + 1);
  return { pathname, query: decodeQuery(rawQuery), rawQuery };
}

/**
 * Decodes `application/x-www-form-urlencoded` query text as OData servers do (`+` is a space),
 * refusing what `URLSearchParams` would silently repair.
 *
 * @throws ODataQueryError (`ODATA_QUERY_INVALID`) for a bad escape, bytes that are not UTF-8, or too many parameters
 */
export function decodeQuery(rawQuery: string): URLSearchParams {
  const out = new URLSearchParams();
  if (rawQuery === '') return out;
  let offset = 0;
  let count = 0;
  for (const part of rawQuery.split('&')) {
    const start = offset;
    offset += part.length + 1;
    if (part === '') continue;
    if (++count > MAX_PARAMETERS) {
      throw new ODataQueryError(`the query has more than ${MAX_PARAMETERS} parameters`, { option: '?', position: start + 1 });
    }
    const eq = part.indexOf('=');
    const rawName = eq < 0 ? part : part.slice(0, eq);
    const rawValue = eq < 0 ? '' : part.slice(eq + 1);
    const name = decodeComponent(rawName, rawName, start);
    const value = decodeComponent(rawValue, name, start + (eq < 0 ? 0 : eq + 1));
    out.append(name, value);
  }
  return out;
}

function decodeComponent(raw: string, option: string, offset: number): string {
  const text = raw.replaceAll('+', ' ');
  for (let i = text.indexOf('%'); i >= 0; i = text.indexOf('%', i + 1)) {
    if (!/^[0-9a-fA-F]{2}$/.test(text.slice(i + 1, i + 3))) {
      const position = offset + i + 1;
      throw new ODataQueryError(
        `${option}: bad percent-encoding ${JSON.stringify(text.slice(i, i + 3))} at position ${position} of the query: '%' must be followed by two hex digits (write a literal % as %25)`,
        { option, position, token: text.slice(i, i + 3) },
      );
    }
  }
  try {
    return decodeURIComponent(text);
  } catch {
    throw new ODataQueryError(`${option}: the percent-encoded bytes at position ${offset + 1} of the query are not UTF-8`, { option, position: offset + 1 });
  }
}
