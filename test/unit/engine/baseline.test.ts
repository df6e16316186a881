import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/clock.js';
import { ActivityHistory } from '../../../src/engine/baseline/history.js';
import { baselineStats, decideLimit } from '../../../src/engine/baseline/limits.js';
import { createEngine, type ActorActivityRow, type AlertUpdate } from '../../../src/engine/index.js';
import type { RateRule } from '../../../src/engine/rules/rule-set.js';
import { ev, ref, T0 } from './support/enrich.js';
import { hourlyRows } from './support/history.js';
import { BASELINE_RULES, rules } from './support/rules.js';

const RS = rules(BASELINE_RULES);
const rule = RS.rateRules.find((r) => r.id === 'r.base') as RateRule;
const win = rule.windows[0]!;
const BAND = { start: 8, end: 19, weekend_days: [6, 7] };

function history(rows: ActorActivityRow[]): ActivityHistory {
  const h = new ActivityHistory(28 * 86_400_000, BAND);
  for (const r of rows) h.add(r);
  return h;
}

function decide(h: ActivityHistory, actor: string, factor = 1, role = 'support_agent', dept = 'customer_care') {
  return decideLimit(win, {
    stats: baselineStats(h, actor, h.peerGroup(role, dept), h.roleGroup(role), 'hour_peak_5m', 'business'),
    band: 'business',
    roleLimits: undefined,
    statusFactor: factor,
  });
}

describe('baselines: fallback chain own -> peers -> role -> static, with gates', () => {
  it('uses own history once it passes the sample gate; limit = max(median + z*sigma, floor)', () => {
    // 2 days x 8 hours = 16 samples >= 10; median 30, MAD 0 -> sigma floor max(0.25*30, 5) = 7.5.
    const d = decide(history(hourlyRows('alice', { days: 2, peak5m: 30, before: T0 })), 'alice');
    expect(d.source).toBe('own');
    expect(d.usual).toBe(30);
    expect(d.sigma).toBe(7.5);
    expect(d.limit).toBe(100); // 30 + 6*7.5 = 75, raised to the floor of 100
    expect(d.own).toMatchObject({ samples: 16, actors: 1, median: 30, skipped: null });
  });

  it('lets a busy history lift the limit above the floor', () => {
    const d = decide(history(hourlyRows('alice', { days: 2, peak5m: 200, before: T0 })), 'alice');
    expect(d.limit).toBe(200 + 6 * 50);
  });

  it('falls back to peers when own history is thin, and needs enough peer actors', () => {
    const rows = [
      ...hourlyRows('alice', { days: 1, peak5m: 500, before: T0 }), // 8 samples < 10: not trusted
      ...hourlyRows('p1', { days: 1, peak5m: 40, before: T0 }),
      ...hourlyRows('p2', { days: 1, peak5m: 50, before: T0 }),
    ];
    const two = decide(history(rows), 'alice');
    // alice + p1 + p2 = 3 actors, 24 samples: peers qualify (the group includes the actor).
    expect(two.source).toBe('peers');
    expect(two.own?.skipped).toBe('8 samples < 10');
    expect(two.usual).toBe(50);

    const newcomer = decide(history(rows.filter((r) => r.actor_id !== 'alice')), 'alice');
    // Only 2 peer actors: below the gate of 3; role has 16 samples < 20: static.
    expect(newcomer.source).toBe('static');
    expect(newcomer.peers?.skipped).toBe('2 actors < 3');
    expect(newcomer.role?.skipped).toBe('16 samples < 20');
    expect(newcomer.limit).toBe(500);
  });

  it('falls back to the role across departments', () => {
    const rows = [
      ...hourlyRows('x1', { days: 2, peak5m: 60, department: 'emea', before: T0 }),
      ...hourlyRows('x2', { days: 1, peak5m: 60, department: 'apac', before: T0 }),
    ];
    const d = decide(history(rows), 'newbie');
    expect(d.source).toBe('role');
    expect(d.role).toMatchObject({ samples: 24, actors: 2, median: 60 });
    expect(d.limit).toBe(60 + 6 * 15);
  });

  it('multiplies limit and floor by the employment-status factor', () => {
    const d = decide(history(hourlyRows('bob', { days: 2, peak5m: 30, before: T0 })), 'bob', 0.5);
    expect(d.limit).toBe(50);
    expect(d.floor).toBe(50);
  });

  it('treats a level reached twice in the own history as normal (recurring peak), whatever step judges', () => {
    const withPeak = rules(BASELINE_RULES.replace('static: 500 }', 'static: 500, recurring_peak: { min_count: 2, headroom: 0.25 } }'));
    const w = (withPeak.rateRules.find((r) => r.id === 'r.base') as RateRule).windows[0]!;
    const rows = hourlyRows('ann', { days: 3, peak5m: 40, before: T0 });
    // Two report hours of 4,000 among 24 ordinary ones.
    (rows[3] as { peak_5m_distinct: number }).peak_5m_distinct = 4_000;
    (rows[12] as { peak_5m_distinct: number }).peak_5m_distinct = 4_000;
    const h = history(rows);
    const judge = (spec: typeof w) =>
      decideLimit(spec, { stats: baselineStats(h, 'ann', h.peerGroup('support_agent', 'customer_care'), h.roleGroup('support_agent'), 'hour_peak_5m', 'business'), band: 'business', roleLimits: undefined, statusFactor: 1 });
    expect(judge(win).limit).toBe(100); // median 40: 40 + 6 x 10 = 100
    const d = judge(w);
    expect(d.limit).toBe(5_000); // 4,000 x 1.25
    expect(d.own?.recurringPeak).toBe(4_000);
    // Seen only once: not recurring.
    const once = history(rows.map((r, i) => (i === 12 ? { ...r, peak_5m_distinct: 40 } : r)));
    expect(decideLimit(w, { stats: baselineStats(once, 'ann', once.peerGroup('support_agent', 'customer_care'), once.roleGroup('support_agent'), 'hour_peak_5m', 'business'), band: 'business', roleLimits: undefined, statusFactor: 1 }).limit).toBe(100);
  });

  it('keeps bands apart: weekend rows do not count for a business-hours judgement', () => {
    const weekend = hourlyRows('alice', { days: 2, peak5m: 300, before: T0 }).map((r) => ({ ...r, local_weekday: 6 }));
    const d = decide(history(weekend), 'alice');
    expect(d.own?.samples).toBe(0);
    expect(d.source).toBe('static');
  });
});

