/**
 * An alert while it is open: the mutable state behind successive revisions.
 *
 * Correlation: an actor has at most one open alert. Whatever fires for that
 * actor while it is open (any rule, policy or rate) is merged into it as a
 * finding of that rule, so one incident reads as one alert with one verdict
 * that lists every finding with its rule id, version and figures.
 *
 * Lifecycle: opened by the first triggering event (revision 1, notify); every
 * later triggering event is merged (revision + 1; counted in suppressed_count
 * unless it escalates: the alert's severity or tier rises, which notifies
 * again). It closes once every finding's quiet period (for a rate finding at
 * least the longest window that fired) has passed without a trigger: one last
 * revision with status `closed`.
 */
import { SEVERITIES, type AlertRevision, type BaselineSource, type RuleKind } from '../../../model/alert.js';
import type { EnrichedEvent } from '../../../model/enriched.js';
import type { LimitDecision } from '../baseline/limits.js';
import { parseDuration } from '../duration.js';
import type { DerivedFacts } from '../rules/fields.js';

/** The figures of one window at the moment it was judged. */
export interface WindowFigure {
  readonly label: string;
  readonly horizonMs: number;
  readonly observed: number;
  readonly decision: LimitDecision;
}

const MAX_REASONS = 10;

/** What one signal or fact added to a risk score (a score finding, at its peak). */
export interface Contribution {
  /** The signal's rule id, or null for a fact. */
  readonly ruleId: string | null;
  /** The signal rule's title, or the fact's reason. */
  readonly label: string;
  readonly points: number;
  /** A signal's window furthest above its limit: index into the finding's `windows` (null for a fact). */
  readonly window: number | null;
}

/** What one rule found for this alert's actor: its own severity, tier, counts and figures. */
export class Finding {
  /** Rule severity + matched raises + tier steps (index into SEVERITIES); never decreases. */
  severity: number;
  tier = 1;
  /** Triggering events of this rule merged into the alert. */
  eventCount = 0;
  firstTs: number;
  lastTs: number;
  windowStart: number;
  windowLabel: string;
  observed = 0;
  baseline: number | null = null;
  baselineSource: BaselineSource | null = null;
  score: number | null = null;
  /** The limit the tiers are multiples of (rate) or the per-request limit (policy). */
  limit: number | null = null;
  /** Highest observed/limit ratio so far (rate). */
  peakRatio = 0;
  /**
   * Longest window that fired (rate): the alert stays open at least that long
   * after this finding's last trigger, since the condition lasts as long as the
   * window holds the burst; closing earlier would re-open one alert per event.
   */
  holdMs = 0;
  totalRecords = 0;
  windows: readonly WindowFigure[] = [];
  /** A score finding: each signal's and fact's points at the peak score (observed), in rule order. */
  contributions: readonly Contribution[] = [];
  readonly reasons: string[] = [];
  readonly raises = new Map<string, number>();
  /** Carried over from a restored alert: the stored figures, until a new trigger replaces them. */
  restored: Readonly<Record<string, unknown>> | null = null;

  constructor(
    readonly ruleId: string,
    public ruleVersion: string,
    readonly kind: RuleKind,
    severity: number,
    ts: number,
    windowLabel: string,
    /** Order in which findings joined the alert (ties of the primary finding go to the earliest). */
    readonly order: number,
  ) {
    this.severity = severity;
    this.firstTs = ts;
    this.lastTs = ts;
    this.windowStart = ts;
    this.windowLabel = windowLabel;
  }

  addReason(reason: string): void {
    if (this.reasons.length < MAX_REASONS && !this.reasons.includes(reason)) this.reasons.push(reason);
  }

  touch(e: EnrichedEvent): void {
    this.eventCount++;
    if (e.ts > this.lastTs) this.lastTs = e.ts;
    if (e.ts < this.firstTs) this.firstTs = e.ts;
    this.totalRecords += e.record_count;
  }
}

