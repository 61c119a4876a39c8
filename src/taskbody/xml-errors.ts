/**
 * Turns saxes' terse well-formedness errors into located problems with a hint that names the
 * likely cause ("U+201D RIGHT DOUBLE QUOTATION MARK where a quote (") was expected"), and says how
 * far the error reaches (its kind), which decides what the parser reports after it.
 *
 * Runs only on the error path, so it may look around the source text freely.
 */
import { charStartBefore } from './position.js';
import type { SourcePosition } from './types.js';
import { isXmlSpace } from './asset-ref.js';

/** Harmless to the structure: saxes carries on exactly as if it were not there (a control character, an undefined entity). */
export const KIND_LOCAL = 0;
/** A slip in an attribute of a start tag (curly quotes, no space between attributes): the tag's attributes are lost, the element is fine. */
export const KIND_TAG = 1;
/** Breaks the element structure (a close tag that does not match, an unescaped `<`): what follows is unreliable. */
export const KIND_STRUCTURAL = 2;
/** After the root element closed: garbage after the root. */
export const KIND_AFTER_ROOT = 3;
/** `<!doctype` or `<!ENTITY` written where saxes does not take it for a DOCTYPE: refused all the same. */
export const KIND_DOCTYPE = 4;
/** The same attribute twice, spelled identically: reported as ATTRIBUTE_DUPLICATE. */
export const KIND_DUPLICATE_ATTRIBUTE = 5;
/** In the `<?xml ...?>` declaration or a processing instruction: local, but saxes often says several things about one slip; the first is reported. */
export const KIND_DECL = 6;

export interface XmlErrorReport {
  kind: number;
  /** Offset of the offending spot in the source. */
  offset: number;
  message: string;
  hint?: string;
}

/** What the parser knows when saxes reports an error (the parser itself implements it). */
export interface XmlErrorContext {
  readonly src: string;
  /** Source offset just after the last character saxes read. */
  readonly errorEnd: number;
  /**
   * Source offset after the last tag or CDATA section: the current run of text starts here, after
   * any comments and PIs (see {@link skipMisc}).
   */
  readonly textStart: number;
  readonly inStartTag: boolean;
  /** Offset of the `<` of the start tag being read, and its name. */
  readonly tagStart: number;
  readonly tagName: string;
  /** Name of the root element once seen, else ''. */
  readonly rootName: string;
  readonly rootClosed: boolean;
  /** The element most recently closed (saxes closes the open element before it reports a mismatch). */
  readonly lastClosedName: string;
  readonly lastClosedStart: number;
  /** Open elements, outermost first: names, `<` offsets, offsets after their start tag's `>`. */
  readonly depth: number;
  readonly openNames: readonly string[];
  readonly openStarts: readonly number[];
  readonly openEnds: readonly number[];
  locate(offset: number): SourcePosition;
}

// ---------------------------------------------------------------------------------------------
// Characters

const CHAR_NAMES: Record<number, string> = {
  0x00: 'NULL',
  0x0b: 'LINE TABULATION',
  0x0c: 'FORM FEED',
  0x1b: 'ESCAPE',
  0x7f: 'DELETE',
  0x85: 'NEXT LINE',
  0xa0: 'NO-BREAK SPACE',
  0xab: 'LEFT-POINTING DOUBLE ANGLE QUOTATION MARK',
  0xb4: 'ACUTE ACCENT',
  0xbb: 'RIGHT-POINTING DOUBLE ANGLE QUOTATION MARK',
  0x200b: 'ZERO WIDTH SPACE',
  0x2013: 'EN DASH',
  0x2014: 'EM DASH',
  0x2018: 'LEFT SINGLE QUOTATION MARK',
  0x2019: 'RIGHT SINGLE QUOTATION MARK',
  0x201a: 'SINGLE LOW-9 QUOTATION MARK',
  0x201b: 'SINGLE HIGH-REVERSED-9 QUOTATION MARK',
  0x201c: 'LEFT DOUBLE QUOTATION MARK',
  0x201d: 'RIGHT DOUBLE QUOTATION MARK',
  0x201e: 'DOUBLE LOW-9 QUOTATION MARK',
  0x201f: 'DOUBLE HIGH-REVERSED-9 QUOTATION MARK',
  0x2028: 'LINE SEPARATOR',
  0x2032: 'PRIME',
  0x2033: 'DOUBLE PRIME',
  0x2039: 'SINGLE LEFT-POINTING ANGLE QUOTATION MARK',
  0x203a: 'SINGLE RIGHT-POINTING ANGLE QUOTATION MARK',
  0x301d: 'REVERSED DOUBLE PRIME QUOTATION MARK',
  0x301e: 'DOUBLE PRIME QUOTATION MARK',
  0xfeff: 'ZERO WIDTH NO-BREAK SPACE (byte order mark)',
  0xfffd: 'REPLACEMENT CHARACTER',
  0xfffe: 'a noncharacter',
  0xffff: 'a noncharacter',
  0xff02: 'FULLWIDTH QUOTATION MARK',
  0xff07: 'FULLWIDTH APOSTROPHE',
  0xff1c: 'FULLWIDTH LESS-THAN SIGN',
  0xff1e: 'FULLWIDTH GREATER-THAN SIGN',
};

