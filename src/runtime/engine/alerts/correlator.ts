/**
 * Alert correlation: whatever fires for an actor merges into that actor's one
 * open alert (or re-opens the alert its window still holds the events of, or
 * folds into a storm alert), with its findings, tiers and severity; closing
 * on quiet; restore of stored revisions; and the revisions due since the last
 * output (openings and escalations rendered at their event, in event order,
 * then the silent rest coalesced). The engine decides what fired; this decides which alert it
 * belongs to and what goes out.
 *
 * Pure like the engine: no I/O, no clock (processing time is passed in).
 */
import type { EnrichedEvent } from '../../../model/enriched.js';
import { SEVERITIES } from '../../../model/alert.js';
import type { AlertUpdate, RestorableAlert } from '../api.js';
import type { PolicyFinding } from '../checks/index.js';
import type { DerivedFacts, EvalInput } from '../rules/fields.js';
import type { PolicyRule, RateRule, Rule, RuleSet, ScoreRule } from '../rules/rule-set.js';
import type { ActorState } from '../state/actor-state.js';
import { alertEventsOf } from './alert-events.js';
import { alertIdFor } from './alert-id.js';
import { alertStateOf, openAlertFromState } from './alert-state.js';
import { OpenAlert, type Contribution, type Finding, type WindowFigure } from './open-alert.js';
import { renderAlert } from './render.js';
import { round2 } from './wording.js';
import { StormGuard, type StormSettings } from './storm-guard.js';

const MAX_SEVERITY = SEVERITIES.length - 1;

/** The alert the current event touched (opened or merged into), settled once per event. */
interface Touched {
  readonly a: OpenAlert;
  readonly opened: boolean;
  readonly tier: number;
  readonly severity: number;
}

export class AlertCorrelator {
  /** Open alerts held (actors' and storm alerts). */
  openCount = 0;
  private rules!: RuleSet;
  private readonly storms: StormGuard;
  private touched: Touched | null = null;
  private readonly dirty = new Set<OpenAlert>();
  /**
   * Notifying revisions (openings and escalations), rendered at the event
   * that caused them, in event order. An alert that opens and escalates
   * within one batch still goes out as two notifications, opening first; and
   * which revision notifies does not depend on where a batch ends (after a
   * restart the same events arrive in other batches).
   */
  private notifying: AlertUpdate[] = [];

  /** `facts` and `input` are the engine's per-event objects (reused, never reallocated): read when a finding is recorded. */
  constructor(
    rules: RuleSet,
    private readonly facts: DerivedFacts,
    private readonly input: EvalInput,
    private readonly caps: { stormFolds: number },
  ) {
    this.storms = new StormGuard(stormSettings(rules.settings.alert_storm));
    this.configure(rules);
  }

  configure(rules: RuleSet): void {
    this.rules = rules;
    this.storms.configure(stormSettings(rules.settings.alert_storm));
  }

  /** Before the rules judge an event: nothing touched yet. */
  beginEvent(): void {
    this.touched = null;
  }

  /** An actor handed to another instance: its open alert is no longer ours to emit. */
  forget(st: ActorState): void {
    if (st.alert === null) return;
    this.dirty.delete(st.alert);
    this.openCount--;
  }

