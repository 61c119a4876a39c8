/**
 * Bearer-token authentication of the facade (reference §9: every request carries
 * `Authorization: Bearer <token>`). Tokens are configured when the server starts — from a file,
 * one a line, or from `JOBGRAPH_TOKENS`, comma-separated — and checked in constant time.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { ServerConfigError } from './errors.js';

/** The realm named in `WWW-Authenticate`. */
export const AUTH_REALM = 'jobgraph';

/** Shortest token accepted: a guessable token is no protection. */
export const MIN_TOKEN_LENGTH = 16;
/** Longest token accepted (a header line must hold it). */
export const MAX_TOKEN_LENGTH = 4096;

// RFC 6750 b64token: the characters a bearer token may have.
const TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
/**
 * The Simple Web Tokens of the ACS era, which the reference's own samples send
 * (`Bearer http%3a%2f%2f…nameidentifier=account&urn%3aSubscriptionId=…&HMACSHA256=…%3d`):
 * URL-encoded `name=value` pairs joined by `&`, one of them the HMACSHA256 signature. Scripts
 * written then replay such a token; the server compares it as any other.
 */
const SWT_PAIR = /^[A-Za-z0-9\-._~%+]+=[A-Za-z0-9\-._~%+]*$/;

/** Whether a token is a Simple Web Token as described above. */
export function isSimpleWebToken(token: string): boolean {
  const pairs = token.split('&');
  return pairs.every((p) => SWT_PAIR.test(p)) && pairs.some((p) => p.startsWith('HMACSHA256=') && p.length > 'HMACSHA256='.length);
}

/**
 * Reads a token file: one token a line; blank lines and lines starting with `#` are skipped;
 * surrounding whitespace (and a CR) is trimmed.
 *
 * @param text - the file's content
 * @returns the tokens in file order, duplicates removed
 */
export function parseTokenFile(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (!out.includes(line)) out.push(line);
  }
  return out;
}

/**
 * Reads `JOBGRAPH_TOKENS`: tokens separated by commas, whitespace around each trimmed.
 *
 * @param value - the variable's value, if set
 */
export function parseTokenList(value: string | undefined): string[] {
  if (value === undefined) return [];
  const out: string[] = [];
  for (const part of value.split(',')) {
    const t = part.trim();
    if (t !== '' && !out.includes(t)) out.push(t);
  }
  return out;
}

/**
 * Checks that a configured token can be a bearer token and is long enough to be one.
 *
 * @throws ServerConfigError `SERVER_TOKEN_INVALID` naming the token by position, never by value
 */
export function checkToken(token: unknown, position: number): asserts token is string {
  const where = `token #${position + 1}`;
  if (typeof token !== 'string') throw new ServerConfigError('SERVER_TOKEN_INVALID', `createServer: ${where} is ${typeof token}, not a string`);
  if (token.length < MIN_TOKEN_LENGTH) {
    throw new ServerConfigError(
      'SERVER_TOKEN_INVALID',
      `createServer: ${where} has ${token.length} characters; use at least ${MIN_TOKEN_LENGTH}, e.g. \`openssl rand -base64 32\``,
    );
  }
  if (token.length > MAX_TOKEN_LENGTH) throw new ServerConfigError('SERVER_TOKEN_INVALID', `createServer: ${where} has ${token.length} characters; at most ${MAX_TOKEN_LENGTH} are allowed`);
  if (!TOKEN.test(token) && !isSimpleWebToken(token)) {
    throw new ServerConfigError(
      'SERVER_TOKEN_INVALID',
      `createServer: ${where} has characters a bearer token cannot carry; use letters, digits and - . _ ~ + / (then = padding), or an ACS Simple Web Token (name=value&…&HMACSHA256=…)`,
    );
  }
}

/** What {@link BearerAuth.check} found. */
export type AuthOutcome = 'ok' | 'missing' | 'malformed' | 'invalid';

/**
 * Checks `Authorization` headers against the configured tokens in constant time: both sides are
 * HMAC-SHA-256 digests under a per-process random key (equal length, so the comparison says
 * nothing about the token's length), every configured token is compared, and no comparison exits
 * early.
 */
export class BearerAuth {
  readonly #key = randomBytes(32);
  readonly #digests: Buffer[];

  /**
   * @param tokens - the accepted tokens, at least one
   * @throws ServerConfigError `SERVER_NO_TOKENS` for an empty list, `SERVER_TOKEN_INVALID` for a bad token
   */
  constructor(tokens: readonly string[]) {
    if (tokens.length === 0) throw new ServerConfigError('SERVER_NO_TOKENS', 'BearerAuth: no token given');
    tokens.forEach((t, i) => checkToken(t, i));
    this.#digests = tokens.map((t) => this.#digest(t));
  }

  /** How many tokens are configured. */
  get size(): number {
    return this.#digests.length;
  }

  #digest(token: string): Buffer {
    return createHmac('sha256', this.#key).update(token, 'utf8').digest();
  }

  /**
   * Checks an `Authorization` header value.
   *
   * @param header - the header as received, if any
   * @returns `ok`, or why not: `missing` (no header), `malformed` (not `Bearer <token>`), `invalid` (unknown token)
   */
  check(header: string | undefined): AuthOutcome {
    if (header === undefined || header.trim() === '') return 'missing';
    const m = /^\s*bearer +(\S+)\s*$/i.exec(header);
    if (m === null) return 'malformed';
    const presented = this.#digest(m[1]!);
    let ok = 0;
    for (const d of this.#digests) ok |= timingSafeEqual(presented, d) ? 1 : 0;
    return ok === 1 ? 'ok' : 'invalid';
  }
}

/**
 * The `WWW-Authenticate` value for a 401 (RFC 6750 §3): no error code when the request had no
 * credentials, `invalid_request` for a malformed header, `invalid_token` for an unknown token.
 */
export function wwwAuthenticate(outcome: Exclude<AuthOutcome, 'ok'>): string {
  if (outcome === 'missing') return `Bearer realm="${AUTH_REALM}"`;
  const error = outcome === 'malformed' ? 'invalid_request' : 'invalid_token';
  return `Bearer realm="${AUTH_REALM}", error="${error}"`;
}

/** True for 127.0.0.0/8, ::1 and their IPv4-mapped forms: addresses only this machine reaches. */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false;
  const a = address.toLowerCase();
  if (a === '::1' || a === '0:0:0:0:0:0:0:1') return true;
  const v4 = a.startsWith('::ffff:') ? a.slice(7) : a;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}
