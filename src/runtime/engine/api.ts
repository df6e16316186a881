/**
 * The detection engine's public surface. The engine is pure: it does no I/O and
 * reads time only from the injected Clock, so the live monitor, the backtest and
 * unit tests run the same code. Everything it needs from the outside world is
 * handed in (enriched events, restored history); everything it produces is
 * handed back (alerts, activity rows) for the sinks to store.
 */
import type { Alert } from '../../model/alert.js';
import type { EnrichedEvent } from '../../model/enriched.js';
import type { SourcePosition } from '../../model/event.js';
import type { AlertState } from './alerts/alert-state.js';
import type { RuleSet } from './rules/rule-set.js';

export type { AlertState } from './alerts/alert-state.js';

/** An alert revision the sinks must store; `notify` says whether webhooks get it. */
export interface AlertUpdate {
  readonly alert: Alert;
  /** true for an opening alert and for an escalation; false for a merged follow-up. */
  readonly notify: boolean;
  /**
   * The engine's own state behind this revision (typed, versioned: see
   * alerts/alert-state.ts), stored with it so a restarted engine continues the
   * alert exactly. Not part of the alert contract: webhooks never carry it.
   */
  readonly state: AlertState;
  /**
   * Set by the pipeline, not the engine: the Kafka position up to which this
   * revision reflects its partition's events (the last message of the batch
   * whose evaluation produced it; for a tick, the last message evaluated of
   * the actor's partition). A restore as of a committed offset takes exactly
   * the revisions below it. Absent outside the live pipeline.
   */
  readonly position?: SourcePosition | null;
}

/** A stored alert revision handed back to restore(): the alert, and its engine state when one was stored and is readable. */
export interface RestorableAlert {
  readonly alert: Alert;
  /** null for revisions stored without a state (older custos) or with one this code cannot read: rebuilt from the explanation. */
  readonly state: AlertState | null;
}

/**
 * One closed bucket of an actor's activity, stored in ClickHouse so baselines
 * survive restarts and are shared by instances. Produced by the engine when
 * event time passes the end of the bucket (plus the lateness allowance).
 */
export interface ActorActivityRow {
  readonly actor_id: string;
  readonly role: string;
  readonly department: string;
  /** `hour` or `day` (UTC-aligned buckets). */
  readonly granularity: 'hour' | 'day';
  /** Epoch ms of the bucket start. */
  readonly bucket_start: number;
  /** Local hour (0-23) and ISO weekday (1-7) of the bucket start in the actor's time zone. */
  readonly local_hour: number;
  readonly local_weekday: number;
  readonly events: number;
  /** Distinct customers touched (read/search/export) within the bucket. */
  readonly distinct_records: number;
  /** Highest distinct-customer count of any 5-minute window inside the bucket. */
  readonly peak_5m_distinct: number;
  /**
   * Highest distinct-customer count of the sliding 1-hour window at any event
   * inside the bucket (added by the engine; optional for rows stored without
   * it, which then fall back to distinct_records). A burst straddling a clock
   * hour is split across two buckets' distinct_records, but not here: this is
   * what a sliding 1h window must be compared with.
   */
  readonly peak_1h_distinct?: number;
  /** Likewise for the sliding 24-hour window (meaningful on `day` rows); falls back to distinct_records. */
  readonly peak_24h_distinct?: number;
  /**
   * Largest record_count of one request the engine counted (settings.counted)
   * in the bucket (added by the engine; optional: rows stored without it count
   * as 0, i.e. no own normal request size is known). The employment-status
   * factor never lowers a per-request limit below the actor's own largest
   * request (policy record_limit with own_normal).
   */
  readonly max_request_records?: number;
  readonly denied: number;
  /** What the actor used in the bucket; first-seen detection compares against these. */
  readonly resource_types: readonly string[];
  readonly channels: readonly string[];
  readonly zones: readonly string[];
}

/** What the engine needs from history at start (loaded from ClickHouse by the pipeline). */
export interface EngineHistory {
  /** Closed activity buckets, oldest first (a configurable look-back, e.g. 28 days). */
  readonly activity: readonly ActorActivityRow[];
  /**
   * The latest revision of the alerts that may still be open, and of closed
   * ones a rate window may still re-open (the actor's last closed alert). At
   * most one open and one closed alert per actor are kept (the newest).
   */
  readonly alerts: readonly RestorableAlert[];
  /**
   * Recent events (within the longest window plus the lateness allowance), oldest
   * first, to rebuild sliding windows after a restart. Windows must treat a
   * replayed event (same event_id or same record refs) idempotently.
   */
  readonly recentEvents: readonly EnrichedEvent[];
}

export interface EngineOutput {
  readonly alerts: readonly AlertUpdate[];
  readonly activity: readonly ActorActivityRow[];
}

