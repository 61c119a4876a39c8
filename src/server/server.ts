/**
 * `createServer(engine, options)`: the AMS v2 REST facade (OData v3 JSON over HTTP) on
 * `node:http`, over an {@link Engine}. A client written against the Media Services v2 REST shapes
 * creates, lists, filters, pages and cancels jobs against it unchanged.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism } from 'node:os';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Engine } from '../run/engine.js';
import type { IdFactory } from '../job/ids.js';
import type { Profile } from '../validate/validate.js';
import { ArgumentRangeError, ArgumentTypeError, describeValue } from '../errors.js';
import { AMS_MAX_PAGE, contentTypeFor, odataError, stringifyOData } from './odata/index.js';
import type { DateStyle } from './odata/index.js';
import { BearerAuth, isLoopbackAddress } from './auth.js';
import { ServerConfigError } from './errors.js';
import { ApiHandler } from './handler.js';
import type { AccessLogEntry } from './handler.js';
import { ValidationPool } from './validate-pool.js';

/** Options of {@link createServer}. */
export interface ServerOptions {
  /**
   * Bearer tokens a client may send (`Authorization: Bearer <token>`); each at least 16
   * characters of the RFC 6750 token alphabet. Required unless `insecureLocal`.
   */
  tokens?: readonly string[];
  /**
   * Serve without tokens. The server then listens on loopback only (`listen()` refuses any other
   * host) and refuses requests that reach it on another address. Ignored when tokens are given.
   * @defaultValue false
   */
  insecureLocal?: boolean;
  /**
   * The service root written in `__metadata` URIs, `Location` and `odata.metadata`, e.g.
   * `https://media.example.com/api` behind a proxy. @defaultValue `http://<Host header>/api`
   */
  baseUri?: string;
  /** Validation profile for `POST /api/Jobs`: `ams` enforces the service's quotas (30 tasks a job, …). @defaultValue 'ams' */
  profile?: Profile;
  /** Makes the ids of created jobs and tasks. @defaultValue random GUIDs */
  ids?: IdFactory;
  /** Largest request body, in bytes; a larger one gets 413. @defaultValue 1048576 (1 MiB) */
  maxBodyBytes?: number;
  /** Most entities in one response, whatever `$top` asks (reference §10). @defaultValue 1000 */
  maxPageSize?: number;
  /** Request bodies read at once; one more gets 503 with `Retry-After`. @defaultValue 32 */
  maxConcurrentBodies?: number;
  /**
   * Most diagnostics listed in the 400 that refuses a job definition (and never more than 48 KiB
   * of them); the answer says how many more there are. @defaultValue 100
   */
  maxDiagnostics?: number;
  /**
   * Worker threads that check `POST /api/Jobs` and `POST /api/JobTemplates` bodies, so that a body slow to validate does not
   * stall other requests; started on the first POST. 0 checks on the event loop (tests,
   * embedding), without the time limit. @defaultValue `min(2, availableParallelism() - 1)`, at least 1
   */
  validationWorkers?: number;
  /** Job definitions that may wait for a validation worker; one more gets 503 with `Retry-After`. @defaultValue 16 */
  maxQueuedValidations?: number;
  /** Longest check of one job definition on a worker; then 400 `VALIDATION_TOO_COSTLY` and the worker is replaced. @defaultValue 5000 */
  validationTimeoutMs?: number;
  /** Time to receive a whole request (headers and body); then 408. @defaultValue 30000 */
  requestTimeoutMs?: number;
  /** Time to receive the request headers; then 408. @defaultValue 10000 */
  headersTimeoutMs?: number;
  /** How long an idle keep-alive connection stays open. @defaultValue 5000 */
  keepAliveTimeoutMs?: number;
  /** Dates in verbose JSON: ISO 8601 (as the service sends today) or `\/Date(ms)\/` (as in 2012). Minimal metadata is always ISO. @defaultValue 'iso' */
  verboseDateStyle?: DateStyle;
  /** Called with an unexpected error (a bug: the client got a 500). @defaultValue writes to stderr */
  onError?: (error: unknown, request: { requestId: string; method: string; url: string }) => void;
  /** Called once per response, for an access log. */
  onRequest?: (entry: AccessLogEntry) => void;
}

