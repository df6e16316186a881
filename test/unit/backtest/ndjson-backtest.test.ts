/**
 * `custos backtest --from-file`: a small simulated file with one incident
 * (a terminated employee reading customers) through the command, and the
 * compare mode against a copy of the rules with that rule disabled.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { findingRules } from '../../../src/tools/backtest/alert-rules.js';
import { backtestCommand, type BacktestCliOptions } from '../../../src/cli/backtest.js';
import type { Alert } from '../../../src/model/alert.js';
import { captureIo, editedRulesCopy, readJson, smallTerminatedAccessRun, type SmallRun } from './support.js';

const RULE = 'policy.lifecycle.terminated-access';

interface JsonAlert {
  readonly opened_at: number;
  readonly escalations: number;
  readonly merges: number;
  readonly closed_at: number | null;
  readonly alert: Alert;
}
interface JsonReport {
  readonly events: { read: number; evaluated: number; rejected: number };
  readonly rule_sets: { rules: string; alerts: JsonAlert[]; per_rule: Record<string, { alerts: number; with_finding: number; escalations: number; merges: number }> }[];
  readonly compare: null | {
    same: number;
    only_in_a: string[];
    only_in_b: string[];
    moved: { a: string; b: string }[];
    changed: { alert_id: string }[];
    per_rule: { rule_id: string; a: { alerts: number; with_finding: number }; b: { alerts: number; with_finding: number } }[];
  };
}

let run: SmallRun;
beforeAll(() => {
  run = smallTerminatedAccessRun();
}, 60_000);

const options = (over: Partial<BacktestCliOptions> = {}): BacktestCliOptions => ({
  fromFile: run.events,
  directory: run.directory,
  defaultTimezone: 'UTC',
  history: true,
  rules: 'rules',
  ...over,
});

describe('backtest of an NDJSON file', () => {
  it('raises the incident alert: one critical alert on the terminated actor, opened by the first incident event', async () => {
    const io = captureIo();
    const json = join(run.dir, 'alerts.json');
    expect(await backtestCommand(options({ json }), io)).toBe(0);

    const report = readJson<JsonReport>(json);
    expect(report.events.rejected).toBe(0);
    expect(report.events.evaluated).toBe(report.events.read);
    const mine = report.rule_sets[0]?.alerts.filter((a) => a.alert.rule_id === RULE) ?? [];
    expect(mine).toHaveLength(1);
    const { alert, merges, closed_at } = mine[0] as JsonAlert;
    expect(alert.actor_id).toBe(run.incident.actor_id);
    // Otherwise within policy: no other rule fires on these events, so disabling this rule removes the alert (below).
    expect(alert.actor_role).toBe('support_agent');
    expect(alert.severity).toBe('critical');
    expect(alert.first_event_ts).toBe(run.incident.start_ms);
    expect(alert.last_event_ts).toBe(run.incident.end_ms);
    // Every event of the incident went into the one alert: the opening plus merged follow-ups.
    expect(alert.event_count).toBe(run.incident.event_ids.length);
    expect(merges).toBe(run.incident.event_ids.length - 1);
    // Time ran out after the last event, so the alert was closed.
    expect(alert.status).toBe('closed');
    expect(closed_at).toBeGreaterThan(run.incident.end_ms);
    expect(report.rule_sets[0]?.per_rule[RULE]).toEqual({ alerts: 1, with_finding: 1, escalations: 0, merges: run.incident.event_ids.length - 1 });

    // The printed line: time, severity, rule, actor, summary.
    const line = io.stdout().split('\n').find((l) => l.includes(RULE) && l.includes(run.incident.actor_id));
    expect(line).toMatch(new RegExp(`^${new Date(run.incident.start_ms).toISOString()}\\s+critical\\s+${RULE.replace(/\./g, '\\.')}\\s+${run.incident.actor_id}\\s+.*access by a terminated employee`));
    // Without CUSTOS_PSEUDONYM_KEY a fixed key is used, and the user is told.
    expect(io.stderr()).toContain('CUSTOS_PSEUDONYM_KEY is not set');
  });

  it('gives the same alerts whatever the pseudonym key (only the pseudonyms differ)', async () => {
    const a = join(run.dir, 'fixed-key.json');
    const b = join(run.dir, 'own-key.json');
    expect(await backtestCommand(options({ json: a }), captureIo())).toBe(0);
    const io = captureIo({ CUSTOS_PSEUDONYM_KEY: 'an-operator-key-of-at-least-32-characters' });
    expect(await backtestCommand(options({ json: b }), io)).toBe(0);
    expect(io.stderr()).not.toContain('CUSTOS_PSEUDONYM_KEY is not set');
    const ids = (f: string) => readJson<JsonReport>(f).rule_sets[0]?.alerts.map((x) => `${x.alert.alert_id}/${x.alert.severity}/${x.merges}`);
    expect(ids(b)).toEqual(ids(a));
  });

  it('compares with a rules copy where the rule is disabled: exactly that alert is only in A', async () => {
    const disabled = editedRulesCopy('policy/lifecycle.yaml', (t) =>
      t.replace('    severity: critical\n    when: { field: actor.employment_status, eq: terminated }', '    severity: critical\n    enabled: false\n    when: { field: actor.employment_status, eq: terminated }'),
    );
    const io = captureIo();
    const json = join(run.dir, 'compare.json');
    expect(await backtestCommand(options({ compareRules: disabled, json }), io)).toBe(0);

    const report = readJson<JsonReport>(json);
    const [a, b] = report.rule_sets;
    const incidentAlert = a?.alerts.find((x) => x.alert.rule_id === RULE);
    expect(incidentAlert).toBeDefined();
    expect(b?.alerts.some((x) => x.alert.rule_id === RULE)).toBe(false);
    expect(report.compare?.only_in_a).toEqual([incidentAlert?.alert.alert_id]);
    expect(report.compare?.only_in_b).toEqual([]);
    expect(report.compare?.moved).toEqual([]);
    expect(report.compare?.same).toBe((a?.alerts.length ?? 0) - 1);
    expect(report.compare?.per_rule.map((d) => [d.rule_id, d.a.alerts, d.b.alerts])).toEqual([[RULE, 1, 0]]);

    const out = io.stdout();
    expect(out).toContain('only with A (1)');
    expect(out).toContain('only with B (0)');
    expect(out).toMatch(new RegExp(`only with A \\(1\\)\\n  \\S+\\s+critical\\s+${RULE.replace(/\./g, '\\.')}\\s+${run.incident.actor_id}`));
    expect(out).toMatch(new RegExp(`${RULE.replace(/\./g, '\\.')}\\s+1\\s+0\\s+-1`));
  });

  it('compares with a lowered threshold: the alerts it adds are reported and counted per rule', async () => {
    // The per-request record limit of marketing analysts: 5,000 → 1,000 (their segment searches reach ~5,000).
    const lowered = editedRulesCopy('roles/need-to-know.yaml', (t) => t.replace(/(marketing_analyst:[\s\S]*?max_records_per_request: )5000/, '$11000'));
    const json = join(run.dir, 'lowered.json');
    expect(await backtestCommand(options({ compareRules: lowered, json }), captureIo())).toBe(0);
    const report = readJson<JsonReport>(json);
    const [a, b] = report.rule_sets;
    const LIMIT = 'policy.need-to-know.record-limit';
    const withLimit = (rs: typeof a) => (rs?.alerts ?? []).filter((x) => findingRules(x.alert).includes(LIMIT));
    const inA = new Set(withLimit(a).map((x) => x.alert.alert_id));
    const added = withLimit(b).filter((x) => !inA.has(x.alert.alert_id));
    expect(added.length).toBeGreaterThan(0);
    // Whatever the engine makes of them (a new alert, or a finding added to an alert A had too), B's
    // new record-limit findings are all marketing analysts', and each is in the difference.
    const reported = new Set([
      ...(report.compare?.only_in_b ?? []),
      ...(report.compare?.changed ?? []).map((c) => c.alert_id),
      ...(report.compare?.moved ?? []).map((m) => m.b),
    ]);
    for (const x of added) {
      expect(x.alert.actor_role).toBe('marketing_analyst');
      expect(reported.has(x.alert.alert_id), x.alert.alert_id).toBe(true);
    }
    // A lower limit takes no alert away.
    expect(report.compare?.only_in_a).toEqual([]);
    const row = report.compare?.per_rule.find((d) => d.rule_id === LIMIT);
    expect(row && row.b.with_finding - row.a.with_finding).toBe(added.length);
  });
});
