import { describe, expect, it } from 'vitest';
import { ODataQueryError } from '../../../../src/server/odata/errors.js';
import type { EntitySchema } from '../../../../src/server/odata/evaluate.js';
import { AMS_MAX_PAGE, applyQuery, compareValues, parseQueryOptions, selectProperties } from '../../../../src/server/odata/query.js';

const schema: EntitySchema = {
  Id: 'string',
  Name: 'string',
  State: 'int',
  Priority: 'int',
  Created: 'datetime',
  AccountId: 'guid',
  Tasks: 'navigation',
  ErrorDetails: 'collection',
};

interface Job {
  Id: string;
  Name: string | null;
  State: number;
  Priority: number;
  Created: number;
  AccountId?: string;
}

const jobs: Job[] = Array.from({ length: 25 }, (_, i) => ({
  Id: `nb:jid:UUID:${String(i).padStart(2, '0')}`,
  Name: i % 5 === 0 ? null : `Job ${i % 4}`,
  State: i % 4,
  Priority: i % 3,
  Created: Date.UTC(2020, 0, 1) + i * 60_000,
}));

const q = (query: string, options?: Parameters<typeof parseQueryOptions>[2]) => parseQueryOptions<Job>(new URLSearchParams(query), schema, options);

function failure(query: string): ODataQueryError {
  try {
    q(query);
  } catch (err) {
    expect(err).toBeInstanceOf(ODataQueryError);
    return err as ODataQueryError;
  }
  throw new Error(`expected ${query} to fail`);
}

