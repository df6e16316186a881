/**
 * Runs the test cases that rule files carry: a timed sequence of events in,
 * expected alerts out. Each case gets a fresh engine on a manual clock, its
 * generated history restored first. Enrichment is injected (`toEnriched`) so
 * the CLI runs cases through the real decode + enrich, and unit tests through
 * a small stand-in.
 *
 * An actor has one alert at a time that merges whatever fires (findings of
 * several rules), so an expectation names a rule and an actor and is met by a
 * finding of that rule in one of the actor's alerts: `severity`, `tier`,
 * `min_observed` and `baseline_source` are the finding's, `alert_severity` and
 * `summary_contains` the alert's. A case fails when an expected finding is
 * missing or differs, when a finding of a rule declared in the same file was
 * not expected, when a `forbid` rule finds anything, or (with `exclusive`)
 * when any unexpected finding comes out.
 */
import { ManualClock } from '../../clock.js';
import { SEVERITIES, type AlertRevision as Alert } from '../../model/alert.js';
import type { ActorActivityRow } from '../../runtime/engine/api.js';
import { createEngine } from '../../runtime/engine/engine.js';
import type { RuleSet, RuleTestCase } from '../../runtime/engine/rules/rule-set.js';
import type { CaseActorSpec, CaseHistorySpec, ExpectationSpec } from '../../runtime/engine/rules/schema.js';
import { DAY_MS, HOUR_MS } from '../../runtime/engine/state/activity.js';
import { localReading } from '../../time/local-time.js';

import { caseTs, DEFAULT_CASE_BUSINESS_HOURS, expandCaseEvents, type CaseActor, type CaseContext, type CaseEvent } from './case-events.js';
import type { EnrichedEvent } from '../../model/enriched.js';

/**
 * Turns a case event into the EnrichedEvent the engine sees. The CLI and the
 * shipped-rules test pass the real decode + enrich (src/tools/rule-tests/).
 */
export type ToEnriched = (event: CaseEvent, actors: ReadonlyMap<string, CaseActor>, ctx: CaseContext) => EnrichedEvent;

export interface RuleTestOptions {
  readonly toEnriched: ToEnriched;
  /** Run only cases whose name contains this text. */
  readonly filter?: string;
}

export interface RuleTestAlert {
  /** The primary finding's rule. */
  readonly rule_id: string;
  readonly actor_id: string;
  readonly severity: string;
  readonly tier: number;
  readonly observed: number;
  readonly summary: string;
  /** Every finding merged into the alert. */
  readonly findings: readonly RuleTestFinding[];
}

export interface RuleTestFinding {
  readonly rule_id: string;
  readonly severity: string;
  readonly tier: number;
  readonly observed: number;
  readonly baseline_source: string | null;
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
    engine.restore({ activity, alerts: [], recentEvents: [] });
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
  return { rule_id: a.rule_id, actor_id: a.actor_id, severity: a.severity, tier: a.tier, observed: a.observed, summary: a.summary, findings: findingsOf(a) };
}

/** The findings of an alert (from its explanation); an alert without them is one finding of its rule. */
export function findingsOf(a: Alert): RuleTestFinding[] {
  const list = (a.explanation as { findings?: unknown }).findings;
  const out: RuleTestFinding[] = [];
  if (Array.isArray(list)) {
    for (const x of list) {
      if (x === null || typeof x !== 'object' || typeof (x as { rule_id?: unknown }).rule_id !== 'string') continue;
      const f = x as Record<string, unknown>;
      out.push({
        rule_id: f.rule_id as string,
        severity: String(f.severity),
        tier: Number(f.tier),
        observed: Number(f.observed),
        baseline_source: typeof f.baseline_source === 'string' ? f.baseline_source : null,
      });
    }
  }
  if (out.length === 0) out.push({ rule_id: a.rule_id, severity: a.severity, tier: a.tier, observed: a.observed, baseline_source: a.baseline_source });
  return out;
}

