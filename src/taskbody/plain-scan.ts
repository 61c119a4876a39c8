/**
 * The fast path of the TaskBody parser: a scan of TaskBodies written the plain way, in one pass of
 * `charCodeAt`, without saxes.
 *
 * Why: submitting a job reads every TaskBody, and saxes spends about 1 µs an element on events,
 * tag objects and attribute maps; at a million tasks the parse alone was most of the submit. Nearly
 * every TaskBody a client sends is the same few shapes of markup, so those are read here and
 * anything else goes to the saxes reader (parse.ts), which knows XML and explains every mistake.
 * The loader's readers, which need no positions (`packPlainRefs`, `scanPlainRefs`), first try one
 * regular expression for the same grammar (see {@link COMMON}: a cold process runs it at full
 * speed from the start) and fall back to the scan; `packPlainRefs` first compares a TaskBody with
 * the one last packed at its task's position (see {@link lastAt}: jobs of one workflow repeat them).
 *
 * The contract: `scanPlainTaskBody` either returns exactly what the saxes reader returns for the
 * document (the same entries, positions and attribute values, and no problems), or `undefined`. It
 * accepts only documents in which the saxes reader finds no problem at all, and only this grammar
 * (anything else, however valid, is left to saxes):
 *
 *   document := decl? S? '<taskBody>' (S | input | output)* '</taskBody>' S?
 *   decl     := '<?xml version="1.0"' (' encoding="' ('utf-8' | 'UTF-8' | 'utf-16' | 'UTF-16') '"')? '?>'
 *   input    := '<inputAsset>' text '</inputAsset>'
 *   output   := '<outputAsset' (S name '="' value '"')* S? '>' text '</outputAsset>'
 *   S        := (space | tab | LF | CR)+
 *   text     := S? ('JobInputAsset(' | 'JobOutputAsset(') digits ')' S?  — a valid reference for
 *               its element (outputs name job outputs), digits without a leading zero
 *   name     := one spelling of a known <outputAsset> attribute, each at most once
 *   value    := printable ASCII but " < & >; a valid number for the two options
 *
 * Line breaks (LF, CRLF, CR) only in white space, not in attribute values (which XML normalises);
 * no character outside ASCII (lone surrogates), no entity, comment, CDATA section, processing
 * instruction or DOCTYPE, and at least one input and one output (else TASKBODY_NO_INPUT/NO_OUTPUT). test/property/plain-scan.prop.test.ts checks the
 * contract against the saxes reader on generated documents, valid and broken.
 */
import {
  ASSET_CREATION_OPTIONS,
  ASSET_FORMAT_OPTIONS,
  OUT_CREATION_OPTIONS,
  OUT_FORMAT_OPTION,
  OUT_NAME,
  OUT_STORAGE_ACCOUNT,
  outputAttribute,
  readOption,
} from './attributes.js';
import { assetRef } from './asset-ref.js';
import type { AssetRef, InputAssetEntry, OutputAssetEntry, ParsedTaskBody } from './types.js';

const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const QUOTE = 0x22;
const AMP = 0x26;
const CLOSE_PAREN = 0x29;
const SLASH = 0x2f;
const ZERO = 0x30;
const NINE = 0x39;
const LT = 0x3c;
const GT = 0x3e;
const QUESTION = 0x3f;
const LOWER_I = 0x69;
const LOWER_O = 0x6f;
const LOWER_T = 0x74;
const UPPER_I = 0x49;

const ROOT_OPEN = '<taskBody>';
const ROOT_CLOSE = '</taskBody>';
const INPUT_OPEN = '<inputAsset>';
const INPUT_CLOSE = '</inputAsset>';
const OUTPUT_OPEN = '<outputAsset';
const OUTPUT_CLOSE = '</outputAsset>';
const INPUT_PREFIX = 'JobInputAsset(';
const OUTPUT_PREFIX = 'JobOutputAsset(';
const DECLARATIONS = [
  '<?xml version="1.0"?>',
  '<?xml version="1.0" encoding="utf-8"?>',
  '<?xml version="1.0" encoding="UTF-8"?>',
  // What the service gives back; the encoding of a JS string is moot (see parse.ts).
  '<?xml version="1.0" encoding="utf-16"?>',
  '<?xml version="1.0" encoding="UTF-16"?>',
];

