/**
 * The streaming TaskBody parser: saxes events → inputs, outputs and located problems. (TaskBodies
 * written the plain way take a faster road first: plain-scan.ts, which hands everything else here.)
 *
 * One `SaxesParser` is made once and reused for every document (saxes resets itself in `close()`):
 * a fresh parser per document made V8 deoptimise saxes again and again (4–5× slower, see
 * docs/workloads.md). The reader below keeps all per-document state in fields of one object, resolves
 * asset references to numbers as it reads them and allocates little beyond the result.
 *
 * How bad input is handled (the README's "Decisions" summarise it):
 * - Any DOCTYPE is refused before saxes reads a character of it: the text is fed to saxes up to
 *   each `<!DOCTYPE`, then saxes is shown `<!DOCTYPE>` alone; if it takes it for a declaration
 *   (and not for text of a comment, CDATA section or PI), the document is refused there
 *   (XML_DOCTYPE_FORBIDDEN) and nothing after it is read — no internal subset is scanned, no entity
 *   is declared or expanded, whatever its size. Otherwise the probe's extra `>` is accounted for
 *   in every later offset (`shift`). `<!doctype` and `<!ENTITY` outside a DOCTYPE are refused too.
 * - Errors are kept when they are the first, or clearly independent of earlier ones:
 *   • local errors (a control character, an undefined entity, a misplaced XML declaration) change
 *     nothing for saxes: each is reported (at most MAX_XML_PROBLEMS per document);
 *   • errors inside a start tag (curly quotes, a missing quote, no space between attributes): the
 *     first one of the tag is reported and the tag's attributes are dropped; once saxes reaches
 *     the tag's `>` the structure is sound again and reading goes on normally;
 *   • structural errors (a close tag that does not match, an unescaped `<`, an `&` that swallowed
 *     a tag): the first is reported, then nothing more — saxes' later errors and events are
 *     unreliable. Reading goes on to salvage the asset elements that follow (entries, no problems);
 *     an asset closed by a close tag that does not match keeps a valid reference (its text was
 *     read before the mistake), silently dropping an invalid one;
 *   • after the root element closed, the first error is reported (garbage after the root), then
 *     nothing more;
 *   • what saxes reports when the document ends (no root, unclosed elements, unfinished markup)
 *     is one problem, located where it began (for the reference sample's closer written
 *     `<taskBody>`, at that `<taskBody>`).
 * - TASKBODY_NO_INPUT / TASKBODY_NO_OUTPUT are reported only when the structure is known: the root
 *   is `<taskBody>` (or a near miss such as `<TaskBody>`, reported and read as one), it closed, and
 *   no structural error, unfinished document or DOCTYPE came first.
 * - An asset element whose text holds an XML error, or that contains an element, has `ref: null`
 *   and no ASSET_REF_INVALID (the other problem says why).
 * - Near misses of element names (`<InputAsset>`, `<p:inputAsset>`, `<inputAsset xmlns="urn:x">`)
 *   are reported (TASKBODY_UNKNOWN_ELEMENT) and then read as the element they resemble, so the
 *   validator can go on without NO_INPUT noise.
 * - Namespaces: TaskBody elements are in no namespace. A prefixed element name, or a non-empty
 *   default namespace (`xmlns="urn:x"`), makes an element unknown (or the root wrong); namespace
 *   declarations themselves (`xmlns:p="..."`, `xmlns=""`) are accepted silently; prefixed
 *   attributes are unknown attributes.
 * - The declared encoding (`utf-16` in a JS string) is ignored; the version is read as 1.0
 *   whatever it says (saxes `forceXMLVersion`), so line breaks are LF, CRLF and CR only.
 * - Lone surrogates are not characters: each is reported (XML_MALFORMED) and read as U+FFFD, which
 *   keeps every offset.
 */
import { SaxesParser, type SaxesTagPlain } from 'saxes';
import { ArgumentTypeError, checkMaxOption, describeValue } from '../errors.js';
import { explainAssetRef, hasLeadingZero, isXmlSpace, parseTrimmedAssetRef, trimXmlSpace } from './asset-ref.js';
import {
  ASSET_CREATION_OPTIONS,
  ASSET_FORMAT_OPTIONS,
  OUT_CREATION_OPTIONS,
  OUT_FORMAT_OPTION,
  OUT_NAME,
  OUT_STORAGE_ACCOUNT,
  attributeName,
  explainOption,
  outputAttribute,
  readOption,
  rootAttribute,
} from './attributes.js';
import { codeInfo } from '../diagnostics/codes.js';
import { LineMap, onSaxesLine } from './position.js';
import { scanPlainTaskBody } from './plain-scan.js';
import type { InputAssetEntry, OutputAssetEntry, ParsedTaskBody, SourcePosition, TaskBodyProblem } from './types.js';
import {
  KIND_AFTER_ROOT,
  KIND_DECL,
  KIND_DOCTYPE,
  KIND_DUPLICATE_ATTRIBUTE,
  KIND_LOCAL,
  KIND_TAG,
  EOF_UNCLOSED,
  describeChar,
  explainEof,
  explainXmlError,
  isEofMessage,
  skipMisc,
  type XmlErrorContext,
} from './xml-errors.js';

/** At most this many XML_MALFORMED problems per document (local errors can repeat). */
const MAX_XML_PROBLEMS = 10;
/** saxes may report an error per character (e.g. after `<!x`); stop reading after this many. */
const MAX_SAXES_ERRORS = 200;
/**
 * Elements nested deeper than this stop the reading. A TaskBody nests two levels (<taskBody>, then
 * its assets), so anything past the third is already reported; but saxes keeps a tag object per
 * open element (~400 bytes), so a million unclosed `<a>` (3 MB) held ~450 MB and took seconds.
 */
export const MAX_DEPTH = 256;
/** Problems kept per document unless the caller says otherwise (validateJob passes what its own cap leaves). */
export const DEFAULT_MAX_PROBLEMS = 1000;
/** Per-element buffers longer than this are dropped after a document, so one hostile TaskBody does not pin them. */
const KEEP_BUFFER = 4096;

// Element kinds on the stack.
const K_ROOT = 0;
const K_INPUT = 1;
const K_OUTPUT = 2;
/** Content ignored: an unknown element, anything nested in one, or an unknown root. */
const K_SKIP = 3;
/** An element named like the root inside the root: reported when it closes; left open at the end it is the reference sample's closer written as an opener. */
const K_NESTED_ROOT = 4;

