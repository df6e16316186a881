/**
 * Scoring of one detection run against the simulator's labels, and aggregation
 * over seeds. Pure functions: no engine, no I/O.
 *
 * Definitions
 * - An "alert" is a distinct alert_id that reached people: it had at least one
 *   `notify: true` update (the opening or an escalation). Merged follow-ups
 *   (`notify: false`) are counted separately.
 * - A notification matches an incident when it is on the incident's actor and
 *   its time (the virtual clock when the engine emitted it, i.e. the ts of the
 *   triggering event or of the tick) lies in [incident start, incident end +
 *   W], W = the larger of the incident type's window and the alert's own
 *   window (a 24h-window alert raised within 24h of the incident still counts
 *   its events). An alert is a true positive if any of its notifications
 *   matches an incident; several alerts matching one incident are reported as
 *   duplicate notifications. Closing revisions (status `closed`) are ignored.
 * - Detection of an incident: its first matching notification. Time to detect
 *   = that time − incident start; "in time" when it is ≤ the type's window.
 * - Alerts first notified before the evaluation period (the benign history the
 *   engine learns from) are reported as warm-up alerts, apart from the
 *   evaluation figures (precision, false alerts per 1,000 actor-days).
 */
import { median } from 'simple-statistics';
import type { IncidentLabel, IncidentType, LookalikeLabel, LookalikeType, SimLabels } from '../../sim/types.js';
import { ALL_INCIDENT_TYPES, ALL_LOOKALIKE_TYPES } from '../../sim/types.js';

/** One AlertUpdate as observed by the harness. */
export interface ObservedUpdate {
  readonly alert_id: string;
  readonly rule_id: string;
  readonly actor_id: string;
  readonly notify: boolean;
  readonly revision: number;
  readonly tier: number;
  readonly severity: string;
  readonly window_label: string;
  /** Virtual clock at emission (epoch ms). */
  readonly at: number;
  readonly first_event_ts: number;
  readonly summary: string;
  /** `closed` on the revision emitted when the alert's quiet period ended (not a merge). */
  readonly status?: 'open' | 'closed';
}

export type AlertClass = 'incident' | 'lookalike' | 'benign' | 'warmup';

export interface ScoredAlert {
  readonly alert_id: string;
  readonly rule_id: string;
  readonly actor_id: string;
  /** First notification time. */
  readonly at: number;
  readonly notifications: number;
  readonly merges: number;
  readonly cls: AlertClass;
  /** Incident or look-alike id it matched, if any. */
  readonly matched: string | null;
  readonly summary: string;
}

export interface IncidentOutcome {
  readonly id: string;
  readonly type: IncidentType;
  readonly actor_id: string;
  readonly detected: boolean;
  /** ms from incident start to the first matching notification. */
  readonly ttd_ms: number | null;
  readonly in_time: boolean;
  readonly first_rule: string | null;
  /** Only merged follow-ups (no notification) touched the incident. */
  readonly merged_only: boolean;
  readonly window_ms: number;
  /** Distinct alerts that matched this incident (1 is ideal; more are repeated notifications). */
  readonly alerts: number;
  /** The summary (explanation) of the first matching notification. */
  readonly first_summary: string | null;
}

export interface LookalikeOutcome {
  readonly id: string;
  readonly type: LookalikeType;
  readonly actor_id: string;
  readonly alerted: boolean;
  readonly rules: readonly string[];
  /** Distinct alerts raised on it (violations). */
  readonly alerts: number;
}

export interface RuleCounts {
  incident: number;
  lookalike: number;
  benign: number;
  warmup: number;
  merges: number;
}

export interface RunScore {
  readonly seed: number;
  readonly incidents: readonly IncidentOutcome[];
  readonly lookalikes: readonly LookalikeOutcome[];
  readonly alerts: readonly ScoredAlert[];
  /** Distinct alerts by class. */
  readonly counts: Readonly<Record<AlertClass, number>>;
  /** notify:false updates, and how many of them went to incident alerts. */
  readonly merges: { readonly total: number; readonly into_incident_alerts: number };
  readonly byRule: Readonly<Record<string, RuleCounts>>;
  /** TP / (TP + look-alike + benign) in the evaluation period; null without alerts. */
  readonly precision: number | null;
  /** Counting warm-up alerts as false too. */
  readonly precision_incl_warmup: number | null;
  readonly benign_actor_days_eval: number;
  readonly benign_actor_days: number;
  /** (look-alike + benign) false alerts per 1,000 benign actor-days of the evaluation period. */
  readonly false_per_1000_actor_days: number;
  /** All false alerts (incl. warm-up) per 1,000 benign actor-days of the whole run. */
  readonly false_per_1000_actor_days_incl_warmup: number;
}