/**
 * What the last successful scan found, one row per asset element in document order: the scan
 * records into these and the two readers below build what their caller keeps (the parser's
 * entries, or a task's references). Grown, never shrunk (a TaskBody holds a few elements).
 */
const scanned = {
  count: 0,
  inputs: 0,
  /** 1: an <outputAsset>; 0: an <inputAsset>. */
  output: new Uint8Array(16),
  /** 1: JobOutputAsset; 0: JobInputAsset. */
  ofOutput: new Uint8Array(16),
  index: new Float64Array(16),
  line: new Int32Array(16),
  column: new Int32Array(16),
  creation: new Int8Array(16),
  format: new Int8Array(16),
  name: [] as Array<string | undefined>,
  storage: [] as Array<string | undefined>,
};

/** A typed array twice as long, holding `a`'s values. */
function doubled<T extends Uint8Array | Int8Array | Int32Array | Float64Array>(a: T): T {
  const b = new (a.constructor as new (length: number) => T)(a.length * 2);
  b.set(a as never);
  return b;
}

function grow(): void {
  scanned.output = doubled(scanned.output);
  scanned.ofOutput = doubled(scanned.ofOutput);
  scanned.index = doubled(scanned.index);
  scanned.line = doubled(scanned.line);
  scanned.column = doubled(scanned.column);
  scanned.creation = doubled(scanned.creation);
  scanned.format = doubled(scanned.format);
}

/**
 * `xml.startsWith(literal, at)`, written out so that it inlines (eight calls a TaskBody). Measured
 * over 100k media TaskBodies, warm: no change on flat strings, about a tenth faster on the
 * concatenated ones callers build (asset-ref.ts's hasPrefix is the same idea at offset 0).
 */
function isAt(xml: string, at: number, literal: string): boolean {
  const n = literal.length;
  // Past the end charCodeAt gives NaN, which equals nothing.
  for (let k = 0; k < n; k++) if (xml.charCodeAt(at + k) !== literal.charCodeAt(k)) return false;
  return true;
}

/**
 * The offset just past the white space (space, tab, LF, CR) at `at`. Never reads past the end:
 * every document ends here, and a read past the end (NaN) would send the first optimized code of
 * the scan back to the interpreter once per process.
 */
function skipS(xml: string, at: number): number {
  const n = xml.length;
  for (; at < n; at++) {
    const c = xml.charCodeAt(at);
    if (c !== SPACE && c !== LF && c !== TAB && c !== CR) return at;
  }
  return at;
}

/** The offset of the `"` that ends an attribute value at `at`, or -1 when a character is outside the grammar. */
function valueEnd(xml: string, at: number): number {
  for (;;) {
    const c = xml.charCodeAt(at);
    if (c === QUOTE) return at;
    // Written so that NaN (past the end) fails too.
    if (!(c >= SPACE && c <= 0x7e && c !== LT && c !== AMP && c !== GT)) return -1;
    at++;
  }
}

/** Where the scan stands: the offset; the line and where it starts, counted up to `counted`. */
let at = 0;
let line = 1;
let lineStart = 0;
let counted = 0;

/**
 * Reads an element's text at `at` up to its `<`, as an asset reference, into row `row`: its kind
 * and index. False when the text is outside the grammar (see the module comment). A valid text is
 * white space, `JobInputAsset(` or `JobOutputAsset(`, digits without a leading zero, `)`, white
 * space: what parseTrimmedAssetRef accepts, but for the leading zero (a warning, left to saxes).
 */
