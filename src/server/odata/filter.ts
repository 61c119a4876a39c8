/**
 * OData v3 `$filter` text → expression tree. A tokenizer and a precedence-climbing parser; no
 * `eval`, no regex-driven rewriting. Syntax only: property names and types are checked when the
 * tree is compiled against a schema (`evaluate.ts`).
 *
 * Precedence, tightest first (OData v2/v3 URI conventions, "Operator Precedence"):
 * grouping `( )` and calls · unary `not`, `-` · `mul div mod` · `add sub` · `gt ge lt le` ·
 * `eq ne` · `and` · `or`. Binary operators are left-associative. As the spec orders them, `not`
 * binds tighter than a comparison: `not a eq b` is `(not a) eq b`; write `not (a eq b)`.
 *
 * Recursion is bounded: nesting (parentheses, calls, `not`, `-`) is counted against `maxDepth`,
 * binary chains are parsed in a loop and the resulting tree depth is capped at
 * {@link MAX_TREE_DEPTH}, so no input, however long, overflows the stack here or in the compiler.
 */
import { ODataQueryError, quoteSnippet } from './errors.js';
import { isoFromEpochMs, parseIsoDateTime } from './datetime.js';

// ---------------------------------------------------------------------------------------------
// The tree

/** Literal types as written: `5` int32, `5L` int64, `5.5M` decimal, `5d` double, `5f` single. */
export type NumericLiteralType = 'int32' | 'int64' | 'decimal' | 'double' | 'single';

/** A literal. Numbers are JavaScript numbers (an int64 beyond ±2^53 is rejected by the parser). */
export type LiteralExpr =
  | { readonly kind: 'literal'; readonly type: 'null'; readonly value: null; readonly pos?: number }
  | { readonly kind: 'literal'; readonly type: 'boolean'; readonly value: boolean; readonly pos?: number }
  | { readonly kind: 'literal'; readonly type: 'string'; readonly value: string; readonly pos?: number }
  | { readonly kind: 'literal'; readonly type: NumericLiteralType; readonly value: number; readonly pos?: number }
  /** `datetime'…'` / `datetimeoffset'…'`: value in epoch milliseconds (UTC). */
  | { readonly kind: 'literal'; readonly type: 'datetime' | 'datetimeoffset'; readonly value: number; readonly pos?: number }
  /** `guid'…'`: value lower-cased. */
  | { readonly kind: 'literal'; readonly type: 'guid'; readonly value: string; readonly pos?: number };

/** A property path: `Name`, or `a/b` (segments joined by `/`). */
export interface PropertyExpr {
  readonly kind: 'property';
  readonly path: string;
  readonly pos?: number;
}

/** `not x` or `-x`. */
export interface UnaryExpr {
  readonly kind: 'unary';
  readonly op: UnaryOperator;
  readonly operand: FilterExpr;
  readonly pos?: number;
}

/** `left op right`; `pos` is the operator's position. */
export interface BinaryExpr {
  readonly kind: 'binary';
  readonly op: BinaryOperator;
  readonly left: FilterExpr;
  readonly right: FilterExpr;
  readonly pos?: number;
}

/** `name(args…)`, a built-in function. */
export interface CallExpr {
  readonly kind: 'call';
  readonly name: FunctionName;
  readonly args: readonly FilterExpr[];
  readonly pos?: number;
}

/**
 * A parsed `$filter` expression. `pos` on each node is the 1-based position of its first
 * character (of the operator, for binary nodes) in the filter text; trees built by hand may omit it.
 */
export type FilterExpr = LiteralExpr | PropertyExpr | UnaryExpr | BinaryExpr | CallExpr;

/** `not` (logical) and `negate` (written `-`). */
export type UnaryOperator = 'not' | 'negate';
/** Comparison operators; they give true or false, never null. */
export type ComparisonOperator = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';
/** Arithmetic operators on numbers. */
export type ArithmeticOperator = 'add' | 'sub' | 'mul' | 'div' | 'mod';
/** Three-valued logical operators. */
export type LogicalOperator = 'and' | 'or';
/** Every binary operator. */
export type BinaryOperator = ComparisonOperator | ArithmeticOperator | LogicalOperator;

