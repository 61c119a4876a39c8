/**
 * The fast path of the TaskBody parser: a scan of TaskBodies written the plain way, in one pass of
 * `charCodeAt`, without saxes.
 *
 * Why: submitting a job reads every TaskBody, and saxes spends about 1 µs an element on events,
 * tag objects and attribute maps; at a million tasks the parse alone was most of the submit. Nearly
 * every TaskBody a client sends is the same few shapes of markup, so those are read here and
 * anything else goes to the saxes reader (parse.ts), which knows XML and explains every mistake.
 *
 * The contract: `scanPlainTaskBody` either returns exactly what the saxes reader returns for the
 * document (the same entries, positions and attribute values, and no problems), or `undefined`. It
 * accepts only documents in which the saxes reader finds no problem at all, and only this grammar
 * (anything else, however valid, is left to saxes):
 *
 *   document := decl? S? '<taskBody>' (S | input | output)* '</taskBody>' S?
 *   decl     := '<?xml version="1.0"' (' encoding="utf-8"' | ' encoding="UTF-8"')? '?>'
 *   input    := '<inputAsset>' text '</inputAsset>'
 *   output   := '<outputAsset' (S name '="' value '"')* S? '>' text '</outputAsset>'
 *   S        := (space | tab | LF)+
 *   text     := printable ASCII but < & >, with space, tab and LF; trimmed, it is a valid asset
 *               reference for its element, without a leading zero
 *   name     := one spelling of a known <outputAsset> attribute, each at most once
 *   value    := printable ASCII but " < & >; a valid number for the two options
 *
 * No CR (line ends are normalised by XML), no character outside ASCII (lone surrogates), no
 * entity, comment, CDATA section, processing instruction or DOCTYPE, and at least one input and one
 * output (else TASKBODY_NO_INPUT/NO_OUTPUT). test/property/plain-scan.prop.test.ts checks the
 * contract against the saxes reader on generated documents, valid and broken.
 */
import { hasLeadingZero, parseTrimmedAssetRef, trimXmlSpace } from './asset-ref.js';
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
import type { InputAssetEntry, OutputAssetEntry, ParsedTaskBody } from './types.js';

const TAB = 0x09;
const LF = 0x0a;
const SPACE = 0x20;
const QUOTE = 0x22;
const AMP = 0x26;
const LT = 0x3c;
const GT = 0x3e;

const ROOT_OPEN = '<taskBody>';
const ROOT_CLOSE = '</taskBody>';
const INPUT_OPEN = '<inputAsset>';
const INPUT_CLOSE = '</inputAsset>';
const OUTPUT_OPEN = '<outputAsset';
const OUTPUT_CLOSE = '</outputAsset>';
const DECLARATIONS = ['<?xml version="1.0"?>', '<?xml version="1.0" encoding="utf-8"?>', '<?xml version="1.0" encoding="UTF-8"?>'];

// Reused between documents; a hostile one may leave them long, which costs nothing later.
const inputBuffer: InputAssetEntry[] = [];
const outputBuffer: OutputAssetEntry[] = [];

/** The offset just past the white space (space, tab, LF) at `at`. */
function skipS(xml: string, at: number): number {
  for (;;) {
    const c = xml.charCodeAt(at);
    if (c !== SPACE && c !== LF && c !== TAB) return at;
    at++;
  }
}

/** The offset of the `<` that ends an element's text at `at`, or -1 when a character is outside the grammar. */
function textEnd(xml: string, at: number): number {
  for (;;) {
    const c = xml.charCodeAt(at);
    if (c === LT) return at;
    // Written so that NaN (past the end) fails too.
    if (!((c >= SPACE && c <= 0x7e && c !== AMP && c !== GT) || c === LF || c === TAB)) return -1;
    at++;
  }
}

/** The offset of the `"` that ends an attribute value at `at`, or -1 when a character is outside the grammar. */
function valueEnd(xml: string, at: number): number {
  for (;;) {
    const c = xml.charCodeAt(at);
    if (c === QUOTE) return at;
    if (!(c >= SPACE && c <= 0x7e && c !== LT && c !== AMP && c !== GT)) return -1;
    at++;
  }
}

/**
 * The 1-based line and column of offset `at`, counting LF only (the scan refuses CR), by a scan
 * from `from` (on line `line`, which starts at `lineStart`). Returned through `where`.
 */
function advance(xml: string, from: number, to: number, where: { line: number; lineStart: number }): void {
  let i = xml.indexOf('\n', from);
  while (i !== -1 && i < to) {
    where.line++;
    where.lineStart = i + 1;
    i = xml.indexOf('\n', i + 1);
  }
}

