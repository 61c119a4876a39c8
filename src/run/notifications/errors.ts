import { JobGraphError, checkErrorArgument } from '../../errors.js';

/** The fields of a delivery failure its message is written from: checked, as a Symbol or a missing object would throw there. */
function checkDeliveryData(data: unknown): void {
  const cls = 'NotificationDeliveryError';
  checkErrorArgument(cls, 'data', data, 'object');
  const d = data as Record<string, unknown>;
  for (const key of ['endpointId', 'etag', 'reason'] as const) checkErrorArgument(cls, `data.${key}`, d[key], 'string');
  for (const key of ['eventType', 'attempts'] as const) checkErrorArgument(cls, `data.${key}`, d[key], 'number');
  checkErrorArgument(cls, 'data.status', d.status, 'number', true);
  checkErrorArgument(cls, 'data.retryable', d.retryable, 'boolean');
}

/**
 * A notification that was not delivered: the endpoint answered with a status that is not retried
 * (a 4xx other than 408/429, or a 3xx: redirects are not followed), every attempt failed, or a
 * Callback endpoint threw. Handed to the hub's `onError`, never thrown.
 */
export class NotificationDeliveryError extends JobGraphError {
  /** The NotificationEndPoint the message was for. */
  readonly endpointId: string;
  /** The message's ETag, so a receiver's log can be searched for it. */
  readonly etag: string;
  /** 1 JobStateChange, 4 TaskStateChange, 5 TaskProgress. */
  readonly eventType: number;
  /** Attempts made, the first included. */
  readonly attempts: number;
  /** The HTTP status of the last answer, when there was one. */
  readonly status: number | undefined;
  /** Whether the last failure was of a retryable kind (5xx, 408, 429, network, timeout): false means it was given up at once. */
  readonly retryable: boolean;

  constructor(
    data: { endpointId: string; etag: string; eventType: number; attempts: number; status?: number | undefined; retryable: boolean; reason: string },
    options?: { cause?: unknown },
  ) {
    checkDeliveryData(data);
    super(
      'NOTIFICATION_DELIVERY_FAILED',
      `NotificationHub: could not deliver message ${data.etag} (EventType ${data.eventType}) to endpoint ${data.endpointId} after ${data.attempts} attempt${data.attempts === 1 ? '' : 's'}: ${data.reason}` +
        (data.retryable ? '; check that the endpoint is up, or raise `maxAttempts`' : '; the endpoint refused it, so it was not retried'),
      options,
    );
    this.endpointId = data.endpointId;
    this.etag = data.etag;
    this.eventType = data.eventType;
    this.attempts = data.attempts;
    this.status = data.status;
    this.retryable = data.retryable;
  }
}

/** A subscription named an endpoint the hub does not know. Reported once per id through `onError`. */
export class NotificationEndPointNotFoundError extends JobGraphError {
  readonly endpointId: string;
  constructor(endpointId: string) {
    checkErrorArgument('NotificationEndPointNotFoundError', 'endpointId', endpointId, 'string');
    super(
      'NOTIFICATION_ENDPOINT_NOT_FOUND',
      `NotificationHub: a subscription names endpoint ${JSON.stringify(endpointId)}, which is not registered; its messages are dropped (and counted in stats()): register it with registerEndPoint() first`,
    );
    this.endpointId = endpointId;
  }
}