// Reading modes.
const M_NORMAL = 0;
/** After a structural error: salvage asset entries, report nothing more. */
const M_SALVAGE = 1;
/** The root closed; nothing reported yet after it. */
const M_AFTER_ROOT = 2;
/** Garbage after the root was reported: nothing more. */
const M_DONE = 3;

const DOCTYPE = '<!DOCTYPE';
const DOCTYPE_PROBE = '<!DOCTYPE>';

/** Thrown from a handler to stop saxes mid-document; never escapes parseTaskBody. */
const STOP = { stop: true };

/** ES2024 String methods (Node 20 has them; our lib setting is ES2022). */
interface WellFormedString {
  isWellFormed(): boolean;
  toWellFormed(): string;
}

type Options = { xmlns: false; position: false; forceXMLVersion: true; defaultXMLVersion: '1.0' };
type Parser = SaxesParser<Options>;

/**
 * saxes hands every problem to the error handler as an Error made by makeError(), and V8 captures
 * a stack trace for each (a few µs). Hostile documents make saxes report one per element or
 * attribute (at the end it says "unclosed tag" once per open element: a million for a million
 * unclosed `<a>`), so those traces were most of the time spent on them. Our handler reads only
 * `message`: a plain object carries it. Overridden in a subclass, not on the instance: one more
 * own property would push the parser into dictionary mode (see makeParser).
 */
class QuietSaxesParser extends SaxesParser<Options> {
  override makeError(message: string): Error {
    return { name: 'Error', message } as Error;
  }
}

function createSaxesParser(): Parser {
  // position: false only drops saxes' "line:column: " prefix from error messages; we locate errors
  // from parser.position ourselves (position.ts).
  return new QuietSaxesParser({ xmlns: false, position: false, forceXMLVersion: true, defaultXMLVersion: '1.0' });
}

function localName(name: string): string {
  const colon = name.indexOf(':');
  return colon < 0 ? name : name.slice(colon + 1);
}

function isAllSpace(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (!isXmlSpace(text.charCodeAt(i))) return false;
  return true;
}

function clip(s: string, max = 40): string {
  return s.length > max ? `${s.slice(0, max - 3)}...` : s;
}

/** A quick look at a text for a message: JSON-quoted, clipped. */
function quote(s: string): string {
  return JSON.stringify(clip(s));
}

/**
 * Characters a reader cannot see or tell apart in a message: controls (U+0085 NEXT LINE, valid
 * XML), format characters (U+200B, U+FEFF), separators other than the space. JSON.stringify
 * escapes only C0 controls.
 */
const INVISIBLE = /(?![\t\n\r ])[\p{Cc}\p{Cf}\p{Z}]/u;
const INVISIBLE_ALL = /(?![\t\n\r ])[\p{Cc}\p{Cf}\p{Z}]/gu;

/**
 * As {@link quote}, with each invisible character escaped (`\u0085`) and the first one named by code
 * point after the text (`"\u0085" (U+0085 NEXT LINE)`), as XML_MALFORMED names a bad character: a
 * message showing `text ""` leaves the reader nothing to look for.
 */
function quoteVisibly(s: string): string {
  const shown = clip(s);
  const first = shown.search(INVISIBLE);
  if (first < 0) return quote(s);
  const escaped = JSON.stringify(shown).replace(INVISIBLE_ALL, (c) => escapeCodePoint(c.codePointAt(0)!));
  return `${escaped} (${describeChar(shown.codePointAt(first)!)})`;
}

function escapeCodePoint(c: number): string {
  return c > 0xffff ? `\\u{${c.toString(16)}}` : `\\u${c.toString(16).padStart(4, '0')}`;
}

interface PendingProblem {
  offset: number;
  problem: TaskBodyProblem;
}

/**
 * Reads TaskBodies, one at a time, with one SaxesParser. Implements XmlErrorContext so the error
 * explainer can see where the parser stands.
 */
class TaskBodyReader implements XmlErrorContext {
  private parser: Parser;
  private readonly lines = new LineMap();

  // Per document ------------------------------------------------------------------------------
  src = '';
  // Entries are collected in reused buffers and copied out at exact size: a fresh `[]` grown by
  // push holds 16 slots, ~250 bytes a task more in what a caller keeps (bench: memory held).
  private inputs: InputAssetEntry[] = [];
  private outputs: OutputAssetEntry[] = [];
  private problems: PendingProblem[] = [];
  private mode = M_NORMAL;
  /** saxes sees one `>` more than the source after each DOCTYPE probe that was not a DOCTYPE. */
  private shift = 0;
  private probing = false;
  private doctypeSeen = false;
  private refused = false;
  private closing = false;
  private discarding = false;
  private eofMessages: string[] = [];
  /** An "unclosed tag" message is among eofMessages (saxes says it once per open element: one is kept). */
  private eofUnclosed = false;
  private eofProblem = false;
  /** At most this many problems are kept; past it they are only counted. */
  private maxProblems = DEFAULT_MAX_PROBLEMS;
  private omitted = 0;
  private omittedErrors = 0;
  /** Errors saxes reported (duplicate attributes aside): an element's text or tag is tainted when this moved. */
  private taint = 0;
  private saxesErrors = 0;
  private xmlProblems = 0;
  private lastXmlOffset = -1;
  private declReported = false;
  private loneSurrogates: number[] = [];
  /**
   * Where the reader lost the thread (a structural error, the start of what the document ended
   * inside, a refused DOCTYPE, a stop), or -1: the document was read to its end. Assets written
   * after it may have been missed (see {@link outputsMaybeUnread}).
   */
  lostAt = -1;

  /** Source characters handed to saxes for the last document (tests check a DOCTYPE stops it). */
  fed = 0;
  errorEnd = 0;
  textStart = 0;
  /** `taint` when textStart was set. */
  private textTaint = 0;
  inStartTag = false;
  tagStart = 0;
  private tagLine = 1;
  private tagColumn = 1;
  tagName = '';
  private tagTaint = 0;
  private tagReported = false;
  /** The start tag being opened has no attributes. */
  private bare = false;
  rootName = '';
  private rootStart = 0;
  /** The root is <taskBody> or was read as one. */
  private rootKnown = false;
  rootClosed = false;
  lastClosedName = '';
  lastClosedStart = 0;

  depth = 0;
  private kinds: number[] = [];
  openNames: string[] = [];
  openStarts: number[] = [];
  openEnds: number[] = [];

