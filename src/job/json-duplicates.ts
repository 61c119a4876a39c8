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
  // Whether the next string of the innermost object is a key.
  let wantKey = false;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const end = stringEnd(text, i);
      if (wantKey) {
        const from = base[base.length - 1]!;
        for (let k = from; k < keys; k++) {
          if (sameKey(text, starts[k]!, ends[k]!, i + 1, end)) {
            if (found.length < max) found.push({ key: JSON.parse(text.slice(i, end + 1)) as string, at: i, first: starts[k]! - 1, object: opens[opens.length - 1]! });
            break;
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
      wantKey = true;
    } else if (c === 0x5b /* [ */) {
      base.push(-1);
      opens.push(i);
      wantKey = false;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      opens.pop();
      const from = base.pop()!;
      if (from >= 0) keys = from;
      wantKey = false;
    } else if (c === 0x2c /* , */) {
      wantKey = base.length > 0 && base[base.length - 1]! >= 0;
    }
  }
  return found;
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