describe('parseQueryOptions()', () => {
  it('gives defaults when no option is present, and ignores parameters without $', () => {
    const o = q('api-version=2.19&jobid=x');
    expect(o).toMatchObject({ filter: undefined, top: undefined, skip: 0, select: undefined, orderBy: [], inlineCount: false, format: undefined, maxTop: 1000 });
  });

  it('compiles $filter once, decoded from the query string', () => {
    const o = q('$filter=State%20eq%203%20and%20startswith(Name,%27Job%27)');
    expect(o.filterExpr).toMatchObject({ kind: 'binary', op: 'and' });
    expect(jobs.filter(o.filter!).map((j) => j.Id)).toEqual(jobs.filter((j) => j.State === 3 && j.Name !== null).map((j) => j.Id));
  });

  it('reads the documented AMS MediaProcessors filter', () => {
    const o = parseQueryOptions(new URLSearchParams("$filter=Name%20eq%20'Media%20Encoder%20Standard'"), { Name: 'string' });
    expect(o.filter!({ Name: 'Media Encoder Standard' })).toBe(true);
  });

  it('reads $top, $skip, $inlinecount and $format', () => {
    expect(q('$top=10&$skip=2000&$inlinecount=allpages&$format=verbose')).toMatchObject({ top: 10, skip: 2000, inlineCount: true, format: 'verbose' });
    expect(q('$top=0').top).toBe(0);
    expect(q('$inlinecount=none').inlineCount).toBe(false);
    expect(q('$format=json').format).toBe('json');
    expect(q('$format=atom').format).toBe('atom');
    // As negotiateFormat reads it: any case, and the media types.
    expect(q('$format=ATOM').format).toBe('ATOM');
    expect(q('$format=application/json;odata=verbose').format).toBe('application/json;odata=verbose');
    expect(q('$format=application/atom%2Bxml').format).toBe('application/atom+xml');
  });

  it('reads $select in the order given, * meaning everything, navigation and collections allowed', () => {
    expect(q('$select=Name,%20State,Name').select).toEqual(['Name', 'State']);
    expect(q('$select=*').select).toBeUndefined();
    expect(q('$select=Name,*').select).toBeUndefined();
    expect(q('$select=Tasks,ErrorDetails').select).toEqual(['Tasks', 'ErrorDetails']);
  });

  it('reads $orderby keys with directions and types', () => {
    expect(q('$orderby=State desc, Name,Created asc').orderBy).toEqual([
      { property: 'State', direction: 'desc', type: 'int' },
      { property: 'Name', direction: 'asc', type: 'string' },
      { property: 'Created', direction: 'asc', type: 'datetime' },
    ]);
  });

  it.each([
    ['$expand=Tasks', 'ODATA_EXPAND_UNSUPPORTED', '$expand', /\$expand is not supported/],
    ['$filtr=State eq 1', 'ODATA_QUERY_INVALID', '$filtr', /unknown query option '\$filtr' \(did you mean '\$filter'\?\)/],
    ['$Filter=State eq 1', 'ODATA_QUERY_INVALID', '$Filter', /did you mean '\$filter'/],
    ['$count=true', 'ODATA_QUERY_INVALID', '$count', /unknown query option '\$count'; supported options are \$filter, \$top/],
    ['$top=1&$top=2', 'ODATA_QUERY_INVALID', '$top', /\$top is given more than once/],
    ['$top=-1', 'ODATA_QUERY_INVALID', '$top', /\$top must be a non-negative integer, got '-1'/],
    ['$top=1.5', 'ODATA_QUERY_INVALID', '$top', /non-negative integer/],
    ['$top=', 'ODATA_QUERY_INVALID', '$top', /non-negative integer, got ''/],
    ['$top=abc', 'ODATA_QUERY_INVALID', '$top', /non-negative integer/],
    ['$skip=99999999999', 'ODATA_QUERY_INVALID', '$skip', /at most 2147483647/],
    ['$inlinecount=some', 'ODATA_QUERY_INVALID', '$inlinecount', /allpages or none/],
    ['$format=csv', 'ODATA_QUERY_INVALID', '$format', /must be json, verbose, atom or xml/],
    ['$select=Nme', 'ODATA_QUERY_INVALID', '$select', /\$select: unknown property 'Nme' at position 1 \(did you mean 'Name'\?\)/],
    ['$select=Name,,State', 'ODATA_QUERY_INVALID', '$select', /expected a property name at position 6/],
    ['$select=Tasks/Name', 'ODATA_QUERY_INVALID', '$select', /needs \$expand/],
    ['$orderby=Name sideways', 'ODATA_QUERY_INVALID', '$orderby', /expected asc, desc/],
    ['$orderby=Name asc desc', 'ODATA_QUERY_INVALID', '$orderby', /expected asc, desc/],
    ['$orderby=State,Nme', 'ODATA_QUERY_INVALID', '$orderby', /unknown property 'Nme' at position 7/],
    ['$orderby=Tasks', 'ODATA_QUERY_INVALID', '$orderby', /not a primitive property/],
    ['$orderby=', 'ODATA_QUERY_INVALID', '$orderby', /expected a property name/],
    ['$filter=', 'ODATA_QUERY_INVALID', '$filter', /the expression is empty/],
    ['$filter=Name eq 5', 'ODATA_QUERY_INVALID', '$filter', /cannot compare Name/],
  ])('%s is refused with %s', (query, code, option, message) => {
    const err = failure(query);
    expect(err.code).toBe(code);
    expect(err.option).toBe(option);
    expect(err.message).toMatch(message);
  });

  it('answers $expand with 501 and other query errors with 400', () => {
    expect(failure('$expand=Tasks').status).toBe(501);
    expect(failure('$top=x').status).toBe(400);
  });

  it('validates maxTop the p-queue way', () => {
    expect(() => q('', { maxTop: 0 })).toThrow(/Expected `maxTop` to be an integer >= 1, got `0` \(number\)/i);
    expect(() => q('', { maxTop: 1.5 })).toThrow(RangeError);
  });

  it('passes $filter limits through', () => {
    expect(() => q('$filter=' + encodeURIComponent('State eq 1 or '.repeat(10) + 'State eq 1'), { maxFilterLength: 20 })).toThrow(/limit is 20/);
    expect(() => q('$filter=' + encodeURIComponent('((State eq 1))'), { maxFilterDepth: 1 })).toThrow(/nesting deeper than 1 levels/);
  });
});

