/**
 * Reading a job definition that a caller handed over as an object, safely.
 *
 * JSON.parse makes plain data; a caller can pass anything: getters (that throw, or do something
 * each time they are read), Proxies (whose traps throw, or that are revoked: then even
 * `Array.isArray` throws), BigInts and Symbols (which JSON.stringify refuses), cycles, sparse arrays
 * of length 2**32 - 1. The loader reads such a definition through a snapshot taken at the
 * boundary: each object it descends into is copied once, its own enumerable properties (what
 * JSON.stringify would see) each read once inside try/catch. A property that cannot be read
 * becomes an {@link Unreadable} in the copy, which the loader reports where it would have used
 * the value. Values the loader does not descend into are only ever looked at with `typeof` and
 * {@link kindOf}, which never throw.
 *
 * Text from JSON.parse skips the copy: it is plain already (validateJob knows when it parsed it).
 */
import { describeValue, thrownText } from '../errors.js';

const UNREADABLE = new WeakSet<object>();

/** A property whose getter or Proxy trap threw. */
export class Unreadable {
  constructor(readonly why: string) {
    UNREADABLE.add(this);
  }
}

/**
 * Whether `v` is an {@link Unreadable}. Not `instanceof`: on a Proxy that asks its
 * `getPrototypeOf` trap, which may throw (and does, on a revoked one); a WeakSet asks nothing.
 */
export function isUnreadable(v: unknown): v is Unreadable {
  return typeof v === 'object' && v !== null && UNREADABLE.has(v);
}

/**
 * Arrays longer than this are not read from objects: a sparse array of length 2**32 - 1 costs its
 * maker nothing, and each entry of Tasks becomes a task (4,194,304 entries: the 20 MB of `null,`
 * that validate in ~4 s and ~1 GB).
 */
export const MAX_ARRAY_LENGTH = 1 << 22;

export type Kind = 'null' | 'undefined' | 'array' | 'object' | 'string' | 'number' | 'boolean' | 'bigint' | 'symbol' | 'function' | 'revoked';

/** What `v` is; never throws (`revoked` for a revoked Proxy, the one thing on which Array.isArray throws). */
export function kindOf(v: unknown): Kind {
  if (v === null) return 'null';
  const t = typeof v;
  if (t !== 'object') return t as Kind;
  try {
    return Array.isArray(v) ? 'array' : 'object';
  } catch {
    return 'revoked';
  }
}

/** `v` is an object that is not an array (nor a revoked Proxy). */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && kindOf(v) === 'object';
}

const KIND_NAMES: Record<Kind, string> = {
  null: 'null',
  undefined: 'undefined',
  array: 'an array',
  object: 'an object',
  string: 'a string',
  number: 'a number',
  boolean: 'a boolean',
  bigint: 'a BigInt',
  symbol: 'a Symbol',
  function: 'a function',
  revoked: 'a revoked Proxy',
};

/** "a string", "an array", "a BigInt", "a revoked Proxy"… for a message. */
export function typeName(v: unknown): string {
  return KIND_NAMES[kindOf(v)];
}

function clip(s: string, max = 80): string {
  return s.length > max ? `${s.slice(0, max - 3)}...` : s;
}

/**
 * A short rendering of a value for a message: JSON for strings, numbers and booleans (clipped),
 * `5n` for a BigInt, and the kind of anything else. Never throws, never reads a property.
 */
export function show(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return JSON.stringify(clip(v));
    case 'number':
    case 'boolean':
      return String(v);
    case 'bigint':
      return clip(`${v}n`);
    case 'undefined':
      return 'undefined';
    default:
      return v === null ? 'null' : typeName(v);
  }
}

/**
 * A copy of `value`'s own enumerable string-keyed properties, in their order, each read once
 * inside try/catch. Only the properties in `read` have their values read (the loader looks at no
 * other value: the rest stay `undefined`, named for UNKNOWN_PROPERTY). Returns an Unreadable when
 * the keys cannot be listed (an `ownKeys` trap threw, a revoked Proxy).
 */
/**
 * The copies of a caller's objects. `Object.create(null)` would do, but V8 makes such an object a
 * hash table from the start; instances of a class whose prototype has a null prototype are ordinary
 * fast objects, and the copies of a job's tasks, made with the same keys in the same order, share
 * one hidden class (at a million tasks the dictionary copies were a tenth of the submit).
 */
function Copy(): void {}
// An empty prototype with no prototype: not even a `constructor` to find.
Copy.prototype = Object.create(null) as object;

/** `value`'s own enumerable keys, or why they cannot be listed (an `ownKeys` trap threw, a revoked Proxy). */
export function ownKeys(value: object): string[] | Unreadable {
  try {
    return Object.keys(value);
  } catch (err) {
    return new Unreadable(`its properties could not be listed: ${thrownText(err)}`);
  }
}

/** `value[key]`, read once; an {@link Unreadable} when the getter or Proxy trap throws. */
export function readOnce(value: object, key: string | number): unknown {
  try {
    return (value as Record<string | number, unknown>)[key];
  } catch (err) {
    return readFailed(err);
  }
}

/** What a property holds whose read threw `err`. */
export function readFailed(err: unknown): Unreadable {
  return new Unreadable(`reading it threw ${thrownText(err)}`);
}

export function snapshotRecord(value: object, read: ReadonlySet<string>): Record<string, unknown> | Unreadable {
  const keys = ownKeys(value);
  if (isUnreadable(keys)) return keys;
  // No Object.prototype in the chain: a key "__proto__" is then an ordinary property, as JSON.parse
  // makes it, and a missing key reads undefined whatever Object.prototype holds.
  const copy = new (Copy as unknown as new () => Record<string, unknown>)();
  for (const key of keys) {
    if (!read.has(key)) {
      copy[key] = undefined;
      continue;
    }
    copy[key] = readOnce(value, key);
  }
  return copy;
}

/**
 * A dense copy of an array (or array-like Proxy), each element read once inside try/catch; holes
 * read as `undefined`. Returns an Unreadable when its length cannot be read or is over
 * {@link MAX_ARRAY_LENGTH}.
 */
export function snapshotArray(value: object): unknown[] | Unreadable {
  let length: unknown;
  try {
    length = (value as { length?: unknown }).length;
  } catch (err) {
    return new Unreadable(`its length could not be read: ${thrownText(err)}`);
  }
  if (typeof length !== 'number' || !Number.isInteger(length) || length < 0) {
    return new Unreadable(`its length is ${show(length)}`);
  }
  if (length > MAX_ARRAY_LENGTH) {
    return new Unreadable(`it has ${length.toLocaleString('en-US')} entries (a sparse array?); at most ${MAX_ARRAY_LENGTH.toLocaleString('en-US')} are read`);
  }
  const copy = new Array<unknown>(length);
  for (let i = 0; i < length; i++) {
    copy[i] = readOnce(value, i);
  }
  return copy;
}