function readRef(xml: string, row: number): boolean {
  let i = skipS(xml, at);
  let prefix: string;
  if (xml.charCodeAt(i + 3) === LOWER_I - 0x20 /* I */) prefix = INPUT_PREFIX;
  else prefix = OUTPUT_PREFIX;
  if (!isAt(xml, i, prefix)) return false;
  i += prefix.length;
  const first = xml.charCodeAt(i);
  if (!(first >= ZERO && first <= NINE)) return false;
  let n = first - ZERO;
  i++;
  for (;;) {
    const c = xml.charCodeAt(i);
    if (!(c >= ZERO && c <= NINE)) break;
    if (first === ZERO) return false; // a leading zero
    n = n * 10 + (c - ZERO);
    i++;
  }
  // As parseTrimmedAssetRef: exact until past 2^53 - 1, and the rounded value is then beyond it.
  if (n > Number.MAX_SAFE_INTEGER || xml.charCodeAt(i) !== CLOSE_PAREN) return false;
  i = skipS(xml, i + 1);
  if (xml.charCodeAt(i) !== LT) return false;
  // Line breaks inside the text are counted from here on, by the next element's position.
  at = i;
  scanned.ofOutput[row] = prefix === OUTPUT_PREFIX ? 1 : 0;
  scanned.index[row] = n;
  return true;
}

/**
 * Counts the line breaks from `counted` to `to`, as XML 1.0 reads them (and LineMap, position.ts):
 * LF, CRLF (one break) and a lone CR. Line breaks lie only in white space here, never in a value.
 */
function countLines(xml: string, to: number): void {
  for (let i = counted; i < to; i++) {
    const c = xml.charCodeAt(i);
    if (c === LF || (c === CR && xml.charCodeAt(i + 1) !== LF)) {
      line++;
      lineStart = i + 1;
    }
  }
  counted = to;
}

/** Scans `xml` into `scanned`; false when it is not written the plain way (see the module comment). */
function scan(xml: string): boolean {
  at = 0;
  line = 1;
  lineStart = 0;
  counted = 0;
  if (xml.charCodeAt(0) === LT && xml.charCodeAt(1) === QUESTION) {
    let found = false;
    for (const d of DECLARATIONS) {
      if (isAt(xml, 0, d)) {
        at = d.length;
        found = true;
        break;
      }
    }
    if (!found) return false;
  }
  at = skipS(xml, at);
  if (!isAt(xml, at, ROOT_OPEN)) return false;
  at += ROOT_OPEN.length;
  // Lines are counted only when the text has a line break at all (most TaskBodies are one line).
  const multiline = xml.indexOf('\n') !== -1 || xml.indexOf('\r') !== -1;
  let row = 0;
  let inputs = 0;
  for (;;) {
    at = skipS(xml, at);
    if (xml.charCodeAt(at) !== LT) return false;
    const start = at;
    if (multiline) countLines(xml, start);
    const next = xml.charCodeAt(at + 1);
    if (row === scanned.output.length) grow();
    if (next === LOWER_I) {
      if (!isAt(xml, at, INPUT_OPEN)) return false;
      at += INPUT_OPEN.length;
      if (!readRef(xml, row) || !isAt(xml, at, INPUT_CLOSE)) return false;
      at += INPUT_CLOSE.length;
      scanned.output[row] = 0;
      inputs++;
    } else if (next === LOWER_O) {
      if (!isAt(xml, at, OUTPUT_OPEN)) return false;
      at += OUTPUT_OPEN.length;
      let seen = 0;
      let creation = -1;
      let format = -1;
      let name: string | undefined;
      let storage: string | undefined;
      for (;;) {
        const c = xml.charCodeAt(at);
        if (c === GT) break;
        if (c !== SPACE && c !== LF && c !== TAB && c !== CR) return false;
        at = skipS(xml, at);
        if (xml.charCodeAt(at) === GT) break;
        const eq = xml.indexOf('=', at);
        if (eq < 0) return false;
        const bit = outputAttribute(xml.slice(at, eq));
        if (bit === 0 || (seen & bit) !== 0 || xml.charCodeAt(eq + 1) !== QUOTE) return false;
        seen |= bit;
        const end = valueEnd(xml, eq + 2);
        if (end < 0) return false;
        const value = xml.slice(eq + 2, end);
        at = end + 1;
        if (bit === OUT_CREATION_OPTIONS) {
          creation = readOption(value, ASSET_CREATION_OPTIONS);
          if (creation < 0) return false;
        } else if (bit === OUT_FORMAT_OPTION) {
          format = readOption(value, ASSET_FORMAT_OPTIONS);
          if (format < 0) return false;
        } else if (bit === OUT_NAME) {
          name = value;
        } else if (bit === OUT_STORAGE_ACCOUNT) {
          storage = value;
        }
      }
      at++;
      if (!readRef(xml, row) || scanned.ofOutput[row] === 0 || !isAt(xml, at, OUTPUT_CLOSE)) return false;
      at += OUTPUT_CLOSE.length;
      scanned.output[row] = 1;
      scanned.creation[row] = creation;
      scanned.format[row] = format;
      scanned.name[row] = name;
      scanned.storage[row] = storage;
    } else if (next === SLASH && isAt(xml, at, ROOT_CLOSE)) {
      at = skipS(xml, at + ROOT_CLOSE.length);
      if (at !== xml.length || inputs === 0 || inputs === row) return false;
      scanned.count = row;
      scanned.inputs = inputs;
      return true;
    } else {
      return false;
    }
    scanned.line[row] = line;
    scanned.column[row] = start - lineStart + 1;
    row++;
  }
}

