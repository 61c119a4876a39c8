/**
 * OData v3 system query options (`$filter`, `$top`, `$skip`, `$select`, `$orderby`,
 * `$inlinecount`, `$format`) parsed and checked once per request, and applied to an in-memory list:
 * filter → order → skip → top → cap.
 *
 * AMS returns at most 1000 entities per query whatever `$top` says (reference §9, §10); the cap is
 * `maxTop` and applies after `$top`. A client pages with `$skip`/`$top`.
 */
import { ArgumentRangeError } from '../../errors.js';
import { ODataQueryError, closestName, quoteSnippet } from './errors.js';
import { compileFilter, lookupProperty, propertyReader } from './evaluate.js';
import type { EntityPredicate, EntitySchema, ODataPrimitiveType } from './evaluate.js';
import { parseFilter } from './filter.js';
import { negotiateFormat } from './negotiate.js';
import type { FilterExpr } from './filter.js';

/** The per-response cap AMS applies (reference §10, "Entities per query"). */
export const AMS_MAX_PAGE = 1000;

/** One `$orderby` key. */
export interface OrderByItem {
  readonly property: string;
  readonly direction: 'asc' | 'desc';
  /** The property's type, from the schema; `guid` orders case-insensitively. */
  readonly type: ODataPrimitiveType;
}

/** Parsed, checked query options, ready for {@link applyQuery}. */
export interface QueryOptions<T extends object = Record<string, unknown>> {
  /** The compiled `$filter`, or undefined to keep everything. */
  readonly filter: EntityPredicate<T> | undefined;
  /** The parsed `$filter` tree, for logging or for a store that can push it down. */
  readonly filterExpr: FilterExpr | undefined;
  /** `$top`, or undefined. The response is capped at `maxTop` regardless. */
  readonly top: number | undefined;
  /** `$skip`; 0 when absent. */
  readonly skip: number;
  /** `$select` property names in the order given, or undefined for all (absent or `*`). */
  readonly select: readonly string[] | undefined;
  /** `$orderby` keys, most significant first; empty when absent. */
  readonly orderBy: readonly OrderByItem[];
  /** `$inlinecount=allpages`: the response carries the total count. */
  readonly inlineCount: boolean;
  /** `$format` as given (`json`, `verbose`, `atom`, `xml`), or undefined; see `negotiateFormat`. */
  readonly format: string | undefined;
  /** Most entities one response carries. */
  readonly maxTop: number;
}

/** Options of {@link parseQueryOptions}. */
export interface ParseQueryOptionsOptions {
  /** Per-response cap. @defaultValue 1000 ({@link AMS_MAX_PAGE}) */
  maxTop?: number;
  /** Longest `$filter`, in characters. @defaultValue 4096 */
  maxFilterLength?: number;
  /** Deepest `$filter` nesting. @defaultValue 100 */
  maxFilterDepth?: number;
}

const KNOWN_OPTIONS = ['$filter', '$top', '$skip', '$select', '$orderby', '$inlinecount', '$format', '$expand'] as const;
const INT32_MAX = 2147483647;
const FORMAT_NAMES = ['json', 'verbose', 'atom', 'xml'] as const;
/** `json, verbose, atom or xml`: the error names every value accepted, from the one list. */
const FORMATS_TEXT = `${FORMAT_NAMES.slice(0, -1).join(', ')} or ${FORMAT_NAMES.at(-1)!}`;

/**
 * Parses the system query options of a request against an entity schema. Parameters without `$`
 * (`api-version`, `jobid`) are ignored; unknown `$` options are refused.
 *
 * @param searchParams - the request's query, e.g. `new URL(req.url, base).searchParams`
 * @param schema - the entity set's properties; see `EntitySchema`
 * @param options - `maxTop` (the per-response cap, default 1000) and `$filter` limits
 * @returns checked options with the filter compiled once
 * @throws ODataQueryError `ODATA_EXPAND_UNSUPPORTED` for `$expand`; `ODATA_QUERY_INVALID` for an
 *   unknown or repeated option, a malformed value, an unknown property, a type mismatch
 * @throws RangeError (`ERR_OUT_OF_RANGE`) if `maxTop` is not an integer ≥ 1
 * @example
 * ```ts
 * const q = parseQueryOptions(new URLSearchParams('$filter=State eq 3&$top=10'), { State: 'int' });
 * const { items, total } = applyQuery(jobs, q);
 * ```
 */