/** Binding strength of each binary operator; larger binds tighter. */
export const BINARY_PRECEDENCE: Readonly<Record<BinaryOperator, number>> = {
  or: 1,
  and: 2,
  eq: 3,
  ne: 3,
  gt: 4,
  ge: 4,
  lt: 4,
  le: 4,
  add: 5,
  sub: 5,
  mul: 6,
  div: 6,
  mod: 6,
};

/** Built-in functions and their arity `[min, max]`. */
export const FUNCTION_ARITY = {
  substringof: [2, 2],
  startswith: [2, 2],
  endswith: [2, 2],
  length: [1, 1],
  indexof: [2, 2],
  substring: [2, 3],
  tolower: [1, 1],
  toupper: [1, 1],
  trim: [1, 1],
  concat: [2, 2],
  replace: [3, 3],
  year: [1, 1],
  month: [1, 1],
  day: [1, 1],
  hour: [1, 1],
  minute: [1, 1],
  second: [1, 1],
  round: [1, 1],
  floor: [1, 1],
  ceiling: [1, 1],
} as const satisfies Record<string, readonly [number, number]>;

/** A built-in function's name. */
export type FunctionName = keyof typeof FUNCTION_ARITY;

/** OData v3 functions we recognise but do not serve. */
const UNSUPPORTED_FUNCTIONS = new Set(['isof', 'cast', 'any', 'all']);

/** Trees deeper than this are refused (a 4,096-character chain of `or` is about 820 deep). */
export const MAX_TREE_DEPTH = 1000;

/** Limits of {@link parseFilter}. */
export interface ParseFilterOptions {
  /** Longest accepted text, in UTF-16 code units. @defaultValue 4096 */
  maxLength?: number;
  /** Deepest nesting of parentheses, calls, `not` and `-`. @defaultValue 100 */
  maxDepth?: number;
  /** Option name used in messages. @defaultValue '$filter' */
  option?: string;
}

// ---------------------------------------------------------------------------------------------
// Tokens

type TokenKind = 'word' | 'string' | 'number' | 'typed' | '(' | ')' | ',' | '/' | '-' | 'eof';

interface Token {
  readonly kind: TokenKind;
  /** Source text of the token. */
  readonly text: string;
  /** 0-based offsets in the filter text. */
  readonly start: number;
  readonly end: number;
  readonly literal?: LiteralExpr;
}

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isIdentStart = (c: number): boolean => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f;
const isIdentPart = (c: number): boolean => isIdentStart(c) || isDigit(c);
const isSpace = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;

const OPERATOR_WORDS: ReadonlySet<string> = new Set(Object.keys(BINARY_PRECEDENCE));
const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

class Scanner {
  readonly #text: string;
  readonly #option: string;

  constructor(text: string, option: string) {
    this.#text = text;
    this.#option = option;
  }

