/**
 * Reads the Atom request bodies of OData v3 that the official Media Services SDKs send: an entry
 * (`POST /api/Jobs`, `POST /api/Tasks` inside a `$batch`), and a `$links` document
 * (`POST /api/Jobs('…')/$links/InputMediaAssets`). An entry becomes the plain object the JSON path
 * takes (`loadJob`), so everything after the reader — validation, diagnostics, submission — is
 * the same for both formats:
 *
 * ```
 * <entry xmlns="http://www.w3.org/2005/Atom" xmlns:d=… xmlns:m=…>
 *   <link rel="…/related/InputMediaAssets" href="https://…/Assets('nb%3Acid%3A…')"/>   → InputMediaAssets: [{ __metadata: { uri } }]
 *   <link rel="…/related/Tasks"><m:inline><feed><entry>…</entry></feed></m:inline></link> → Tasks: [{ … }]
 *   <content type="application/xml"><m:properties>
 *     <d:Name>x</d:Name> <d:Priority m:type="Edm.Int32">3</d:Priority>          → Name: 'x', Priority: 3
 *     <d:TemplateId m:null="true"/>                                               → TemplateId: null
 *     <d:JobNotificationSubscriptions><d:element>…</d:element></d:JobNotificationSubscriptions> → [{ … }]
 * ```
 *
 * What real clients send, and how it is read (facts from the v2 REST reference's `$batch` sample of
 * the .NET SDK, the PHP SDK's `ContentPropertiesSerializer` and `createJob`, the Java SDK's
 * `CreateJobOperation`):
 * - Namespaces are resolved, prefixes are not compared: the PHP SDK writes `atom:`, `meta:` and
 *   `data:` prefixes, declared on each element.
 * - `m:type` converts the text (Edm.Int32 → number, Edm.Boolean → boolean, Edm.DateTime → ISO 8601
 *   UTC text, `Collection(…)` → array). Without `m:type` (the PHP SDK never writes one; the .NET
 *   SDK leaves it off collections), a property the entity set's schema declares is converted by its
 *   declared type, and any other property is a string — or an object, or an array when it holds
 *   `d:element`s. Values that do not fit their type are refused (ATOM_VALUE_INVALID). Edm.Double's
 *   `INF`, `-INF` and `NaN` are read as such; JSON, which the JSON path is handed, writes them
 *   `null`.
 * - A null or empty `Id` is dropped: the .NET SDK sends `<d:Id m:null="true"/>` for a new Job and
 *   `<d:Id></d:Id>` for a new Task, and the service assigns both. Read-only properties it echoes
 *   (`Created`, `State`, …) are passed on; the loader ignores them as it does in JSON.
 * - Each related link is one entity: `InputMediaAssets` links (one per asset) become
 *   `{ __metadata: { uri: href } }`, in document order. An `m:inline` feed (or entry) is read as
 *   entries of the set `options.related` names for that link (`{ Tasks: TASKS }`); an inline entry
 *   of any other link (an asset) becomes `{ __metadata: { uri: <its id or edit link> }, … }`. A
 *   link to a set listed in `options.related` without
 *   `m:inline` is refused: those entities are created inline, not bound.
 * - A relative `href` is resolved against `xml:base` when one is in scope, else kept as written
 *   (the loader reads the asset id from `Assets('…')` either way).
 *
 * Safety: the text is bounded (`maxLength`), so are the depth and number of elements; any DOCTYPE
 * is refused (saxes reads it — within `maxLength` — but expands no entity, and the reader stops at
 * its end); the first XML mistake stops the reading. Every refusal is an {@link AtomReadError} with
 * a stable code, the 1-based line and column where it lies, and a hint.
 */
import { SaxesParser, type SaxesTagNS } from 'saxes';
import { JobGraphError, checkMaxOption } from '../../errors.js';
import { LineMap } from '../../taskbody/position.js';
import { EDM_TYPES, type ODataPrimitiveType, type ODataPropertyType } from './evaluate.js';
import { formatDateIso, parseODataDate } from './format.js';
import { ATOM_NS, COMPLEX_TYPES, DATA_NS, METADATA_NS, RELATED_REL, TYPE_SCHEME, XML_NS, type AtomEntitySet } from './atom-common.js';

