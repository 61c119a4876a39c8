/**
 * Resource paths and entity keys of the AMS v2 facade: `/api/Jobs('nb%3Ajid%3AUUID%3A…')/Tasks`.
 *
 * A key is a quoted OData string literal (`'…'`, a quote inside doubled) that may also be
 * percent-encoded, as AMS writes it in `__metadata.uri` and `Location`. Decoding is one
 * percent-decoding of the path, then the literal: so `Jobs('nb:jid:…')`, `Jobs('nb%3Ajid%3A…')` and
 * `Jobs(%27nb%3Ajid%3A…%27)` name the same job.
 */
import { ArgumentRangeError, ArgumentTypeError } from '../../errors.js';
import { ODataPathError, closestName, quoteSnippet } from './errors.js';

/** Entity sets the facade routes (reference §4–§10). */
export const ENTITY_SETS = [
  'Jobs',
  'Tasks',
  'MediaProcessors',
  'Assets',
  'JobTemplates',
  'TaskTemplates',
  'NotificationEndPoints',
  'EncodingReservedUnitTypes',
  // The rest of Media Services v2: named so that a client reaching for them gets 501 (not served)
  // rather than 404, which some SDKs read as "none" (the .NET SDK turns a 404 into an empty result).
  'ContentKeys',
  'AccessPolicies',
  'Locators',
  'Files',
  'IngestManifests',
  'IngestManifestAssets',
  'IngestManifestFiles',
  'StorageAccounts',
  'ContentKeyAuthorizationPolicies',
  'ContentKeyAuthorizationPolicyOptions',
  'AssetDeliveryPolicies',
  'StreamingEndpoints',
  'Channels',
  'Programs',
  'Operations',
] as const;

/**
 * Service operations of Media Services v2 this server does not serve (answered 501). The .NET SDK
 * calls the first two before it submits a job with `TaskOptions.ProtectedConfiguration`.
 */
export const UNSERVED_OPERATIONS = ['GetProtectionKeyId', 'GetProtectionKey', 'RebindContentKey', 'CreateFileInfos', 'Publish'] as const;

/** An entity set name. */
export type EntitySetName = (typeof ENTITY_SETS)[number];

/**
 * What a path names: an entity set, the `CancelJob` service operation, `$metadata`, `$batch`, or
 * `$service` for the service root (`/api/`).
 */
export type ResourceName = EntitySetName | (typeof UNSERVED_OPERATIONS)[number] | 'CancelJob' | '$metadata' | '$batch' | '$service';

/** A routed path. */
export interface ResourcePath {
  readonly collection: ResourceName;
  /** The decoded key of `Jobs('…')` (a guid key `guid'…'` gives the guid text). */
  readonly key?: string;
  /** The segment after the key: a navigation property (`Tasks`) or a property (`State`). */
  readonly navigation?: string;
  /** The path ends in `/$count`. */
  readonly count?: boolean;
  /** `Jobs('…')/$links/Tasks`: the links of `navigation`, not its entities. */
  readonly links?: boolean;
}

const isIdentStart = (c: number): boolean => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f;
const isIdentPart = (c: number): boolean => isIdentStart(c) || (c >= 0x30 && c <= 0x39);
const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const SPECIAL = new Set<string>(['CancelJob', '$metadata', '$batch', ...UNSERVED_OPERATIONS]);

/** True when `s` has no lone surrogate (encodeURIComponent would throw on one). */
function isWellFormed(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (!(d >= 0xdc00 && d <= 0xdfff)) return false;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      return false;
    }
  }
  return true;
}

/**
 * Writes an entity id as the key inside `Jobs(…)`: quoted, inner quotes doubled, percent-encoded
 * as AMS does (`nb:jid:UUID:…` → `'nb%3Ajid%3AUUID%3A…'`).
 *
 * @param id - the entity id
 * @returns the key literal, quotes included
 * @throws TypeError (`ERR_INVALID_ARG_TYPE`) if `id` is not a string
 * @throws RangeError (`ERR_INVALID_ARG_VALUE`) if `id` holds a lone surrogate, which no URL can carry
 * @example
 * ```ts
 * `Jobs(${encodeKey('nb:jid:UUID:1')})` // "Jobs('nb%3Ajid%3AUUID%3A1')"
 * ```
 */
export function encodeKey(id: string): string {
  if (typeof id !== 'string') throw new ArgumentTypeError(`encodeKey: expected \`id\` to be a string, got ${typeof id}`);
  if (!isWellFormed(id)) throw new ArgumentRangeError('encodeKey: `id` holds a lone surrogate, which a URL cannot carry', 'ERR_INVALID_ARG_VALUE');
  // encodeURIComponent leaves ' ( ) unescaped; the quote is doubled, the parentheses are safe
  // inside the quotes, and encoding them too keeps naive splitters from tripping.
  return `'${encodeURIComponent(id.replaceAll("'", "''")).replaceAll('(', '%28').replaceAll(')', '%29')}'`;
}

