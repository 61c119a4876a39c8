/**
 * Where a job's properties sit in its JSON text, so that a diagnostic can point into the file an
 * editor or a code-scanning tool has open, not only into the TaskBody string: a TaskBody position
 * goes through the string's escapes (`\n`, `\"`, `\u00e9` …) to the file's line and column.
 *
 * Read only for a job given as text that has diagnostics: a scan of the text, after JSON.parse
 * accepted it (so the scanner may assume well-formed JSON and stays small and iterative).
 */

/** Offsets in the text of one object's properties: the key's opening quote, and the value's first character. */
export interface PropertyPlaces {
  /** Offset of the object's `{`. */
  start: number;
  keys: Map<string, number>;
  values: Map<string, number>;
}

export interface JsonPlaces {
  text: string;
  /** The job object; undefined when the text is not an object. */
  job: PropertyPlaces | undefined;
  /** Per entry of `Tasks`: its places when it is an object, else the offset of its value. */
  tasks: Array<PropertyPlaces | number>;
  /** The job's property that holds the tasks: `Tasks`, or `tasks` in a plain graph. */
  tasksKey: string;
}

const enum Kind {
  Object,
  Array,
}

interface Frame {
  kind: Kind;
  /** The key whose value is being read (objects). */
  key: string | undefined;
  /** Index of the next element (arrays). */
  index: number;
  places: PropertyPlaces | undefined;
  /** This array is the job's Tasks. */
  tasks: boolean;
}

/**
 * Scans well-formed JSON text for the places of the job's and its tasks' properties; the tasks are
 * the array under `tasksKey` (`tasks` for a plain graph).
 */
export function jsonPlaces(text: string, tasksKey = 'Tasks'): JsonPlaces {
  const out: JsonPlaces = { text, job: undefined, tasks: [], tasksKey };
  const stack: Frame[] = [];
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let expectKey = false;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0x2c /* , */ || c === 0x3a /* : */) {
      if (c === 0x2c && stack.length > 0 && stack[stack.length - 1]!.kind === Kind.Object) expectKey = true;
      i++;
      continue;
    }
    const top = stack[stack.length - 1];
    if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
      expectKey = false;
      i++;
      continue;
    }
    if (c === 0x22 && expectKey && top?.kind === Kind.Object) {
      const end = stringEnd(text, i);
      const raw = text.slice(i + 1, end - 1);
      const key = raw.includes('\\') ? (JSON.parse(text.slice(i, end)) as string) : raw;
      top.key = key;
      top.places?.keys.set(key, i);
      expectKey = false;
      i = end;
      continue;
    }
    // A value starts here.
    valueStarts(out, stack, i);
    if (c === 0x7b /* { */) {
      const parent = stack[stack.length - 1];
      let places: PropertyPlaces | undefined;
      if (stack.length === 0) places = out.job = { start: i, keys: new Map(), values: new Map() };
      else if (parent?.tasks) places = out.tasks[out.tasks.length - 1] = { start: i, keys: new Map(), values: new Map() };
      stack.push({ kind: Kind.Object, key: undefined, index: 0, places, tasks: false });
      expectKey = true;
      i++;
    } else if (c === 0x5b /* [ */) {
      const tasks = stack.length === 1 && top?.places === out.job && top?.key === tasksKey;
      if (tasks) out.tasks = [];
      stack.push({ kind: Kind.Array, key: undefined, index: 0, places: undefined, tasks });
      i++;
    } else if (c === 0x22) {
      i = stringEnd(text, i);
    } else {
      // A number, true, false or null: up to the next delimiter.
      while (i < text.length && !/[\s,\]}]/.test(text[i]!)) i++;
    }
  }
  return out;
}

/** Notes where a value starts: a property's value, or an element of Tasks. */
function valueStarts(out: JsonPlaces, stack: Frame[], at: number): void {
  const top = stack[stack.length - 1];
  if (top === undefined) return;
  if (top.kind === Kind.Object) {
    if (top.key !== undefined) top.places?.values.set(top.key, at);
    return;
  }
  if (top.tasks) out.tasks.push(at);
  top.index++;
}

/** The offset just past the string literal whose opening quote is at `start`. */
function stringEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5c /* \ */) i++;
    else if (c === 0x22) return i + 1;
  }
  return text.length;
}

/**
 * The offset in the text of the character at `line`:`column` (1-based, UTF-16 code units; LF, CRLF
 * and a lone CR end a line, as the TaskBody reader counts) of the string whose literal opens at
 * `quote`; undefined when the string is shorter.
 */
export function offsetInStringLiteral(text: string, quote: number, line: number, column: number): number | undefined {
  return new StringLiteralCursor(text, quote).offsetOf(line, column);
}

/**
 * {@link offsetInStringLiteral} for many places in one string literal: the walk through the
 * literal goes on from the last place asked for when the next one is not before it, so places
 * asked in order (diagnostics come sorted by line and column) cost one walk of the literal in all.
 * A scan from the quote for each was quadratic: a thousand diagnostics at the end of a TaskBody of
 * 1.6 MB took 50 s to place.
 */
export class StringLiteralCursor {
  /** Where the walk is: the offset of the next escape or character, and its place in the string. */
  #i: number;
  #line = 1;
  #column = 1;
  #previousCr = false;

  constructor(
    readonly text: string,
    readonly quote: number,
  ) {
    this.#i = quote + 1;
  }

  offsetOf(line: number, column: number): number | undefined {
    // Before the walk's place: start over from the quote.
    if (line < this.#line || (line === this.#line && column < this.#column)) {
      this.#i = this.quote + 1;
      this.#line = 1;
      this.#column = 1;
      this.#previousCr = false;
    }
    const text = this.text;
    let i = this.#i;
    let atLine = this.#line;
    let atColumn = this.#column;
    let previousCr = this.#previousCr;
    let found: number | undefined;
    while (i < text.length) {
      const c = text.charCodeAt(i);
      // The closing quote: a place just past the string's end (the end of the document) is on it.
      if (c === 0x22) {
        if (atLine === line && atColumn === column) found = i;
        break;
      }
      let unit = c;
      let width = 1;
      if (c === 0x5c) {
        const e = text.charCodeAt(i + 1);
        width = e === 0x75 /* u */ ? 6 : 2;
        unit = e === 0x75 ? parseInt(text.slice(i + 2, i + 6), 16) : e === 0x6e ? 0x0a : e === 0x72 ? 0x0d : e === 0x74 ? 0x09 : e;
      }
      // An LF after a CR is part of that line break: no place of its own.
      if (unit === 0x0a && previousCr) {
        previousCr = false;
        i += width;
        continue;
      }
      if (atLine === line && atColumn === column) {
        found = i;
        break;
      }
      if (unit === 0x0a || unit === 0x0d) {
        atLine++;
        atColumn = 1;
      } else {
        atColumn++;
      }
      previousCr = unit === 0x0d;
      i += width;
    }
    this.#i = i;
    this.#line = atLine;
    this.#column = atColumn;
    this.#previousCr = previousCr;
    return found;
  }
}
