/** Plain-text output of a backtest: what was read, the alerts, per-rule counts, and the difference of two rule sets. */
import { table } from '../../util/text-table.js';
import type { AlertRecord, RuleCounts } from './alert-tally.js';
import { findingRules } from './alert-rules.js';
import type { AlertDiff } from './compare.js';
import type { HistorySeed } from './history-seed.js';
import type { BacktestResult, RuleSetOutcome } from './run-backtest.js';

const iso = (ms: number): string => new Date(ms).toISOString();
const n = (x: number): string => x.toLocaleString('en-US');

/** What was replayed: messages read, refused (by reason), evaluated, and the event-time span. */
export function inputSummary(label: string, r: BacktestResult): string {
  const lines = [`input: ${label}`];
  const refused = r.rejections?.total ?? 0;
  let read = `read ${n(r.read)}, evaluated ${n(r.events)}`;
  if (r.rejections !== null) read += `, rejected ${n(refused)}`;
  if (r.skippedRows > 0) read += `, skipped ${n(r.skippedRows)} stored rows outside the model`;
  lines.push(read);
  if (refused > 0 && r.rejections !== null) {
    lines.push(`rejected by reason: ${Object.entries(r.rejections.toJSON()).map(([k, v]) => `${k}=${n(v)}`).join(' ')}`);
    lines.push(...r.rejections.sample.map((s) => `  e.g. ${s}`));
  }
  if (r.firstTs !== null && r.lastTs !== null) lines.push(`event time ${iso(r.firstTs)} .. ${iso(r.lastTs)}`);
  if (r.outOfOrder > 0) lines.push(`${n(r.outOfOrder)} events were older than an event before them: evaluated in input order, as live arrival would`);
  return lines.join('\n');
}

/** What the engines were seeded with (ClickHouse input). */
export function historyLine(s: HistorySeed): string {
  return (
    `history: ${n(s.activityRows)} activity buckets ended before --since, ` +
    `${n(s.recentEvents)} recent events for the windows` +
    (s.recentEventsCapped ? ' (capped)' : '') +
    (s.unfinishedBuckets > 0 ? `; ${n(s.unfinishedBuckets)} buckets still open at --since left out` : '')
  );
}

export function historySummaryJson(s: HistorySeed): Record<string, unknown> {
  return {
    activity_rows: s.activityRows,
    unfinished_buckets_left_out: s.unfinishedBuckets,
    recent_events: s.recentEvents,
    recent_events_capped: s.recentEventsCapped,
    skipped_rows: s.skippedRows,
  };
}

/** One line per alert: opening event time, highest severity, rule, actor, summary (of the latest revision). */
export function alertLines(records: readonly AlertRecord[], prefix = ''): string {
  if (records.length === 0) return `${prefix}(none)`;
  return alignedAlertLines(records.map((r) => [prefix, r] as const)).join('\n');
}

/** Alert lines with their own prefixes, columns aligned across all of them. */
function alignedAlertLines(rows: readonly (readonly [prefix: string, record: AlertRecord])[]): string[] {
  const width = (f: (a: AlertRecord['alert']) => string) => Math.max(...rows.map(([, r]) => f(r.alert).length));
  const sev = width((a) => a.severity);
  const rule = width((a) => a.rule_id);
  const actor = width((a) => a.actor_id);
  return rows.map(([prefix, { alert: a }]) => `${prefix}${iso(a.first_event_ts)}  ${a.severity.padEnd(sev)}  ${a.rule_id.padEnd(rule)}  ${a.actor_id.padEnd(actor)}  ${a.summary}`);
}

export function perRuleTable(counts: ReadonlyMap<string, RuleCounts>): string {
  const rows = [...counts.entries()].map(([rule, c]) => [rule, n(c.alerts), n(c.withFinding), n(c.escalations), n(c.merges)]);
  let alerts = 0;
  let escalations = 0;
  let merges = 0;
  for (const c of counts.values()) {
    alerts += c.alerts;
    escalations += c.escalations;
    merges += c.merges;
  }
  // "with a finding" has no total: one alert can hold findings of several rules.
  rows.push(['total', n(alerts), '', n(escalations), n(merges)]);
  return table(['rule', 'alerts', 'with a finding', 'escalations', 'merged follow-ups'], rows);
}

