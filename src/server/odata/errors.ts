/**
 * Errors of the OData layer. Each carries a stable `code` and the HTTP `status` the facade should
 * answer with, so the server maps any of them to a response without parsing messages.
 */
import { JobGraphError } from '../../errors.js';
import { editDistance } from '../../diagnostics/suggest.js';

/** Codes thrown by the OData layer; stable, never renamed. */
export const ODATA_ERROR_CODES = {
  /** A query option ($filter, $top, …) is malformed or names something unknown. 400. */
  QUERY_INVALID: 'ODATA_QUERY_INVALID',
  /** `$expand` was given; AMS v2 does not support it. 501. */
  EXPAND_UNSUPPORTED: 'ODATA_EXPAND_UNSUPPORTED',
  /** The resource path or an entity key is malformed. 400. */
  PATH_INVALID: 'ODATA_PATH_INVALID',
  /** The resource path names no entity set or service operation we serve. 404. */
  RESOURCE_NOT_FOUND: 'ODATA_RESOURCE_NOT_FOUND',
  /** A wire value (a date) is malformed. 400. */
  VALUE_INVALID: 'ODATA_VALUE_INVALID',
  /** DataServiceVersion / MaxDataServiceVersion is malformed or out of range. 400. */
  VERSION_UNSUPPORTED: 'ODATA_VERSION_UNSUPPORTED',
  /** x-ms-version is not a 2.x version. 400. */
  API_VERSION_UNSUPPORTED: 'AMS_API_VERSION_UNSUPPORTED',
  /** Another request header is malformed (client-request-id over 2 KB). 400. */
  HEADER_INVALID: 'ODATA_HEADER_INVALID',
  /** A `$batch` body is not the multipart/mixed document OData v3 describes; the message says where. 400. */
  BATCH_INVALID: 'ODATA_BATCH_INVALID',
} as const;

/** One of {@link ODATA_ERROR_CODES}. */
export type ODataErrorCode = (typeof ODATA_ERROR_CODES)[keyof typeof ODATA_ERROR_CODES];

const STATUS: Record<ODataErrorCode, number> = {
  ODATA_QUERY_INVALID: 400,
  ODATA_EXPAND_UNSUPPORTED: 501,
  ODATA_PATH_INVALID: 400,
  ODATA_RESOURCE_NOT_FOUND: 404,
  ODATA_VALUE_INVALID: 400,
  ODATA_VERSION_UNSUPPORTED: 400,
  AMS_API_VERSION_UNSUPPORTED: 400,
  ODATA_HEADER_INVALID: 400,
  ODATA_BATCH_INVALID: 400,
};

/** Base class of the OData layer's errors: a code and the HTTP status to answer with. */
export class ODataError extends JobGraphError {
  /** HTTP status the facade answers with. */
  readonly status: number;

  constructor(code: ODataErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.status = STATUS[code];
  }
}

/**
 * A query option the facade cannot accept. `option` names it (`'$filter'`); for `$filter`,
 * `position` is the 1-based character position in the option's decoded text and `token` the text
 * found there (`''` at the end of the input).
 */
export class ODataQueryError extends ODataError {
  readonly option: string;
  readonly position: number | undefined;
  readonly token: string | undefined;

  constructor(
    message: string,
    details: { option: string; position?: number; token?: string; code?: 'ODATA_QUERY_INVALID' | 'ODATA_EXPAND_UNSUPPORTED' },
  ) {
    super(details.code ?? 'ODATA_QUERY_INVALID', message);
    this.option = details.option;
    this.position = details.position;
    this.token = details.token;
  }
}

/** A resource path or entity key the facade cannot route. `position` is 1-based in the decoded path. */
export class ODataPathError extends ODataError {
  readonly path: string;
  readonly position: number | undefined;

  constructor(message: string, details: { path: string; position?: number; code?: 'ODATA_PATH_INVALID' | 'ODATA_RESOURCE_NOT_FOUND' }) {
    super(details.code ?? 'ODATA_PATH_INVALID', message);
    this.path = details.path;
    this.position = details.position;
  }
}

/** A request header the facade cannot accept; `header` names it. */
export class ODataHeaderError extends ODataError {
  readonly header: string;
  readonly value: string;

  constructor(
    code: 'ODATA_VERSION_UNSUPPORTED' | 'AMS_API_VERSION_UNSUPPORTED' | 'ODATA_HEADER_INVALID',
    message: string,
    details: { header: string; value: string },
  ) {
    super(code, message);
    this.header = details.header;
    this.value = details.value;
  }
}

/** A malformed wire value (a date) in a request body or key. */
export class ODataValueError extends ODataError {
  readonly value: string;

  constructor(message: string, value: string) {
    super('ODATA_VALUE_INVALID', message);
    this.value = value;
  }
}

/** Quotes a user-supplied snippet for a message, cut to `max` characters. */
export function quoteSnippet(text: string, max = 40): string {
  return `'${text.length > max ? text.slice(0, max - 1) + '…' : text}'`;
}

/**
 * Suggests the closest of `names` to `wanted`: a case-insensitive match, or one within an edit
 * distance (transpositions count one) of 1 for short names and 2 from five characters up.
 */
export function closestName(wanted: string, names: Iterable<string>): string | undefined {
  const lower = wanted.toLowerCase();
  const cap = wanted.length >= 5 ? 2 : 1;
  let best: string | undefined;
  let bestDistance = cap + 1;
  for (const name of names) {
    if (name.toLowerCase() === lower) return name;
    if (Math.abs(name.length - wanted.length) >= bestDistance) continue;
    const d = editDistance(lower, name.toLowerCase());
    if (d < bestDistance) {
      bestDistance = d;
      best = name;
    }
  }
  return best;
}
