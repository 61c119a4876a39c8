/**
 * Writes the Atom/XML forms of OData v3 (`application/atom+xml`, `application/xml`) that the
 * official Media Services SDKs read: feeds (entity set lists), entries (single entities), property
 * documents and `$links` documents, plus the XML error body. Each function takes the same entity
 * views and entity-set description as the JSON writers of format.ts, so the handler can call one
 * or the other by the negotiated format.
 *
 * The shape follows what AMS itself sends (v2 REST reference, Job page, the `$batch` response):
 * `xml:base` on the root, an absolute `<id>`, the type as a category, `edit` and related links
 * relative to `xml:base`, then `<title/>`, `<updated>`, `<author><name/></author>` and
 * `<content type="application/xml"><m:properties>`. Properties are written in the entity's own
 * order; strings carry no `m:type`, other primitives do; nulls are `m:null="true"` (untyped, as AMS
 * writes them); complex collections carry `m:type="Collection(<element type>)"` and hold one
 * `<d:element>` per item.
 *
 * Dates may reach the writer in any form the entity views hold them: epoch ms, a `Date`, ISO 8601
 * text, or `/Date(ms)/`. They are written as ISO 8601 UTC (`2020-04-15T18:45:24.54Z`); Atom has no
 * other date form.
 *
 * Text: `&`, `<`, `>` are escaped everywhere, `"` and TAB/LF in attribute values, and CR everywhere
 * (as `&#13;`), so a value goes through an XML parser unchanged, CRLFs of a stored TaskBody
 * included. Characters that XML 1.0 cannot carry at all, not even as a character reference (C0
 * controls other than TAB, LF and CR; U+FFFE, U+FFFF; lone surrogates), are written as U+FFFD
 * REPLACEMENT CHARACTER: a task whose Name holds U+0001 (JSON can carry it) still reads back as a
 * well-formed document, where refusing would make the entity unreadable in Atom. JSON keeps the
 * exact value.
 */
import { ArgumentRangeError, ArgumentTypeError } from '../../errors.js';
import { EDM_TYPES, type ODataPrimitiveType } from './evaluate.js';
import { formatDateIso, parseODataDate } from './format.js';
import { encodeKey, entityUri } from './resource-path.js';
import {
  ATOM_NS,
  COMPLEX_TYPES,
  DATA_NS,
  FEED_LINK_TYPE,
  METADATA_NS,
  RELATED_REL,
  TYPE_SCHEME,
  shortTypeName,
  type AtomEntitySet,
} from './atom-common.js';

/** Content-Type of an Atom entry, as AMS labels it. */
export const ATOM_ENTRY_CONTENT_TYPE = 'application/atom+xml;type=entry;charset=utf-8';
/** Content-Type of an Atom feed. */
export const ATOM_FEED_CONTENT_TYPE = 'application/atom+xml;type=feed;charset=utf-8';
/** Content-Type of a property, `$links` or error document. */
export const XML_CONTENT_TYPE = 'application/xml;charset=utf-8';

const XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>';
const NS_DECLARATIONS = `xmlns="${ATOM_NS}" xmlns:d="${DATA_NS}" xmlns:m="${METADATA_NS}"`;
const DM_DECLARATIONS = `xmlns:d="${DATA_NS}" xmlns:m="${METADATA_NS}"`;

/** Options every Atom document takes. */
export interface AtomWriteOptions {
  /** Service root, e.g. `https://media.windows.net/api`. */
  readonly baseUri: string;
  /**
   * The time written in `<updated>`, epoch ms (cut to the second, as WCF Data Services writes it).
   * @defaultValue `Date.now()`
   */
  readonly updated?: number;
}

/** Options of {@link atomEntry}. */
export interface AtomEntryOptions extends AtomWriteOptions {
  /** The entity's key. @defaultValue its `Id` */
  readonly key?: string;
  /** `$select`: navigation links are written only for the names selected. */
  readonly select?: readonly string[];
}

