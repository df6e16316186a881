/**
 * The detection engine: policy and rate rules over enriched events, with
 * explained, merged, deterministic alerts.
 *
 * Pure: no I/O, no wall clock, no randomness. Event time comes from `ts`.
 * Processing time comes only from the injected Clock, read once per
 * evaluate() (each actor's `lastSeenAt`, and the cap on how far ahead of it an
 * event may be) and by tick(), and it is never compared with event time: tick()
 * advances each actor's own event time by the processing time that actor has
 * been idle. Everything else depends only on the sequence of events per actor,
 * which Kafka preserves, so a backlog or a backtest replayed at full speed
 * gives the alerts and activity rows live arrival gave.
 *
 * Per event (the hot path): one actor lookup, one event-id hash, O(refs)
 * window updates, and one closure call per rule; a window's limit is computed
 * (allocation-free, `limitOf`) only when its count passes the window's floor.
 */
import type { AlertRevision } from '../../model/alert.js';
import type { ActorProfile, EnrichedEvent } from '../../model/enriched.js';
import type { Clock } from '../../clock.js';
import type {
  ActorActivityRow,
  DetectionEngine,
  EngineHistory,
  EngineOutput,
  EngineRestore,
  EngineProbe,
  EngineStats,
  EvaluationInputs,
  ProbePart,
  RestoreSeed,
} from './api.js';
import { AlertCorrelator } from './alerts/correlator.js';
import type { Contribution, WindowFigure } from './alerts/open-alert.js';
import { round2 } from './alerts/wording.js';
import { type Band, bandAt, type Metric } from './baseline/bands.js';
import { ActivityHistory, groupCutoffOf, type ActorHistory } from './baseline/history.js';
import { chainReachesOrg, decideLimit, limitOf, rareBandApplies, type BaselineStats, type LimitDecision, type LimitInputs } from './baseline/limits.js';
import { EMPTY_STATS } from './baseline/robust.js';
import { EngineConfigError } from './errors.js';
import type { DerivedFacts, EvalInput } from './rules/fields.js';
import type { PolicyFinding, PolicyRule, RateRule, RateWindow, Rule, RuleSet, ScoreRule, ScoreSignal } from './rules/rule-set.js';
import type { ActivityBucket } from './state/activity.js';
import { ActorState } from './state/actor-state.js';
import type { MeasureRuntime, WindowDays } from './measures/index.js';
import { WindowAccumulator } from './state/accumulate.js';
import { EvictedActors } from './state/evicted-actors.js';
import { NO_SPANS, openDuring, type AlertSpan } from './state/alert-spans.js';
import { EvictedBucketStore } from './state/evicted-buckets.js';

const HOUR_MS = 3_600_000;
const NO_ACTORS: ReadonlySet<string> = new Set();
const DAY_MS = 86_400_000;
/** Evicted actors' open buckets that may wait for their closing time: at least this many, or twice the actor cap. */
const EVICTED_BUCKETS_MIN = 10_000;

export interface EngineOptions {
  readonly rules: RuleSet;
  readonly clock: Clock;
  /** Exact distinct refs kept per actor window/bucket before switching to HyperLogLog. Default 10,000. */
  readonly maxExactDistinctPerActor?: number;
  /** Event ids remembered per actor for idempotence. Default 20,000. */
  readonly maxEventIdsPerActor?: number;
  /**
   * Actors whose window state is held (default: no cap). Beyond it, after each
   * evaluate(), the least recently active actors are evicted: those without an
   * open alert first, never one the batch touched. Their open buckets are
   * emitted as they are (a fuller row of the same bucket replaces it later),
   * and evictedAmong() names them until their state is rebuilt (restore()).
   */
  readonly maxActors?: number;
  /** Open alerts held (default: no cap). Beyond it, the least recently active actors' alerts are closed early (`closed_by: open_alert_cap`). */
  readonly maxOpenAlerts?: number;
  /** Actors whose baseline history (activity rows) is held (default: no cap); beyond it, those longest without a new row and without window state are dropped. */
  readonly maxHistoryActors?: number;
  /** Diagnosis: told how close each window and score came to firing for the actors it watches (EngineProbe). */
  readonly probe?: EngineProbe;
}

/** What the caps did, cumulatively (stats().caps). */
export interface CapCounters {
  /** Actors whose window state was evicted (engine.max_actors). */
  actorsEvicted: number;
  /** Alerts closed early (engine.max_open_alerts). */
  alertsClosedEarly: number;
  /** Actors whose baseline history was dropped (engine.max_history_actors). */
  historiesDropped: number;
  /** Alert openings folded into a storm alert (settings alert_storm). */
  stormFolds: number;
}

type Writable<T> = { -readonly [K in keyof T]-?: T[K] };

/** A window's limit inputs as the engine fills them in place (LimitInputs, writable). */
interface ScratchLimitInputs extends Writable<LimitInputs> {
  stats: Writable<BaselineStats>;
  days: Writable<NonNullable<LimitInputs['days']>> | null;
}

export function createEngine(options: EngineOptions): DetectionEngine {
  return new Engine(options);
}

