/**
 * How the command line prints figures: fixed decimals without a negative zero, and counts with the
 * right form of their noun. Deterministic: no locale.
 */

/**
 * `value` with `decimals` decimals, never `-0.0`: a value that rounds to zero prints unsigned (a
 * wait of -1e-17 s is float noise, not a negative wait).
 */
export function fixed(value: number, decimals: number): string {
  const text = value.toFixed(decimals);
  return /^-0(\.0*)?$/.test(text) ? text.slice(1) : text;
}

/** `1 job`, `2 jobs`; `plural(1, 'inversion')`; an irregular plural as `many`. */
export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

/** A run's duration: `370 ms`, `1.55 s`, `4 min 29 s`. */
export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)} s`;
  return `${Math.floor(ms / 60_000)} min ${((ms % 60_000) / 1000).toFixed(0)} s`;
}
