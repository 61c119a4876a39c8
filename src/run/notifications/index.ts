/**
 * Notifications (reference §6): the hub that turns job and task events into JobStateChange,
 * TaskStateChange and TaskProgress messages for WebHook and in-process Callback endpoints.
 */
export { NotificationHub, type NotificationHubOptions, type NotificationStats } from './hub.js';
export type { EndPointInput, WebHookEndPointInput, CallbackEndPointInput, CallbackContext, NotificationEndPointView } from './endpoint.js';
export { NOTIFICATION_ENDPOINT_ID } from './endpoint.js';
export { NotificationEventType, buildMessage, formatTimeStamp, messageETag, type NotificationMessage, type TaskStateInput, type TaskProgressInput, type JobStateInput } from './message.js';
export { signature, verifySignature, type SignatureHexCase } from './webhook.js';
export { NotificationDeliveryError, NotificationEndPointNotFoundError } from './errors.js';