  // The asset element being read (one at a time: assets do not nest).
  private curKind = 0;
  private curStart = 0;
  private curLine = 1;
  private curColumn = 1;
  private curText = '';
  private curTaint = 0;
  private curNested = false;
  /** The asset's start tag had an XML error: its attributes are dropped, and text that is no reference is not reported. */
  private curTagTainted = false;
  /** The asset was closed by a close tag that does not match it: a valid reference is kept, an invalid one not reported. */
  private curCutShort = false;
  private curCreation = -1;
  private curFormat = -1;
  private curName: string | undefined = undefined;
  private curStorage: string | undefined = undefined;

  constructor() {
    this.parser = this.makeParser();
  }

  private makeParser(): Parser {
    const p = createSaxesParser();
    p.on('opentagstart', (tag) => this.onOpenTagStart(tag.name));
    p.on('opentag', (tag) => this.onOpenTag(tag));
    p.on('closetag', (tag) => this.onCloseTag(tag.isSelfClosing));
    p.on('text', (text) => this.onText(text));
    p.on('cdata', (text) => this.onCData(text));
    p.on('doctype', () => this.onDoctype());
    p.on('error', (err) => this.onError(err.message));
    // Seven handlers, no more: saxes' on() adds each as a keyed property, and at the eighth V8 turns
    // the parser into a dictionary-mode object; every field access in saxes' loop then becomes a
    // hash lookup — 5× slower (bench/parse.bench.ts, 2026-11). Comments, PIs and the XML declaration
    // are skipped over by the error-path code instead (xml-errors.ts skipMisc).
    return p;
  }

  /** @internal For tests: the saxes parser in use. */
  get saxes(): Parser {
    return this.parser;
  }

  locate(offset: number): SourcePosition {
    return this.lines.at(offset);
  }

  /** Source offset just after the last character saxes read. */
  private here(): number {
    return this.parser.position - this.shift;
  }

  parse(xml: string, maxProblems: number): ParsedTaskBody {
    this.begin(xml);
    this.maxProblems = maxProblems;
    let src = xml;
    if (!(xml as unknown as WellFormedString).isWellFormed()) src = this.replaceLoneSurrogates(xml);
    this.src = src;
    const parser = this.parser;
    try {
      let from = 0;
      let dt = src.indexOf(DOCTYPE);
      while (dt >= 0) {
        this.fed = dt + DOCTYPE.length;
        if (dt > from) parser.write(src.slice(from, dt));
        this.probing = true;
        this.doctypeSeen = false;
        parser.write(DOCTYPE_PROBE);
        this.probing = false;
        if (this.doctypeSeen) {
          this.refuseDoctype(dt, 'a DOCTYPE declaration; refused, and the rest of the TaskBody is not read');
          break;
        }
        this.shift++;
        from = dt + DOCTYPE.length;
        dt = src.indexOf(DOCTYPE, from);
      }
      if (this.refused) {
        this.resetParser();
      } else {
        this.fed = src.length;
        parser.write(from === 0 ? src : src.slice(from));
        this.closing = true;
        parser.close();
        this.closing = false;
        this.endOfDocument();
      }
    } catch (err) {
      this.probing = false;
      this.closing = false;
      this.resetParser();
      if (err !== STOP) throw err;
      this.eofProblem = true; // stopped early: the structure is unknown
      this.lose(this.here());
    }
    this.checkCounts();
    return this.result();
  }

  private begin(xml: string): void {
    this.lines.reset(xml);
    this.inputs.length = 0;
    this.outputs.length = 0;
    if (this.problems.length > 0) this.problems = [];
    this.mode = M_NORMAL;
    this.shift = 0;
    this.fed = 0;
    this.probing = false;
    this.doctypeSeen = false;
    this.refused = false;
    this.closing = false;
    if (this.eofMessages.length > 0) this.eofMessages = [];
    this.eofUnclosed = false;
    this.eofProblem = false;
    this.omitted = 0;
    this.omittedErrors = 0;
    this.taint = 0;
    this.saxesErrors = 0;
    this.xmlProblems = 0;
    this.lastXmlOffset = -1;
    this.declReported = false;
    if (this.loneSurrogates.length > 0) this.loneSurrogates = [];
    this.lostAt = -1;
    this.errorEnd = 0;
    this.textStart = xml.charCodeAt(0) === 0xfeff ? 1 : 0;
    this.textTaint = 0;
    this.inStartTag = false;
    this.tagStart = 0;
    this.tagName = '';
    this.tagTaint = 0;
    this.tagReported = false;
    this.rootName = '';
    this.rootStart = 0;
    this.rootKnown = false;
    this.rootClosed = false;
    this.lastClosedName = '';
    this.lastClosedStart = 0;
    this.depth = 0;
    if (this.kinds.length > KEEP_BUFFER) {
      this.kinds = [];
      this.openNames = [];
      this.openStarts = [];
      this.openEnds = [];
    }
    if (this.inputs.length > KEEP_BUFFER) this.inputs = [];
    if (this.outputs.length > KEEP_BUFFER) this.outputs = [];
    this.curKind = 0;
    this.curText = '';
  }

  /** Leaves the saxes parser clean for the next document, whatever state it is in. */
  private resetParser(): void {
    this.discarding = true;
    try {
      this.parser.close();
    } catch {
      // Cannot happen with our handlers silenced; if saxes ever throws here, start afresh.
      this.parser = this.makeParser();
    } finally {
      this.discarding = false;
    }
    if (this.parser.closed) this.parser = this.makeParser();
  }

  private result(): ParsedTaskBody {
    const pending = this.problems;
    const inputs = this.inputs.slice();
    const outputs = this.outputs.slice();
    if (pending.length === 0 && this.omitted === 0) return { inputs, outputs, problems: [] };
    if (pending.length > 1) pending.sort((a, b) => a.offset - b.offset);
    const problems: TaskBodyProblem[] = new Array<TaskBodyProblem>(pending.length);
    for (let i = 0; i < pending.length; i++) problems[i] = pending[i]!.problem;
    this.problems = [];
    const r: ParsedTaskBody = { inputs, outputs, problems };
    if (this.omitted > 0) {
      r.omittedProblems = this.omitted;
      r.omittedErrors = this.omittedErrors;
    }
    return r;
  }

  // Problems ------------------------------------------------------------------------------------

  /**
   * Whether one more problem of `code` is kept; past the cap it is counted instead. Called before
   * a message is built wherever a problem can repeat (per element, per attribute), so problems
   * past the cap cost a comparison and a count.
   */
  private room(code: string): boolean {
    if (this.problems.length < this.maxProblems) return true;
    this.omitted++;
    if (codeInfo(code)?.severity !== 'warning') this.omittedErrors++;
    return false;
  }

