import { createHmac, timingSafeEqual } from 'node:crypto';
import { ArgumentRangeError, ArgumentTypeError, describeValue } from '../../errors.js';

/** Case of the hex digits in `ms-signature`. */
export type SignatureHexCase = 'lower' | 'upper';

/**
 * The `ms-signature` value for a body: `sha256=<hex HMAC-SHA256(key, body bytes)>`.
 *
 * Uppercase hex by default, as the NotificationHub sends it: the receiver in Microsoft's webhook
 * sample (Doc-Webhooks, `VerifyWebHookRequestSignature`) writes its expected value in uppercase hex
 * and compares ordinally, so it accepts nothing else. A receiver of ours should rather call
 * {@link verifySignature}, which accepts either case.
 *
 * @param key the endpoint's signing key: bytes, or a string taken as UTF-8
 * @param body the request body's bytes (a string is taken as UTF-8)
 * @throws ArgumentTypeError (`ERR_INVALID_ARG_TYPE`) for a key or body that is neither;
 *   ArgumentRangeError (`ERR_INVALID_ARG_VALUE`) for a hexCase other than 'upper' or 'lower'.
 */
export function signature(key: Uint8Array | string, body: Uint8Array | string, hexCase: SignatureHexCase = 'upper'): string {
  checkBytes('signature', key, 'key');
  checkBytes('signature', body, 'body');
  if (hexCase !== 'upper' && hexCase !== 'lower') throw new ArgumentRangeError(`signature: expected \`hexCase\` to be "upper" or "lower", got ${describeValue(hexCase)}`, 'ERR_INVALID_ARG_VALUE');
  const hex = createHmac('sha256', key).update(body).digest('hex');
  return 'sha256=' + (hexCase === 'upper' ? hex.toUpperCase() : hex);
}

const SIGNATURE = /^sha256=([0-9A-Fa-f]{64})$/;

/**
 * Checks an `ms-signature` header as a WebHook receiver should: the HMAC-SHA256 of the exact body
 * bytes received, compared in constant time. The hex digits may be in either case and surrounding
 * whitespace is ignored; the `sha256=` prefix is required.
 *
 * @param key the endpoint's signing key: bytes, or a string taken as UTF-8 (as `signingKey` is)
 * @param body the request body as received, before any parsing (a string is taken as UTF-8)
 * @param header the header's value as the server gives it: anything but a well-formed string
 *   (absent, repeated, malformed) is false, never an exception
 * @throws ArgumentTypeError (`ERR_INVALID_ARG_TYPE`) for a key or body that is not bytes or a string.
 */
export function verifySignature(key: Uint8Array | string, body: Uint8Array | string, header: unknown): boolean {
  checkBytes('verifySignature', key, 'key');
  checkBytes('verifySignature', body, 'body');
  if (typeof header !== 'string') return false;
  const m = SIGNATURE.exec(header.trim());
  if (m === null) return false;
  const expected = createHmac('sha256', key).update(body).digest();
  return timingSafeEqual(Buffer.from(m[1]!, 'hex'), expected);
}

/** A key or body: bytes or a string; Node's own ERR_INVALID_ARG_TYPE would not be ours. */
function checkBytes(call: string, v: unknown, name: string): void {
  if (typeof v !== 'string' && !(v instanceof Uint8Array)) throw new ArgumentTypeError(`${call}: expected \`${name}\` to be a Uint8Array or a string, got ${describeValue(v)}`);
}

/** The headers of a webhook request. */
export function webhookHeaders(accountId: string, sig: string | undefined): Record<string, string> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json', 'ms-mediaservices-accountid': accountId };
  if (sig !== undefined) headers['ms-signature'] = sig;
  return headers;
}

/** What to do after an answer. */
export type Verdict = { kind: 'delivered' } | { kind: 'retry'; retryAfterMs: number | undefined } | { kind: 'fail' };

/**
 * Sorts an HTTP status: 2xx delivered; 408, 429 and 5xx retried (with the Retry-After of a 429 or
 * 503, in ms, when it has one); anything else (other 4xx, 3xx: redirects are not followed, as a
 * signed body must not go to another address) fails at once.
 */
export function verdictOf(status: number, retryAfter: string | null, nowMs: number): Verdict {
  if (status >= 200 && status < 300) return { kind: 'delivered' };
  if (status === 408 || status === 429 || (status >= 500 && status < 600)) {
    const retryAfterMs = status === 429 || status === 503 ? parseRetryAfter(retryAfter, nowMs) : undefined;
    return { kind: 'retry', retryAfterMs };
  }
  return { kind: 'fail' };
}

/**
 * Reads a Retry-After header (RFC 9110 §10.2.3): delay-seconds, or an HTTP-date.
 * @returns the wait in ms (0 for a date in the past), or `undefined` when absent or unreadable
 */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // Only something that looks like an HTTP-date ("Wed, 21 Oct 2015 07:28:00 GMT"): Date.parse alone reads "12.5" as a date.
  if (!/^[A-Za-z]{3},/.test(text)) return undefined;
  // A clock that gives no number (an injected `now` of NaN) must not make the wait NaN: that retried at once.
  const wait = Date.parse(text) - nowMs;
  return Number.isNaN(wait) ? undefined : Math.max(0, wait);
}

/**
 * The wait before attempt `attempt + 1`: capped exponential backoff with full jitter,
 * `random() · min(maxDelayMs, baseDelayMs · 2^(attempt-1))`. Full jitter spreads the retries of many
 * endpoints that failed together (one receiver went down) over the whole window.
 */
export function retryDelay(attempt: number, baseDelayMs: number, maxDelayMs: number, random: () => number): number {
  const cap = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.max(0, attempt - 1));
  let r = random();
  if (!(r >= 0)) r = 0;
  else if (r >= 1) r = 1;
  return Math.floor(r * cap);
}