/** Codes of {@link AtomReadError}; stable, never renamed. */
export const ATOM_READ_ERROR_CODES = {
  /** The text is longer than `maxLength`, or has more elements than `maxElements`. 413. */
  TOO_LARGE: 'ATOM_TOO_LARGE',
  /** Elements nest deeper than `maxDepth`. 400. */
  TOO_DEEP: 'ATOM_TOO_DEEP',
  /** The document has a DOCTYPE. 400. */
  DOCTYPE_FORBIDDEN: 'ATOM_DOCTYPE_FORBIDDEN',
  /** The text is not well-formed XML (with namespaces). 400. */
  MALFORMED: 'ATOM_MALFORMED',
  /** The root element is not the one expected (`atom:entry`; `d:links` or `d:uri`). 400. */
  ROOT_INVALID: 'ATOM_ROOT_INVALID',
  /** The entry's category names another entity type. 400. */
  ENTITY_TYPE_INVALID: 'ATOM_ENTITY_TYPE_INVALID',
  /** The entry's content or a property is not shaped as OData Atom says. 400. */
  CONTENT_INVALID: 'ATOM_CONTENT_INVALID',
  /** A property is given twice. 400. */
  PROPERTY_DUPLICATE: 'ATOM_PROPERTY_DUPLICATE',
  /** An `m:type` names a type the reader does not know. 400. */
  TYPE_UNSUPPORTED: 'ATOM_TYPE_UNSUPPORTED',
  /** A value does not fit its type (`m:type`, or the schema's), or `m:null` is not true/false. 400. */
  VALUE_INVALID: 'ATOM_VALUE_INVALID',
  /** A link has no `href`, a `$links` `<uri>` is empty, or entities to create inline are linked. 400. */
  LINK_INVALID: 'ATOM_LINK_INVALID',
} as const;

/** One of {@link ATOM_READ_ERROR_CODES}. */
export type AtomReadErrorCode = (typeof ATOM_READ_ERROR_CODES)[keyof typeof ATOM_READ_ERROR_CODES];

/** An Atom or XML request body the reader refuses. The message holds the place and the hint. */
export class AtomReadError extends JobGraphError {
  declare readonly code: AtomReadErrorCode;
  /** HTTP status to answer with: 413 for ATOM_TOO_LARGE, else 400. */
  readonly status: number;
  /** 1-based line of the spot, when the error has one. */
  readonly line: number | undefined;
  /** 1-based column (UTF-16 code units). */
  readonly column: number | undefined;
  /** What to do about it. */
  readonly hint: string | undefined;

  constructor(code: AtomReadErrorCode, message: string, details: { line?: number; column?: number; hint?: string } = {}) {
    const where = details.line !== undefined ? `${details.line}:${details.column ?? 1}: ` : '';
    super(code, `${where}${message}${details.hint !== undefined ? ` (hint: ${details.hint})` : ''}`);
    this.status = code === 'ATOM_TOO_LARGE' ? 413 : 400;
    this.line = details.line;
    this.column = details.column;
    this.hint = details.hint;
  }
}

/** Options of {@link readAtomEntry} and {@link readAtomLinks}. */
export interface AtomReadOptions {
  /** Longest text, in UTF-16 code units. @defaultValue 1048576 (the server's default body limit) */
  readonly maxLength?: number;
  /** Deepest element nesting. @defaultValue 32 (a Job with inline Tasks nests 10 deep) */
  readonly maxDepth?: number;
  /** Most elements. @defaultValue 100000 */
  readonly maxElements?: number;
  /**
   * The sets of entities created inline, by navigation property: `{ Tasks: TASKS }` for a Job.
   * Their `m:inline` entries are read with that set's schema.
   * @defaultValue none
   */
  readonly related?: Readonly<Record<string, AtomEntitySet>>;
}

/** Default `maxLength`: the server's default body limit (1 MiB), in characters, which UTF-8 bytes never undercount. */
export const DEFAULT_MAX_LENGTH = 1024 * 1024;
/** Default `maxDepth`: three times what a Job with inline Tasks needs (10: entry, link, m:inline, feed, entry, content, m:properties, a collection, d:element, its property). */
export const DEFAULT_MAX_DEPTH = 32;
/**
 * Default `maxElements`. A 30-task Job is some 600 elements; the tree kept for one body is a few
 * hundred bytes an element, so the cap holds it to tens of MB whatever the body.
 */
export const DEFAULT_MAX_ELEMENTS = 100_000;

// ------------------------------------------------------------------------------------- tree

/** An element as the reader keeps it: small, and only for the length of one call. */
interface XEl {
  readonly ns: string;
  readonly local: string;
  /** The name as written, for messages. */
  readonly name: string;
  /** Attributes by `{uri}local`, or `local` when unqualified. */
  readonly attrs: Record<string, string>;
  readonly children: XEl[];
  text: string;
  /** Offset of its `<`. */
  readonly offset: number;
}

const XML_BASE = `{${XML_NS}}base`;
const M_TYPE = `{${METADATA_NS}}type`;
const M_NULL = `{${METADATA_NS}}null`;

