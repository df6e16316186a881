/**
 * Turns an open alert into the alert contract (AlertRevision): the
 * one-sentence summary and the structured explanation (one verdict combining
 * every finding). The query listing its events is the store's to render.
 *
 * Privacy: nothing here reads record refs; summaries are built only from the
 * actor, counts, window labels, rule titles and names from rule files.
 */
import { SEVERITIES, type AlertRevision, type Severity } from '../../../model/alert.js';
import type { Rule } from '../rules/rule-set.js';
import type { LimitDecision, StatsView } from '../baseline/limits.js';
import type { Finding, OpenAlert, WindowFigure } from './open-alert.js';
import { distinctCustomers } from '../measures/distinct-customers.js';
import type { RateMeasurePart } from '../measures/index.js';
import { fmt, round2 } from './wording.js';

export interface RenderContext {
  /** Rules as currently loaded; a rule removed by a reload is undefined. */
  readonly ruleOf: (ruleId: string) => Rule | undefined;
}

/** Other findings named in the summary after the primary one. */
const SUMMARY_OTHERS = 2;

export function renderAlert(a: OpenAlert, ctx: RenderContext): AlertRevision {
  const p = a.primary();
  return {
    alert_id: a.alertId,
    revision: a.revision,
    rule_id: p.ruleId,
    rule_version: p.ruleVersion,
    rule_kind: p.kind,
    severity: SEVERITIES[a.severity] as Severity,
    tier: a.tier,
    actor_id: a.actorId,
    actor_role: a.actorRole,
    actor_department: a.actorDepartment,
    employment_status: a.employmentStatus,
    window_start: a.windowStart,
    window_end: a.windowEnd,
    window_label: p.windowLabel,
    observed: p.observed,
    baseline: p.baseline,
    baseline_source: p.baselineSource,
    score: p.score,
    first_event_ts: a.firstTs,
    last_event_ts: a.lastTs,
    event_count: a.eventCount,
    suppressed_count: a.suppressed,
    event_ids: [...a.eventIds],
    summary: summarise(a, p, ctx),
    explanation: explain(a, p, ctx),
    status: a.closed ? 'closed' : 'open',
  };
}

// ---- summary -----------------------------------------------------------------

/** Findings other than the primary, most severe first. */
function others(a: OpenAlert, p: Finding): Finding[] {
  return [...a.findings.values()]
    .filter((f) => f !== p)
    .sort((x, y) => y.severity - x.severity || y.tier - x.tier || x.order - y.order);
}

function summarise(a: OpenAlert, p: Finding, ctx: RenderContext): string {
  if (a.storm !== null) return stormSummary(a, p, ctx);
  const who = `${a.actorRole} ${a.actorId}`;
  const head = p.kind === 'rate' && measureOf(p, ctx).readsAfterActor ? `${who} ${phrase(a, p, ctx)}` : `${who}: ${phrase(a, p, ctx)}`;
  const parts = [head];
  const rest = others(a, p);
  for (const f of rest.slice(0, SUMMARY_OTHERS)) parts.push(`also ${phrase(a, f, ctx)}`);
  if (rest.length > SUMMARY_OTHERS) parts.push(`+${rest.length - SUMMARY_OTHERS} more finding${rest.length - SUMMARY_OTHERS === 1 ? '' : 's'}`);
  parts.push(...context(a));
  return parts.join('; ');
}

/** "alert storm: about 1,234 actors, an actor missing from the directory touched customer data (1,500 events); e.g. a, b, c". */
function stormSummary(a: OpenAlert, p: Finding, ctx: RenderContext): string {
  const storm = a.storm as NonNullable<OpenAlert['storm']>;
  const title = ctx.ruleOf(p.ruleId)?.title ?? p.ruleId;
  const sample = storm.sample.slice(0, 3).join(', ');
  return `alert storm: about ${fmt(storm.actors)} actors, ${title} (${fmt(a.eventCount)} event${a.eventCount === 1 ? '' : 's'}, one alert for all); e.g. ${sample}`;
}

/** The measure a rate finding counted; a rule removed by a reload reads as distinct customers (what older alerts counted). */
function measureOf(f: Finding, ctx: RenderContext): RateMeasurePart {
  const rule = ctx.ruleOf(f.ruleId);
  return rule !== undefined && rule.kind === 'rate' ? rule.measure.part : distinctCustomers;
}

