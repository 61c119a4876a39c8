/**
 * Errors thrown by jobgraph. Every one carries a stable `code` a caller can branch on, and the data
 * that goes with it; the message names the call, the value and the way out.
 */

/** Base class of every error jobgraph throws on purpose. */
export class JobGraphError extends Error {
  /** Stable, never renamed: branch on this, not on the message. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    const name = new.target.name;
    checkErrorArgument(name, 'code', code, 'string');
    checkErrorArgument(name, 'message', message, 'string');
    checkErrorArgument(name, 'options', options, 'object', true);
    super(message, options);
    this.name = name;
    this.code = code;
  }
}

/**
 * The check of an argument of a public error class's constructor. The classes are exported for
 * `instanceof`, and callers do build some (a processor throws a ProcessorError): a wrong argument
 * gets a typed error naming the class and the argument, not a TypeError from inside the message's
 * formatting (a Symbol, a null where an object was read).
 */
export function checkErrorArgument(cls: string, name: string, value: unknown, type: 'string' | 'object' | 'number' | 'boolean', optional = false): void {
  if (optional && value === undefined) return;
  if (type === 'object' ? typeof value === 'object' && value !== null : typeof value === type) return;
  throw new ArgumentTypeError(`${cls}: expected \`${name}\` to be ${type === 'object' ? 'an object' : `a ${type}`}${optional ? ' or undefined' : ''}, got ${describeValue(value)}`);
}

/**
 * A dependency cycle. `cycle` holds node (task) indices in cycle order: each consecutive pair is an
 * edge and the last leads back to the first.
 */
export class CycleError extends JobGraphError {
  readonly cycle: number[];