type Parser = SaxesParser<{ xmlns: true; position: false }>;

/** saxes makes an Error with a stack for each problem; we read only the message. */
class QuietParser extends SaxesParser<{ xmlns: true; position: false }> {
  override makeError(message: string): Error {
    return { name: 'Error', message } as Error;
  }
}

interface Limits {
  maxLength: number;
  maxDepth: number;
  maxElements: number;
}

function readLimits(options: AtomReadOptions, call: string): Limits {
  return {
    maxLength: checkMaxOption(options, 'maxLength', call, DEFAULT_MAX_LENGTH),
    maxDepth: checkMaxOption(options, 'maxDepth', call, DEFAULT_MAX_DEPTH),
    maxElements: checkMaxOption(options, 'maxElements', call, DEFAULT_MAX_ELEMENTS),
  };
}

/** Turns saxes' terse messages into a hint. `inside` is the innermost open element's local name. */
function malformedHint(message: string, inside: string | undefined): string {
  const m = message.toLowerCase();
  if (m.includes('unbound namespace prefix')) {
    return `declare the prefix on the root: xmlns="${ATOM_NS}" xmlns:d="${DATA_NS}" xmlns:m="${METADATA_NS}"`;
  }
  if (m.includes('xml declaration') || (m.includes('processing instruction') && (inside === 'TaskBody' || inside === 'Configuration'))) {
    return `the text of d:${inside ?? 'TaskBody'} must be escaped: write &lt;taskBody&gt;…, or wrap it in <![CDATA[…]]>`;
  }
  if (m.includes('disallowed character') || m.includes('invalid character')) return 'XML 1.0 cannot carry this character, not even as &#…; — remove it';
  if (m.includes('entity')) return 'escape & as &amp;; XML knows only &lt; &gt; &amp; &quot; &apos; and character references such as &#13;';
  if (m.includes('unclosed') || m.includes('unexpected end') || m.includes('unexpected close tag')) return 'close every element, in the order they were opened';
  if (m.includes('outside of root') || m.includes('root')) return 'a request body holds one root element';
  if (m.includes('attribute')) return 'write attributes as name="value", each name once';
  return 'send well-formed XML';
}

