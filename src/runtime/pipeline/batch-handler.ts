/**
 * Runs one Kafka batch through the pipeline: prepare (decode → enrich, no
 * I/O), rebuild the window state of actors the engine evicted under its cap,
 * evaluate (no I/O), then write the result to every output of the list
 * (src/runtime/outputs/index.ts) through the OutputWriter, which retries the
 * same processed output until every durable output acknowledged. Returns
 * `stored` only then; the source commits offsets on that alone. Given up (the
 * consumer stops or lost the partition), the batch is redelivered, and the
 * engine output it produced is carried over to the next write.
 */
import { describeError, retriedFailureLog } from '../../errors.js';
import type { Logger } from '../../observability/log.js';
import type { Metrics } from '../../observability/metrics.js';
import type { BatchControl, BatchHandler, BatchOutcome, SourceBatch } from '../source/kafka-source.js';
import type { BatchProcessor } from './batch-processor.js';
import type { BatchOutput } from '../../model/batch.js';
import type { CarryOver } from './carry-over.js';
import type { OutputWriter } from './output-writer.js';
import { LoopTurns } from './loop-turns.js';
import { retryWhileHeartbeating } from './heartbeating.js';

export interface BatchHandlerDeps {
  readonly processor: BatchProcessor;
  /** Engine output of given-up batches (and failed ticks), stored with the next write. */
  readonly carryOver: CarryOver;
  /** Every output of the list, with retries (the same one the ticker writes through). */
  readonly writer: OutputWriter;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Heartbeat period while a rebuild's request is in flight. Default 3 s. */
  readonly heartbeatIntervalMs?: number;
  /** The engine's cumulative cap counters (stats().caps): counted in metrics, warned about when they grow. */
  readonly caps?: () => { actorsEvicted: number; alertsClosedEarly: number; historiesDropped: number; stormFolds: number } | undefined;
  /**
   * A partition newly assigned to this instance has its window state restored
   * first (src/runtime/app/partition-restore.ts): its batches wait for it.
   */
  readonly partitionState?: {
    whenRestored(topic: string, partition: number): Promise<boolean> | null;
    noteActors(topic: string, partition: number, actorIds: Iterable<string>, lastOffset?: string): void;
  };
  /**
   * Actors the engine evicted under its cap (engine.max_actors) have their
   * window state rebuilt from ClickHouse before their next events are
   * evaluated: `among` names them (the engine's evictedAmong), `rebuild`
   * loads their stored events, open alerts and activity rows and restores them.
   */
  readonly evictedActors?: {
    among(actorIds: Iterable<string>): string[];
    rebuild(actorIds: readonly string[]): Promise<void>;
  };
}

const ABANDONED: BatchOutcome = { kind: 'abandoned' };

