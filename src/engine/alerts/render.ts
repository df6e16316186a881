/**
 * Turns an open alert into the Alert contract: the one-sentence summary, the
 * structured explanation and the ClickHouse query listing its events.
 *
 * Privacy: nothing here reads record refs; summaries are built only from the
 * actor, counts, window labels, rule titles and names from rule files.
 */
import { SEVERITIES, type Alert, type Severity } from '../../model/alert.js';
import type { Rule } from '../rules/rule-set.js';
import type { LimitDecision, StatsView } from '../baseline/limits.js';
import type { OpenAlert, WindowFigure } from './open-alert.js';
import { buildEventsQuery } from './query.js';

export interface PolicyContextEntry {
  readonly rule_id: string;
  readonly alert_id: string;
  readonly title: string;
  readonly severity: Severity;
}

export interface RenderContext {
  readonly database: string;
  /** The rule as currently loaded; undefined when it was removed by a reload. */
  readonly rule: Rule | undefined;
  /** Other open policy alerts of the same actor (for a rate verdict). */
  readonly policyContext: readonly PolicyContextEntry[];
  readonly eventIdSample: number;
}

const VERBS: Readonly<Record<string, string>> = {
  read: 'read',
  search: 'searched',
  export: 'exported',
  update: 'updated',
  delete: 'deleted',
};

export function renderAlert(a: OpenAlert, ctx: RenderContext): Alert {
  const explanation = explain(a, ctx);
  // A restored alert keeps its stored window figures until a new trigger replaces them.
  if (a.windows.length === 0 && a.restoredExplanation !== null && Array.isArray(a.restoredExplanation.windows)) {
    explanation.windows = a.restoredExplanation.windows;
  }
  return {
    alert_id: a.alertId,
    revision: a.revision,
    rule_id: a.ruleId,
    rule_version: a.ruleVersion,
    rule_kind: a.kind,
    severity: SEVERITIES[a.severity] as Severity,
    tier: a.tier,
    actor_id: a.actorId,
    actor_role: a.actorRole,
    actor_department: a.actorDepartment,
    employment_status: a.employmentStatus,
    window_start: a.windowStart,
    window_end: a.windowEnd,
    window_label: a.windowLabel,
    observed: a.observed,
    baseline: a.baseline,
    baseline_source: a.baselineSource,
    score: a.score,
    first_event_ts: a.firstTs,
    last_event_ts: a.lastTs,
    event_count: a.eventCount,
    suppressed_count: a.suppressed,
    event_ids: [...a.eventIds],
    summary: summarise(a, ctx),
    explanation,
    query: buildEventsQuery(ctx.database, a, ctx.eventIdSample),
    status: a.closed ? 'closed' : 'open',
  };
}

// ---- summary -----------------------------------------------------------------

export function summarise(a: OpenAlert, ctx: RenderContext): string {
  const who = `${a.actorRole} ${a.actorId}`;
  let head: string;
  if (a.kind === 'policy') {
    const first = a.findings[0] ?? ctx.rule?.title ?? a.ruleId;
    // A record-limit finding already states the records of its single request.
    const findingHasVolume = ctx.rule?.kind === 'policy' && ctx.rule.checkType === 'record_limit';
    const volume =
      a.eventCount > 1
        ? ` (${fmt(a.eventCount)} events, ${fmt(a.totalRecords)} records)`
        : findingHasVolume
          ? ''
          : ` (${fmt(a.totalRecords)} record${a.totalRecords === 1 ? '' : 's'})`;
    head = `${who}: ${first}${volume}`;
  } else {
    const lead = leadingWindow(a);
    const rule = ctx.rule;
    if (rule !== undefined && rule.kind === 'rate' && rule.measure === 'events') {
      head = `${who}: ${fmt(a.observed)} ${rule.title} in ${a.windowLabel}${lead ? `, above the limit of ${fmt(lead.decision.limit)}` : ''}`;
    } else {
      const verb = VERBS[a.dominantAction()] ?? 'accessed';
      head = `${who} ${verb} ${fmt(a.observed)} distinct customers in ${a.windowLabel}${lead ? comparison(a, lead) : ''}`;
    }
  }
  const tail = context(a);
  return tail.length > 0 ? `${head}; ${tail.join('; ')}` : head;
}

