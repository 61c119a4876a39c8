import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonPlaces, offsetInStringLiteral } from '../../../src/job/json-places.js';
import { lineColumnAt } from '../../../src/job/json-text.js';
import { validateJob } from '../../../src/validate/validate.js';
import { MES } from '../../helpers/jobs.js';

/** Line and column (1-based, LF/CRLF/CR breaks, UTF-16 units) of every offset of `s`, and one past its end. */
function placesOf(s: string): Array<{ offset: number; line: number; column: number }> {
  const out: Array<{ offset: number; line: number; column: number }> = [];
  let line = 1;
  let column = 1;
  for (let i = 0; i <= s.length; i++) {
    out.push({ offset: i, line, column });
    const c = s.charCodeAt(i);
    if (c === 13 && s.charCodeAt(i + 1) === 10) {
      // The LF of a CRLF has no place of its own: skip it.
      i++;
      line++;
      column = 1;
    } else if (c === 10 || c === 13) {
      line++;
      column = 1;
    } else column++;
  }
  return out;
}

describe('jsonPlaces', () => {
  it("finds the job's and each task's property keys and values, the last of a repeated key", () => {
    const text = '\ufeff{\r\n  "Name": "j",\r\n  "Tasks": [\r\n    { "Name": "a", "TaskBody": "<x/>" },\r\n    null,\r\n    { "Priority": 1, "Priority": 2 }\r\n  ],\r\n  "Priority": 3\r\n}';
    const p = jsonPlaces(text);
    expect(p.job!.start).toBe(1);
    expect(text.slice(p.job!.keys.get('Priority')!, p.job!.keys.get('Priority')! + 10)).toBe('"Priority"');
    expect(p.tasks).toHaveLength(3);
    const [a, b, c] = p.tasks as [Exclude<(typeof p.tasks)[0], number>, number, Exclude<(typeof p.tasks)[0], number>];
    expect(text.slice(a.values.get('TaskBody')!, a.values.get('TaskBody')! + 6)).toBe('"<x/>"');
    expect(text.slice(b, b + 4)).toBe('null');
    expect(text.slice(c.values.get('Priority')!, c.values.get('Priority')! + 1)).toBe('2');
    expect(lineColumnAt(text, c.start)).toEqual({ line: 6, column: 5 });
  });

  it('does not take keys of nested objects for the task’s', () => {
    const text = JSON.stringify({ Tasks: [{ TaskNotificationSubscriptions: [{ Name: 'x' }], Name: 'y' }] });
    const t = jsonPlaces(text).tasks[0] as { keys: Map<string, number> };
    expect(text.slice(t.keys.get('Name')!)).toMatch(/^"Name":"y"/);
  });
});

describe('offsetInStringLiteral', () => {
  it('maps every place of a string to its character in the literal, through every kind of escape', () => {
    const s = 'a\r\nb\n\tc"d\\e\u00e9\u{1F600}\rf\u2028g';
    const text = `{"TaskBody": ${JSON.stringify(s).replace('é', '\\u00e9')}}`;
    const quote = text.indexOf('"', 12);
    for (const { offset, line, column } of placesOf(s)) {
      const at = offsetInStringLiteral(text, quote, line, column)!;
      expect(at, `${line}:${column}`).toBeDefined();
      // What the literal decodes to up to there is the string up to that place.
      expect(JSON.parse(`${text.slice(quote, at)}"`)).toBe(s.slice(0, offset));
    }
    expect(offsetInStringLiteral(text, quote, 99, 1)).toBeUndefined();
  });

  it('holds for any string, written by JSON.stringify with any indentation', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('a', '<', '"', '\\', '\n', '\r', '\t', 'é', '\u2028', '\u0001', '😀') }), fc.nat(4), (s, indent) => {
        const text = JSON.stringify({ Name: 'x', TaskBody: s }, null, indent);
        const quote = text.indexOf(':', text.indexOf('"TaskBody"')) + (indent > 0 ? 2 : 1);
        for (const { offset, line, column } of placesOf(s)) {
          const at = offsetInStringLiteral(text, quote, line, column);
          if (at === undefined || JSON.parse(`${text.slice(quote, at)}"`) !== s.slice(0, offset)) return false;
        }
        return true;
      }),
    );
  });
});

describe('validateJob on text: places in the file', () => {
  const body = '<taskBody>\n  <inputAsset>JobInputAsset(0)</inputAsset>\n  <outputAsset>JobOutputAsset(0)</outputAsset>\n  <outputAsset>JobInputAsset(0)</outputAsset>\n</taskBody>';
  const text = JSON.stringify(
    {
      Name: 'j',
      Priority: 'high',
      InputMediaAssets: [{ __metadata: { uri: "https://x/api/Assets('nb%3Acid%3AUUID%3A1')" } }],
      Tasks: [{ Name: 't', MediaProcessorId: MES, Priority: 1.5, TaskBody: body }],
    },
    null,
    2,
  );
  const lines = text.split('\n');
  const found = validateJob(text).diagnostics;
  const at = (code: string) => found.find((d) => d.code === code)!;
  const fileText = (d: { fileLine?: number; fileColumn?: number }) => lines[d.fileLine! - 1]!.slice(d.fileColumn! - 1);

  it("puts a property's problem on its key", () => {
    expect(at('PRIORITY_INVALID')).toMatchObject({ property: 'Priority' });
    expect(fileText(found.find((d) => d.code === 'PRIORITY_INVALID' && d.task === undefined)!)).toMatch(/^"Priority": "high"/);
    expect(fileText(found.find((d) => d.code === 'PRIORITY_INVALID' && d.task === 0)!)).toMatch(/^"Priority": 1.5/);
  });

  it('puts a TaskBody problem on its character in the string, past the escapes, keeping the TaskBody place', () => {
    const d = at('ASSET_REF_INVALID');
    expect(d).toMatchObject({ task: 0, line: 4, column: 3 });
    expect(fileText(d)).toMatch(/^<outputAsset>JobInputAsset\(0\)/);
  });

  it('gives JSON_MALFORMED its place in the file, which is its place', () => {
    const [d] = validateJob('{\n  "Tasks": [,]\n}').diagnostics;
    expect(d).toMatchObject({ code: 'JSON_MALFORMED', line: 2, fileLine: 2, fileColumn: d!.column });
  });

  it('gives nothing a file place for a job given as an object', () => {
    expect(validateJob(JSON.parse(text)).diagnostics.some((d) => d.fileLine !== undefined)).toBe(false);
  });
});