  fail(message: string, start: number, token: string): never {
    throw new ODataQueryError(`${this.#option}: ${message}`, { option: this.#option, position: start + 1, token });
  }

  tokenize(): Token[] {
    const text = this.#text;
    const tokens: Token[] = [];
    let i = 0;
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (isSpace(c)) {
        i++;
        continue;
      }
      const start = i;
      if (c === 0x27 /* ' */) {
        const { value, end } = this.#quoted(i);
        tokens.push({ kind: 'string', text: text.slice(start, end), start, end, literal: { kind: 'literal', type: 'string', value, pos: start + 1 } });
        i = end;
      } else if (isDigit(c)) {
        const token = this.#number(i);
        tokens.push(token);
        i = token.end;
      } else if (isIdentStart(c)) {
        let j = i + 1;
        while (j < text.length && isIdentPart(text.charCodeAt(j))) j++;
        const word = text.slice(i, j);
        // `eq'x'` lacks the space OData wants, but it is a comparison, not a typed literal.
        if (text.charCodeAt(j) === 0x27 && !OPERATOR_WORDS.has(word) && word !== 'not') {
          const token = this.#typed(word, i, j);
          tokens.push(token);
          i = token.end;
        } else {
          tokens.push({ kind: 'word', text: word, start, end: j });
          i = j;
        }
      } else if (c === 0x28 || c === 0x29 || c === 0x2c || c === 0x2f || c === 0x2d) {
        const ch = text[i]!;
        tokens.push({ kind: ch as TokenKind, text: ch, start, end: i + 1 });
        i++;
      } else {
        const cp = text.codePointAt(i)!;
        const ch = String.fromCodePoint(cp);
        const hint =
          ch === '=' || ch === '<' || ch === '>' || ch === '!' || ch === '&' || ch === '|'
            ? '; OData operators are words: eq, ne, gt, ge, lt, le, and, or, not'
            : ch === '"'
              ? "; strings are in single quotes: 'text'"
              : '';
        this.fail(`unexpected character ${quoteSnippet(ch)} at position ${start + 1}${hint}`, start, ch);
      }
    }
    tokens.push({ kind: 'eof', text: '', start: text.length, end: text.length });
    return tokens;
  }

  /** A single-quoted string from `start`, `''` standing for one quote. */
  #quoted(start: number): { value: string; end: number } {
    const text = this.#text;
    let value = '';
    let from = start + 1;
    let i = from;
    for (;;) {
      const q = text.indexOf("'", i);
      if (q < 0) this.fail(`unterminated string starting at position ${start + 1}: close it with '`, start, text.slice(start, start + 20));
      if (text.charCodeAt(q + 1) === 0x27) {
        value += text.slice(from, q + 1);
        i = from = q + 2;
        continue;
      }
      value += text.slice(from, q);
      return { value, end: q + 1 };
    }
  }