describe('baselines in the engine', () => {
  const burst = (actor: string, n: number, extra: Parameters<typeof ev>[0] = {}) =>
    ev({ actor_id: actor, record_refs: Array.from({ length: n }, (_, i) => ref(`${actor}-${i}-${extra.ts ?? 0}`)), ...extra });

  it('does not alert below the absolute floor even far above a tiny baseline (2 -> 80)', () => {
    const e = createEngine({ rules: RS, clock: new ManualClock(T0) });
    e.restore({ activity: hourlyRows('alice', { days: 5, peak5m: 2, before: T0 }), openAlerts: [], recentEvents: [] });
    expect(e.evaluate([burst('alice', 80)]).alerts).toEqual([]);
    expect(e.evaluate([burst('alice', 21, { ts: T0 + 1_000 })]).alerts.map((u) => u.alert.observed)).toEqual([101]);
  });

  it('judges a new actor against peers and does not alert for being new', () => {
    const e = createEngine({ rules: RS, clock: new ManualClock(T0) });
    e.restore({
      activity: ['p1', 'p2', 'p3'].flatMap((p) => hourlyRows(p, { days: 3, peak5m: 100, before: T0 })),
      openAlerts: [],
      recentEvents: [],
    });
    // Peer limit: 100 + 6 * 25 = 250.
    expect(e.evaluate([burst('nina', 240)]).alerts).toEqual([]);
    const up = e.evaluate([burst('nina', 20, { ts: T0 + 1_000 })]).alerts[0];
    expect(up?.alert.baseline_source).toBe('peers');
    expect(up?.alert.observed).toBe(260);
    expect(up?.alert.summary).toContain('the peer norm of 100 (no own history yet)');
  });

  it('learns online: its own closed buckets become the history later judgements use', () => {
    const e = createEngine({ rules: RS, clock: new ManualClock(T0) });
    const monday = Date.parse('2025-03-03T00:00:00Z');
    const base = (ups: readonly AlertUpdate[]) => ups.filter((u) => u.alert.rule_id === 'r.base');
    // Mon and Tue, 09:00-16:00 UTC: 120 customers in one burst per hour. No history yet: static 500, no alert.
    let rows = 0;
    for (const day of [0, 1]) {
      for (let h = 9; h < 17; h++) {
        const out = e.evaluate([burst('ann', 120, { ts: monday + day * 86_400_000 + h * 3_600_000, actor: { role: 'analyst' } })]);
        rows += out.activity.filter((r) => r.granularity === 'hour').length;
        expect(base(out.alerts)).toEqual([]);
      }
    }
    // Wednesday: 350 is below the static 500 but far above her own learned 120 (limit 120 + 6 * 30 = 300).
    const wed = e.evaluate([burst('ann', 350, { ts: monday + 2 * 86_400_000 + 10 * 3_600_000, actor: { role: 'analyst' } })]);
    expect(rows).toBe(14); // Tuesday 15:00 and 16:00 close (end + 5m lateness) with Wednesday's first event
    const a = base(wed.alerts)[0]?.alert;
    expect(a?.baseline_source).toBe('own');
    expect(a?.baseline).toBe(120);
    expect((a?.explanation.windows as { limit: number }[])[0]?.limit).toBe(300);
  });

  it('raises severity for a first-seen channel (with history), not for a new actor', () => {
    const e = createEngine({ rules: RS, clock: new ManualClock(T0) });
    e.restore({ activity: hourlyRows('alice', { days: 3, peak5m: 30, before: T0 }), openAlerts: [], recentEvents: [] });
    const viaSql = e.evaluate([burst('alice', 150, { channel: 'sql' })]).alerts[0]?.alert;
    expect(viaSql?.severity).toBe('high'); // medium + first use
    expect(viaSql?.summary).toContain('first use of channel sql');
    expect(viaSql?.explanation.first_seen).toEqual({ resource_types: [], channels: ['sql'], zones: [] });
    const fresh = createEngine({ rules: RS, clock: new ManualClock(T0) });
    const newActor = fresh.evaluate([burst('zed', 600, { channel: 'sql' })]).alerts[0]?.alert;
    expect(newActor?.severity).toBe('medium');
    expect(newActor?.summary).not.toContain('first use');
  });
});
