/** The data handed between pipeline stages for one Kafka batch. */
import type { RejectedRecord } from '../../model/rejection.js';
import type { SinkBatch } from '../outputs/clickhouse/batch.js';

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

/** Everything one batch produced; sinks must accept all of it before offsets commit. */
export interface BatchOutput extends SinkBatch {
  /** Refused messages with their original bytes, for the dead-letter topic. */
  readonly deadLetters: readonly DeadLetter[];
  /** Messages of the batch taken (all, unless partition alignment held the rest back for later). */
  readonly processed: number;
}