  #number(start: number): Token {
    const text = this.#text;
    let i = start;
    while (isDigit(text.charCodeAt(i))) i++;
    let fractional = false;
    if (text.charCodeAt(i) === 0x2e /* . */ && isDigit(text.charCodeAt(i + 1))) {
      fractional = true;
      i += 2;
      while (isDigit(text.charCodeAt(i))) i++;
    }
    const e = text.charCodeAt(i);
    if (e === 0x45 || e === 0x65) {
      const s = text.charCodeAt(i + 1);
      const afterSign = s === 0x2b || s === 0x2d ? i + 2 : i + 1;
      if (isDigit(text.charCodeAt(afterSign))) {
        fractional = true;
        i = afterSign + 1;
        while (isDigit(text.charCodeAt(i))) i++;
      }
    }
    const digits = text.slice(start, i);
    const suffix = text[i];
    let type: NumericLiteralType;
    if (suffix === 'L' || suffix === 'l') type = 'int64';
    else if (suffix === 'M' || suffix === 'm') type = 'decimal';
    else if (suffix === 'D' || suffix === 'd') type = 'double';
    else if (suffix === 'F' || suffix === 'f') type = 'single';
    else type = fractional ? 'double' : 'int32';
    const end = suffix !== undefined && 'LlMmDdFf'.includes(suffix) ? i + 1 : i;
    if (end < text.length && (isIdentPart(text.charCodeAt(end)) || text.charCodeAt(end) === 0x2e)) {
      let j = end;
      while (j < text.length && (isIdentPart(text.charCodeAt(j)) || text.charCodeAt(j) === 0x2e)) j++;
      this.fail(
        `malformed number ${quoteSnippet(text.slice(start, j))} at position ${start + 1}: write 12, 12L, 12.5M, 12.5d or 1.5E10f`,
        start,
        text.slice(start, j),
      );
    }
    if (type === 'int64' && fractional) {
      this.fail(`an Int64 literal has no fraction or exponent: ${quoteSnippet(text.slice(start, end))} at position ${start + 1}`, start, text.slice(start, end));
    }
    const value = Number(digits);
    if (!Number.isFinite(value)) this.fail(`number ${quoteSnippet(text.slice(start, end))} at position ${start + 1} is out of range`, start, text.slice(start, end));
    if (type === 'int32' && value > INT32_MAX) type = 'int64'; // as WCF Data Services: too big for Int32 → Int64
    if ((type === 'int32' || type === 'int64') && value > Number.MAX_SAFE_INTEGER) {
      this.fail(`integer ${quoteSnippet(text.slice(start, end))} at position ${start + 1} is beyond ±2^53, which this service cannot compare exactly`, start, text.slice(start, end));
    }
    return { kind: 'number', text: text.slice(start, end), start, end, literal: { kind: 'literal', type, value, pos: start + 1 } };
  }

  /** `datetime'…'`, `datetimeoffset'…'`, `guid'…'`: `word` ends at `quote`. */
  #typed(word: string, start: number, quote: number): Token {
    const prefix = word.toLowerCase();
    const { value: body, end } = this.#quoted(quote);
    const text = this.#text.slice(start, end);
    const pos = start + 1;
    if (prefix === 'datetime' || prefix === 'datetimeoffset') {
      const ms = parseIsoDateTime(body);
      if (ms === undefined) {
        this.fail(`invalid ${prefix} literal ${quoteSnippet(text)} at position ${pos}: write ${prefix}'2020-04-15T18:45:24.54Z' (no zone means UTC)`, start, text);
      }
      return { kind: 'typed', text, start, end, literal: { kind: 'literal', type: prefix, value: ms, pos } };
    }
    if (prefix === 'guid') {
      if (!GUID.test(body)) this.fail(`invalid guid literal ${quoteSnippet(text)} at position ${pos}: write guid'01234567-89ab-cdef-0123-456789abcdef'`, start, text);
      return { kind: 'typed', text, start, end, literal: { kind: 'literal', type: 'guid', value: body.toLowerCase(), pos } };
    }
    if (prefix === 'time' || prefix === 'binary' || prefix === 'x') {
      this.fail(`${prefix}'…' literals are not supported (position ${pos}); supported typed literals are datetime'…', datetimeoffset'…' and guid'…'`, start, text);
    }
    this.fail(`unexpected quote after ${quoteSnippet(word)} at position ${quote + 1}: typed literals are datetime'…', datetimeoffset'…' and guid'…'; a value and a name need an operator between them`, quote, "'");
  }
}

// ---------------------------------------------------------------------------------------------
// Parser

class Parser {
  readonly #scanner: Scanner;
  readonly #tokens: Token[];
  readonly #maxDepth: number;
  #i = 0;
  #depth = 0;
  /** Tree depth of each node built, to cap it without a second walk. */
  readonly #height = new WeakMap<FilterExpr, number>();

  constructor(scanner: Scanner, tokens: Token[], maxDepth: number) {
    this.#scanner = scanner;
    this.#tokens = tokens;
    this.#maxDepth = maxDepth;
  }