export class Engine implements DetectionEngine {
  private rules!: RuleSet;
  /** limitInputs' answer, reused for every window judged (the per-event path allocates no inputs). */
  private readonly scratchDays = { active: 0, level: 0 };
  private readonly scratchSlot = { weekday: 0, hour: 0, hours: 0 };
  private readonly scratchInputs: ScratchLimitInputs = { stats: { own: EMPTY_STATS, peers: EMPTY_STATS, role: EMPTY_STATS, org: EMPTY_STATS, ownOther: EMPTY_STATS, peersOther: EMPTY_STATS }, band: null, roleLimits: undefined, statusFactor: 1, days: null, slotRecurring: null };
  private readonly clock: Clock;
  private readonly caps: { distinct: number; eventIds: number };
  private readonly maxActors: number;
  private readonly maxOpenAlerts: number;
  private readonly maxHistoryActors: number;
  /** Evicted actors not rebuilt yet (see evictedAmong). */
  private readonly evicted = new EvictedActors();
  /** Evicted actors' open buckets, until tick() would have closed them or the actor is rebuilt. */
  private readonly evictedBuckets = new EvictedBucketStore();
  /** During a restore's replay: actors whose replayed events count in windows only (their buckets come back whole: beginRestore()). */
  private windowsOnly: ReadonlySet<string> = NO_ACTORS;
  /**
   * Actors a restore in progress replayed events of (how many restores): tick,
   * the caps and closing by progress leave them alone until it finishes, as
   * they could not touch them while a restore ran at once.
   */
  private readonly restoringActors = new Map<string, number>();
  private readonly capCounters: CapCounters = { actorsEvicted: 0, alertsClosedEarly: 0, historiesDropped: 0, stormFolds: 0 };
  /** Numbers the evaluate() calls: an actor's `batch` says which touched it last. */
  private batchSeq = 0;
  private readonly alerts: AlertCorrelator;
  private readonly actors = new Map<string, ActorState>();
  private readonly history: ActivityHistory;
  /** What a new event adds to an actor's windows, buckets and measure state (state/accumulate.ts). */
  private readonly accumulator: WindowAccumulator;
  /** Per rate rule (in ruleSet.rateRules order): its measure bound to the window layout. */
  private measures: MeasureRuntime[] = [];
  /**
   * Per rate rule, what it signalled on the current event for score rules:
   * the event number it last fired on (signalAt), its highest observed/limit
   * ratio then and that window's figure. Reset by numbering events, not by clearing.
   */
  private eventSeq = 0;
  private signalAt: number[] = [];
  private signalRatio: number[] = [];
  private signalFigure: (WindowFigure | null)[] = [];
  /** Per score rule: the most its facts can give (a score that cannot reach its threshold without a signal is skipped). */
  private factsMax: number[] = [];
  private retentionMs = 0;

  private readonly facts: DerivedFacts = { first_seen_resource_type: false, peer_share_resource_type: 0, first_seen_channel: false, first_seen_zone: false, new_customers: 0, silent_days: 0 };
  private readonly input: EvalInput;
  private rowsOut: ActorActivityRow[] = [];
  private lateDropped = 0;
  private futureDropped = 0;
  private exceptionsApplied = 0;
  private restoring = false;
  /** Processing time of the evaluate() (or restore()) in progress: the clock is read once per batch. */
  private batchNow = 0;
  /**
   * During a live evaluate(): event time up to which every other input has
   * been evaluated (EvaluationInputs.othersCompleteTo); null in a replay, whose
   * single input is in event-time order (everything before an event is complete).
   */
  private completeTo: number | null = null;
  /** Every actor's buckets that ended by this (less the lateness allowance) were closed by progress. */
  private progressClosedTo = Number.NEGATIVE_INFINITY;
  private provisionalJudgments = 0;
  /**
   * Processing time after restore() before tick() may close a restored alert no
   * live event touched: longest window + longest quiet + lateness (see tick).
   */
  private restoredHoldMs = 0;
  private readonly probe: EngineProbe | null;
  /** The probe watches the actor of the event being judged. */
  private probing = false;

  constructor(options: EngineOptions) {
    this.clock = options.clock;
    this.probe = options.probe ?? null;
    this.caps = {
      distinct: positiveInt(options.maxExactDistinctPerActor ?? 10_000, 'maxExactDistinctPerActor'),
      eventIds: positiveInt(options.maxEventIdsPerActor ?? 20_000, 'maxEventIdsPerActor'),
    };
    this.maxActors = optionalCap(options.maxActors, 'maxActors');
    this.maxOpenAlerts = optionalCap(options.maxOpenAlerts, 'maxOpenAlerts');
    this.maxHistoryActors = optionalCap(options.maxHistoryActors, 'maxHistoryActors');
    const s = options.rules.settings;
    this.history = new ActivityHistory(s.activity_lookback, s.baseline_bands, Number.isFinite(this.maxHistoryActors));
    // A placeholder event: the input object is reused for every event (no allocation).
    this.input = { e: undefined as unknown as EnrichedEvent, f: this.facts };
    this.alerts = new AlertCorrelator(options.rules, this.facts, this.input, this.capCounters);
    this.accumulator = new WindowAccumulator(this.input);
    this.replaceRules(options.rules);
  }

  // ---- public surface ----------------------------------------------------------

  evaluate(events: readonly EnrichedEvent[], inputs?: EvaluationInputs): EngineOutput {
    this.batchNow = this.clock.now();
    this.batchSeq++;
    this.completeTo = inputs?.othersCompleteTo ?? null;
    try {
      for (const e of events) this.evaluateOne(e);
    } finally {
      this.completeTo = null;
    }
    this.alerts.closeQuietStorms(this.batchNow);
    this.enforceCaps();
    return this.flush();
  }

  /**
   * The actors among `actorIds` whose window state was evicted under the cap
   * and not rebuilt since: the pipeline loads their stored events, open alerts
   * and activity rows and hands them to restore() before evaluating their
   * next events.
   */
  evictedAmong(actorIds: Iterable<string>): string[] {
    if (this.evicted.size === 0) return [];
    const out = new Set<string>();
    const now = this.clock.now();
    for (const id of actorIds) if (!this.actors.has(id) && this.evicted.has(id, now, this.retentionMs)) out.add(id);
    return [...out];
  }