/** Quote-like characters that word processors put where `"` was typed. */
const DOUBLE_QUOTE_LIKE = new Set([0x201c, 0x201d, 0x201e, 0x201f, 0xab, 0xbb, 0x2033, 0x2036, 0x301d, 0x301e, 0xff02]);
/** … and where `'` was typed. */
const SINGLE_QUOTE_LIKE = new Set([0x2018, 0x2019, 0x201a, 0x201b, 0x2039, 0x203a, 0x2032, 0x2035, 0xb4, 0x60, 0xff07]);

function hex(c: number): string {
  return `U+${c.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** Names a character for a message: `"x"`, `a space`, `U+201D RIGHT DOUBLE QUOTATION MARK`, `U+0001 (a control character)`. */
export function describeChar(c: number): string {
  if (Number.isNaN(c)) return 'the end of the document';
  if (c === 0x20) return 'a space';
  if (c === 0x09) return 'a tab';
  if (c === 0x0a || c === 0x0d) return 'a line break';
  if (c > 0x20 && c < 0x7f && c !== 0x60) return c === 0x22 ? `'"'` : `"${String.fromCharCode(c)}"`;
  const name = CHAR_NAMES[c];
  if (name !== undefined) return `${hex(c)} ${name}`;
  if (c < 0x20 || (c >= 0x7f && c < 0xa0)) return `${hex(c)} (a control character)`;
  return `${hex(c)} "${String.fromCodePoint(c)}"`;
}

/** The curly-quote hint, when `c` is a quote look-alike; else undefined. */
export function quoteLookAlikeHint(c: number): string | undefined {
  if (DOUBLE_QUOTE_LIKE.has(c)) return `${describeChar(c)} where a quote (") was expected — text pasted from a word processor?`;
  if (SINGLE_QUOTE_LIKE.has(c)) return `${describeChar(c)} where a quote (') was expected — text pasted from a word processor?`;
  return undefined;
}

function codeAt(src: string, offset: number): number {
  return offset < src.length ? src.codePointAt(offset)! : Number.NaN;
}

/** The XML name written at `offset` (ASCII-and-beyond: everything up to white space, `>`, `/`, `=` or quote). */
function nameAt(src: string, offset: number): string {
  let end = offset;
  while (end < src.length) {
    const c = src.charCodeAt(end);
    if (isXmlSpace(c) || c === 0x3e || c === 0x2f || c === 0x3d || c === 0x22 || c === 0x27 || c === 0x3c) break;
    end++;
  }
  return src.slice(offset, end);
}

function firstNonSpace(src: string, from: number, limit: number): number {
  let i = from;
  while (i < limit && isXmlSpace(src.charCodeAt(i))) i++;
  return i;
}

/**
 * Offset just after the comment that starts at `lt` (`<!--`) as saxes reads it, or -1 when it never
 * ends: it ends at the first `--` followed by `>`. A `--` followed by anything else is an error and
 * the comment goes on after that character, so `--->` does not end it (a search for `-->` would
 * say it does, and the end of the document would then be blamed on the next tag).
 */
export function commentEnd(src: string, lt: number): number {
  for (let dd = src.indexOf('--', lt + 4); dd >= 0; dd = src.indexOf('--', dd + 3)) {
    if (src.charCodeAt(dd + 2) === 0x3e) return dd + 3;
  }
  return -1;
}

/**
 * From `from`, skips white space and complete comments, processing instructions and XML
 * declarations (which the parser does not listen to), and returns the offset of the first other
 * thing, or `limit`.
 */
export function skipMisc(src: string, from: number, limit: number): number {
  let i = from;
  for (;;) {
    i = firstNonSpace(src, i, limit);
    if (i >= limit || src.charCodeAt(i) !== 0x3c) return i;
    let close: number;
    if (src.startsWith('<!--', i)) {
      close = commentEnd(src, i);
      if (close < 0 || close > limit) return i;
      i = close;
    } else if (src.startsWith('<?', i)) {
      close = src.indexOf('?>', i + 2);
      if (close < 0 || close + 2 > limit) return i;
      i = close + 2;
    } else {
      return i;
    }
  }
}

function clip(s: string, max = 40): string {
  return s.length > max ? `${s.slice(0, max - 3)}...` : s;
}

function at(ctx: XmlErrorContext, offset: number): string {
  const p = ctx.locate(offset);
  return `${p.line}:${p.column}`;
}

const HTML_ENTITIES: Record<string, number> = {
  nbsp: 160,
  copy: 169,
  reg: 174,
  trade: 8482,
  hellip: 8230,
  mdash: 8212,
  ndash: 8211,
  lsquo: 8216,
  rsquo: 8217,
  ldquo: 8220,
  rdquo: 8221,
  euro: 8364,
  eacute: 233,
};

const XML_DECL_HINT = 'the declaration is <?xml version="1.0" encoding="utf-8"?> (encoding and standalone are optional)';

// ---------------------------------------------------------------------------------------------
// One error

/**
 * Explains one saxes error (`message` as saxes words it, without position prefix).
 */
export function explainXmlError(message: string, ctx: XmlErrorContext): XmlErrorReport {
  const r = explain(message, ctx);
  // In a start tag, saxes recovers at the tag's '>' from a slip in an attribute (KIND_TAG), but
  // not from a broken name or a '<' (a missing '>' or quote): those stay structural.
  if (ctx.inStartTag && (r.kind === KIND_LOCAL || r.kind === KIND_DECL)) r.kind = KIND_TAG;
  if (ctx.rootClosed && r.kind !== KIND_DOCTYPE && r.kind !== KIND_DUPLICATE_ATTRIBUTE) r.kind = KIND_AFTER_ROOT;
  return r;
}

function explain(message: string, ctx: XmlErrorContext): XmlErrorReport {
  const { src, errorEnd: end } = ctx;
  const spot = charStartBefore(src, end);
  const c = codeAt(src, spot);
  switch (message) {
    case 'disallowed character.': {
      if (c === 0x3c) {
        return {
          kind: KIND_STRUCTURAL,
          offset: spot,
          message: 'a < inside an attribute value',
          hint: 'write &lt; for a < in an attribute value — or is the closing quote of the value missing?',
        };
      }
      return {
        kind: KIND_LOCAL,
        offset: spot,
        message: `${describeChar(c)} is not allowed in XML`,
        hint:
          c === 0xfffe || c === 0xffff
            ? 'U+FFFE and U+FFFF are not characters: remove it'
            : 'XML 1.0 allows no control characters other than tab, CR and LF (not even as &#...;): binary data or a bad copy?',
      };
    }
    case 'disallowed character in tag name': {
      // sOpenWaka: '<' followed by something that cannot start a name.
      const lt = Math.max(0, spot - 1);
      return {
        kind: KIND_STRUCTURAL,
        offset: lt,
        message: `a < followed by ${describeChar(c)} does not start a tag`,
        hint: isXmlSpace(c)
          ? 'write &lt; for a literal < — and in a tag, the name follows < directly (<inputAsset>, not < inputAsset>)'
          : 'write &lt; for a literal < in text',
      };
    }
    case 'disallowed character in tag name.': {
      const hint = quoteLookAlikeHint(c);
      return {
        kind: KIND_STRUCTURAL,
        offset: spot,
        message: `${describeChar(c)} right after the tag name <${clip(ctx.tagName)}`,
        hint: hint ?? 'a tag name ends with white space, > or />',
      };
    }
    case 'unquoted attribute value.': {
      const hint = quoteLookAlikeHint(c);
      return {
        kind: KIND_TAG,
        offset: spot,
        message: hint ? `${describeChar(c)} around an attribute value` : 'an attribute value without quotes',
        hint: hint ?? 'put attribute values in quotes: name="value"',
      };
    }
    case 'attribute without value.':
      return { kind: KIND_TAG, offset: spot, message: 'an attribute without a value', hint: 'write name="value"' };
    case 'disallowed character in attribute name.': {
      const hint = quoteLookAlikeHint(c);
      return {
        kind: c === 0x3c ? KIND_STRUCTURAL : KIND_TAG,
        offset: spot,
        message: `${describeChar(c)} where an attribute name, > or /> was expected`,
        hint: hint ?? (c === 0x3c ? 'is the > of this tag missing?' : 'attributes are name="value", separated by spaces'),
      };
    }
    case 'no whitespace between attributes.':
      return { kind: KIND_TAG, offset: spot, message: 'no space between two attributes', hint: 'put a space between attributes: a="1" b="2"' };
    case 'forward-slash in opening tag not followed by >.':
      return { kind: KIND_TAG, offset: Math.max(0, spot - 1), message: 'a / in a start tag not followed by >', hint: 'an empty element ends with />' };
    case 'documents may contain only one root.':
      return {
        kind: KIND_AFTER_ROOT,
        offset: ctx.tagStart,
        message: `a second root element <${clip(ctx.tagName)}> after </${clip(ctx.rootName)}>`,
        hint:
          ctx.rootName !== 'taskBody'
            ? 'a TaskBody has one root element, <taskBody>, with every asset inside it'
            : ctx.tagName === ctx.rootName
              ? `one <${ctx.rootName}> per TaskBody: give each task its own TaskBody`
              : `everything belongs inside <${ctx.rootName}>...</${ctx.rootName}>: was </${ctx.rootName}> written too early?`,
      };
    case 'text data outside of root node.':
      return textOutsideRoot(ctx);
    case 'undefined entity.':
    case 'disallowed character in entity name.':
    case 'empty entity name.':
    case 'malformed character entity.':
      return badEntity(message, ctx);
    case 'the string "]]>" is disallowed in char data.':
      return {
        kind: KIND_LOCAL,
        offset: src.startsWith(']]>', end - 3) ? end - 3 : spot,
        message: ']]> in text',
        hint: 'write ]]&gt; (the sequence ]]> may only end a CDATA section)',
      };
    case 'an XML declaration must be at the start of the document.':
    case 'the XML declaration must appear at the start of the document.': {
      const decl = Math.max(0, src.lastIndexOf('<?', end - 1));
      const before = src.slice(src.charCodeAt(0) === 0xfeff ? 1 : 0, decl);
      let hint: string;
      if (message.startsWith('the XML')) hint = 'write the declaration in lower case (<?xml ...?>), as the very first thing in the document';
      else if (ctx.rootName !== '') hint = 'a second <?xml ...?> declaration inside the document: were two TaskBodies pasted together?';
      else if (before.trim() === '') hint = 'remove the white space before <?xml ...?>: the declaration must be the very first thing';
      else hint = 'the <?xml ...?> declaration must come first, before any comment or element (or leave it out)';
      return { kind: KIND_LOCAL, offset: decl, message: 'an XML declaration that is not at the start of the document', hint };
    }
    case 'XML declaration must contain a version.':
      return { kind: KIND_DECL, offset: Math.max(0, src.lastIndexOf('<?', end - 1)), message: 'an XML declaration without a version', hint: XML_DECL_HINT };
    case 'XML declaration is incomplete.':
    case 'did not expect any more name/value pairs.':
    case 'value required.':
    case 'value must be quoted.':
    case 'whitespace required.':
    case 'The character ? is disallowed anywhere in XML declarations.':
    case 'standalone value must match "yes" or "no".':
    case 'version number must match /^1\\.[0-9]+$/.': {
      const quote = quoteLookAlikeHint(c);
      return {
        kind: KIND_DECL,
        offset: spot,
        message: `in the XML declaration: ${message.replace(/\.$/, '').replace(/^XML declaration is /, 'the declaration is ').replace(/ \/\^.*$/, ' 1.x')}`,
        hint: quote ?? XML_DECL_HINT,
      };
    }
    case 'processing instruction without a target.':
    case 'disallowed character in processing instruction name.':
    case 'processing instructions are not allowed before root.': {
      const pi = Math.max(0, src.lastIndexOf('<?', end - 1));
      const xmlTypo = src.startsWith('<?xml', pi) && !isXmlSpace(src.charCodeAt(pi + 5));
      return {
        kind: KIND_DECL,
        offset: spot,
        message: message.replace(/\.$/, ''),
        hint: xmlTypo
          ? 'a space must follow <?xml: <?xml version="1.0" encoding="utf-8"?>'
          : 'a processing instruction is <?target ...?>; write &lt;? for a literal <? in text',
      };
    }
    case 'malformed comment.':
      return {
        kind: KIND_LOCAL,
        offset: Math.max(0, spot - 2),
        message: '-- inside a comment',
        hint: 'a comment may not contain --; it ends with -->',
      };
    case 'incorrect syntax.':
      return markupDeclaration(ctx);
    case 'unexpected close tag.':
      return mismatchedCloseTag(ctx);
    case 'weird empty close tag.':
      return {
        kind: KIND_STRUCTURAL,
        offset: Math.max(0, src.lastIndexOf('</', end - 1)),
        message: 'an empty closing tag </>',
        hint: 'a closing tag names its element: </inputAsset>',
      };
    case 'disallowed character in closing tag.': {
      const quote = quoteLookAlikeHint(c);
      return {
        kind: KIND_STRUCTURAL,
        offset: spot,
        message: `${describeChar(c)} in a closing tag`,
        hint: quote ?? (c === 0x3c ? 'is the > of the closing tag missing?' : 'a closing tag is </name> with nothing else in it'),
      };
    }
    default:
      break;
  }
  if (message.startsWith('duplicate attribute: ')) {
    const name = message.slice('duplicate attribute: '.length, -1);
    return { kind: KIND_DUPLICATE_ATTRIBUTE, offset: ctx.tagStart, message: `${name} is given twice`, hint: 'keep one of them (the last one is used)' };
  }
  if (message.startsWith('unmatched closing tag: ')) {
    const lt = Math.max(0, src.lastIndexOf('</', end - 1));
    const name = nameAt(src, lt + 2);
    return {
      kind: KIND_STRUCTURAL,
      offset: lt,
      message: `</${clip(name)}> closes no open element`,
      hint: ctx.rootClosed ? `garbage after the root element: the TaskBody ends with </${ctx.rootName}>` : 'remove it, or add the start tag it closes',
    };
  }
  if (message.startsWith('expected the name ') || message.startsWith('expected one of ')) {
    const expected = message.replace(/^expected (the name |one of )/, '').replace(/\.$/, '').split(', ').join(' or ');
    return { kind: KIND_DECL, offset: spot, message: `in the XML declaration: expected ${expected}`, hint: quoteLookAlikeHint(c) ?? XML_DECL_HINT };
  }
  if (message.startsWith('encoding value must match')) {
    return { kind: KIND_DECL, offset: spot, message: 'in the XML declaration: an encoding name that is not one', hint: quoteLookAlikeHint(c) ?? XML_DECL_HINT };
  }
  return { kind: KIND_STRUCTURAL, offset: spot, message: message.replace(/\.$/, '') };
}

function textOutsideRoot(ctx: XmlErrorContext): XmlErrorReport {
  const { src, errorEnd: end } = ctx;
  if (src.startsWith('<![CDATA[', end - 9)) {
    return {
      kind: ctx.rootClosed ? KIND_AFTER_ROOT : KIND_LOCAL,
      offset: end - 9,
      message: ctx.rootClosed ? `a CDATA section after </${ctx.rootName}>` : 'a CDATA section before the root element',
      hint: 'text belongs inside <inputAsset> or <outputAsset>',
    };
  }
  const offset = skipMisc(src, ctx.textStart, Math.max(ctx.textStart, end));
  const text = src.slice(offset, Math.min(src.length, offset + 40)).split('<')[0]!.trim();
  if (ctx.rootClosed) {
    return {
      kind: KIND_AFTER_ROOT,
      offset,
      message: `text ${JSON.stringify(clip(text, 30))} after </${ctx.rootName}>`,
      hint: `garbage after the root element: the TaskBody ends with </${ctx.rootName}>`,
    };
  }
  const c = codeAt(src, offset);
  return {
    kind: KIND_LOCAL,
    offset,
    message: `text ${JSON.stringify(clip(text, 30))} before the root element`,
    hint:
      c === 0xfeff
        ? 'a byte order mark (U+FEFF) is only allowed as the very first character'
        : 'a TaskBody starts with <taskBody> (only an <?xml ...?> declaration, comments and white space may come before it)',
  };
}

/** Offset of the `&` that began the entity reference saxes has just finished reading (at `;`). */
function entityStart(ctx: XmlErrorContext): number {
  const { src, errorEnd: end } = ctx;
  const semi = end - 1;
  // saxes reads everything from '&' to the next ';' as the entity name, so the '&' that began it
  // is the first one after the previous ';' (in this run of text or this start tag).
  const floor = Math.max(ctx.inStartTag ? ctx.tagStart : ctx.textStart, src.lastIndexOf(';', semi - 1) + 1);
  const amp = src.indexOf('&', floor);
  return amp >= 0 && amp < semi ? amp : Math.max(0, src.lastIndexOf('&', semi));
}

function badEntity(message: string, ctx: XmlErrorContext): XmlErrorReport {
  const { src, errorEnd: end } = ctx;
  const amp = entityStart(ctx);
  const name = src.slice(amp + 1, Math.max(amp + 1, end - 1));
  switch (message) {
    case 'undefined entity.': {
      // Own names only: `&toString;` is no HTML entity, whatever Object.prototype holds.
      const code = Object.hasOwn(HTML_ENTITIES, name) ? HTML_ENTITIES[name] : undefined;
      return {
        kind: KIND_LOCAL,
        offset: amp,
        message: `undefined entity &${clip(name)};`,
        hint:
          code !== undefined
            ? `&${name}; is HTML, not XML: write &#${code}; (or the character itself)`
            : 'XML defines only &amp; &lt; &gt; &quot; &apos; and character references (&#160;), and a TaskBody may not declare more: write &amp; for a literal &',
      };
    }
    case 'empty entity name.':
      return { kind: KIND_LOCAL, offset: amp, message: 'an empty entity reference &;', hint: 'write &amp; for a literal &' };
    case 'malformed character entity.':
      return {
        kind: KIND_LOCAL,
        offset: amp,
        message: `a malformed character reference &${clip(name)};`,
        hint: 'write &#DDD; or &#xHHH; with a character XML allows (no control characters other than tab, CR, LF)',
      };
    default: {
      const swallowed = name.includes('<');
      return {
        kind: swallowed ? KIND_STRUCTURAL : KIND_LOCAL,
        offset: amp,
        message: 'an & that starts no entity reference',
        hint: swallowed
          ? `write &amp; for a literal & (everything up to the ; at ${at(ctx, end - 1)}, tags included, was read as an entity name)`
          : 'write &amp; for a literal &',
      };
    }
  }
}

function markupDeclaration(ctx: XmlErrorContext): XmlErrorReport {
  const { src, errorEnd: end } = ctx;
  // saxes gives up after reading 7 characters after "<!" that start no comment, CDATA or DOCTYPE.
  let lt = src.lastIndexOf('<!', Math.max(0, end - 9));
  if (lt < 0) lt = 0;
  const after = src.slice(lt + 2, lt + 12);
  const upper = after.toUpperCase();
  if (upper.startsWith('DOCTYPE')) {
    return {
      kind: KIND_DOCTYPE,
      offset: lt,
      message: `a DOCTYPE declaration (written <!${after.slice(0, 7)}); refused, and the rest of the TaskBody is not read`,
    };
  }
  if (upper.startsWith('ENTITY')) {
    return { kind: KIND_DOCTYPE, offset: lt, message: 'an entity declaration <!ENTITY; refused, and the rest of the TaskBody is not read', hint: 'remove it: a TaskBody declares no entities (they are never expanded)' };
  }
  let hint: string;
  if (/^(ELEMENT|ATTLIST|NOTATION)/.test(upper)) hint = 'markup declarations belong in a DTD, and a TaskBody may not have one: remove it';
  else if (after.startsWith('-')) hint = 'a comment starts with <!-- (two dashes) and ends with -->';
  else if (after.startsWith('[')) hint = 'a CDATA section starts with <![CDATA[ (in capitals) and ends with ]]>';
  else hint = '<! starts a comment (<!-- -->) or a CDATA section (<![CDATA[ ]]>); write &lt;! for a literal <!';
  return { kind: KIND_STRUCTURAL, offset: lt, message: `unknown markup <!${clip(after.split(/[\s>]/)[0]!, 12)}`, hint };
}

function mismatchedCloseTag(ctx: XmlErrorContext): XmlErrorReport {
  const { src, errorEnd: end } = ctx;
  const lt = Math.max(0, src.lastIndexOf('</', end - 1));
  const name = nameAt(src, lt + 2);
  const open = ctx.lastClosedName;
  let hint: string;
  if (name.toLowerCase() === open.toLowerCase()) {
    hint = `element names are case-sensitive: write </${open}>`;
  } else if (ctx.openNames.slice(0, ctx.depth).includes(name)) {
    hint = `close <${open}> first: elements close in the reverse order of opening`;
  } else {
    hint = `</${clip(name)}> closes nothing that is open: write </${open}>, or remove it`;
  }
  return {
    kind: KIND_STRUCTURAL,
    offset: lt,
    message: `</${clip(name)}> does not match <${clip(open)}> (opened at ${at(ctx, ctx.lastClosedStart)})`,
    hint,
  };
}

// ---------------------------------------------------------------------------------------------
// The end of the document

const EMPTY_HINT = 'a TaskBody is <taskBody><inputAsset>JobInputAsset(0)</inputAsset><outputAsset>JobOutputAsset(0)</outputAsset></taskBody>';

export const EOF_NO_ROOT = 'document must contain a root element.';
export const EOF_UNEXPECTED_END = 'unexpected end.';
export const EOF_UNCLOSED = 'unclosed tag: ';

/** True for the errors saxes reports when the document ends (in `close()`). */
export function isEofMessage(message: string): boolean {
  return message === EOF_UNEXPECTED_END || message === EOF_NO_ROOT || message.startsWith(EOF_UNCLOSED);
}

/**
 * One problem for everything saxes says at the end of the document (no root; elements left open,
 * innermost first; ended inside markup): they have one cause, reported once where it is.
 */
export function explainEof(messages: readonly string[], ctx: XmlErrorContext): XmlErrorReport {
  const { src } = ctx;
  const bom = src.charCodeAt(0) === 0xfeff ? 1 : 0;
  if (messages.includes(EOF_NO_ROOT) && firstNonSpace(src, bom, src.length) === src.length) {
    // Nothing but white space (saxes also says "unexpected end": it is still looking for the root).
    return src.length === bom
      ? { kind: KIND_STRUCTURAL, offset: 0, message: 'the TaskBody is empty', hint: EMPTY_HINT }
      : { kind: KIND_STRUCTURAL, offset: 0, message: 'the TaskBody is only white space', hint: EMPTY_HINT };
  }
  if (messages.includes(EOF_UNEXPECTED_END)) return unfinishedMarkup(ctx);
  if (messages.some((m) => m.startsWith(EOF_UNCLOSED)) && ctx.depth > 0) {
    const top = ctx.depth - 1;
    const name = clip(ctx.openNames[top]!);
    const closers = closingTags(ctx);
    const lastIsEmpty = src.slice(ctx.openEnds[top]!).trim() === '';
    if (top > 0 && lastIsEmpty && ctx.openNames.slice(0, top).includes(ctx.openNames[top]!)) {
      return {
        kind: KIND_STRUCTURAL,
        offset: ctx.openStarts[top]!,
        message: `the document ends before </${name}>`,
        hint: `the document ends before </${name}>: was the closing tag written <${name}>? (a closing tag is </${name}>)`,
      };
    }
    return {
      kind: KIND_STRUCTURAL,
      offset: src.length,
      message: `the document ends before ${closers}`,
      hint: `<${name}> (opened at ${at(ctx, ctx.openStarts[top]!)}) is never closed: is the TaskBody cut short?`,
    };
  }
  // No root element: only a declaration, comments or text.
  return {
    kind: KIND_STRUCTURAL,
    offset: src.length,
    message: 'the document has no root element',
    hint: 'a TaskBody is <taskBody> with <inputAsset> and <outputAsset> elements inside',
  };
}

/** The closing tags the document lacks, innermost first: a few, then how many more (thousands may be open). */
function closingTags(ctx: XmlErrorContext): string {
  const shown = 8;
  let s = '';
  for (let i = ctx.depth - 1; i >= 0 && i >= ctx.depth - shown; i--) s += `</${clip(ctx.openNames[i]!)}>`;
  if (ctx.depth > shown) s += `… (${(ctx.depth - shown).toLocaleString('en-US')} more)`;
  return s;
}

const ENTITY_REFERENCE = /&(?:[A-Za-z_:][-\w.:]*|#[0-9]+|#x[0-9a-fA-F]+);/y;

/** Offset of the first `&` at or after `from` that does not start `&name;`, `&#n;` or `&#xh;`, or -1. */
function firstBadAmpersand(src: string, from: number): number {
  for (let amp = src.indexOf('&', from); amp >= 0; amp = src.indexOf('&', amp + 1)) {
    ENTITY_REFERENCE.lastIndex = amp;
    if (!ENTITY_REFERENCE.test(src)) return amp;
  }
  return -1;
}

/** The document ends inside markup, an entity reference or a start tag: find which, and where it began. */
function unfinishedMarkup(ctx: XmlErrorContext): XmlErrorReport {
  const { src } = ctx;
  if (ctx.inStartTag) {
    const amp = firstBadAmpersand(src, ctx.tagStart);
    if (amp >= 0) {
      return {
        kind: KIND_STRUCTURAL,
        offset: amp,
        message: 'an & that starts no entity reference',
        hint: 'write &amp; for a literal & (the rest of the document was read as an entity name)',
      };
    }
    const tag = src.slice(ctx.tagStart);
    const quotes = (tag.match(/"/g) ?? []).length;
    const apos = (tag.match(/'/g) ?? []).length;
    return {
      kind: KIND_STRUCTURAL,
      offset: ctx.tagStart,
      message: `the document ends inside the start tag <${clip(ctx.tagName)}`,
      hint: quotes % 2 === 1 || apos % 2 === 1 ? 'an attribute value is missing its closing quote' : 'end the start tag with >',
    };
  }
  // The first '<' or '&' after the last complete markup, past complete comments, PIs and CDATA.
  let from = ctx.textStart;
  let lt: number;
  let amp: number;
  let start: number;
  for (;;) {
    lt = src.indexOf('<', from);
    amp = src.indexOf('&', from);
    start = lt < 0 ? amp : amp < 0 ? lt : Math.min(lt, amp);
    if (start < 0 || start !== lt) break;
    if (src.startsWith('<!--', lt)) {
      const close = commentEnd(src, lt);
      if (close < 0) break;
      from = close;
      continue;
    }
    const ends = src.startsWith('<?', lt) ? '?>' : src.startsWith('<![CDATA[', lt) ? ']]>' : '';
    const close = ends === '' ? -1 : src.indexOf(ends, lt + 2);
    if (close < 0) break;
    from = close + ends.length;
  }
  if (start < 0) {
    return { kind: KIND_STRUCTURAL, offset: src.length, message: 'the document ends unexpectedly', hint: 'is the TaskBody cut short?' };
  }
  const r = (message: string, hint: string): XmlErrorReport => ({ kind: KIND_STRUCTURAL, offset: start, message, hint });
  if (start === amp) return r('an & that starts no entity reference', 'write &amp; for a literal & (the rest of the document was read as an entity name)');
  if (src.startsWith('<!--', start)) return unclosedComment(ctx, start);
  if (src.startsWith('<![CDATA[', start)) return r('a CDATA section that is never closed', 'end the CDATA section with ]]>');
  if (src.startsWith('<?', start)) return r('a processing instruction or XML declaration that is never closed', 'end it with ?>');
  if (src.startsWith('<!', start)) return r('unfinished markup <!', 'a comment is <!-- ... -->; write &lt;! for a literal <!');
  if (src.startsWith('</', start)) return r(`the document ends inside the closing tag </${clip(nameAt(src, start + 2))}`, 'end the closing tag with >');
  const name = nameAt(src, start + 1);
  if (name !== '') return r(`the document ends inside the start tag <${clip(name)}`, 'end the start tag with > — is the TaskBody cut short?');
  return r('a < at the end of the document', 'write &lt; for a literal <');
}

/** The document ends inside the comment at `lt`: say so, and name a `--` that did not end it (`--->`). */
function unclosedComment(ctx: XmlErrorContext, lt: number): XmlErrorReport {
  const { src } = ctx;
  const dd = src.indexOf('--', lt + 4);
  let hint = 'end the comment with -->';
  if (dd >= 0) {
    hint = `the -- at ${at(ctx, dd)} does not end it: a comment may not contain --, and ends with -->`;
    if (src.startsWith('--->', dd)) hint += ' (write -->, not --->)';
  }
  return { kind: KIND_STRUCTURAL, offset: lt, message: 'a comment that is never closed', hint };
}