/** What one finding says, without the actor: "exported 4,812 distinct customers in 5m, 96× their usual 50". */
function phrase(a: OpenAlert, f: Finding, ctx: RenderContext): string {
  const rule = ctx.ruleOf(f.ruleId);
  if (f.kind === 'policy') {
    const first = f.reasons[0] ?? rule?.title ?? f.ruleId;
    // A check whose reason states the size of its single request (a record limit) needs no record count after it.
    const findingHasVolume = rule?.kind === 'policy' && rule.check?.statesRequestSize === true;
    const volume =
      f.eventCount > 1
        ? ` (${fmt(f.eventCount)} events, ${fmt(f.totalRecords)} records)`
        : findingHasVolume
          ? ''
          : ` (${fmt(f.totalRecords)} record${f.totalRecords === 1 ? '' : 's'})`;
    return `${first}${volume}`;
  }
  if (f.kind === 'score') return scorePhrase(f, rule?.title ?? f.ruleId);
  return measureOf(f, ctx).phrase(a, f, rule?.title ?? f.ruleId);
}

/**
 * "several unusual signals together, risk score 2.3 of 2: unusual days of customer reads 1.2
 * (93 in 7d, limit 71 from own history), ...; first day back after a week or more of silence 1".
 */
function scorePhrase(f: Finding, title: string): string {
  const parts = f.contributions.map((c) => {
    const w = c.window === null ? undefined : f.windows[c.window];
    if (w === undefined) return `${c.label} ${String(round2(c.points))}`;
    const limit = fmt(Math.round(w.decision.limit));
    const source = w.decision.source === 'static' ? `${limit}, fixed` : `${limit} from ${sourceWords(w.decision.source)}`;
    return `${c.label} ${String(round2(c.points))} (${fmt(w.observed)} in ${w.label}, limit ${source})`;
  });
  return `${title}, risk score ${String(round2(f.observed))} of ${String(round2(f.limit ?? 0))}: ${parts.join(', ')}`;
}

function sourceWords(source: string): string {
  return source === 'own' ? 'own history' : source === 'own_other_band' ? 'own history at other times' : source === 'peers_other_band' ? 'peers at other times' : source === 'peers' ? 'peers' : source === 'role' ? 'the role' : source === 'org' ? 'the organisation' : source;
}

function context(a: OpenAlert): string[] {
  const out: string[] = [];
  const add = (s: string) => {
    if (!out.includes(s)) out.push(s);
  };
  if (a.outsideBusinessHours) add('outside business hours');
  if (a.employmentStatus !== 'active') add(`status ${a.employmentStatus}`);
  for (const f of a.findings.values()) for (const r of f.raises.keys()) add(r);
  const fs = a.firstSeen;
  if (fs.channels.length > 0) add(`first use of channel ${[...fs.channels].join(', ')}`);
  if (fs.zones.length > 0) add(`first use of zone ${[...fs.zones].join(', ')}`);
  if (fs.resource_types.length > 0) add(`first access to ${[...fs.resource_types].join(', ')}`);
  return out;
}

// ---- explanation -------------------------------------------------------------

function explain(a: OpenAlert, p: Finding, ctx: RenderContext): Record<string, unknown> {
  const findings = [p, ...others(a, p)].map((f) => findingJson(f, ctx));
  const primary = findings[0] as Record<string, unknown>;
  let maxFinding = 0;
  for (const f of a.findings.values()) if (f.severity > maxFinding) maxFinding = f.severity;
  return {
    // The primary finding's rule and figures, at the top (what the alert is named after).
    rule_title: primary.title,
    rule_description: primary.description,
    tuning: primary.tuning,
    verdict: kindsOf(a),
    primary_rule_id: p.ruleId,
    windows: primary.windows,
    limit: p.limit,
    peak_ratio: round2(p.peakRatio),
    tiers: primary.tiers,
    severity_base: primary.severity_base,
    severity_raises: primary.severity_raises,
    // Every finding, primary first: rule id and version, severity, tier, counts and figures.
    findings,
    finding_count: a.firings,
    severity: {
      most_severe_finding: SEVERITIES[maxFinding],
      combination_raise: a.combinationRaise,
      alert: SEVERITIES[a.severity],
    },
    total_records: a.totalRecords,
    max_records_per_event: a.maxRecords,
    context: {
      outside_business_hours: a.outsideBusinessHours,
      employment_status: a.employmentStatus,
      field_classes: [...a.fieldClasses].sort(),
      resource_types: [...a.resourceTypes].sort(),
      channels: [...a.channels].sort(),
      zones: [...a.zones].sort(),
      actions: Object.fromEntries(a.actions().sort()),
    },
    first_seen: {
      resource_types: [...a.firstSeen.resource_types].sort(),
      channels: [...a.firstSeen.channels].sort(),
      zones: [...a.firstSeen.zones].sort(),
    },
    ...(a.storm !== null && {
      storm: {
        actors_estimate: a.storm.actors,
        events: a.eventCount,
        sample_actor_ids: [...a.storm.sample],
        threshold: { actors: a.storm.thresholdActors, within_ms: a.storm.withinMs },
      },
    }),
    ...(a.closedByCap && { closed_by: 'open_alert_cap' }),
    // What exceptions silenced for this actor while the alert was open (source: the rule file, or `console`).
    ...(a.exceptionsApplied.length > 0 && {
      exceptions_applied: a.exceptionsApplied.map((x) => ({ exception_id: x.exceptionId, source: x.source, rule_id: x.ruleId, events: x.events, last_event_ts: x.lastTs })),
    }),
  };
}