export class OpenAlert {
  revision = 1;
  /** Alert severity: the most severe finding, raised when several rules found something (index into SEVERITIES). */
  severity = 0;
  /** Highest tier of any finding. */
  tier = 1;
  eventCount = 0;
  suppressed = 0;
  /** Rule firings merged (one event firing two rules counts two); nothing is dropped silently. */
  firings = 0;
  firstTs: number;
  lastTs: number;
  windowStart: number;
  windowEnd: number;
  totalRecords = 0;
  maxRecords = 0;
  closed = false;
  readonly eventIds: string[] = [];
  /** Findings by rule id, in the order they joined. */
  readonly findings = new Map<string, Finding>();
  /**
   * Records per action, as parallel arrays in order of first use. These
   * collections hold a handful of names each (bounded): arrays cost a fraction
   * of a Set or Map, and every actor's last closed alert is kept too.
   */
  private readonly actionNames: string[] = [];
  private readonly actionRecords: number[] = [];
  readonly resourceTypes: string[] = [];
  readonly channels: string[] = [];
  readonly zones: string[] = [];
  readonly fieldClasses: string[] = [];
  readonly firstSeen: { readonly resource_types: string[]; readonly channels: string[]; readonly zones: string[] } = { resource_types: [], channels: [], zones: [] };
  outsideBusinessHours = false;
  employmentStatus: string;
  actorRole: string;
  actorDepartment: string;
  /** Severity steps added because findings of several rules combine (0 or the configured raise). */
  combinationRaise = 0;
  /** Carried over from a restored alert, whose per-event detail is not available. */
  restoredExplanation: Readonly<Record<string, unknown>> | null = null;
  /** A storm alert (storm-guard.ts): the actors folded into it; null for an actor's own alert. */
  storm: { actors: number; readonly sample: string[]; readonly thresholdActors: number; readonly withinMs: number } | null = null;
  /** Closed before its quiet period because open alerts were over the cap (engine.max_open_alerts). */
  closedByCap = false;
  /**
   * Findings an exception silenced while this alert was open: per exception and
   * rule, how many events and the latest (few: one entry per exception and rule).
   * Not part of the stored alert state: a restart starts the counts again.
   */
  readonly exceptionsApplied: { readonly exceptionId: string; readonly source: string; readonly ruleId: string; events: number; lastTs: number }[] = [];

  constructor(
    readonly alertId: string,
    readonly actorId: string,
    profile: { role: string; department: string; employment_status: string },
    ts: number,
  ) {
    this.firstTs = ts;
    this.lastTs = ts;
    this.windowStart = ts;
    this.windowEnd = ts;
    this.actorRole = profile.role;
    this.actorDepartment = profile.department;
    this.employmentStatus = profile.employment_status;
  }

  /**
   * The finding of a rule, created when the rule first fires for this alert
   * (by `eventId`, which joins the event id sample even when it is full: the
   * sample always shows the event that opened each finding).
   */
  finding(ruleId: string, ruleVersion: string, kind: RuleKind, severity: number, ts: number, windowLabel: string, eventId: string): Finding {
    let f = this.findings.get(ruleId);
    if (f === undefined) {
      f = new Finding(ruleId, ruleVersion, kind, severity, ts, windowLabel, this.findings.size);
      this.findings.set(ruleId, f);
      if (eventId !== '' && !this.eventIds.includes(eventId)) this.eventIds.push(eventId);
    } else f.ruleVersion = ruleVersion;
    return f;
  }

  /**
   * The finding the alert is named after: the most severe, then the highest
   * tier, then the earliest. Its rule id and version are the alert's.
   */
  primary(): Finding {
    let best: Finding | undefined;
    for (const f of this.findings.values()) {
      if (
        best === undefined ||
        f.severity > best.severity ||
        (f.severity === best.severity && (f.tier > best.tier || (f.tier === best.tier && f.order < best.order)))
      ) {
        best = f;
      }
    }
    return best as Finding;
  }

