import { describe, expect, it } from 'vitest';
import { ODataQueryError } from '../../../../src/server/odata/errors.js';
import { MAX_TREE_DEPTH, parseFilter, printFilter } from '../../../../src/server/odata/filter.js';
import { B, C, I, L, NEG, NOT, P, S, strip } from './helpers.js';

const parse = (text: string) => strip(parseFilter(text));

function failure(text: string, options?: Parameters<typeof parseFilter>[1]): ODataQueryError {
  try {
    parseFilter(text, options);
  } catch (err) {
    expect(err).toBeInstanceOf(ODataQueryError);
    return err as ODataQueryError;
  }
  throw new Error(`expected ${JSON.stringify(text)} to fail`);
}

describe('parseFilter() operators', () => {
  it.each(['eq', 'ne', 'gt', 'ge', 'lt', 'le'] as const)('parses the comparison %s', (op) => {
    expect(parse(`Priority ${op} 5`)).toEqual(B(op, P('Priority'), I(5)));
  });

  it.each(['add', 'sub', 'mul', 'div', 'mod'] as const)('parses the arithmetic operator %s', (op) => {
    expect(parse(`Priority ${op} 2 eq 4`)).toEqual(B('eq', B(op, P('Priority'), I(2)), I(4)));
  });

  it('parses and, or, not', () => {
    expect(parse('a and b')).toEqual(B('and', P('a'), P('b')));
    expect(parse('a or b')).toEqual(B('or', P('a'), P('b')));
    expect(parse('not a')).toEqual(NOT(P('a')));
    expect(parse('not not a')).toEqual(NOT(NOT(P('a'))));
  });

  it('parses negation and negative literals', () => {
    expect(parse('-Priority')).toEqual(NEG(P('Priority')));
    expect(parse('-5')).toEqual(I(-5));
    expect(parse('- 5')).toEqual(NEG(I(5)));
    expect(parse('-(5)')).toEqual(NEG(I(5)));
    expect(parse('-2147483648')).toEqual(I(-2147483648));
    expect(parse('Priority sub -5')).toEqual(B('sub', P('Priority'), I(-5)));
  });

  it('accepts tabs, newlines and runs of spaces as whitespace', () => {
    expect(parse("  Name\teq\n'x'  ")).toEqual(B('eq', P('Name'), S('x')));
  });

  it("reads a comparison written without spaces around the operator word's quote (eq'x')", () => {
    expect(parse("Name eq'x'")).toEqual(B('eq', P('Name'), S('x')));
  });
});

describe('parseFilter() precedence', () => {
  it('binds not tighter than comparisons, as OData v3 orders unary above relational', () => {
    expect(parse('not a eq b and c')).toEqual(B('and', B('eq', NOT(P('a')), P('b')), P('c')));
    expect(parse('not (a eq b) and c')).toEqual(B('and', NOT(B('eq', P('a'), P('b'))), P('c')));
  });

  it('binds and tighter than or', () => {
    expect(parse('a or b and c')).toEqual(B('or', P('a'), B('and', P('b'), P('c'))));
    expect(parse('a and b or c')).toEqual(B('or', B('and', P('a'), P('b')), P('c')));
  });

  it('binds comparisons tighter than and/or', () => {
    expect(parse("State eq 3 and Name ne 'x' or Priority gt 1")).toEqual(
      B('or', B('and', B('eq', P('State'), I(3)), B('ne', P('Name'), S('x'))), B('gt', P('Priority'), I(1))),
    );
  });

  it('binds relational operators tighter than eq/ne', () => {
    expect(parse('a eq b gt c')).toEqual(B('eq', P('a'), B('gt', P('b'), P('c'))));
    expect(parse('a lt b ne c')).toEqual(B('ne', B('lt', P('a'), P('b')), P('c')));
  });

  it('binds mul/div/mod tighter than add/sub, and arithmetic tighter than comparison', () => {
    expect(parse('a add b mul c gt d')).toEqual(B('gt', B('add', P('a'), B('mul', P('b'), P('c'))), P('d')));
    expect(parse('a mod b sub c div d')).toEqual(B('sub', B('mod', P('a'), P('b')), B('div', P('c'), P('d'))));
  });

  it('associates binary operators to the left', () => {
    expect(parse('a sub b sub c')).toEqual(B('sub', B('sub', P('a'), P('b')), P('c')));
    expect(parse('a and b and c')).toEqual(B('and', B('and', P('a'), P('b')), P('c')));
    expect(parse('a eq b eq c')).toEqual(B('eq', B('eq', P('a'), P('b')), P('c')));
  });

  it('lets parentheses override precedence and leaves no trace of them in the tree', () => {
    expect(parse('(a add b) mul c')).toEqual(B('mul', B('add', P('a'), P('b')), P('c')));
    expect(parse('a sub (b sub c)')).toEqual(B('sub', P('a'), B('sub', P('b'), P('c'))));
    expect(parse('((((a))))')).toEqual(P('a'));
  });

  it('binds negation tighter than multiplication', () => {
    expect(parse('-a mul b')).toEqual(B('mul', NEG(P('a')), P('b')));
  });
});