function refOf(row: number): AssetRef {
  return assetRef(scanned.ofOutput[row] === 1, indexAt(row));
}

/**
 * A row's asset index as a small integer where it is one: read from the Float64Array it is a double,
 * and an object field once given a double keeps every value of every object of its shape boxed (a
 * 16-byte heap number each, four a task). Indices past 2^30 stay doubles.
 */
function indexAt(row: number): number {
  const v = scanned.index[row]!;
  return v <= 0x3fffffff ? v | 0 : v;
}

/**
 * The entries of a TaskBody written the plain way, or undefined when it is not (the saxes reader
 * then reads it). See the module comment for the contract.
 */
export function scanPlainTaskBody(xml: string): ParsedTaskBody | undefined {
  if (!scan(xml)) return undefined;
  const count = scanned.count;
  const inputs = new Array<InputAssetEntry>(scanned.inputs);
  const outputs = new Array<OutputAssetEntry>(count - scanned.inputs);
  for (let row = 0, i = 0, o = 0; row < count; row++) {
    const ref = refOf(row);
    // Without a leading zero or white space inside, the trimmed text is the reference as written.
    const text = `${ref.kind}(${ref.index})`;
    const line = scanned.line[row]!;
    const column = scanned.column[row]!;
    if (scanned.output[row] === 0) {
      inputs[i++] = { ref, text, line, column };
      continue;
    }
    // The saxes reader's entry, property for property and in its order (one hidden class).
    const entry: OutputAssetEntry = { ref, text, line, column };
    const creation = scanned.creation[row]!;
    const name = scanned.name[row];
    const storage = scanned.storage[row];
    const format = scanned.format[row]!;
    if (creation >= 0) entry.assetCreationOptions = creation;
    if (name !== undefined) entry.assetName = name;
    if (storage !== undefined) entry.storageAccountName = storage;
    if (format >= 0) entry.assetFormatOption = format;
    outputs[o++] = entry;
  }
  return { inputs, outputs, problems: [] };
}