export function parseQueryOptions<T extends object = Record<string, unknown>>(
  searchParams: URLSearchParams,
  schema: EntitySchema,
  options: ParseQueryOptionsOptions = {},
): QueryOptions<T> {
  const maxTop = options.maxTop ?? AMS_MAX_PAGE;
  if (!Number.isInteger(maxTop) || maxTop < 1) {
    throw new ArgumentRangeError(`parseQueryOptions: expected \`maxTop\` to be an integer >= 1, got \`${String(maxTop)}\` (${typeof maxTop})`);
  }
  const seen = new Map<string, string>();
  for (const [name, value] of searchParams) {
    if (!name.startsWith('$')) continue;
    if (!(KNOWN_OPTIONS as readonly string[]).includes(name)) {
      const near = closestName(name, KNOWN_OPTIONS);
      throw new ODataQueryError(
        `unknown query option ${quoteSnippet(name)}${near !== undefined ? ` (did you mean ${quoteSnippet(near)}?)` : ''}; supported options are ${KNOWN_OPTIONS.filter((o) => o !== '$expand').join(', ')}`,
        { option: name },
      );
    }
    if (seen.has(name)) throw new ODataQueryError(`${name} is given more than once; give it once`, { option: name });
    seen.set(name, value);
  }

  if (seen.has('$expand')) {
    throw new ODataQueryError('$expand is not supported by Media Services; request the navigation property instead, e.g. Jobs(\'id\')/Tasks', {
      option: '$expand',
      code: 'ODATA_EXPAND_UNSUPPORTED',
    });
  }

  let filter: EntityPredicate<T> | undefined;
  let filterExpr: FilterExpr | undefined;
  const filterText = seen.get('$filter');
  if (filterText !== undefined) {
    filterExpr = parseFilter(filterText, { maxLength: options.maxFilterLength ?? 4096, maxDepth: options.maxFilterDepth ?? 100 });
    filter = compileFilter<T>(filterExpr, schema);
  }

  const topText = seen.get('$top');
  const skipText = seen.get('$skip');
  const inlineText = seen.get('$inlinecount');
  let inlineCount = false;
  if (inlineText !== undefined) {
    if (inlineText !== 'allpages' && inlineText !== 'none') {
      throw new ODataQueryError(`$inlinecount must be allpages or none, got ${quoteSnippet(inlineText)}`, { option: '$inlinecount', token: inlineText });
    }
    inlineCount = inlineText === 'allpages';
  }
  const format = seen.get('$format');
  // What negotiateFormat answers in: the names in any case, and the media types (`application/json`).
  if (format !== undefined && negotiateFormat(undefined, format) === 'unsupported') {
    throw new ODataQueryError(`$format must be ${FORMATS_TEXT} (or a media type: application/json, application/atom+xml, application/xml), got ${quoteSnippet(format)}`, { option: '$format', token: format });
  }
  const selectText = seen.get('$select');
  const orderText = seen.get('$orderby');

  return {
    filter,
    filterExpr,
    top: topText === undefined ? undefined : parseCount('$top', topText),
    skip: skipText === undefined ? 0 : parseCount('$skip', skipText),
    select: selectText === undefined ? undefined : parseSelect(selectText, schema),
    orderBy: orderText === undefined ? [] : parseOrderBy(orderText, schema),
    inlineCount,
    format,
    maxTop,
  };
}

function parseCount(option: string, text: string): number {
  if (!/^[0-9]+$/.test(text)) {
    throw new ODataQueryError(`${option} must be a non-negative integer, got ${quoteSnippet(text)}`, { option, token: text });
  }
  const n = Number(text);
  if (n > INT32_MAX) throw new ODataQueryError(`${option} must be at most ${INT32_MAX}, got ${quoteSnippet(text)}`, { option, token: text });
  return n;
}

/** Splits a comma list, giving each item's trimmed text and 1-based position. */
function* items(text: string): Generator<{ item: string; pos: number }> {
  let from = 0;
  for (;;) {
    const comma = text.indexOf(',', from);
    const raw = text.slice(from, comma < 0 ? text.length : comma);
    const lead = raw.length - raw.trimStart().length;
    yield { item: raw.trim(), pos: from + lead + 1 };
    if (comma < 0) return;
    from = comma + 1;
  }
}

function parseSelect(text: string, schema: EntitySchema): readonly string[] | undefined {
  const out: string[] = [];
  let all = false;
  for (const { item, pos } of items(text)) {
    if (item === '') throw new ODataQueryError(`$select: expected a property name at position ${pos}`, { option: '$select', position: pos, token: '' });
    if (item === '*') {
      all = true;
      continue;
    }
    if (item.includes('/')) {
      throw new ODataQueryError(`$select: ${quoteSnippet(item)} at position ${pos} reaches into another entity, which needs $expand, and $expand is not supported`, {
        option: '$select',
        position: pos,
        token: item,
      });
    }
    lookupProperty(schema, item, '$select', pos);
    if (!out.includes(item)) out.push(item);
  }
  return all ? undefined : out;
}

