import { randomUUID } from 'node:crypto';
import { ArgumentTypeError, describeValue } from '../../errors.js';
import { ID_PREFIX } from '../../job/ids.js';
import type { NotificationMessage } from './message.js';

/** What a Callback endpoint is handed besides the message. */
export interface CallbackContext {
  /** Aborts when the call takes longer than `requestTimeoutMs`, or the hub closes, or the endpoint is unregistered. */
  signal: AbortSignal;
}

/** A WebHook endpoint: messages are POSTed as JSON to `EndPointAddress`. */
export interface WebHookEndPointInput {
  /** `nb:nepid:UUID:<guid>`; made up when absent. */
  Id?: string;
  Name: string;
  /** `'WebHook'` or its number, 3 (NET `NotificationEndPointType.WebHook`). */
  EndPointType: 'WebHook' | 3;
  /** An `http:` or `https:` URL without user name or password. */
  EndPointAddress: string;
  /**
   * Signs every request (`ms-signature: sha256=<hex HMAC-SHA256(key, body)>`; CredentialType
   * SigningKey = 1). Bytes are the key as is; a string is taken as UTF-8 text. AMS keys were 64
   * random bytes written in base64: pass `Buffer.from(text, 'base64')` for one of those.
   */
  signingKey?: string | Uint8Array;
}

/** An in-process endpoint: the hub calls `callback` with each message, one at a time, in order. */
export interface CallbackEndPointInput {
  Id?: string;
  Name: string;
  EndPointType: 'Callback';
  /** May return a promise: the next message waits for it (up to `requestTimeoutMs`). Errors are caught and reported. */
  callback: (message: NotificationMessage, context: CallbackContext) => void | Promise<void>;
}

export type EndPointInput = WebHookEndPointInput | CallbackEndPointInput;

/**
 * A NotificationEndPoint in its REST shape (reference §6). A Callback endpoint has no REST type: it
 * shows as EndPointType 0 (None) with an empty EndPointAddress. The signing key is never shown.
 */
export interface NotificationEndPointView {
  readonly Id: string;
  readonly Name: string;
  /** ISO 8601 UTC, seven fraction digits. */
  readonly Created: string;
  /** 3 WebHook; 0 (None) for a Callback endpoint. */
  readonly EndPointType: 0 | 3;
  /** The webhook URL; '' for a Callback endpoint. */
  readonly EndPointAddress: string;
  /** 1 SigningKey when requests are signed, else 0 None. */
  readonly CredentialType: 0 | 1;
}

/** An endpoint as registerEndPoint() checked it. */
export type CheckedEndPoint =
  | { kind: 'webhook'; id: string; name: string; url: URL; key: Buffer | undefined }
  | { kind: 'callback'; id: string; name: string; callback: CallbackEndPointInput['callback'] };

const GUID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
/** The Id form every sample uses (the REST page's `nb:ncid:` is not accepted: reference §11.8). */
export const NOTIFICATION_ENDPOINT_ID = new RegExp(`^nb:nepid:UUID:${GUID}$`);

const CALL = 'NotificationHub.registerEndPoint';

/**
 * Checks an endpoint definition.
 * @throws ArgumentTypeError `ERR_INVALID_ARG_TYPE` for a value of the wrong type,
 *   `ERR_INVALID_ARG_VALUE` for an empty Name, a bad Id, URL or EndPointType, or an empty key
 */
export function checkEndPoint(ep: EndPointInput): CheckedEndPoint {
  if (typeof ep !== 'object' || ep === null) throw new ArgumentTypeError(`${CALL}: expected an endpoint object, got ${describeValue(ep)}`);
  const { Name, Id } = ep;
  if (typeof Name !== 'string') throw new ArgumentTypeError(`${CALL}: expected \`Name\` to be a string, got ${describeValue(Name)}`);
  if (Name.trim() === '') throw new ArgumentTypeError(`${CALL}: expected \`Name\` to be a non-empty string, got ${describeValue(Name)}`, 'ERR_INVALID_ARG_VALUE');
  let id: string;
  if (Id === undefined) id = ID_PREFIX.notificationEndPoint + randomUUID();
  else if (typeof Id !== 'string' || !NOTIFICATION_ENDPOINT_ID.test(Id))
    throw new ArgumentTypeError(`${CALL}: expected \`Id\` to be nb:nepid:UUID:<guid>, got ${describeValue(Id)}; leave it out to have one made`, 'ERR_INVALID_ARG_VALUE');
  else id = Id;

  const type = ep.EndPointType as unknown;
  if (type === 'Callback') {
    const callback = (ep as CallbackEndPointInput).callback as unknown;
    if (typeof callback !== 'function') throw new ArgumentTypeError(`${CALL}: expected \`callback\` to be a function, got ${describeValue(callback)}`);
    return { kind: 'callback', id, name: Name, callback: callback as CallbackEndPointInput['callback'] };
  }
  if (type !== 'WebHook' && type !== 3)
    throw new ArgumentTypeError(`${CALL}: expected \`EndPointType\` to be 'WebHook', 3 or 'Callback', got ${describeValue(type)} (Azure queues and tables are not supported)`, 'ERR_INVALID_ARG_VALUE');
  const { EndPointAddress, signingKey } = ep as WebHookEndPointInput;
  if (typeof EndPointAddress !== 'string') throw new ArgumentTypeError(`${CALL}: expected \`EndPointAddress\` to be a string, got ${describeValue(EndPointAddress)}`);
  let url: URL;
  try {
    url = new URL(EndPointAddress);
  } catch {
    throw new ArgumentTypeError(`${CALL}: expected \`EndPointAddress\` to be an absolute http(s) URL, got ${describeValue(EndPointAddress)}`, 'ERR_INVALID_ARG_VALUE');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new ArgumentTypeError(`${CALL}: expected \`EndPointAddress\` to be an http: or https: URL, got ${describeValue(EndPointAddress)}`, 'ERR_INVALID_ARG_VALUE');
  if (url.username !== '' || url.password !== '')
    throw new ArgumentTypeError(`${CALL}: \`EndPointAddress\` must not carry a user name or password (fetch refuses them), got ${describeValue(EndPointAddress)}: use a signingKey, or a token in the query`, 'ERR_INVALID_ARG_VALUE');
  let key: Buffer | undefined;
  if (signingKey !== undefined) {
    if (typeof signingKey === 'string') key = Buffer.from(signingKey, 'utf8');
    else if (signingKey instanceof Uint8Array) key = Buffer.from(signingKey); // a copy: later changes to the caller's bytes do not count
    else throw new ArgumentTypeError(`${CALL}: expected \`signingKey\` to be a string or a Uint8Array, got ${describeValue(signingKey)}`);
    if (key.length === 0) throw new ArgumentTypeError(`${CALL}: expected \`signingKey\` to be non-empty; leave it out for unsigned requests`, 'ERR_INVALID_ARG_VALUE');
  }
  return { kind: 'webhook', id, name: Name, url, key };
}

/** The REST view of a checked endpoint. */
export function endPointView(ep: CheckedEndPoint, created: string, address: string): NotificationEndPointView {
  return Object.freeze({
    Id: ep.id,
    Name: ep.name,
    Created: created,
    EndPointType: ep.kind === 'webhook' ? 3 : 0,
    EndPointAddress: ep.kind === 'webhook' ? address : '',
    CredentialType: ep.kind === 'webhook' && ep.key !== undefined ? 1 : 0,
  });
}