/** `5m`, `1h`, `24h`, `7d` → ms; anything else (e.g. `request`) → 0. */
export function windowMs(label: string): number {
  const m = /^(\d+)(ms|s|m|h|d)$/.exec(label);
  if (!m) return 0;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'ms' | 's' | 'm' | 'h' | 'd'];
  return Number(m[1]) * unit;
}

function inSpan(at: number, start: number, end: number, window: number): boolean {
  return at >= start && at <= end + window;
}

export function scoreRun(labels: SimLabels, updates: readonly ObservedUpdate[]): RunScore {
  const evalStart = Date.parse(labels.evaluation_start);
  const incidentsByActor = new Map<string, IncidentLabel[]>();
  for (const i of labels.incidents) incidentsByActor.set(i.actor_id, [...(incidentsByActor.get(i.actor_id) ?? []), i]);
  const lookalikesByActor = new Map<string, LookalikeLabel[]>();
  for (const l of labels.lookalikes) lookalikesByActor.set(l.actor_id, [...(lookalikesByActor.get(l.actor_id) ?? []), l]);

  // An alert about a window of W (e.g. 24h) raised up to W after the incident still counts the
  // incident's events: it matches the incident rather than being a false alert.
  const matchIncident = (u: ObservedUpdate): IncidentLabel | undefined =>
    incidentsByActor
      .get(u.actor_id)
      ?.find((i) => inSpan(u.at, i.start_ms, i.end_ms, Math.max(i.window_ms, windowMs(u.window_label))));
  const matchLookalike = (u: ObservedUpdate): LookalikeLabel | undefined =>
    lookalikesByActor.get(u.actor_id)?.find((l) => inSpan(u.at, l.start_ms, l.end_ms, l.window_ms));

  // Group updates per alert id, in emission order.
  const perAlert = new Map<string, ObservedUpdate[]>();
  for (const u of updates) {
    let list = perAlert.get(u.alert_id);
    if (!list) perAlert.set(u.alert_id, (list = []));
    list.push(u);
  }

  const firstDetection = new Map<string, ObservedUpdate>();
  const mergeTouched = new Set<string>();
  const alerts: ScoredAlert[] = [];
  const byRule: Record<string, RuleCounts> = {};
  const counts: Record<AlertClass, number> = { incident: 0, lookalike: 0, benign: 0, warmup: 0 };
  let mergesTotal = 0;
  let mergesIntoIncident = 0;
  const lookalikeRules = new Map<string, Set<string>>();
  const lookalikeAlerts = new Map<string, number>();
  const alertsPerIncident = new Map<string, number>();

  for (const [alertId, all] of perAlert) {
    // Closing revisions carry no new events: neither a notification nor a merge.
    const list = all.filter((u) => u.status !== 'closed' || u.notify);
    if (list.length === 0) continue;
    const notes = list.filter((u) => u.notify);
    const merges = list.length - notes.length;
    mergesTotal += merges;
    for (const u of list) {
      if (u.notify) continue;
      const inc = matchIncident(u);
      if (inc) mergeTouched.add(inc.id);
    }
    const first = list[0] as ObservedUpdate;
    const rc = (byRule[first.rule_id] ??= { incident: 0, lookalike: 0, benign: 0, warmup: 0, merges: 0 });
    rc.merges += merges;
    if (notes.length === 0) continue; // only merges: never reached people as a new alert
    let matched: IncidentLabel | undefined;
    const matchedHere = new Set<string>();
    for (const u of notes) {
      const inc = matchIncident(u);
      if (!inc) continue;
      matched ??= inc;
      if (!matchedHere.has(inc.id)) {
        matchedHere.add(inc.id);
        alertsPerIncident.set(inc.id, (alertsPerIncident.get(inc.id) ?? 0) + 1);
      }
      const prev = firstDetection.get(inc.id);
      if (!prev || u.at < prev.at) firstDetection.set(inc.id, u);
    }
    const firstNote = notes[0] as ObservedUpdate;
    let cls: AlertClass;
    let matchedId: string | null = null;
    if (matched) {
      cls = 'incident';
      matchedId = matched.id;
      mergesIntoIncident += merges;
    } else {
      const la = notes.map(matchLookalike).find((x) => x !== undefined);
      if (la) {
        cls = 'lookalike';
        matchedId = la.id;
        let set = lookalikeRules.get(la.id);
        if (!set) lookalikeRules.set(la.id, (set = new Set()));
        set.add(firstNote.rule_id);
        lookalikeAlerts.set(la.id, (lookalikeAlerts.get(la.id) ?? 0) + 1);
      } else cls = firstNote.at < evalStart ? 'warmup' : 'benign';
    }
    counts[cls]++;
    rc[cls]++;
    alerts.push({
      alert_id: alertId,
      rule_id: firstNote.rule_id,
      actor_id: firstNote.actor_id,
      at: firstNote.at,
      notifications: notes.length,
      merges,
      cls,
      matched: matchedId,
      summary: firstNote.summary,
    });
  }

  const incidents: IncidentOutcome[] = labels.incidents.map((i) => {
    const d = firstDetection.get(i.id);
    const ttd = d ? Math.max(0, d.at - i.start_ms) : null;
    return {
      id: i.id,
      type: i.type,
      actor_id: i.actor_id,
      detected: d !== undefined,
      ttd_ms: ttd,
      in_time: ttd !== null && ttd <= i.window_ms,
      first_rule: d?.rule_id ?? null,
      merged_only: d === undefined && mergeTouched.has(i.id),
      window_ms: i.window_ms,
      alerts: alertsPerIncident.get(i.id) ?? 0,
      first_summary: d?.summary ?? null,
    };
  });
  const lookalikes: LookalikeOutcome[] = labels.lookalikes.map((l) => ({
    id: l.id,
    type: l.type,
    actor_id: l.actor_id,
    alerted: lookalikeRules.has(l.id),
    rules: [...(lookalikeRules.get(l.id) ?? [])],
    alerts: lookalikeAlerts.get(l.id) ?? 0,
  }));
  const evalAlerts = counts.incident + counts.lookalike + counts.benign;
  const allAlerts = evalAlerts + counts.warmup;
  const c = labels.counts;
  return {
    seed: labels.seed,
    incidents,
    lookalikes,
    alerts,
    counts,
    merges: { total: mergesTotal, into_incident_alerts: mergesIntoIncident },
    byRule,
    precision: evalAlerts > 0 ? counts.incident / evalAlerts : null,
    precision_incl_warmup: allAlerts > 0 ? counts.incident / allAlerts : null,
    benign_actor_days_eval: c.benign_actor_days_eval,
    benign_actor_days: c.benign_actor_days,
    false_per_1000_actor_days: c.benign_actor_days_eval > 0 ? ((counts.lookalike + counts.benign) * 1000) / c.benign_actor_days_eval : 0,
    false_per_1000_actor_days_incl_warmup:
      c.benign_actor_days > 0 ? ((counts.lookalike + counts.benign + counts.warmup) * 1000) / c.benign_actor_days : 0,
  };
}

