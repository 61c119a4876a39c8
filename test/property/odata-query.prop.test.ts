import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EntitySchema } from '../../src/server/odata/evaluate.js';
import { applyQuery, parseQueryOptions } from '../../src/server/odata/query.js';

const RUNS = 1000;

const schema: EntitySchema = { Id: 'string', Name: 'string', State: 'int', Priority: 'int', Progress: 'double' };

interface Job {
  Id: string;
  Name: string | null;
  State: number;
  Priority: number | null;
  Progress: number;
}

const job = fc.record({
  Name: fc.option(fc.constantFrom('a', 'B', 'b', 'Encode', 'encode', ''), { nil: null }),
  State: fc.integer({ min: 0, max: 6 }),
  Priority: fc.option(fc.integer({ min: -2, max: 2 }), { nil: null }),
  Progress: fc.constantFrom(0, 12.5, 50, 100),
});
const jobs = fc.array(job, { maxLength: 120 }).map((list) => list.map((j, i): Job => ({ Id: `nb:jid:UUID:${i}`, ...j })));

/** A filter as text, and the same condition written in TypeScript as the reference. */
const FILTERS: ReadonlyArray<readonly [string | undefined, (j: Job) => boolean]> = [
  [undefined, () => true],
  ['State eq 3', (j) => j.State === 3],
  ['State ge 2 and State lt 5', (j) => j.State >= 2 && j.State < 5],
  ["startswith(Name,'E') or Name eq null", (j) => j.Name === null || j.Name.startsWith('E')],
  ['Priority gt 0', (j) => j.Priority !== null && j.Priority > 0],
  ['not (Priority eq null) and Progress lt 100', (j) => j.Priority !== null && j.Progress < 100],
  ["substringof('n',tolower(Name))", (j) => j.Name !== null && j.Name.toLowerCase().includes('n')],
];

const ORDERS = [undefined, 'State', 'State desc', 'Name', 'Name desc,Priority', 'Priority desc,State asc', 'Progress,Name desc,Priority'];

/** Reference ordering: nulls lowest, ordinal strings, then submission order (JS sort is stable). */
function referenceOrder(list: Job[], orderby: string | undefined): Job[] {
  if (orderby === undefined) return list;
  const keys = orderby.split(',').map((part) => {
    const [property, dir] = part.trim().split(' ') as [keyof Job, string | undefined];
    return { property, sign: dir === 'desc' ? -1 : 1 };
  });
  const cmp = (a: unknown, b: unknown): number => (a === b ? 0 : a === null ? -1 : b === null ? 1 : (a as number) < (b as number) ? -1 : 1);
  return [...list].sort((x, y) => {
    for (const { property, sign } of keys) {
      const c = cmp(x[property], y[property]);
      if (c !== 0) return sign * c;
    }
    return 0;
  });
}

function query(filter: string | undefined, orderby: string | undefined, extra: Record<string, string> = {}, maxTop?: number) {
  const params = new URLSearchParams(extra);
  if (filter !== undefined) params.set('$filter', filter);
  if (orderby !== undefined) params.set('$orderby', orderby);
  return parseQueryOptions<Job>(params, schema, maxTop === undefined ? {} : { maxTop });
}

describe('applyQuery() properties', () => {
  it('filter and order agree with a reference written in TypeScript', () => {
    fc.assert(
      fc.property(jobs, fc.constantFrom(...FILTERS), fc.constantFrom(...ORDERS), (list, [filter, ref], orderby) => {
        const expected = referenceOrder(list.filter(ref), orderby);
        const { items, total } = applyQuery(list, query(filter, orderby, {}, 100_000));
        expect(items).toEqual(expected);
        expect(total).toBe(expected.length);
      }),
      { numRuns: RUNS },
    );
  });

  it('$top/$skip pages partition the filtered, ordered list exactly', () => {
    fc.assert(
      fc.property(jobs, fc.constantFrom(...FILTERS), fc.constantFrom(...ORDERS), fc.integer({ min: 1, max: 40 }), (list, [filter], orderby, pageSize) => {
        const all = applyQuery(list, query(filter, orderby, {}, 100_000)).items;
        const pages: Job[] = [];
        for (let skip = 0; ; skip += pageSize) {
          const { items, total } = applyQuery(list, query(filter, orderby, { $skip: String(skip), $top: String(pageSize) }));
          expect(total).toBe(all.length);
          expect(items.length).toBeLessThanOrEqual(pageSize);
          if (items.length === 0) break;
          pages.push(...items);
        }
        expect(pages).toEqual(all);
      }),
      { numRuns: RUNS },
    );
  });

  it('the per-response cap clips every page to maxTop, whatever $top asks', () => {
    fc.assert(
      fc.property(
        jobs,
        fc.constantFrom(...FILTERS),
        fc.constantFrom(...ORDERS),
        fc.integer({ min: 0, max: 130 }),
        fc.option(fc.integer({ min: 0, max: 200 }), { nil: undefined }),
        fc.integer({ min: 1, max: 50 }),
        (list, [filter], orderby, skip, top, maxTop) => {
          const all = applyQuery(list, query(filter, orderby, {}, 100_000)).items;
          const extra: Record<string, string> = { $skip: String(skip) };
          if (top !== undefined) extra.$top = String(top);
          const { items } = applyQuery(list, query(filter, orderby, extra, maxTop));
          expect(items).toEqual(all.slice(skip, skip + Math.min(top ?? Infinity, maxTop)));
        },
      ),
      { numRuns: RUNS },
    );
  });
});