/** Options of {@link atomFeed}. */
export interface AtomFeedOptions extends AtomWriteOptions {
  /**
   * The feed's path under the service root, already percent-encoded as in a URL:
   * `Jobs`, `Jobs('nb%3Ajid%3AUUID%3A…')/Tasks`. Its last segment is the feed's title.
   * @defaultValue the set's name
   */
  readonly path?: string;
  /** `$select`, as for {@link atomEntry}. */
  readonly select?: readonly string[];
  /**
   * The entities' keys, one per item in order. Needed when `$select` left `Id` out of the items:
   * each entry still has its `<id>` and edit link, as OData v3 writes a projection.
   * @defaultValue each item's `Id`
   */
  readonly keys?: readonly string[];
  /** `$inlinecount=allpages`: the number of matches, written as `<m:count>`. */
  readonly count?: number;
  /** The absolute URI of the next page, written as `<link rel="next">` after the entries. */
  readonly next?: string;
}

// ------------------------------------------------------------------------------------- text

const NEEDS_ESCAPE = /[&<>"\u0000-\u001f\ud800-\udfff\ufffe\uffff]/;

/**
 * Escapes text for XML 1.0 character data (`attribute: false`) or a double-quoted attribute value;
 * characters XML 1.0 cannot carry become U+FFFD (see the module comment).
 */
export function escapeXml(text: string, attribute = false): string {
  if (!NEEDS_ESCAPE.test(text)) return text;
  let out = '';
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    let rep: string | undefined;
    if (c === 0x26) rep = '&amp;';
    else if (c === 0x3c) rep = '&lt;';
    else if (c === 0x3e) rep = '&gt;';
    else if (c === 0x0d) rep = '&#13;';
    else if (c === 0x22) rep = attribute ? '&quot;' : undefined;
    else if (c === 0x0a) rep = attribute ? '&#10;' : undefined;
    else if (c === 0x09) rep = attribute ? '&#9;' : undefined;
    else if (c < 0x20 || c === 0xfffe || c === 0xffff) rep = '\ufffd';
    else if (c >= 0xd800 && c <= 0xdbff) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++; // a pair: kept as is
      else rep = '\ufffd';
    } else if (c >= 0xdc00 && c <= 0xdfff) rep = '\ufffd';
    if (rep !== undefined) {
      out += text.slice(start, i) + rep;
      start = i + 1;
    }
  }
  return out + text.slice(start);
}

const attr = (s: string): string => escapeXml(s, true);

// ------------------------------------------------------------------------------------- values

/** An Edm.Double as XML Schema writes it: `NaN`, `INF`, `-INF`, else the shortest JS form. */
function doubleText(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return 'INF';
  if (n === -Infinity) return '-INF';
  return String(n);
}

/**
 * A date in any form an entity view holds it, as ISO 8601 UTC. Never throws: a value that is no
 * date (an invalid Date, text of another form) is written as its text, so one bad value cannot
 * make a whole list unreadable.
 */
function dateText(v: unknown): string {
  try {
    if (v instanceof Date) return formatDateIso(v.getTime());
    if (typeof v === 'number') return formatDateIso(v);
    return formatDateIso(parseODataDate(String(v)));
  } catch {
    return String(v);
  }
}

function primitiveText(v: unknown, type: ODataPrimitiveType): string {
  switch (type) {
    case 'int':
    case 'double':
      return typeof v === 'number' ? doubleText(v) : String(v);
    case 'boolean':
      return v === true ? 'true' : v === false ? 'false' : String(v);
    case 'datetime':
      return dateText(v);
    default:
      return String(v);
  }
}

/** The type of a value no schema describes. */
function inferType(v: unknown): ODataPrimitiveType {
  if (typeof v === 'boolean') return 'boolean';
  if (typeof v === 'number') return Number.isInteger(v) && v >= -2147483648 && v <= 2147483647 ? 'int' : 'double';
  if (v instanceof Date) return 'datetime';
  return 'string';
}

/**
 * One property element: `<d:Name m:type="…">value</d:Name>`. `type` is the schema's, `undefined`
 * when no schema knows the property; `elementType` the type of a complex collection's elements.
 * `extra` goes into the start tag (namespace declarations of a property document).
 */
