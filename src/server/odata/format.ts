/**
 * Wire formats of the AMS v2 facade (reference §9): dates, the verbose (`{"d":…}`) and minimal
 * metadata (`{"odata.metadata":…,"value":[…]}`) envelopes, and OData v3 error bodies.
 *
 * Dates: entity views hold epoch milliseconds; the envelope builders write the properties named
 * in `dates` as ISO 8601 UTC (`2020-04-15T18:45:24.54Z`, what the service sends today) or, with
 * `dateStyle: 'msjson'`, as `\/Date(ms)\/` (what it sent in 2012). The string value of the latter
 * is `/Date(ms)/`; JSON.stringify writes it unescaped, so serialize bodies with
 * {@link stringifyOData}, which writes the `\/` form.
 */
import { ArgumentRangeError, ArgumentTypeError, JobGraphError } from '../../errors.js';
import { ODataError, ODataValueError, quoteSnippet } from './errors.js';
import { MAX_EPOCH_MS, isoFromEpochMs, parseIsoDateTime } from './datetime.js';
import { entityUri } from './resource-path.js';
import type { ODataPrimitiveType } from './evaluate.js';

/** Namespace of the AMS v2 entity types. */
export const AMS_NAMESPACE = 'Microsoft.Cloud.Media.Vod.Rest.Data.Models';

/** Full type names, as `__metadata.type` carries them. */
export const AMS_TYPES = {
  Job: `${AMS_NAMESPACE}.Job`,
  Task: `${AMS_NAMESPACE}.Task`,
  ErrorDetail: `${AMS_NAMESPACE}.ErrorDetail`,
  TaskHistoricalEvent: `${AMS_NAMESPACE}.TaskHistoricalEvent`,
  TaskNotificationSubscription: `${AMS_NAMESPACE}.TaskNotificationSubscription`,
  JobNotificationSubscription: `${AMS_NAMESPACE}.JobNotificationSubscription`,
  MediaProcessor: `${AMS_NAMESPACE}.MediaProcessor`,
  Asset: `${AMS_NAMESPACE}.Asset`,
  JobTemplate: `${AMS_NAMESPACE}.JobTemplate`,
  TaskTemplate: `${AMS_NAMESPACE}.TaskTemplate`,
} as const;

/**
 * The AMS complex types that travel in collections (reference §5, §6), each property with its
 * primitive type; every property is always written, strings possibly empty. `$metadata` declares
 * them from this, the Atom writer types their elements' properties by it, and the Atom reader
 * converts untyped values with it (the PHP SDK writes no `m:type` at all).
 */
export const COMPLEX_TYPES: Readonly<Record<string, Readonly<Record<string, ODataPrimitiveType>>>> = {
  [AMS_TYPES.ErrorDetail]: { Code: 'string', Message: 'string' },
  [AMS_TYPES.TaskHistoricalEvent]: { Code: 'string', Message: 'string', TimeStamp: 'datetime' },
  [AMS_TYPES.TaskNotificationSubscription]: { IncludeTaskProgress: 'boolean', NotificationEndPointId: 'string', TargetTaskState: 'int' },
  [AMS_TYPES.JobNotificationSubscription]: { NotificationEndPointId: 'string', TargetJobState: 'int' },
};

/** How dates are written: ISO 8601 UTC, or the `\/Date(ms)\/` form of the Microsoft JSON serializers. */
export type DateStyle = 'iso' | 'msjson';

function checkMs(call: string, ms: number): void {
  if (typeof ms !== 'number') throw new ArgumentTypeError(`${call}: expected epoch milliseconds (number), got ${typeof ms}`);
  if (!Number.isFinite(ms) || Math.abs(ms) > MAX_EPOCH_MS) {
    throw new ArgumentRangeError(`${call}: expected epoch milliseconds within ±8.64e15, got \`${ms}\``);
  }
}

/**
 * The value of a date in the Microsoft JSON form: `/Date(1336771959431)/`. Serialized with
 * {@link stringifyOData} it reads `"\/Date(1336771959431)\/"` on the wire. A fractional `ms` is
 * truncated.
 *
 * @throws RangeError (`ERR_OUT_OF_RANGE`) unless `ms` is a finite epoch-ms value a Date can hold
 */
export function formatDateVerbose(ms: number): string {
  checkMs('formatDateVerbose', ms);
  return `/Date(${Math.trunc(ms) + 0})/`; // + 0 turns -0 into 0
}

/**
 * A date as ISO 8601 UTC, the fraction without trailing zeros, as AMS writes it:
 * `2020-04-15T18:45:24.54Z`, `2020-04-15T18:46:00Z`.
 *
 * @throws RangeError (`ERR_OUT_OF_RANGE`) unless `ms` is a finite epoch-ms value a Date can hold
 */
export function formatDateIso(ms: number): string {
  checkMs('formatDateIso', ms);
  return isoFromEpochMs(ms)!;
}

const MS_JSON_DATE = /^(\\?)\/Date\((-?\d+)([+-]\d{4})?\)\1\/$/;