  /**
   * One stored revision back into the actor's state. With its stored engine state the
   * alert continues exactly (figures, tiers, counts); without one (an older
   * custos), it is rebuilt from the explanation as well as that allows. A
   * closed revision becomes the actor's last closed alert, which a rate window
   * still holding its events re-opens (same id), as it would have without the
   * restart.
   */
  restore(st: ActorState, { alert: stored, state }: RestorableAlert): void {
    const closed = state !== null ? state.closed : stored.status === 'closed';
    if (closed) {
      if (state === null) return; // a legacy closed revision carries too little to re-open from
      const held = st.lastClosed;
      if (st.alert?.alertId === stored.alert_id) return; // the engine holds it open already
      if (held !== null && (held.lastTs > state.lastTs || (held.alertId === stored.alert_id && held.revision >= state.revision))) return;
      st.lastClosed = openAlertFromState(state);
      return;
    }
    const existing = st.alert;
    if (existing !== null && existing.alertId === stored.alert_id && existing.revision >= stored.revision) return;
    const a = state !== null ? openAlertFromState(state) : OpenAlert.fromAlert(stored);
    if (existing !== null && existing.alertId !== stored.alert_id) {
      // One open alert per actor: the later one continues, the other is closed (not dropped silently).
      if (existing.lastTs >= a.lastTs) {
        this.closeRestored(a);
        return;
      }
      this.closeRestored(existing);
      this.openCount--;
    }
    if (existing === null || existing.alertId !== stored.alert_id) this.openCount++;
    if (st.lastClosed?.alertId === a.alertId) st.lastClosed = null;
    st.alert = a;
  }

  /** A restored alert that will not continue: its closing revision goes out with the next output. */
  private closeRestored(a: OpenAlert): void {
    if (this.dirty.has(a)) return;
    a.closed = true;
    a.revision++;
    this.dirty.add(a);
  }

  /**
   * The actor's open alert for this trigger, or a new one (its id from the
   * actor and this event). Returns null for a replayed event (same event_id)
   * when the actor has no open alert (it opens and re-opens nothing) or the
   * open alert already holds it. Whatever fires for one event touches
   * the same alert; it is settled once, after every rule ran.
   */
  private alertFor(st: ActorState, r: Rule, e: EnrichedEvent, duplicate: boolean, windowMs: number, now: number): OpenAlert | null {
    const t = this.touched;
    if (t !== null) return t.a;
    let a = st.alert;
    // A redelivered event (a batch given up while a sink failed, or replayed after a
    // restart) was judged before: whatever alert it opened exists already, open, closed
    // or stored. Opening one again would restart that alert's id at revision 1 and, once
    // it closes, overwrite the stored final revision with a poorer copy.
    if (a === null && duplicate) return null;
    // A rate window that fires while it still holds the events of the actor's last
    // alert is about those events too: that alert re-opens (same id) instead of a new one.
    const prev = st.lastClosed;
    if (a === null && prev !== null && windowMs > 0 && prev.lastTs >= e.ts - windowMs) {
      prev.closed = false;
      st.alert = prev;
      st.lastClosed = null;
      this.openCount++;
      a = prev;
    }
    if (a !== null) {
      if (duplicate && a.lastTs >= e.ts) return null;
      this.touched = { a, opened: false, tier: a.tier, severity: a.severity };
      a.recordEvent(e, this.facts, this.rules.settings.event_id_sample);
      return a;
    }
    if (this.storms.shouldFold(r.id, now)) {
      const folded = this.storms.fold(r.id, e, this.facts, now, this.rules.settings.event_id_sample);
      this.caps.stormFolds++;
      if (folded.opened) this.openCount++;
      this.touched = { a: folded.alert, opened: folded.opened, tier: folded.alert.tier, severity: folded.alert.severity };
      return folded.alert;
    }
    const created = new OpenAlert(alertIdFor(e.actor_id, e.event_id), e.actor_id, e.actor, e.ts);
    st.alert = created;
    st.lastClosed = null;
    this.openCount++;
    this.touched = { a: created, opened: true, tier: 1, severity: 0 };
    created.recordEvent(e, this.facts, this.rules.settings.event_id_sample);
    return created;
  }

  firePolicy(st: ActorState, r: PolicyRule, e: EnrichedEvent, duplicate: boolean, finding: PolicyFinding, now: number): void {
    const a = this.alertFor(st, r, e, duplicate, 0, now);
    if (a === null) return;
    const f = a.finding(r.id, r.version, 'policy', r.severity, e.ts, 'request', e.event_id);
    a.firings++;
    f.touch(e);
    f.addReason(finding.reason);
    // A check that measured the request against a limit shows that figure; others show the records touched.
    if (finding.limit !== null) {
      f.observed = Math.max(f.observed, finding.observed);
      f.limit = finding.limit;
      f.baseline = finding.limit;
      f.baselineSource = 'role';
      f.score = finding.limit !== null && finding.limit > 0 ? round2(f.observed / finding.limit) : null;
    } else {
      f.observed = f.totalRecords;
    }
    let tier = 1;
    for (const t of r.escalateRecords) if (f.totalRecords >= t) tier++;
    if (tier > f.tier) f.tier = tier;
    this.applySeverity(f, r, 0);
  }