  /**
   * Closes buckets and alerts of actors idle in processing time. An actor's
   * event time is never compared with the clock (a consumer that is behind
   * would close every live bucket and alert): it is advanced by the processing
   * time elapsed since the actor's latest event was evaluated. Live, that is
   * the wall-clock gap; in a backlog replayed at full speed it is next to
   * nothing, so the backlog closes what live arrival closed, when the actor's
   * next event (not the clock) says so. In a replay whose clock follows event
   * time (EngineReplay), it is exactly the clock, as before.
   */
  tick(mayAdvance?: (actorId: string) => boolean): EngineOutput {
    const now = this.clock.now();
    const lateness = this.rules.settings.lateness;
    for (const [id, st] of this.actors) {
      if ((mayAdvance !== undefined && !mayAdvance(id)) || this.restoringActors.has(id)) continue;
      const idle = Math.max(0, now - st.lastSeenAt);
      const at = st.watermark + idle; // the actor's event time now, as far as we can tell
      if (st.activity.nextEnd <= at - lateness) {
        const closed = st.activity.closeUpTo(at - lateness);
        if (closed.length > 0) {
          this.emitBuckets(st, closed);
          const lastEnd = Math.max(...closed.map((b) => b.end));
          if (lastEnd > st.activity.closedBefore) st.activity.closedBefore = lastEnd;
        }
      }
      const a = st.alert;
      if (a !== null) {
        if (st.restoredAt !== null) {
          // Restored and untouched by any live event since: the instance that owns the
          // actor's partition may be continuing it (next revision). Closed only once that
          // owner would long have done so, so a closing revision from here cannot race it.
          if (now - st.restoredAt >= Math.max(this.restoredHoldMs, this.alerts.closesAt(a) - a.lastTs + lateness)) this.alerts.close(st, a);
        } else if (this.alerts.closesAt(a) + lateness <= at) this.alerts.close(st, a);
      }
      if (st.alert === null && st.activity.isEmpty && idle > this.retentionMs) this.actors.delete(id);
    }
    for (const { bucket, profile, alertSpans } of this.evictedBuckets.takeDue(now)) {
      const row = rowOf(bucket, profile, alertSpans);
      if (this.history.merge(row) !== 'kept') this.rowsOut.push(row);
    }
    this.alerts.closeQuietStorms(now);
    this.evicted.expire(now - this.retentionMs, now);
    return this.flush();
  }

  /**
   * Seeds history, open alerts and windows. Restored state has seen no live
   * event yet: its actors' `lastSeenAt` is the restore time (their event time
   * then was at least that of their latest stored event), so tick() closes their
   * buckets only as processing time passes after the restore, never because the
   * stored events are old. A restored open alert is never closed here by the
   * clock: see tick().
   */
  restore(history: EngineHistory): void {
    const restore = this.beginRestore(history);
    try {
      restore.replay(history.recentEvents);
    } finally {
      restore.finish();
    }
  }

  /**
   * restore() with its recent events handed on in chunks. Baselines and alerts
   * go in now; each chunk rebuilds windows and buckets from stored events
   * without running rules (their alerts are the ones restored here). Event ids
   * are remembered, so the same events redelivered by Kafka next, or replayed
   * again by a retried restore, are not counted again.
   */
  beginRestore(seed: RestoreSeed): EngineRestore {
    const now = this.clock.now();
    // Evicted actors being rebuilt (their state comes back here): found before their
    // restored alert or first replayed event gives them state again.
    const rebuilding = new Set<string>();
    const kept = new Map<string, NonNullable<ReturnType<EvictedBucketStore['take']>>>();
    const noteRebuilt = (actorId: string): void => {
      if (this.evicted.size === 0 || rebuilding.has(actorId) || this.actors.has(actorId) || !this.evicted.has(actorId, now, this.retentionMs)) return;
      rebuilding.add(actorId);
      // A rebuilt actor's replayed events fill its windows only: its open buckets come back whole
      // (kept since the eviction), and those that fell due meanwhile are stored and closed.
      const entry = this.evictedBuckets.take(actorId);
      if (entry !== undefined) kept.set(actorId, entry);
    };
    const replayed = new Set<string>();
    const hold = (actorId: string): void => {
      if (replayed.has(actorId)) return;
      replayed.add(actorId);
      this.restoringActors.set(actorId, (this.restoringActors.get(actorId) ?? 0) + 1);
    };
    for (const stored of seed.alerts) noteRebuilt(stored.alert.actor_id);
    for (const row of seed.activity) this.history.add(row);
    this.batchNow = now;
    this.restoring = true; // actors given state here are marked restored (stateForId)
    try {
      for (const stored of seed.alerts) {
        hold(stored.alert.actor_id);
        this.alerts.restore(this.stateForId(stored.alert.actor_id, profileOf(stored.alert)), stored);
      }
    } finally {
      this.restoring = false;
    }
    let finished = false;
    return {
      replay: (events) => {
        // invariant: a finished restore takes no more events (they would count in windows only, never judged).
        if (finished) throw new Error('restore already finished');
        this.batchNow = now;
        this.restoring = true;
        this.windowsOnly = rebuilding;
        try {
          for (const e of events) {
            noteRebuilt(e.actor_id);
            hold(e.actor_id);
            this.evaluateOne(e);
          }
        } finally {
          this.restoring = false;
          this.windowsOnly = NO_ACTORS;
        }
      },
      finish: () => {
        if (finished) return;
        finished = true;
        if (rebuilding.size > 0) this.markClosedBuckets(seed.activity, rebuilding, kept);
        for (const [id, entry] of kept) this.stateForId(id, entry.profile).activity.adopt(entry.buckets, entry.closedBefore);
        for (const id of replayed) {
          const n = (this.restoringActors.get(id) ?? 1) - 1;
          if (n > 0) this.restoringActors.set(id, n);
          else this.restoringActors.delete(id);
        }
      },
    };
  }

  /**
   * Every input is complete up to `completeTo`: every actor's buckets that
   * ended by it, less the lateness allowance, can no longer change, so they
   * close now, whether or not the actor has a later event. A peer or role
   * snapshot as of a cutoff must not depend on when an idle peer's next event
   * happens to be read. Buckets end on hour boundaries: one scan of the actors
   * per hour of progress.
   */
  private closeByProgress(completeTo: number): void {
    const limit = completeTo - this.rules.settings.lateness;
    if (limit < this.progressClosedTo - (this.progressClosedTo % HOUR_MS) + HOUR_MS) return;
    this.progressClosedTo = limit;
    for (const st of this.actors.values()) {
      if (st.activity.nextEnd > limit || this.restoringActors.has(st.actorId)) continue;
      const closed = st.activity.closeUpTo(limit);
      if (closed.length === 0) continue;
      this.emitBuckets(st, closed);
      const lastEnd = Math.max(...closed.map((b) => b.end));
      if (lastEnd > st.activity.closedBefore) st.activity.closedBefore = lastEnd;
    }
  }

  holds(actorId: string): boolean {
    return this.actors.has(actorId);
  }

  /**
   * Drops every baseline history (the peer, role and organisation groups
   * lose their rows with them); returns how many. For measuring tools (bench
   * memory): the monitor drops histories only over their cap (tick).
   */
  forgetHistories(): number {
    return this.history.dropLeastRecent(this.history.actorCount, () => false);
  }

