/**
 * decode → enrich → evaluate for one Kafka batch. Synchronous and free of I/O:
 * it turns messages into a BatchOutput that the sinks store before the offsets
 * commit. Bad input never throws out of here; it becomes a dead letter.
 *
 * With partition alignment (src/runtime/pipeline/partition-alignment.ts), a batch may
 * be evaluated only in part: the messages from the first event beyond the
 * partition's bound on are left for later (`processed` says how many were
 * taken); the source commits the prefix and pauses the partition.
 */
import type { Clock } from '../../clock.js';
import type { DecodeResult, Decoder } from '../decode/decoder.js';
import type { DetectionEngine, EvaluationInputs } from '../engine/api.js';
import type { Enricher } from '../enrich/enricher.js';
import type { EnrichedEvent } from '../../model/enriched.js';
import type { RejectedRecord } from '../../model/rejection.js';
import { toDeadLetter } from './dead-letter.js';
import { UNMEASURED, type StageCpu } from '../../observability/stage-cpu.js';
import type { PartitionAlignment } from './partition-alignment.js';
import { type PositionedEvent } from '../../model/batch.js';
import type { BatchOutput, DeadLetter, InboundMessage } from '../../model/batch.js';

/**
 * Messages decoded per call (their ids hashed in one WebAssembly call). Not the whole batch
 * at once: all of a 6,000-message batch's decoded events would be alive until it was enriched,
 * and each scavenge in between copies them (measured: young GC 732–803 ms against 513–645 ms
 * per 100,000 events with the whole batch); a few hundred ids per call already amortise the call.
 */
export const DECODE_CHUNK = 256;

export interface BatchProcessorDeps {
  readonly decode: Decoder;
  /** Read at every batch, so a reloaded directory applies from the next batch on. */
  readonly enricher: () => Enricher;
  readonly engine: DetectionEngine;
  readonly clock: Clock;
  /** Event-time alignment of the partitions this instance owns; absent: every batch is evaluated whole. */
  readonly alignment?: PartitionAlignment;
  /** Counts the CPU of decode, enrich and evaluate (the monitor's metrics); absent: not counted. */
  readonly stageCpu?: StageCpu;
}

/** A batch decoded and enriched, not evaluated yet (its actors are known, nothing in the engine changed). */
export interface PreparedBatch {
  readonly topic: string;
  readonly partition: number;
  /** Offset of the last message taken (null: none was). */
  readonly lastOffset: string | null;
  /** Messages of the batch taken: all, unless partition alignment held the rest back. */
  readonly processed: number;
  /** Event time of the first message held back (null: none was). */
  readonly heldFrom: number | null;
  /** The messages taken reach the partition's log end as fetched. */
  readonly reachedEnd: boolean;
  readonly events: readonly PositionedEvent[];
  readonly enriched: readonly EnrichedEvent[];
  readonly rejected: readonly RejectedRecord[];
  readonly deadLetters: readonly DeadLetter[];
}

export class BatchProcessor {
  private readonly stageCpu: StageCpu;

  constructor(private readonly deps: BatchProcessorDeps) {
    this.stageCpu = deps.stageCpu ?? UNMEASURED;
  }

  /** `highWatermark`: the partition's log end offset when the batch was fetched (to know when it caught up). */
  process(topic: string, partition: number, messages: readonly InboundMessage[], highWatermark?: string): BatchOutput {
    return this.evaluate(this.prepare(topic, partition, messages, highWatermark));
  }