/**
 * For the loader: the references of a TaskBody written the plain way whose outputs carry no
 * attribute, appended to `into` as `[inputs, outputs, input…, output…]` (an input as
 * `index * 2 + 1` for JobOutputAsset, `index * 2` for JobInputAsset; an output as its index).
 * Returns where they start, -1 when the TaskBody is not written the plain way (nothing was
 * scanned), -2 when it is but does not pack (an output attribute, an index past 2^30): the scan is
 * then still there for {@link refsOfScan}. `position`, the task's index in its job, lets a TaskBody
 * that repeats the last one packed at that position be copied from it (see {@link lastAt}); -1
 * packs without looking.
 */
export function packPlainRefs(xml: string, into: RefPacker, position = -1): number {
  const look = position >= 0 && position < LAST_POSITIONS && xml.length <= LAST_LONGEST;
  if (look) {
    const last = lastAt[position];
    if (last !== undefined && last.text === xml) {
      const known = last.packed;
      const at = into.reserve(known.length);
      const data = into.data;
      // A few integers: a loop, not set(), whose call costs more than the copy.
      for (let i = 0; i < known.length; i++) data[at + i] = known[i]!;
      return at;
    }
  }
  if (!scanCommon(xml) && !scan(xml)) return -1;
  const count = scanned.count;
  for (let row = 0; row < count; row++) {
    if (scanned.index[row]! > 0x3fffffff) return -2;
    if (scanned.output[row] === 1 && (scanned.creation[row]! >= 0 || scanned.format[row]! >= 0 || scanned.name[row] !== undefined || scanned.storage[row] !== undefined)) return -2;
  }
  const at = into.reserve(2 + count);
  const data = into.data;
  data[at] = scanned.inputs;
  data[at + 1] = count - scanned.inputs;
  // Inputs first, then outputs, each in document order.
  let k = at + 2;
  for (let row = 0; row < count; row++) if (scanned.output[row] === 0) data[k++] = scanned.index[row]! * 2 + scanned.ofOutput[row]!;
  for (let row = 0; row < count; row++) if (scanned.output[row] === 1) data[k++] = scanned.index[row]!;
  if (look) lastAt[position] = { text: xml, packed: data.slice(at, k) };
  return at;
}

/**
 * The last TaskBody packed for a task at each position of its job (the first {@link
 * LAST_POSITIONS}), with its packed references. A plain TaskBody names nothing but asset indices,
 * so the jobs of one workflow or template repeat theirs word for word, task by task (the service's
 * examples all read `<taskBody><inputAsset>JobInputAsset(0)</inputAsset><outputAsset>
 * JobOutputAsset(0)</outputAsset></taskBody>`): a repeat costs a comparison of two strings instead
 * of the regular expression and the scan. Compared, not looked up by text: hashing a TaskBody
 * costs more than comparing it, and a Map by text cost a fifth of a media job's validation. Only
 * what packed is kept, so a repeat is what the scan would pack. Holds at most
 * {@link LAST_POSITIONS} TaskBodies of at most {@link LAST_LONGEST} characters alive.
 */
const lastAt: Array<{ text: string; packed: Int32Array } | undefined> = [];
const LAST_POSITIONS = 64;
const LAST_LONGEST = 2048;

/**
 * The commonest TaskBodies — the plain grammar on one line or many, every index under 10^9 — as
 * one regular expression. Why: the charCodeAt scan is fast once V8 has optimized it, but a cold
 * process runs its first ~40,000 TaskBodies in the interpreter and baseline code (3 µs each
 * against 0.4), which was most of a 10,000-task submit and a third of a 100,000-task one. The
 * regexp engine compiles a pattern to native code on its second use, so this test runs at full
 * speed from the start, and what is left to the interpreter is a short walk from tag to tag with
 * built-in searches. It accepts only documents the scan accepts (a property test compares the two
 * roads); anything else goes to the scan, which decides as before.
 */
