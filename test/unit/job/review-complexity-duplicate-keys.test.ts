/**
 * JSON_DUPLICATE_KEY (job/json-duplicates.ts, validate/duplicate-keys.ts): an object of many keys
 * looks each up in a map of the earlier ones, and the places of the duplicates are found in one
 * walk of the text.
 */
import { describe, expect, it } from 'vitest';
import { duplicateKeys } from '../../../src/job/json-duplicates.js';
import { lineColumnAt } from '../../../src/job/json-text.js';
import { validateJob } from '../../../src/validate/validate.js';

describe('duplicate keys: cost', () => {
  it('finds the duplicates of an object of 16,000 distinct keys, each given twice, in linear time (took 13 s)', () => {
    const n = 16_000;
    const text = `{"Name":"j",${Array.from({ length: n }, (_, i) => `"k${i}":1,"k${i}":2,`).join('')}"Tasks":[]}`;
    const t0 = performance.now();
    const r = validateJob(text, { profile: 'relaxed' });
    const ms = performance.now() - t0;
    const dups = r.diagnostics.filter((d) => d.code === 'JSON_DUPLICATE_KEY');
    expect(dups).toHaveLength(1000);
    expect(dups[0]!.message).toBe('the Job gives "k0" twice (first at 1:13): JSON.parse keeps this one');
    expect(r.diagnostics.at(-1)!.code).toBe('TOO_MANY_DIAGNOSTICS');
    expect(ms).toBeLessThan(4_000);
    const all = duplicateKeys(text);
    expect(all).toHaveLength(n);
    expect(all[n - 1]).toMatchObject({ key: `k${n - 1}`, at: text.lastIndexOf(`"k${n - 1}"`), first: text.indexOf(`"k${n - 1}"`), object: 0 });
  }, 120_000);

  it('places 1,000 duplicates behind 6 MB of text in linear time (took 21 s)', () => {
    const text = `{"Name":"j","Pad":"${'x'.repeat(6_000_000)}","Tasks":[\n${Array.from({ length: 1000 }, () => '{"a":1,"a":2}').join(',\n')}]}`;
    const t0 = performance.now();
    const r = validateJob(text, { profile: 'relaxed' });
    const ms = performance.now() - t0;
    const dups = r.diagnostics.filter((d) => d.code === 'JSON_DUPLICATE_KEY');
    expect(dups).toHaveLength(1000);
    // Task k is line k + 2 of the file: {"a":1,"a":2}
    dups.forEach((d, k) => {
      expect([d.task, d.fileLine, d.fileColumn]).toEqual([k, k + 2, 8]);
      expect(d.message).toBe(`task #${k} gives "a" twice (first at ${k + 2}:2): JSON.parse keeps this one`);
    });
    expect(lineColumnAt(text, text.lastIndexOf('"a":2'))).toEqual({ line: 1001, column: 8 });
    expect(ms).toBeLessThan(4_000);
  }, 120_000);
});

describe('duplicate keys: the map of a big object', () => {
  it('finds a key written with escapes among many, and names the first of three', () => {
    const keys = Array.from({ length: 40 }, (_, i) => `"p${i}":0`).join(',');
    const text = `{${keys},"Name":1,"N\\u0061me":2,"Name":3}`;
    const found = duplicateKeys(text);
    expect(found.map((d) => d.key)).toEqual(['Name', 'Name']);
    const first = text.indexOf('"Name"');
    expect(found.map((d) => d.first)).toEqual([first, first]);
    expect(found.map((d) => d.at)).toEqual([text.indexOf('"N\\u0061me"'), text.lastIndexOf('"Name"')]);
  });
});
