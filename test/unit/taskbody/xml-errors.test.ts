import { describe, expect, it } from 'vitest';
import { describeChar, isEofMessage, quoteLookAlikeHint, skipMisc } from '../../../src/taskbody/xml-errors.js';

describe('XML error explanations', () => {
  it('describeChar() names a character the way hints do', () => {
    expect(describeChar(0x201d)).toBe('U+201D RIGHT DOUBLE QUOTATION MARK');
    expect(describeChar(0x22)).toBe(`'"'`);
    expect(describeChar(0x3c)).toBe('"<"');
    expect(describeChar(0x20)).toBe('a space');
    expect(describeChar(0x00)).toBe('U+0000 NULL');
    expect(describeChar(0x01)).toBe('U+0001 (a control character)');
    expect(describeChar(0x1f600)).toBe('U+1F600 "😀"');
    expect(describeChar(Number.NaN)).toBe('the end of the document');
  });

  it('quoteLookAlikeHint() recognises the quotes word processors substitute', () => {
    for (const c of [0x201c, 0x201d, 0x201e, 0xab, 0xbb, 0xff02]) expect(quoteLookAlikeHint(c)).toContain('where a quote (") was expected');
    for (const c of [0x2018, 0x2019, 0xb4]) expect(quoteLookAlikeHint(c)).toContain("where a quote (') was expected");
    expect(quoteLookAlikeHint(0x22)).toBeUndefined();
    expect(quoteLookAlikeHint(0x41)).toBeUndefined();
  });

  it('isEofMessage() knows what saxes says at the end of a document', () => {
    expect(isEofMessage('unexpected end.')).toBe(true);
    expect(isEofMessage('unclosed tag: taskBody')).toBe(true);
    expect(isEofMessage('document must contain a root element.')).toBe(true);
    expect(isEofMessage('unexpected close tag.')).toBe(false);
  });

  it('skipMisc() skips white space, comments and processing instructions, not unfinished ones', () => {
    const s = ' \n<!-- a --> <?pi b?>x<!-- c';
    expect(skipMisc(s, 0, s.length)).toBe(s.indexOf('x'));
    expect(skipMisc(s, s.indexOf('x') + 1, s.length)).toBe(s.lastIndexOf('<!--'));
    expect(skipMisc(s, 0, 5)).toBe(2);
  });
});
