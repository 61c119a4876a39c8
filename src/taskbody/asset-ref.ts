/**
 * `JobInputAsset(n)` / `JobOutputAsset(n)`: reading them (fast, no regex, resolved to numbers as
 * they are read), writing them, and saying what is wrong with a text that is not one.
 *
 * The grammar is NET's `^JobInputAsset\((\d+)\)$` after trimming: n is one or more ASCII decimal
 * digits, and must be a safe integer. Leading zeros are read (`JobOutputAsset(01)` is index 1, as
 * `\d+` and int.Parse read it on the service), and the parser warns about them
 * (ASSET_REF_LEADING_ZERO): the SDKs never write them, so one is likely a slip.
 * Only XML white space (space, tab, CR, LF) is trimmed: a no-break space around the reference is an
 * error with a hint, not silently accepted.
 */
import { ArgumentRangeError, ArgumentTypeError, describeValue } from '../errors.js';
import type { AssetKind, AssetRef } from './types.js';

const INPUT_PREFIX = 'JobInputAsset(';
const OUTPUT_PREFIX = 'JobOutputAsset(';

const SPACE = 0x20;
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const ZERO = 0x30;
const NINE = 0x39;
const CLOSE_PAREN = 0x29;

/** XML white space (the S production): space, tab, CR, LF. */
export function isXmlSpace(c: number): boolean {
  return c === SPACE || c === LF || c === TAB || c === CR;
}

/** `text` without leading and trailing XML white space (the same string when there is none). */
export function trimXmlSpace(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isXmlSpace(text.charCodeAt(start))) start++;
  while (end > start && isXmlSpace(text.charCodeAt(end - 1))) end--;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}

/** Reads the index from `digitsStart` to the final ')' of trimmed text; -1 when it is not one. */
function readIndex(text: string, digitsStart: number): number {
  const end = text.length - 1; // the ')'
  if (end <= digitsStart || text.charCodeAt(end) !== CLOSE_PAREN) return -1;
  let n = 0;
  for (let i = digitsStart; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c < ZERO || c > NINE) return -1;
    n = n * 10 + (c - ZERO);
    // Exact until it passes 2^53 - 1; once past, the rounded value is >= 2^53, so this catches it.
    if (n > Number.MAX_SAFE_INTEGER) return -1;
  }
  return n;
}

/**
 * Parses trimmed reference text without allocating anything but the result.
 * @internal used by the parser, which trims once and keeps the trimmed text for the entry.
 */
export function parseTrimmedAssetRef(text: string): AssetRef | null {
  // Dispatch on the 4th character, then compare char codes: String#startsWith on the sliced
  // strings saxes hands out costs more than the whole rest of the check.
  const c3 = text.charCodeAt(3);
  if (c3 === 0x49 /* I */) {
    if (!hasPrefix(text, INPUT_CODES)) return null;
    const index = readIndex(text, INPUT_CODES.length);
    return index < 0 ? null : assetRef(false, index);
  }
  if (c3 === 0x4f /* O */) {
    if (!hasPrefix(text, OUTPUT_CODES)) return null;
    const index = readIndex(text, OUTPUT_CODES.length);
    return index < 0 ? null : assetRef(true, index);
  }
  return null;
}

/** References kept for reuse: indices below this (both kinds). */
const SHARED_REFS = 1 << 16;
const sharedInputs: Array<AssetRef | undefined> = [];
const sharedOutputs: Array<AssetRef | undefined> = [];

/**
 * The reference `JobOutputAsset(index)` (`output`) or `JobInputAsset(index)`. A reference is a
 * value: those of indices below 65,536 are made once, frozen and shared by every task that names
 * them (three a task in a typical graph, 40 bytes each, were a tenth of what a submitted task
 * held). At most 2 × 65,536 are ever made (5 MB); bigger indices get a reference of their own.
 * @internal for the TaskBody readers.
 */
export function assetRef(output: boolean, index: number): AssetRef {
  if (index >= SHARED_REFS) return { kind: output ? 'JobOutputAsset' : 'JobInputAsset', index };
  const shared = output ? sharedOutputs : sharedInputs;
  let ref = shared[index];
  if (ref === undefined) {
    while (shared.length <= index) shared.push(undefined);
    ref = shared[index] = Object.freeze({ kind: output ? 'JobOutputAsset' : 'JobInputAsset', index }) as AssetRef;
  }
  return ref;
}

/**
 * Whether the index of a valid reference (trimmed text) is written with a leading zero, as in
 * `JobOutputAsset(01)`; `JobOutputAsset(0)` has none.
 */
export function hasLeadingZero(text: string, ref: AssetRef): boolean {
  const digits = ref.kind === 'JobInputAsset' ? INPUT_PREFIX.length : OUTPUT_PREFIX.length;
  return text.charCodeAt(digits) === ZERO && text.length - 1 > digits + 1;
}