  /** The engine's verdict on a prepared batch (the only step that changes engine state). */
  evaluate(batch: PreparedBatch): BatchOutput {
    const { topic, partition, enriched } = batch;
    const alignment = this.deps.alignment;
    const inputs: EvaluationInputs | undefined = alignment === undefined ? undefined : { othersCompleteTo: alignment.othersCompleteTo(partition) };
    const verdict = enriched.length > 0 ? this.stageCpu.measure('evaluate', () => this.deps.engine.evaluate(enriched, inputs)) : { alerts: [], activity: [] };
    let maxTsMs = 0;
    for (const e of enriched) if (e.ts > maxTsMs) maxTsMs = e.ts;
    alignment?.evaluated(partition, { lastTs: enriched.length > 0 ? maxTsMs : Number.NEGATIVE_INFINITY, heldFrom: batch.heldFrom, reachedEnd: batch.reachedEnd });
    // Every revision this batch produced belongs to its partition (an actor's
    // events are keyed to one) and reflects it up to the last message taken.
    const position = batch.lastOffset === null ? null : { topic, partition, offset: batch.lastOffset };
    const alerts = position === null ? verdict.alerts : verdict.alerts.map((u) => ({ ...u, position }));
    const progress = position === null ? [] : [{ topic, partition, endOffset: position.offset, maxTsMs, events: enriched.length }];
    return { events: batch.events, rejected: batch.rejected, deadLetters: batch.deadLetters, alerts, activity: verdict.activity, progress, processed: batch.processed };
  }

  /**
   * decode → enrich, no engine: the caller may rebuild evicted actors' state
   * before evaluate(). With alignment, the messages from the first event
   * beyond the partition's bound on are not taken.
   */
  prepare(topic: string, partition: number, messages: readonly InboundMessage[], highWatermark?: string): PreparedBatch {
    const enrich = this.deps.enricher();
    const receivedAt = this.deps.clock.now();
    const events: PositionedEvent[] = [];
    const enriched: EnrichedEvent[] = [];
    const rejected: RejectedRecord[] = [];
    const deadLetters: DeadLetter[] = [];
    const bound = this.deps.alignment?.bound(partition) ?? Number.POSITIVE_INFINITY;

    // Decoded DECODE_CHUNK messages at a time, so that their record ids are pseudonymised in one
    // call. An event too far ahead of the slowest other partition is where decode stops: it and
    // the rest wait.
    const values = messages.map((m) => m.value);
    let heldFrom: number | null = null;
    let processed = 0;
    const into = { events, enriched, rejected, deadLetters };
    for (let start = 0; start < values.length && heldFrom === null; start += DECODE_CHUNK) {
      const chunk = this.stageCpu.measure('decode', () => this.deps.decode.batch(values.slice(start, start + DECODE_CHUNK), bound));
      heldFrom = chunk.heldFrom;
      this.stageCpu.measure('enrich', () => {
        for (const decoded of chunk.results) {
          this.take(decoded, messages[processed]!, topic, partition, receivedAt, into, enrich);
          processed++;
        }
      });
    }
    const last = messages[processed - 1];
    const reachedEnd = heldFrom === null && last !== undefined && highWatermark !== undefined && BigInt(last.offset) + 1n >= BigInt(highWatermark);
    return { topic, partition, lastOffset: last === undefined ? null : last.offset, processed, heldFrom, reachedEnd, events, enriched, rejected, deadLetters };
  }

  /** One decoded message into the batch's lists: enriched, or a rejection and its dead letter. */
  private take(
    decoded: DecodeResult,
    message: InboundMessage,
    topic: string,
    partition: number,
    receivedAt: number,
    into: { events: PositionedEvent[]; enriched: EnrichedEvent[]; rejected: RejectedRecord[]; deadLetters: DeadLetter[] },
    enrich: Enricher,
  ): void {
    if (decoded.ok) {
      const event = enrich(decoded.event);
      into.enriched.push(event);
      into.events.push({ event, position: { topic, partition, offset: message.offset } });
      return;
    }
    const record: RejectedRecord = {
      ...decoded.rejection,
      topic,
      partition,
      offset: message.offset,
      size_bytes: message.value?.length ?? 0,
      payload_sha256: this.deps.decode.payloadDigest(message.value),
      received_at: receivedAt,
    };
    into.rejected.push(record);
    into.deadLetters.push(toDeadLetter(message, record));
  }
}