  fireRate(st: ActorState, r: RateRule, e: EnrichedEvent, duplicate: boolean, figures: WindowFigure[], best: number, ratio: number, now: number): void {
    const lead = figures[best] as WindowFigure;
    let longest = 0;
    for (const w of figures) if (w.observed > w.decision.limit && w.horizonMs > longest) longest = w.horizonMs;
    const a = this.alertFor(st, r, e, duplicate, longest, now);
    if (a === null) return;
    const isNew = !a.findings.has(r.id);
    const f = a.finding(r.id, r.version, 'rate', r.severity, e.ts, lead.label, e.event_id);
    a.firings++;
    f.touch(e);
    // Window starts are epoch ms like every time the engine emits: never below 0.
    if (isNew) f.windowStart = Math.max(0, e.ts - lead.horizonMs);
    for (const w of figures) if (w.observed > w.decision.limit && w.horizonMs > f.holdMs) f.holdMs = w.horizonMs;
    // The finding shows its peak: the moment the highest ratio was seen.
    if (isNew || ratio >= f.peakRatio) {
      f.peakRatio = ratio;
      f.windows = figures;
      f.windowLabel = lead.label;
      f.observed = lead.observed;
      f.limit = lead.decision.limit;
      f.baseline = lead.decision.usual ?? lead.decision.limit;
      f.baselineSource = lead.decision.source;
      f.score = round2(lead.observed / Math.max(lead.decision.usual ?? lead.decision.limit, 1));
      const start = Math.max(0, e.ts - lead.horizonMs);
      if (start < f.windowStart) f.windowStart = start;
    }
    if (f.windowStart < a.windowStart) a.windowStart = f.windowStart;
    let tier = 1;
    for (const t of r.tiers) if (f.peakRatio >= t) tier++;
    if (tier > f.tier) f.tier = tier;
    this.applySeverity(f, r, r.tierRaisesSeverity ? f.tier - 1 : 0);
  }

  /**
   * An actor's risk score at or above its threshold. `figures` are the
   * contributing signals' windows (furthest above their limits), `holdMs`
   * the longest horizon among them: the alert stays open while the windows
   * hold what scored.
   */
  fireScore(
    st: ActorState,
    r: ScoreRule,
    e: EnrichedEvent,
    duplicate: boolean,
    score: number,
    contributions: readonly Contribution[],
    figures: readonly WindowFigure[],
    holdMs: number,
    now: number,
  ): void {
    const a = this.alertFor(st, r, e, duplicate, holdMs, now);
    if (a === null) return;
    const lead = leadFigure(contributions, figures);
    const isNew = !a.findings.has(r.id);
    const f = a.finding(r.id, r.version, 'score', r.severity, e.ts, lead?.label ?? 'request', e.event_id);
    a.firings++;
    f.touch(e);
    if (holdMs > f.holdMs) f.holdMs = holdMs;
    const ratio = score / r.threshold;
    if (isNew) f.windowStart = Math.max(0, e.ts - (lead?.horizonMs ?? 0));
    // Like a rate finding, it shows its peak: the highest score seen.
    if (isNew || ratio >= f.peakRatio) {
      f.peakRatio = ratio;
      f.observed = round2(score);
      f.limit = r.threshold;
      f.baseline = r.threshold;
      f.baselineSource = null;
      f.score = round2(ratio);
      f.windows = figures;
      f.contributions = contributions;
      f.windowLabel = lead?.label ?? 'request';
      const start = Math.max(0, e.ts - (lead?.horizonMs ?? 0));
      if (start < f.windowStart) f.windowStart = start;
    }
    if (f.windowStart < a.windowStart) a.windowStart = f.windowStart;
    let tier = 1;
    for (const t of r.tiers) if (ratio >= t) tier++;
    if (tier > f.tier) f.tier = tier;
    this.applySeverity(f, r, r.tierRaisesSeverity ? f.tier - 1 : 0);
  }