const INPUT_CODES = Array.from(INPUT_PREFIX, (ch) => ch.charCodeAt(0));
const OUTPUT_CODES = Array.from(OUTPUT_PREFIX, (ch) => ch.charCodeAt(0));

function hasPrefix(text: string, codes: readonly number[]): boolean {
  if (text.length <= codes.length) return false;
  for (let i = 0; i < codes.length; i++) if (text.charCodeAt(i) !== codes[i]) return false;
  return true;
}

/**
 * Parses an asset reference as it appears in `<inputAsset>` or `<outputAsset>`: `JobInputAsset(n)`
 * or `JobOutputAsset(n)`, with XML white space around it ignored.
 *
 * @param text - the element's text.
 * @returns the reference, or `null` when `text` is not one ({@link explainAssetRef} says why).
 * @throws ArgumentTypeError (`ERR_INVALID_ARG_TYPE`) when `text` is not a string.
 * @example
 * parseAssetRef(' JobOutputAsset(3) ') // → { kind: 'JobOutputAsset', index: 3 }
 * parseAssetRef('jobinputasset(0)')    // → null (names are case-sensitive)
 */
export function parseAssetRef(text: string): AssetRef | null {
  if (typeof text !== 'string') {
    throw new ArgumentTypeError(`parseAssetRef: Expected \`text\` to be a string, got ${describeValue(text)}`);
  }
  return parseTrimmedAssetRef(trimXmlSpace(text));
}

/**
 * Writes an asset reference: `JobInputAsset(0)`, `JobOutputAsset(12)`.
 *
 * @param ref - kind `'JobInputAsset'` or `'JobOutputAsset'` and a non-negative safe integer index.
 * @returns the reference text.
 * @throws ArgumentTypeError (`ERR_INVALID_ARG_TYPE`) when `ref` is not an object with a known kind.
 * @throws ArgumentRangeError (`ERR_OUT_OF_RANGE`) when the index is not a non-negative safe integer.
 * @example
 * formatAssetRef({ kind: 'JobOutputAsset', index: 1 }) // → 'JobOutputAsset(1)'
 */
export function formatAssetRef(ref: AssetRef): string {
  checkAssetRef(ref, 'formatAssetRef', 'ref');
  return `${ref.kind}(${ref.index})`;
}