  forget(actorIds: Iterable<string>): void {
    for (const id of actorIds) {
      // Evicted here before: the new owner rebuilds it; its waiting buckets are not ours to emit.
      this.evicted.delete(id);
      this.evictedBuckets.take(id);
      const st = this.actors.get(id);
      if (st === undefined) continue;
      this.alerts.forget(st);
      this.actors.delete(id);
    }
  }

  /**
   * A rebuilt actor whose open buckets were not kept (all fell due, or too
   * many were waiting): its buckets up to its latest stored row were closed,
   * so a straggler of those periods is not counted again, as with the state
   * it had.
   */
  private markClosedBuckets(activity: readonly ActorActivityRow[], rebuilding: ReadonlySet<string>, kept: ReadonlyMap<string, unknown>): void {
    const closedBefore = new Map<string, number>();
    for (const row of activity) {
      if (!rebuilding.has(row.actor_id) || kept.has(row.actor_id)) continue;
      const end = row.bucket_start + (row.granularity === 'hour' ? 3_600_000 : 86_400_000);
      if (end > (closedBefore.get(row.actor_id) ?? -Infinity)) closedBefore.set(row.actor_id, end);
    }
    for (const [actorId, end] of closedBefore) {
      const st = this.actors.get(actorId);
      if (st === undefined) continue;
      if (end > st.activity.closedBefore) st.activity.closedBefore = end;
    }
  }

  capCounts(): CapCounters {
    return { ...this.capCounters };
  }

  stats(): EngineStats {
    let bytes = 0;
    for (const st of this.actors.values()) bytes += st.approxBytes;
    return {
      actors: this.actors.size,
      openAlerts: this.alerts.openCount,
      approxStateBytes: bytes,
      lateDropped: this.lateDropped,
      futureDropped: this.futureDropped,
      exceptionsApplied: this.exceptionsApplied,
      provisionalJudgments: this.provisionalJudgments,
      caps: { ...this.capCounters },
    };
  }

  /** Every actor's baseline history, for `custos bench memory --breakdown` (which measures its parts by replacing them). */
  actorHistories(): IterableIterator<ActorHistory> {
    return this.history.histories();
  }

  /** Actors with a baseline history held (benchmarks). */
  actorHistoryCount(): number {
    return this.history.actorCount;
  }

  /** Every actor's state, for `custos bench memory --breakdown` (which measures its parts by replacing them). */
  actorStates(): IterableIterator<ActorState> {
    return this.actors.values();
  }

    /** approxBytes of every actor's window state (benchmarks: `custos bench memory`). */
  stateSizes(): Map<string, number> {
    const sizes = new Map<string, number>();
    for (const [id, st] of this.actors) sizes.set(id, st.approxBytes);
    return sizes;
  }

  historyWindowMs(): number {
    // The windows need the longest horizon plus lateness (retentionMs; always at
    // least a day). A day bucket may still be open when the state is saved: it
    // closes when every input has passed its end, and inputs may lag the
    // newest stored event by up to the group margin (partition alignment).
    // Rebuilding such a bucket, peaks of its sliding windows included, needs
    // its whole day and the windows before its first event.
    return this.retentionMs + DAY_MS + this.rules.settings.group_baseline_margin;
  }

  mergeActivity(rows: readonly ActorActivityRow[]): void {
    for (const row of rows) {
      if (this.history.merge(row) === 'kept') continue;
      const st = this.actors.get(row.actor_id);
      if (st !== undefined && st.history === undefined) st.history = this.history.actor(row.actor_id);
    }
  }

  replaceRules(ruleSet: RuleSet): void {
    this.rules = ruleSet;
    const s = ruleSet.settings;
    const layout = this.accumulator.layOut(ruleSet.distinctHorizons, this.caps.distinct);
    let longest = Math.max(...layout.horizons);
    // Windows of whole days read closed days from the activity history: their events are kept a day.
    for (const r of ruleSet.rateRules) for (const w of r.windows) longest = Math.max(longest, r.measure.part.spansDays === true ? DAY_MS : w.horizonMs);
    this.measures = ruleSet.rateRules.map((r) => r.measure.bind(layout, r.windows));
    this.signalAt = ruleSet.rateRules.map(() => 0);
    this.signalRatio = ruleSet.rateRules.map(() => 0);
    this.signalFigure = ruleSet.rateRules.map(() => null);
    this.factsMax = ruleSet.scoreRules.map((r) => r.facts.reduce((n, f) => n + f.points, 0));
    this.accumulator.configure(ruleSet.settings.counted, ruleSet.settings.activityClasses, this.measures);
    this.retentionMs = longest + s.lateness;
    let quiet = s.quiet;
    for (const r of ruleSet.rulesById.values()) quiet = Math.max(quiet, r.quietMs);
    this.restoredHoldMs = longest + quiet + s.lateness;
    this.history.configure(s.activity_lookback, s.baseline_bands);
    this.alerts?.configure(ruleSet);
    for (const st of this.actors.values()) st.window.setHorizons(layout.horizons);
  }

  // ---- the per-event path ------------------------------------------------------

