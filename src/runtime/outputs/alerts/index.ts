/** Alert delivery's public surface: the dispatcher, its destinations and the message shapes. */
export { AlertDispatcher, type DispatcherStats, type AlertDispatcherOptions } from './dispatcher.js';
export { buildDestinations, destinationEntries } from './config.js';
export type { Destination, DestinationContext, DestinationKind, PreparedMessage } from './destination.js';
export { DESTINATION_KINDS } from './destinations/index.js';
export type { DeliveryOutbox, DeliveryStateRow, DeliveryStatus, StoredNotification } from './outbox.js';
export { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry-policy.js';
export { alertPayload, eventTypeOf, webhookIdOf, type AlertEventType, type AlertPayload } from './payload.js';
export { defaultUserAgent } from './user-agent.js';