describe('applyQuery()', () => {
  it('filters, then orders, then skips, then takes', () => {
    const { items, total } = applyQuery(jobs, q('$filter=State ne 0&$orderby=Priority desc,Id desc&$skip=2&$top=3'));
    const expected = jobs
      .filter((j) => j.State !== 0)
      .sort((a, b) => b.Priority - a.Priority || (a.Id < b.Id ? 1 : -1))
      .slice(2, 5);
    expect(items).toEqual(expected);
    expect(total).toBe(jobs.filter((j) => j.State !== 0).length);
  });

  it('keeps the natural order without $orderby, and orders stably with it', () => {
    expect(applyQuery(jobs, q('')).items).toEqual(jobs);
    const byState = applyQuery(jobs, q('$orderby=State')).items;
    for (let s = 0; s < 4; s++) {
      const group = byState.filter((j) => j.State === s).map((j) => j.Id);
      expect(group).toEqual([...group].sort()); // submission order within equal keys
    }
  });

  it('puts nulls first ascending and last descending', () => {
    const asc = applyQuery(jobs, q('$orderby=Name')).items.map((j) => j.Name);
    expect(asc.slice(0, 5)).toEqual([null, null, null, null, null]);
    const desc = applyQuery(jobs, q('$orderby=Name desc')).items.map((j) => j.Name);
    expect(desc.slice(-5)).toEqual([null, null, null, null, null]);
  });

  it('orders guids case-insensitively', () => {
    const g = [{ AccountId: 'B' }, { AccountId: 'a' }, { AccountId: 'C' }] as unknown as Job[];
    expect(applyQuery(g, q('$orderby=AccountId')).items.map((j) => j.AccountId)).toEqual(['a', 'B', 'C']);
  });

  it('caps every response at 1000 entities whatever $top says, as AMS does', () => {
    const many = Array.from({ length: 2500 }, (_, i) => ({ Id: String(i), Name: 'x', State: 0, Priority: 0, Created: 0 }));
    expect(AMS_MAX_PAGE).toBe(1000);
    expect(applyQuery(many, q('')).items).toHaveLength(1000);
    expect(applyQuery(many, q('$top=5000')).items).toHaveLength(1000);
    expect(applyQuery(many, q('$skip=2000&$top=1000')).items.map((j) => j.Id)).toEqual(many.slice(2000, 2500).map((j) => j.Id));
    expect(applyQuery(many, q('$top=3', { maxTop: 2 })).items).toHaveLength(2);
    expect(applyQuery(many, q('')).total).toBe(2500);
  });

  it('gives an empty page past the end or for $top=0, with the total intact', () => {
    expect(applyQuery(jobs, q('$skip=100'))).toEqual({ items: [], total: 25 });
    expect(applyQuery(jobs, q('$top=0&$orderby=Name'))).toEqual({ items: [], total: 25 });
  });

  it('does not modify the input list', () => {
    const copy = [...jobs];
    applyQuery(jobs, q('$orderby=Name desc'));
    expect(jobs).toEqual(copy);
  });
});

describe('compareValues()', () => {
  it('orders null lowest, numbers, strings ordinally, false before true, NaN lowest among numbers', () => {
    expect(compareValues(null, 0)).toBe(-1);
    expect(compareValues(0, null)).toBe(1);
    expect(compareValues(null, undefined)).toBe(0);
    expect(compareValues(1, 2)).toBe(-1);
    expect(compareValues('B', 'a')).toBe(-1); // ordinal: 'B' (66) < 'a' (97)
    expect(compareValues(false, true)).toBe(-1);
    expect(compareValues(Number.NaN, -Infinity)).toBe(-1);
    expect(compareValues(Number.NaN, Number.NaN)).toBe(0);
  });
});

describe('selectProperties()', () => {
  it('keeps the selected properties in the order asked and skips absent ones', () => {
    const job = { Id: 'x', Name: 'n', State: 1 };
    expect(selectProperties(job, ['State', 'Id', 'Missing'])).toEqual({ State: 1, Id: 'x' });
    expect(Object.keys(selectProperties(job, ['State', 'Id']))).toEqual(['State', 'Id']);
    expect(selectProperties(job, undefined)).toBe(job);
    expect(selectProperties(job, [])).toEqual({});
  });
});