  parse(): FilterExpr {
    const expr = this.#binary(0);
    const t = this.#peek();
    if (t.kind !== 'eof') {
      const prev = this.#tokens[this.#i - 1]!;
      if (t.kind === ')') this.#fail(`unbalanced ')' at position ${t.start + 1}: no '(' is open`, t);
      if (t.kind === 'word' && OPERATOR_WORDS.has(t.text.toLowerCase()) && !OPERATOR_WORDS.has(t.text)) {
        this.#fail(`unknown operator ${quoteSnippet(t.text)} at position ${t.start + 1}: operators are lower-case (${t.text.toLowerCase()})`, t);
      }
      this.#fail(
        `expected an operator (eq, ne, gt, ge, lt, le, add, sub, mul, div, mod, and, or) or the end after ${quoteSnippet(prev.text)} at position ${t.start + 1}, found ${describe(t)}`,
        t,
      );
    }
    return expr;
  }

  #peek(offset = 0): Token {
    return this.#tokens[Math.min(this.#i + offset, this.#tokens.length - 1)]!;
  }

  #next(): Token {
    const t = this.#tokens[this.#i]!;
    if (t.kind !== 'eof') this.#i++;
    return t;
  }

  #fail(message: string, at: Token): never {
    this.#scanner.fail(message, at.start, at.text);
  }

  #enter(at: Token): void {
    if (++this.#depth > this.#maxDepth) {
      this.#fail(
        `nesting deeper than ${this.#maxDepth} levels at position ${at.start + 1} (parentheses, function calls, not and - each add one); simplify the expression`,
        at,
      );
    }
  }

  #node<T extends FilterExpr>(node: T, at: Token, ...children: FilterExpr[]): T {
    let h = 0;
    for (const c of children) h = Math.max(h, this.#height.get(c) ?? 1);
    if (h + 1 > MAX_TREE_DEPTH) {
      this.#fail(`the expression is nested more than ${MAX_TREE_DEPTH} levels deep at position ${at.start + 1}; split it or use fewer operators`, at);
    }
    this.#height.set(node, h + 1);
    return node;
  }

  /** Precedence climbing: operands of binding strength ≥ `minPrec`, left-associative. */
  #binary(minPrec: number): FilterExpr {
    let left = this.#unary();
    for (;;) {
      const t = this.#peek();
      if (t.kind !== 'word') return left;
      if (!Object.hasOwn(BINARY_PRECEDENCE, t.text)) return left;
      const prec = BINARY_PRECEDENCE[t.text as BinaryOperator];
      if (prec < minPrec) return left;
      this.#next();
      const right = this.#binary(prec + 1);
      left = this.#node({ kind: 'binary', op: t.text as BinaryOperator, left, right, pos: t.start + 1 }, t, left, right);
    }
  }

  #unary(): FilterExpr {
    const t = this.#peek();
    if (t.kind === 'word' && t.text === 'not') {
      this.#next();
      this.#expectOperand(t);
      this.#enter(t);
      const operand = this.#unary();
      this.#depth--;
      return this.#node({ kind: 'unary', op: 'not', operand, pos: t.start + 1 }, t, operand);
    }
    if (t.kind === '-') {
      this.#next();
      const n = this.#peek();
      if (n.kind === 'number' && n.start === t.end) {
        // `-5` is a negative literal, not negate(5): Int32's minimum has no positive twin.
        this.#next();
        const lit = n.literal as LiteralExpr & { value: number; type: NumericLiteralType };
        // 2147483648 alone overflows to Int64; negated without an L suffix it is Int32's minimum.
        const type = lit.type === 'int64' && lit.value === -INT32_MIN && isDigit(n.text.charCodeAt(n.text.length - 1)) ? 'int32' : lit.type;
        return this.#node({ kind: 'literal', type, value: -lit.value, pos: t.start + 1 }, t);
      }
      this.#expectOperand(t);
      this.#enter(t);
      const operand = this.#unary();
      this.#depth--;
      return this.#node({ kind: 'unary', op: 'negate', operand, pos: t.start + 1 }, t, operand);
    }
    return this.#primary();
  }

  /** Fails with "expected a value after …" unless the next token can start an operand. */
  #expectOperand(after: Token): void {
    const t = this.#peek();
    const ok =
      t.kind === 'string' || t.kind === 'number' || t.kind === 'typed' || t.kind === '(' || t.kind === '-' ||
      (t.kind === 'word' && !OPERATOR_WORDS.has(t.text));
    if (!ok) this.#fail(`expected a value after ${quoteSnippet(after.text)} at position ${t.start + 1}, found ${describe(t)}`, t);
  }

  #primary(): FilterExpr {
    const prev = this.#i > 0 ? this.#tokens[this.#i - 1] : undefined;
    const t = this.#peek();
    switch (t.kind) {
      case 'string':
      case 'number':
      case 'typed':
        this.#next();
        return this.#node(t.literal!, t);
      case '(': {
        this.#next();
        this.#expectOperand(t);
        this.#enter(t);
        const inner = this.#binary(0);
        this.#depth--;
        const close = this.#peek();
        if (close.kind !== ')') {
          this.#fail(`expected ')' to close the '(' at position ${t.start + 1}, found ${describe(close)} at position ${close.start + 1}`, close);
        }
        this.#next();
        return inner;
      }
      case 'word':
        if (!OPERATOR_WORDS.has(t.text)) return this.#word(t);
        break;
      default:
        break;
    }
    const where = prev === undefined ? 'at the start' : `after ${quoteSnippet(prev.text)}`;
    this.#fail(`expected a value ${where} at position ${t.start + 1}, found ${describe(t)}`, t);
  }

  #word(t: Token): FilterExpr {
    this.#next();
    const pos = t.start + 1;
    if (t.text === 'true' || t.text === 'false') return this.#node({ kind: 'literal', type: 'boolean', value: t.text === 'true', pos }, t);
    if (t.text === 'null') return this.#node({ kind: 'literal', type: 'null', value: null, pos }, t);
    if (this.#peek().kind === '(') return this.#call(t);
    let path = t.text;
    while (this.#peek().kind === '/') {
      const slash = this.#next();
      const seg = this.#peek();
      if (seg.kind !== 'word' || seg.start !== slash.end) {
        this.#fail(`expected a property name after '/' at position ${seg.start + 1}, found ${describe(seg)}`, seg);
      }
      this.#next();
      path += '/' + seg.text;
    }
    return this.#node({ kind: 'property', path, pos }, t);
  }

  #call(nameToken: Token): FilterExpr {
    const name = nameToken.text;
    const open = this.#next();
    if (!Object.hasOwn(FUNCTION_ARITY, name)) {
      const lower = name.toLowerCase();
      if (UNSUPPORTED_FUNCTIONS.has(lower)) this.#fail(`function ${quoteSnippet(name)} at position ${nameToken.start + 1} is not supported`, nameToken);
      const hint = Object.hasOwn(FUNCTION_ARITY, lower) ? ` (function names are lower-case: ${lower})` : '';
      this.#fail(`unknown function ${quoteSnippet(name)} at position ${nameToken.start + 1}${hint}; functions are ${Object.keys(FUNCTION_ARITY).join(', ')}`, nameToken);
    }
    const fn = name as FunctionName;
    this.#enter(open);
    const args: FilterExpr[] = [];
    if (this.#peek().kind !== ')') {
      for (;;) {
        const before = this.#tokens[this.#i - 1]!;
        if (this.#peek().kind === ')' || this.#peek().kind === ',') {
          this.#fail(`expected a value after ${quoteSnippet(before.text)} at position ${this.#peek().start + 1}, found ${describe(this.#peek())}`, this.#peek());
        }
        args.push(this.#binary(0));
        const sep = this.#peek();
        if (sep.kind === ',') {
          this.#next();
          continue;
        }
        if (sep.kind === ')') break;
        this.#fail(`expected ',' or ')' in the arguments of ${name}() at position ${sep.start + 1}, found ${describe(sep)}`, sep);
      }
    }
    this.#next(); // ')'
    this.#depth--;
    const [min, max] = FUNCTION_ARITY[fn];
    if (args.length < min || args.length > max) {
      const want = min === max ? `${min}` : `${min} or ${max}`;
      this.#fail(`${fn}() takes ${want} argument${max === 1 ? '' : 's'}, got ${args.length}, at position ${nameToken.start + 1}`, nameToken);
    }
    return this.#node({ kind: 'call', name: fn, args, pos: nameToken.start + 1 }, nameToken, ...args);
  }
}

