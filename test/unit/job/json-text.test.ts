import { describe, expect, it } from 'vitest';
import { lineColumnAt, parseJsonText } from '../../../src/job/json-text.js';

describe('parseJsonText()', () => {
  it('parses valid JSON, with or without a BOM', () => {
    expect(parseJsonText('{"a":1}')).toEqual({ ok: true, value: { a: 1 } });
    expect(parseJsonText('\uFEFF[1]')).toEqual({ ok: true, value: [1] });
  });

  it.each([
    ['{\n  "a": 1,\n}', 3, 1, /trailing comma/],
    ['[1, 2,]', 1, 7, /trailing comma/],
    ['{"a" 1}', 1, 6, /expected ':'/],
    ['{"a":1 "b":2}', 1, 8, /expected ',' or '}'/],
    ['{"a":tru}', 1, 6, /where a value was expected/],
    ["{'a':1}", 1, 2, /double-quoted property name/],
    ['{"a":"x\ny"}', 1, 8, /inside a string/],
    ['{"a":1}x', 1, 8, /after the end/],
    ['', 1, 1, /ends where a value was expected/],
    ['{"a":"abc', 1, 10, /ends inside a string/],
    ['{"a":\u201dx\u201d}', 1, 6, /curly quote/],
  ])('locates the error in %j at %i:%i', (text, line, column, message) => {
    const r = parseJsonText(text);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect([r.problem.line, r.problem.column]).toEqual([line, column]);
    expect(r.problem.message).toMatch(message);
  });

  it('survives very deep nesting without recursion', () => {
    const r = parseJsonText('['.repeat(100_000) + ']'.repeat(99_999));
    expect(r.ok).toBe(false);
  });

  it('counts CRLF and CR as one line break', () => {
    expect(lineColumnAt('a\r\nb\rc', 5)).toEqual({ line: 3, column: 1 });
  });
});