  /** A grammar problem of `code` will be kept: the structure is trustworthy and the cap not reached. */
  private wants(code: string): boolean {
    return this.mode === M_NORMAL && this.room(code);
  }

  private add(code: string, offset: number, message: string, hint?: string): void {
    if (!this.room(code)) return;
    const { line, column } = this.lines.at(offset);
    const problem: TaskBodyProblem = hint === undefined ? { code, message, line, column } : { code, message, line, column, hint };
    this.problems.push({ offset, problem });
  }

  private xml(offset: number, message: string, hint: string | undefined): void {
    if (offset === this.lastXmlOffset || this.xmlProblems >= MAX_XML_PROBLEMS) return;
    this.lastXmlOffset = offset;
    this.xmlProblems++;
    this.add('XML_MALFORMED', offset, message, hint);
  }

  private refuseDoctype(offset: number, message: string, hint?: string): void {
    this.refused = true;
    this.lose(offset);
    this.add('XML_DOCTYPE_FORBIDDEN', offset, message, hint);
  }

  private replaceLoneSurrogates(xml: string): string {
    for (let i = 0; i < xml.length; i++) {
      const c = xml.charCodeAt(i);
      if (c < 0xd800 || c > 0xdfff) continue;
      if (c <= 0xdbff) {
        const d = xml.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) {
          i++;
          continue;
        }
      }
      this.loneSurrogates.push(i);
      if (this.xmlProblems < MAX_XML_PROBLEMS) this.xml(
        i,
        `a lone surrogate U+${c.toString(16).toUpperCase()} (not a character)`,
        'the text is not valid UTF-16: was a character cut in half, e.g. an emoji truncated?',
      );
    }
    return (xml as unknown as WellFormedString).toWellFormed();
  }

  /** Whether a lone surrogate lies in `from..to-1`: a binary search, as a document may hold millions of them. */
  private hasLoneSurrogate(from: number, to: number): boolean {
    const offsets = this.loneSurrogates;
    let lo = 0;
    let hi = offsets.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (offsets[mid]! < from) lo = mid + 1;
      else hi = mid;
    }
    return lo < offsets.length && offsets[lo]! < to;
  }

  // saxes events --------------------------------------------------------------------------------

  private onError(message: string): void {
    if (this.discarding) return;
    if (this.probing && message === 'inappropriately located doctype declaration.') return;
    if (this.closing && isEofMessage(message)) {
      if (message.startsWith(EOF_UNCLOSED)) {
        if (this.eofUnclosed) return;
        this.eofUnclosed = true;
      }
      this.eofMessages.push(message);
      return;
    }
    this.errorEnd = this.here();
    if (message.startsWith('duplicate attribute: ')) {
      // Not a taint: saxes keeps the last value and reads on normally.
      if (this.wants('ATTRIBUTE_DUPLICATE')) {
        const name = message.slice('duplicate attribute: '.length, -1);
        this.add('ATTRIBUTE_DUPLICATE', this.tagStart, `<${clip(this.tagName)}> has ${clip(name)} twice`, 'keep one of them (the last one given is used)');
      }
      return;
    }
    this.taint++;
    if (++this.saxesErrors > MAX_SAXES_ERRORS) throw STOP;
    const mode = this.mode;
    if (mode === M_SALVAGE || mode === M_DONE) return;
    if (this.inStartTag && this.tagReported) return;
    const r = explainXmlError(message, this);
    switch (r.kind) {
      case KIND_DOCTYPE:
        this.refuseDoctype(r.offset, r.message, r.hint);
        throw STOP;
      case KIND_DUPLICATE_ATTRIBUTE:
        return;
      case KIND_LOCAL:
        this.xml(r.offset, r.message, r.hint);
        return;
      case KIND_DECL:
        if (!this.declReported) this.xml(r.offset, r.message, r.hint);
        this.declReported = true;
        return;
      case KIND_TAG:
        this.tagReported = true;
        this.xml(r.offset, r.message, r.hint);
        return;
      case KIND_AFTER_ROOT:
        this.xml(r.offset, r.message, r.hint);
        this.mode = M_DONE;
        return;
      default:
        this.xml(r.offset, r.message, r.hint);
        this.mode = M_SALVAGE;
        this.lose(r.offset);
    }
  }

  /** Notes the first place where the reading became unreliable (see lostAt). */
  private lose(offset: number): void {
    if (this.lostAt < 0 || offset < this.lostAt) this.lostAt = offset;
  }

  private onDoctype(): void {
    if (this.discarding) return;
    // Only the probe can get here: saxes never sees a real DOCTYPE's text.
    this.doctypeSeen = true;
  }

  private onOpenTagStart(name: string): void {
    if (this.discarding) return;
    // saxes has read "<name" and the character after it: one code unit, or two (CRLF, or a
    // surrogate pair). The name follows '<' directly.
    const src = this.src;
    let start = this.here() - name.length - 2;
    if (src.charCodeAt(start) !== 0x3c) {
      start--;
      if (src.charCodeAt(start) !== 0x3c) start = src.lastIndexOf('<', this.here() - 2);
    }
    this.tagStart = start < 0 ? 0 : start;
    // The '<' is on saxes' current line unless the name ended with a line break; saxes' offsets
    // are the source's unless a DOCTYPE probe shifted them.
    const p = this.parser;
    const pos = this.shift === 0 ? onSaxesLine(p.line, p.columnIndex, p.position, this.tagStart) : undefined;
    if (pos !== undefined) {
      this.tagLine = pos.line;
      this.tagColumn = pos.column;
    } else {
      const q = this.lines.at(this.tagStart);
      this.tagLine = q.line;
      this.tagColumn = q.column;
    }
    this.tagName = name;
    this.inStartTag = true;
    this.tagTaint = this.taint;
    this.tagReported = false;
  }

  private onOpenTag(tag: SaxesTagPlain): void {
    if (this.discarding) return;
    if (this.depth >= MAX_DEPTH) this.tooDeep();
    const end = this.here();
    this.inStartTag = false;
    const start = this.tagStart;
    const tainted = this.taint !== this.tagTaint || (this.loneSurrogates.length > 0 && this.hasLoneSurrogate(start, end));
    // "<name>" or "<name/>": no attributes, so no need to look at saxes' attribute object (a
    // dictionary-mode object: lookups and for-in on it are slow).
    const after = this.src.charCodeAt(start + 1 + tag.name.length);
    this.bare = after === 0x3e || after === 0x2f;
    let kind: number;
    if (this.mode === M_NORMAL) {
      kind = this.depth === 0 ? this.openRoot(tag, start, tainted) : this.openChild(tag, start, tainted);
    } else if (this.mode === M_SALVAGE) {
      kind = this.openSalvaged(tag, start, tainted);
    } else {
      kind = K_SKIP;
    }
    const d = this.depth++;
    this.kinds[d] = kind;
    this.openNames[d] = tag.name;
    this.openStarts[d] = start;
    this.openEnds[d] = end;
    this.textStart = end;
    this.textTaint = this.taint;
  }

  private onCloseTag(selfClosing: boolean): void {
    if (this.discarding || this.depth === 0) return;
    const d = --this.depth;
    const kind = this.kinds[d]!;
    const start = this.openStarts[d]!;
    const name = this.openNames[d]!;
    this.lastClosedName = name;
    this.lastClosedStart = start;
    if (kind === K_INPUT || kind === K_OUTPUT) {
      if (this.curKind === kind && this.curStart === start) {
        // saxes also closes an element when a close tag that does not match it comes (and then
        // reports the mismatch): its text is then unreliable.
        if (!selfClosing && !this.closedByOwnTag(name)) this.curCutShort = true;
        this.finishAsset();
      }
    } else if (kind === K_NESTED_ROOT && this.wants('TASKBODY_UNKNOWN_ELEMENT')) {
      const root = clip(this.rootName);
      this.add('TASKBODY_UNKNOWN_ELEMENT', start, `<${root}> inside <${root}>`, `one <${root}> per TaskBody: its children are <inputAsset> and <outputAsset>`);
    }
    // saxes also pops the root when a close tag matches nothing (and reports that right after):
    // the root is closed only by its own close tag.
    if (d === 0 && (selfClosing || this.closedByOwnTag(name))) {
      this.rootClosed = true;
      if (this.mode === M_NORMAL) this.mode = M_AFTER_ROOT;
    }
    this.textStart = this.here();
    this.textTaint = this.taint;
  }

  /** Whether the close tag saxes has just read is `</name>` (with optional white space before `>`). */
  private closedByOwnTag(name: string): boolean {
    const src = this.src;
    const end = this.here();
    const lt = end - 3 - name.length;
    if (lt >= 0 && src.charCodeAt(end - 1) === 0x3e && src.charCodeAt(lt) === 0x3c && src.charCodeAt(lt + 1) === 0x2f && src.startsWith(name, lt + 2)) {
      return true;
    }
    const slow = src.lastIndexOf('</', end - 1);
    if (slow < 0 || !src.startsWith(name, slow + 2)) return false;
    for (let i = slow + 2 + name.length; i < end - 1; i++) if (!isXmlSpace(src.charCodeAt(i))) return false;
    return true;
  }

  private onText(text: string): void {
    // In close(), saxes hands over whatever it was collecting (an unclosed attribute value...).
    if (this.discarding || this.depth === 0 || this.closing) return;
    const kind = this.kinds[this.depth - 1]!;
    if (kind === K_INPUT || kind === K_OUTPUT) {
      this.curText += text;
    } else if (kind === K_ROOT) {
      // Text holding an XML error (a control character, a stray <) is reported as that error.
      if (this.mode === M_NORMAL && this.taint === this.textTaint && !isAllSpace(text) && this.room('TASKBODY_TEXT')) this.strayText(text);
    }
  }

  private onCData(text: string): void {
    if (this.discarding) return;
    this.onText(text);
    this.textStart = this.here();
    this.textTaint = this.taint;
  }

  private strayText(text: string): void {
    const at = skipMisc(this.src, this.textStart, this.here());
    this.add('TASKBODY_TEXT', at, `text ${quoteVisibly(trimXmlSpace(text))} directly inside <${clip(this.rootName)}>`, /^\s*Job(Input|Output)Asset\(/.test(text) ? 'put each asset reference inside its own <inputAsset> or <outputAsset>' : undefined);
  }

  // Elements ------------------------------------------------------------------------------------

  private tooDeep(): never {
    if (this.wants('TASKBODY_UNKNOWN_ELEMENT')) {
      this.add(
        'TASKBODY_UNKNOWN_ELEMENT',
        this.tagStart,
        `elements nested more than ${MAX_DEPTH} deep; the rest of the TaskBody is not read`,
        'a TaskBody nests two levels: <taskBody>, then <inputAsset> and <outputAsset> elements — is a closing tag missing, or written <name> instead of </name>?',
      );
    }
    throw STOP;
  }

  private openRoot(tag: SaxesTagPlain, start: number, tainted: boolean): number {
    const name = tag.name;
    this.rootName = name;
    this.rootStart = start;
    const ns = this.bare ? undefined : tag.attributes['xmlns'];
    const namespaced = ns !== undefined && ns !== '';
    if (name === 'taskBody' && !namespaced) {
      this.rootKnown = true;
      if (!tainted) this.rootAttributes(tag);
      return K_ROOT;
    }
    const local = localName(name);
    if (local.toLowerCase() === 'taskbody') {
      let hint: string;
      if (local !== name) hint = 'TaskBody elements are in no namespace: write <taskBody> without a prefix';
      else if (name !== 'taskBody') hint = 'element names are case-sensitive: write <taskBody>';
      else hint = `<taskBody> is in the namespace ${quote(ns!)} (xmlns): TaskBody elements are in no namespace — remove xmlns`;
      this.add('TASKBODY_ROOT', start, `the root element is <${clip(name)}>, not <taskBody>`, hint);
      this.rootKnown = true;
      if (!tainted) this.rootAttributes(tag);
      return K_ROOT;
    }
    let hint: string | undefined;
    const lower = local.toLowerCase();
    if (lower === 'jobtemplate') hint = 'this is a JobTemplateBody: each <taskBody> in it is one TaskBody';
    else if (lower === 'inputasset' || lower === 'outputasset') hint = 'wrap the assets in <taskBody>...</taskBody>';
    this.add('TASKBODY_ROOT', start, `the root element is <${clip(name)}>, not <taskBody>`, hint);
    return K_SKIP;
  }

  private openChild(tag: SaxesTagPlain, start: number, tainted: boolean): number {
    const d = this.depth - 1;
    const parent = this.kinds[d]!;
    if (parent === K_ROOT) {
      const name = tag.name;
      const ns = this.bare ? undefined : tag.attributes['xmlns'];
      if (ns === undefined || ns === '') {
        if (name === 'inputAsset') return this.beginAsset(K_INPUT, tag, start, tainted);
        if (name === 'outputAsset') return this.beginAsset(K_OUTPUT, tag, start, tainted);
      }
      return this.openUnknownChild(tag, start, tainted);
    }
    if (parent === K_INPUT || parent === K_OUTPUT) {
      this.curNested = true;
      if (this.wants('TASKBODY_UNKNOWN_ELEMENT')) {
        const holder = clip(this.openNames[d]!);
        this.add(
          'TASKBODY_UNKNOWN_ELEMENT',
          start,
          `<${clip(tag.name)}> inside <${holder}>`,
          `<${holder}> holds only its ${parent === K_OUTPUT ? 'JobOutputAsset(n)' : 'JobInputAsset(n) or JobOutputAsset(n)'} text, no elements`,
        );
      }
      return K_SKIP;
    }
    return K_SKIP;
  }

  private openUnknownChild(tag: SaxesTagPlain, start: number, tainted: boolean): number {
    const name = tag.name;
    const local = localName(name);
    const lower = local.toLowerCase();
    const ns = this.bare ? undefined : tag.attributes['xmlns'];
    if (lower === 'inputasset' || lower === 'outputasset') {
      const target = lower === 'inputasset' ? 'inputAsset' : 'outputAsset';
      if (this.wants('TASKBODY_UNKNOWN_ELEMENT')) {
        let hint: string;
        if (local !== name) hint = `TaskBody elements are in no namespace: write <${target}> without a prefix`;
        else if (name !== target) hint = `element names are case-sensitive: write <${target}>`;
        else hint = `<${target}> is in the namespace ${quote(ns ?? '')} (xmlns): TaskBody elements are in no namespace — remove xmlns`;
        this.add('TASKBODY_UNKNOWN_ELEMENT', start, `<${clip(name)}> is not a TaskBody element`, hint);
      }
      return this.beginAsset(target === 'inputAsset' ? K_INPUT : K_OUTPUT, tag, start, tainted);
    }
    if (name === this.rootName) return K_NESTED_ROOT;
    if (this.wants('TASKBODY_UNKNOWN_ELEMENT')) this.add('TASKBODY_UNKNOWN_ELEMENT', start, `<${clip(name)}> is not a TaskBody element`);
    return K_SKIP;
  }

  private openSalvaged(tag: SaxesTagPlain, start: number, tainted: boolean): number {
    const name = tag.name;
    if (this.curKind === 0) {
      if (name === 'inputAsset') return this.beginAsset(K_INPUT, tag, start, tainted);
      if (name === 'outputAsset') return this.beginAsset(K_OUTPUT, tag, start, tainted);
    } else {
      this.curNested = true;
    }
    return K_SKIP;
  }

  private beginAsset(kind: number, tag: SaxesTagPlain, start: number, tainted: boolean): number {
    this.curKind = kind;
    this.curStart = start;
    this.curLine = this.tagLine;
    this.curColumn = this.tagColumn;
    this.curText = '';
    this.curTaint = this.taint;
    this.curNested = false;
    this.curTagTainted = tainted;
    this.curCutShort = false;
    this.curCreation = -1;
    this.curFormat = -1;
    this.curName = undefined;
    this.curStorage = undefined;
    if (!tainted && !this.bare) {
      const attrs = tag.attributes;
      this.seen = 0;
      for (const name in attrs) {
        this.assetAttribute(kind, tag, name, attrs[name]!, start);
      }
    }
    return kind;
  }

  /** Attributes seen on the current element (bits from attributes.ts). */
  private seen = 0;

  private assetAttribute(kind: number, tag: SaxesTagPlain, name: string, value: string, start: number): void {
    const bit = kind === K_OUTPUT ? outputAttribute(name) : 0;
    if (bit === 0) {
      this.unknownAttribute(tag, name, start, kind === K_OUTPUT ? 'outputAsset' : 'inputAsset');
      return;
    }
    if ((this.seen & bit) !== 0) this.duplicateSpelling(tag, name, bit, start, outputAttribute);
    this.seen |= bit;
    switch (bit) {
      case OUT_CREATION_OPTIONS: {
        const n = readOption(value, ASSET_CREATION_OPTIONS);
        this.curCreation = n;
        if (n < 0 && this.wants('ASSET_CREATION_OPTIONS_INVALID')) {
          this.add('ASSET_CREATION_OPTIONS_INVALID', start, `${name}=${quote(value)} is not one of 0, 1, 2, 4`, explainOption(value, 'assetCreationOptions'));
        }
        break;
      }
      case OUT_FORMAT_OPTION: {
        const n = readOption(value, ASSET_FORMAT_OPTIONS);
        this.curFormat = n;
        if (n < 0 && this.wants('ASSET_FORMAT_OPTION_INVALID')) this.add('ASSET_FORMAT_OPTION_INVALID', start, `${name}=${quote(value)} is not 0 or 1`, explainOption(value, 'assetFormatOption'));
        break;
      }
      case OUT_NAME:
        this.curName = value;
        break;
      case OUT_STORAGE_ACCOUNT:
        this.curStorage = value;
        break;
    }
  }

  private duplicateSpelling(tag: SaxesTagPlain, name: string, bit: number, start: number, which: (name: string) => number): void {
    if (!this.wants('ATTRIBUTE_DUPLICATE')) return;
    let first = name;
    for (const other in tag.attributes) {
      if (other !== name && which(other) === bit) {
        first = other;
        break;
      }
    }
    this.add('ATTRIBUTE_DUPLICATE', start, `<${clip(tag.name)}> has both ${first} and ${name}`, `keep one spelling of ${attributeName(bit)} (the last one given is used)`);
  }

  private rootAttributes(tag: SaxesTagPlain): void {
    if (this.bare) return;
    const attrs = tag.attributes;
    let seen = 0;
    for (const name in attrs) {
      const bit = rootAttribute(name);
      if (bit === 0) {
        this.unknownAttribute(tag, name, this.rootStart, 'taskBody');
        continue;
      }
      if ((seen & bit) !== 0) this.duplicateSpelling(tag, name, bit, this.rootStart, rootAttribute);
      seen |= bit;
    }
  }

  private unknownAttribute(tag: SaxesTagPlain, name: string, start: number, element: 'taskBody' | 'inputAsset' | 'outputAsset'): void {
    if (name === 'xmlns' || name.startsWith('xmlns:')) return; // namespace declarations: see the header
    if (!this.wants('TASKBODY_UNKNOWN_ATTRIBUTE')) return;
    const local = localName(name);
    const lower = local.toLowerCase();
    const known = outputAttribute(local) !== 0 || outputAttribute(pascal(local)) !== 0 ? local : knownOutputAttributeLike(lower);
    let hint: string | undefined;
    if (element === 'outputAsset') {
      if (local !== name && known !== undefined && outputAttribute(local) !== 0) hint = `namespace prefixes are not part of the TaskBody grammar: write ${local}`;
      else if (known !== undefined) hint = `attribute names are case-sensitive: write ${known} or ${pascal(known)}`;
    } else if (element === 'inputAsset') {
      hint =
        known !== undefined || outputAttribute(name) !== 0
          ? '<inputAsset> takes no attributes: assetName and the other options describe outputs (<outputAsset>)'
          : '<inputAsset> takes no attributes';
    } else {
      hint = lower === 'tasktemplateid' ? 'attribute names are case-sensitive: write taskTemplateId or TaskTemplateId' : '<taskBody> takes only taskTemplateId (in a JobTemplateBody)';
    }
    this.add('TASKBODY_UNKNOWN_ATTRIBUTE', start, `<${clip(tag.name)}> has an unknown attribute ${clip(name)}`, hint);
  }

  private finishAsset(): void {
    const kind = this.curKind;
    this.curKind = 0;
    const start = this.curStart;
    const line = this.curLine;
    const column = this.curColumn;
    const raw = this.curText;
    const text = trimXmlSpace(raw);
    let ref = null;
    const clean = !this.curNested && this.taint === this.curTaint && (this.loneSurrogates.length === 0 || !this.hasLoneSurrogate(start, this.here()));
    if (clean) {
      ref = parseTrimmedAssetRef(text);
      if (this.curCutShort) {
        // A close tag that does not match ended it (reported next, and nothing after it): the text
        // before it was read as any other, so a valid reference stands, which spares the tasks
        // reading it a false OUTPUT_NOT_PRODUCED. Anything else about it is left unsaid.
        if (ref !== null && kind === K_OUTPUT && ref.kind === 'JobInputAsset') ref = null;
      } else if (ref === null && this.curTagTainted) {
        // The start tag broke (a missing quote, a stray <): the text may be part of it.
      } else if (ref === null) {
        if (this.wants('ASSET_REF_INVALID')) {
          const element = kind === K_OUTPUT ? 'outputAsset' : 'inputAsset';
          this.add(
            'ASSET_REF_INVALID',
            start,
            text === '' ? `<${element}> is empty` : `${quote(text)} is not ${kind === K_OUTPUT ? 'JobOutputAsset(n)' : 'JobInputAsset(n) or JobOutputAsset(n)'}`,
            explainAssetRef(raw, element),
          );
        }
      } else if (kind === K_OUTPUT && ref.kind === 'JobInputAsset') {
        ref = null;
        if (this.wants('ASSET_REF_INVALID')) this.add('ASSET_REF_INVALID', start, `<outputAsset> names a job input, ${text}`, explainAssetRef(raw, 'outputAsset'));
      } else if (hasLeadingZero(text, ref) && this.wants('ASSET_REF_LEADING_ZERO')) {
        const plain = `${ref.kind}(${ref.index})`;
        this.add('ASSET_REF_LEADING_ZERO', start, `the index of ${quote(text)} is written with a leading zero; it is read as ${plain}`, `write ${plain}`);
      }
    }
    if (kind === K_INPUT) {
      this.inputs.push({ ref, text, line, column });
      return;
    }
    const entry: OutputAssetEntry = { ref, text, line, column };
    if (this.curCreation >= 0) entry.assetCreationOptions = this.curCreation;
    if (this.curName !== undefined) entry.assetName = this.curName;
    if (this.curStorage !== undefined) entry.storageAccountName = this.curStorage;
    if (this.curFormat >= 0) entry.assetFormatOption = this.curFormat;
    this.outputs.push(entry);
  }

  // The end ---------------------------------------------------------------------------------------

  private endOfDocument(): void {
    const messages = this.eofMessages;
    if (messages.length === 0) return;
    this.eofProblem = true;
    const mode = this.mode;
    if (mode === M_SALVAGE || mode === M_DONE) return;
    if (this.inStartTag && this.tagReported) {
      this.lose(this.tagStart);
      return;
    }
    // No root after an error already reported (text before the root, say): that error says it.
    if (messages.length === 1 && messages[0] === 'document must contain a root element.' && this.xmlProblems > 0) {
      this.lose(0);
      return;
    }
    this.errorEnd = this.src.length;
    const r = explainEof(messages, this);
    this.lose(r.offset);
    // What saxes said inside an unfinished construct (a PI, comment or & that ran to the end) is a
    // consequence of it.
    const pending = this.problems;
    for (let i = pending.length - 1; i >= 0; i--) {
      if (pending[i]!.offset > r.offset && pending[i]!.problem.code === 'XML_MALFORMED') pending.splice(i, 1);
    }
    // Why the document ended badly is always said, within the cap: at the cap it takes the place
    // of the one latest in the document (lone surrogates are reported before the rest, so the
    // list is not in document order).
    let kept = 0;
    for (const p of pending) if (p.problem.code === 'XML_MALFORMED') kept++;
    for (; kept >= MAX_XML_PROBLEMS; kept--) {
      let latest = -1;
      for (let i = 0; i < pending.length; i++) {
        if (pending[i]!.problem.code === 'XML_MALFORMED' && (latest === -1 || pending[i]!.offset >= pending[latest]!.offset)) latest = i;
      }
      pending.splice(latest, 1);
    }
    this.lastXmlOffset = -1;
    this.xmlProblems = kept;
    this.xml(r.offset, r.message, r.hint);
  }

  private checkCounts(): void {
    if (!this.rootKnown || !this.rootClosed || this.refused || this.eofProblem || this.mode === M_SALVAGE) return;
    if (this.inputs.length === 0) {
      this.add('TASKBODY_NO_INPUT', this.rootStart, `<${clip(this.rootName)}> has no <inputAsset>`);
    }
    if (this.outputs.length === 0) {
      this.add('TASKBODY_NO_OUTPUT', this.rootStart, `<${clip(this.rootName)}> has no <outputAsset>`);
    }
  }
}