/** Where a server listens. */
export interface ListenOptions {
  /** @defaultValue 0 (a free port) */
  port?: number;
  /** @defaultValue '127.0.0.1' */
  host?: string;
}

/** A running facade. */
export interface JobGraphServer {
  /** The `node:http` server, with the timeouts applied; `listen()` it yourself, or use {@link JobGraphServer.listen}. */
  readonly server: http.Server;
  /** The request listener alone, to mount on a server of your own. */
  readonly listener: (req: http.IncomingMessage, res: http.ServerResponse) => void;
  /** The service root once listening, e.g. `http://127.0.0.1:8080/api`. */
  readonly url: string | undefined;
  /**
   * Starts listening.
   * @returns the bound address and the service root URL
   * @throws ServerConfigError `SERVER_HOST_NOT_LOOPBACK` when serving without tokens on a non-loopback host
   */
  listen(options?: ListenOptions): Promise<{ address: AddressInfo; url: string }>;
  /**
   * Stops taking connections, lets requests in flight finish for up to `graceMs`, then closes
   * every connection. The engine is not closed: it is the caller's.
   */
  close(options?: { graceMs?: number }): Promise<void>;
}

function positiveInteger(name: string, value: number | undefined, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min) throw new ArgumentRangeError(`createServer: expected \`${name}\` to be an integer >= ${min}, got ${describeValue(value)}`);
  return value;
}

/**
 * One worker on a machine of two CPUs, two from four on: the event loop keeps a CPU of its own,
 * and validation is rare next to reads, so more workers would only let hostile bodies take more.
 */
function defaultValidationWorkers(): number {
  return Math.max(1, Math.min(2, availableParallelism() - 1));
}

/**
 * Creates the AMS v2 REST facade over an engine.
 *
 * Endpoints: `GET /api/Jobs`, `/api/Jobs('id')`, `/api/Jobs('id')/Tasks`, `/api/Jobs('id')/State`,
 * `/api/Tasks`, `/api/Tasks('id')`, `/api/MediaProcessors`, `/api/Assets`, `/api/Assets('id')`,
 * `…/InputMediaAssets`, `…/OutputMediaAssets`, `POST /api/Jobs`, `POST /api/Assets`,
 * `GET /api/CancelJob?jobid='id'`, `DELETE /api/Jobs('id')`; the service document at `/api/`
 * (`/` and `/api` redirect there); `/API/` too; OData query options
 * `$filter $top $skip $select $orderby $inlinecount $format`.
 *
 * @param engine - the engine whose jobs the API shows and runs
 * @param options - tokens (or `insecureLocal`), limits and timeouts; see {@link ServerOptions}
 * @returns the server, not yet listening
 * @throws ServerConfigError `SERVER_NO_TOKENS` when no token is given and `insecureLocal` is not set;
 *   `SERVER_TOKEN_INVALID` for a token shorter than 16 characters or with characters a bearer token cannot carry
 * @throws RangeError (`ERR_OUT_OF_RANGE`) for a limit or timeout that is not a positive integer
 *   (`validationWorkers` and `maxQueuedValidations` may be 0)
 * @example
 * ```ts
 * const engine = new Engine({ processors: demoProcessors() });
 * const api = createServer(engine, { tokens: [process.env.API_TOKEN!] });
 * const { url } = await api.listen({ port: 8080 });
 * // curl -H "Authorization: Bearer $API_TOKEN" "$url/Tasks?\$top=10"
 * ```
 */
