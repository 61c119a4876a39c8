/**
 * Errors of the HTTP facade: {@link HttpError} for a request the server answers with a 4xx or 5xx
 * of its own (401, 404, 405, 413, 415, …), and {@link ServerConfigError} for a server that cannot
 * be started as configured. The OData layer's errors (`odata/errors.ts`) carry their own status.
 */
import { ArgumentRangeError, JobGraphError, checkErrorArgument, describeValue } from '../errors.js';

/** Codes of the facade's own error responses; stable, never renamed. The OData layer adds its own. */
export const HTTP_ERROR_CODES = {
  /** No `Authorization: Bearer …` header, or a token the server does not know. 401. */
  UNAUTHORIZED: 'UNAUTHORIZED',
  /** A no-token (`insecureLocal`) server was reached on an address other than loopback. 403. */
  FORBIDDEN: 'FORBIDDEN',
  /** No entity has that key (or it was deleted). 404. */
  NOT_FOUND: 'ENTITY_NOT_FOUND',
  /** The method is not allowed on the resource; `Allow` lists those that are. 405. */
  METHOD_NOT_ALLOWED: 'METHOD_NOT_ALLOWED',
  /** `Accept` or `$format` asks for something other than JSON. 406. */
  NOT_ACCEPTABLE: 'NOT_ACCEPTABLE',
  /** Two jobs or tasks with one Id. 409. */
  CONFLICT: 'CONFLICT',
  /** The body is larger than the server's limit. 413. */
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  /** The body is not `application/json` in UTF-8. 415. */
  UNSUPPORTED_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  /** The body is not UTF-8 text. 400. */
  BODY_INVALID: 'BODY_INVALID',
  /** The body is not JSON; the message says line:column. 400. */
  JSON_MALFORMED: 'JSON_MALFORMED',
  /**
   * The job definition is invalid. The first diagnostics are listed (100 by default, at most
   * 48 KiB of them); `innererror.omitted` counts the rest. 400.
   */
  VALIDATION_FAILED: 'VALIDATION_FAILED',
  /** The job definition has no error but over 100 warnings; the first are listed. 400. */
  TOO_MANY_WARNINGS: 'TOO_MANY_WARNINGS',
  /** Checking the job definition took longer than the server's time limit (or its memory limit). 400. */
  VALIDATION_TOO_COSTLY: 'VALIDATION_TOO_COSTLY',
  /** A `POST /api/Assets` body that is not an Asset (a wrong type, an unknown property, Options not one AssetCreationOptions value); the message lists every problem. 400. */
  ASSET_INVALID: 'ASSET_INVALID',
  /** CancelJob on a job that already ended or is being canceled. 400. */
  JOB_FINAL: 'JOB_FINAL',
  /** DELETE of a job that has not ended: cancel it first. 400. */
  JOB_NOT_FINAL: 'JOB_NOT_FINAL',
  /** A query option the resource does not take (`$top` on a single entity). 400. */
  QUERY_OPTION_NOT_APPLICABLE: 'QUERY_OPTION_NOT_APPLICABLE',
  /** The request target is not a path (`*`, an absolute URI of another host). 400. */
  REQUEST_TARGET_INVALID: 'REQUEST_TARGET_INVALID',
  /** The HTTP request could not be parsed. 400 (431 for oversized headers). */
  BAD_REQUEST: 'BAD_REQUEST',
  /** The request took longer than the server's request timeout. 408. */
  REQUEST_TIMEOUT: 'REQUEST_TIMEOUT',
  /**
   * A query of a `$batch` that came after the batch's answers already reached the server's limit
   * (16 MiB): it was not run; send it in another batch. 400, as that operation's answer.
   */
  BATCH_ANSWER_TOO_LARGE: 'BATCH_ANSWER_TOO_LARGE',
  /** A part of the Media Services API this server does not implement ($batch, $metadata, templates, …). 501. */
  NOT_IMPLEMENTED: 'NOT_IMPLEMENTED',
  /** Too many request bodies are being read or job definitions wait to be checked, or the server is shutting down. 503. */
  SERVER_BUSY: 'SERVER_BUSY',
  /** A bug: the server failed; the log has the details. 500. */
  INTERNAL_ERROR: 'INTERNAL_ERROR',
} as const;

/** One of {@link HTTP_ERROR_CODES}. */
export type HttpErrorCode = (typeof HTTP_ERROR_CODES)[keyof typeof HTTP_ERROR_CODES];

/**
 * A request the facade answers with an error status of its own. `headers` go on the response
 * (`Allow`, `WWW-Authenticate`, `Retry-After`); `details` go in the OData error's `innererror`.
 */
export class HttpError extends JobGraphError {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly details: Readonly<Record<string, unknown>> | undefined;
  /** Close the connection after answering (the body was not read to its end). */
  readonly closeConnection: boolean;

  constructor(
    status: number,
    code: HttpErrorCode,
    message: string,
    options: { headers?: Record<string, string>; details?: Record<string, unknown>; closeConnection?: boolean; cause?: unknown } = {},
  ) {
    if (!Number.isInteger(status) || status < 100 || status > 599) throw new ArgumentRangeError(`HttpError: expected \`status\` to be an HTTP status (an integer from 100 to 599), got ${describeValue(status)}`);
    checkErrorArgument('HttpError', 'options', options, 'object');
    super(code, message, options.cause === undefined ? undefined : { cause: options.cause });
    this.status = status;
    this.headers = options.headers ?? {};
    this.details = options.details;
    this.closeConnection = options.closeConnection ?? false;
  }
}

/** Codes of {@link ServerConfigError}. */
export type ServerConfigCode = 'SERVER_NO_TOKENS' | 'SERVER_TOKEN_INVALID' | 'SERVER_HOST_NOT_LOOPBACK';

/**
 * A server that cannot start as configured: no token and no `insecureLocal`
 * (`SERVER_NO_TOKENS`), a token that cannot be a bearer token (`SERVER_TOKEN_INVALID`), or an
 * `insecureLocal` server asked to listen beyond loopback (`SERVER_HOST_NOT_LOOPBACK`).
 */
export class ServerConfigError extends JobGraphError {
  constructor(code: ServerConfigCode, message: string) {
    super(code, message);
  }
}
