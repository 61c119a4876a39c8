/**
 * A `$filter` tree compiled against an entity schema into a predicate. Type checking happens once,
 * at compile time; the predicate is a tree of closures that reads properties and compares, with no
 * re-parsing or type dispatch per entity.
 *
 * Entity values, by schema type:
 * - `string`: string · `int`, `double`: number · `boolean`: boolean · `guid`: string (compared
 *   case-insensitively) · `datetime`: **epoch milliseconds (number)**, never `Date` or ISO text —
 *   convert when building the entity view, once, not per comparison.
 * - `null` or a missing property is null.
 *
 * Null semantics (OData / SQL style): `eq`/`ne` compare null like any value (`Name eq null`);
 * `gt ge lt le` with a null operand are false; arithmetic and functions with a null operand give
 * null; `and`/`or`/`not` are three-valued (null is "unknown"); an entity matches only if the whole
 * filter is true.
 */
import { ODataQueryError, closestName, quoteSnippet } from './errors.js';
import { printFilter } from './filter.js';
import type { BinaryExpr, CallExpr, FilterExpr, FunctionName, LiteralExpr } from './filter.js';

/**
 * Characters the string functions of a filter (`replace`, `concat`, `tolower`, `toupper`, `trim`,
 * `substring`) may build per entity, on top of four times the text the filter reads from it. Nested
 * `replace` calls multiply a string's length at each level (`replace(replace(Name,'a','aaaa'),…)`),
 * so without a bound a 300-character filter takes minutes and gigabytes on one entity; past it the
 * filter is refused with a 400 (`ODATA_QUERY_INVALID`), before the string is built.
 */
export const MAX_FILTER_BUILT_CHARS = 65_536;

/** Primitive property types a filter or an ordering can use. */
export type ODataPrimitiveType = 'string' | 'int' | 'double' | 'boolean' | 'datetime' | 'guid';

/** The EDM type of each primitive type: what `$metadata`, `m:type` and JSON light's `odata.metadata` name. */
export const EDM_TYPES: Readonly<Record<ODataPrimitiveType, string>> = {
  string: 'Edm.String',
  int: 'Edm.Int32',
  double: 'Edm.Double',
  boolean: 'Edm.Boolean',
  datetime: 'Edm.DateTime',
  guid: 'Edm.Guid',
};

/**
 * A property's type: a primitive, or `collection` (an inline complex collection such as
 * `ErrorDetails`) and `navigation` (a deferred link such as `Tasks`), which `$select` accepts but
 * `$filter` and `$orderby` do not.
 */
export type ODataPropertyType = ODataPrimitiveType | 'collection' | 'navigation';

/**
 * Property name → type. Nested paths are keyed with `/` (`'Parent/Name'`) and read as
 * `entity.Parent.Name`.
 */
export type EntitySchema = Readonly<Record<string, ODataPropertyType>>;

/** A compiled filter: true when the entity matches. */
export type EntityPredicate<T> = (entity: T) => boolean;

type ValueType = ODataPrimitiveType | 'null';
type Entity = Readonly<Record<string, unknown>>;
type Eval = (entity: Entity) => unknown;

interface Typed {
  readonly type: ValueType;
  readonly fn: Eval;
  readonly node: FilterExpr;
}

/**
 * Compiles a `$filter` tree against a schema.
 *
 * @param expr - from {@link parseFilter}
 * @param schema - property name → type; see {@link EntitySchema}
 * @returns a predicate, cheap to call once per entity
 * @throws ODataQueryError (`ODATA_QUERY_INVALID`) for an unknown property (naming the known
 *   ones), a type mismatch such as `Name eq 5`, a non-primitive property, or a filter that is not
 *   boolean; the message gives the 1-based position
 * @example
 * ```ts
 * const match = compileFilter(parseFilter('State eq 3'), { State: 'int' });
 * match({ State: 3 }); // true
 * ```
 */
export function compileFilter<T extends object>(expr: FilterExpr, schema: EntitySchema, option = '$filter'): EntityPredicate<T> {
  const c = new Compiler(schema, option);
  const top = c.compile(expr);
  if (top.type !== 'boolean') {
    c.fail(`the filter must be a true/false condition, but ${c.show(expr)} is ${article(top.type)}`, expr, 'compare it, e.g. with eq');
  }
  const fn = top.fn;
  const budget = c.budget;
  return (entity: T) => {
    budget.left = MAX_FILTER_BUILT_CHARS;
    return fn(entity as Entity) === true;
  };
}