  constructor(cycle: number[], message?: string) {
    if (!Array.isArray(cycle) || !cycle.every((v) => Number.isInteger(v))) {
      throw new ArgumentTypeError(`CycleError: expected \`cycle\` to be an array of node indices (integers), got ${describeValue(cycle)}`);
    }
    checkErrorArgument('CycleError', 'message', message, 'string', true);
    super('CYCLE', message ?? `the graph has a cycle through ${cycle.length} node(s): ${formatCycle(cycle)}; remove one of its edges`);
    this.cycle = cycle;
  }
}

function formatCycle(cycle: readonly number[]): string {
  const shown = cycle.length > 12 ? [...cycle.slice(0, 10), '…', cycle[cycle.length - 1]] : cycle;
  return [...shown, cycle[0]].join(' → ');
}

/** A TypeError with a Node-style `code`, for misused arguments. */
export class ArgumentTypeError extends TypeError {
  readonly code: string;
  constructor(message: string, code = 'ERR_INVALID_ARG_TYPE') {
    super(message);
    this.name = 'TypeError';
    this.code = code;
  }
}

/** A RangeError with a Node-style `code`, for arguments out of range. */
export class ArgumentRangeError extends RangeError {
  readonly code: string;
  constructor(message: string, code = 'ERR_OUT_OF_RANGE') {
    super(message);
    this.name = 'RangeError';
    this.code = code;
  }
}

/**
 * `{ max: 0, perMs: 5 }`: the first few own properties of an object, one level deep, read through
 * their descriptors (a getter is not called: it may throw, or do anything).
 */
function shallowObject(o: object): string {
  const keys = Object.keys(o);
  const shown = keys.slice(0, 4).map((k) => {
    const d = Object.getOwnPropertyDescriptor(o, k);
    const v: unknown = d === undefined ? undefined : 'value' in d ? d.value : GETTER;
    const text = v === GETTER ? '(getter)' : typeof v === 'string' ? JSON.stringify(v.length > 20 ? v.slice(0, 17) + '...' : v) : v === null || typeof v !== 'object' ? (typeof v === 'function' ? 'function' : typeof v === 'bigint' ? `${v}n` : String(v)) : Array.isArray(v) ? '[…]' : '{…}';
    return `${/^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k)}: ${text}`;
  });
  if (keys.length > 4) shown.push('…');
  return shown.length === 0 ? '{}' : `{ ${shown.join(', ')} }`;
}
const GETTER = Symbol('getter');

/**
 * Describes a value for an error message, the p-queue way: `` `0` (number) ``. Never throws, and
 * stays short, whatever the value: a revoked Proxy, an object whose toString throws, a Symbol, a
 * BigInt, a long string or array.
 */
export function describeValue(value: unknown): string {
  let type: string;
  try {
    type = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
  } catch {
    // Array.isArray throws only for a revoked Proxy.
    return `a revoked Proxy (${typeof value})`;
  }
  let shown: string;
  try {
    if (typeof value === 'string') shown = JSON.stringify(value.length > 60 ? value.slice(0, 57) + '...' : value);
    else if (typeof value === 'bigint') shown = `${value}n`;
    else if (typeof value === 'symbol') shown = value.toString();
    else if (typeof value === 'function') shown = `function ${(value as { name?: unknown }).name || '(anonymous)'}`;
    // String() of an array joins every element: a million of them would be a message of megabytes.
    else if (type === 'array') shown = `[array of length ${(value as unknown[]).length}]`;
    else {
      shown = String(value);
      // A plain object says nothing as "[object Object]": show what it holds, shallowly.
      if (shown === '[object Object]' && type === 'object') shown = shallowObject(value as object);
    }
  } catch {
    try {
      shown = Object.prototype.toString.call(value);
    } catch {
      shown = '[object]';
    }
  }
  if (shown.length > 80) shown = shown.slice(0, 77) + '...';
  return `\`${shown}\` (${type})`;
}

/** What a throw says, for a message; never throws itself (the thrown value may be a Proxy too). */
export function thrownText(err: unknown): string {
  try {
    if (err instanceof Error) {
      const name = typeof err.name === 'string' ? err.name : 'Error';
      const message = typeof err.message === 'string' ? err.message : '';
      const text = message === '' ? name : `${name}: ${message}`;
      return text.length > 120 ? `${text.slice(0, 117)}...` : text;
    }
  } catch {
    // a Proxy posing as an Error: describe it as a value
  }
  return `${describeValue(err)} was thrown`;
}

/**
 * Refuses a value that is not an object (null included): the one check every entry point makes of
 * its options and of the records it is given, with one wording. `subject` is what the message calls
 * the value (`` `options` ``, `` `files[2]` ``, `bar #3`); `shape`, when given, says what it should
 * hold (`{ bars, pools }`).
 * @throws ArgumentTypeError (`ERR_INVALID_ARG_TYPE`)
 */
export function checkObject(call: string, subject: string, value: unknown, shape?: string): asserts value is object {
  if (typeof value !== 'object' || value === null) {
    throw new ArgumentTypeError(`${call}: expected ${subject} to be an object${shape === undefined ? '' : ` ${shape}`}, got ${describeValue(value)}`);
  }
}

/**
 * Reads the limit `key` of an options object: `fallback` when absent, else an integer >= 0 or
 * Infinity.
 * @throws ArgumentTypeError (`ERR_INVALID_ARG_TYPE`) when `options` is not an object.
 * @throws ArgumentRangeError (`ERR_OUT_OF_RANGE`) when the limit is not an integer >= 0 or Infinity.
 */
export function checkMaxOption(options: unknown, key: string, call: string, fallback: number): number {
  checkObject(call, '`options`', options);
  const v: unknown = (options as Record<string, unknown>)[key];
  if (v === undefined) return fallback;
  if (typeof v === 'number' && (v === Infinity || (Number.isInteger(v) && v >= 0))) return v;
  throw new ArgumentRangeError(`${call}: Expected \`${key}\` to be an integer >= 0 or Infinity, got ${describeValue(v)}`);
}

/**
 * A job definition that an API needing a valid job was given; `diagnostics` holds every problem, as
 * `validateJob()` reports them.
 */
export class ValidationError extends JobGraphError {
  readonly diagnostics: ReadonlyArray<import('./diagnostics/diagnostic.js').Diagnostic>;

  constructor(call: string, diagnostics: ReadonlyArray<import('./diagnostics/diagnostic.js').Diagnostic>) {
    checkErrorArgument('ValidationError', 'call', call, 'string');
    if (!Array.isArray(diagnostics) || !diagnostics.every((d) => typeof d === 'object' && d !== null)) {
      throw new ArgumentTypeError(`ValidationError: expected \`diagnostics\` to be an array of diagnostics (objects), got ${describeValue(diagnostics)}`);
    }
    const errors = diagnostics.filter((d) => d.severity === 'error');
    const first = errors[0];
    // Our diagnostics hold strings and numbers; a hand-made one may hold anything (a Symbol would
    // throw in a template).
    const text = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' ? String(v) : describeValue(v));
    const where = first && first.task !== undefined ? ` (task #${text(first.task)}${first.line !== undefined ? ` ${text(first.line)}:${text(first.column)}` : ''})` : '';
    super(
      'VALIDATION_FAILED',
      `${call}: the job definition has ${errors.length} error${errors.length === 1 ? '' : 's'}` +
        (first ? `; the first is ${text(first.code)}${where}: ${text(first.message)}` : '') +
        '; see `diagnostics`, or run `jobgraph validate` on it',
    );
    this.diagnostics = diagnostics;
  }
}