function pascal(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}

const KNOWN_OUTPUT_ATTRIBUTES = ['assetCreationOptions', 'assetName', 'storageAccountName', 'assetFormatOption'];

/** The known output attribute `lower` (lower-cased) stands for, allowing a case slip or a plural/singular slip. */
function knownOutputAttributeLike(lower: string): string | undefined {
  const stem = lower.endsWith('s') ? lower.slice(0, -1) : lower;
  for (const k of KNOWN_OUTPUT_ATTRIBUTES) {
    const kl = k.toLowerCase();
    const kstem = kl.endsWith('s') ? kl.slice(0, -1) : kl;
    if (kl === lower || kstem === stem) return k;
  }
  return undefined;
}

let reader: TaskBodyReader | undefined;

/** Options of {@link parseTaskBody}. */
export interface ParseTaskBodyOptions {
  /**
   * At most this many problems are kept (an integer >= 0, or Infinity); past it they are counted
   * in `omittedProblems` (and `omittedErrors`) without being built. @defaultValue 1000
   */
  maxProblems?: number;
}

/**
 * Parses one TaskBody: the `<inputAsset>` and `<outputAsset>` elements of a `<taskBody>`, each with
 * its asset reference resolved to `{ kind, index }` and its 1-based line and column, and every
 * problem found (codes from the diagnostic catalogue), located and in document order.
 *
 * Documents written the plain way are read by a scan of their characters (plain-scan.ts); any other
 * is read streaming on one reused saxes parser. Never builds a DOM, never expands an entity. Time and
 * memory are linear in the length of `xml`; past `maxProblems` problems are only counted.
 *
 * @param xml - the TaskBody text (the Task's `TaskBody` property).
 * @param options - `maxProblems` (default 1000).
 * @returns the entries and the problems; `problems` is empty for a valid TaskBody. When problems
 *   were left out, `omittedProblems` says how many (the first `maxProblems` found are kept). Never
 *   throws for a string, whatever it holds.
 * @throws ArgumentTypeError (`ERR_INVALID_ARG_TYPE`) when `xml` is not a string.
 * @throws ArgumentRangeError (`ERR_OUT_OF_RANGE`) when `maxProblems` is not an integer >= 0 or Infinity.
 * @example
 * const { inputs, outputs, problems } = parseTaskBody(
 *   '<taskBody><inputAsset>JobInputAsset(0)</inputAsset><outputAsset>JobOutputAsset(0)</outputAsset></taskBody>');
 * inputs[0].ref   // → { kind: 'JobInputAsset', index: 0 }
 * outputs[0].line // → 1, outputs[0].column → 48
 * problems        // → []
 */
