/**
 * Errors thrown by jobgraph. Every one carries a stable `code` a caller can branch on, and the data
 * that goes with it; the message names the call, the value and the way out.
 */

/** Base class of every error jobgraph throws on purpose. */
export class JobGraphError extends Error {
  /** Stable, never renamed: branch on this, not on the message. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/**
 * A dependency cycle. `cycle` holds node (task) indices in cycle order: each consecutive pair is an
 * edge and the last leads back to the first.
 */
export class CycleError extends JobGraphError {
  readonly cycle: number[];

  constructor(cycle: number[], message?: string) {
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

/** Describes a value for an error message, the p-queue way: `` `0` (number) ``. */
export function describeValue(value: unknown): string {
  let shown: string;
  try {
    shown = typeof value === 'string' ? JSON.stringify(value.length > 60 ? value.slice(0, 57) + '...' : value) : String(value);
  } catch {
    shown = Object.prototype.toString.call(value);
  }
  const type = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
  return `\`${shown}\` (${type})`;
}

/**
 * A job definition that an API needing a valid job was given; `diagnostics` holds every problem, as
 * `validateJob()` reports them.
 */
export class ValidationError extends JobGraphError {
  readonly diagnostics: ReadonlyArray<import('./validate/diagnostic.js').Diagnostic>;

  constructor(call: string, diagnostics: ReadonlyArray<import('./validate/diagnostic.js').Diagnostic>) {
    const errors = diagnostics.filter((d) => d.severity === 'error');
    const first = errors[0];
    const where = first && first.task !== undefined ? ` (task #${first.task}${first.line !== undefined ? ` ${first.line}:${first.column}` : ''})` : '';
    super(
      'VALIDATION_FAILED',
      `${call}: the job definition has ${errors.length} error${errors.length === 1 ? '' : 's'}` +
        (first ? `; the first is ${first.code}${where}: ${first.message}` : '') +
        '; see `diagnostics`, or run `jobgraph validate` on it',
    );
    this.diagnostics = diagnostics;
  }
}