function kindsOf(a: OpenAlert): string {
  const kinds = new Set<string>();
  for (const f of a.findings.values()) kinds.add(f.kind);
  return kinds.size > 1 ? 'combined' : [...kinds][0] ?? 'policy';
}

function findingJson(f: Finding, ctx: RenderContext): Record<string, unknown> {
  const rule = ctx.ruleOf(f.ruleId);
  // A restored finding keeps its stored window figures until a new trigger replaces them.
  const windows = f.windows.length === 0 && f.restored !== null && Array.isArray(f.restored.windows) ? f.restored.windows : f.windows.map(windowJson);
  return {
    rule_id: f.ruleId,
    rule_version: f.ruleVersion,
    kind: f.kind,
    title: rule?.title ?? (typeof f.restored?.title === 'string' ? f.restored.title : f.ruleId),
    description: rule?.description ?? null,
    tuning: rule?.tuning ?? null,
    severity: SEVERITIES[f.severity],
    severity_base: rule ? SEVERITIES[rule.severity] : null,
    severity_raises: [...f.raises].map(([reason, by]) => ({ reason, by })),
    tier: f.tier,
    tiers: rule?.kind === 'rate' || rule?.kind === 'score' ? rule.tiers : rule?.kind === 'policy' ? rule.escalateRecords : [],
    event_count: f.eventCount,
    first_event_ts: f.firstTs,
    last_event_ts: f.lastTs,
    window: f.windowLabel,
    window_start: f.windowStart,
    observed: f.observed,
    limit: f.limit,
    baseline: f.baseline,
    baseline_source: f.baselineSource,
    score: f.score,
    peak_ratio: round2(f.peakRatio),
    hold_ms: f.holdMs,
    total_records: f.totalRecords,
    reasons: [...f.reasons],
    windows,
    // A risk score: what each signal and fact added (observed is the score, limit its threshold).
    ...(f.kind === 'score' && {
      contributions: f.contributions.map((c) => ({ rule_id: c.ruleId, signal: c.label, points: c.points, window: c.window === null ? null : (f.windows[c.window]?.label ?? null) })),
    }),
  };
}

function windowJson(w: WindowFigure): Record<string, unknown> {
  const d: LimitDecision = w.decision;
  return {
    window: w.label,
    observed: w.observed,
    // Infinite: no history and no static limit yet (the window gives no verdict).
    limit: Number.isFinite(d.limit) ? round2(d.limit) : null,
    limit_type: d.type,
    baseline_source: d.source,
    usual: d.usual === null ? null : round2(d.usual),
    spread: d.spread === null ? null : round2(d.spread),
    z: d.z,
    ratio: d.usual === null ? round2(w.observed / Math.max(d.limit, 1)) : round2(w.observed / Math.max(d.usual, 1)),
    // Robust z on the log scale: how many spreads above the usual level.
    robust_z: d.logUsual === null || d.spread === null || d.spread === 0 ? null : round2((Math.log1p(w.observed) - d.logUsual) / d.spread),
    days: d.days === null ? null : { with_reads: d.days.active, level_reached_on: d.days.level },
    band: d.band,
    floor: round2(d.floor),
    status_factor: d.statusFactor,
    own_normal: d.ownNormal === null ? null : round2(d.ownNormal),
    peer_routine: d.routine === null ? null : round2(d.routine),
    own: statsJson(d.own),
    peers: statsJson(d.peers),
    role: statsJson(d.role),
    org: statsJson(d.org),
    rare_band: d.rareBand === null ? null : { compare_with: d.rareBand.band, times: round2(d.rareBand.times), own: statsJson(d.rareBand.own) },
  };
}

function statsJson(s: StatsView | null): Record<string, unknown> | null {
  if (s === null) return null;
  return {
    samples: s.samples,
    actors: s.actors,
    days: s.days,
    median: round2(s.median),
    spread: round2(s.spread),
    recurring_peak: s.recurringPeak,
    used: s.skipped === null,
    skipped: s.skipped,
  };
}