/** Reads a `/`-separated property path; a missing or null step gives null. */
export function propertyReader(path: string): (entity: object) => unknown {
  const parts = path.split('/');
  if (parts.length === 1) {
    return (entity) => {
      const v = (entity as Entity)[path];
      return v === undefined ? null : v;
    };
  }
  return (entity) => {
    let v: unknown = entity;
    for (const p of parts) {
      if (v === null || typeof v !== 'object') return null;
      v = (v as Entity)[p];
    }
    return v === undefined ? null : v;
  };
}

/** Looks a property up in a schema, throwing the "unknown property" error the way `$filter` does. */
export function lookupProperty(schema: EntitySchema, path: string, option: string, pos?: number): ODataPropertyType {
  if (Object.hasOwn(schema, path)) return schema[path]!;
  const names = Object.keys(schema);
  const near = closestName(path, names);
  const at = pos === undefined ? '' : ` at position ${pos}`;
  throw new ODataQueryError(
    `${option}: unknown property ${quoteSnippet(path)}${at}${near !== undefined ? ` (did you mean ${quoteSnippet(near)}?)` : ''}; properties are ${names.join(', ')}`,
    { option, position: pos, token: path },
  );
}

const isNumeric = (t: ValueType): boolean => t === 'int' || t === 'double';

const LITERAL_TYPE: Record<LiteralExpr['type'], ValueType> = {
  null: 'null',
  boolean: 'boolean',
  string: 'string',
  int32: 'int',
  int64: 'int',
  decimal: 'double',
  double: 'double',
  single: 'double',
  datetime: 'datetime',
  datetimeoffset: 'datetime',
  guid: 'guid',
};

type Param = 'string' | 'int' | 'numeric' | 'datetime';

interface FunctionDef {
  readonly params: readonly Param[];
  /** Result type; `'arg'` returns the first argument's type. */
  readonly returns: ValueType | 'arg';
  readonly impl: (...args: never[]) => unknown;
}

const utc = (ms: number): Date => new Date(ms);

// Functions never see null: a null argument makes the call null before `impl` runs.
const FUNCTIONS: Record<FunctionName, FunctionDef> = {
  substringof: { params: ['string', 'string'], returns: 'boolean', impl: (needle: string, hay: string) => hay.includes(needle) },
  startswith: { params: ['string', 'string'], returns: 'boolean', impl: (s: string, p: string) => s.startsWith(p) },
  endswith: { params: ['string', 'string'], returns: 'boolean', impl: (s: string, p: string) => s.endsWith(p) },
  length: { params: ['string'], returns: 'int', impl: (s: string) => s.length },
  indexof: { params: ['string', 'string'], returns: 'int', impl: (s: string, p: string) => s.indexOf(p) },
  // OData v4 clamps out-of-range indexes rather than failing; we do the same.
  substring: {
    params: ['string', 'int', 'int'],
    returns: 'string',
    impl: (s: string, start: number, length?: number) => {
      const from = Math.max(0, Math.min(start, s.length));
      return length === undefined ? s.slice(from) : s.slice(from, from + Math.max(0, length));
    },
  },
  tolower: { params: ['string'], returns: 'string', impl: (s: string) => s.toLowerCase() },
  toupper: { params: ['string'], returns: 'string', impl: (s: string) => s.toUpperCase() },
  trim: { params: ['string'], returns: 'string', impl: (s: string) => s.trim() },
  concat: { params: ['string', 'string'], returns: 'string', impl: (a: string, b: string) => a + b },
  replace: { params: ['string', 'string', 'string'], returns: 'string', impl: (s: string, find: string, by: string) => (find === '' ? s : s.replaceAll(find, by)) },
  year: { params: ['datetime'], returns: 'int', impl: (ms: number) => utc(ms).getUTCFullYear() },
  month: { params: ['datetime'], returns: 'int', impl: (ms: number) => utc(ms).getUTCMonth() + 1 },
  day: { params: ['datetime'], returns: 'int', impl: (ms: number) => utc(ms).getUTCDate() },
  hour: { params: ['datetime'], returns: 'int', impl: (ms: number) => utc(ms).getUTCHours() },
  minute: { params: ['datetime'], returns: 'int', impl: (ms: number) => utc(ms).getUTCMinutes() },
  second: { params: ['datetime'], returns: 'int', impl: (ms: number) => utc(ms).getUTCSeconds() },
  // Half away from zero, as OData v4 defines round (not .NET's default banker's rounding).
  round: { params: ['numeric'], returns: 'arg', impl: (x: number) => Math.sign(x) * Math.round(Math.abs(x)) },
  floor: { params: ['numeric'], returns: 'arg', impl: (x: number) => Math.floor(x) },
  ceiling: { params: ['numeric'], returns: 'arg', impl: (x: number) => Math.ceil(x) },
};

