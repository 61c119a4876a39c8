import { describe, expect, it } from 'vitest';
import { ODataQueryError } from '../../../../src/server/odata/errors.js';
import { compileFilter, propertyReader } from '../../../../src/server/odata/evaluate.js';
import type { EntitySchema } from '../../../../src/server/odata/evaluate.js';
import { parseFilter } from '../../../../src/server/odata/filter.js';
import { B, I, P } from './helpers.js';

const schema: EntitySchema = {
  Id: 'string',
  Name: 'string',
  State: 'int',
  Priority: 'int',
  Progress: 'double',
  Created: 'datetime',
  EndTime: 'datetime',
  Flag: 'boolean',
  AccountId: 'guid',
  'Parent/Name': 'string',
  ErrorDetails: 'collection',
  Tasks: 'navigation',
};

const created = Date.UTC(2020, 3, 15, 18, 45, 24, 540);
const job = {
  Id: 'nb:jid:UUID:1',
  Name: 'Encode 720p',
  State: 3,
  Priority: 10,
  Progress: 99.5,
  Created: created,
  EndTime: null,
  Flag: true,
  AccountId: '01234567-89AB-CDEF-0123-456789ABCDEF',
  Parent: { Name: 'Outer' },
};

const matches = (filter: string, entity: object = job): boolean => compileFilter(parseFilter(filter), schema)(entity);

function compileError(filter: string): ODataQueryError {
  try {
    compileFilter(parseFilter(filter), schema);
  } catch (err) {
    expect(err).toBeInstanceOf(ODataQueryError);
    return err as ODataQueryError;
  }
  throw new Error(`expected ${filter} not to compile`);
}

describe('compileFilter() comparisons', () => {
  it.each([
    ['State eq 3', true],
    ['State ne 3', false],
    ['State gt 2', true],
    ['State gt 3', false],
    ['State ge 3', true],
    ['State lt 3', false],
    ['State lt 4', true],
    ['State le 3', true],
    ["Name eq 'Encode 720p'", true],
    ["Name eq 'encode 720p'", false],
    ["Name gt 'Encode'", true],
    ["Name lt 'F'", true],
    ['Progress gt 99', true],
    ['Progress eq 99.5d', true],
    ['Progress eq 99.5M', true],
    ['Priority eq 10L', true],
    ['Priority eq 10.0d', true],
    ['Flag eq true', true],
    ['Flag', true],
    ['Flag gt false', true],
    ["Created eq datetime'2020-04-15T18:45:24.54Z'", true],
    ["Created eq datetime'2020-04-15T18:45:24.54'", true],
    ["Created gt datetime'2020-01-01T00:00:00Z'", true],
    ["Created lt datetime'2020-01-01'", false],
    ["AccountId eq guid'01234567-89ab-cdef-0123-456789abcdef'", true],
    ["Parent/Name eq 'Outer'", true],
    ['3 eq State', true],
  ])('%s → %s', (filter, expected) => {
    expect(matches(filter)).toBe(expected);
  });
});