export function parseTaskBody(xml: string, options?: ParseTaskBodyOptions): ParsedTaskBody {
  if (typeof xml !== 'string') {
    throw new ArgumentTypeError(`parseTaskBody: Expected \`xml\` to be a string, got ${describeValue(xml)}`);
  }
  const max = options === undefined ? DEFAULT_MAX_PROBLEMS : checkMaxOption(options, 'maxProblems', 'parseTaskBody', DEFAULT_MAX_PROBLEMS);
  return scanPlainTaskBody(xml) ?? (reader ??= new TaskBodyReader()).parse(xml, max);
}

/**
 * @internal For tests only: how many source characters the last parse handed to saxes, and the
 * reused saxes parser itself.
 */
export function taskBodyParserInternals(): { fed: number; saxes: object } {
  reader ??= new TaskBodyReader();
  return { fed: reader.fed, saxes: reader.saxes };
}

/**
 * @internal parseTaskBody for the loader, which has checked its arguments: `maxProblems` is what
 * the job's diagnostic cap leaves.
 */
export function parseTaskBodyWithin(xml: string, maxProblems: number): ParsedTaskBody {
  return scanPlainTaskBody(xml) ?? (reader ??= new TaskBodyReader()).parse(xml, maxProblems);
}

/** @internal parseTaskBody read by saxes alone, whatever the document: for the loader, which tried the plain scan itself, and for tests of the scan. */
export function parseTaskBodyWithSaxes(xml: string, maxProblems = DEFAULT_MAX_PROBLEMS): ParsedTaskBody {
  return (reader ??= new TaskBodyReader()).parse(xml, maxProblems);
}

