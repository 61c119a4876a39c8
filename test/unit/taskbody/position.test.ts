import { SaxesParser } from 'saxes';
import { describe, expect, it } from 'vitest';
import { LineMap, charStartBefore, endPosition, lineCount, onSaxesLine } from '../../../src/taskbody/position.js';

function at(text: string, offset: number): [number, number] {
  const map = new LineMap();
  map.reset(text);
  const p = map.at(offset);
  return [p.line, p.column];
}

describe('LineMap', () => {
  it('LineMap.at() gives 1-based line and column', () => {
    expect(at('abc', 0)).toEqual([1, 1]);
    expect(at('abc', 2)).toEqual([1, 3]);
    expect(at('abc', 3)).toEqual([1, 4]);
  });

  it('LineMap.at() breaks lines at LF, CRLF and a lone CR, as saxes does', () => {
    const text = 'a\nb\r\nc\rd';
    expect(at(text, 2)).toEqual([2, 1]);
    expect(at(text, 5)).toEqual([3, 1]);
    expect(at(text, 7)).toEqual([4, 1]);
    expect(lineCount(text)).toBe(4);
  });

  it('LineMap.at() puts a line break on the line it ends, both halves of a CRLF included', () => {
    expect(at('ab\r\ncd', 2)).toEqual([1, 3]);
    expect(at('ab\r\ncd', 3)).toEqual([1, 4]);
    expect(at('ab\r\ncd', 4)).toEqual([2, 1]);
  });

  it('LineMap.at() does not break lines at NEL or U+2028 (XML 1.0)', () => {
    expect(at('a\u0085b\u2028c', 4)).toEqual([1, 5]);
  });

  it('LineMap.at() counts UTF-16 code units', () => {
    expect(at('😀x', 2)).toEqual([1, 3]);
  });

  it('LineMap.at() answers offsets out of order and clamps them to the text', () => {
    const map = new LineMap();
    map.reset('a\nb\nc');
    expect(map.at(4)).toEqual({ line: 3, column: 1 });
    expect(map.at(0)).toEqual({ line: 1, column: 1 });
    expect(map.at(2)).toEqual({ line: 2, column: 1 });
    expect(map.at(99)).toEqual({ line: 3, column: 2 });
    expect(map.at(-5)).toEqual({ line: 1, column: 1 });
  });

  it('LineMap.reset() starts over on a new text', () => {
    const map = new LineMap();
    map.reset('a\n\n\nb');
    expect(map.at(4).line).toBe(4);
    map.reset('xyz');
    expect(map.at(2)).toEqual({ line: 1, column: 3 });
  });

  it('endPosition() is one column after the last character', () => {
    expect(endPosition('')).toEqual({ line: 1, column: 1 });
    expect(endPosition('ab\r\n')).toEqual({ line: 2, column: 1 });
    expect(endPosition('ab\ncd')).toEqual({ line: 2, column: 3 });
  });

  it("onSaxesLine() places an offset on saxes' current line, and declines one before it", () => {
    // saxes on line 3, next unread character 4 code units into the line, at offset 20: the line starts at 16.
    expect(onSaxesLine(3, 4, 20, 17)).toEqual({ line: 3, column: 2 });
    expect(onSaxesLine(3, 4, 20, 16)).toEqual({ line: 3, column: 1 });
    expect(onSaxesLine(3, 4, 20, 15)).toBeUndefined();
  });

  it('charStartBefore() steps back over a CRLF or a surrogate pair as one character', () => {
    expect(charStartBefore('a\r\nb', 3)).toBe(1);
    expect(charStartBefore('a😀b', 3)).toBe(1);
    expect(charStartBefore('abc', 2)).toBe(1);
    expect(charStartBefore('a\nb', 2)).toBe(1);
    expect(charStartBefore('', 0)).toBe(0);
  });

  it("LineMap agrees with saxes' line and columnIndex (0-based at the next unread character) plus one", () => {
    const texts = [
      '<a>\n<b/>\r\n<c x="1"\r/>\r<d>😀</d>\n\n</a>',
      '\uFEFF<a>\r\n\r\n\t<b\n/></a>',
      '<a><!-- \r\n --><b>x\ry</b><![CDATA[\n]]><c/></a>',
    ];
    for (const text of texts) {
      const map = new LineMap();
      map.reset(text);
      const parser = new SaxesParser();
      const seen: Array<[number, number, number, number]> = [];
      const record = (): void => {
        const p = map.at(parser.position);
        seen.push([parser.line, parser.columnIndex + 1, p.line, p.column]);
      };
      parser.on('opentag', record);
      parser.on('closetag', record);
      parser.write(text);
      parser.close();
      expect(seen.length).toBeGreaterThan(3);
      for (const [sl, sc, l, c] of seen) expect([l, c]).toEqual([sl, sc]);
    }
  });
});
