/**
 * Placing diagnostics in the JSON text (validate.ts placeInFile): each TaskBody string literal is
 * walked once for all its diagnostics, not from its opening quote for each one.
 */
import { describe, expect, it } from 'vitest';
import { validateJob } from '../../../src/validate/validate.js';
import { StringLiteralCursor, offsetInStringLiteral } from '../../../src/job/json-places.js';

const MP = 'nb:mpid:UUID:ff4df607-d419-42f0-bc17-a481b1331e56';
const IN = "https://media.windows.net/api/Assets('nb:cid:UUID:11111111-1111-1111-1111-111111111111')";
const IO = '<inputAsset>JobInputAsset(0)</inputAsset><outputAsset>JobOutputAsset(0)</outputAsset>';

describe('placing diagnostics in the file: cost', () => {
  it('places 1,000 diagnostics at the end of a 3.2 MB TaskBody in linear time (took 11 s)', () => {
    const body = `<taskBody>${' '.repeat(3_200_000)}${IO}${'<foo/>'.repeat(1000)}</taskBody>`;
    const text = JSON.stringify({ Name: 'j', InputMediaAssets: [{ __metadata: { uri: IN } }], Tasks: [{ MediaProcessorId: MP, TaskBody: body }] });
    const t0 = performance.now();
    const r = validateJob(text, { profile: 'relaxed' });
    const ms = performance.now() - t0;
    expect(r.diagnostics).toHaveLength(1000);
    const first = text.indexOf('<foo/>');
    r.diagnostics.forEach((d, k) => {
      expect(d.code).toBe('TASKBODY_UNKNOWN_ELEMENT');
      expect([d.fileLine, d.fileColumn]).toEqual([1, first + 6 * k + 1]);
    });
    expect(ms).toBeLessThan(4_000);
  }, 120_000);
});

describe('StringLiteralCursor', () => {
  it('finds what offsetInStringLiteral finds, asked in any order', () => {
    const value = 'ab\r\ncd\ne\rf\u00e9"\\\tg\n\nh\r\r\nij';
    const text = `{"TaskBody":${JSON.stringify(value).replace('\\u00e9', '\\u00E9')},"x":1}`;
    const quote = text.indexOf('"', 11);
    const places: Array<[number, number]> = [];
    for (let line = 1; line <= 8; line++) for (let column = 1; column <= 6; column++) places.push([line, column]);
    const cursor = new StringLiteralCursor(text, quote);
    // In order, then backwards, then shuffled (a fixed permutation).
    const orders = [places, [...places].reverse(), places.map((_, i) => places[(i * 17) % places.length]!)];
    for (const order of orders) {
      for (const [line, column] of order) expect(cursor.offsetOf(line, column)).toBe(offsetInStringLiteral(text, quote, line, column));
    }
  });
});