/** `JobOutputAsset(n)` as the grammar writes it (the reference syntax of asset-ref.ts). */
const OUTPUT_MENTION = /JobOutputAsset\((\d+)\)/g;

/**
 * @internal The output indices a TaskBody may declare where it could not be read: each
 * `JobOutputAsset(n)` written after the place where the reader lost the thread (a structural
 * error, what the document ended inside, a refused DOCTYPE), except in the text of an
 * `<inputAsset>`. Empty for a TaskBody read to its end, whatever else is wrong with it.
 *
 * For the validator, on its error path only (it reads the TaskBody again): a task that reads one of
 * these is not told that no task outputs it, as the broken TaskBody may well be the one that does.
 */
export function outputsMaybeUnread(xml: string): number[] {
  if (scanPlainTaskBody(xml) !== undefined) return [];
  const r = (reader ??= new TaskBodyReader());
  r.parse(xml, 0); // problems are counted, not built: only where the reading stopped matters here
  const from = r.lostAt;
  if (from < 0) return [];
  const found: number[] = [];
  const lts = new LastLt(xml);
  OUTPUT_MENTION.lastIndex = from;
  for (let m = OUTPUT_MENTION.exec(xml); m !== null; m = OUTPUT_MENTION.exec(xml)) {
    const index = Number(m[1]);
    if (Number.isSafeInteger(index) && !isInputText(xml, m.index, lts)) found.push(index);
  }
  return found;
}