const where = { line: 1, lineStart: 0 };

/**
 * The entries of a TaskBody written the plain way, or undefined when it is not (the saxes reader
 * then reads it). See the module comment for the contract.
 */
export function scanPlainTaskBody(xml: string): ParsedTaskBody | undefined {
  let at = 0;
  if (xml.charCodeAt(0) === LT && xml.charCodeAt(1) === 0x3f /* ? */) {
    let found = false;
    for (const d of DECLARATIONS) {
      if (xml.startsWith(d)) {
        at = d.length;
        found = true;
        break;
      }
    }
    if (!found) return undefined;
  }
  at = skipS(xml, at);
  if (!xml.startsWith(ROOT_OPEN, at)) return undefined;
  at += ROOT_OPEN.length;
  const inputs = inputBuffer;
  const outputs = outputBuffer;
  inputs.length = 0;
  outputs.length = 0;
  // Lines are counted only up to each element's start, when it is known to hold an LF at all.
  const multiline = xml.indexOf('\n') !== -1;
  where.line = 1;
  where.lineStart = 0;
  let counted = 0;
  for (;;) {
    at = skipS(xml, at);
    if (xml.charCodeAt(at) !== LT) return undefined;
    const start = at;
    if (multiline) {
      advance(xml, counted, start, where);
      counted = start;
    }
    const line = where.line;
    const column = start - where.lineStart + 1;
    if (xml.startsWith(INPUT_OPEN, at)) {
      const from = at + INPUT_OPEN.length;
      at = textEnd(xml, from);
      if (at < 0 || !xml.startsWith(INPUT_CLOSE, at)) return undefined;
      const text = trimXmlSpace(xml.slice(from, at));
      at += INPUT_CLOSE.length;
      const ref = parseTrimmedAssetRef(text);
      if (ref === null || hasLeadingZero(text, ref)) return undefined;
      inputs.push({ ref, text, line, column });
    } else if (xml.startsWith(OUTPUT_OPEN, at)) {
      at += OUTPUT_OPEN.length;
      let seen = 0;
      let creation = -1;
      let format = -1;
      let name: string | undefined;
      let storage: string | undefined;
      for (;;) {
        const c = xml.charCodeAt(at);
        if (c === GT) break;
        if (c !== SPACE && c !== LF && c !== TAB) return undefined;
        at = skipS(xml, at);
        if (xml.charCodeAt(at) === GT) break;
        const eq = xml.indexOf('=', at);
        if (eq < 0) return undefined;
        const bit = outputAttribute(xml.slice(at, eq));
        if (bit === 0 || (seen & bit) !== 0 || xml.charCodeAt(eq + 1) !== QUOTE) return undefined;
        seen |= bit;
        const end = valueEnd(xml, eq + 2);
        if (end < 0) return undefined;
        const value = xml.slice(eq + 2, end);
        at = end + 1;
        if (bit === OUT_CREATION_OPTIONS) {
          creation = readOption(value, ASSET_CREATION_OPTIONS);
          if (creation < 0) return undefined;
        } else if (bit === OUT_FORMAT_OPTION) {
          format = readOption(value, ASSET_FORMAT_OPTIONS);
          if (format < 0) return undefined;
        } else if (bit === OUT_NAME) {
          name = value;
        } else if (bit === OUT_STORAGE_ACCOUNT) {
          storage = value;
        }
      }
      const from = at + 1;
      at = textEnd(xml, from);
      if (at < 0 || !xml.startsWith(OUTPUT_CLOSE, at)) return undefined;
      const text = trimXmlSpace(xml.slice(from, at));
      at += OUTPUT_CLOSE.length;
      const ref = parseTrimmedAssetRef(text);
      if (ref === null || ref.kind !== 'JobOutputAsset' || hasLeadingZero(text, ref)) return undefined;
      // The saxes reader's entry, property for property and in its order (one hidden class).
      const entry: OutputAssetEntry = { ref, text, line, column };
      if (creation >= 0) entry.assetCreationOptions = creation;
      if (name !== undefined) entry.assetName = name;
      if (storage !== undefined) entry.storageAccountName = storage;
      if (format >= 0) entry.assetFormatOption = format;
      outputs.push(entry);
    } else if (xml.startsWith(ROOT_CLOSE, at)) {
      at = skipS(xml, at + ROOT_CLOSE.length);
      if (at !== xml.length || inputs.length === 0 || outputs.length === 0) return undefined;
      // Copied out at exact size: an array grown by push keeps 16 slots (see parse.ts).
      return { inputs: inputs.slice(), outputs: outputs.slice(), problems: [] };
    } else {
      return undefined;
    }
  }
}
