/** Matching two rule sets' alerts: by alert_id, then loosely (same rule and actor, overlapping windows). */
import { describe, expect, it } from 'vitest';
import { AlertTally, type AlertRecord } from '../../../src/tools/backtest/alert-tally.js';
import { diffAlerts } from '../../../src/tools/backtest/compare.js';
import type { Alert } from '../../../src/model/alert.js';
import { alert, update } from '../sinks/fixtures.js';

const MIN = 60_000;
const T = Date.parse('2026-03-20T10:00:00Z');

function tally(...alerts: (Partial<Alert> & { escalateTo?: Partial<Alert> })[]): AlertTally {
  const t = new AlertTally();
  for (const { escalateTo, ...a } of alerts) {
    const opened = alert({ first_event_ts: T, window_start: T, window_end: T, last_event_ts: T, ...a });
    t.add(update(opened, true), opened.first_event_ts);
    if (escalateTo) t.add(update({ ...opened, revision: 2, ...escalateTo }, true), opened.first_event_ts + MIN);
  }
  return t;
}

const diff = (a: AlertTally, b: AlertTally) => diffAlerts(a.records(), b.records(), a.perRule(), b.perRule());
const ids = (rs: readonly AlertRecord[]) => rs.map((r) => r.alert.alert_id);

describe('AlertTally', () => {
  it('keeps the latest revision and counts escalations, merges and the closing apart', () => {
    const t = new AlertTally();
    const a = alert({ alert_id: 'x', revision: 1, severity: 'medium' });
    t.add(update(a, true), 100);
    t.add(update({ ...a, revision: 2 }, false), 200);
    t.add(update({ ...a, revision: 3, severity: 'high' }, true), 300);
    t.add(update({ ...a, revision: 4, severity: 'high' }, false), 400);
    t.add(update({ ...a, revision: 5, severity: 'high', status: 'closed' }, false), 500);
    const [r] = t.records();
    expect(r).toMatchObject({ openedAt: 100, escalations: 1, merges: 2, closedAt: 500 });
    expect(r?.alert.revision).toBe(5);
    expect(t.perRule().get(a.rule_id)).toEqual({ alerts: 1, withFinding: 1, escalations: 1, merges: 2 });
  });
});

