/** What the pipeline needs from its sinks; the ClickHouse, Kafka and webhook sinks implement these. */
import type { AlertUpdate } from '../engine/api.js';
import type { BatchOutput, DeadLetter } from './types.js';

/** Stores events, rejections, alerts and activity; resolves only when all are stored. */
export interface BatchStore {
  writeBatch(output: BatchOutput): Promise<void>;
}

/** Produces refused messages to the dead-letter topic; resolves when the broker acknowledged them. */
export interface DeadLetterSink {
  send(deadLetters: readonly DeadLetter[]): Promise<void>;
}

/** Hands stored, notifying alert revisions to webhook delivery (asynchronous, outbox-backed). */
export interface AlertNotifier {
  enqueue(updates: readonly AlertUpdate[]): void;
}
