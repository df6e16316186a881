/**
 * An alert while it is open: the mutable state behind successive revisions.
 *
 * Lifecycle: opened by a triggering event (revision 1, notify); every later
 * triggering event of the same rule and actor is merged (revision + 1,
 * counted in suppressed_count, no notification) unless it escalates (tier or
 * severity rises: notify again). It closes after its rule's quiet period
 * without a triggering event (one last revision with status `closed`).
 */
import { SEVERITIES, type Alert, type BaselineSource, type RuleKind } from '../../model/alert.js';
import type { EnrichedEvent } from '../../model/enriched.js';
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

export class OpenAlert {
  revision = 1;
  tier = 1;
  severity: number;
  eventCount = 0;
  suppressed = 0;
  firstTs: number;
  lastTs: number;
  windowStart: number;
  windowEnd: number;
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
   * after its last trigger, since the condition lasts as long as the window
   * holds the burst; closing earlier would re-open one alert per event.
   */
  holdMs = 0;
  totalRecords = 0;
  maxRecords = 0;
  closed = false;
  /** A notification is due with the next update (opening, escalation). */
  notifyPending = true;
  readonly eventIds: string[] = [];
  readonly raises = new Map<string, number>();
  readonly findings: string[] = [];
  readonly actions = new Map<string, number>();
  readonly resourceTypes = new Set<string>();
  readonly channels = new Set<string>();
  readonly zones = new Set<string>();
  readonly fieldClasses = new Set<string>();
  readonly firstSeen = { resource_types: new Set<string>(), channels: new Set<string>(), zones: new Set<string>() };
  outsideBusinessHours = false;
  employmentStatus: string;
  actorRole: string;
  actorDepartment: string;
  windows: readonly WindowFigure[] = [];
  /** Carried over from a restored alert, whose per-event detail is not available. */
  restoredExplanation: Readonly<Record<string, unknown>> | null = null;

  constructor(
    readonly alertId: string,
    readonly ruleId: string,
    public ruleVersion: string,
    readonly kind: RuleKind,
    readonly actorId: string,
    profile: { role: string; department: string; employment_status: string },
    severity: number,
    ts: number,
    windowLabel: string,
  ) {
    this.severity = severity;
    this.firstTs = ts;
    this.lastTs = ts;
    this.windowStart = ts;
    this.windowEnd = ts;
    this.windowLabel = windowLabel;
    this.actorRole = profile.role;
    this.actorDepartment = profile.department;
    this.employmentStatus = profile.employment_status;
  }

  /** Adds a triggering event's facts; bounded: sets hold names, the id sample is capped. */
  recordEvent(e: EnrichedEvent, facts: DerivedFacts, sampleCap: number): void {
    this.eventCount++;
    if (e.ts > this.lastTs) this.lastTs = e.ts;
    if (e.ts < this.firstTs) this.firstTs = e.ts;
    if (e.ts > this.windowEnd) this.windowEnd = e.ts;
    if (e.ts < this.windowStart) this.windowStart = e.ts;
    if (this.eventIds.length < sampleCap && !this.eventIds.includes(e.event_id)) this.eventIds.push(e.event_id);
    this.totalRecords += e.record_count;
    if (e.record_count > this.maxRecords) this.maxRecords = e.record_count;
    this.actions.set(e.action, (this.actions.get(e.action) ?? 0) + Math.max(1, e.record_count));
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

  addFinding(reason: string): void {
    if (this.findings.length < 10 && !this.findings.includes(reason)) this.findings.push(reason);
  }

  /** The action with the most records: the verb of the summary. */
  dominantAction(): string {
    let best = '';
    let n = -1;
    for (const [a, c] of this.actions) {
      if (c > n) {
        best = a;
        n = c;
      }
    }
    return best;
  }

  /** Rebuilds the state of a stored alert so a restarted engine continues it (same id). */
  static fromAlert(a: Alert): OpenAlert {
    const o = new OpenAlert(
      a.alert_id,
      a.rule_id,
      a.rule_version,
      a.rule_kind,
      a.actor_id,
      { role: a.actor_role, department: a.actor_department, employment_status: a.employment_status },
      0,
      a.first_event_ts,
      a.window_label,
    );
    o.revision = a.revision;
    o.tier = a.tier;
    o.eventCount = a.event_count;
    o.suppressed = a.suppressed_count;
    o.lastTs = a.last_event_ts;
    o.windowStart = a.window_start;
    o.windowEnd = a.window_end;
    o.observed = a.observed;
    o.baseline = a.baseline;
    o.baselineSource = a.baseline_source;
    o.score = a.score;
    o.eventIds.push(...a.event_ids);
    o.notifyPending = false;
    o.restoredExplanation = a.explanation;
    const ex = a.explanation as Record<string, unknown>;
    o.limit = typeof ex.limit === 'number' ? ex.limit : null;
    if (a.rule_kind === 'rate') o.holdMs = parseDuration(a.window_label) ?? 0;
    o.peakRatio = typeof ex.peak_ratio === 'number' ? ex.peak_ratio : 0;
    o.totalRecords = typeof ex.total_records === 'number' ? ex.total_records : 0;
    const raises = ex.severity_raises;
    if (Array.isArray(raises)) {
      for (const r of raises) {
        if (r && typeof r === 'object' && typeof (r as { reason?: unknown }).reason === 'string') {
          o.raises.set((r as { reason: string }).reason, Number((r as { by?: unknown }).by) || 1);
        }
      }
    }
    if (Array.isArray(ex.findings)) for (const f of ex.findings) if (typeof f === 'string') o.addFinding(f);
    o.outsideBusinessHours = (ex.context as { outside_business_hours?: unknown } | undefined)?.outside_business_hours === true;
    o.severity = Math.max(0, SEVERITIES.indexOf(a.severity));
    return o;
  }
}

/** Sets of names on an alert stay small: a pathological stream cannot grow them. */
function addBounded(s: Set<string>, v: string): void {
  if (s.size < 32) s.add(v);
}