export function createBatchHandler(deps: BatchHandlerDeps): BatchHandler {
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  /** One per handler, shared by the partitions it handles at once. */
  const turns = new LoopTurns();
  /** A rebuild of evicted actors: retried like a write, until done or the batch is given up (nothing is evaluated yet). */
  async function rebuild(actorIds: readonly string[], control: BatchControl): Promise<boolean> {
    const evicted = deps.evictedActors as NonNullable<BatchHandlerDeps['evictedActors']>;
    const result = await retryWhileHeartbeating(() => evicted.rebuild(actorIds), {
      heartbeat: () => control.heartbeat(),
      shouldAbandon: () => control.shouldAbandon(),
      backoff: { initialMs: 250, maxMs: 30_000 },
      ...(deps.heartbeatIntervalMs !== undefined && { heartbeatIntervalMs: deps.heartbeatIntervalMs }),
      onRetry: (err, failures, delayMs) => {
        deps.metrics.sinkFailures.inc({ stage: 'rebuild' });
        const { level, note } = retriedFailureLog(err);
        deps.logger[level]({ stage: 'rebuild', err: describeError(err), failures, retryInMs: delayMs, ...(note && { note }) }, 'rebuilding evicted actors failed; the batch waits');
      },
      ...(deps.sleep && { sleep: deps.sleep }),
    });
    return result.ok;
  }

  /**
   * Waits for the partition's restore, heartbeating. false (give the batch up,
   * nothing evaluated yet): the restore was given up, the consumer stops, or a
   * heartbeat fails (a rebalance is waiting for this batch to end).
   */
  async function untilRestored(topic: string, partition: number, control: BatchControl, onWait: () => void): Promise<boolean> {
    for (;;) {
      const restoring = deps.partitionState?.whenRestored(topic, partition) ?? null;
      if (restoring === null) return true;
      onWait();
      const settled = await Promise.race([restoring, sleep(3_000).then(() => 'waiting' as const)]);
      if (settled !== 'waiting') return settled;
      if (control.shouldAbandon()) return false;
      try {
        await control.heartbeat();
      } catch {
        return false;
      }
    }
  }

  let warnedAt = -Infinity;
  let lastCaps = { actorsEvicted: 0, alertsClosedEarly: 0, historiesDropped: 0, stormFolds: 0 };
  /** Counts what the caps did in this batch; a warning at most once a minute while they bite. */
  function noteCaps(): void {
    const caps = deps.caps?.();
    if (caps === undefined) return;
    const delta = {
      actors: caps.actorsEvicted - lastCaps.actorsEvicted,
      open_alerts: caps.alertsClosedEarly - lastCaps.alertsClosedEarly,
      history: caps.historiesDropped - lastCaps.historiesDropped,
      storm: caps.stormFolds - lastCaps.stormFolds,
    };
    lastCaps = caps;
    let bit = false;
    for (const [what, n] of Object.entries(delta)) {
      if (n <= 0) continue;
      deps.metrics.capEvictions.inc({ what }, n);
      bit = true;
    }
    const now = Date.now();
    if (bit && now - warnedAt >= 60_000) {
      warnedAt = now;
      deps.logger.warn(
        { evictedActors: caps.actorsEvicted, alertsClosedEarly: caps.alertsClosedEarly, historiesDropped: caps.historiesDropped, stormFolds: caps.stormFolds },
        'memory caps are biting: idle actors evicted (rebuilt from ClickHouse on their next event), alerts closed early or folded into storm alerts; see custos_engine_capped_total',
      );
    }
  }

  return async (batch, control) => {
    // The partitions of one fetch start together: each is announced to the outputs before any
    // computes, so the ClickHouse output stores their rows as one insert per table (ClickHouse's
    // CPU goes per part written, not per row). Withdrawn once its write began, before it waits
    // for I/O (a restore, a rebuild: the others' rows do not wait for that), and when it ends.
    const announced = deps.writer.expect();
    try {
      return await handle(batch, control, announced);
    } finally {
      announced();
    }
  };

  async function handle(batch: SourceBatch, control: BatchControl, announced: () => void): Promise<BatchOutcome> {
    // The partitions of one fetch start together: each one's synchronous stages (decode, enrich,
    // evaluate, row serialisation, up to the inserts' requests) get their own turn of the event
    // loop, so the inserts a batch started are sent and answered while the next batch computes.
    await turns.next();
    // Nothing has been evaluated yet: giving up here carries nothing over.
    if (!(await untilRestored(batch.topic, batch.partition, control, announced))) return ABANDONED;
    const started = process.hrtime.bigint();
    const prepared = deps.processor.prepare(batch.topic, batch.partition, batch.messages, batch.highWatermark);
    const taken = batch.messages.slice(0, prepared.processed);
    const held = prepared.processed < batch.messages.length;
    if (taken.length === 0) {
      // The first message is already beyond the partition's bound: nothing to store; the
      // (empty) evaluation only tells the alignment where the partition is held.
      deps.processor.evaluate(prepared);
      return { kind: 'stored', through: null, held };
    }
    // Actors evicted under the cap get their windows back before their events count. Their
    // events of earlier batches are all in ClickHouse by now: one partition's batches run one
    // after the other and a batch returns only once stored, and an actor's events are keyed
    // to one partition (ARCHITECTURE.md, invariant 8). Still nothing evaluated: giving up
    // here carries nothing over.
    const evicted = deps.evictedActors?.among(prepared.enriched.map((e) => e.actor_id)) ?? [];
    if (evicted.length > 0) {
      announced();
      if (!(await rebuild(evicted, control))) return ABANDONED;
    }
    const output: BatchOutput = deps.processor.evaluate(prepared);
    noteCaps();
    deps.partitionState?.noteActors(
      batch.topic,
      batch.partition,
      output.events.map((p) => p.event.actor_id),
      taken[taken.length - 1]?.offset,
    );
    // From here on, what the engine produced for this batch exists only in
    // `output` (a redelivery would be evaluated as duplicates): if the batch is
    // given up, its alerts and activity are carried over, never dropped.
    const toWrite = { ...output, ...deps.carryOver.takeWith(output) };
    const writing = deps.writer.write(toWrite, { heartbeat: () => control.heartbeat(), shouldAbandon: () => control.shouldAbandon() });
    // Its rows are submitted (write() hands the batch to the outputs before its first await).
    announced();
    if (!(await writing)) {
      deps.carryOver.keep(toWrite);
      return ABANDONED;
    }

    deps.metrics.messagesConsumed.inc(taken.length);
    deps.metrics.eventsStored.inc(output.events.length);
    for (const r of output.rejected) deps.metrics.eventsRejected.inc({ reason: r.reason });
    for (const u of output.alerts) deps.metrics.alerts.inc({ rule_id: u.alert.rule_id, severity: u.alert.severity, notify: String(u.notify) });
    deps.metrics.batchSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
    return { kind: 'stored', through: taken[taken.length - 1]?.offset ?? null, held };
  }
}