/**
 * Reads a date in any of the three wire forms: `\/Date(ms)\/` (also `/Date(ms)/`, the JSON-decoded
 * value, and with a `+hhmm` suffix, which .NET writes for local times but which does not move the
 * UTC instant), ISO 8601 with `Z` or an offset, and ISO 8601 without a zone (read as UTC).
 *
 * @returns epoch milliseconds
 * @throws ODataValueError (`ODATA_VALUE_INVALID`) for anything else
 */
export function parseODataDate(text: string): number {
  if (typeof text === 'string') {
    const m = MS_JSON_DATE.exec(text);
    if (m !== null) {
      const ms = Number(m[2]);
      if (Number.isSafeInteger(ms) && Math.abs(ms) <= MAX_EPOCH_MS) return ms;
    } else {
      const ms = parseIsoDateTime(text);
      if (ms !== undefined) return ms;
    }
  }
  const shown = typeof text === 'string' ? quoteSnippet(text) : typeof text;
  throw new ODataValueError(`${shown} is not a date: write \\/Date(1336771959431)\\/ or 2020-04-15T18:45:24.54Z`, String(text));
}

const DATE_VALUE_IN_JSON = /"\/Date\((-?\d+)([+-]\d{4})?\)\/"/g;

/**
 * JSON.stringify for OData bodies: the same text, except that string values of the form
 * `/Date(ms)/` are written `"\/Date(ms)\/"`. `\/` is a valid JSON escape for `/`, so
 * `JSON.parse(stringifyOData(x))` equals `JSON.parse(JSON.stringify(x))` for every `x`; only
 * Microsoft-style clients read the escaped form as a date.
 *
 * @param value - a response body
 * @returns JSON text (`'null'` for `undefined`)
 */
export function stringifyOData(value: unknown): string {
  const text = JSON.stringify(value) as string | undefined;
  if (text === undefined) return 'null';
  return text.replace(DATE_VALUE_IN_JSON, '"\\/Date($1$2)\\/"');
}

function writeDate(v: unknown, style: DateStyle): unknown {
  const ms = v instanceof Date ? v.getTime() : v;
  if (typeof ms !== 'number') return v; // null, or already wire text
  return style === 'msjson' ? formatDateVerbose(ms) : formatDateIso(ms);
}

/**
 * Copies an entity view with its date properties written for the wire. A name `Coll/Prop` writes
 * `Prop` of each element of the array `Coll` (`HistoricalEvents/TimeStamp`). Numbers and `Date`s
 * are converted; null and strings are kept.
 */
export function formatEntityDates<T extends object>(entity: T, dates: readonly string[] | undefined, style: DateStyle = 'iso'): T {
  if (dates === undefined || dates.length === 0) return entity;
  const out = { ...entity } as Record<string, unknown>;
  for (const name of dates) {
    const slash = name.indexOf('/');
    if (slash < 0) {
      if (Object.hasOwn(out, name)) out[name] = writeDate(out[name], style);
      continue;
    }
    const coll = name.slice(0, slash);
    const prop = name.slice(slash + 1);
    const list = out[coll];
    if (!Array.isArray(list)) continue;
    out[coll] = list.map((el: unknown) =>
      el !== null && typeof el === 'object' && Object.hasOwn(el, prop) ? { ...(el as object), [prop]: writeDate((el as Record<string, unknown>)[prop], style) } : el,
    );
  }
  return out as T;
}

/** What {@link verboseEntity} needs to know about an entity's set and type. */
export interface VerboseEntityMeta {
  /** Service root, e.g. `https://media.windows.net/api`. */
  readonly baseUri: string;
  /** Entity set, e.g. `Jobs`. */
  readonly set: string;
  /** Full type name, e.g. `AMS_TYPES.Job`. */
  readonly type: string;
  /** The key; defaults to the entity's `Id`. */
  readonly key?: string;
  /** Navigation properties, written as `{"__deferred":{"uri":…}}`, in this order, after `__metadata`. */
  readonly navigation?: readonly string[];
  /** Inline complex collections: property → element type (`{ ErrorDetails: AMS_TYPES.ErrorDetail }`). */
  readonly collections?: Readonly<Record<string, string>>;
  /** Date properties (epoch ms in the view); see {@link formatEntityDates}. */
  readonly dates?: readonly string[];
  /** @defaultValue 'iso' */
  readonly dateStyle?: DateStyle;
}

/**
 * One entity in the verbose JSON form: `__metadata` (`id`, `uri`, `type`), then each navigation
 * property as `__deferred`, then the entity's own properties in their order, complex collections
 * wrapped as `{"__metadata":{"type":"Collection(…)"},"results":[…]}`.
 *
 * @param entity - the entity view (already `$select`ed, if it was)
 * @param meta - see {@link VerboseEntityMeta}
 * @throws TypeError (`ERR_INVALID_ARG_VALUE`) if there is no key (`meta.key` or a string `Id`)
 */
