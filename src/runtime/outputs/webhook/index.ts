/** The webhook sink's public surface: what the pipeline imports. */
export { WebhookDispatcher, type DispatcherStats, type WebhookDispatcherOptions } from './dispatcher.js';
export { endpointIdFromUrl, endpointsFromUrls, type WebhookEndpointConfig } from './endpoint.js';
export type { DeliveryOutbox, DeliveryStateRow, DeliveryStatus, StoredNotification } from './outbox.js';
export { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry-policy.js';
export { alertPayload, eventTypeOf, webhookIdOf, type AlertEventType, type AlertPayload } from './payload.js';
