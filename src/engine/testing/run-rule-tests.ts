/**
 * Runs the test cases that rule files carry: a timed sequence of events in,
 * expected alerts out. Each case gets a fresh engine on a manual clock, its
 * generated history restored first. Enrichment is injected (`toEnriched`) so
 * the CLI runs cases through the real decode + enrich, and unit tests through
 * a small stand-in.
 *
 * A case fails when an expected alert is missing or differs, when an alert of
 * a rule declared in the same file was not expected, when a `forbid` rule
 * alerts, or (with `exclusive`) when any unexpected alert comes out.
 */
import { ManualClock } from '../../clock.js';
import { SEVERITIES, type Alert } from '../../model/alert.js';
import type { ActorActivityRow } from '../api.js';
import { createEngine } from '../engine.js';
import type { RuleSet, RuleTestCase } from '../rules/rule-set.js';
import type { CaseActorSpec, CaseHistorySpec, ExpectationSpec } from '../rules/schema.js';
import { DAY_MS, HOUR_MS } from '../state/activity.js';
import { localReading } from '../../time/local-time.js';

import { caseTs, DEFAULT_CASE_BUSINESS_HOURS, expandCaseEvents, type CaseActor, type CaseContext, type CaseEvent } from './case-events.js';
import type { EnrichedEvent } from '../../model/enriched.js';

/**
 * Turns a case event into the EnrichedEvent the engine sees. The CLI and the
 * shipped-rules test pass the real decode + enrich (src/rule-tests/).
 */
export type ToEnriched = (event: CaseEvent, actors: ReadonlyMap<string, CaseActor>, ctx: CaseContext) => EnrichedEvent;

export interface RuleTestOptions {
  readonly toEnriched: ToEnriched;
  /** Run only cases whose name contains this text. */
  readonly filter?: string;
}

export interface RuleTestAlert {
  readonly rule_id: string;
  readonly actor_id: string;
  readonly severity: string;
  readonly tier: number;
  readonly observed: number;
  readonly summary: string;
}

export interface RuleTestResult {
  readonly file: string;
  readonly line: number | null;
  readonly name: string;
  readonly passed: boolean;
  /** One line per difference between expected and actual. Empty when passed. */
  readonly diff: readonly string[];
  /** Final revision of every alert the case produced. */
  readonly alerts: readonly RuleTestAlert[];
}

export function runRuleTests(ruleSet: RuleSet, opts: RuleTestOptions): RuleTestResult[] {
  return ruleSet.tests.filter((t) => opts.filter === undefined || t.spec.name.includes(opts.filter)).map((t) => runCase(ruleSet, t, opts));
}

function runCase(ruleSet: RuleSet, t: RuleTestCase, opts: RuleTestOptions): RuleTestResult {
  const spec = t.spec;
  const actors = new Map<string, CaseActor>([...Object.entries(t.fileActors), ...Object.entries(spec.actors)]);
  const ctx = { businessHours: spec.business_hours ?? DEFAULT_CASE_BUSINESS_HOURS };
  const base = { file: t.file, line: t.line, name: spec.name };
  try {
    const events = expandCaseEvents(spec);
    const firstTs = Math.min(...events.map((e) => caseTs(e.ts)));
    const clock = new ManualClock(0);
    const engine = createEngine({ rules: ruleSet, clock });
    const activity = spec.history.flatMap((h) => historyRows(h, actors, firstTs));
    engine.restore({ activity, openAlerts: [], recentEvents: [] });
    const latest = new Map<string, Alert>();
    const keep = (alerts: readonly { alert: Alert }[]) => {
      for (const u of alerts) {
        const prev = latest.get(u.alert.alert_id);
        if (prev === undefined || prev.revision <= u.alert.revision) latest.set(u.alert.alert_id, u.alert);
      }
    };
    for (const ev of events) {
      const enriched = opts.toEnriched(ev, actors, ctx);
      if (enriched.ts > clock.now()) clock.set(enriched.ts);
      keep(engine.evaluate([enriched]).alerts);
    }
    const alerts = [...latest.values()];
    const diff = compare(spec.expect, spec.forbid, spec.exclusive, t.fileRuleIds, alerts);
    return { ...base, passed: diff.length === 0, diff, alerts: alerts.map(brief) };
  } catch (err) {
    return { ...base, passed: false, diff: [`case failed to run: ${(err as Error).message}`], alerts: [] };
  }
}

function brief(a: Alert): RuleTestAlert {
  return { rule_id: a.rule_id, actor_id: a.actor_id, severity: a.severity, tier: a.tier, observed: a.observed, summary: a.summary };
}