function compare(
  expect: readonly ExpectationSpec[],
  forbid: readonly string[],
  exclusive: boolean,
  fileRules: readonly string[],
  alerts: readonly Alert[],
): string[] {
  const diff: string[] = [];
  const found = alerts.flatMap((a) => findingsOf(a).map((f) => ({ a, f })));
  const matched = new Set<(typeof found)[number]>();
  for (const x of expect) {
    const who = x.actor ?? `${x.actor_prefix}*`;
    const candidates = found.filter(
      (c) => c.f.rule_id === x.rule && (x.actor !== undefined ? c.a.actor_id === x.actor : c.a.actor_id.startsWith(x.actor_prefix as string)),
    );
    if (candidates.length === 0) {
      diff.push(`missing: alert of ${x.rule} for ${who}`);
      continue;
    }
    candidates.forEach((c) => matched.add(c));
    const alertCount = new Set(candidates.map((c) => c.a.alert_id)).size;
    if (x.count !== undefined && alertCount !== x.count) diff.push(`${x.rule} for ${who}: ${alertCount} alerts, expected ${x.count}`);
    const problems = candidates.map((c) => mismatches(x, c.a, c.f));
    if (problems.some((p) => p.length === 0)) continue;
    diff.push(...(problems[0] as string[]).map((p) => `${x.rule} for ${who}: ${p}`));
  }
  for (const c of found) {
    if (matched.has(c)) continue;
    const line = `unexpected: ${c.f.rule_id} for ${c.a.actor_id} (${c.f.severity}, tier ${c.f.tier}): ${c.a.summary}`;
    if (forbid.includes(c.f.rule_id) || exclusive || fileRules.includes(c.f.rule_id)) diff.push(line);
  }
  for (const r of forbid) {
    if (expect.some((x) => x.rule === r)) diff.push(`rule ${r} is both expected and forbidden`);
  }
  return diff;
}

function mismatches(x: ExpectationSpec, a: Alert, f: RuleTestFinding): string[] {
  const out: string[] = [];
  const sev = SEVERITIES.indexOf(f.severity as Alert['severity']);
  if (x.severity !== undefined && f.severity !== x.severity) out.push(`severity ${f.severity}, expected ${x.severity}`);
  if (x.min_severity !== undefined && sev < SEVERITIES.indexOf(x.min_severity)) out.push(`severity ${f.severity}, expected at least ${x.min_severity}`);
  if (x.alert_severity !== undefined && a.severity !== x.alert_severity) out.push(`alert severity ${a.severity}, expected ${x.alert_severity}`);
  if (x.tier !== undefined && f.tier !== x.tier) out.push(`tier ${f.tier}, expected ${x.tier}`);
  if (x.min_tier !== undefined && f.tier < x.min_tier) out.push(`tier ${f.tier}, expected at least ${x.min_tier}`);
  if (x.min_observed !== undefined && f.observed < x.min_observed) out.push(`observed ${f.observed}, expected at least ${x.min_observed}`);
  if (x.baseline_source !== undefined && f.baseline_source !== x.baseline_source) {
    out.push(`baseline source ${f.baseline_source ?? 'none'}, expected ${x.baseline_source}`);
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
  // Requests per activity class: the day's counts, on the day row and on its first hour's.
  const classNames = Object.keys(h.class_events).filter((c) => (h.class_events[c] ?? 0) > 0).sort();
  const classes = classNames.length === 0 ? {} : { class_names: classNames, class_events: classNames.map((c) => h.class_events[c] ?? 0) };
  for (let d = h.days; d >= 1; d--) {
    const day = firstDay - (d + h.gap_days) * DAY_MS;
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
      ...classes,
    });
    for (const [n, hour] of h.hours.entries()) {
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
        ...(h.max_request !== undefined ? { max_request_records: h.max_request } : {}),
        ...(n === 0 ? classes : {}),
      });
    }
  }
  return rows.sort((a, b) => a.bucket_start - b.bucket_start);
}