describe('parseFilter() literals', () => {
  it('reads strings, doubling a quote inside', () => {
    expect(parse("Name eq 'O''Brien'")).toEqual(B('eq', P('Name'), S("O'Brien")));
    expect(parse("Name eq ''")).toEqual(B('eq', P('Name'), S('')));
    expect(parse("Name eq ''''")).toEqual(B('eq', P('Name'), S("'")));
    expect(parse("Name eq 'a b (c) , eq'")).toEqual(B('eq', P('Name'), S('a b (c) , eq')));
  });

  it.each([
    ['5', 'int32', 5],
    ['0', 'int32', 0],
    ['2147483647', 'int32', 2147483647],
    ['2147483648', 'int64', 2147483648],
    ['5L', 'int64', 5],
    ['5l', 'int64', 5],
    ['12.5M', 'decimal', 12.5],
    ['12m', 'decimal', 12],
    ['2.5d', 'double', 2.5],
    ['2D', 'double', 2],
    ['1E+10d', 'double', 1e10],
    ['1.5e-3', 'double', 0.0015],
    ['2.5', 'double', 2.5],
    ['2.5f', 'single', 2.5],
    ['1e3F', 'single', 1000],
  ] as const)('reads the number %s as %s', (text, type, value) => {
    expect(parse(text)).toEqual(L(type, value));
  });

  it('reads true, false and null', () => {
    expect(parse('true')).toEqual(L('boolean', true));
    expect(parse('false')).toEqual(L('boolean', false));
    expect(parse('Name eq null')).toEqual(B('eq', P('Name'), L('null', null)));
  });

  it('reads datetime literals with Z, with an offset, and without a zone as UTC', () => {
    const ms = Date.UTC(2020, 3, 15, 18, 45, 24, 540);
    expect(parse("datetime'2020-04-15T18:45:24.54Z'")).toEqual(L('datetime', ms));
    expect(parse("datetime'2020-04-15T18:45:24.54'")).toEqual(L('datetime', ms));
    expect(parse("datetime'2020-04-15T20:45:24.54+02:00'")).toEqual(L('datetime', ms));
    expect(parse("DateTime'2020-04-15T18:45:24.5400000'")).toEqual(L('datetime', ms));
    expect(parse("datetime'2020-04-15T18:45'")).toEqual(L('datetime', Date.UTC(2020, 3, 15, 18, 45)));
    expect(parse("datetime'2020-04-15'")).toEqual(L('datetime', Date.UTC(2020, 3, 15)));
    expect(parse("datetimeoffset'2020-04-15T18:45:24.54Z'")).toEqual(L('datetimeoffset', ms));
  });

  it('drops fraction digits beyond the millisecond rather than rounding', () => {
    expect(parse("datetime'2020-04-15T18:45:24.9999999Z'")).toEqual(L('datetime', Date.UTC(2020, 3, 15, 18, 45, 24, 999)));
  });

  it('reads guid literals, lower-cased', () => {
    expect(parse("guid'01234567-89AB-CDEF-0123-456789ABCDEF'")).toEqual(L('guid', '01234567-89ab-cdef-0123-456789abcdef'));
  });
});

