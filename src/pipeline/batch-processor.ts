/**
 * decode → enrich → evaluate for one Kafka batch. Synchronous and free of I/O:
 * it turns messages into a BatchOutput that the sinks store before the offsets
 * commit. Bad input never throws out of here; it becomes a dead letter.
 */
import { createHash } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { Decoder } from '../decode/decoder.js';
import type { DetectionEngine } from '../engine/api.js';
import type { Enricher } from '../enrich/enricher.js';
import type { EnrichedEvent } from '../model/enriched.js';
import type { RejectedRecord } from '../model/rejection.js';
import { toDeadLetter } from './dead-letter.js';
import type { PositionedEvent } from '../sinks/clickhouse/batch.js';
import type { BatchOutput, DeadLetter, InboundMessage } from './types.js';

export interface BatchProcessorDeps {
  readonly decode: Decoder;
  /** Read at every batch, so a reloaded directory applies from the next batch on. */
  readonly enricher: () => Enricher;
  readonly engine: DetectionEngine;
  readonly clock: Clock;
}

/** A batch decoded and enriched, not evaluated yet (its actors are known, nothing in the engine changed). */
export interface PreparedBatch {
  readonly topic: string;
  readonly partition: number;
  /** Offset of the batch's last message (null for an empty batch). */
  readonly lastOffset: string | null;
  readonly events: readonly PositionedEvent[];
  readonly enriched: readonly EnrichedEvent[];
  readonly rejected: readonly RejectedRecord[];
  readonly deadLetters: readonly DeadLetter[];
}

export class BatchProcessor {
  constructor(private readonly deps: BatchProcessorDeps) {}

  process(topic: string, partition: number, messages: readonly InboundMessage[]): BatchOutput {
    return this.evaluate(this.prepare(topic, partition, messages));
  }

  /** The engine's verdict on a prepared batch (the only step that changes engine state). */
  evaluate(batch: PreparedBatch): BatchOutput {
    const { topic, partition, enriched } = batch;
    const verdict = enriched.length > 0 ? this.deps.engine.evaluate(enriched) : { alerts: [], activity: [] };
    // Every revision this batch produced belongs to its partition (an actor's
    // events are keyed to one) and reflects it up to the batch's last message.
    const position = batch.lastOffset === null ? null : { topic, partition, offset: batch.lastOffset };
    const alerts = position === null ? verdict.alerts : verdict.alerts.map((u) => ({ ...u, position }));
    let maxTsMs = 0;
    for (const e of enriched) if (e.ts > maxTsMs) maxTsMs = e.ts;
    const progress = position === null ? [] : [{ topic, partition, endOffset: position.offset, maxTsMs, events: enriched.length }];
    return { events: batch.events, rejected: batch.rejected, deadLetters: batch.deadLetters, alerts, activity: verdict.activity, progress };
  }

  /** decode → enrich, no engine: the caller may rebuild evicted actors' state before evaluate(). */
  prepare(topic: string, partition: number, messages: readonly InboundMessage[]): PreparedBatch {
    const enrich = this.deps.enricher();
    const receivedAt = this.deps.clock.now();
    const events: PositionedEvent[] = [];
    const enriched: EnrichedEvent[] = [];
    const rejected: RejectedRecord[] = [];
    const deadLetters: DeadLetter[] = [];

    for (const message of messages) {
      const decoded = this.deps.decode(message.value);
      if (decoded.ok) {
        const event = enrich(decoded.event);
        enriched.push(event);
        events.push({ event, position: { topic, partition, offset: message.offset } });
      } else {
        const record: RejectedRecord = {
          ...decoded.rejection,
          topic,
          partition,
          offset: message.offset,
          size_bytes: message.value?.length ?? 0,
          payload_sha256: createHash('sha256').update(message.value ?? Buffer.alloc(0)).digest('hex'),
          received_at: receivedAt,
        };
        rejected.push(record);
        deadLetters.push(toDeadLetter(message, record));
      }
    }
    const last = messages[messages.length - 1];
    return { topic, partition, lastOffset: last === undefined ? null : last.offset, events, enriched, rejected, deadLetters };
  }
}
