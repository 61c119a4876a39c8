/**
 * The AMS v2 REST facade: `createServer(engine, options)` and what goes with it. The OData query
 * layer it is built on is `./odata/index.js`.
 */
export { createServer } from './server.js';
export type { JobGraphServer, ListenOptions, ServerOptions } from './server.js';
export type { AccessLogEntry } from './handler.js';
export { HTTP_ERROR_CODES, HttpError, ServerConfigError } from './errors.js';
export type { HttpErrorCode, ServerConfigCode } from './errors.js';
export { AUTH_REALM, BearerAuth, MIN_TOKEN_LENGTH, parseTokenFile, parseTokenList } from './auth.js';
export type { AuthOutcome } from './auth.js';
