/**
 * The backtest as one JSON document (`--json FILE`): every alert in full (its
 * latest revision, as the `alerts` table would hold it) with its opening time
 * and follow-up counts, the per-rule counts, and the difference when two rule
 * sets were compared. Times are epoch milliseconds, as in the Alert contract.
 */
import type { AlertRecord, RuleCounts } from './alert-tally.js';
import type { AlertDiff } from './compare.js';
import type { BacktestResult, RuleSetOutcome } from './run-backtest.js';

export interface BacktestJsonInput {
  /** `{ kind: 'file', file }` or `{ kind: 'clickhouse', database, since, until }`. */
  readonly input: Readonly<Record<string, unknown>>;
  /** History the engines were seeded with, or null. */
  readonly history: Readonly<Record<string, unknown>> | null;
  readonly result: BacktestResult;
  readonly diff: AlertDiff | null;
}

export function backtestJson(j: BacktestJsonInput): Record<string, unknown> {
  const r = j.result;
  return {
    input: j.input,
    history: j.history,
    events: {
      read: r.read,
      evaluated: r.events,
      rejected: r.rejections?.total ?? 0,
      rejected_by_reason: r.rejections?.toJSON() ?? {},
      skipped_rows: r.skippedRows,
      out_of_order: r.outOfOrder,
      first_ts: r.firstTs,
      last_ts: r.lastTs,
    },
    rule_sets: r.outcomes.map(ruleSetJson),
    compare: j.diff === null ? null : diffJson(j.diff),
  };
}

function ruleSetJson(o: RuleSetOutcome): Record<string, unknown> {
  return {
    rules: o.label,
    per_rule: countsJson(o.tally.perRule()),
    activity_rows: o.activityRows,
    alerts: o.tally.records().map(recordJson),
  };
}

function recordJson(r: AlertRecord): Record<string, unknown> {
  return { opened_at: r.openedAt, escalations: r.escalations, merges: r.merges, closed_at: r.closedAt, alert: r.alert };
}

function countsJson(counts: ReadonlyMap<string, RuleCounts>): Record<string, Record<string, number>> {
  return Object.fromEntries([...counts].map(([rule, c]) => [rule, countJson(c)]));
}

/** snake_case like every other name in the document. */
function countJson(c: RuleCounts): Record<string, number> {
  return { alerts: c.alerts, with_finding: c.withFinding, escalations: c.escalations, merges: c.merges };
}

function diffJson(d: AlertDiff): Record<string, unknown> {
  const id = (r: AlertRecord) => r.alert.alert_id;
  return {
    same: d.same,
    only_in_a: d.onlyInA.map(id),
    only_in_b: d.onlyInB.map(id),
    moved: d.moved.map((p) => ({ a: id(p.a), b: id(p.b) })),
    changed: d.changed.map((p) => ({ alert_id: id(p.a), a: { severity: p.a.alert.severity, tier: p.a.alert.tier, escalations: p.a.escalations }, b: { severity: p.b.alert.severity, tier: p.b.alert.tier, escalations: p.b.escalations } })),
    per_rule: d.perRule.map((r) => ({ rule_id: r.rule_id, a: countJson(r.a), b: countJson(r.b) })),
  };
}
