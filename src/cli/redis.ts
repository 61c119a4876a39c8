import type { RedisOptions } from 'ioredis';
import { describeRedis, redisOptions } from '../distributed/connection.js';
import { CliError } from './io.js';

/**
 * The CLI's side of `--redis`: the URL checked up front (a usage error, exit 2), where it points
 * for messages (never the password), and a first PING that says so when Redis does not answer.
 * BullMQ and ioredis are loaded only when a command is given `--redis`: they take a while to load,
 * and every other command does without them.
 */

export interface RedisFlag {
  /** The URL as given: what BullMQDispatcher and createWorker take. */
  url: string;
  options: RedisOptions;
  /** Where Redis is, for messages: scheme, host and port or socket; never the user or password. */
  where: string;
}

/** Reads `--redis URL` (and checks `--prefix P`): undefined when not given. */
export function redisFlag(url: string | undefined, prefix: string | undefined): RedisFlag | undefined {
  if (url === undefined) {
    if (prefix !== undefined) throw new CliError('--prefix names the Redis keys of --redis: give --redis URL too');
    return undefined;
  }
  if (prefix === '') throw new CliError('--prefix needs a value (the default is jobgraph)');
  if (url === '') throw new CliError('--redis needs a URL: redis://host:port, rediss://host:port or unix:///path/to/redis.sock');
  let options: RedisOptions;
  try {
    options = redisOptions(url, '--redis');
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_INVALID_ARG_VALUE') throw new CliError((err as Error).message);
    throw err;
  }
  return { url, options, where: describeRedis(options) };
}

export interface WaitForRedisOptions {
  /** Told once when Redis has not answered for `quietMs`, with the last connection error. */
  onSlow: (message: string) => void;
  /** @defaultValue 10000 */
  quietMs?: number;
  /** Stops waiting: the promise then resolves false. */
  signal?: AbortSignal;
}

/**
 * Waits until Redis answers a PING, trying again as ioredis does (for ever: Redis may be starting).
 * After `quietMs` without an answer it says so, once. Resolves true once Redis answered, false when
 * `signal` stopped the wait. Its connection is closed either way: nothing is left running.
 */
export async function waitForRedis(redis: RedisFlag, options: WaitForRedisOptions): Promise<boolean> {
  const { Redis } = await import('ioredis');
  if (options.signal?.aborted) return false;
  const client = new Redis({ ...redis.options, lazyConnect: true, maxRetriesPerRequest: null, enableOfflineQueue: true });
  let lastError = '';
  client.on('error', (err: Error) => (lastError = err.message));
  const quietMs = options.quietMs ?? 10_000;
  const timer = setTimeout(() => {
    const why = lastError !== '' ? ` (${lastError})` : '';
    options.onSlow(`Redis at ${redis.where} does not answer after ${formatSeconds(quietMs)}${why}; still trying (Ctrl-C stops)`);
  }, quietMs);
  let onAbort: (() => void) | undefined;
  try {
    const aborted = new Promise<false>((resolve) => {
      onAbort = () => resolve(false);
      options.signal?.addEventListener('abort', onAbort, { once: true });
    });
    const answered = client.ping().then(
      () => true as const,
      (err: Error) => {
        // A PING refused (NOAUTH, a wrong password): Redis answers, but not to us.
        throw new CliError(`Redis at ${redis.where} refused the connection: ${err.message}`);
      },
    );
    answered.catch(() => undefined);
    return await Promise.race([answered, aborted]);
  } finally {
    clearTimeout(timer);
    if (onAbort) options.signal?.removeEventListener('abort', onAbort);
    client.disconnect();
  }
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}