export function createServer(engine: Engine, options: ServerOptions = {}): JobGraphServer {
  if (typeof engine !== 'object' || engine === null || typeof engine.submit !== 'function' || typeof engine.processors !== 'function') {
    throw new ArgumentTypeError(`createServer: expected an Engine, got ${describeValue(engine)}`);
  }
  const tokens = options.tokens ?? [];
  if (!Array.isArray(tokens)) throw new ArgumentTypeError(`createServer: expected \`tokens\` to be an array of strings, got ${describeValue(tokens)}`);
  let auth: BearerAuth | undefined;
  if (tokens.length > 0) auth = new BearerAuth(tokens);
  else if (options.insecureLocal !== true) {
    throw new ServerConfigError(
      'SERVER_NO_TOKENS',
      'createServer: no bearer token is configured: pass `tokens` (jobgraph serve: --token-file or JOBGRAPH_TOKENS), or `insecureLocal: true` to serve on loopback without authentication',
    );
  }
  const profile = options.profile ?? 'ams';
  if (profile !== 'ams' && profile !== 'relaxed') throw new ArgumentRangeError(`createServer: expected \`profile\` to be "ams" or "relaxed", got ${describeValue(profile)}`, 'ERR_INVALID_ARG_VALUE');
  const dateStyle = options.verboseDateStyle ?? 'iso';
  if (dateStyle !== 'iso' && dateStyle !== 'msjson') {
    throw new ArgumentRangeError(`createServer: expected \`verboseDateStyle\` to be "iso" or "msjson", got ${describeValue(dateStyle)}`, 'ERR_INVALID_ARG_VALUE');
  }
  let baseUri = options.baseUri;
  if (baseUri !== undefined) {
    if (typeof baseUri !== 'string' || !/^https?:\/\/[\x21-\x7e]+$/i.test(baseUri) || /[?#]/.test(baseUri)) {
      throw new ArgumentTypeError(`createServer: expected \`baseUri\` to be an http(s) URL such as https://media.example.com/api, got ${describeValue(baseUri)}`, 'ERR_INVALID_ARG_VALUE');
    }
    baseUri = baseUri.replace(/\/+$/, '');
  }
  const requestTimeout = positiveInteger('requestTimeoutMs', options.requestTimeoutMs, 30_000);
  const headersTimeout = Math.min(requestTimeout, positiveInteger('headersTimeoutMs', options.headersTimeoutMs, 10_000));
  const keepAliveTimeout = positiveInteger('keepAliveTimeoutMs', options.keepAliveTimeoutMs, 5_000);
  const maxDiagnostics = positiveInteger('maxDiagnostics', options.maxDiagnostics, 100);
  const validationWorkers = positiveInteger('validationWorkers', options.validationWorkers, defaultValidationWorkers(), 0);
  const maxQueuedValidations = positiveInteger('maxQueuedValidations', options.maxQueuedValidations, 16, 0);
  const validationTimeoutMs = positiveInteger('validationTimeoutMs', options.validationTimeoutMs, 5_000);
  const onError =
    options.onError ??
    ((error, request) => {
      process.stderr.write(`jobgraph server: ${request.method} ${request.url} (request-id ${request.requestId}) failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    });

  const handler = new ApiHandler({
    engine,
    auth,
    baseUri,
    profile,
    ids: options.ids,
    maxBodyBytes: positiveInteger('maxBodyBytes', options.maxBodyBytes, 1024 * 1024),
    maxPageSize: positiveInteger('maxPageSize', options.maxPageSize, AMS_MAX_PAGE),
    maxConcurrentBodies: positiveInteger('maxConcurrentBodies', options.maxConcurrentBodies, 32),
    maxDiagnostics,
    validation: validationWorkers === 0 ? undefined : new ValidationPool({ size: validationWorkers, maxQueue: maxQueuedValidations, timeLimitMs: validationTimeoutMs }),
    verboseDateStyle: dateStyle,
    onError,
    onRequest: options.onRequest,
  });

  const server = http.createServer(
    {
      requestTimeout,
      headersTimeout,
      keepAliveTimeout,
      // How often Node checks the two timeouts above (default 30 s, coarser than they are).
      connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(headersTimeout / 4))),
      maxHeaderSize: 16 * 1024,
      // Node's own check answers a bare 400 with no body and no clientError to hook; the handler
      // refuses an HTTP/1.1 request without Host itself, with an OData error as for other bad HTTP.
      requireHostHeader: false,
    },
    handler.listener,
  );
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => answerClientError(err, socket));

  let url: string | undefined;
  let closing: Promise<void> | undefined;

  return {
    server,
    listener: handler.listener,
    get url() {
      return url;
    },
    async listen(listenOptions: ListenOptions = {}) {
      const host = listenOptions.host ?? '127.0.0.1';
      const port = listenOptions.port ?? 0;
      if (auth === undefined && !isLoopbackAddress(host) && host !== 'localhost') {
        throw new ServerConfigError(
          'SERVER_HOST_NOT_LOOPBACK',
          `createServer: without tokens the server listens on loopback only, not on ${JSON.stringify(host)}: configure tokens to listen there, or use 127.0.0.1 or ::1`,
        );
      }
      await new Promise<void>((resolve, reject) => {
        const onError = (err: Error): void => reject(err);
        server.once('error', onError);
        server.listen(port, host, () => {
          server.off('error', onError);
          resolve();
        });
      });
      const address = server.address() as AddressInfo;
      if (auth === undefined && !isLoopbackAddress(address.address)) {
        await new Promise<void>((resolve) => server.close(() => resolve()));
        throw new ServerConfigError('SERVER_HOST_NOT_LOOPBACK', `createServer: ${JSON.stringify(host)} resolved to ${address.address}, which is not loopback; without tokens use 127.0.0.1 or ::1`);
      }
      const shown = address.family === 'IPv6' || address.address.includes(':') ? `[${address.address}]` : address.address;
      url = baseUri ?? `http://${shown}:${address.port}/api`;
      return { address, url };
    },
    close(closeOptions: { graceMs?: number } = {}) {
      if (closing !== undefined) return closing;
      handler.closing = true;
      handler.dispose();
      const graceMs = closeOptions.graceMs ?? 5000;
      const pool = handler.validation;
      const stopped = new Promise<void>((resolve) => {
        if (!server.listening) {
          server.closeAllConnections();
          resolve();
          return;
        }
        const timer = setTimeout(() => {
          server.closeAllConnections();
          void pool?.terminate();
        }, graceMs);
        timer.unref();
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        server.closeIdleConnections();
      });
      // The workers stop once the requests in flight are answered: a POST whose body was still
      // arriving is checked and created as it would be without workers, not refused with 503.
      closing = stopped.then(() => pool?.close());
      return closing;
    },
  };
}

/**
 * Answers a request Node could not parse (bad request line, oversized headers, a timeout) with an
 * OData error, as the handler would, then closes the connection.
 */
function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (err.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent === true) {
    socket.destroy();
    return;
  }
  const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  const code = status === 408 ? 'REQUEST_TIMEOUT' : 'BAD_REQUEST';
  const message =
    status === 431
      ? 'the request headers are too large (16 KB at most)'
      : status === 408
        ? 'the request was not received in time; send the whole request, then wait for the answer'
        : `the request is not valid HTTP/1.1 (${err.code ?? 'parse error'}); check the request line and headers`;
  const body = stringifyOData(odataError(code, message));
  // A HEAD request is answered without a body, or the client reads the body as its next response.
  const raw = (err as NodeJS.ErrnoException & { rawPacket?: Buffer }).rawPacket;
  const head = raw !== undefined && raw.subarray(0, 5).toString('latin1') === 'HEAD ';
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: ${contentTypeFor('minimal')}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nDataServiceVersion: 3.0;\r\nConnection: close\r\n\r\n${head ? '' : body}`,
  );
}