/** Throws the way {@link formatAssetRef} documents when `ref` is not a valid AssetRef. */
export function checkAssetRef(ref: AssetRef, call: string, what: string): void {
  if (typeof ref !== 'object' || ref === null) {
    throw new ArgumentTypeError(`${call}: Expected \`${what}\` to be an asset reference { kind, index }, got ${describeValue(ref)}`);
  }
  const kind: unknown = ref.kind;
  if (kind !== 'JobInputAsset' && kind !== 'JobOutputAsset') {
    throw new ArgumentTypeError(`${call}: Expected \`${what}.kind\` to be 'JobInputAsset' or 'JobOutputAsset', got ${describeValue(kind)}`);
  }
  const index: unknown = ref.index;
  if (typeof index !== 'number' || !Number.isSafeInteger(index) || index < 0) {
    throw new ArgumentRangeError(`${call}: Expected \`${what}.index\` to be an integer >= 0 (a safe integer), got ${describeValue(index)}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Explaining a text that is not a reference. Runs only on the error path: clarity over speed.

const HEX = /^[+-]?0[xX][0-9a-fA-F]+$/;
const NUMBERISH = /^[+-]?(?:[0-9][0-9_]*)?(?:\.[0-9_]*)?(?:[eE][+-]?[0-9]+)?$/;
const ASCII_DIGITS = /^[0-9]+$/;
const UNICODE_DIGITS = /^\p{Nd}+$/u;
const REF_ANYWHERE = /Job(?:Input|Output)Asset\(/;

/**
 * Says why `text` (an asset element's text, untrimmed) is not a valid reference where it stands,
 * as a hint. Returns `undefined` when it is valid there.
 *
 * @param text - the element's text.
 * @param element - `'inputAsset'` or `'outputAsset'`: an output must be `JobOutputAsset(n)`.
 */
export function explainAssetRef(text: string, element: 'inputAsset' | 'outputAsset'): string | undefined {
  const trimmed = trimXmlSpace(text);
  const ref = parseTrimmedAssetRef(trimmed);
  if (ref !== null) {
    if (element === 'outputAsset' && ref.kind === 'JobInputAsset') {
      return `an output cannot be a job input: outputs are JobOutputAsset(n), with an index no other task outputs`;
    }
    return undefined;
  }
  const example = element === 'outputAsset' ? 'JobOutputAsset(0)' : 'JobInputAsset(0)';
  if (trimmed === '') {
    return `the element is empty: write ${element === 'outputAsset' ? 'JobOutputAsset(n)' : 'JobInputAsset(n) or JobOutputAsset(n)'} inside it`;
  }
  const edge = unicodeSpaceAtEdge(trimmed);
  if (edge !== undefined) {
    return `${edge} around the reference: only XML white space (space, tab, line breaks) is ignored there`;
  }
  const lower = trimmed.toLowerCase();
  for (const kind of ['JobInputAsset', 'JobOutputAsset'] as const) {
    const name = kind;
    if (trimmed.startsWith(name)) return explainAfterName(trimmed, kind, element);
    if (lower.startsWith(name.toLowerCase())) {
      const fixed = name + trimmed.slice(name.length);
      const fixedRef = parseTrimmedAssetRef(fixed);
      return fixedRef !== null ? `names are case-sensitive: write ${fixed}` : `names are case-sensitive: write ${name}(n)`;
    }
  }
  if (/^nb:cid:UUID:/i.test(trimmed)) {
    return `a TaskBody names assets by placeholder, not by id: write ${example} (n counts from 0 in the job's InputMediaAssets)`;
  }
  const at = trimmed.search(REF_ANYWHERE);
  if (at > 0) {
    return `unexpected text ${JSON.stringify(clip(trimmed.slice(0, at)))} before the reference`;
  }
  return undefined;
}

function explainAfterName(trimmed: string, kind: AssetKind, element: 'inputAsset' | 'outputAsset'): string | undefined {
  const rest = trimmed.slice(kind.length);
  if (!rest.startsWith('(')) {
    const digits = /^\s*(\d+)\s*$/.exec(rest);
    return `write the index in parentheses: ${kind}(${digits ? digits[1]! : 'n'})`;
  }
  const close = rest.indexOf(')');
  if (close < 0) return `the closing parenthesis is missing: ${kind}(n)`;
  const inner = rest.slice(1, close);
  const after = rest.slice(close + 1);
  const innerTrimmed = inner.trim();
  let problem: string | undefined;
  if (inner === '') problem = `the index is missing: ${kind}(0) is the first`;
  else if (innerTrimmed !== inner && ASCII_DIGITS.test(innerTrimmed) && isSafe(innerTrimmed)) {
    problem = `no spaces inside the parentheses: write ${kind}(${innerTrimmed})`;
  } else if (/^-\s*[0-9]+$/.test(innerTrimmed)) problem = 'the index is zero-based and cannot be negative';
  else if (ASCII_DIGITS.test(innerTrimmed)) {
    if (!isSafe(innerTrimmed)) problem = `the index is too large: at most ${Number.MAX_SAFE_INTEGER}`;
  } else if (HEX.test(innerTrimmed)) {
    const value = Number.parseInt(innerTrimmed.replace(/^[+-]/, ''), 16);
    problem = `write the index as decimal digits: ${kind}(${value}) for ${innerTrimmed}`;
  } else if (UNICODE_DIGITS.test(innerTrimmed)) problem = 'write the index with the ASCII digits 0-9';
  else if (NUMBERISH.test(innerTrimmed)) {
    problem = `the index must be plain decimal digits, not ${JSON.stringify(innerTrimmed)}`;
  } else problem = `the index must be decimal digits, not ${JSON.stringify(clip(innerTrimmed))}`;
  if (problem !== undefined) return problem;
  // The reference itself is fine: something follows it.
  if (REF_ANYWHERE.test(after)) {
    return `one asset reference per element: write one <${element}> for each`;
  }
  return `unexpected text ${JSON.stringify(clip(after))} after the reference`;
}

function isSafe(digits: string): boolean {
  return Number.isSafeInteger(Number(digits)) && (digits.length < 16 || BigInt(digits) <= BigInt(Number.MAX_SAFE_INTEGER));
}

const SPACE_NAMES: Record<number, string> = {
  0x00a0: 'U+00A0 NO-BREAK SPACE',
  0x2007: 'U+2007 FIGURE SPACE',
  0x202f: 'U+202F NARROW NO-BREAK SPACE',
  0x200b: 'U+200B ZERO WIDTH SPACE',
  0xfeff: 'U+FEFF ZERO WIDTH NO-BREAK SPACE (a byte order mark)',
  0x3000: 'U+3000 IDEOGRAPHIC SPACE',
  0x0085: 'U+0085 NEXT LINE',
  0x2028: 'U+2028 LINE SEPARATOR',
};

function unicodeSpaceAtEdge(trimmed: string): string | undefined {
  for (const c of [trimmed.charCodeAt(0), trimmed.charCodeAt(trimmed.length - 1)]) {
    const name = SPACE_NAMES[c];
    if (name !== undefined) return name;
    if (/\s/u.test(String.fromCharCode(c))) return `U+${c.toString(16).toUpperCase().padStart(4, '0')} (a Unicode space)`;
  }
  return undefined;
}

function clip(s: string): string {
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}