  private evaluateOne(e: EnrichedEvent): void {
    const settings = this.rules.settings;
    // A ts before 1970 (or not a number) has no place in any window or bucket:
    // older than any watermark, it is counted as late and not evaluated.
    if (!(e.ts >= 0)) {
      this.lateDropped++;
      return;
    }
    // Far ahead of processing time: a broken clock. Evaluated, it would move the
    // actor's watermark so far that its real events all count as late.
    if (e.ts > this.batchNow + settings.clock_skew) {
      this.futureDropped++;
      return;
    }
    if (this.completeTo !== null && !this.restoring) this.closeByProgress(Math.min(this.completeTo, e.ts));
    const st = this.stateFor(e);
    if (!this.restoring) {
      st.restoredAt = null;
      if (st.batch !== this.batchSeq) {
        st.batch = this.batchSeq;
        // Under a cap the map is kept in order of last activity (least recent first): eviction reads it from the front.
        if (Number.isFinite(this.maxActors) || Number.isFinite(this.maxOpenAlerts)) {
          this.actors.delete(st.actorId);
          this.actors.set(st.actorId, st);
        }
      }
    }
    const late = e.ts < st.watermark - settings.lateness;
    const duplicate = st.seen.has(e.event_id);
    if (late) this.lateDropped++;
    else if (e.ts >= st.watermark) {
      st.lastSeenAt = this.batchNow;
      if (e.ts - st.watermark >= DAY_MS) this.startRun(st, e.ts);
      if (e.ts > st.watermark) this.advance(st, e.ts);
    }

    this.input.e = e;
    this.deriveFacts(st, e);
    this.facts.new_customers = 0;
    if (!late && !duplicate) {
      st.seen.add(e.event_id, e.ts);
      this.accumulator.add(st, !(this.restoring && this.windowsOnly.has(st.actorId)));
    }
    if (this.restoring) return;

    // Policy rules judge each event on its own, so they apply to late events too.
    const factor = this.rules.statusFactors.get(e.actor.employment_status) ?? 1;
    this.alerts.beginEvent();
    for (const r of this.rules.policyRules) {
      if (r.scope !== null && !r.scope(this.input)) continue;
      let finding: PolicyFinding | null;
      if (r.check !== null) {
        this.checkState = st;
        this.checkRule = r;
        finding = r.check.run(this.input, factor, this.ownRequestNormalOfCheck);
        if (finding === null) continue;
      } else finding = { reason: r.title, observed: e.record_count, limit: null };
      if (this.excepted(r, e, st)) continue;
      this.alerts.firePolicy(st, r, e, duplicate, finding, this.batchNow);
    }
    const rateRules = this.rules.rateRules;
    this.probing = this.probe !== null && this.probe.watches(st.actorId);
    this.eventSeq++;
    let signalled = false;
    for (let k = 0; k < rateRules.length; k++) {
      const r = rateRules[k] as RateRule;
      if (r.scope !== null && !r.scope(this.input)) continue;
      if (this.judgeRate(st, r, k, e, duplicate, factor)) signalled = true;
    }
    const scoreRules = this.rules.scoreRules;
    for (let k = 0; k < scoreRules.length; k++) {
      const r = scoreRules[k] as ScoreRule;
      if (!signalled && !this.probing && (this.factsMax[k] as number) < r.threshold) continue;
      if (r.scope !== null && !r.scope(this.input)) continue;
      this.judgeScore(st, r, e, duplicate);
    }
    // Whatever fired merged into the actor's one alert: one revision per event.
    this.alerts.settle();
  }

  /** The actor and rule whose policy check runs (read by ownRequestNormalOfCheck, which checks call lazily). */
  private checkState: ActorState | null = null;
  private checkRule: PolicyRule | null = null;
  private readonly ownRequestNormalOfCheck = (): number =>
    this.checkState === null || this.checkRule === null ? 0 : this.ownRequestNormal(this.checkState, this.checkRule);

  /** The actor's own normal largest request, for a check whose limit it protects (0 when too little is known). */
  private ownRequestNormal(st: ActorState, r: PolicyRule): number {
    const on = r.check?.ownNormal ?? null;
    if (on === null) return 0;
    const top = this.history.ownRequestPeaks(st.actorId, this.ownAsOf(st));
    const level = top[on.minCount - 1];
    return level === undefined ? 0 : level * (1 + on.headroom);
  }

  private stateFor(e: EnrichedEvent): ActorState {
    const st = this.stateForId(e.actor_id, e.actor);
    if (st.profile !== e.actor) {
      const p = st.profile;
      if (p.role !== e.actor.role || p.department !== e.actor.department) {
        st.peerGroup = this.history.peerGroup(e.actor.role, e.actor.department);
        st.roleGroup = this.history.roleGroup(e.actor.role);
      }
      st.profile = e.actor;
    }
    return st;
  }

  private stateForId(actorId: string, profile: ActorProfile): ActorState {
    let st = this.actors.get(actorId);
    if (st === undefined) {
      // The directory's copy of the id where there is one: the event's string (of a message long gone) is not kept for it.
      if (profile.actor_id === actorId) actorId = profile.actor_id;
      st = new ActorState(
        actorId,
        profile,
        this.history.peerGroup(profile.role, profile.department),
        this.history.roleGroup(profile.role),
        this.accumulator.horizons,
        this.caps,
      );
      st.history = this.history.actor(actorId);
      st.lastSeenAt = this.batchNow;
      if (this.restoring) st.restoredAt = this.batchNow;
      this.actors.set(actorId, st);
      this.evicted.delete(actorId);
    }
    return st;
  }

  /** Event time moves forward for this actor: expire windows, close buckets and quiet alerts. */
  private advance(st: ActorState, ts: number): void {
    st.watermark = ts;
    st.window.advance(ts);
    st.seen.expire(ts - this.retentionMs);
    const lateness = this.rules.settings.lateness;
    if (st.activity.nextEnd <= ts - lateness) this.emitBuckets(st, st.activity.closeUpTo(ts - lateness));
    if (st.alert !== null && this.alerts.closesAt(st.alert) < ts) this.alerts.close(st, st.alert);
  }

  /**
   * A day or more since the actor's last event (or the first event this state
   * sees): a new run of activity, and how long the actor had been silent,
   * from its own latest event or stored hour, whichever is later. Restore
   * replays the last 25 h of events, so a run under a day old is rebuilt
   * with the same start and silence.
   */
  private startRun(st: ActorState, ts: number): void {
    const stored = this.history.lastActiveEnd(st.actorId, ts - this.rules.settings.lateness);
    const last = Math.max(st.watermark, stored ?? -Infinity);
    st.runStart = ts;
    st.silentBefore = Number.isFinite(last) ? Math.max(0, ts - last) : 0;
  }

  private deriveFacts(st: ActorState, e: EnrichedEvent): void {
    const f = this.facts;
    f.silent_days = e.ts - st.runStart < DAY_MS ? Math.floor(st.silentBefore / DAY_MS) : 0;
    if (st.history === undefined) st.history = this.history.actor(st.actorId);
    // As of the buckets this actor had closed: rows the history holds beyond them (a restore) do not count.
    // The peers' use is read as of the cutoff peer baselines are read as of (groupCutoff): the same whatever order partitions come in.
    f.peer_share_resource_type = this.history.shareUsing(st.peerGroup, st.actorId, 'resource_types', e.resource_type, this.groupCutoffMs(e.ts));
    const asOf = this.ownAsOf(st);
    if (st.history === undefined || this.history.ownHours(st.actorId, asOf) < this.rules.settings.first_seen_min_buckets) {
      f.first_seen_resource_type = false;
      f.first_seen_channel = false;
      f.first_seen_zone = false;
      return;
    }
    f.first_seen_resource_type = !this.history.seenAsOf(st.actorId, 'resource_types', e.resource_type, asOf);
    f.first_seen_channel = e.channel !== null && !this.history.seenAsOf(st.actorId, 'channels', e.channel, asOf);
    f.first_seen_zone = !this.history.seenAsOf(st.actorId, 'zones', e.network.zone, asOf);
  }

