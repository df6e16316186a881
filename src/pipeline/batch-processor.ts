/**
 * decode → enrich → evaluate for one Kafka batch. Synchronous and free of I/O:
 * it turns messages into a BatchOutput that the sinks store before the offsets
 * commit. Bad input never throws out of here; it becomes a dead letter.
 *
 * With partition alignment (src/pipeline/partition-alignment.ts), a batch may
 * be evaluated only in part: the messages from the first event beyond the
 * partition's bound on are left for later (`processed` says how many were
 * taken); the source commits the prefix and pauses the partition.
 */
import { createHash } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { Decoder } from '../decode/decoder.js';
import type { DetectionEngine, EvaluationInputs } from '../engine/api.js';
import type { Enricher } from '../enrich/enricher.js';
import type { EnrichedEvent } from '../model/enriched.js';
import type { RejectedRecord } from '../model/rejection.js';
import { toDeadLetter } from './dead-letter.js';
import type { PartitionAlignment } from './partition-alignment.js';
import type { PositionedEvent } from '../sinks/clickhouse/batch.js';
import type { BatchOutput, DeadLetter, InboundMessage } from './types.js';

export interface BatchProcessorDeps {
  readonly decode: Decoder;
  /** Read at every batch, so a reloaded directory applies from the next batch on. */
  readonly enricher: () => Enricher;
  readonly engine: DetectionEngine;
  readonly clock: Clock;
  /** Event-time alignment of the partitions this instance owns; absent: every batch is evaluated whole. */
  readonly alignment?: PartitionAlignment;
}

export class BatchProcessor {
  constructor(private readonly deps: BatchProcessorDeps) {}

  /** `highWatermark`: the partition's log end offset when the batch was fetched (to know when it caught up). */
  process(topic: string, partition: number, messages: readonly InboundMessage[], highWatermark?: string): BatchOutput {
    const enrich = this.deps.enricher();
    const receivedAt = this.deps.clock.now();
    const events: PositionedEvent[] = [];
    const enriched: EnrichedEvent[] = [];
    const rejected: RejectedRecord[] = [];
    const deadLetters: DeadLetter[] = [];
    const alignment = this.deps.alignment;
    const bound = alignment?.bound(partition) ?? Number.POSITIVE_INFINITY;
    let heldFrom: number | null = null;
    let processed = 0;
    let maxTsMs = 0;

    for (const message of messages) {
      const decoded = this.deps.decode(message.value);
      if (decoded.ok) {
        // Too far ahead of the slowest other partition: this message and the rest wait.
        if (decoded.event.ts > bound) {
          heldFrom = decoded.event.ts;
          break;
        }
        const event = enrich(decoded.event);
        enriched.push(event);
        events.push({ event, position: { topic, partition, offset: message.offset } });
        if (event.ts > maxTsMs) maxTsMs = event.ts;
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
      processed++;
    }
    const inputs: EvaluationInputs | undefined = alignment === undefined ? undefined : { othersCompleteTo: alignment.othersCompleteTo(partition) };
    const verdict = enriched.length > 0 ? this.deps.engine.evaluate(enriched, inputs) : { alerts: [], activity: [] };
    const last = messages[processed - 1];
    if (alignment !== undefined) {
      const reachedEnd = heldFrom === null && last !== undefined && highWatermark !== undefined && BigInt(last.offset) + 1n >= BigInt(highWatermark);
      alignment.evaluated(partition, { lastTs: enriched.length > 0 ? maxTsMs : Number.NEGATIVE_INFINITY, heldFrom, reachedEnd });
    }
    // Every revision this batch produced belongs to its partition (an actor's
    // events are keyed to one) and reflects it up to the last message taken.
    const position = last === undefined ? null : { topic, partition, offset: last.offset };
    const alerts = position === null ? verdict.alerts : verdict.alerts.map((u) => ({ ...u, position }));
    const progress = position === null ? [] : [{ topic, partition, endOffset: position.offset, maxTsMs, events: enriched.length }];
    return { events, rejected, deadLetters, alerts, activity: verdict.activity, progress, processed };
  }
}