function parseOrderBy(text: string, schema: EntitySchema): readonly OrderByItem[] {
  const out: OrderByItem[] = [];
  const seen = new Set<string>();
  for (const { item, pos } of items(text)) {
    if (item === '') throw new ODataQueryError(`$orderby: expected a property name at position ${pos}`, { option: '$orderby', position: pos, token: '' });
    const parts = item.split(/[ \t]+/);
    const property = parts[0]!;
    const dir = parts[1];
    if (parts.length > 2 || (dir !== undefined && dir !== 'asc' && dir !== 'desc')) {
      const bad = parts.slice(1).join(' ');
      throw new ODataQueryError(`$orderby: expected asc, desc, ',' or the end after ${quoteSnippet(property)} at position ${pos}, found ${quoteSnippet(bad)}; order by properties only`, {
        option: '$orderby',
        position: pos,
        token: bad,
      });
    }
    const type = lookupProperty(schema, property, '$orderby', pos);
    if (type === 'collection' || type === 'navigation') {
      throw new ODataQueryError(`$orderby: ${property} at position ${pos} is not a primitive property and cannot order results`, { option: '$orderby', position: pos, token: property });
    }
    // A property named again can never decide an order (entities it would compare are equal on it
    // already): dropped, so `$orderby=State,State,…` costs one key, not one per repeat.
    if (!seen.has(property)) out.push({ property, direction: dir === 'desc' ? 'desc' : 'asc', type });
    seen.add(property);
  }
  return out;
}

/**
 * Applies parsed options to a list: filter → order (stable) → skip → top → cap at `maxTop`.
 * Ordering puts null first ascending and last descending, compares strings by UTF-16 code unit
 * (ordinal, as .NET's default for OData), guids case-insensitively, false before true.
 *
 * @param entities - the whole set, in its natural (submission) order
 * @param options - from {@link parseQueryOptions}
 * @returns the page and `total`, the count after filtering (for `$inlinecount`)
 */
export function applyQuery<T extends object>(
  entities: readonly T[],
  options: Pick<QueryOptions<T>, 'filter' | 'orderBy' | 'skip' | 'top' | 'maxTop'>,
): { items: T[]; total: number } {
  const filtered = options.filter === undefined ? entities : entities.filter(options.filter);
  const total = filtered.length;
  const start = Math.min(options.skip, total);
  const count = Math.min(options.top ?? Infinity, options.maxTop, total - start);
  if (options.orderBy.length === 0 || count <= 0) return { items: filtered.slice(start, start + Math.max(0, count)), total };
  const ordered = sortStable(filtered, options.orderBy);
  return { items: ordered.slice(start, start + count), total };
}

function sortStable<T extends object>(list: readonly T[], orderBy: readonly OrderByItem[]): T[] {
  // Decorate once: one key array per order item, read through the path reader.
  const n = list.length;
  const keys = orderBy.map((o) => {
    const read = propertyReader(o.property);
    const lower = o.type === 'guid';
    const k = new Array<unknown>(n);
    for (let i = 0; i < n; i++) {
      const v = read(list[i]!);
      k[i] = lower && typeof v === 'string' ? v.toLowerCase() : v;
    }
    return { k, sign: o.direction === 'desc' ? -1 : 1 };
  });
  const index = Array.from({ length: n }, (_, i) => i);
  index.sort((a, b) => {
    for (const { k, sign } of keys) {
      const c = compareValues(k[a], k[b]);
      if (c !== 0) return sign * c;
    }
    return a - b; // stable, explicitly: submission order is the last tie-break
  });
  return index.map((i) => list[i]!);
}

/** Total order used by `$orderby`: null lowest, then by value. */
export function compareValues(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return b === null || b === undefined ? 0 : -1;
  if (b === null || b === undefined) return 1;
  if (typeof a === 'number' && typeof b === 'number') {
    // NaN sorts lowest among numbers, so the order stays total.
    if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : -1;
    if (Number.isNaN(b)) return 1;
  }
  return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
}

/**
 * Keeps only the `$select`ed properties of an entity, in the order asked. Properties the entity
 * does not have are left out, not written as null.
 *
 * @param entity - a plain entity view
 * @param select - `QueryOptions.select`; undefined keeps every property (the entity itself is returned)
 */
export function selectProperties<T extends object>(entity: T, select: readonly string[] | undefined): Partial<T> {
  if (select === undefined) return entity;
  const out: Record<string, unknown> = {};
  for (const name of select) {
    if (Object.hasOwn(entity, name)) out[name] = (entity as Record<string, unknown>)[name];
  }
  return out as Partial<T>;
}
