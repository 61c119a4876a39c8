/**
 * Source positions: the one place where places in a TaskBody become the 1-based line and column
 * of our entries and problems.
 *
 * saxes reports `line` (1-based) and `column` (0-based) of the *next unread* character, and
 * `position`, the 0-based UTF-16 offset of that character. Its `column` cannot be used as is:
 * - the spots we report lie *behind* the next unread character: the `<` of a tag whose name saxes
 *   has just read (the name may end with a line break, so the `<` is on the previous line), the
 *   character saxes has just refused (a CRLF or a surrogate pair is two code units);
 * - saxes' `column` counts code points, while our columns count UTF-16 code units; its
 *   `columnIndex` (`position` minus the offset where the current line starts) counts code units.
 *
 * So the parser works in offsets (`parser.position`, stepped back with `charStartBefore`), and
 * - {@link onSaxesLine} converts an offset on saxes' current line with saxes' own line count, in
 *   O(1) (every element of a well-formed TaskBody, in practice);
 * - {@link LineMap.at} converts any other offset (problems, elements whose name ends a line, the
 *   end of the document), with the line breaks of XML 1.0 as saxes reads them: LF, CRLF (one
 *   break) and a lone CR. The parser forces XML 1.0, so NEL and U+2028 never break a line.
 * A unit test pins the two together, and the golden files pin both.
 */
import type { SourcePosition } from './types.js';

const LF = 0x0a;
const CR = 0x0d;

/**
 * Maps offsets of one text to 1-based line and column (UTF-16 code units). Amortised O(1) when
 * offsets come in increasing order (the parser's case): it remembers the current line and the next
 * line break, found with `indexOf`, so a document is scanned for breaks at most once. It also keeps
 * the start of every line passed, so an offset before the current line is a binary search, not a
 * new scan from the top (problems are not always found in document order, and a scan from the top
 * for each would be quadratic in a hostile document).
 */
export class LineMap {
  private text = '';
  private line = 1;
  private lineStart = 0;
  /** Offset of the next LF at or after lineStart, or text.length when there is none. */
  private nextLf = 0;
  /** Offset of the next CR at or after lineStart, or text.length when there is none. */
  private nextCr = 0;
  /** starts[i] is the offset where line i + 1 starts, for every line up to the current one. */
  private starts: number[] = [0];

  /** Starts over on a new text. */
  reset(text: string): void {
    this.text = text;
    this.line = 1;
    this.lineStart = 0;
    this.nextLf = -1;
    this.nextCr = -1;
    // A hostile document may have left millions of line starts: let them go.
    if (this.starts.length > 4096) this.starts = [0];
    else this.starts.length = 1;
  }

  /**
   * Line and column of the code unit at `offset` (clamped to `0..text.length`; `text.length` is
   * the end of the document, one column after the last character).
   * A line break belongs to the line it ends: the CR of a CRLF and the LF after it are both on it.
   */
  at(offset: number): SourcePosition {
    const text = this.text;
    const length = text.length;
    if (offset > length) offset = length;
    if (offset < 0) offset = 0;
    if (offset < this.lineStart) return this.before(offset);
    let { line, lineStart, nextLf, nextCr } = this;
    const starts = this.starts;
    for (;;) {
      if (nextLf < lineStart) {
        nextLf = text.indexOf('\n', lineStart);
        if (nextLf < 0) nextLf = length;
      }
      if (nextCr < lineStart) {
        nextCr = text.indexOf('\r', lineStart);
        if (nextCr < 0) nextCr = length;
      }
      const brk = nextLf < nextCr ? nextLf : nextCr;
      if (brk >= length) break;
      const next = brk === nextCr && text.charCodeAt(brk + 1) === LF ? brk + 2 : brk + 1;
      if (next > offset) break;
      line++;
      lineStart = next;
      starts.push(next);
    }
    this.line = line;
    this.lineStart = lineStart;
    this.nextLf = nextLf;
    this.nextCr = nextCr;
    return { line, column: offset - lineStart + 1 };
  }

  /** An offset on a line already passed: the last line start at or before it. */
  private before(offset: number): SourcePosition {
    const starts = this.starts;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - starts[lo]! + 1 };
  }
}

/**
 * Line and column of the source offset `offset` from saxes' line tracking: saxes is on (1-based)
 * line `line`, and its next unread character is at `position`, `columnIndex` code units into the
 * line. Returns `undefined` when `offset` lies before the start of that line (use a LineMap).
 *
 * @param offset - at or before `position`, in the same coordinates.
 */
export function onSaxesLine(line: number, columnIndex: number, position: number, offset: number): SourcePosition | undefined {
  const lineStart = position - columnIndex;
  return offset >= lineStart ? { line, column: offset - lineStart + 1 } : undefined;
}

/** The position just after the last character of `text` (where an unexpected end is reported). */
export function endPosition(text: string): SourcePosition {
  const map = new LineMap();
  map.reset(text);
  return map.at(text.length);
}

/**
 * Offset of the character that ends at `end`: the one saxes has just read when it reports an error
 * at `parser.position === end`. A CRLF (read as one line break) and a surrogate pair are two code
 * units; everything else is one.
 */
export function charStartBefore(text: string, end: number): number {
  if (end <= 0) return 0;
  if (end > text.length) return text.length;
  const last = text.charCodeAt(end - 1);
  if (end >= 2) {
    const prev = text.charCodeAt(end - 2);
    if (last === LF && prev === CR) return end - 2;
    if (last >= 0xdc00 && last <= 0xdfff && prev >= 0xd800 && prev <= 0xdbff) return end - 2;
  }
  return end - 1;
}

/** Number of lines of `text` as {@link LineMap} counts them (an empty text has one line). */
export function lineCount(text: string): number {
  let n = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === LF) n++;
    else if (c === CR) {
      n++;
      if (text.charCodeAt(i + 1) === LF) i++;
    }
  }
  return n;
}