function propertyXml(name: string, value: unknown, type: string | undefined, elementType: string | undefined, extra = ''): string {
  const tag = `d:${name}`;
  if (value === null || value === undefined) return `<${tag}${extra} m:null="true" />`;
  if (type === 'collection' || Array.isArray(value)) {
    const items = Array.isArray(value) ? value : [];
    const typeAttr = elementType !== undefined ? ` m:type="${attr(`Collection(${elementType})`)}"` : '';
    if (items.length === 0) return `<${tag}${extra}${typeAttr} />`;
    let inner = '';
    for (const item of items) inner += elementXml(item, elementType);
    return `<${tag}${extra}${typeAttr}>${inner}</${tag}>`;
  }
  if (typeof value === 'object' && !(value instanceof Date)) {
    // A complex value no schema describes: its properties, typed by their values.
    return `<${tag}${extra}>${complexPropertiesXml(value as Record<string, unknown>, undefined)}</${tag}>`;
  }
  const primitive: ODataPrimitiveType = type !== undefined && type !== 'navigation' && Object.hasOwn(EDM_TYPES, type) ? (type as ODataPrimitiveType) : inferType(value);
  const typeAttr = primitive === 'string' ? '' : ` m:type="${EDM_TYPES[primitive]}"`;
  const text = primitiveText(value, primitive);
  return text === '' ? `<${tag}${extra}${typeAttr} />` : `<${tag}${extra}${typeAttr}>${escapeXml(text)}</${tag}>`;
}

/** One `<d:element>` of a collection. */
function elementXml(item: unknown, elementType: string | undefined): string {
  if (item === null || item === undefined) return '<d:element m:null="true" />';
  if (typeof item === 'object' && !(item instanceof Date)) {
    return `<d:element>${complexPropertiesXml(item as Record<string, unknown>, elementType)}</d:element>`;
  }
  // A collection of primitives (no AMS property has one; kept for completeness).
  const primitive = inferType(item);
  const typeAttr = primitive === 'string' ? '' : ` m:type="${EDM_TYPES[primitive]}"`;
  return `<d:element${typeAttr}>${escapeXml(primitiveText(item, primitive))}</d:element>`;
}

function complexPropertiesXml(value: Record<string, unknown>, complexType: string | undefined): string {
  const types = complexType !== undefined ? COMPLEX_TYPES[complexType] : undefined;
  let out = '';
  for (const name of Object.keys(value)) {
    if (name === '__metadata') continue;
    out += propertyXml(name, value[name], types !== undefined && Object.hasOwn(types, name) ? types[name] : undefined, undefined);
  }
  return out;
}

// ------------------------------------------------------------------------------------- entries

function checkBase(call: string, options: AtomWriteOptions): string {
  if (options === null || typeof options !== 'object' || typeof options.baseUri !== 'string') {
    throw new ArgumentTypeError(`${call}: expected \`options.baseUri\` to be a string (the service root, e.g. https://media.windows.net/api)`);
  }
  return options.baseUri.endsWith('/') ? options.baseUri.slice(0, -1) : options.baseUri;
}

function updatedText(options: AtomWriteOptions): string {
  const ms = options.updated ?? Date.now();
  return formatDateIso(Math.floor(ms / 1000) * 1000);
}

/**
 * The key an entry is written under: the one given, else the entity's `Id`. A `$select` that
 * leaves `Id` out still gets entries, so the caller passes the key it read before projecting.
 */
function entryKey(call: string, keyOption: string, info: AtomEntitySet, entity: object, key: string | undefined): string {
  const id = key ?? (entity as { Id?: unknown }).Id;
  if (typeof id !== 'string') {
    throw new ArgumentTypeError(`${call}: the ${info.set} entity has no string \`Id\`; pass \`options.${keyOption}\``, 'ERR_INVALID_ARG_VALUE');
  }
  return id;
}