export interface EngineStats {
  readonly actors: number;
  readonly openAlerts: number;
  /** Approximate bytes held by window state; bounded by configuration. */
  readonly approxStateBytes: number;
  /**
   * Events older than the lateness allowance, counted but not added to windows
   * (policy rules still judge them); also events with a ts before 1970, which
   * are not evaluated at all.
   */
  readonly lateDropped: number;
  /**
   * Events whose ts is more than `settings.clock_skew` ahead of processing time
   * (the clock when evaluate() was called): not evaluated at all, so a broken
   * clock cannot move an actor's watermark ahead of its real events (added by
   * the engine; optional for other implementations).
   */
  readonly futureDropped?: number;
  /** Rule firings silenced by an exception (added by the engine; optional for other implementations). */
  readonly exceptionsApplied?: number;
  /**
   * Rate judgments made with a provisional peer or role snapshot: some input
   * had not been evaluated past its cutoff yet (another instance's partitions,
   * or one of ours more than the margin behind), so the figure may differ
   * from run to run. 0 when every snapshot was final.
   */
  readonly provisionalJudgments?: number;
  /** What the memory caps and the storm guard did so far, cumulative (added by the engine; optional). */
  readonly caps?: {
    readonly actorsEvicted: number;
    readonly alertsClosedEarly: number;
    readonly historiesDropped: number;
    readonly stormFolds: number;
  };
}

/** What the live pipeline knows beside the events of a batch (absent in a replay in event-time order). */
export interface EvaluationInputs {
  /**
   * Event time up to which every OTHER input of this engine (the other
   * partitions this instance owns that still have events waiting) has been
   * evaluated; +Infinity when none has. With the batch's own events, which
   * are in order, every input is complete up to min(this, event ts): buckets
   * that ended by then close whatever their actor does next, and peer and
   * role snapshots whose cutoff that passed are final.
   */
  readonly othersCompleteTo: number;
}

export interface DetectionEngine {
  /** Evaluate events in the order given (per actor, Kafka keeps them ordered). */
  evaluate(events: readonly EnrichedEvent[], inputs?: EvaluationInputs): EngineOutput;
  /**
   * Advance processing time with no new events: closes buckets and alerts of
   * actors idle in processing time (each actor's event time advanced by the
   * processing time since its latest event, never replaced by the clock).
   * `idle`: which actors may be advanced (default: all); live, those whose
   * partition has no events waiting: an actor of a partition being caught up
   * is not idle, only not read yet.
   */
  tick(idle?: (actorId: string) => boolean): EngineOutput;
  /**
   * Seed baselines, open alerts and windows after a restart. Call before
   * evaluate. Restored state counts as last seen at the restore time
   * (processing time). A restored open alert that no live event of its actor
   * touched since is not closed by the clock (at restore or by tick()) until
   * the longest window + quiet + lateness after the restore: the instance that
   * owns the actor may be continuing it.
   */
  restore(history: EngineHistory): void;
  /**
   * Drops the window state and open alert of these actors without emitting
   * anything: another instance now owns their partition and continues them
   * (a closing revision from here would race its revisions). Baselines stay.
   * Also forgets that they were evicted, and their evicted buckets.
   */
  forget(actorIds: Iterable<string>): void;
  /** Whether the engine holds window state for this actor (idle actors expire). */
  holds(actorId: string): boolean;
  /**
   * Which of these actors had their window state evicted under the actor cap
   * and not rebuilt since. Their stored events, open alerts and activity rows
   * must be handed to restore() before their next events are evaluated, or
   * their windows start empty (optional for other implementations: none).
   */
  evictedAmong?(actorIds: Iterable<string>): string[];
  /** stats().caps without the rest (cheap: read after every batch). */
  capCounts?(): NonNullable<EngineStats['caps']>;
  stats(): EngineStats;
  /**
   * Swap the rule set (hot reload) without losing window state, baselines or
   * open alerts: state is keyed by actor and window horizon, not by rule object.
   */
  replaceRules(ruleSet: RuleSet): void;
  /**
   * How far back restore() needs events and open alerts: the longest window the
   * rules use plus the lateness allowance (at least a day: windows keep a day),
   * plus a day and the group baseline margin (a day bucket still open, and the
   * windows before its first event, rebuilt whole).
   */
  historyWindowMs(): number;
  /**
   * Adds activity rows loaded after start (e.g. other instances' closed buckets
   * from ClickHouse), so this instance's baselines stay current. Idempotent: a
   * bucket already known (same actor, granularity and bucket_start) is replaced
   * only by a newer row of it (more events); the same rows merged again change
   * nothing. Rows are not emitted again in EngineOutput.activity. Any order.
   */
  mergeActivity(rows: readonly ActorActivityRow[]): void;
}