const COMMON = (() => {
  const S = '[ \\t\\n\\r]*';
  const index = '\\((?:0|[1-9][0-9]{0,8})\\)';
  const name = '(?:[aA]ssetCreationOptions|[aA]ssetName|[sS]torageAccountName|[aA]ssetFormatOption)';
  // Printable ASCII but " & < > (the scan's valueEnd).
  const value = `"[ !#-%'-;=?-~]*"`;
  const input = `${S}<inputAsset>${S}Job(?:Input|Output)Asset${index}${S}</inputAsset>`;
  const output = `${S}<outputAsset(?:[ \\t\\n\\r]+${name}=${value})*${S}>${S}JobOutputAsset${index}${S}</outputAsset>`;
  const decl = '(?:<\\?xml version="1\\.0"(?: encoding="(?:utf-8|UTF-8|utf-16|UTF-16)")?\\?>)?';
  const head = `${decl}${S}<taskBody>`;
  const element = `(?:${input}|${output})`;
  const tail = `${S}</taskBody>${S}$`;
  return {
    whole: new RegExp(`^${head}${element}*${tail}`),
    // The same grammar a piece at a time, for a document too long for `whole` (see testCommon).
    head: new RegExp(head, 'y'),
    element: new RegExp(element, 'y'),
    tail: new RegExp(tail, 'y'),
  };
})();

/**
 * The longest document tested by {@link COMMON}'s `whole` pattern (about 25,000 elements): the
 * regexp engine keeps a backtrack entry per element, and past about two million of them it throws.
 */
export const COMMON_MAX_LENGTH = 1_000_000;

/**
 * Whether `xml` is of the {@link COMMON} grammar; a document too long for the whole pattern is
 * tested an element at a time. Why not leave it to the scan: a fan-in's TaskBody of 100,000 inputs
 * (4.5 MB) is the one document of its job that long, and the charCodeAt scan, which no other
 * TaskBody had warmed up, read it in the interpreter; a 100,000-task fan submits about 8 % faster
 * through the pattern.
 */
function testCommon(xml: string): boolean {
  if (xml.length <= COMMON_MAX_LENGTH) return COMMON.whole.test(xml);
  const { head, element, tail } = COMMON;
  head.lastIndex = 0;
  if (!head.test(xml)) return false;
  let end = head.lastIndex;
  for (element.lastIndex = end; element.test(xml); ) end = element.lastIndex;
  tail.lastIndex = end;
  return tail.test(xml);
}

/**
 * As {@link scan}, for a document of the {@link COMMON} grammar, without the rows' lines and
 * columns (the readers of references need none); false for any other document, or one the scan
 * would refuse (no input or no output, an attribute given twice or an option out of range).
 */
function scanCommon(xml: string): boolean {
  if (!testCommon(xml)) return false;
  let row = 0;
  let inputs = 0;
  // The test matched: every `<` after the root's opens an element, closes one, or closes the root
  // (attribute values hold no `<`). A reference's `(` is the first after its tag's `>` (a value may
  // hold one); `JobInputAsset(` has an `I` ten characters before its `(`, `JobOutputAsset(` a `u`.
  for (let i = xml.indexOf('<', xml.indexOf(ROOT_OPEN) + ROOT_OPEN.length); ; i = xml.indexOf('<', i + 1)) {
    const tag = xml.charCodeAt(i + 1);
    if (tag === SLASH) {
      if (xml.charCodeAt(i + 2) === LOWER_T) break;
      continue;
    }
    if (row === scanned.output.length) grow();
    let at: number;
    if (tag === LOWER_I) {
      at = i + INPUT_OPEN.length;
      scanned.output[row] = 0;
      inputs++;
    } else {
      at = readAttributes(xml, i + OUTPUT_OPEN.length, row);
      if (at < 0) return false;
      scanned.output[row] = 1;
    }
    at = xml.indexOf('(', at);
    scanned.ofOutput[row] = xml.charCodeAt(at - 10) === UPPER_I ? 0 : 1;
    let n = 0;
    for (let c = xml.charCodeAt(++at); c !== CLOSE_PAREN; c = xml.charCodeAt(++at)) n = n * 10 + (c - ZERO);
    scanned.index[row] = n;
    i = at;
    row++;
  }
  if (inputs === 0 || inputs === row) return false;
  scanned.count = row;
  scanned.inputs = inputs;
  return true;
}