/** The `<entry>` element, without namespace declarations (the caller's root has them). */
function entryXml(info: AtomEntitySet, entity: object, id: string, base: string, updated: string, select: readonly string[] | undefined, rootAttrs: string): string {
  const view = entity as Record<string, unknown>;
  const self = `${info.set}(${encodeKey(id)})`;
  const nav = select === undefined ? info.navigation : info.navigation.filter((n) => select.includes(n));
  let out = `<entry${rootAttrs}><id>${escapeXml(entityUri(base, info.set, id))}</id>`;
  out += `<category term="${attr(info.type)}" scheme="${TYPE_SCHEME}" />`;
  out += `<link rel="edit" title="${attr(shortTypeName(info.type))}" href="${attr(self)}" />`;
  for (const name of nav) {
    out += `<link rel="${attr(RELATED_REL + name)}" type="${FEED_LINK_TYPE}" title="${attr(name)}" href="${attr(`${self}/${name}`)}" />`;
  }
  out += `<title /><updated>${updated}</updated><author><name /></author><content type="application/xml"><m:properties>`;
  for (const name of Object.keys(view)) {
    if (name === '__metadata' || info.navigation.includes(name)) continue;
    const type = Object.hasOwn(info.schema, name) ? info.schema[name] : undefined;
    out += propertyXml(name, view[name], type, Object.hasOwn(info.collections, name) ? info.collections[name] : undefined);
  }
  return `${out}</m:properties></content></entry>`;
}

/**
 * One entity as an Atom entry document, as `GET /api/Jobs('…')` answers in Atom.
 *
 * @param info - the entity's set: `JOBS`, `TASKS`… of entities.ts (any {@link AtomEntitySet})
 * @param entity - the entity view (already `$select`ed, if it was), dates in any form
 * @param options - `baseUri`; `updated` (epoch ms, default now); `key` (default the entity's
 *   `Id`); `select` (navigation links written)
 * @returns the XML text, declaration included
 * @throws TypeError (`ERR_INVALID_ARG_TYPE`) without a string `baseUri`; (`ERR_INVALID_ARG_VALUE`)
 *   if the entity has no key
 * @example
 * ```ts
 * atomEntry(JOBS, jobEntity(view, 'iso'), { baseUri: 'https://media.windows.net/api' });
 * // <?xml …?><entry xml:base="https://media.windows.net/api/" …><id>https://…/Jobs('nb%3Ajid…')</id>…
 * ```
 */
export function atomEntry(info: AtomEntitySet, entity: object, options: AtomEntryOptions): string {
  const base = checkBase('atomEntry', options);
  const root = ` xml:base="${attr(base)}/" ${NS_DECLARATIONS}`;
  return XML_DECLARATION + entryXml(info, entity, entryKey('atomEntry', 'key', info, entity, options.key), base, updatedText(options), options.select, root);
}

/**
 * A list of entities as an Atom feed document, as `GET /api/Jobs` answers in Atom: `<m:count>`
 * when `count` is given (`$inlinecount=allpages`), a `next` link when `next` is.
 *
 * @param info - the entities' set
 * @param items - entity views (already `$select`ed)
 * @param options - see {@link AtomFeedOptions}
 * @returns the XML text, declaration included
 * @throws TypeError as {@link atomEntry} (an item without a string `Id` needs `options.keys`);
 *   RangeError (`ERR_INVALID_ARG_VALUE`) if `keys` does not hold one key per item
 */
export function atomFeed(info: AtomEntitySet, items: readonly object[], options: AtomFeedOptions): string {
  const base = checkBase('atomFeed', options);
  const keys = options.keys;
  if (keys !== undefined && keys.length !== items.length) {
    throw new ArgumentRangeError(`atomFeed: expected one key per item in \`options.keys\`, got ${keys.length} keys for ${items.length} items`, 'ERR_INVALID_ARG_VALUE');
  }
  const path = options.path ?? info.set;
  const title = path.slice(path.lastIndexOf('/') + 1);
  const updated = updatedText(options);
  let out = `${XML_DECLARATION}<feed xml:base="${attr(base)}/" ${NS_DECLARATIONS}>`;
  out += `<id>${escapeXml(`${base}/${path}`)}</id><title type="text">${escapeXml(title)}</title><updated>${updated}</updated>`;
  out += `<link rel="self" title="${attr(title)}" href="${attr(path)}" />`;
  if (options.count !== undefined) out += `<m:count>${options.count}</m:count>`;
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    out += entryXml(info, item, entryKey('atomFeed', 'keys', info, item, keys?.[i]), base, updated, options.select, '');
  }
  if (options.next !== undefined) out += `<link rel="next" href="${attr(options.next)}" />`;
  return `${out}</feed>`;
}