/**
 * Reads the key inside `Jobs(…)` as it appears in a URL path: percent-decoded once, then read as a
 * quoted literal. Inverse of {@link encodeKey}; raw keys (`'nb:jid:UUID:…'`) are accepted too.
 *
 * @param segment - the text between the parentheses, quotes included
 * @returns the entity id
 * @throws ODataPathError (`ODATA_PATH_INVALID`) on bad percent-encoding or a malformed literal
 */
export function decodeKey(segment: string): string {
  return parseKeyLiteral(percentDecode(segment, segment));
}

/**
 * Reads a quoted key literal that is already percent-decoded, such as the `jobid` parameter of
 * `CancelJob?jobid='…'` after `URLSearchParams`: `'O''Brien'` → `O'Brien`.
 *
 * @throws ODataPathError (`ODATA_PATH_INVALID`) unless the text is one quoted literal
 */
export function parseKeyLiteral(text: string): string {
  const r = readQuoted(text, 0);
  if ('error' in r) throw new ODataPathError(`key ${quoteSnippet(text)}: ${r.error}`, { path: text, position: r.at + 1 });
  if (r.end !== text.length) {
    throw new ODataPathError(`key ${quoteSnippet(text)}: unexpected ${quoteSnippet(text.slice(r.end), 20)} after the closing quote at position ${r.end + 1}; double a quote inside a key ('')`, {
      path: text,
      position: r.end + 1,
    });
  }
  return r.value;
}

/** Reads `'…'` at `start`; `''` is one quote. */
function readQuoted(text: string, start: number): { value: string; end: number } | { error: string; at: number } {
  if (text.charCodeAt(start) !== 0x27) {
    return { error: `expected a quoted key such as 'nb:jid:UUID:…' at position ${start + 1}`, at: start };
  }
  let value = '';
  let from = start + 1;
  for (;;) {
    const q = text.indexOf("'", from);
    if (q < 0) return { error: `the quote opened at position ${start + 1} is never closed`, at: start };
    if (text.charCodeAt(q + 1) === 0x27) {
      value += text.slice(from, q + 1);
      from = q + 2;
      continue;
    }
    value += text.slice(from, q);
    return { value, end: q + 1 };
  }
}

/** Percent-decodes `text`, which starts at 0-based `offset` of `path` (for positions in messages). */
function percentDecode(text: string, path: string, offset = 0): string {
  for (let i = text.indexOf('%'); i >= 0; i = text.indexOf('%', i + 1)) {
    if (!/^[0-9a-fA-F]{2}$/.test(text.slice(i + 1, i + 3))) {
      const position = offset + i + 1;
      throw new ODataPathError(`bad percent-encoding ${quoteSnippet(text.slice(i, i + 3))} at position ${position} of ${quoteSnippet(path, 80)}: '%' must be followed by two hex digits`, {
        path,
        position,
      });
    }
  }
  try {
    return decodeURIComponent(text);
  } catch (cause) {
    throw Object.assign(new ODataPathError(`bad percent-encoding in ${quoteSnippet(path, 80)}: the bytes are not UTF-8`, { path }), { cause });
  }
}

/**
 * Routes a request path (as `URL.pathname` gives it, still percent-encoded).
 *
 * Accepts an `/api` prefix in any case (`/api/`, `/API/`), an entity set with or without `()`, a
 * key, one navigation or property segment (or `$links/` and a navigation property), and a
 * trailing `/$count`; plus `CancelJob`,
 * `$metadata`, `$batch`, and the service root. One trailing `/` is ignored.
 *
 * @param pathname - e.g. `/api/Jobs('nb%3Ajid%3AUUID%3A…')/Tasks`
 * @returns what the path names; see {@link ResourcePath}
 * @throws ODataPathError `ODATA_PATH_INVALID` (400) for a malformed path or key — unbalanced
 *   quotes, bad percent-encoding, trailing junk; `ODATA_RESOURCE_NOT_FOUND` (404) for a path outside
 *   `/api` or an unknown entity set
 * @example
 * ```ts
 * parseResourcePath("/API/Jobs('nb:jid:UUID:1')/State"); // { collection: 'Jobs', key: 'nb:jid:UUID:1', navigation: 'State' }
 * ```
 */
