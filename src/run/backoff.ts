/** Retries of retryable failures. */
export interface RetryOptions {
  /** Attempts in all, the first included. @defaultValue 3 */
  maxAttempts?: number;
  /** Delay before the second attempt, in ms; doubled for each further one. @defaultValue 1000 */
  baseDelayMs?: number;
  /** The cap of the delay, in ms. @defaultValue 30000 */
  maxDelayMs?: number;
  /** Spread delays so that failures of many tasks do not retry in lockstep. @defaultValue true */
  jitter?: boolean;
  /** Random source in [0, 1) for the jitter. @defaultValue Math.random */
  random?: () => number;
}

/**
 * The delay after failed attempt `attempt` (1-based): `min(cap, base · 2^(attempt-1))`, with "equal
 * jitter" (half fixed, half random) so a retry never comes sooner than half the nominal delay.
 */
export function backoffDelay(attempt: number, r: Required<RetryOptions>): number {
  const nominal = Math.min(r.maxDelayMs, r.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  if (!r.jitter) return nominal;
  return nominal / 2 + (nominal / 2) * r.random();
}