/** An `&` that starts no entity or character reference. */
const BARE_AMPERSAND = /&(?![A-Za-z_:][\w.:-]*;|#[0-9]+;|#x[0-9A-Fa-f]+;)/g;

/** Parses the text into a tree, or throws the first problem. */
function parseTree(text: string, limits: Limits, lines: LineMap): XEl {
  if (/^[ \t\r\n]*$/.test(text)) throw new AtomReadError('ATOM_ROOT_INVALID', 'the body is empty', { line: 1, column: 1, hint: 'send an Atom <entry>' });
  if (text.length > limits.maxLength) {
    throw new AtomReadError('ATOM_TOO_LARGE', `the body has ${text.length.toLocaleString('en-US')} characters; at most ${limits.maxLength.toLocaleString('en-US')} are read`, {
      hint: 'send one Job with its Tasks per request',
    });
  }
  const at = (offset: number): { line: number; column: number } => lines.at(offset);
  const p: Parser = new QuietParser({ xmlns: true, position: false });
  const stack: XEl[] = [];
  let root: XEl | undefined;
  let count = 0;
  let tagStart = 0;
  p.on('opentagstart', () => {
    tagStart = Math.max(0, text.lastIndexOf('<', p.position - 1));
    if (stack.length + 1 > limits.maxDepth) {
      throw new AtomReadError('ATOM_TOO_DEEP', `elements nest more than ${limits.maxDepth} deep`, { ...at(tagStart), hint: 'an entry with inline tasks nests 10 deep; check for unclosed elements' });
    }
    if (++count > limits.maxElements) {
      throw new AtomReadError('ATOM_TOO_LARGE', `the body has more than ${limits.maxElements.toLocaleString('en-US')} elements`, { ...at(tagStart), hint: 'send one Job with its Tasks per request' });
    }
  });
  p.on('opentag', (tag: SaxesTagNS) => {
    const attrs: Record<string, string> = Object.create(null) as Record<string, string>;
    for (const key of Object.keys(tag.attributes)) {
      const a = tag.attributes[key]!;
      if (a.prefix === 'xmlns' || a.name === 'xmlns') continue;
      attrs[a.uri === '' ? a.local : `{${a.uri}}${a.local}`] = a.value;
    }
    const el: XEl = { ns: tag.uri, local: tag.local, name: tag.name, attrs, children: [], text: '', offset: tagStart };
    if (stack.length > 0) stack[stack.length - 1]!.children.push(el);
    else root = el;
    if (!tag.isSelfClosing) stack.push(el);
  });
  p.on('closetag', (tag) => {
    if (!tag.isSelfClosing) stack.pop();
  });
  const onText = (t: string): void => {
    if (stack.length > 0) stack[stack.length - 1]!.text += t;
  };
  p.on('text', onText);
  p.on('cdata', onText);
  p.on('doctype', () => {
    const start = Math.max(0, text.lastIndexOf('<!DOCTYPE', p.position));
    throw new AtomReadError('ATOM_DOCTYPE_FORBIDDEN', 'the body has a DOCTYPE; Atom request bodies have none', { ...at(start), hint: 'remove the <!DOCTYPE …> declaration' });
  });
  p.on('error', (err) => {
    const offset = Math.min(text.length, Math.max(0, p.position - 1));
    const inside = stack.length > 0 ? stack[stack.length - 1]!.local : undefined;
    if (/unclosed|unexpected end/i.test(err.message) && stack.length > 0) {
      // A bare `&` makes saxes read everything after it as an entity name up to the end, and it
      // then reports only the unclosed elements: point at the `&` instead.
      BARE_AMPERSAND.lastIndex = stack[stack.length - 1]!.offset;
      const amp = BARE_AMPERSAND.exec(text);
      if (amp !== null) {
        throw new AtomReadError('ATOM_MALFORMED', 'the body is not well-formed XML: a bare & that starts no entity reference', { ...at(amp.index), hint: malformedHint('entity', inside) });
      }
    }
    throw new AtomReadError('ATOM_MALFORMED', `the body is not well-formed XML: ${err.message.replace(/\.$/, '')}`, { ...at(offset), hint: malformedHint(err.message, inside) });
  });
  p.write(text).close();
  if (root === undefined) throw new AtomReadError('ATOM_ROOT_INVALID', 'the body has no root element', { line: 1, column: 1, hint: 'send an Atom <entry>' });
  return root;
}

// ------------------------------------------------------------------------------------- values

const INT_RANGES: Readonly<Record<string, readonly [number, number]>> = {
  'Edm.Byte': [0, 255],
  'Edm.SByte': [-128, 127],
  'Edm.Int16': [-32768, 32767],
  'Edm.Int32': [-2147483648, 2147483647],
  'Edm.Int64': [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
};
const FLOAT_TYPES = new Set(['Edm.Double', 'Edm.Single', 'Edm.Decimal']);
const DATE_TYPES = new Set(['Edm.DateTime', 'Edm.DateTimeOffset']);
/** Edm types read as their text. */
const TEXT_TYPES = new Set(['Edm.String', 'Edm.Time', 'Edm.Binary']);
const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

function isSpace(s: string): boolean {
  return /^[ \t\r\n]*$/.test(s);
}

function show(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 37)}...` : text);
}

/** `obj[key]` if it is the object's own, never something of Object.prototype (`constructor`, `__proto__`). */
function own<T>(obj: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

/** Sets an own property, even one named `__proto__`. */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Reads one entry, or the value of one property, out of a parsed tree. */
class EntryReader {
  constructor(
    private readonly lines: LineMap,
    private readonly related: Readonly<Record<string, AtomEntitySet>>,
  ) {}

  fail(code: AtomReadErrorCode, el: XEl, message: string, hint?: string): never {
    throw new AtomReadError(code, message, { ...this.lines.at(el.offset), ...(hint !== undefined ? { hint } : {}) });
  }

  /** `text` of a primitive of EDM type `edm`. */
  primitive(el: XEl, edm: string, what: string): unknown {
    const raw = el.text;
    const t = raw.trim();
    if (TEXT_TYPES.has(edm)) return raw;
    const range = own(INT_RANGES, edm);
    if (range !== undefined) {
      const n = INTEGER.test(t) ? Number(t) : Number.NaN;
      if (!(n >= range[0] && n <= range[1])) {
        this.fail('ATOM_VALUE_INVALID', el, `${what} is ${show(raw)}, not an ${edm}`, t === '' ? 'write m:null="true" for no value' : `write a whole number from ${range[0]} to ${range[1]}`);
      }
      return n + 0; // -0 → 0
    }
    if (FLOAT_TYPES.has(edm)) {
      if (t === 'INF') return Infinity;
      if (t === '-INF') return -Infinity;
      if (t === 'NaN') return Number.NaN;
      if (!DECIMAL.test(t)) this.fail('ATOM_VALUE_INVALID', el, `${what} is ${show(raw)}, not an ${edm}`, t === '' ? 'write m:null="true" for no value' : 'write a number such as 39605 or 12.5');
      return Number(t);
    }
    if (edm === 'Edm.Boolean') {
      if (t === 'true' || t === '1') return true;
      if (t === 'false' || t === '0') return false;
      return this.fail('ATOM_VALUE_INVALID', el, `${what} is ${show(raw)}, not an Edm.Boolean`, 'write true or false');
    }
    if (DATE_TYPES.has(edm)) {
      try {
        return formatDateIso(parseODataDate(t));
      } catch {
        return this.fail('ATOM_VALUE_INVALID', el, `${what} is ${show(raw)}, not an ${edm}`, 'write ISO 8601, such as 2020-04-15T18:45:24.54Z');
      }
    }
    if (edm === 'Edm.Guid') {
      if (!GUID.test(t)) this.fail('ATOM_VALUE_INVALID', el, `${what} is ${show(raw)}, not an Edm.Guid`, 'write a GUID such as 910ffdc1-2e25-4b17-8a42-61ffd4b8914c');
      return t;
    }
    return this.fail('ATOM_TYPE_UNSUPPORTED', el, `${what} has m:type ${show(edm)}, a type this service does not know`, 'use Edm.String, Edm.Int32, Edm.Double, Edm.Boolean, Edm.DateTime or Edm.Guid');
  }

  /**
   * The value of a property element. `declared` is the type the schema gives it (undefined when
   * none does), `complexType` the element type of a declared collection or the type of a complex
   * value.
   */
  value(el: XEl, what: string, declared: ODataPropertyType | undefined, complexType: string | undefined): unknown {
    const mNull = el.attrs[M_NULL];
    if (mNull !== undefined && mNull !== 'true' && mNull !== 'false') this.fail('ATOM_VALUE_INVALID', el, `${what} has m:null=${show(mNull)}`, 'write m:null="true", or leave m:null out');
    const mType = el.attrs[M_TYPE];
    if (mNull === 'true') {
      if (el.children.length > 0 || !isSpace(el.text)) this.fail('ATOM_CONTENT_INVALID', el, `${what} has m:null="true" and a value`, 'give a value or m:null="true", not both');
      return null;
    }
    if (mType !== undefined) {
      const t = mType.trim();
      if (t.startsWith('Collection(') && t.endsWith(')')) return this.collection(el, what, t.slice(11, -1).trim());
      if (t.startsWith('Edm.')) return this.leaf(el, what, t);
      if (Object.hasOwn(COMPLEX_TYPES, t) || el.children.length > 0) return this.complex(el, what, t);
      return this.fail('ATOM_TYPE_UNSUPPORTED', el, `${what} has m:type ${show(t)}, a type this service does not know`, 'use an Edm type, Collection(…), or a complex type of the service');
    }
    if (declared === 'collection' || el.children.some((c) => c.ns === DATA_NS && c.local === 'element')) return this.collection(el, what, complexType);
    if (declared !== undefined && declared !== 'navigation') return this.leaf(el, what, EDM_TYPES[declared]);
    if (el.children.length > 0) return this.complex(el, what, complexType);
    // An empty item of a collection of a complex type: an object with no property.
    if (complexType !== undefined && own(COMPLEX_TYPES, complexType) !== undefined && isSpace(el.text)) return {};
    return el.text;
  }

  /** A primitive: no element inside. */
  leaf(el: XEl, what: string, edm: string): unknown {
    if (el.children.length > 0) {
      const hint = el.local === 'TaskBody' || el.local === 'Configuration' ? `escape the markup inside d:${el.local}: write &lt;taskBody&gt;…, or wrap it in <![CDATA[…]]>` : `a ${edm} holds text only`;
      this.fail('ATOM_CONTENT_INVALID', el.children[0]!, `${what} holds an element <${el.children[0]!.name}>, but is an ${edm}`, hint);
    }
    return this.primitive(el, edm, what);
  }

  /** `d:element` children: primitives (`Edm.*` elements) or complex values. */
  collection(el: XEl, what: string, elementType: string | undefined): unknown[] {
    if (!isSpace(el.text)) this.fail('ATOM_CONTENT_INVALID', el, `${what} is a collection but holds text ${show(el.text.trim())}`, 'put each item in a <d:element>');
    const out: unknown[] = [];
    for (const [i, item] of el.children.entries()) {
      if (item.ns !== DATA_NS || item.local !== 'element') {
        this.fail('ATOM_CONTENT_INVALID', item, `${what} holds <${item.name}>, but a collection holds only d:element items`, `wrap each item in <d:element> (namespace ${DATA_NS})`);
      }
      const itemWhat = `${what}[${i}]`;
      if (elementType !== undefined && elementType.startsWith('Edm.')) {
        out.push(item.attrs[M_NULL] === 'true' ? null : this.leaf(item, itemWhat, item.attrs[M_TYPE]?.trim() ?? elementType));
      } else {
        out.push(this.value(item, itemWhat, undefined, elementType));
      }
    }
    return out;
  }

  /** A complex value: its properties, typed by COMPLEX_TYPES when the type is known. */
  complex(el: XEl, what: string, type: string | undefined): Record<string, unknown> {
    if (!isSpace(el.text)) this.fail('ATOM_CONTENT_INVALID', el, `${what} holds both text and elements`, 'a complex value holds only its property elements');
    const types = type !== undefined ? own(COMPLEX_TYPES, type) : undefined;
    const out: Record<string, unknown> = {};
    for (const child of el.children) {
      this.checkProperty(child, out);
      setOwn(out, child.local, this.value(child, `${what}/${child.local}`, types !== undefined ? own(types, child.local) : undefined, undefined));
    }
    return out;
  }

  checkProperty(child: XEl, into: Record<string, unknown>): void {
    if (child.ns !== DATA_NS) {
      const hint = child.ns === '' ? `declare xmlns:d="${DATA_NS}" and write <d:${child.local}>` : `properties are in the namespace ${DATA_NS}, not ${child.ns}`;
      this.fail('ATOM_CONTENT_INVALID', child, `<${child.name}> is not in the OData data namespace`, hint);
    }
    if (Object.hasOwn(into, child.local)) this.fail('ATOM_PROPERTY_DUPLICATE', child, `${child.local} is given twice`, 'give each property once');
  }

  /** `m:properties` → an object, by the set's schema. */
  properties(el: XEl, info: AtomEntitySet | undefined, into: Record<string, unknown>): void {
    for (const child of el.children) {
      this.checkProperty(child, into);
      const name = child.local;
      const declared = info !== undefined ? own(info.schema, name) : undefined;
      const collectionType = info !== undefined ? own(info.collections, name) : undefined;
      const value = this.value(child, name, declared === 'navigation' ? undefined : declared, collectionType);
      // Clients send a null or empty Id for an entity the service has not named yet.
      if (name === 'Id' && (value === null || value === '')) continue;
      setOwn(into, name, value);
    }
  }

  /** An `atom:entry` → the object the JSON path takes. */
  entry(el: XEl, info: AtomEntitySet | undefined, base: string | undefined): Record<string, unknown> {
    base = this.base(el, base);
    const out: Record<string, unknown> = {};
    const navs = new Map<string, unknown[]>();
    let id: string | undefined;
    let edit: string | undefined;
    let propertiesSeen: XEl | undefined;
    const takeProperties = (props: XEl): void => {
      if (propertiesSeen !== undefined) this.fail('ATOM_CONTENT_INVALID', props, 'the entry has two m:properties', 'write the properties once, in <content type="application/xml"><m:properties>');
      propertiesSeen = props;
      this.properties(props, info, out);
    };
    for (const child of el.children) {
      if (child.ns === METADATA_NS && child.local === 'properties') {
        takeProperties(child); // a media link entry keeps them outside content
        continue;
      }
      if (child.ns !== ATOM_NS) continue; // extensions
      switch (child.local) {
        case 'id':
          id = child.text.trim();
          break;
        case 'category':
          if (child.attrs.scheme === TYPE_SCHEME && info !== undefined) {
            const term = (child.attrs.term ?? '').trim();
            if (term !== '' && term !== info.type) {
              this.fail('ATOM_ENTITY_TYPE_INVALID', child, `the entry is of type ${show(term)}, but ${info.set} holds ${info.type}`, `write term="${info.type}", or leave the category out`);
            }
          }
          break;
        case 'link': {
          const rel = (child.attrs.rel ?? '').trim();
          if (rel === 'edit' || rel === 'self') {
            if (child.attrs.href !== undefined) edit = this.resolve(child.attrs.href.trim(), this.base(child, base));
          } else if (rel.startsWith(RELATED_REL)) {
            const nav = rel.slice(RELATED_REL.length);
            if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(nav)) {
              this.fail('ATOM_LINK_INVALID', child, `the link's rel ${show(rel)} names no navigation property`, `write rel="${RELATED_REL}InputMediaAssets"`);
            }
            const list = navs.get(nav) ?? [];
            navs.set(nav, list);
            this.link(child, nav, base, list);
          }
          break;
        }
        case 'content': {
          const type = (child.attrs.type ?? '').split(';')[0]!.trim().toLowerCase();
          if (child.attrs.src !== undefined) break; // media resource content: no properties inside
          if (type !== 'application/xml' && type !== 'xml') {
            this.fail('ATOM_CONTENT_INVALID', child, `the entry's content has type ${show(child.attrs.type ?? '')}`, 'write <content type="application/xml"><m:properties>…</m:properties></content>');
          }
          for (const c of child.children) {
            if (c.ns === METADATA_NS && c.local === 'properties') takeProperties(c);
            else this.fail('ATOM_CONTENT_INVALID', c, `the entry's content holds <${c.name}>, where OData expects m:properties`, `declare xmlns:m="${METADATA_NS}" and write <m:properties>`);
          }
          break;
        }
        default:
          break;
      }
    }
    for (const [nav, list] of navs) {
      if (Object.hasOwn(out, nav)) this.fail('ATOM_PROPERTY_DUPLICATE', el, `${nav} is both a property and a link`, `give ${nav} once, as a link`);
      setOwn(out, nav, list);
    }
    const uri = id !== undefined && id !== '' ? this.resolve(id, base) : edit;
    if (info === undefined && uri !== undefined) setOwn(out, '__metadata', { uri });
    return out;
  }

  /** One related link: its href, or its inline entries. */
  link(el: XEl, nav: string, base: string | undefined, into: unknown[]): void {
    base = this.base(el, base);
    const inline = el.children.find((c) => c.ns === METADATA_NS && c.local === 'inline');
    const target = own(this.related, nav);
    if (inline !== undefined) {
      for (const c of inline.children) {
        if (c.ns === ATOM_NS && c.local === 'entry') into.push(this.entry(c, target, base));
        else if (c.ns === ATOM_NS && c.local === 'feed') {
          const feedBase = this.base(c, base);
          for (const e of c.children) if (e.ns === ATOM_NS && e.local === 'entry') into.push(this.entry(e, target, feedBase));
        } else this.fail('ATOM_CONTENT_INVALID', c, `m:inline of ${nav} holds <${c.name}>, where OData expects an Atom feed or entry`, `write <m:inline><feed xmlns="${ATOM_NS}"><entry>…</entry></feed></m:inline>`);
      }
      return;
    }
    if (target !== undefined) {
      this.fail('ATOM_LINK_INVALID', el, `${nav} are created inline with the entry that holds them, not linked by href`, `put each ${target.set.replace(/s$/, '')} inline: <link rel="${RELATED_REL}${nav}"><m:inline><feed><entry>…</entry></feed></m:inline></link>`);
    }
    const href = (el.attrs.href ?? '').trim();
    if (href === '') this.fail('ATOM_LINK_INVALID', el, `the ${nav} link has no href`, `write href="https://…/api/Assets('nb%3Acid%3AUUID%3A…')"`);
    into.push({ __metadata: { uri: this.resolve(href, base) } });
  }

  base(el: XEl, inherited: string | undefined): string | undefined {
    const b = el.attrs[XML_BASE];
    return b === undefined ? inherited : this.resolve(b.trim(), inherited);
  }

  resolve(ref: string, base: string | undefined): string {
    if (base === undefined || /^[A-Za-z][A-Za-z0-9+.-]*:/.test(ref)) return ref;
    try {
      return new URL(ref, base).href;
    } catch {
      return ref;
    }
  }
}

