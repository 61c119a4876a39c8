/**
 * Request bodies: the `Content-Type` a Create-Job body may have, and reading it whole under a size
 * limit, as UTF-8 text.
 */
import type { IncomingMessage } from 'node:http';
import { HttpError } from './errors.js';

/**
 * Checks that a body is JSON in UTF-8: `application/json`, with any `odata=` parameter (verbose,
 * minimalmetadata…) and, if a charset is named, `utf-8`. Callers have ruled Atom/XML out first
 * (`atomRequestKind`), so the errors name both forms a body may take.
 *
 * @throws HttpError `UNSUPPORTED_MEDIA_TYPE` (415) otherwise
 */
export function checkJsonContentType(value: string | undefined): void {
  const hint = 'send Content-Type: application/json (or application/json;odata=verbose) for JSON, or application/atom+xml for an Atom entry';
  if (value === undefined || value.trim() === '') throw new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', `the request has a body but no Content-Type; ${hint}`);
  const [type = '', ...params] = value.split(';');
  const mediaType = type.trim().toLowerCase();
  if (mediaType !== 'application/json') {
    throw new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', `Content-Type ${JSON.stringify(value.slice(0, 80))} is not supported: this service reads JSON or Atom bodies, in UTF-8; ${hint}`);
  }
  for (const p of params) {
    const eq = p.indexOf('=');
    if (eq < 0) continue;
    const name = p.slice(0, eq).trim().toLowerCase();
    const v = p.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1').toLowerCase();
    if (name === 'charset' && v !== 'utf-8' && v !== 'utf8') {
      throw new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', `charset ${JSON.stringify(v)} is not supported: send the body in UTF-8 (charset=utf-8, or no charset)`);
    }
  }
}

/** The client went away while its body was read: there is no one to answer. */
export class ClientGoneError extends Error {
  constructor(cause?: unknown) {
    super('the client closed the connection before sending its whole body', cause === undefined ? undefined : { cause });
    this.name = 'ClientGoneError';
  }
}

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/**
 * Reads a request body whole, up to `limit` bytes, and decodes it as UTF-8 (a BOM is dropped).
 *
 * @throws HttpError `PAYLOAD_TOO_LARGE` (413): at once when `Content-Length` says so, or as soon as
 *   the bytes read pass the limit (the connection is then closed, as the rest is never read)
 * @throws HttpError `UNSUPPORTED_MEDIA_TYPE` (415) for a `Content-Encoding` other than identity
 * @throws HttpError `BODY_INVALID` (400) for bytes that are not UTF-8
 * @throws ClientGoneError when the client aborts
 */
export async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const tooLarge = (size: string): HttpError =>
    new HttpError(413, 'PAYLOAD_TOO_LARGE', `the request body is ${size}; this server takes at most ${limit} bytes`, { closeConnection: true, details: { limit } });
  // A coded body (gzip…) would be read as its compressed bytes: refused, not misread (RFC 9110 §15.5.16).
  const coding = req.headers['content-encoding'];
  const codingName = coding?.trim().toLowerCase();
  if (coding !== undefined && codingName !== '' && codingName !== 'identity') {
    throw new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', `Content-Encoding ${JSON.stringify(coding.slice(0, 80))} is not supported: send the body uncompressed, without Content-Encoding`, {
      closeConnection: true,
      headers: { 'Accept-Encoding': 'identity' },
    });
  }
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) throw tooLarge(`${declared} bytes`);

  const chunks: Buffer[] = [];
  let size = 0;
  await new Promise<void>((resolve, reject) => {
    const cleanup = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        req.pause();
        reject(tooLarge(`over ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve();
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(new ClientGoneError(err));
    };
    const onClose = (): void => {
      if (req.complete) return;
      cleanup();
      reject(new ClientGoneError());
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });

  try {
    return decoder.decode(Buffer.concat(chunks, size));
  } catch (cause) {
    throw new HttpError(400, 'BODY_INVALID', 'the request body is not UTF-8 text; send JSON encoded as UTF-8', { cause });
  }
}