describe('parseFilter() functions and paths', () => {
  it.each([
    ["startswith(Name,'Enc')", C('startswith', P('Name'), S('Enc'))],
    ["endswith(Name,'720p')", C('endswith', P('Name'), S('720p'))],
    ["substringof('x',Name)", C('substringof', S('x'), P('Name'))],
    ["tolower(Name) eq 'a'", B('eq', C('tolower', P('Name')), S('a'))],
    ["toupper(Name) eq 'A'", B('eq', C('toupper', P('Name')), S('A'))],
    ['length(Name) gt 3', B('gt', C('length', P('Name')), I(3))],
    ["indexof(Name,'x') eq 0", B('eq', C('indexof', P('Name'), S('x')), I(0))],
    ["substring(Name,1) eq 'b'", B('eq', C('substring', P('Name'), I(1)), S('b'))],
    ["substring(Name,1,2) eq 'b'", B('eq', C('substring', P('Name'), I(1), I(2)), S('b'))],
    ["trim(Name) eq 'a'", B('eq', C('trim', P('Name')), S('a'))],
    ["concat(Name,'x') eq 'ax'", B('eq', C('concat', P('Name'), S('x')), S('ax'))],
    ["replace(Name,'a','b') eq 'b'", B('eq', C('replace', P('Name'), S('a'), S('b')), S('b'))],
    ['year(Created) eq 2020', B('eq', C('year', P('Created')), I(2020))],
    ['month(Created) eq 4', B('eq', C('month', P('Created')), I(4))],
    ['day(Created) eq 15', B('eq', C('day', P('Created')), I(15))],
    ['hour(Created) eq 18', B('eq', C('hour', P('Created')), I(18))],
    ['minute(Created) eq 45', B('eq', C('minute', P('Created')), I(45))],
    ['second(Created) eq 24', B('eq', C('second', P('Created')), I(24))],
    ['round(Progress) eq 50', B('eq', C('round', P('Progress')), I(50))],
    ['floor(Progress) eq 50', B('eq', C('floor', P('Progress')), I(50))],
    ['ceiling(Progress) eq 50', B('eq', C('ceiling', P('Progress')), I(50))],
  ])('parses %s', (text, tree) => {
    expect(parse(text)).toEqual(tree);
  });

  it('accepts spaces inside a call and before its parenthesis', () => {
    expect(parse("startswith ( Name , 'a' )")).toEqual(C('startswith', P('Name'), S('a')));
  });

  it('parses a nested call and an expression argument', () => {
    expect(parse("startswith(tolower(Name),concat('a','b'))")).toEqual(C('startswith', C('tolower', P('Name')), C('concat', S('a'), S('b'))));
    expect(parse('round(Progress add 0.5) eq 1')).toEqual(B('eq', C('round', B('add', P('Progress'), L('double', 0.5))), I(1)));
  });

  it('parses a property path with /', () => {
    expect(parse("Parent/Name eq 'x'")).toEqual(B('eq', P('Parent/Name'), S('x')));
  });

  it('records 1-based positions on nodes', () => {
    const e = parseFilter("State eq 3 and startswith(Name,'E')");
    expect(e).toMatchObject({ kind: 'binary', op: 'and', pos: 12, left: { pos: 7, left: { pos: 1 }, right: { pos: 10 } }, right: { pos: 16, args: [{ pos: 27 }, { pos: 32 }] } });
  });
});