function comparison(a: OpenAlert, w: WindowFigure): string {
  const d = w.decision;
  if (d.type === 'budget') return `, above the ${w.label} budget of ${fmt(d.limit)}`;
  if (d.usual === null) return `, above the limit of ${fmt(d.limit)}`;
  const ratio = `${ratioText(a.observed / Math.max(d.usual, 1))}×`;
  const peers = d.source === 'own' && d.peers !== null && d.peers.skipped === null ? ` (peers: ${fmt(d.peers.median)})` : '';
  if (d.source === 'own') return `, ${ratio} their usual ${fmt(d.usual)}${peers}`;
  if (d.source === 'peers') return `, ${ratio} the peer norm of ${fmt(d.usual)} (no own history yet)`;
  return `, ${ratio} the role norm of ${fmt(d.usual)}`;
}

function context(a: OpenAlert): string[] {
  const out: string[] = [];
  const add = (s: string) => {
    if (!out.includes(s)) out.push(s);
  };
  if (a.outsideBusinessHours) add('outside business hours');
  if (a.employmentStatus !== 'active') add(`status ${a.employmentStatus}`);
  for (const r of a.raises.keys()) add(r);
  const fs = a.firstSeen;
  if (fs.channels.size > 0) add(`first use of channel ${[...fs.channels].join(', ')}`);
  if (fs.zones.size > 0) add(`first use of zone ${[...fs.zones].join(', ')}`);
  if (fs.resource_types.size > 0) add(`first access to ${[...fs.resource_types].join(', ')}`);
  return out;
}

function leadingWindow(a: OpenAlert): WindowFigure | undefined {
  return a.windows.find((w) => w.label === a.windowLabel) ?? a.windows[0];
}

/** `4812` → `4,812`; fractions to one decimal. Deterministic (fixed locale). */
export function fmt(n: number): string {
  const v = Number.isInteger(n) ? n : Math.round(n * 10) / 10;
  return v.toLocaleString('en-US');
}

function ratioText(r: number): string {
  return r >= 10 ? String(Math.round(r)) : String(Math.round(r * 10) / 10);
}

// ---- explanation -------------------------------------------------------------

function explain(a: OpenAlert, ctx: RenderContext): Record<string, unknown> {
  const rule = ctx.rule;
  return {
    rule_title: rule?.title ?? null,
    rule_description: rule?.description ?? null,
    tuning: rule?.tuning ?? null,
    verdict: a.kind,
    findings: [...a.findings],
    windows: a.windows.map(windowJson),
    limit: a.limit,
    peak_ratio: round(a.peakRatio),
    tiers: rule?.kind === 'rate' ? rule.tiers : rule?.kind === 'policy' ? rule.escalateRecords : [],
    total_records: a.totalRecords,
    max_records_per_event: a.maxRecords,
    severity_base: rule ? SEVERITIES[rule.severity] : null,
    severity_raises: [...a.raises].map(([reason, by]) => ({ reason, by })),
    context: {
      outside_business_hours: a.outsideBusinessHours,
      employment_status: a.employmentStatus,
      field_classes: [...a.fieldClasses].sort(),
      resource_types: [...a.resourceTypes].sort(),
      channels: [...a.channels].sort(),
      zones: [...a.zones].sort(),
      actions: Object.fromEntries([...a.actions].sort()),
    },
    first_seen: {
      resource_types: [...a.firstSeen.resource_types].sort(),
      channels: [...a.firstSeen.channels].sort(),
      zones: [...a.firstSeen.zones].sort(),
    },
    policy_findings: ctx.policyContext,
  };
}

function windowJson(w: WindowFigure): Record<string, unknown> {
  const d: LimitDecision = w.decision;
  return {
    window: w.label,
    observed: w.observed,
    limit: round(d.limit),
    limit_type: d.type,
    baseline_source: d.source,
    usual: d.usual === null ? null : round(d.usual),
    sigma: d.sigma === null ? null : round(d.sigma),
    ratio: d.usual === null ? round(w.observed / Math.max(d.limit, 1)) : round(w.observed / Math.max(d.usual, 1)),
    robust_z: d.usual === null || d.sigma === null ? null : round((w.observed - d.usual) / d.sigma),
    band: d.band,
    floor: d.floor,
    status_factor: d.statusFactor,
    own: statsJson(d.own),
    peers: statsJson(d.peers),
    role: statsJson(d.role),
  };
}

function statsJson(s: StatsView | null): Record<string, unknown> | null {
  if (s === null) return null;
  return {
    samples: s.samples,
    actors: s.actors,
    median: round(s.median),
    sigma: round(s.sigma),
    recurring_peak: s.recurringPeak,
    used: s.skipped === null,
    skipped: s.skipped,
  };
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