function describe(t: Token): string {
  return t.kind === 'eof' ? 'the end of the text' : quoteSnippet(t.text, 30);
}

/**
 * Parses OData v3 `$filter` text (already percent-decoded) into a tree.
 *
 * @param text - the `$filter` value, e.g. `State eq 3 and startswith(Name,'Enc')`
 * @param options - limits; see {@link ParseFilterOptions}
 * @returns the expression tree; nodes carry 1-based `pos`
 * @throws ODataQueryError (`ODATA_QUERY_INVALID`) on bad syntax, naming the 1-based position and
 *   the token found there; also when the text is longer than `maxLength` or nests deeper than `maxDepth`
 * @example
 * ```ts
 * parseFilter("Name eq 'x'"); // { kind: 'binary', op: 'eq', left: { kind: 'property', path: 'Name' }, … }
 * ```
 */
export function parseFilter(text: string, options: ParseFilterOptions = {}): FilterExpr {
  const option = options.option ?? '$filter';
  const maxLength = options.maxLength ?? 4096;
  const maxDepth = options.maxDepth ?? 100;
  if (typeof text !== 'string') throw new ODataQueryError(`${option}: expected text, got ${typeof text}`, { option });
  if (text.length > maxLength) {
    throw new ODataQueryError(`${option}: the expression is ${text.length} characters long; the limit is ${maxLength}`, { option, position: maxLength + 1, token: '' });
  }
  const scanner = new Scanner(text, option);
  const tokens = scanner.tokenize();
  if (tokens.length === 1) throw new ODataQueryError(`${option}: the expression is empty; leave the option out to match everything`, { option, position: 1, token: '' });
  return new Parser(scanner, tokens, maxDepth).parse();
}