  /** The instant an actor's own history is read as of: its buckets that ended by its event time less the lateness allowance have closed. */
  private ownAsOf(st: ActorState): number {
    return st.watermark - this.rules.settings.lateness;
  }

  /**
   * The cutoff peer and role baselines are read as of for an event: its UTC
   * day's start minus the margin, and whether every input has been evaluated
   * past it (plus lateness), so the snapshot is final.
   */
  private groupCutoff(ts: number): { cutoff: number; complete: boolean } {
    const s = this.rules.settings;
    const cutoff = this.groupCutoffMs(ts);
    const complete = this.completeTo === null || Math.min(this.completeTo, ts) >= cutoff + s.lateness;
    return { cutoff, complete };
  }

  /** groupCutoff's instant alone (the per-event path: nothing allocated). */
  private groupCutoffMs(ts: number): number {
    return groupCutoffOf(ts, this.rules.settings.group_baseline_margin);
  }

  /** Judges rate rule number `k`; true when a window is above its limit (a signal for score rules). */
  private judgeRate(st: ActorState, r: RateRule, k: number, e: EnrichedEvent, duplicate: boolean, factor: number): boolean {
    const m = this.measures[k] as MeasureRuntime;
    let figures: WindowFigure[] | null = null;
    let best = -1;
    let bestRatio = 0;
    if (this.probing) this.probeRate(st, r, m, e, factor);
    for (let i = 0; i < r.windows.length; i++) {
      const w = r.windows[i] as RateWindow;
      const observed = m.observe(st, i);
      // Cheap pre-check: the limit is never below the floor (which the status factor does not lower).
      if (observed <= w.minFiring) continue;
      const limit = this.limitFor(st, w, e, factor, m.days?.(st, i) ?? null);
      if (observed <= limit) continue;
      const ratio = observed / Math.max(limit, 1e-9);
      if (ratio > bestRatio) {
        bestRatio = ratio;
        best = i;
      }
      figures ??= [];
    }
    if (figures === null) return false;
    if (this.excepted(r, e, st)) return false;
    // Explain every window of the rule, exceeded or not.
    for (let i = 0; i < r.windows.length; i++) {
      const w = r.windows[i] as RateWindow;
      figures.push({ label: w.label, horizonMs: w.horizonMs, observed: m.observe(st, i), decision: this.decisionFor(st, w, e, factor, m.days?.(st, i) ?? null) });
    }
    this.signalAt[k] = this.eventSeq;
    this.signalRatio[k] = bestRatio;
    this.signalFigure[k] = figures[best] as WindowFigure;
    if (r.alone) this.alerts.fireRate(st, r, e, duplicate, figures, best, bestRatio, this.batchNow);
    return true;
  }

  /**
   * The actor's risk score on this event: each signal above its limit gives
   * weight x observed / limit (at most `max`), each fact that holds its
   * points. At or above the threshold it is a finding, with every
   * contribution listed (rule order, then facts).
   */
  private judgeScore(st: ActorState, r: ScoreRule, e: EnrichedEvent, duplicate: boolean): void {
    let score = 0;
    for (const s of r.signals) score += this.signalPoints(s);
    for (const f of r.facts) if (f.when(this.input)) score += f.points;
    if (this.probing) this.probeScore(st, r, e, score);
    if (score < r.threshold) return;
    if (this.excepted(r, e, st)) return;
    // Only for a score that fires: what each signal and fact added, in rule order.
    const contributions: Contribution[] = [];
    const figures: WindowFigure[] = [];
    let holdMs = 0;
    for (const s of r.signals) {
      if (this.signalAt[s.rateIndex] !== this.eventSeq) continue;
      const points = this.signalPoints(s);
      // Above its limit without any of the signals it needs: it added nothing, and says nothing.
      if (points === 0) continue;
      const figure = this.signalFigure[s.rateIndex] as WindowFigure;
      contributions.push({ ruleId: s.rule.id, label: s.rule.title, points: round2(points), window: figures.length });
      figures.push(figure);
      if (figure.horizonMs > holdMs) holdMs = figure.horizonMs;
    }
    for (const f of r.facts) if (f.when(this.input)) contributions.push({ ruleId: null, label: f.reason, points: f.points, window: null });
    this.alerts.fireScore(st, r, e, duplicate, score, contributions, figures, holdMs, this.batchNow);
  }

  /** Every window of the rule with something in it, observed against its limit, for the probe. */
  private probeRate(st: ActorState, r: RateRule, m: MeasureRuntime, e: EnrichedEvent, factor: number): void {
    for (let i = 0; i < r.windows.length; i++) {
      const w = r.windows[i] as RateWindow;
      const observed = m.observe(st, i);
      if (observed <= 0) continue;
      (this.probe as EngineProbe).rate(st.actorId, e.ts, r.id, w.label, observed, this.limitFor(st, w, e, factor, m.days?.(st, i) ?? null));
    }
  }

  /** The score and what each fired signal and holding fact added, for the probe. */
  private probeScore(st: ActorState, r: ScoreRule, e: EnrichedEvent, score: number): void {
    const parts: ProbePart[] = [];
    for (const s of r.signals) {
      const points = this.signalPoints(s);
      // As in judgeScore: a signal that added nothing (none of the signals it needs) is not a part.
      if (this.signalAt[s.rateIndex] === this.eventSeq && points > 0) parts.push({ label: s.rule.title, points: round2(points) });
    }
    for (const f of r.facts) if (f.when(this.input)) parts.push({ label: f.reason, points: f.points });
    (this.probe as EngineProbe).score(st.actorId, e.ts, r.id, round2(score), r.threshold, parts);
  }