/** Length of `s.replaceAll(find, by)`, found without building it. */
function replacedLength(s: string, find: string, by: string): number {
  if (find === '' || by.length <= find.length) return s.length;
  let count = 0;
  for (let i = s.indexOf(find); i >= 0; i = s.indexOf(find, i + find.length)) count++;
  return s.length + count * (by.length - find.length);
}

class Compiler {
  readonly #schema: EntitySchema;
  readonly #option: string;
  /** What is left of {@link MAX_FILTER_BUILT_CHARS} for the entity being tested (reset per entity). */
  readonly budget = { left: MAX_FILTER_BUILT_CHARS };

  constructor(schema: EntitySchema, option: string) {
    this.#schema = schema;
    this.#option = option;
  }

  /** Throws `<option>: <message> at position N[; hint]`. */
  fail(message: string, at: FilterExpr, hint?: string): never {
    const where = at.pos === undefined ? '' : ` at position ${at.pos}`;
    throw new ODataQueryError(`${this.#option}: ${message}${where}${hint === undefined ? '' : `; ${hint}`}`, {
      option: this.#option,
      position: at.pos,
      token: this.show(at),
    });
  }

  /** A node as the user wrote it: names and literals bare, larger expressions quoted and cut. */
  show(e: FilterExpr): string {
    let text: string;
    try {
      text = printFilter(e);
    } catch {
      text = e.kind;
    }
    return e.kind === 'property' || e.kind === 'literal' ? (text.length > 40 ? text.slice(0, 39) + '…' : text) : quoteSnippet(text);
  }

  compile(e: FilterExpr): Typed {
    switch (e.kind) {
      case 'literal': {
        const value = e.value;
        return { type: LITERAL_TYPE[e.type], fn: () => value, node: e };
      }
      case 'property':
        return this.#property(e.path, e);
      case 'unary':
        return e.op === 'not' ? this.#not(e.operand, e) : this.#negate(e.operand, e);
      case 'binary':
        return this.#binary(e);
      case 'call':
        return this.#call(e);
    }
  }

  #property(path: string, e: FilterExpr): Typed {
    const type = lookupProperty(this.#schema, path, this.#option, e.pos);
    if (type === 'collection' || type === 'navigation') {
      this.fail(`${path} is a ${type === 'collection' ? 'collection' : 'navigation property'} and cannot be filtered on`, e, 'filter on primitive properties');
    }
    const read = propertyReader(path);
    if (type === 'string') {
      // Text read from the entity earns the string functions room to work on it.
      const budget = this.budget;
      return {
        type,
        fn: (entity) => {
          const v = read(entity);
          if (typeof v === 'string') budget.left += 4 * v.length;
          return v;
        },
        node: e,
      };
    }
    if (type === 'guid') {
      return {
        type,
        fn: (entity) => {
          const v = read(entity);
          return typeof v === 'string' ? v.toLowerCase() : v;
        },
        node: e,
      };
    }
    return { type, fn: read, node: e };
  }