// ---------------------------------------------------------------------------------------------
// Printer

const UNARY_PRECEDENCE = 7;

function precedenceOf(e: FilterExpr): number {
  if (e.kind === 'binary') return BINARY_PRECEDENCE[e.op];
  if (e.kind === 'unary') return UNARY_PRECEDENCE;
  if (e.kind === 'literal' && typeof e.value === 'number' && (e.value < 0 || Object.is(e.value, -0))) return UNARY_PRECEDENCE;
  return 8;
}

/**
 * Writes a tree back as `$filter` text, with only the parentheses precedence needs, such that
 * `parseFilter(printFilter(e))` gives `e` back (positions aside).
 *
 * @param expr - a tree, parsed or built by hand
 * @returns `$filter` text
 * @throws RangeError for a numeric literal that is not finite or a date outside the Date range
 */
export function printFilter(expr: FilterExpr): string {
  switch (expr.kind) {
    case 'literal':
      return printLiteral(expr);
    case 'property':
      return expr.path;
    case 'call':
      return `${expr.name}(${expr.args.map(printFilter).join(',')})`;
    case 'unary': {
      const inner = printFilter(expr.operand);
      const bare = expr.operand.kind === 'property' || expr.operand.kind === 'call' || (expr.op === 'not' && expr.operand.kind === 'unary' && expr.operand.op === 'not');
      const operand = bare ? inner : `(${inner})`;
      return expr.op === 'not' ? `not ${operand}` : `-${operand}`;
    }
    case 'binary': {
      const p = BINARY_PRECEDENCE[expr.op];
      const l = printFilter(expr.left);
      const r = printFilter(expr.right);
      const left = precedenceOf(expr.left) < p ? `(${l})` : l;
      const right = precedenceOf(expr.right) <= p ? `(${r})` : r;
      return `${left} ${expr.op} ${right}`;
    }
  }
}

function printLiteral(e: LiteralExpr): string {
  switch (e.type) {
    case 'null':
      return 'null';
    case 'boolean':
      return e.value ? 'true' : 'false';
    case 'string':
      return `'${e.value.replaceAll("'", "''")}'`;
    case 'guid':
      return `guid'${e.value}'`;
    case 'datetime':
    case 'datetimeoffset': {
      const iso = isoFromEpochMs(e.value);
      if (iso === undefined) throw new RangeError(`printFilter: ${e.value} is not a valid date (epoch ms)`);
      return `${e.type}'${iso}'`;
    }
    default: {
      const v = e.value;
      if (!Number.isFinite(v)) throw new RangeError(`printFilter: ${v} has no OData literal form`);
      const s = Object.is(v, -0) ? '-0' : String(v);
      switch (e.type) {
        case 'int32':
          return s;
        case 'int64':
          return `${s}L`;
        case 'decimal':
          return `${s}M`;
        case 'double':
          return `${s}d`;
        case 'single':
          return `${s}f`;
      }
    }
  }
}
