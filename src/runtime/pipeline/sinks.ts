/** What the pipeline needs from its sinks; the ClickHouse, Kafka and webhook sinks implement these. */
import type { StoredNotification } from '../outputs/alerts/outbox.js';
import { type OutputBatch } from '../../model/batch.js';
import type { DeadLetter } from '../../model/batch.js';

/**
 * Stores events, rejections, alerts and activity; resolves only when all are
 * stored, with the notifying alert revisions that are now durable.
 */
export interface BatchStore {
  writeBatch(batch: OutputBatch): Promise<{ readonly notifications: readonly StoredNotification[] }>;
}

/** Produces refused messages to the dead-letter topic; resolves when the broker acknowledged them. */
export interface DeadLetterSink {
  send(deadLetters: readonly DeadLetter[]): Promise<void>;
}

/** Hands stored, notifying alert revisions to webhook delivery (asynchronous, outbox-backed). */
export interface AlertNotifier {
  enqueue(notifications: readonly StoredNotification[]): void;
}
