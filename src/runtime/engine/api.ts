/**
 * The detection engine's public surface. The engine is pure: it does no I/O and
 * reads time only from the injected Clock, so the live monitor, the backtest and
 * unit tests run the same code. Everything it needs from the outside world is
 * handed in (enriched events, restored history); everything it produces is
 * handed back (alerts, activity rows) for the sinks to store.
 */
import type { ActorActivityRow } from '../../model/activity.js';
import type { AlertUpdate, RestorableAlert } from '../../model/alert.js';
import type { EnrichedEvent } from '../../model/enriched.js';
import type { RuleSet } from './rules/rule-set.js';

// The engine's inputs and outputs are contracts of the model (stored, sent, restored).
export type { ActorActivityRow } from '../../model/activity.js';
export type { AlertUpdate, RestorableAlert } from '../../model/alert.js';
export type { AlertState } from '../../model/alert-state.js';

/**
 * Sees how close the rules came to firing for the actors it watches: every
 * rate window judged (observed and limit, above it or not) and every score
 * (with what each fired signal and fact added). For diagnosis only (the
 * detection benchmark's "closest approach" of a missed incident); an engine
 * without a probe computes none of it. Called synchronously; must not throw.
 */
export interface EngineProbe {
  watches(actorId: string): boolean;
  rate(actorId: string, ts: number, ruleId: string, window: string, observed: number, limit: number): void;
  score(actorId: string, ts: number, ruleId: string, score: number, threshold: number, parts: readonly ProbePart[]): void;
}

/** One contribution to a probed score: a signal (its rule title) or a fact (its reason), and its points. */
export interface ProbePart {
  readonly label: string;
  readonly points: number;
}

/** What a restore starts from: baselines and alerts, before any recent event is replayed. */
export type RestoreSeed = Pick<EngineHistory, 'activity' | 'alerts'>;

/**
 * A restore whose recent events are handed on in chunks as they are read
 * (DetectionEngine.beginRestore), so a partition of two million stored events
 * is never held whole in memory. Until finish(), the actors it replayed are
 * left alone by everything else the engine does (tick, caps, closing by
 * progress), exactly as if the restore had run at once.
 */
export interface EngineRestore {
  /** The next recent events, oldest first, continuing the previous chunk (EngineHistory.recentEvents). */
  replay(events: readonly EnrichedEvent[]): void;
  /** Ends the restore, also after a failed read: what was replayed stays (forget() drops it), and replaying it again counts nothing twice. */
  finish(): void;
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
   * The same restore, its recent events handed on in chunks (replay) instead
   * of at once: beginRestore(h) + replay(h.recentEvents) + finish() is
   * restore(h). Other batches may be evaluated between chunks.
   */
  beginRestore(seed: RestoreSeed): EngineRestore;
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