  #not(operand: FilterExpr, e: FilterExpr): Typed {
    const o = this.compile(operand);
    if (o.type !== 'boolean' && o.type !== 'null') {
      this.fail(
        `'not' needs a true/false operand, but ${this.show(operand)} is ${article(o.type)}`,
        e,
        "'not' binds tighter than comparisons: write not (… eq …)",
      );
    }
    const f = o.fn;
    return { type: 'boolean', fn: (x) => {
      const v = f(x);
      return v === null ? null : !v;
    }, node: e };
  }

  #negate(operand: FilterExpr, e: FilterExpr): Typed {
    const o = this.compile(operand);
    if (!isNumeric(o.type) && o.type !== 'null') this.fail(`'-' needs a number, but ${this.show(operand)} is ${article(o.type)}`, e);
    const f = o.fn;
    return { type: o.type, fn: (x) => {
      const v = f(x) as number | null;
      return v === null ? null : -v;
    }, node: e };
  }

  #binary(e: BinaryExpr): Typed {
    const l = this.compile(e.left);
    const r = this.compile(e.right);
    switch (e.op) {
      case 'and':
      case 'or':
        return this.#logical(e, l, r);
      case 'eq':
      case 'ne':
      case 'gt':
      case 'ge':
      case 'lt':
      case 'le':
        return this.#comparison(e, l, r);
      default:
        return this.#arithmetic(e, l, r);
    }
  }

  #logical(e: BinaryExpr, l: Typed, r: Typed): Typed {
    for (const side of [l, r]) {
      if (side.type !== 'boolean' && side.type !== 'null') {
        this.fail(`'${e.op}' joins true/false conditions, but ${this.show(side.node)} is ${article(side.type)}`, e);
      }
    }
    const a = l.fn;
    const b = r.fn;
    // Three-valued: null is unknown. false and x = false; true or x = true.
    const fn: Eval =
      e.op === 'and'
        ? (x) => {
            const u = a(x);
            if (u === false) return false;
            const v = b(x);
            if (v === false) return false;
            return u === null || v === null ? null : true;
          }
        : (x) => {
            const u = a(x);
            if (u === true) return true;
            const v = b(x);
            if (v === true) return true;
            return u === null || v === null ? null : false;
          };
    return { type: 'boolean', fn, node: e };
  }

  #comparison(e: BinaryExpr, l: Typed, r: Typed): Typed {
    const compatible = l.type === 'null' || r.type === 'null' || l.type === r.type || (isNumeric(l.type) && isNumeric(r.type));
    if (!compatible) {
      this.fail(`cannot compare ${this.show(l.node)} (${l.type}) with ${this.show(r.node)} (${r.type}) using '${e.op}'`, e, mismatchHint(l, r));
    }
    const a = l.fn;
    const b = r.fn;
    let fn: Eval;
    switch (e.op) {
      case 'eq':
        fn = (x) => a(x) === b(x);
        break;
      case 'ne':
        fn = (x) => a(x) !== b(x);
        break;
      case 'gt':
        fn = (x) => {
          const u = a(x) as number | string | boolean | null;
          const v = b(x) as number | string | boolean | null;
          return u !== null && v !== null && u > v;
        };
        break;
      case 'ge':
        fn = (x) => {
          const u = a(x) as number | string | boolean | null;
          const v = b(x) as number | string | boolean | null;
          return u !== null && v !== null && u >= v;
        };
        break;
      case 'lt':
        fn = (x) => {
          const u = a(x) as number | string | boolean | null;
          const v = b(x) as number | string | boolean | null;
          return u !== null && v !== null && u < v;
        };
        break;
      default:
        fn = (x) => {
          const u = a(x) as number | string | boolean | null;
          const v = b(x) as number | string | boolean | null;
          return u !== null && v !== null && u <= v;
        };
        break;
    }
    return { type: 'boolean', fn, node: e };
  }

  #arithmetic(e: BinaryExpr, l: Typed, r: Typed): Typed {
    for (const side of [l, r]) {
      if (!isNumeric(side.type) && side.type !== 'null') {
        this.fail(`'${e.op}' needs numbers, but ${this.show(side.node)} is ${article(side.type)}`, e);
      }
    }
    const integer = l.type !== 'double' && r.type !== 'double';
    const type: ValueType = l.type === 'null' && r.type === 'null' ? 'null' : integer ? 'int' : 'double';
    const a = l.fn as (x: Entity) => number | null;
    const b = r.fn as (x: Entity) => number | null;
    let op: (u: number, v: number) => number | null;
    switch (e.op) {
      case 'add':
        op = (u, v) => u + v;
        break;
      case 'sub':
        op = (u, v) => u - v;
        break;
      case 'mul':
        op = (u, v) => u * v;
        break;
      // Integer division truncates, as in C#; by zero it is null (no match), not an error mid-listing.
      case 'div':
        op = integer ? (u, v) => (v === 0 ? null : Math.trunc(u / v)) : (u, v) => u / v;
        break;
      default:
        op = integer ? (u, v) => (v === 0 ? null : u % v) : (u, v) => u % v;
        break;
    }
    return {
      type,
      fn: (x) => {
        const u = a(x);
        if (u === null) return null;
        const v = b(x);
        return v === null ? null : op(u, v);
      },
      node: e,
    };
  }

  #call(e: CallExpr): Typed {
    const def = FUNCTIONS[e.name];
    const args = e.args.map((arg) => this.compile(arg));
    args.forEach((arg, i) => {
      const want = def.params[i]!;
      const ok = arg.type === 'null' || (want === 'numeric' ? isNumeric(arg.type) : arg.type === want);
      if (!ok) {
        this.fail(`${e.name}() expects ${want === 'numeric' ? 'a number' : article(want)} as argument ${i + 1}, but ${this.show(arg.node)} is ${article(arg.type)}`, e);
      }
    });
    const returns: ValueType = def.returns === 'arg' ? args[0]!.type : def.returns;
    const impl = returns === 'string' ? this.#charged(e, def.impl as (...a: unknown[]) => unknown) : (def.impl as (...a: unknown[]) => unknown);
    const fs = args.map((a) => a.fn);
    let fn: Eval;
    if (fs.length === 1) {
      const f0 = fs[0]!;
      fn = (x) => {
        const v0 = f0(x);
        return v0 === null ? null : impl(v0);
      };
    } else if (fs.length === 2) {
      const f0 = fs[0]!;
      const f1 = fs[1]!;
      fn = (x) => {
        const v0 = f0(x);
        if (v0 === null) return null;
        const v1 = f1(x);
        return v1 === null ? null : impl(v0, v1);
      };
    } else {
      fn = (x) => {
        const vs = new Array<unknown>(fs.length);
        for (let i = 0; i < fs.length; i++) {
          const v = fs[i]!(x);
          if (v === null) return null;
          vs[i] = v;
        }
        return impl(...vs);
      };
    }
    return { type: returns, fn, node: e };
  }

  /**
   * A string function that charges what it builds to {@link MAX_FILTER_BUILT_CHARS}: `replace` and
   * `concat` before building (their length is known), the others (never much longer than their
   * input) after.
   */
  #charged(e: CallExpr, impl: (...a: unknown[]) => unknown): (...a: unknown[]) => unknown {
    const budget = this.budget;
    const charge = (n: number): void => {
      budget.left -= n;
      if (budget.left < 0) {
        this.fail(
          `${e.name}() builds more text than this server evaluates per entity (${MAX_FILTER_BUILT_CHARS.toLocaleString('en-US')} characters beyond four times the text the filter reads)`,
          e,
          'nested replace() multiplies a string at each level: simplify the expression',
        );
      }
    };
    if (e.name === 'replace') {
      return (s, find, by) => {
        charge(replacedLength(s as string, find as string, by as string));
        return impl(s, find, by);
      };
    }
    if (e.name === 'concat') {
      return (a, b) => {
        charge((a as string).length + (b as string).length);
        return impl(a, b);
      };
    }
    return (...a) => {
      const out = impl(...a) as string;
      charge(out.length);
      return out;
    };
  }
}

function mismatchHint(l: Typed, r: Typed): string {
  const types = [l.type, r.type];
  if (types.includes('datetime') && types.includes('string')) return "write dates as datetime'2020-04-15T18:45:24.54Z'";
  if (types.includes('guid') && types.includes('string')) return "write guids as guid'…', and string ids as '…'";
  if (types.includes('string') && (types.includes('int') || types.includes('double'))) return "quote strings ('5'), leave numbers bare (5)";
  return 'compare values of the same type';
}

function article(t: ValueType | 'int'): string {
  return t === 'null' ? 'null' : t === 'int' ? 'an int' : `a ${t}`;
}
