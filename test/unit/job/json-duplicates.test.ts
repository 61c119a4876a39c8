import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { duplicateKeys } from '../../../src/job/json-duplicates.js';

describe('duplicateKeys', () => {
  it('finds a key given twice in one object, where each is, at any depth', () => {
    const text = '{"Name":"a","Tasks":[{"TaskBody":"x","Priority":1,"TaskBody":"y"}],"Name":"b"}';
    expect(duplicateKeys(text)).toEqual([
      { key: 'TaskBody', at: text.lastIndexOf('"TaskBody"'), first: text.indexOf('"TaskBody"'), object: text.indexOf('{"TaskBody"') },
      { key: 'Name', at: text.lastIndexOf('"Name"'), first: text.indexOf('"Name"'), object: 0 },
    ]);
  });

  it('tells keys from values, and objects apart, across strings with quotes, brackets and escapes', () => {
    expect(duplicateKeys('{"a":"a","b":{"a":1},"c":[{"a":2},{"a":3}],"d":"\\"a\\":{}"}')).toEqual([]);
    expect(duplicateKeys('[{"a":1},{"a":2}]')).toEqual([]);
    expect(duplicateKeys('{"a\\\\":1,"a":2}')).toEqual([]);
    expect(duplicateKeys('{ "x" : 1 ,\n  "x" : 2 }').map((d) => d.key)).toEqual(['x']);
    // Written differently, one key all the same (JSON.parse keeps the last).
    expect(duplicateKeys('{"Name":1,"N\\u0061me":2}').map((d) => d.key)).toEqual(['Name']);
    expect(duplicateKeys('{"k":{"k":{"k":1}},"k":2}').map((d) => d.key)).toEqual(['k']);
    expect(duplicateKeys('{"a":1,"a":2,"a":3}', 1)).toHaveLength(1);
  });

  it('finds every repeated key of every object written, at any depth, whatever its escapes', () => {
    // Keys as written between the quotes (escapes included).
    const key = fc.constantFrom('a', 'b', 'Name', 'N\\u0061me', 'x\\"y', '\\\\', '');
    /** An object as its list of entries, so that a key may be given twice. */
    class Entries {
      constructor(readonly list: Array<[string, unknown]>) {}
    }
    const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
      value: fc.oneof({ depthSize: 'small' }, fc.integer(), fc.constantFrom('"', '{', ']', '\\', 'a'), tie('object'), fc.array(tie('value'), { maxLength: 3 })),
      object: fc.array(fc.tuple(key, tie('value')), { maxLength: 4 }).map((list) => new Entries(list as Array<[string, unknown]>)),
    })).value;
    const write = (v: unknown): string => {
      if (v instanceof Entries) return `{${v.list.map(([k, x]) => `"${k}":${write(x)}`).join(',')}}`;
      if (Array.isArray(v)) return `[${v.map(write).join(',')}]`;
      return JSON.stringify(v);
    };
    /** The repeats the structure holds: in every object written (a value JSON.parse then drops included), each key equal, decoded, to an earlier one of it. */
    const repeats = (v: unknown): number => {
      if (v instanceof Entries) {
        const seen = new Set<string>();
        let n = 0;
        for (const [k, x] of v.list) {
          const key = JSON.parse(`"${k}"`) as string;
          if (seen.has(key)) n++;
          seen.add(key);
          n += repeats(x);
        }
        return n;
      }
      return Array.isArray(v) ? v.reduce((n: number, x) => n + repeats(x), 0) : 0;
    };
    fc.assert(
      fc.property(value, (v) => {
        const text = write(v);
        JSON.parse(text); // well formed, as the scanner assumes
        expect(duplicateKeys(text)).toHaveLength(repeats(v));
      }),
      { numRuns: 2000 },
    );
  });
});