  /**
   * A signal's points on the current event: weight x observed / limit of its window furthest
   * above its limit, at most `max`; 0 when no window is above, or when none of the signals it
   * needs (`with`) is above its limit on this event.
   */
  private signalPoints(s: ScoreSignal): number {
    if (this.signalAt[s.rateIndex] !== this.eventSeq) return 0;
    if (s.with.length > 0 && !this.anySignalled(s.with)) return 0;
    return Math.min(s.max, s.weight * (this.signalRatio[s.rateIndex] as number));
  }

  /** Whether one of these rate rules (indexes) is above its limit on the current event (a loop: no closure per call). */
  private anySignalled(rateIndexes: readonly number[]): boolean {
    for (const i of rateIndexes) if (this.signalAt[i] === this.eventSeq) return true;
    return false;
  }

  /** The window's limit on this event (the per-event path: nothing allocated, nothing cached per actor). */
  private limitFor(st: ActorState, w: RateWindow, e: EnrichedEvent, factor: number, days: WindowDays | null): number {
    return limitOf(w, this.limitInputs(st, w, e, factor, days));
  }

  /** The same limit with everything that decided it, for a window that is explained. */
  private decisionFor(st: ActorState, w: RateWindow, e: EnrichedEvent, factor: number, days: WindowDays | null): LimitDecision {
    const inp = this.limitInputs(st, w, e, factor, days);
    // The decision keeps its days; the scratch inputs are overwritten by the next window.
    return decideLimit(w, { ...inp, days: inp.days === null ? null : { active: inp.days.active, level: inp.days.level } });
  }

  /**
   * What a window's limit is decided from, fetched into one reused object.
   * `days`: a window of several days (its days with reads, and its first day), else null.
   */
  private limitInputs(st: ActorState, w: RateWindow, e: EnrichedEvent, factor: number, days: WindowDays | null): ScratchLimitInputs {
    const inp = this.scratchInputs;
    const stats = inp.stats;
    stats.own = EMPTY_STATS;
    stats.peers = EMPTY_STATS;
    stats.role = EMPTY_STATS;
    stats.org = EMPTY_STATS;
    stats.ownOther = EMPTY_STATS;
    stats.peersOther = EMPTY_STATS;
    inp.band = null;
    inp.slotRecurring = null;
    inp.roleLimits = this.rules.roles.get(e.actor.role)?.limits;
    inp.statusFactor = factor;
    if (days === null) inp.days = null;
    else {
      inp.days = this.scratchDays;
      this.scratchDays.active = days.active;
      this.scratchDays.level = days.level;
    }
    const baseline = w.limit.type === 'baseline';
    // A baseline window judges the metric's statistics; a budget the status factor lowers
    // does too, but only to stay above the actor's own peak of the metric (with a factor
    // of 1 or more the own peak cannot matter: the limit is the budget or more).
    const metric = (baseline ? w.limit.baseline.metric : w.ownNormal !== null && factor < 1 ? w.ownNormal.metric : null) as Metric | null;
    if (metric === null) return inp;
    // Baselines with exclude_alerted leave out the buckets under an alert of their actor.
    const withoutAlerted = baseline && w.limit.baseline.exclude_alerted;
    // rare_band's compare_with, when it judges this window and the actor's own history there is thin.
    let peersOtherBand: Band | null = null;
    if (days !== null && baseline) {
      // A window of several days compares a level of its days with the usual day, read as of
      // the window's first day: the days being judged do not enter the baseline that judges them.
      inp.band = 'weekday';
      stats.own = this.history.own(st.actorId, metric, 'weekday', Math.min(this.ownAsOf(st), days.start), withoutAlerted);
    } else {
      const band = bandAt(metric, e.local_time.hour, e.local_time.weekday, this.rules.settings.baseline_bands);
      inp.band = band;
      stats.own = this.history.own(st.actorId, metric, band, this.ownAsOf(st), withoutAlerted);
      if (!baseline) return inp;
      // A recurring level of the event's slot of the week (a weekly report at its hour), not of any time.
      const rp = w.limit.baseline.recurring_peak;
      if (rp !== undefined && rp.slot === 'week') {
        this.scratchSlot.weekday = e.local_time.weekday;
        this.scratchSlot.hour = e.local_time.hour;
        this.scratchSlot.hours = rp.slot_hours;
        inp.slotRecurring = this.history.ownSlotLevel(st.actorId, w.limit.baseline, metric, this.scratchSlot, rp.min_count, this.ownAsOf(st), withoutAlerted);
      }
      // A part of the week the actor has hardly worked: their usual level elsewhere may judge it (rare_band).
      const rare = w.limit.baseline.rare_band;
      if (rareBandApplies(rare, band, stats.own.days)) {
        stats.ownOther = this.history.own(st.actorId, metric, rare.compare_with, this.ownAsOf(st), withoutAlerted);
        if (stats.ownOther.days < rare.min_days) peersOtherBand = rare.compare_with;
      }
    }
    const g = this.groupCutoff(e.ts);
    if (!g.complete) this.provisionalJudgments++;
    stats.peers = this.history.groupStats(st.peerGroup, metric, inp.band, g.cutoff, g.complete, withoutAlerted);
    stats.role = this.history.groupStats(st.roleGroup, metric, inp.band, g.cutoff, g.complete, withoutAlerted);
    // The organisation-wide prior, only where the chain reaches it (own, peers and role all thin):
    // a snapshot of every actor's rows is worth taking for a role too new to judge by, not per event.
    if (baseline && chainReachesOrg(w.limit.baseline, stats)) stats.org = this.history.groupStats(this.history.orgGroup(), metric, inp.band, g.cutoff, g.complete, withoutAlerted);
    // Too new for usual hours of their own there: their peers' usual level in compare_with judges the rare part.
    if (peersOtherBand !== null) stats.peersOther = this.history.groupStats(st.peerGroup, metric, peersOtherBand, g.cutoff, g.complete, withoutAlerted);
    return inp;
  }