describe('diffAlerts', () => {
  it('matches by alert_id and reports a changed outcome of the same alert', () => {
    const a = tally({ alert_id: 'same' }, { alert_id: 'esc' });
    const b = tally({ alert_id: 'same' }, { alert_id: 'esc', escalateTo: { severity: 'critical', tier: 2 } });
    const d = diff(a, b);
    expect(d.same).toBe(1);
    expect(d.changed.map((p) => [p.a.alert.severity, p.b.alert.severity, p.b.escalations])).toEqual([['high', 'critical', 1]]);
    expect(d.onlyInA).toEqual([]);
    expect(d.onlyInB).toEqual([]);
    expect(d.perRule).toEqual([{ rule_id: 'bulk-read', a: { alerts: 2, withFinding: 2, escalations: 0, merges: 0 }, b: { alerts: 2, withFinding: 2, escalations: 1, merges: 0 } }]);
  });

  it('pairs an alert opened on a different event when rule, actor and windows overlap ("moved")', () => {
    const a = tally({ alert_id: 'a-late', first_event_ts: T + 10 * MIN, window_start: T + 5 * MIN, window_end: T + 20 * MIN });
    const b = tally(
      { alert_id: 'b-early', first_event_ts: T + 2 * MIN, window_start: T - 3 * MIN, window_end: T + 20 * MIN },
      { alert_id: 'b-other-actor', actor_id: 'emp-9999', first_event_ts: T + 10 * MIN, window_start: T + 5 * MIN, window_end: T + 20 * MIN },
    );
    const d = diff(a, b);
    expect(d.moved.map((p) => [p.a.alert.alert_id, p.b.alert.alert_id])).toEqual([['a-late', 'b-early']]);
    expect(ids(d.onlyInA)).toEqual([]);
    expect(ids(d.onlyInB)).toEqual(['b-other-actor']);
  });

  it('does not pair alerts whose windows do not overlap, or of another rule', () => {
    const a = tally({ alert_id: 'morning', window_start: T, window_end: T + 5 * MIN });
    const b = tally(
      { alert_id: 'evening', first_event_ts: T + 8 * 60 * MIN, window_start: T + 8 * 60 * MIN, window_end: T + 8 * 60 * MIN },
      { alert_id: 'other-rule', rule_id: 'policy.grant', window_start: T, window_end: T + 5 * MIN },
    );
    const d = diff(a, b);
    expect(d.moved).toEqual([]);
    expect(ids(d.onlyInA)).toEqual(['morning']);
    expect(ids(d.onlyInB)).toEqual(['other-rule', 'evening']);
  });

  it('pairs each alert at most once, the closest openings first', () => {
    const a = tally(
      { alert_id: 'a1', first_event_ts: T, window_start: T, window_end: T + 60 * MIN },
      { alert_id: 'a2', first_event_ts: T + 30 * MIN, window_start: T, window_end: T + 60 * MIN },
    );
    const b = tally({ alert_id: 'b1', first_event_ts: T + 25 * MIN, window_start: T, window_end: T + 60 * MIN });
    const d = diff(a, b);
    expect(d.moved.map((p) => [p.a.alert.alert_id, p.b.alert.alert_id])).toEqual([['a2', 'b1']]);
    expect(ids(d.onlyInA)).toEqual(['a1']);
  });

  describe('alerts that correlate several rules (findings listed in the explanation)', () => {
    const findings = (...rules: string[]) => ({ explanation: { findings: rules.map((rule_id) => ({ rule_id, severity: 'high' })) } });

    it('reports the same alert with a finding gone as changed, and counts findings per rule', () => {
      const a = tally({ alert_id: 'x', rule_id: 'policy.terminated', severity: 'critical', ...findings('policy.terminated', 'policy.grant') });
      const b = tally({ alert_id: 'x', rule_id: 'policy.grant', severity: 'medium', ...findings('policy.grant') });
      const d = diff(a, b);
      expect(d.same).toBe(0);
      expect(d.changed.map((p) => [p.a.alert.rule_id, p.b.alert.rule_id])).toEqual([['policy.terminated', 'policy.grant']]);
      expect(a.perRule()).toEqual(
        new Map([
          ['policy.grant', { alerts: 0, withFinding: 1, escalations: 0, merges: 0 }],
          ['policy.terminated', { alerts: 1, withFinding: 1, escalations: 0, merges: 0 }],
        ]),
      );
      expect(d.perRule.map((r) => [r.rule_id, r.a.alerts, r.b.alerts, r.a.withFinding, r.b.withFinding])).toEqual([
        ['policy.grant', 0, 1, 1, 1],
        ['policy.terminated', 1, 0, 1, 0],
      ]);
    });

    it('pairs loosely across a different leading rule when a finding rule is shared, never without one', () => {
      const a = tally(
        { alert_id: 'a1', rule_id: 'rate.bulk', ...findings('rate.bulk', 'policy.grant') },
        { alert_id: 'a2', rule_id: 'policy.zone', actor_id: 'emp-7', ...findings('policy.zone') },
      );
      const b = tally(
        { alert_id: 'b1', rule_id: 'policy.grant', first_event_ts: T + MIN, ...findings('policy.grant') },
        { alert_id: 'b2', rule_id: 'rate.bulk', actor_id: 'emp-7', first_event_ts: T + MIN, ...findings('rate.bulk') },
      );
      const d = diff(a, b);
      expect(d.moved.map((p) => [p.a.alert.alert_id, p.b.alert.alert_id])).toEqual([['a1', 'b1']]);
      expect(ids(d.onlyInA)).toEqual(['a2']);
      expect(ids(d.onlyInB)).toEqual(['b2']);
    });
  });
});