/** A rule set's per-rule counts under its name. */
export function perRuleSection(o: RuleSetOutcome): string {
  return [
    `per rule, ${o.label} (alerts named after the rule: each opening notifies, escalations notify again; with a finding: alerts the rule contributed to)`,
    perRuleTable(o.tally.perRule()),
  ].join('\n');
}

/** The report of a single rule set: its alerts and per-rule counts. */
export function singleReport(o: RuleSetOutcome): string {
  const records = o.tally.records();
  return [`alerts (${records.length})`, alertLines(records), '', perRuleSection(o)].join('\n');
}

const signed = (d: number): string => (d > 0 ? `+${n(d)}` : d === 0 ? '0' : `-${n(-d)}`);

/** The difference of two rule sets over the same events (A is the reference). */
export function compareReport(a: RuleSetOutcome, b: RuleSetOutcome, diff: AlertDiff): string {
  const out = [
    `A: ${a.label} (${n(a.tally.size)} alerts)`,
    `B: ${b.label} (${n(b.tally.size)} alerts)`,
    `same alert in both: ${n(diff.same)}`,
    '',
    `only with A (${diff.onlyInA.length})`,
    alertLines(diff.onlyInA, '  '),
    '',
    `only with B (${diff.onlyInB.length})`,
    alertLines(diff.onlyInB, '  '),
    '',
    `moved: same actor, a rule in common, overlapping window, opened on a different event (${diff.moved.length})`,
  ];
  if (diff.moved.length === 0) out.push('  (none)');
  out.push(...alignedAlertLines(diff.moved.flatMap(({ a: ra, b: rb }) => [['  A ', ra] as const, ['  B ', rb] as const])));
  out.push('', `changed: same alert, different rule, findings, severity, tier or escalations (${diff.changed.length})`);
  if (diff.changed.length === 0) out.push('  (none)');
  for (const { a: ra, b: rb } of diff.changed) {
    const x = ra.alert;
    const y = rb.alert;
    const parts = [];
    if (x.rule_id !== y.rule_id) parts.push(`rule ${x.rule_id} → ${y.rule_id}`);
    const fx = findingRules(x).join('+');
    const fy = findingRules(y).join('+');
    if ([...findingRules(x)].sort().join() !== [...findingRules(y)].sort().join()) parts.push(`findings ${fx} → ${fy}`);
    if (x.severity !== y.severity) parts.push(`severity ${x.severity} → ${y.severity}`);
    if (x.tier !== y.tier) parts.push(`tier ${x.tier} → ${y.tier}`);
    if (ra.escalations !== rb.escalations) parts.push(`escalations ${ra.escalations} → ${rb.escalations}`);
    out.push(`  ${iso(x.first_event_ts)}  ${x.rule_id}  ${x.actor_id}: ${parts.join(', ')}`);
  }
  out.push('', `per-rule difference (${diff.perRule.length} rules differ)`);
  if (diff.perRule.length === 0) out.push('(none)');
  else {
    out.push(
      table(
        ['rule', 'alerts A', 'alerts B', 'Δ alerts', 'with a finding A', 'with a finding B', 'escalations A', 'escalations B', 'merged A', 'merged B'],
        diff.perRule.map((d) => [
          d.rule_id,
          n(d.a.alerts),
          n(d.b.alerts),
          signed(d.b.alerts - d.a.alerts),
          n(d.a.withFinding),
          n(d.b.withFinding),
          n(d.a.escalations),
          n(d.b.escalations),
          n(d.a.merges),
          n(d.b.merges),
        ]),
      ),
    );
  }
  return out.join('\n');
}