  private excepted(r: Rule, e: EnrichedEvent, st: ActorState): boolean {
    const list = this.rules.exceptionsByRule.get(r.id);
    if (list === undefined) return false;
    for (const x of list) {
      // Expiry is judged on event time, so a backtest of last month honours last month's exceptions.
      if (e.ts >= x.expiresAt) continue;
      if (x.actors !== null && !x.actors.has(e.actor_id)) continue;
      if (x.roles !== null && !x.roles.has(e.actor.role)) continue;
      if (x.scope !== null && !x.scope(this.input)) continue;
      this.exceptionsApplied++;
      // The actor's open alert says, from its next revision on, what an exception silenced.
      if (st.alert !== null && !st.alert.closed) st.alert.noteException(x.id, x.file, r.id, e.ts);
      return true;
    }
    return false;
  }

  /**
   * After a batch: open alerts over their cap are closed early (least recently
   * active actors first), then actors without an open alert over theirs are
   * evicted (least recently active first); never an actor this batch touched.
   * So the engine holds at most max_actors + max_open_alerts + one batch's
   * actors. Then baseline histories over their cap.
   */
  private enforceCaps(): void {
    if (this.alerts.openCount > this.maxOpenAlerts) {
      for (const st of this.actors.values()) {
        if (this.alerts.openCount <= this.maxOpenAlerts) break;
        if (st.batch === this.batchSeq || st.alert === null || this.restoringActors.has(st.actorId)) continue;
        const a = st.alert;
        a.closedByCap = true;
        this.alerts.close(st, a);
        this.capCounters.alertsClosedEarly++;
      }
    }
    if (this.actors.size > this.maxActors) {
      // An actor with an open alert is never evicted (it would stay open in ClickHouse, never
      // closed, if the actor did not come back): the open-alert cap bounds those instead.
      for (const st of this.actors.values()) {
        if (this.actors.size <= this.maxActors) break;
        if (st.batch === this.batchSeq || st.alert !== null || this.restoringActors.has(st.actorId)) continue;
        this.evict(st);
      }
    }
    if (this.history.actorCount > this.maxHistoryActors) {
      this.capCounters.historiesDropped += this.history.dropLeastRecent(this.history.actorCount - this.maxHistoryActors, (id) => this.actors.has(id));
    }
  }

  /**
   * Drops an actor's window state. Its open buckets wait (EvictedBucketStore)
   * until tick() would have closed them had it stayed, then join the
   * baselines and are emitted; if the actor comes back first, its rebuilt
   * state (the pipeline asks evictedAmong(), then restore()s its stored
   * events) takes them back. Beyond a bound on waiting buckets (a flood) they
   * are emitted at once, as they are; a rebuilt bucket that sees more events
   * later replaces that row (actor_activity keeps the row with the most events).
   */
  private evict(st: ActorState): void {
    // The last closed alert is stored: the rebuild brings it back (restore(), closed alerts).
    if (!st.activity.isEmpty) {
      const lateness = this.rules.settings.lateness;
      const open = st.activity.closeUpTo(Infinity);
      if (this.evictedBuckets.size + open.length <= Math.max(EVICTED_BUCKETS_MIN, 2 * this.maxActors)) {
        // Due when tick() would have closed it: event time (watermark + idle processing time) past its end + lateness.
        this.evictedBuckets.add(st.actorId, { profile: st.profile, alertSpans: this.alertSpans(st), closedBefore: st.activity.closedBefore, buckets: open }, (b) => st.lastSeenAt + (b.end + lateness - st.watermark));
      } else {
        const spans = this.alertSpans(st);
        for (const b of open) {
          const row = rowOf(b, st.profile, spans);
          if (this.history.merge(row) !== 'kept') this.rowsOut.push(row);
        }
      }
    }
    this.actors.delete(st.actorId);
    this.evicted.add(st.actorId, st.lastSeenAt);
    this.capCounters.actorsEvicted++;
  }

  // ---- output ----------------------------------------------------------------

  private emitBuckets(st: ActorState, closed: readonly ActivityBucket[]): void {
    const spans = this.alertSpans(st);
    for (const b of closed) {
      const row = rowOf(b, st.profile, spans);
      // A bucket already stored before a restart or an eviction (rebuilt from recent events) is not
      // emitted again, unless it now saw more events (then this row replaces the stored one).
      if (this.history.merge(row) === 'kept') continue;
      this.rowsOut.push(row);
    }
    if (st.history === undefined) st.history = this.history.actor(st.actorId);
  }

  /**
   * When the actor's open and last closed alerts were open, in event time: from the first finding
   * to the closing instant (closesAt, the last finding plus its quiet time). A bucket closes only
   * once event time passed its end plus the lateness, and an alert still open then closes after
   * it, so whichever path closes the bucket (an event, tick, partition progress, eviction) finds
   * the same answer; a restart restores the open and the last closed alert before any rebuilt
   * bucket closes.
   */
  private alertSpans(st: ActorState): readonly AlertSpan[] {
    if (st.alert === null && st.lastClosed === null) return NO_SPANS;
    const out: AlertSpan[] = [];
    for (const a of [st.alert, st.lastClosed]) if (a !== null) out.push({ from: a.firstTs, to: this.alerts.closesAt(a) });
    return out;
  }

  /** The alerts due since the last output (alerts/correlator.ts) and the activity rows closed since. */
  private flush(): EngineOutput {
    const activity = this.rowsOut;
    this.rowsOut = [];
    return { alerts: this.alerts.flush(), activity };
  }
}

function profileOf(a: AlertRevision): ActorProfile {
  return {
    actor_id: a.actor_id,
    known: a.actor_role !== 'unknown',
    role: a.actor_role,
    department: a.actor_department,
    employment_status: (a.employment_status as ActorProfile['employment_status']) ?? 'unknown',
    kind: 'human',
    timezone: 'UTC',
    allowed_zones: [],
  };
}

/** A cap: a positive integer, or no cap (Infinity) when not given. */
function optionalCap(n: number | undefined, name: string): number {
  return n === undefined || n === Infinity ? Infinity : positiveInt(n, name);
}

function positiveInt(n: number, name: string): number {
  if (!Number.isInteger(n) || n < 1) throw new EngineConfigError(`${name} must be a positive integer, got ${n}`);
  return n;
}

/** The bucket's row, marked when an alert of its actor was open during it (a copy only then: most rows are not). */
function rowOf(b: ActivityBucket, profile: ActorProfile, spans: readonly AlertSpan[]): ActorActivityRow {
  const row = b.toRow(profile);
  return openDuring(spans, b.start, b.end) ? { ...row, under_alert: true } : row;
}