/**
 * One property's value as an XML document, as `GET /api/Jobs('…')/State` answers in XML:
 * `<d:State xmlns:d="…" xmlns:m="…" m:type="Edm.Int32">2</d:State>`; a complex collection as
 * `<d:ErrorDetails … m:type="Collection(…)"><d:element>…</d:element></d:ErrorDetails>`.
 *
 * @param info - the set whose schema types the property
 * @param name - the property (not a navigation property)
 * @param value - its value, as the entity view holds it
 */
export function atomProperty(info: AtomEntitySet, name: string, value: unknown): string {
  const type = Object.hasOwn(info.schema, name) ? info.schema[name] : undefined;
  const elementType = Object.hasOwn(info.collections, name) ? info.collections[name] : undefined;
  return XML_DECLARATION + propertyXml(name, value, type, elementType, ` ${DM_DECLARATIONS}`);
}

/**
 * A `$links` document for a collection: `<links xmlns="…dataservices"><uri>…</uri>…</links>`,
 * with `<m:count>` and a `<next>` URI when given, as OData v3 writes them.
 *
 * @param uris - absolute URIs of the linked entities
 */
export function atomLinks(uris: readonly string[], options: { count?: number; next?: string } = {}): string {
  let out = `${XML_DECLARATION}<links xmlns="${DATA_NS}"${options.count !== undefined ? ` xmlns:m="${METADATA_NS}"` : ''}>`;
  if (options.count !== undefined) out += `<m:count>${options.count}</m:count>`;
  for (const uri of uris) out += `<uri>${escapeXml(uri)}</uri>`;
  if (options.next !== undefined) out += `<next>${escapeXml(options.next)}</next>`;
  return `${out}</links>`;
}

/** A `$links` document for a single link: `<uri xmlns="…dataservices">…</uri>`. */
export function atomUri(uri: string): string {
  return `${XML_DECLARATION}<uri xmlns="${DATA_NS}">${escapeXml(uri)}</uri>`;
}

/**
 * An OData v3 error in XML: `<m:error><m:code>…</m:code><m:message xml:lang="en-US">…</m:message>
 * </m:error>`, with `<m:innererror>` holding `innererror`'s text when given.
 */
export function atomError(code: string, message: string, innererror?: string): string {
  let out = `${XML_DECLARATION}<m:error xmlns:m="${METADATA_NS}"><m:code>${escapeXml(code)}</m:code><m:message xml:lang="en-US">${escapeXml(message)}</m:message>`;
  if (innererror !== undefined) out += `<m:innererror>${escapeXml(innererror)}</m:innererror>`;
  return `${out}</m:error>`;
}


/**
 * The service document in its AtomPub form (`GET /api/` with Atom asked for): one workspace
 * listing each entity set as a collection, relative to `xml:base`.
 */
export function atomServiceDocument(baseUri: string, sets: readonly string[]): string {
  const base = baseUri.endsWith('/') ? baseUri : `${baseUri}/`;
  const collections = sets.map((set) => `<collection href="${escapeXml(set, true)}"><atom:title>${escapeXml(set)}</atom:title></collection>`).join('');
  return `<?xml version="1.0" encoding="utf-8"?><service xml:base="${escapeXml(base, true)}" xmlns="http://www.w3.org/2007/app" xmlns:atom="${ATOM_NS}"><workspace><atom:title>Default</atom:title>${collections}</workspace></service>`;
}