// ------------------------------------------------------------------------------------- API

/**
 * What a request's `Content-Type` says of an XML body: `atom` for `application/atom+xml` (an
 * entry; the SDKs send it with or without `;type=entry`), `xml` for `application/xml` or
 * `text/xml` (a `$links` document), `other` for anything else (JSON included, and no header), or
 * `charset` when it names a charset other than UTF-8 (the server reads bodies as UTF-8 only).
 */
export function atomRequestKind(contentType: string | undefined): 'atom' | 'xml' | 'other' | 'charset' {
  if (contentType === undefined) return 'other';
  const [type = '', ...params] = contentType.split(';');
  const media = type.trim().toLowerCase();
  const kind = media === 'application/atom+xml' ? 'atom' : media === 'application/xml' || media === 'text/xml' ? 'xml' : 'other';
  if (kind === 'other') return kind;
  for (const p of params) {
    const eq = p.indexOf('=');
    if (eq < 0 || p.slice(0, eq).trim().toLowerCase() !== 'charset') continue;
    const v = p.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1').toLowerCase();
    if (v !== 'utf-8' && v !== 'utf8') return 'charset';
  }
  return kind;
}

/** A BOM is not part of the document (body.ts drops it too); columns on line 1 then count from after it. */
function withoutBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function checkText(call: string, text: unknown): asserts text is string {
  if (typeof text !== 'string') throw new TypeError(`${call}: expected \`text\` to be a string, got ${typeof text}`);
}