/**
 * The last `<` at or before an offset, for offsets asked in increasing order: found by one forward
 * walk over the document's `<`s. A backward search for each was quadratic: 40,000 mentions of
 * `>JobOutputAsset(1)` after an unclosed comment took 4.5 s, all behind one `<`.
 */
class LastLt {
  /** The last `<` passed, and the next one after it (the document's length when there is none). */
  #lt = -1;
  #next: number;
  constructor(readonly xml: string) {
    this.#next = this.#find(0);
  }

  #find(from: number): number {
    const k = this.xml.indexOf('<', from);
    return k < 0 ? this.xml.length : k;
  }

  at(i: number): number {
    while (this.#next <= i) {
      this.#lt = this.#next;
      this.#next = this.#find(this.#lt + 1);
    }
    return this.#lt;
  }
}

/** Whether the text at `at` directly follows an `<inputAsset ...>` start tag. */
function isInputText(xml: string, at: number, lts: LastLt): boolean {
  let i = at - 1;
  while (i >= 0 && isXmlSpace(xml.charCodeAt(i))) i--;
  if (i < 0 || xml.charCodeAt(i) !== 0x3e) return false;
  const lt = lts.at(i);
  return lt >= 0 && xml.startsWith('<inputAsset', lt) && !/[A-Za-z0-9_.:-]/.test(xml.charAt(lt + 11));
}