  /** Recomputes severity and tier from the findings (never lowering them). */
  settleSeverity(combinedRaise: number, maxSeverity: number): void {
    let sev = 0;
    let tier = 1;
    for (const f of this.findings.values()) {
      if (f.severity > sev) sev = f.severity;
      if (f.tier > tier) tier = f.tier;
    }
    if (this.findings.size >= 2 && combinedRaise > 0) {
      this.combinationRaise = combinedRaise;
      sev += combinedRaise;
    }
    sev = Math.min(maxSeverity, sev);
    if (sev > this.severity) this.severity = sev;
    if (tier > this.tier) this.tier = tier;
  }

  /** Adds a triggering event's facts (once per event, whatever fired); bounded: sets hold names, the id sample is capped. */
  recordEvent(e: EnrichedEvent, facts: DerivedFacts, sampleCap: number): void {
    this.eventCount++;
    if (e.ts > this.lastTs) this.lastTs = e.ts;
    if (e.ts < this.firstTs) this.firstTs = e.ts;
    if (e.ts > this.windowEnd) this.windowEnd = e.ts;
    if (e.ts < this.windowStart) this.windowStart = e.ts;
    if (this.eventIds.length < sampleCap && !this.eventIds.includes(e.event_id)) this.eventIds.push(e.event_id);
    this.totalRecords += e.record_count;
    if (e.record_count > this.maxRecords) this.maxRecords = e.record_count;
    this.addActionRecords(e.action, Math.max(1, e.record_count));
    addBounded(this.resourceTypes, e.resource_type);
    if (e.channel !== null) addBounded(this.channels, e.channel);
    addBounded(this.zones, e.network.zone);
    for (const c of e.field_classes) addBounded(this.fieldClasses, c);
    if (facts.first_seen_resource_type) addBounded(this.firstSeen.resource_types, e.resource_type);
    if (facts.first_seen_channel && e.channel !== null) addBounded(this.firstSeen.channels, e.channel);
    if (facts.first_seen_zone) addBounded(this.firstSeen.zones, e.network.zone);
    if (!e.local_time.business_hours) this.outsideBusinessHours = true;
    this.employmentStatus = e.actor.employment_status;
    this.actorRole = e.actor.role;
    this.actorDepartment = e.actor.department;
  }

  /** Adds records to an action's tally (a new action goes last). */
  addActionRecords(action: string, records: number): void {
    const at = this.actionNames.indexOf(action);
    if (at < 0) {
      this.actionNames.push(action);
      this.actionRecords.push(records);
    } else this.actionRecords[at] = (this.actionRecords[at] as number) + records;
  }

  /** [action, records] in order of first use. */
  actions(): [string, number][] {
    return this.actionNames.map((a, i) => [a, this.actionRecords[i] as number]);
  }

  /** An exception silenced this rule for this actor's event at `ts` (see Engine.excepted). */
  noteException(exceptionId: string, source: string, ruleId: string, ts: number): void {
    const seen = this.exceptionsApplied.find((x) => x.exceptionId === exceptionId && x.ruleId === ruleId);
    if (seen === undefined) this.exceptionsApplied.push({ exceptionId, source, ruleId, events: 1, lastTs: ts });
    else {
      seen.events++;
      if (ts > seen.lastTs) seen.lastTs = ts;
    }
  }

  /** Rough size for stats() (the memory benchmark measures the real one). */
  get approxBytes(): number {
    let n = 900 + this.eventIds.length * 80;
    for (const f of this.findings.values()) n += 700 + f.windows.length * 200;
    return n;
  }

  /** The action with the most records: the verb of the summary. */
  dominantAction(): string {
    let best = '';
    let n = -1;
    for (const [a, c] of this.actions()) {
      if (c > n) {
        best = a;
        n = c;
      }
    }
    return best;
  }

