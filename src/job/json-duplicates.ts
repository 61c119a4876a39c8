/**
 * Keys given twice in one object of JSON text. JSON.parse keeps the last and says nothing, so a
 * reader of the file (or an editor's view of it) sees one value and the job gets another; OData
 * readers refuse such a body. One pass over text that JSON.parse has accepted: strings are skipped
 * with `indexOf` (a TaskBody is most of a job's text), and an object's keys are compared as ranges
 * of the text, without copying them.
 */

/** A key given again in the same object: its text (decoded) and where the second one starts. */
export interface DuplicateKey {
  key: string;
  /** Offset of the repeated key's opening quote in the text. */
  at: number;
  /** Offset of the first one's opening quote. */
  first: number;
  /** Offset of the `{` of the object that holds both. */
  object: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Every key repeated within its object, in text order (at most `max`), in text that JSON.parse
 * accepted (on other text the answer is unspecified, never an exception).
 */
export function duplicateKeys(text: string, max = Infinity): DuplicateKey[] {
  const found: DuplicateKey[] = [];
  // Keys of the open objects, as [start, end) ranges of their contents, innermost last; `base`
  // holds where each open container's keys begin (-1 for an array).
  const starts: number[] = [];
  const ends: number[] = [];
  const base: number[] = [];
  // The `{` of each open container (arrays too, so that it pops with `base`).
  const opens: number[] = [];
  let keys = 0;
  // Per open container, its keys by their decoded text once it has MANY_KEYS of them (undefined
  // before, and for arrays): each further key is looked up, not compared with every earlier one.
  const maps: Array<Map<string, number> | undefined> = [];
  // Whether the next string of the innermost object is a key.
  let wantKey = false;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const end = stringEnd(text, i);
      if (wantKey) {
        const from = base[base.length - 1]!;
        let map = maps[maps.length - 1];
        if (map === undefined && keys - from >= MANY_KEYS) {
          map = new Map();
          for (let k = from; k < keys; k++) {
            const key = keyText(text, starts[k]!, ends[k]!);
            if (!map.has(key)) map.set(key, starts[k]!);
          }
          maps[maps.length - 1] = map;
        }
        if (map !== undefined) {
          const key = keyText(text, i + 1, end);
          const first = map.get(key);
          if (first === undefined) map.set(key, i + 1);
          else if (found.length < max) found.push({ key, at: i, first: first - 1, object: opens[opens.length - 1]! });
        } else {
          for (let k = from; k < keys; k++) {
            if (sameKey(text, starts[k]!, ends[k]!, i + 1, end)) {
              if (found.length < max) found.push({ key: JSON.parse(text.slice(i, end + 1)) as string, at: i, first: starts[k]! - 1, object: opens[opens.length - 1]! });
              break;
            }
          }
        }
        starts[keys] = i + 1;
        ends[keys] = end;
        keys++;
        wantKey = false;
      }
      i = end;
    } else if (c === 0x7b /* { */) {
      base.push(keys);
      opens.push(i);
      maps.push(undefined);
      wantKey = true;
    } else if (c === 0x5b /* [ */) {
      base.push(-1);
      opens.push(i);
      maps.push(undefined);
      wantKey = false;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      opens.pop();
      maps.pop();
      const from = base.pop()!;
      if (from >= 0) keys = from;
      wantKey = false;
    } else if (c === 0x2c /* , */) {
      wantKey = base.length > 0 && base[base.length - 1]! >= 0;
    }
  }
  return found;
}

/**
 * Keys of one object from which the later ones are looked up in a map of the earlier ones: compared
 * one by one, an object of 8,000 distinct keys given twice each took 28 s (quadratic).
 */
const MANY_KEYS = 32;

/** The decoded text of the key text[from, end). */
function keyText(text: string, from: number, end: number): string {
  return hasEscape(text, from, end) ? (JSON.parse(text.slice(from - 1, end + 1)) as string) : text.slice(from, end);
}

/** The index of the quote that closes the string opening at `open`. */
function stringEnd(text: string, open: number): number {
  // indexOf, not a loop over the characters: a TaskBody is long, and a call skips it at native speed
  // (a loop, or one up to 32 characters before the call, took 1.5–2× as long over a 100k-task job).
  let from = open + 1;
  for (;;) {
    const q = text.indexOf('"', from);
    if (q < 0) return text.length;
    // Escaped when an odd number of backslashes stands before it.
    let b = q - 1;
    while (b > open && text.charCodeAt(b) === BACKSLASH) b--;
    if ((q - 1 - b) % 2 === 0) return q;
    from = q + 1;
  }
}

/** Whether the keys text[a, aEnd) and text[b, bEnd) are the same string once decoded. */
function sameKey(text: string, a: number, aEnd: number, b: number, bEnd: number): boolean {
  const len = aEnd - a;
  if (len === bEnd - b) {
    let i = 0;
    while (i < len && text.charCodeAt(a + i) === text.charCodeAt(b + i)) i++;
    if (i === len) return true;
  }
  // Written differently, the same all the same ("Name" and "N\u0061me"): rare, so decoded only then.
  if (hasEscape(text, a, aEnd) || hasEscape(text, b, bEnd)) {
    return JSON.parse(text.slice(a - 1, aEnd + 1)) === JSON.parse(text.slice(b - 1, bEnd + 1));
  }
  return false;
}

function hasEscape(text: string, from: number, end: number): boolean {
  for (let i = from; i < end; i++) if (text.charCodeAt(i) === BACKSLASH) return true;
  return false;
}