export function parseResourcePath(pathname: string): ResourcePath {
  const raw = pathname;
  const prefix = /^\/api(?=\/|$)/i.exec(raw);
  if (prefix === null) {
    throw new ODataPathError(`path ${quoteSnippet(raw, 80)} is outside the service: paths start with /api/`, { path: raw, position: 1, code: 'ODATA_RESOURCE_NOT_FOUND' });
  }
  let text = percentDecode(raw.slice(4), raw, 4); // after '/api'
  if (text === '' || text === '/') return { collection: '$service' };
  text = text.slice(1); // the '/' after 'api'
  if (text.endsWith('/')) text = text.slice(0, -1);
  const base = 6; // 1-based position of text[0] in "/api/…", for messages
  const fail = (message: string, at: number): never => {
    throw new ODataPathError(`path ${quoteSnippet('/api/' + text, 80)}: ${message}`, { path: raw, position: base + at });
  };

  // The resource name.
  let i = 0;
  if (text.charCodeAt(0) === 0x24 /* $ */) i = 1;
  while (i < text.length && isIdentPart(text.charCodeAt(i))) i++;
  const name = text.slice(0, i);
  if (name === '' || name === '$') fail(`expected an entity set name at position ${base}`, 0);
  let collection: ResourceName;
  if ((ENTITY_SETS as readonly string[]).includes(name) || SPECIAL.has(name)) {
    collection = name as ResourceName;
  } else {
    const near = closestName(name, [...ENTITY_SETS, ...SPECIAL]);
    throw new ODataPathError(
      `no resource ${quoteSnippet(name)}${near !== undefined ? ` (did you mean ${quoteSnippet(near)}? names are case-sensitive)` : ''}; resources are ${[...ENTITY_SETS, 'CancelJob'].join(', ')}`,
      { path: raw, position: base, code: 'ODATA_RESOURCE_NOT_FOUND' },
    );
  }

  // The key: (), ('…') or (guid'…').
  let key: string | undefined;
  if (text.charCodeAt(i) === 0x28 /* ( */) {
    const open = i;
    i++;
    if (text.charCodeAt(i) !== 0x29) {
      if (collection === '$metadata' || collection === '$batch' || collection === 'CancelJob') fail(`${collection} takes no key`, open);
      let literalStart = i;
      const isGuid = text.slice(i, i + 5).toLowerCase() === "guid'";
      if (isGuid) literalStart = i + 4;
      else if (text.charCodeAt(i) !== 0x27) fail(`keys are quoted strings, e.g. ${collection}('nb:jid:UUID:…'); found ${quoteSnippet(text.slice(i, i + 12))} at position ${base + i}`, i);
      const r = readQuoted(text, literalStart);
      if ('error' in r) return fail(`unbalanced quote in the key: ${r.error.replace(/position (\d+)/, (_, p: string) => `position ${base + Number(p) - 1}`)}`, r.at);
      if (isGuid && !GUID.test(r.value)) fail(`invalid guid key ${quoteSnippet(r.value)} at position ${base + literalStart}`, literalStart);
      key = isGuid ? r.value.toLowerCase() : r.value;
      i = r.end;
    }
    if (text.charCodeAt(i) !== 0x29) {
      fail(`expected ')' to close the key opened at position ${base + open}, found ${i < text.length ? quoteSnippet(text.slice(i, i + 12)) : 'the end'}; double a quote inside a key ('')`, i);
    }
    i++;
  }

  // Then nothing, /$count, or /Segment[/$count].
  let navigation: string | undefined;
  let count = false;
  let links = false;
  if (i < text.length) {
    if (text.charCodeAt(i) !== 0x2f) fail(`unexpected ${quoteSnippet(text.slice(i, i + 12))} at position ${base + i}`, i);
    i++;
    if (text.startsWith('$links/', i) && key !== undefined) {
      links = true;
      i += 7;
    }
    const segStart = i;
    if (!links && text.startsWith('$count', i) && i + 6 === text.length) {
      count = true;
      i += 6;
    } else {
      if (key === undefined) fail(`${quoteSnippet(text.slice(segStart))} needs a key first: ${collection}('id')/${text.slice(segStart)}`, segStart);
      if (!isIdentStart(text.charCodeAt(i))) fail(`expected a property name at position ${base + i}, found ${i < text.length ? quoteSnippet(text.slice(i, i + 12)) : 'the end'}`, i);
      while (i < text.length && isIdentPart(text.charCodeAt(i))) i++;
      navigation = text.slice(segStart, i);
      if (!links && text.startsWith('/$count', i) && i + 7 === text.length) {
        count = true;
        i += 7;
      }
    }
    if (i < text.length) fail(`unexpected ${quoteSnippet(text.slice(i, i + 12))} at position ${base + i}; one key and one property segment at most`, i);
  }
  if ((collection === '$metadata' || collection === '$batch' || collection === 'CancelJob') && (count || navigation !== undefined)) {
    fail(`${collection} takes no further segments`, name.length);
  }

  const out: { collection: ResourceName; key?: string; navigation?: string; count?: boolean; links?: boolean } = { collection };
  if (key !== undefined) out.key = key;
  if (navigation !== undefined) out.navigation = navigation;
  if (count) out.count = true;
  if (links) out.links = true;
  return out;
}

/**
 * An entity's canonical URI, as `__metadata.uri` and `Location` carry it.
 *
 * @param baseUri - the service root, e.g. `https://media.windows.net/api` (a trailing `/` is dropped)
 * @param set - the entity set, e.g. `Jobs`
 * @param id - the entity id
 */
export function entityUri(baseUri: string, set: string, id: string): string {
  return `${baseUri.endsWith('/') ? baseUri.slice(0, -1) : baseUri}/${set}(${encodeKey(id)})`;
}