/**
 * Reads the attributes of an `<outputAsset` whose name ends at `at` (the test matched its
 * grammar) into row `row`; returns the offset past its `>`, or -1 when an attribute is given twice
 * or an option is out of range (the scan refuses those too).
 */
function readAttributes(xml: string, at: number, row: number): number {
  let creation = -1;
  let format = -1;
  let name: string | undefined;
  let storage: string | undefined;
  let seen = 0;
  for (at = skipS(xml, at); xml.charCodeAt(at) !== GT; at = skipS(xml, at)) {
    const eq = xml.indexOf('=', at);
    const bit = outputAttribute(xml.slice(at, eq));
    if ((seen & bit) !== 0) return -1;
    seen |= bit;
    const end = xml.indexOf('"', eq + 2);
    const value = xml.slice(eq + 2, end);
    at = end + 1;
    if (bit === OUT_CREATION_OPTIONS) {
      creation = readOption(value, ASSET_CREATION_OPTIONS);
      if (creation < 0) return -1;
    } else if (bit === OUT_FORMAT_OPTION) {
      format = readOption(value, ASSET_FORMAT_OPTIONS);
      if (format < 0) return -1;
    } else if (bit === OUT_NAME) {
      name = value;
    } else {
      storage = value;
    }
  }
  scanned.creation[row] = creation;
  scanned.format[row] = format;
  scanned.name[row] = name;
  scanned.storage[row] = storage;
  return at + 1;
}

/** Where {@link packPlainRefs} appends: an Int32Array it may grow. */
export interface RefPacker {
  data: Int32Array;
  /** Makes room for `n` more values and returns where they start. */
  reserve(n: number): number;
}

/** One output of a plain TaskBody, as {@link scanPlainRefs} hands it over. */
export interface PlainOutput {
  index: number;
  /** -1 when not given. */
  assetCreationOptions: number;
  assetName: string | undefined;
  storageAccountName: string | undefined;
  /** -1 when not given. */
  assetFormatOption: number;
}

/**
 * For the loader: the references of a TaskBody written the plain way, without the parser's
 * entries (which a task without problems lets go anyway): its inputs, and each output handed to
 * `output`. False when the TaskBody is not written the plain way; nothing was handed over then.
 */
export function scanPlainRefs<T>(xml: string, output: (o: PlainOutput) => T): { inputs: AssetRef[]; outputs: T[] } | undefined {
  if (!scanCommon(xml) && !scan(xml)) return undefined;
  return refsOfScan(output);
}

/** {@link scanPlainRefs}'s answer for the TaskBody scanned last (by it or by {@link packPlainRefs}). */
export function refsOfScan<T>(output: (o: PlainOutput) => T): { inputs: AssetRef[]; outputs: T[] } {
  const count = scanned.count;
  const inputs = new Array<AssetRef>(scanned.inputs);
  const outputs = new Array<T>(count - scanned.inputs);
  const o: PlainOutput = { index: 0, assetCreationOptions: -1, assetName: undefined, storageAccountName: undefined, assetFormatOption: -1 };
  for (let row = 0, i = 0, k = 0; row < count; row++) {
    if (scanned.output[row] === 0) {
      inputs[i++] = refOf(row);
      continue;
    }
    o.index = indexAt(row);
    o.assetCreationOptions = scanned.creation[row]!;
    o.assetName = scanned.name[row];
    o.storageAccountName = scanned.storage[row];
    o.assetFormatOption = scanned.format[row]!;
    outputs[k++] = output(o);
  }
  return { inputs, outputs };
}
