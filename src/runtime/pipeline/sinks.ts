/** What the pipeline needs from its sinks; the ClickHouse, Kafka and webhook sinks implement these. */
import type { StoredNotification } from '../outputs/webhook/outbox.js';
import type { SinkBatch } from '../outputs/clickhouse/batch.js';
import type { DeadLetter } from './types.js';

/**
 * Stores events, rejections, alerts and activity; resolves only when all are
 * stored, with the notifying alert revisions that are now durable.
 */
export interface BatchStore {
  writeBatch(batch: SinkBatch): Promise<{ readonly notifications: readonly StoredNotification[] }>;
}

/** Produces refused messages to the dead-letter topic; resolves when the broker acknowledged them. */
export interface DeadLetterSink {
  send(deadLetters: readonly DeadLetter[]): Promise<void>;
}

/** Hands stored, notifying alert revisions to webhook delivery (asynchronous, outbox-backed). */
export interface AlertNotifier {
  enqueue(notifications: readonly StoredNotification[]): void;
}
