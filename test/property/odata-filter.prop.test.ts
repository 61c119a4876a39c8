import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ODataQueryError } from '../../src/server/odata/errors.js';
import { compileFilter } from '../../src/server/odata/evaluate.js';
import type { EntitySchema } from '../../src/server/odata/evaluate.js';
import { BINARY_PRECEDENCE, FUNCTION_ARITY, parseFilter, printFilter } from '../../src/server/odata/filter.js';
import type { BinaryOperator, FilterExpr, FunctionName, LiteralExpr } from '../../src/server/odata/filter.js';
import { strip } from '../unit/server/odata/helpers.js';

const RUNS = 1000;

/** Any UTF-16 code unit, lone surrogates included. */
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));

const PROPERTIES = ['Name', 'State', 'Priority', 'Progress', 'Created', 'Flag', 'Id', 'Parent/Name', 'a', 'b_1', 'Eq', 'length'];
const BINARY_OPS = Object.keys(BINARY_PRECEDENCE) as BinaryOperator[];
const FUNCTIONS = Object.keys(FUNCTION_ARITY) as FunctionName[];
// Years 0000–9999: the span ISO 8601 writes with four digits.
const MIN_MS = Date.parse('0000-01-01T00:00:00Z');
const MAX_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

const double = fc.double({ noNaN: true, noDefaultInfinity: true });
const literal: fc.Arbitrary<LiteralExpr> = fc.oneof(
  fc.constant<LiteralExpr>({ kind: 'literal', type: 'null', value: null }),
  fc.boolean().map((value): LiteralExpr => ({ kind: 'literal', type: 'boolean', value })),
  fc.string({ unit: 'binary', maxLength: 12 }).map((value): LiteralExpr => ({ kind: 'literal', type: 'string', value })),
  fc.string({ unit: fc.constantFrom("'", "''", ' ', 'a', ')', ','), maxLength: 6 }).map((value): LiteralExpr => ({ kind: 'literal', type: 'string', value })),
  fc.integer().map((value): LiteralExpr => ({ kind: 'literal', type: 'int32', value })),
  fc.maxSafeInteger().map((value): LiteralExpr => ({ kind: 'literal', type: 'int64', value })),
  double.map((value): LiteralExpr => ({ kind: 'literal', type: 'double', value })),
  double.map((value): LiteralExpr => ({ kind: 'literal', type: 'decimal', value })),
  double.map((value): LiteralExpr => ({ kind: 'literal', type: 'single', value })),
  fc.integer({ min: Math.ceil(MIN_MS), max: MAX_MS }).map((value): LiteralExpr => ({ kind: 'literal', type: 'datetime', value })),
  fc.integer({ min: Math.ceil(MIN_MS), max: MAX_MS }).map((value): LiteralExpr => ({ kind: 'literal', type: 'datetimeoffset', value })),
  fc.uuid().map((value): LiteralExpr => ({ kind: 'literal', type: 'guid', value })),
);

const { expr } = fc.letrec<{ expr: FilterExpr }>((tie) => ({
  expr: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    literal,
    fc.constantFrom(...PROPERTIES).map((path): FilterExpr => ({ kind: 'property', path })),
    fc.record({ op: fc.constantFrom('not' as const, 'negate' as const), operand: tie('expr') }).map((u): FilterExpr => ({ kind: 'unary', ...u })),
    fc.record({ op: fc.constantFrom(...BINARY_OPS), left: tie('expr'), right: tie('expr') }).map((b): FilterExpr => ({ kind: 'binary', ...b })),
    fc
      .constantFrom(...FUNCTIONS)
      .chain((name) => {
        const [min, max] = FUNCTION_ARITY[name];
        return fc.array(tie('expr'), { minLength: min, maxLength: max }).map((args): FilterExpr => ({ kind: 'call', name, args }));
      }),
  ),
}));

describe('parseFilter() / printFilter() properties', () => {
  it('a random tree printed to text parses back to the same tree', () => {
    fc.assert(
      fc.property(expr, (tree) => {
        const text = printFilter(tree);
        expect(strip(parseFilter(text, { maxLength: Infinity }))).toEqual(tree);
      }),
      { numRuns: RUNS },
    );
  });

  it('printing is idempotent through a parse', () => {
    fc.assert(
      fc.property(expr, (tree) => {
        const text = printFilter(tree);
        expect(printFilter(parseFilter(text, { maxLength: Infinity }))).toBe(text);
      }),
      { numRuns: RUNS },
    );
  });

  it('positions recorded on nodes point at their first character in the text', () => {
    fc.assert(
      fc.property(expr, (tree) => {
        const text = printFilter(tree);
        const parsed = parseFilter(text, { maxLength: Infinity });
        const stack: FilterExpr[] = [parsed];
        while (stack.length > 0) {
          const e = stack.pop()!;
          expect(e.pos).toBeGreaterThanOrEqual(1);
          expect(e.pos).toBeLessThanOrEqual(text.length);
          if (e.kind === 'property') expect(text.startsWith(e.path, e.pos! - 1)).toBe(true);
          if (e.kind === 'binary') expect(text.startsWith(e.op, e.pos! - 1)).toBe(true);
          if (e.kind === 'call') expect(text.startsWith(e.name + '(', e.pos! - 1)).toBe(true);
          if (e.kind === 'unary') stack.push(e.operand);
          if (e.kind === 'binary') stack.push(e.left, e.right);
          if (e.kind === 'call') stack.push(...e.args);
        }
      }),
      { numRuns: RUNS },
    );
  });
});

