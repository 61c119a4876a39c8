/**
 * JSON text with located errors. JSON.parse does the parsing; when it refuses, a small iterative
 * scanner finds the first offending character so the diagnostic can say line:column and why
 * (V8's messages omit the position for some errors, and never say "trailing comma").
 */

export interface JsonSyntaxProblem {
  message: string;
  hint?: string;
  line: number;
  column: number;
}

export type JsonParseResult = { ok: true; value: unknown } | { ok: false; problem: JsonSyntaxProblem };

export function parseJsonText(text: string): JsonParseResult {
  // A UTF-8 BOM is common in files written on Windows; JSON.parse refuses it.
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    return { ok: true, value: JSON.parse(body) };
  } catch (err) {
    const found = locateJsonError(body);
    const offset = text.length - body.length;
    if (found) {
      const { line, column } = lineColumnAt(text, found.position + offset);
      const problem: JsonSyntaxProblem = { message: found.message, line, column };
      if (found.hint) problem.hint = found.hint;
      return { ok: false, problem };
    }
    const { line, column } = lineColumnAt(text, text.length);
    return { ok: false, problem: { message: (err as Error).message, line, column } };
  }
}

/** 1-based line and column (in UTF-16 code units) of `offset`; CRLF, CR and LF end lines. */
export function lineColumnAt(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}

interface Found {
  position: number;
  message: string;
  hint?: string;
}

const enum Ctx {
  Top,
  ArrayFirst,
  ArrayNext,
  ObjectFirstKey,
  ObjectKey,
  ObjectNext,
}

function describeChar(text: string, i: number): string {
  if (i >= text.length) return 'the end of the text';
  const c = text.codePointAt(i)!;
  const ch = String.fromCodePoint(c);
  if (c < 0x20) return `control character U+${c.toString(16).toUpperCase().padStart(4, '0')}`;
  if (c === 0x201c || c === 0x201d) return `'${ch}' (U+${c.toString(16).toUpperCase()}, a curly quote)`;
  return `'${ch}'`;
}

/** Finds the first syntax error of a text JSON.parse refused. Iterative: nesting depth costs no stack. */
export function locateJsonError(text: string): Found | undefined {
  const n = text.length;
  let i = 0;
  const stack: Ctx[] = [];
  let ctx: Ctx = Ctx.Top;
  const ws = (): void => {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 32 || c === 9 || c === 10 || c === 13) i++;
      else break;
    }
  };
  const fail = (message: string, hint?: string): Found => (hint ? { position: i, message, hint } : { position: i, message });

  const scanString = (): Found | undefined => {
    // at the opening quote
    i++;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 34) {
        i++;
        return undefined;
      }
      if (c === 92) {
        const e = text[i + 1];
        if (e === undefined) break;
        if ('"\\/bfnrt'.includes(e)) {
          i += 2;
          continue;
        }
        if (e === 'u') {
          if (/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
            i += 6;
            continue;
          }
          return fail('bad \\u escape in a string: expected four hex digits');
        }
        i++;
        return fail(`bad escape \\${e} in a string`, 'a backslash in a JSON string starts an escape: write \\\\ for a backslash');
      }
      if (c < 0x20) return fail(`${describeChar(text, i)} inside a string`, 'write line breaks in strings as \\n and tabs as \\t');
      i++;
    }
    return fail('the text ends inside a string', 'close the string with a double quote');
  };

  const scanValue = (): Found | 'open' | undefined => {
    ws();
    if (i >= n) return fail('the text ends where a value was expected');
    const c = text[i]!;
    if (c === '"') return scanString();
    if (c === '{') {
      i++;
      stack.push(ctx);
      ctx = Ctx.ObjectFirstKey;
      return 'open';
    }
    if (c === '[') {
      i++;
      stack.push(ctx);
      ctx = Ctx.ArrayFirst;
      return 'open';
    }
    const m = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (m && m[0].length > 0 && m[0] !== '-') {
      i += m[0].length;
      return undefined;
    }
    for (const word of ['true', 'false', 'null']) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return undefined;
      }
    }
    if (c === "'") return fail("a single quote where a value was expected", 'JSON strings use double quotes');
    if (c === '\u201c' || c === '\u201d') return fail(`${describeChar(text, i)} where a value was expected`, 'replace curly quotes with straight double quotes (")');
    return fail(`unexpected ${describeChar(text, i)} where a value was expected`);
  };

  const first = scanValue();
  if (first !== undefined && first !== 'open') return first;
  for (;;) {
    ws();
    switch (ctx) {
      case Ctx.Top:
        if (i < n) return fail(`unexpected ${describeChar(text, i)} after the end of the JSON value`, 'a job definition is a single JSON object');
        return undefined;
      case Ctx.ArrayFirst:
      case Ctx.ArrayNext: {
        if (text[i] === ']') {
          i++;
          ctx = stack.pop()!;
          continue;
        }
        if (ctx === Ctx.ArrayNext) {
          if (text[i] !== ',') return fail(`expected ',' or ']' in an array, found ${describeChar(text, i)}`, 'a comma is probably missing');
          i++;
          ws();
          if (text[i] === ']') return fail("a trailing comma before ']'", 'remove the comma after the last element');
        }
        ctx = Ctx.ArrayNext;
        const r = scanValue();
        if (r !== undefined && r !== 'open') return r;
        continue;
      }
      case Ctx.ObjectFirstKey:
      case Ctx.ObjectKey:
      case Ctx.ObjectNext: {
        if (ctx === Ctx.ObjectNext) {
          if (text[i] === '}') {
            i++;
            ctx = stack.pop()!;
            continue;
          }
          if (text[i] !== ',') return fail(`expected ',' or '}' after a property value, found ${describeChar(text, i)}`, 'a comma is probably missing');
          i++;
          ws();
          if (text[i] === '}') return fail("a trailing comma before '}'", 'remove the comma after the last property');
        } else if (ctx === Ctx.ObjectFirstKey && text[i] === '}') {
          i++;
          ctx = stack.pop()!;
          continue;
        }
        if (text[i] !== '"') {
          const hint = text[i] === "'" ? 'property names use double quotes' : 'property names are double-quoted strings';
          return fail(`expected a double-quoted property name, found ${describeChar(text, i)}`, hint);
        }
        const s = scanString();
        if (s) return s;
        ws();
        if (text[i] !== ':') return fail(`expected ':' after a property name, found ${describeChar(text, i)}`);
        i++;
        ctx = Ctx.ObjectNext;
        const r = scanValue();
        if (r !== undefined && r !== 'open') return r;
        continue;
      }
    }
  }
}
