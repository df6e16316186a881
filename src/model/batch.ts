/**
 * The data handed between the pipeline's stages for one Kafka batch: what the
 * source delivers, what evaluation produces, and what every output is given.
 * Contracts of the model, so that no stage depends on another's module for them.
 */
import type { ActorActivityRow } from './activity.js';
import type { AlertUpdate } from './alert.js';
import type { EnrichedEvent } from './enriched.js';
import type { SourcePosition } from './event.js';
import type { RejectedRecord } from './rejection.js';

export type HeaderValue = Buffer | string | (Buffer | string)[] | undefined;

/** A Kafka message as the source hands it over (shape of kafkajs' message). */
export interface InboundMessage {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly offset: string;
  readonly headers?: Readonly<Record<string, HeaderValue>>;
}

/** A refused message, with its original bytes, bound for the dead-letter topic. */
export interface DeadLetter {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Readonly<Record<string, HeaderValue>>;
  readonly record: RejectedRecord;
}

export interface PositionedEvent {
  readonly event: EnrichedEvent;
  readonly position: SourcePosition;
}

/** How far one stored batch of a partition reaches: the anchor a later restore of the partition starts from. */
export interface PartitionProgress {
  readonly topic: string;
  readonly partition: number;
  /** Offset of the batch's last message (inclusive). */
  readonly endOffset: string;
  /** Newest event time among the batch's stored events (0 when it held none). */
  readonly maxTsMs: number;
  readonly events: number;
}

/** What one write hands to every output: a batch's (or a tick's) results. */
export interface OutputBatch {
  readonly events: readonly PositionedEvent[];
  readonly alerts: readonly AlertUpdate[];
  readonly rejected: readonly RejectedRecord[];
  readonly activity: readonly ActorActivityRow[];
  /** One row per source batch in this write (none for a tick). */
  readonly progress?: readonly PartitionProgress[];
  /** Refused messages with their original bytes, for the dead-letter topic (none for a tick). */
  readonly deadLetters?: readonly DeadLetter[];
  /**
   * When the write began (epoch ms), stamped once by the output runner so that
   * every output and every retry records the same instant (stored_at, a
   * notification's creation time).
   */
  readonly writtenAtMs?: number;
}

/** Everything one batch produced; every durable output must accept it before offsets commit. */
export interface BatchOutput extends OutputBatch {
  /** Messages of the batch taken (all, unless partition alignment held the rest back for later). */
  readonly processed: number;
}