  /** Finding severity = rule severity + matched raises (each once) + tier steps; never decreases. */
  private applySeverity(f: Finding, r: Rule, tierSteps: number): void {
    for (const raise of r.raises) {
      if (!f.raises.has(raise.reason) && raise.when(this.input)) f.raises.set(raise.reason, raise.by);
    }
    let sev = r.severity + tierSteps;
    for (const by of f.raises.values()) sev += by;
    sev = Math.min(MAX_SEVERITY, sev);
    if (sev > f.severity) f.severity = sev;
  }

  /**
   * After every rule judged the event: the alert's severity (most severe
   * finding, raised when findings of several rules combine) and tier; a rise
   * notifies (escalation), anything else is a counted, silent merge.
   */
  settle(): void {
    const t = this.touched;
    if (t === null) return;
    const a = t.a;
    a.settleSeverity(this.rules.settings.combined_findings_raise, MAX_SEVERITY);
    this.touched = null;
    if (!t.opened) a.revision++;
    if (t.opened || a.tier > t.tier || a.severity > t.severity) {
      this.notifying.push(this.update(a, true));
      // The revision just rendered is the alert as it stands: no coalesced copy of it.
      this.dirty.delete(a);
      return;
    }
    a.suppressed++;
    this.dirty.add(a);
  }

  closeQuietStorms(now: number): void {
    for (const a of this.storms.closeQuiet(now)) {
      this.openCount--;
      a.closed = true;
      a.revision++;
      this.dirty.add(a);
    }
  }

  close(st: ActorState, a: OpenAlert): void {
    st.alert = null;
    st.lastClosed = a;
    this.openCount--;
    a.closed = true;
    a.revision++;
    this.dirty.add(a);
  }

  /**
   * Event time at which the alert closes: when every finding's quiet period
   * (the rule's, and for a rate finding at least the longest window that
   * fired) has passed since that finding's last trigger.
   */
  closesAt(a: OpenAlert): number {
    if (a.findings.size === 0) return a.lastTs + this.rules.settings.quiet;
    let at = -Infinity;
    for (const f of a.findings.values()) {
      const quiet = Math.max(this.rules.rulesById.get(f.ruleId)?.quietMs ?? this.rules.settings.quiet, f.holdMs);
      if (f.lastTs + quiet > at) at = f.lastTs + quiet;
    }
    return at;
  }

  /**
   * The notifying revisions in event order, then one silent update per alert
   * changed since (coalesced per batch: merges, closes).
   */
  flush(): AlertUpdate[] {
    const alerts: AlertUpdate[] = this.notifying;
    this.notifying = [];
    for (const a of this.dirty) {
      alerts.push(this.update(a, false));
    }
    this.dirty.clear();
    return alerts;
  }

  /** The alert's revision as it stands, its events and its state. */
  private update(a: OpenAlert, notify: boolean): AlertUpdate {
    return {
      alert: renderAlert(a, { ruleOf: (id) => this.rules.rulesById.get(id) }),
      events: alertEventsOf(a, this.rules.settings.event_id_sample),
      notify,
      state: alertStateOf(a),
    };
  }
}

function stormSettings(s: { actors: number; within: number; sample: number }): StormSettings {
  return { actors: s.actors, withinMs: s.within, sample: s.sample };
}

/** The window of the signal that gave the most points (null when only facts scored). */
function leadFigure(contributions: readonly Contribution[], figures: readonly WindowFigure[]): WindowFigure | null {
  let best: Contribution | null = null;
  for (const c of contributions) if (c.window !== null && (best === null || c.points > best.points)) best = c;
  return best === null || best.window === null ? null : (figures[best.window] ?? null);
}
