import type { RedisOptions } from 'ioredis';
import { ArgumentTypeError, describeValue } from '../errors.js';

/** Where Redis is: a URL (`redis://[user:password@]host[:port][/db]`, `rediss://…` for TLS, `unix:///path/to.sock`) or ioredis options. */
export type RedisConnection = string | RedisOptions;

/**
 * ioredis options for BullMQ. Every BullMQ connection must have `maxRetriesPerRequest: null`
 * (its blocking commands wait as long as Redis is away, rather than failing the worker), so it is
 * forced here; options, not a shared client, because BullMQ opens blocking connections of its own.
 */
export function redisOptions(connection: RedisConnection, who: string): RedisOptions {
  if (typeof connection === 'string') return { ...parseRedisUrl(connection, who), maxRetriesPerRequest: null };
  if (typeof connection !== 'object' || connection === null) {
    throw new ArgumentTypeError(`${who}: expected \`connection\` to be a Redis URL or ioredis options, got ${describeValue(connection)}`);
  }
  return { ...connection, maxRetriesPerRequest: null };
}

export function parseRedisUrl(given: string, who: string): RedisOptions {
  // Messages show the URL without its password (they end up on stderr and in logs).
  const text = redact(given);
  let url: URL;
  try {
    url = new URL(given);
  } catch {
    throw new ArgumentTypeError(`${who}: ${JSON.stringify(text)} is not a Redis URL: use redis://host:port, rediss://host:port or unix:///path/to/redis.sock`, 'ERR_INVALID_ARG_VALUE');
  }
  const auth: RedisOptions = {};
  try {
    if (url.username !== '') auth.username = decodeURIComponent(url.username);
    if (url.password !== '') auth.password = decodeURIComponent(url.password);
  } catch {
    throw new ArgumentTypeError(`${who}: ${JSON.stringify(text)} has a malformed %-escape in its user or password`, 'ERR_INVALID_ARG_VALUE');
  }
  if (url.protocol === 'unix:') {
    if (url.pathname === '' || url.pathname === '/') throw new ArgumentTypeError(`${who}: ${JSON.stringify(text)} names no socket: use unix:///path/to/redis.sock`, 'ERR_INVALID_ARG_VALUE');
    // unix://tmp/redis.sock would otherwise quietly mean /redis.sock.
    if (url.host !== '') throw new ArgumentTypeError(`${who}: ${JSON.stringify(text)} names a host (${url.host}): a socket's path is absolute, use unix:///path/to/redis.sock`, 'ERR_INVALID_ARG_VALUE');
    const db = url.searchParams.get('db');
    let path: string;
    try {
      path = decodeURIComponent(url.pathname);
    } catch {
      throw new ArgumentTypeError(`${who}: ${JSON.stringify(text)} has a malformed %-escape in its path`, 'ERR_INVALID_ARG_VALUE');
    }
    return { ...auth, path, ...(db !== null ? { db: dbNumber(db, text, who) } : {}) };
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new ArgumentTypeError(`${who}: ${JSON.stringify(text)} is not a Redis URL (the scheme is ${url.protocol}): use redis://, rediss:// or unix://`, 'ERR_INVALID_ARG_VALUE');
  }
  const path = url.pathname.replace(/^\//, '');
  return {
    ...auth,
    host: url.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1',
    port: url.port === '' ? 6379 : Number(url.port),
    ...(path !== '' ? { db: dbNumber(path, text, who) } : {}),
    ...(url.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}

/** The URL with its password (what follows `user:` before `@`) replaced by `***`. */
function redact(text: string): string {
  return text.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/?#@]*?:)[^/?#]*@/i, '$1***@');
}

function dbNumber(s: string, text: string, who: string): number {
  if (!/^\d+$/.test(s)) throw new ArgumentTypeError(`${who}: ${JSON.stringify(text)} names database ${JSON.stringify(s)}: it must be a number`, 'ERR_INVALID_ARG_VALUE');
  return Number(s);
}

/** The URL or socket, for messages: never the password. */
export function describeRedis(options: RedisOptions): string {
  const db = options.db ? `/${options.db}` : '';
  if (options.path) return `unix://${options.path}${db ? `?db=${options.db}` : ''}`;
  return `${options.tls ? 'rediss' : 'redis'}://${options.host ?? '127.0.0.1'}:${options.port ?? 6379}${db}`;
}

/**
 * Warnings about a Redis connection, at most one a minute per subject: while Redis is away,
 * ioredis reports every reconnect attempt (about one a second), and a flood of identical warnings
 * hides everything else. The first is said at once; the next says how many were held back.
 */
export class WarningThrottle {
  readonly #last = new Map<string, { at: number; held: number }>();
  constructor(private readonly say: (what: string, err: unknown) => void, private readonly everyMs = 60_000) {}

  warn(subject: string, err: unknown): void {
    const now = Date.now();
    const seen = this.#last.get(subject);
    if (seen !== undefined && now - seen.at < this.everyMs) {
      seen.held++;
      return;
    }
    const held = seen?.held ?? 0;
    this.#last.set(subject, { at: now, held: 0 });
    this.say(held > 0 ? `${subject} (${held} more like it in the last minute)` : subject, err);
  }
}