/**
 * Reads an Atom entry request body (`POST /api/Jobs`, `POST /api/Tasks`) into the plain object
 * the JSON path takes: properties typed by `m:type` or the set's schema, related links as
 * `[{ __metadata: { uri } }]`, inline entries (`m:inline`) as objects. See the module comment for
 * how each client's shape is read.
 *
 * @param text - the body, as UTF-8-decoded text
 * @param info - the set the entry is posted to (`JOBS`, `TASKS` of entities.ts)
 * @param options - limits, and `related` (`{ Tasks: TASKS }` for a Job)
 * @returns a fresh object: `{ Name, Priority, InputMediaAssets: [{ __metadata: { uri } }], Tasks: [{ … }] }`
 * @throws AtomReadError with a code of {@link ATOM_READ_ERROR_CODES}, line, column and hint
 * @throws TypeError / RangeError (`ERR_INVALID_ARG_TYPE`, `ERR_OUT_OF_RANGE`) for misused arguments
 * @example
 * ```ts
 * const job = readAtomEntry(body, JOBS, { related: { Tasks: TASKS } });
 * // → checkDefinition({ text: JSON.stringify(job), … })
 * ```
 */
export function readAtomEntry(text: string, info: AtomEntitySet, options: AtomReadOptions = {}): Record<string, unknown> {
  checkText('readAtomEntry', text);
  const limits = readLimits(options, 'readAtomEntry');
  text = withoutBom(text);
  const lines = new LineMap();
  lines.reset(text);
  const root = parseTree(text, limits, lines);
  const reader = new EntryReader(lines, options.related ?? {});
  if (root.ns !== ATOM_NS || root.local !== 'entry') {
    const hint =
      root.local === 'entry' ? `declare the Atom namespace: <entry xmlns="${ATOM_NS}">` : root.local === 'feed' && root.ns === ATOM_NS ? 'POST one entry, not a feed' : `send one ${info.type.slice(info.type.lastIndexOf('.') + 1)} as <entry xmlns="${ATOM_NS}">`;
    reader.fail('ATOM_ROOT_INVALID', root, `the root element is <${root.name}>${root.ns !== '' ? ` in ${root.ns}` : ' in no namespace'}, not an Atom entry`, hint);
  }
  return reader.entry(root, info, undefined);
}