const schema: EntitySchema = {
  Name: 'string',
  State: 'int',
  Priority: 'int',
  Progress: 'double',
  Created: 'datetime',
  Flag: 'boolean',
  Id: 'guid',
  'Parent/Name': 'string',
  Tasks: 'navigation',
};
const entities = [
  { Name: 'Encode', State: 3, Priority: 0, Progress: 100, Created: 0, Flag: true, Id: '01234567-89ab-cdef-0123-456789abcdef', Parent: { Name: 'p' } },
  { Name: null, State: null, Priority: -1, Progress: Number.NaN, Created: null, Flag: null, Id: null, Parent: null },
  {},
];

/** Token soup: fragments that combine into near-valid filters, to reach deep into the parser. */
const FRAGMENTS = [
  '(', ')', ' ', ',', '/', '-', "'", "''", 'eq', 'ne', 'gt', 'lt', 'and', 'or', 'not', 'add', 'mul', 'div', 'mod',
  'Name', 'State', 'Progress', 'Created', 'Flag', 'Id', 'Parent', 'Tasks', 'Nope', '5', '0', '5L', '1.5M', '2e3d', '.5', '1e', '99999999999999999999',
  "'x'", "'O''B'", 'null', 'true', 'false', "datetime'2020-04-15T18:45:24.54Z'", "datetime'2020-02-30'", "guid'01234567-89ab-cdef-0123-456789abcdef'",
  "guid'x'", "time'PT1H'", 'startswith(', 'substringof(', 'tolower(', 'length(', 'substring(', 'year(', 'round(', 'isof(', 'foo(', 'EQ', '==', '"', '\t', '\u00e9', '\ud800',
];
const soup = fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 40 }).chain((parts) => fc.constantFrom(parts.join(' '), parts.join('')));

function neverThrowsOtherwise(text: string): void {
  let tree: FilterExpr;
  try {
    tree = parseFilter(text);
  } catch (err) {
    if (!(err instanceof ODataQueryError)) throw err;
    expect(err.code).toBe('ODATA_QUERY_INVALID');
    expect(err.message.startsWith('$filter: ')).toBe(true);
    if (err.position !== undefined) {
      expect(err.position).toBeGreaterThanOrEqual(1);
      expect(err.position).toBeLessThanOrEqual(Math.max(text.length, 4096) + 1);
    }
    return;
  }
  let match: (e: object) => boolean;
  try {
    match = compileFilter(tree, schema);
  } catch (err) {
    if (!(err instanceof ODataQueryError)) throw err;
    return;
  }
  for (const e of entities) expect(typeof match(e)).toBe('boolean');
}

describe('$filter robustness', () => {
  it('any string either parses or throws ODataQueryError, never another exception', () => {
    fc.assert(fc.property(fc.string({ unit: codeUnit, maxLength: 300 }), neverThrowsOtherwise), { numRuns: RUNS });
  });

  it('any printable-ASCII string either parses or throws ODataQueryError', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme-ascii', maxLength: 300 }), neverThrowsOtherwise), { numRuns: RUNS });
  });

  it('any token soup parses, compiles and evaluates, or throws ODataQueryError', () => {
    fc.assert(fc.property(soup, neverThrowsOtherwise), { numRuns: RUNS * 3 });
  });

  it('any printed random tree compiles and evaluates, or throws ODataQueryError', () => {
    fc.assert(fc.property(expr, (tree) => neverThrowsOtherwise(printFilter(tree))), { numRuns: RUNS });
  });

  it('long inputs near the length limit finish (no hang, no stack overflow)', () => {
    const long = fc.array(fc.constantFrom(...FRAGMENTS), { minLength: 400, maxLength: 1200 }).map((p) => p.join(' ').slice(0, 4096));
    fc.assert(fc.property(long, neverThrowsOtherwise), { numRuns: 200 });
  });
});