function compare(
  expect: readonly ExpectationSpec[],
  forbid: readonly string[],
  exclusive: boolean,
  fileRules: readonly string[],
  alerts: readonly Alert[],
): string[] {
  const diff: string[] = [];
  const matched = new Set<Alert>();
  for (const x of expect) {
    const candidates = alerts.filter((a) => a.rule_id === x.rule && a.actor_id === x.actor);
    if (candidates.length === 0) {
      diff.push(`missing: alert of ${x.rule} for ${x.actor}`);
      continue;
    }
    candidates.forEach((c) => matched.add(c));
    const problems = candidates.map((c) => mismatches(x, c));
    if (problems.some((p) => p.length === 0)) continue;
    diff.push(...(problems[0] as string[]).map((p) => `${x.rule} for ${x.actor}: ${p}`));
  }
  for (const a of alerts) {
    if (matched.has(a)) continue;
    const line = `unexpected: ${a.rule_id} for ${a.actor_id} (${a.severity}, tier ${a.tier}): ${a.summary}`;
    if (forbid.includes(a.rule_id) || exclusive || fileRules.includes(a.rule_id)) diff.push(line);
  }
  for (const r of forbid) {
    if (expect.some((x) => x.rule === r)) diff.push(`rule ${r} is both expected and forbidden`);
  }
  return diff;
}

function mismatches(x: ExpectationSpec, a: Alert): string[] {
  const out: string[] = [];
  const sev = SEVERITIES.indexOf(a.severity);
  if (x.severity !== undefined && a.severity !== x.severity) out.push(`severity ${a.severity}, expected ${x.severity}`);
  if (x.min_severity !== undefined && sev < SEVERITIES.indexOf(x.min_severity)) out.push(`severity ${a.severity}, expected at least ${x.min_severity}`);
  if (x.tier !== undefined && a.tier !== x.tier) out.push(`tier ${a.tier}, expected ${x.tier}`);
  if (x.min_tier !== undefined && a.tier < x.min_tier) out.push(`tier ${a.tier}, expected at least ${x.min_tier}`);
  if (x.min_observed !== undefined && a.observed < x.min_observed) out.push(`observed ${a.observed}, expected at least ${x.min_observed}`);
  if (x.baseline_source !== undefined && a.baseline_source !== x.baseline_source) {
    out.push(`baseline source ${a.baseline_source ?? 'none'}, expected ${x.baseline_source}`);
  }
  if (x.summary_contains !== undefined && !a.summary.includes(x.summary_contains)) {
    out.push(`summary "${a.summary}" lacks "${x.summary_contains}"`);
  }
  return out;
}

/** The same figures for every (week)day before the case's first event: hourly rows plus one daily row per day. */
export function historyRows(h: CaseHistorySpec, actors: ReadonlyMap<string, CaseActorSpec>, firstTs: number): ActorActivityRow[] {
  const actor = actors.get(h.actor);
  const role = actor?.role ?? 'unknown';
  const department = actor?.department ?? 'unknown';
  const tz = actor?.timezone ?? 'UTC';
  const firstDay = firstTs - (firstTs % DAY_MS);
  const rows: ActorActivityRow[] = [];
  const common = {
    actor_id: h.actor,
    role,
    department,
    denied: 0,
    resource_types: [...h.resource_types].sort(),
    channels: [...h.channels].sort(),
    zones: [...h.zones].sort(),
  };
  for (let d = h.days; d >= 1; d--) {
    const day = firstDay - d * DAY_MS;
    const utcWeekday = ((new Date(day).getUTCDay() + 6) % 7) + 1;
    if (!h.weekends && utcWeekday >= 6) continue;
    if (h.weekdays !== undefined && !h.weekdays.includes(utcWeekday)) continue;
    const dayLocal = localReading(day, tz);
    rows.push({
      ...common,
      granularity: 'day',
      bucket_start: day,
      local_hour: dayLocal.hour,
      local_weekday: dayLocal.weekday,
      events: Math.max(1, Math.round(h.hour_distinct / 2)) * h.hours.length,
      distinct_records: h.day_distinct ?? h.hour_distinct * h.hours.length,
      peak_5m_distinct: h.hour_peak_5m,
      peak_1h_distinct: h.hour_distinct,
      peak_24h_distinct: h.day_distinct ?? h.hour_distinct * h.hours.length,
    });
    for (const hour of h.hours) {
      const start = day + hour * HOUR_MS;
      const local = localReading(start, tz);
      rows.push({
        ...common,
        granularity: 'hour',
        bucket_start: start,
        local_hour: local.hour,
        local_weekday: local.weekday,
        events: Math.max(1, Math.round(h.hour_distinct / 2)),
        distinct_records: h.hour_distinct,
        peak_5m_distinct: h.hour_peak_5m,
        peak_1h_distinct: h.hour_distinct,
      });
    }
  }
  return rows.sort((a, b) => a.bucket_start - b.bucket_start);
}