export function verboseEntity(entity: object, meta: VerboseEntityMeta): Record<string, unknown> {
  const view = entity as Record<string, unknown>;
  const key = meta.key ?? view.Id;
  if (typeof key !== 'string') {
    throw new ArgumentTypeError(`verboseEntity: the ${meta.set} entity has no string \`Id\`; pass \`meta.key\``, 'ERR_INVALID_ARG_VALUE');
  }
  const uri = entityUri(meta.baseUri, meta.set, key);
  const out: Record<string, unknown> = { __metadata: { id: uri, uri, type: meta.type } };
  const nav = meta.navigation ?? [];
  for (const name of nav) out[name] = { __deferred: { uri: `${uri}/${name}` } };
  const collections = meta.collections ?? {};
  const dated = formatEntityDates(view, meta.dates, meta.dateStyle);
  for (const name of Object.keys(dated)) {
    if (name === '__metadata' || nav.includes(name)) continue;
    const value = dated[name];
    if (Object.hasOwn(collections, name)) {
      out[name] = { __metadata: { type: `Collection(${collections[name]})` }, results: Array.isArray(value) ? value : [] };
    } else {
      out[name] = value;
    }
  }
  return out;
}

/**
 * A verbose list: `{"d":{"results":[…]}}`, with `__count` (a string, as OData v2/v3 write it) when
 * `$inlinecount=allpages` asked for it.
 *
 * @param items - entities from {@link verboseEntity}
 */
export function verboseList(items: readonly unknown[], options: { count?: number } = {}): { d: Record<string, unknown> } {
  const d: Record<string, unknown> = {};
  if (options.count !== undefined) d.__count = String(options.count);
  d.results = items;
  return { d };
}

/** A verbose single entity: `{"d":{…}}`. */
export function verboseSingle(item: object): { d: object } {
  return { d: item };
}

/** A verbose property value, as `Jobs('…')/State` answers: `{"d":{"State":2}}`. */
export function verboseProperty(name: string, value: unknown): { d: Record<string, unknown> } {
  return { d: { [name]: value } };
}

function metadataUri(baseUri: string, fragment: string): string {
  return `${baseUri.endsWith('/') ? baseUri.slice(0, -1) : baseUri}/$metadata#${fragment}`;
}

/**
 * A minimal-metadata (JSON light) list:
 * `{"odata.metadata":"<base>/$metadata#Jobs","value":[…]}`, with `odata.count` (a string) when
 * asked. Complex collections stay plain arrays and navigation properties are left out, as JSON
 * light does.
 *
 * @param baseUri - service root, e.g. `https://media.windows.net/api`
 * @param set - entity set, e.g. `Jobs`
 * @param items - entity views (already `$select`ed)
 * @param options - `count` for `$inlinecount`; `dates` to write as ISO 8601
 */
export function minimalList(
  baseUri: string,
  set: string,
  items: readonly object[],
  options: { count?: number; dates?: readonly string[] } = {},
): Record<string, unknown> {
  const out: Record<string, unknown> = { 'odata.metadata': metadataUri(baseUri, set) };
  if (options.count !== undefined) out['odata.count'] = String(options.count);
  out.value = options.dates === undefined ? items : items.map((e) => formatEntityDates(e, options.dates));
  return out;
}

/** A minimal-metadata single entity: `{"odata.metadata":"<base>/$metadata#Jobs/@Element",…}`. */
export function minimalSingle(baseUri: string, set: string, item: object, options: { dates?: readonly string[] } = {}): Record<string, unknown> {
  return { 'odata.metadata': metadataUri(baseUri, `${set}/@Element`), ...formatEntityDates(item, options.dates) };
}

/** A minimal-metadata property value: `{"odata.metadata":"<base>/$metadata#Edm.Int32","value":2}`. */
export function minimalProperty(baseUri: string, edmType: string, value: unknown): Record<string, unknown> {
  return { 'odata.metadata': metadataUri(baseUri, edmType), value };
}

/** An OData v3 error body. */
export interface ODataErrorBody {
  readonly code: string;
  readonly message: { readonly lang: 'en-US'; readonly value: string };
}

/**
 * An OData v3 JSON error body: `{"odata.error":{"code":…,"message":{"lang":"en-US","value":…}}}`,
 * or with `verbose: true` the verbose form `{"error":{…}}`.
 */
export function odataError(code: string, message: string, options: { verbose?: boolean } = {}): Record<string, ODataErrorBody> {
  const body: ODataErrorBody = { code, message: { lang: 'en-US', value: message } };
  return options.verbose === true ? { error: body } : { 'odata.error': body };
}

/**
 * The status and body to answer an error with: an {@link ODataError}'s own status, 400 for any
 * other JobGraphError (bad input), 500 with a generic message for anything else (no internals leak).
 */
export function errorResponse(err: unknown, options: { verbose?: boolean } = {}): { status: number; body: Record<string, ODataErrorBody> } {
  if (err instanceof ODataError) return { status: err.status, body: odataError(err.code, err.message, options) };
  if (err instanceof JobGraphError) return { status: 400, body: odataError(err.code, err.message, options) };
  return { status: 500, body: odataError('INTERNAL_ERROR', 'the service failed to process the request; see the server log', options) };
}