  /**
   * Rebuilds the state of a stored alert so a restarted engine continues it
   * (same id). Findings come back from `explanation.findings`; an alert stored
   * before correlation (findings as plain strings) becomes one finding of its rule.
   */
  static fromAlert(a: AlertRevision): OpenAlert {
    const o = new OpenAlert(
      a.alert_id,
      a.actor_id,
      { role: a.actor_role, department: a.actor_department, employment_status: a.employment_status },
      a.first_event_ts,
    );
    o.revision = a.revision;
    o.tier = a.tier;
    o.eventCount = a.event_count;
    o.suppressed = a.suppressed_count;
    o.lastTs = a.last_event_ts;
    o.windowStart = a.window_start;
    o.windowEnd = a.window_end;
    o.eventIds.push(...a.event_ids);
    o.restoredExplanation = a.explanation;
    o.severity = Math.max(0, SEVERITIES.indexOf(a.severity));
    const ex = a.explanation as Record<string, unknown>;
    o.totalRecords = num(ex.total_records) ?? 0;
    o.firings = num(ex.finding_count) ?? a.event_count;
    o.combinationRaise = num((ex.severity as Record<string, unknown> | undefined)?.combination_raise) ?? 0;
    o.outsideBusinessHours = (ex.context as { outside_business_hours?: unknown } | undefined)?.outside_business_hours === true;
    const stored = Array.isArray(ex.findings) ? ex.findings : [];
    for (const x of stored) {
      if (x === null || typeof x !== 'object') continue;
      const s = x as Record<string, unknown>;
      if (typeof s.rule_id !== 'string') continue;
      const f = o.finding(
        s.rule_id,
        typeof s.rule_version === 'string' ? s.rule_version : String(s.rule_version ?? ''),
        s.kind === 'rate' ? 'rate' : 'policy',
        Math.max(0, SEVERITIES.indexOf(s.severity as (typeof SEVERITIES)[number])),
        num(s.first_event_ts) ?? a.first_event_ts,
        typeof s.window === 'string' ? s.window : a.window_label,
        '',
      );
      restoreFinding(f, s, a);
    }
    if (o.findings.size === 0) {
      // Stored before correlation: one finding of the alert's rule.
      const f = o.finding(a.rule_id, a.rule_version, a.rule_kind, o.severity, a.first_event_ts, a.window_label, '');
      restoreFinding(
        f,
        {
          ...ex,
          tier: a.tier,
          event_count: a.event_count,
          last_event_ts: a.last_event_ts,
          window_start: a.window_start,
          observed: a.observed,
          baseline: a.baseline,
          baseline_source: a.baseline_source,
          score: a.score,
          reasons: Array.isArray(ex.findings) ? ex.findings.filter((r): r is string => typeof r === 'string') : [],
        },
        a,
      );
    }
    return o;
  }
}

function restoreFinding(f: Finding, s: Record<string, unknown>, a: AlertRevision): void {
  f.tier = num(s.tier) ?? 1;
  f.eventCount = num(s.event_count) ?? 0;
  f.lastTs = num(s.last_event_ts) ?? a.last_event_ts;
  f.windowStart = num(s.window_start) ?? a.window_start;
  f.observed = num(s.observed) ?? 0;
  f.baseline = num(s.baseline);
  f.baselineSource = typeof s.baseline_source === 'string' ? (s.baseline_source as BaselineSource) : null;
  f.score = num(s.score);
  f.limit = num(s.limit);
  f.peakRatio = num(s.peak_ratio) ?? 0;
  f.totalRecords = num(s.total_records) ?? 0;
  if (f.kind === 'rate') f.holdMs = num(s.hold_ms) ?? parseDuration(f.windowLabel) ?? 0;
  const raises = s.severity_raises;
  if (Array.isArray(raises)) {
    for (const r of raises) {
      if (r && typeof r === 'object' && typeof (r as { reason?: unknown }).reason === 'string') {
        f.raises.set((r as { reason: string }).reason, Number((r as { by?: unknown }).by) || 1);
      }
    }
  }
  if (Array.isArray(s.reasons)) for (const r of s.reasons) if (typeof r === 'string') f.addReason(r);
  f.restored = s;
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** Name lists on an alert stay small: a pathological stream cannot grow them. */
function addBounded(names: string[], v: string): void {
  if (names.length < 32 && !names.includes(v)) names.push(v);
}
