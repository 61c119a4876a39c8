/**
 * Describing values that processors, dispatchers and listeners hand the engine. Such a value may be
 * a revoked Proxy, or an object whose getters or toString throw; the engine describes it on paths
 * where a second throw would have nobody to go to (a timer, a settled attempt, a listener's catch),
 * so nothing here may throw. `describeValue` of src/errors.ts serves argument checks and is not
 * relied on for that.
 */

/** What a message says of a value it cannot read. */
export const UNREADABLE = 'a value that cannot be read';

/**
 * A short description of a value by its type, without running any of its code: strings and
 * primitives as they are, objects by kind only.
 */
export function describeUntrusted(v: unknown): string {
  try {
    switch (typeof v) {
      case 'string':
        return JSON.stringify(v.length > 80 ? `${v.slice(0, 80)}…` : v);
      case 'number':
      case 'boolean':
      case 'undefined':
        return String(v);
      case 'bigint':
        return `${v}n`;
      case 'symbol':
        // String() of a symbol reads its description directly, with no user code involved.
        return String(v);
      case 'function':
        return 'a function';
      default:
        return v === null ? 'null' : 'an object';
    }
  } catch {
    return UNREADABLE;
  }
}

/**
 * The text of a value as String() gives it (running its toString, which the caller asked for by
 * passing an object), or its description when that throws or gives no string.
 */
export function textOf(v: unknown): string {
  if (typeof v === 'string') return v;
  try {
    const s: unknown = String(v);
    return typeof s === 'string' ? s : describeUntrusted(v);
  } catch {
    return describeUntrusted(v);
  }
}

/** An Error's message, or the text of anything else thrown. */
export function messageOf(err: unknown): string {
  try {
    if (err instanceof Error) {
      const m: unknown = err.message;
      if (typeof m === 'string' && m !== '') return m;
    }
  } catch {
    // read as text below
  }
  return textOf(err);
}

/** A process warning that something threw; `err` may be anything, and this never throws. */
export function warn(what: string, err: unknown): void {
  process.emitWarning(`jobgraph: ${what}: ${textOf(err)}`);
}