/**
 * Reads a `$links` request body: `<uri xmlns="…/dataservices">…</uri>` (one link, what
 * `POST Jobs('…')/$links/InputMediaAssets` sends), or `<links>` holding `<uri>`s.
 *
 * @returns the URIs, trimmed, in document order
 * @throws AtomReadError (ATOM_ROOT_INVALID, ATOM_LINK_INVALID, and the XML errors of {@link readAtomEntry})
 */
export function readAtomLinks(text: string, options: Omit<AtomReadOptions, 'related'> = {}): string[] {
  checkText('readAtomLinks', text);
  const limits = readLimits(options, 'readAtomLinks');
  text = withoutBom(text);
  const lines = new LineMap();
  lines.reset(text);
  const root = parseTree(text, limits, lines);
  const reader = new EntryReader(lines, {});
  const rootBase = reader.base(root, undefined);
  const uriOf = (el: XEl): string => {
    if (el.children.length > 0) reader.fail('ATOM_LINK_INVALID', el.children[0]!, `<uri> holds an element <${el.children[0]!.name}>`, 'write the URI as text: <uri>https://…</uri>');
    const uri = el.text.trim();
    if (uri === '') reader.fail('ATOM_LINK_INVALID', el, 'the <uri> is empty', "write the entity's URI: <uri>https://…/api/Assets('nb%3Acid%3AUUID%3A…')</uri>");
    return reader.resolve(uri, reader.base(el, rootBase));
  };
  if (root.ns === DATA_NS && root.local === 'uri') return [uriOf(root)];
  if (root.ns === DATA_NS && root.local === 'links') {
    const out: string[] = [];
    for (const c of root.children) {
      if (c.ns === DATA_NS && c.local === 'uri') out.push(uriOf(c));
      else if (!(c.ns === METADATA_NS && c.local === 'count') && !(c.ns === DATA_NS && c.local === 'next')) {
        reader.fail('ATOM_CONTENT_INVALID', c, `<links> holds <${c.name}>, where it holds only <uri> elements`, `write <uri>…</uri> in the namespace ${DATA_NS}`);
      }
    }
    return out;
  }
  const hint = root.local === 'uri' || root.local === 'links' ? `declare the namespace: <${root.local} xmlns="${DATA_NS}">` : `send <uri xmlns="${DATA_NS}">https://…</uri>`;
  return reader.fail('ATOM_ROOT_INVALID', root, `the root element is <${root.name}>, not a $links <uri> or <links>`, hint);
}