// ---------------------------------------------------------------------------
// Aggregation over seeds

export interface TypeSummary {
  readonly type: IncidentType;
  readonly total: number;
  readonly detected: number;
  readonly in_time: number;
  readonly recall: number;
  readonly ttd_median_ms: number | null;
  readonly ttd_max_ms: number | null;
  readonly window_ms: number;
  /** Mean distinct alerts per detected incident. */
  readonly alerts_per_detected: number | null;
}

export interface Goals {
  readonly recall: boolean;
  readonly precision: boolean;
  readonly false_rate: boolean;
  readonly in_time: boolean;
}

export interface AggregateScore {
  readonly seeds: readonly number[];
  readonly byType: readonly TypeSummary[];
  readonly counts: Readonly<Record<AlertClass, number>>;
  readonly merges: { readonly total: number; readonly into_incident_alerts: number };
  readonly precision: number | null;
  readonly precision_incl_warmup: number | null;
  readonly false_per_1000_actor_days: number;
  readonly false_per_1000_actor_days_incl_warmup: number;
  readonly benign_actor_days_eval: number;
  readonly byRule: Readonly<Record<string, RuleCounts>>;
  readonly lookalikes: readonly { readonly type: LookalikeType; readonly total: number; readonly alerted: number; readonly alerts: number }[];
  readonly goals: Goals;
}