describe('compileFilter() logic and null semantics', () => {
  it.each([
    ["State eq 3 and Name eq 'Encode 720p'", true],
    ["State eq 3 and Name eq 'x'", false],
    ["State eq 4 or Name eq 'Encode 720p'", true],
    ['not (State eq 4)', true],
    ['not Flag', false],
    ['EndTime eq null', true],
    ['EndTime ne null', false],
    ['null eq EndTime', true],
    ["EndTime gt datetime'2000-01-01'", false],
    ["EndTime lt datetime'2000-01-01'", false],
    ["EndTime le datetime'2000-01-01'", false],
    ['State gt null', false],
    ['Missing eq null', true],
    ['null eq null', true],
  ])('%s → %s', (filter, expected) => {
    expect(compileFilter(parseFilter(filter), { ...schema, Missing: 'int' })(job)).toBe(expected);
  });

  it('treats a missing property as null', () => {
    expect(matches('EndTime eq null', { Id: 'x' })).toBe(true);
    expect(matches("Parent/Name eq null", { Id: 'x' })).toBe(true);
    expect(matches("Parent/Name eq null", { Id: 'x', Parent: null })).toBe(true);
  });

  it('is three-valued: unknown (null) is neither true nor false, and not unknown stays unknown', () => {
    const nullFlag = { ...job, Flag: null };
    expect(matches('Flag', nullFlag)).toBe(false);
    expect(matches('not Flag', nullFlag)).toBe(false);
    expect(matches('Flag or State eq 3', nullFlag)).toBe(true);
    expect(matches('Flag and State eq 4', nullFlag)).toBe(false);
    expect(matches('not (Flag and State eq 4)', nullFlag)).toBe(true); // null and false = false
    expect(matches('not (Flag or State eq 4)', nullFlag)).toBe(false); // null or false = null
    expect(matches("startswith(Name,'E')", { ...job, Name: null })).toBe(false);
    expect(matches("not startswith(Name,'E')", { ...job, Name: null })).toBe(false);
  });

  it('propagates null through arithmetic and functions', () => {
    expect(matches('Priority add 1 eq null', { ...job, Priority: null })).toBe(true);
    expect(matches('length(Name) eq null', { ...job, Name: null })).toBe(true);
    expect(matches('-Priority eq null', { ...job, Priority: null })).toBe(true);
  });
});

describe('compileFilter() arithmetic', () => {
  it.each([
    ['Priority add 5 eq 15', true],
    ['Priority sub 15 eq -5', true],
    ['Priority mul 2 eq 20', true],
    ['Priority div 3 eq 3', true], // integer division truncates
    ['-Priority div 3 eq -3', true],
    ['Priority div 4.0d eq 2.5', true],
    ['Priority mod 3 eq 1', true],
    ['Progress mod 1 eq 0.5', true],
    ['Priority div 0 eq null', true], // integer division by zero is null, not an error
    ['Priority mod 0 eq null', true],
    ['-Priority eq -10', true],
    ['Priority add 1 mul 2 eq 12', true],
    ['(Priority add 1) mul 2 eq 22', true],
  ])('%s → %s', (filter, expected) => {
    expect(matches(filter)).toBe(expected);
  });
});

describe('compileFilter() functions', () => {
  it.each([
    ["startswith(Name,'Enc')", true],
    ["startswith(Name,'enc')", false],
    ["endswith(Name,'720p')", true],
    ["substringof('ode 7',Name)", true],
    ["substringof(Name,'ode 7')", false],
    ["tolower(Name) eq 'encode 720p'", true],
    ["toupper(Name) eq 'ENCODE 720P'", true],
    ['length(Name) eq 11', true],
    ["indexof(Name,'code') eq 2", true],
    ["indexof(Name,'zzz') eq -1", true],
    ["substring(Name,7) eq '720p'", true],
    ["substring(Name,0,6) eq 'Encode'", true],
    ["substring(Name,50) eq ''", true],
    ["substring(Name,-3,2) eq 'En'", true],
    ["trim(concat('  ',Name)) eq Name", true],
    ["concat(Name,'!') eq 'Encode 720p!'", true],
    ["replace(Name,'720p','1080p') eq 'Encode 1080p'", true],
    ["replace(Name,'','x') eq Name", true],
    ['year(Created) eq 2020', true],
    ['month(Created) eq 4', true],
    ['day(Created) eq 15', true],
    ['hour(Created) eq 18', true],
    ['minute(Created) eq 45', true],
    ['second(Created) eq 24', true],
    ['round(Progress) eq 100', true],
    ['round(-2.5d) eq -3', true],
    ['floor(Progress) eq 99', true],
    ['ceiling(Progress) eq 100', true],
    ['round(Priority) eq 10', true],
  ])('%s → %s', (filter, expected) => {
    expect(matches(filter)).toBe(expected);
  });
});

