/**
 * Runs one Kafka batch through the pipeline: process (decode → enrich →
 * evaluate, no I/O), then the sinks in order — dead letters, then ClickHouse —
 * then hands notifying alerts to webhook delivery. Returns `stored` only when
 * every sink accepted the batch; the source commits offsets on that alone.
 *
 * A failing sink is retried here with the *same* processed output (the engine
 * is not asked to evaluate the events twice), with capped exponential backoff,
 * heartbeating so the group keeps the partition. The partition waits rather
 * than skip data; it gives up only when the consumer stops or loses the
 * partition, and then the batch is redelivered.
 */
import type { Logger } from '../../observability/log.js';
import type { Metrics } from '../../observability/metrics.js';
import type { BatchControl, BatchHandler, BatchOutcome } from '../source/kafka-source.js';
import type { BatchProcessor } from './batch-processor.js';
import type { AlertNotifier, BatchStore, DeadLetterSink } from './sinks.js';
import type { BatchOutput } from './types.js';
import type { CarryOver } from './carry-over.js';
import type { SinkHealth } from './sink-health.js';
import type { StoredNotification } from '../outputs/webhook/outbox.js';

export interface BatchHandlerDeps {
  readonly processor: BatchProcessor;
  /** Engine output of given-up batches (and failed ticks), stored with the next write. */
  readonly carryOver: CarryOver;
  /** Told about every failure and success, for /healthz. */
  readonly health?: SinkHealth;
  readonly deadLetters: DeadLetterSink;
  readonly store: BatchStore;
  readonly notifier: AlertNotifier;
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** Heartbeat period while a sink request is in flight (kafkajs ignores calls more frequent than its heartbeatInterval). Default 3 s. */
  readonly heartbeatIntervalMs?: number;
  /** Backoff bounds for sink retries. */
  readonly retryInitialMs?: number;
  readonly retryMaxMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
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
  const initial = deps.retryInitialMs ?? 250;
  const max = deps.retryMaxMs ?? 30_000;

  const heartbeatMs = deps.heartbeatIntervalMs ?? 3_000;

  /**
   * Runs one attempt while heartbeating on a timer, so the group keeps this
   * member however long a sink request hangs (a frozen ClickHouse holds an
   * insert until its request timeout): without it, the member would be dropped
   * after the session timeout and the group would rebalance, restoring every
   * partition again. A failing heartbeat (a rebalance is waiting) is left to
   * shouldAbandon() after the attempt; the attempt itself is never cut short.
   */
  async function heartbeating<T>(control: BatchControl, attempt: () => Promise<T>): Promise<T> {
    const timer = setInterval(() => void control.heartbeat().catch(() => undefined), heartbeatMs);
    try {
      return await attempt();
    } finally {
      clearInterval(timer);
    }
  }

  /** Retries `attempt` until it succeeds; false if the consumer gave the batch up meanwhile. */
  async function untilStored(stage: string, control: BatchControl, attempt: () => Promise<void>): Promise<boolean> {
    for (let failures = 0; ; failures++) {
      try {
        await heartbeating(control, attempt);
        deps.health?.succeeded();
        return true;
      } catch (err) {
        deps.health?.failed();
        deps.metrics.sinkFailures.inc({ stage });
        const retryable = (err as { retryable?: boolean }).retryable !== false;
        const delay = Math.min(max, initial * 2 ** Math.min(failures, 16));
        const log = retryable ? deps.logger.warn.bind(deps.logger) : deps.logger.error.bind(deps.logger);
        log({ stage, err: describe(err), failures: failures + 1, retryInMs: delay }, 'sink failed; retrying the batch, offsets held');
        if (control.shouldAbandon()) return false;
        await sleep(delay);
        if (control.shouldAbandon()) return false;
        await control.heartbeat().catch(() => undefined);
      }
    }
  }

  /**
   * Waits for the partition's restore, heartbeating. false (give the batch up,
   * nothing evaluated yet): the restore was given up, the consumer stops, or a
   * heartbeat fails (a rebalance is waiting for this batch to end).
   */
  async function untilRestored(topic: string, partition: number, control: BatchControl): Promise<boolean> {
    for (;;) {
      const restoring = deps.partitionState?.whenRestored(topic, partition) ?? null;
      if (restoring === null) return true;
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
    // Nothing has been evaluated yet: giving up here carries nothing over.
    if (!(await untilRestored(batch.topic, batch.partition, control))) return ABANDONED;
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
      const rebuilt = await untilStored('rebuild', control, () => (deps.evictedActors as NonNullable<BatchHandlerDeps['evictedActors']>).rebuild(evicted));
      if (!rebuilt) return ABANDONED;
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
    if (output.deadLetters.length > 0) {
      if (!(await untilStored('dead_letter', control, () => deps.deadLetters.send(output.deadLetters)))) {
        deps.carryOver.keep(output);
        return ABANDONED;
      }
    }
    const toStore = { events: output.events, rejected: output.rejected, progress: output.progress, ...deps.carryOver.takeWith(output) };
    let notifications: readonly StoredNotification[] = [];
    const stored = await untilStored('clickhouse', control, async () => {
      notifications = (await deps.store.writeBatch(toStore)).notifications;
    });
    if (!stored) {
      deps.carryOver.keep(toStore);
      return ABANDONED;
    }
    // Stored first, then notified: the outbox in ClickHouse is what makes
    // delivery survive a crash from here on.
    if (notifications.length > 0) deps.notifier.enqueue(notifications);

    deps.metrics.messagesConsumed.inc(taken.length);
    deps.metrics.eventsStored.inc(output.events.length);
    for (const r of output.rejected) deps.metrics.eventsRejected.inc({ reason: r.reason });
    for (const u of output.alerts) deps.metrics.alerts.inc({ rule_id: u.alert.rule_id, severity: u.alert.severity, notify: String(u.notify) });
    deps.metrics.batchSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
    return { kind: 'stored', through: taken[taken.length - 1]?.offset ?? null, held };
  };
}

/** Error summary for logs: message and code only (no row data, no request bodies). */
function describe(err: unknown): { message: string; code?: string } {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return { message: err.message.slice(0, 500), ...(typeof code === 'string' ? { code } : {}) };
  }
  return { message: String(err).slice(0, 500) };
}