export const GOALS = { recall: 0.95, precision: 0.9, falsePer1000: 1 } as const;

export function aggregate(runs: readonly RunScore[]): AggregateScore {
  // Only the kinds the runs planted (the classic and the allowed scenario plant different kinds).
  const planted = new Set(runs.flatMap((r) => r.incidents.map((i) => i.type)));
  const byType: TypeSummary[] = ALL_INCIDENT_TYPES.filter((t) => planted.has(t)).map((type) => {
    const all = runs.flatMap((r) => r.incidents.filter((i) => i.type === type));
    const ttds = all.filter((i) => i.ttd_ms !== null).map((i) => i.ttd_ms as number);
    const detected = all.filter((i) => i.detected).length;
    return {
      type,
      total: all.length,
      detected,
      in_time: all.filter((i) => i.in_time).length,
      recall: all.length > 0 ? detected / all.length : 1,
      ttd_median_ms: ttds.length > 0 ? median(ttds) : null,
      ttd_max_ms: ttds.length > 0 ? Math.max(...ttds) : null,
      window_ms: all[0]?.window_ms ?? 0,
      alerts_per_detected: detected > 0 ? all.reduce((s, i) => s + i.alerts, 0) / detected : null,
    };
  });
  const counts: Record<AlertClass, number> = { incident: 0, lookalike: 0, benign: 0, warmup: 0 };
  const byRule: Record<string, RuleCounts> = {};
  let mergesTotal = 0;
  let mergesInc = 0;
  let days = 0;
  let daysAll = 0;
  for (const r of runs) {
    for (const k of Object.keys(counts) as AlertClass[]) counts[k] += r.counts[k];
    for (const [rule, rc] of Object.entries(r.byRule)) {
      const acc = (byRule[rule] ??= { incident: 0, lookalike: 0, benign: 0, warmup: 0, merges: 0 });
      acc.incident += rc.incident;
      acc.lookalike += rc.lookalike;
      acc.benign += rc.benign;
      acc.warmup += rc.warmup;
      acc.merges += rc.merges;
    }
    mergesTotal += r.merges.total;
    mergesInc += r.merges.into_incident_alerts;
    days += r.benign_actor_days_eval;
    daysAll += r.benign_actor_days;
  }
  const evalAlerts = counts.incident + counts.lookalike + counts.benign;
  const allAlerts = evalAlerts + counts.warmup;
  const precision = evalAlerts > 0 ? counts.incident / evalAlerts : null;
  const falseRate = days > 0 ? ((counts.lookalike + counts.benign) * 1000) / days : 0;
  const plantedLookalikes = new Set(runs.flatMap((r) => r.lookalikes.map((l) => l.type)));
  const lookalikes = ALL_LOOKALIKE_TYPES.filter((t) => plantedLookalikes.has(t)).map((type) => {
    const all = runs.flatMap((r) => r.lookalikes.filter((l) => l.type === type));
    return { type, total: all.length, alerted: all.filter((l) => l.alerted).length, alerts: all.reduce((s, l) => s + l.alerts, 0) };
  });
  return {
    seeds: runs.map((r) => r.seed),
    byType,
    counts,
    merges: { total: mergesTotal, into_incident_alerts: mergesInc },
    precision,
    precision_incl_warmup: allAlerts > 0 ? counts.incident / allAlerts : null,
    false_per_1000_actor_days: falseRate,
    false_per_1000_actor_days_incl_warmup: daysAll > 0 ? ((allAlerts - counts.incident) * 1000) / daysAll : 0,
    benign_actor_days_eval: days,
    byRule,
    lookalikes,
    goals: {
      recall: byType.every((t) => t.recall >= GOALS.recall),
      precision: precision !== null && precision >= GOALS.precision,
      false_rate: falseRate <= GOALS.falsePer1000,
      in_time: byType.every((t) => t.in_time === t.total),
    },
  };
}