describe('compileFilter() refuses at compile time', () => {
  it.each([
    ["Nmae eq 'x'", 1, /unknown property 'Nmae' at position 1 \(did you mean 'Name'\?\); properties are Id, Name, State/],
    ["name eq 'x'", 1, /did you mean 'Name'/],
    ['Name eq 5', 6, /cannot compare Name \(string\) with 5 \(int\) using 'eq' at position 6; quote strings/],
    ["State eq '3'", 7, /cannot compare State \(int\) with '3' \(string\)/],
    ["Created gt '2020-01-01'", 9, /write dates as datetime'/],
    ["Id eq guid'01234567-89ab-cdef-0123-456789abcdef'", 4, /write guids as guid/],
    ['Flag eq 1', 6, /cannot compare Flag \(boolean\) with 1 \(int\)/],
    ["not Name eq 'x'", 1, /'not' needs a true\/false operand, but Name is a string at position 1; 'not' binds tighter than comparisons: write not \(… eq …\)/],
    ['State and Flag', 7, /'and' joins true\/false conditions, but State is an int/],
    ["Name add 1 eq 2", 6, /'add' needs numbers, but Name is a string/],
    ["-Name eq 'x'", 1, /'-' needs a number, but Name is a string/],
    ['startswith(State,1)', 1, /startswith\(\) expects a string as argument 1, but State is an int/],
    ["substring(Name,'1') eq 'x'", 1, /substring\(\) expects an int as argument 2/],
    ["year(Name) eq 1", 1, /year\(\) expects a datetime as argument 1/],
    ["round(Name) eq 1", 1, /round\(\) expects a number as argument 1/],
    ['State', 1, /the filter must be a true\/false condition, but State is an int at position 1; compare it/],
    ["'x'", 1, /but 'x' is a string/],
    ['null', 1, /but null is null/],
    ['ErrorDetails eq null', 1, /ErrorDetails is a collection and cannot be filtered on/],
    ['Tasks eq null', 1, /Tasks is a navigation property/],
  ])('%s fails at position %i', (filter, position, message) => {
    const err = compileError(filter);
    expect(err.code).toBe('ODATA_QUERY_INVALID');
    expect(err.message).toMatch(/^\$filter: /);
    expect(err.message).toMatch(message);
    expect(err.position).toBe(position);
  });

  it('reports a hand-built tree without positions', () => {
    expect(() => compileFilter(B('eq', P('Nope'), I(1)), schema)).toThrow(/unknown property 'Nope'; properties are/);
  });

  it('does not treat Object.prototype names as properties', () => {
    expect(compileError('constructor eq null').message).toMatch(/unknown property 'constructor'/);
  });
});

describe('compileFilter() cost model', () => {
  it('compiles once and evaluates many entities without re-parsing', () => {
    const match = compileFilter<{ State: number }>(parseFilter('State eq 2 or State eq 3'), { State: 'int' });
    const jobs = Array.from({ length: 10_000 }, (_, i) => ({ State: i % 7 }));
    expect(jobs.filter(match).length).toBe(jobs.filter((j) => j.State === 2 || j.State === 3).length);
  });
});

describe('compileFilter() on the deepest trees the parser allows', () => {
  it('compiles and evaluates a 999-deep operator chain without overflowing the stack', () => {
    const chain = Array.from({ length: 999 }, (_, i) => `State eq ${i}`).join(' or ');
    const match = compileFilter(parseFilter(chain, { maxLength: Infinity }), schema);
    expect(match({ State: 998 })).toBe(true);
    expect(match({ State: 999 })).toBe(false);
    const sum = Array.from({ length: 999 }, () => 'Priority').join(' add ') + ' eq 999';
    expect(compileFilter(parseFilter(sum, { maxLength: Infinity }), schema)({ Priority: 1 })).toBe(true);
  });

  it('compiles and evaluates 100 nested parentheses and nots', () => {
    expect(matches('('.repeat(99) + 'State eq 3' + ')'.repeat(99))).toBe(true);
    expect(matches('not '.repeat(100) + 'Flag')).toBe(true);
  });
});

describe('propertyReader()', () => {
  it('reads flat and nested paths, null for anything missing', () => {
    expect(propertyReader('a')({ a: 1 })).toBe(1);
    expect(propertyReader('a')({})).toBe(null);
    expect(propertyReader('a/b')({ a: { b: 2 } })).toBe(2);
    expect(propertyReader('a/b')({ a: 5 })).toBe(null);
  });
});