describe('parseFilter() errors say where', () => {
  it.each([
    ['Name eq', 8, '', /expected a value after 'eq' at position 8, found the end/],
    ["State eq and Name eq 'x'", 10, 'and', /expected a value after 'eq' at position 10, found 'and'/],
    ['eq 5', 1, 'eq', /expected a value at the start at position 1/],
    ["Name == 'x'", 6, '=', /unexpected character '=' at position 6; OData operators are words/],
    ['Name eq "x"', 9, '"', /strings are in single quotes/],
    ["Name EQ 'x'", 6, 'EQ', /unknown operator 'EQ' at position 6: operators are lower-case \(eq\)/],
    ["Name eq 'x' Foo", 13, 'Foo', /expected an operator .* after ''x'' at position 13, found 'Foo'/],
    ["Name eq 'abc", 9, "'abc", /unterminated string starting at position 9/],
    ['(State eq 3', 12, '', /expected '\)' to close the '\(' at position 1/],
    ['State eq 3)', 11, ')', /unbalanced '\)' at position 11/],
    ['()', 2, ')', /expected a value after '\(' at position 2/],
    ['Priority eq 12abc', 13, '12abc', /malformed number '12abc' at position 13/],
    ['Priority eq 1.', 13, '1.', /malformed number/],
    ['Priority eq 1.5L', 13, '1.5L', /Int64 literal has no fraction/],
    ['Priority eq 99999999999999999999', 13, '99999999999999999999', /beyond ±2\^53/],
    ["Created eq datetime'2020-13-01T00:00:00Z'", 12, "datetime'2020-13-01T00:00:00Z'", /invalid datetime literal/],
    ["Created eq datetime'2021-02-29'", 12, "datetime'2021-02-29'", /invalid datetime literal/],
    ["Id eq guid'xyz'", 7, "guid'xyz'", /invalid guid literal/],
    ["Id eq time'PT1H'", 7, "time'PT1H'", /time'…' literals are not supported/],
    ["Name eq foo'x'", 12, "'", /unexpected quote after 'foo'/],
    ["Startswith(Name,'a')", 1, 'Startswith', /unknown function 'Startswith' .*lower-case: startswith/],
    ["frobnicate(Name)", 1, 'frobnicate', /unknown function 'frobnicate' at position 1; functions are substringof, /],
    ["isof(Name,'Edm.String')", 1, 'isof', /function 'isof' at position 1 is not supported/],
    ["startswith(Name)", 1, 'startswith', /startswith\(\) takes 2 arguments, got 1/],
    ["substring(Name,1,2,3)", 1, 'substring', /substring\(\) takes 2 or 3 arguments, got 4/],
    ["startswith(Name,)", 17, ')', /expected a value after ',' at position 17/],
    ["startswith(Name 'a')", 17, "'a'", /expected ',' or '\)' in the arguments of startswith\(\) at position 17/],
    ['Parent/ eq 1', 9, 'eq', /expected a property name after '\/' at position 9/],
    ['not', 4, '', /expected a value after 'not' at position 4/],
    ['', 1, '', /the expression is empty/],
    ['   ', 1, '', /the expression is empty/],
  ])('%j fails at position %i', (text, position, token, message) => {
    const err = failure(text);
    expect(err.code).toBe('ODATA_QUERY_INVALID');
    expect(err.option).toBe('$filter');
    expect(err.message).toMatch(/^\$filter: /);
    expect(err.message).toMatch(message);
    expect(err.position).toBe(position);
    expect(err.token).toBe(token);
  });

  it('refuses text over the length limit before reading it', () => {
    const err = failure('a eq 1 or '.repeat(500) + 'a eq 1');
    expect(err.message).toMatch(/5006 characters long; the limit is 4096/);
    expect(failure('a eq 1', { maxLength: 3 }).message).toMatch(/limit is 3/);
  });

  it('refuses nesting deeper than the limit, without overflowing the stack on any length', () => {
    expect(failure('('.repeat(101) + 'a' + ')'.repeat(101)).message).toMatch(/nesting deeper than 100 levels at position 101/);
    expect(() => parseFilter('('.repeat(100) + 'a' + ')'.repeat(100))).not.toThrow();
    expect(failure('not '.repeat(101) + 'a').message).toMatch(/nesting deeper than 100/);
    expect(failure('-'.repeat(200) + 'a').message).toMatch(/nesting deeper than 100/);
    expect(failure('tolower('.repeat(150) + 'a' + ')'.repeat(150)).message).toMatch(/nesting deeper than 100/);
    // No length limit: the depth check alone keeps a million parentheses from overflowing.
    expect(failure('('.repeat(1_000_000), { maxLength: Infinity }).message).toMatch(/nesting deeper than 100/);
    expect(failure('('.repeat(20), { maxDepth: 10 }).message).toMatch(/nesting deeper than 10 levels/);
  });

  it('caps the tree depth of long operator chains when the length limit is lifted', () => {
    const chain = Array.from({ length: MAX_TREE_DEPTH + 5 }, () => 'a').join(' or ');
    expect(failure(chain, { maxLength: Infinity }).message).toMatch(/nested more than 1000 levels deep/);
    const ok = Array.from({ length: 800 }, () => 'a').join(' or ');
    expect(() => parseFilter(ok)).not.toThrow();
  });

  it('names the option it was given in messages', () => {
    expect(failure('a eq', { option: '$where' }).message).toMatch(/^\$where: /);
  });
});

describe('printFilter()', () => {
  it.each([
    "Name eq 'O''Brien'",
    'not a eq b and c',
    'not (a eq b) and c',
    '(a or b) and c',
    'a sub (b sub c)',
    'a sub b sub c',
    '-a mul -5',
    '-(-a)',
    "startswith(tolower(Name),'x') or substringof('y',Name)",
    "Created gt datetime'2020-04-15T18:45:24.54Z' and Id eq guid'01234567-89ab-cdef-0123-456789abcdef'",
    'Priority eq 5L or Progress eq 12.5M or Progress eq 2.5d or Progress eq 2.5f or Progress eq 1e+21d',
  ])('prints %s back as written', (text) => {
    expect(printFilter(parseFilter(text))).toBe(text);
  });

  it('adds only the parentheses precedence needs', () => {
    expect(printFilter(B('mul', B('add', P('a'), P('b')), P('c')))).toBe('(a add b) mul c');
    expect(printFilter(B('add', P('a'), B('mul', P('b'), P('c'))))).toBe('a add b mul c');
    expect(printFilter(NOT(B('eq', P('a'), P('b'))))).toBe('not (a eq b)');
    expect(printFilter(NEG(I(5)))).toBe('-(5)');
    expect(printFilter(L('double', -0))).toBe('-0d');
  });
});
