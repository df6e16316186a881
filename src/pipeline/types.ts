/** The data handed between pipeline stages for one Kafka batch. */
import type { ActorActivityRow, AlertUpdate } from '../engine/api.js';
import type { EnrichedEvent } from '../model/enriched.js';
import type { SourcePosition } from '../model/event.js';
import type { RejectedRecord } from '../model/rejection.js';

export type HeaderValue = Buffer | string | (Buffer | string)[] | undefined;

/** A Kafka message as the source hands it over (shape of kafkajs' message). */
export interface InboundMessage {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly offset: string;
  readonly headers?: Readonly<Record<string, HeaderValue>>;
}

export interface StoredEvent {
  readonly event: EnrichedEvent;
  readonly position: SourcePosition;
}

/** A refused message, with its original bytes, bound for the dead-letter topic. */
export interface DeadLetter {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Readonly<Record<string, HeaderValue>>;
  readonly record: RejectedRecord;
}

/** Everything one batch produced; sinks must accept all of it before offsets commit. */
export interface BatchOutput {
  readonly events: readonly StoredEvent[];
  readonly rejected: readonly RejectedRecord[];
  readonly deadLetters: readonly DeadLetter[];
  /** Alert revisions in the order the engine produced them (the store picks which to keep). */
  readonly alerts: readonly AlertUpdate[];
  readonly activity: readonly ActorActivityRow[];
}
