import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/clock.js';
import { ActivityHistory } from '../../../src/runtime/engine/baseline/history.js';
import { baselineStats, decideLimit } from '../../../src/runtime/engine/baseline/limits.js';
import { summarise } from '../../../src/runtime/engine/baseline/robust.js';
import { createEngine, type ActorActivityRow, type AlertUpdate } from '../../../src/runtime/engine/index.js';
import type { RateRule, RateWindow } from '../../../src/runtime/engine/rules/rule-set.js';
import { ev, ref, T0, LATER } from './support/enrich.js';
import { hourlyRows } from './support/history.js';
import { BASELINE_RULES, problems, rules } from './support/rules.js';

const RS = rules(BASELINE_RULES);
const rule = RS.rateRules.find((r) => r.id === 'r.base') as RateRule;
const win = rule.windows[0]!;
const BAND = { start: 8, end: 19, weekend_days: [6, 7] };
/** (1 + usual) x e^(4 x 0.25) - 1: the limit of a perfectly regular history (spread at its floor 0.25, z 4). */
const regular = (usual: number) => (1 + usual) * Math.E - 1;

function history(rows: ActorActivityRow[]): ActivityHistory {
  const h = new ActivityHistory(28 * 86_400_000, BAND);
  for (const r of rows) h.add(r);
  return h;
}

function decide(h: ActivityHistory, actor: string, factor = 1, w: RateWindow = win, roleLimits?: ReadonlyMap<string, number>) {
  return decideLimit(w, {
    stats: baselineStats(h, actor, h.peerGroup('support_agent', 'customer_care'), h.roleGroup('support_agent'), 'hour_peak_5m', 'business'),
    band: 'business',
    roleLimits,
    statusFactor: factor,
  });
}

/** The r.base window with other baseline settings (YAML fragment replacing `static: 500 }`). */
/** r.base's window with `extra` in its baseline, `windowExtra` in the window and `roleLimits` added to support_agent's limits. */
function windowWith(extra: string, windowExtra = '', roleLimits = ''): RateWindow {
  const rs = rules(
    BASELINE_RULES.replace('static: 500 }', `static: 500, ${extra} }`)
      .replace('floor: 100', `floor: 100${windowExtra}`)
      .replace('limits: { daily: 400 }', `limits: { daily: 400${roleLimits} }`),
  );
  return (rs.rateRules.find((r) => r.id === 'r.base') as RateRule).windows[0]!;
}

describe('robust statistics on a log scale', () => {
  it('summarises median, upper MAD of ln(1 + x), days and the top values', () => {
    const s = summarise([1000, 2000, 3000, 4000, 8000], 1, 5);
    expect(s.median).toBe(3000);
    expect(s.logMedian).toBeCloseTo(Math.log(3001), 10);
    // Upper deviations ln(1 + x) - ln 3001 of 3,000, 4,000, 8,000: 0, 0.2876, 0.9806 -> median 0.2876
    expect(s.logMad).toBeCloseTo(Math.log(4001 / 3001), 10);
    // Quiet values below the usual level do not widen the spread: the same upper side, same MAD.
    expect(summarise([10, 20, 3000, 4000, 8000], 1, 5).logMad).toBeCloseTo(Math.log(4001 / 3001), 10);
    expect(s.top).toEqual([8000, 4000, 3000, 2000, 1000]);
    expect(s.days).toBe(5);
  });
});

describe('baselines: fallback chain own -> peers -> role -> org -> static, with gates', () => {
  it('uses own history once it covers enough days; limit = max((1 + median) e^(z spread) - 1, floor)', () => {
    // 2 days x 8 hours; median 30, MAD 0 -> spread floor 0.25: 31e - 1 = 83.3, raised to the floor of 100.
    const d = decide(history(hourlyRows('alice', { days: 2, peak5m: 30, before: T0 })), 'alice');
    expect(d.source).toBe('own');
    expect(d.usual).toBe(30);
    expect(d.spread).toBe(0.25);
    expect(d.z).toBe(4);
    expect(d.limit).toBe(100);
    expect(d.own).toMatchObject({ samples: 16, actors: 1, days: 2, median: 30, skipped: null });
  });

  it('lets a busy history lift the limit above the floor, multiplicatively', () => {
    const d = decide(history(hourlyRows('alice', { days: 2, peak5m: 200, before: T0 })), 'alice');
    expect(d.limit).toBeCloseTo(regular(200), 9); // 545.4
  });

  it('gates own history by days of work, not by rows: many hours of one day are not enough', () => {
    const rows = [
      ...hourlyRows('alice', { days: 1, peak5m: 45, before: T0 }), // 8 rows, 1 day < 2
      ...hourlyRows('p1', { days: 1, peak5m: 40, before: T0 }),
      ...hourlyRows('p2', { days: 1, peak5m: 50, before: T0 }),
    ];
    const d = decide(history(rows), 'alice');
    // alice + p1 + p2 = 3 actors, 24 samples: peers qualify (the group includes the actor).
    expect(d.source).toBe('peers');
    expect(d.own?.skipped).toBe('1 days < 2');
    expect(d.usual).toBe(45);
    // Upper deviations: 0 (x8, the 45s), ln(51/46) (x8): median 0.05, below the spread floor.
    expect(d.spread).toBe(0.25);
    expect(d.limit).toBeCloseTo(regular(45), 9); // 124.0

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
    expect(d.limit).toBeCloseTo(regular(60), 9);
  });

  it('falls back to the whole organisation where the role is too thin, before static', () => {
    // Nobody of the role (support_agent) has history; 7 days x 8 hours of two other roles do.
    const rows = [
      ...hourlyRows('a1', { days: 4, peak5m: 120, role: 'engineer', department: 'platform', before: T0 }),
      ...hourlyRows('a2', { days: 3, peak5m: 120, role: 'data_analyst', department: 'bi', before: T0 }),
    ];
    const w = windowWith('org_min_samples: 50');
    const d = decide(history(rows), 'newbie', 1, w);
    expect(d.source).toBe('org');
    expect(d.role).toMatchObject({ samples: 0, skipped: '0 samples < 20' });
    expect(d.org).toMatchObject({ samples: 56, actors: 2, median: 120, skipped: null });
    expect(d.limit).toBeCloseTo(regular(120), 9);
    // Below its gate (or left out of sources) the chain ends at static, as before.
    expect(decide(history(rows), 'newbie', 1, windowWith('org_min_samples: 57')).source).toBe('static');
    expect(decide(history(rows), 'newbie', 1, windowWith('sources: [own, peers, role]')).source).toBe('static');
    // Where the role decides, the organisation is not asked (and not shown).
    const withRole = history([...rows, ...hourlyRows('x1', { days: 3, peak5m: 60, before: T0 })]);
    expect(decide(withRole, 'newbie', 1, w)).toMatchObject({ source: 'role', org: null });
  });

  it('keeps the organisation group to the actors held: dropped actors leave it', () => {
    const h = history([
      ...hourlyRows('a1', { days: 4, peak5m: 120, role: 'engineer', department: 'platform', before: T0 }),
      ...hourlyRows('a2', { days: 4, peak5m: 10, role: 'data_analyst', department: 'bi', before: T0 }),
    ]);
    expect(h.groupStats(h.orgGroup(), 'hour_peak_5m', 'business', T0)).toMatchObject({ samples: 64, actors: 2 });
    expect(h.dropLeastRecent(1, (id) => id === 'a2')).toBe(1);
    // A snapshot as of a cutoff is final; the next cutoff's no longer holds the dropped actor.
    expect(h.groupStats(h.orgGroup(), 'hour_peak_5m', 'business', T0 + 60_000)).toMatchObject({ samples: 32, actors: 1, median: 10 });
  });

  it('narrows the tolerated deviation by the employment-status factor (z x factor), never the floor', () => {
    const h = history(hourlyRows('bob', { days: 2, peak5m: 200, before: T0 }));
    expect(decide(h, 'bob', 1).limit).toBeCloseTo(regular(200), 9); // 201e - 1 = 545.4
    const notice = decide(h, 'bob', 0.5);
    expect(notice.z).toBe(2);
    expect(notice.limit).toBeCloseTo(201 * Math.exp(0.5) - 1, 9); // 330.4: the usual 200 is not halved
    expect(notice.statusFactor).toBe(0.5);
    // A quiet history: the floor (100) is the limit, on notice too.
    const quiet = decide(history(hourlyRows('bob', { days: 2, peak5m: 30, before: T0 })), 'bob', 0.5);
    expect(quiet.limit).toBe(100);
    expect(quiet.floor).toBe(100);
    // Without any history the static limit is multiplied: max(500 x 0.5, floor 100).
    expect(decide(history([]), 'bob', 0.5).limit).toBe(250);
  });

  it('treats a level the own history reached (min_count times) as normal, whatever step judges', () => {
    const w2 = windowWith('recurring_peak: { min_count: 2, headroom: 0.25 }');
    const rows = hourlyRows('ann', { days: 3, peak5m: 40, before: T0 });
    // Two report hours of 4,000 among 24 ordinary ones.
    (rows[3] as { peak_5m_distinct: number }).peak_5m_distinct = 4_000;
    (rows[12] as { peak_5m_distinct: number }).peak_5m_distinct = 4_000;
    const h = history(rows);
    expect(decide(h, 'ann').limit).toBeCloseTo(regular(40), 9); // 110.5: no recurring peak configured
    const d = decide(h, 'ann', 1, w2);
    expect(d.limit).toBe(5_000); // 4,000 x 1.25
    expect(d.own?.recurringPeak).toBe(4_000);
    // Seen only once: not recurring with min_count 2 ...
    const once = history(rows.map((r, i) => (i === 12 ? { ...r, peak_5m_distinct: 40 } : r)));
    expect(decide(once, 'ann', 1, w2).limit).toBeCloseTo(regular(40), 9);
    // ... but with min_count 1 the look-back maximum counts.
    expect(decide(once, 'ann', 1, windowWith('recurring_peak: { min_count: 1, headroom: 0.25 }')).limit).toBe(5_000);
  });

  describe('recurring_peak with slot: week (scheduled work is normal in its own slot, not a level that lifts every limit)', () => {
    const SLOT = 'recurring_peak: { min_count: 2, headroom: 0.25, slot: week, slot_hours: 1 }';
    // Three weeks of 40 an hour, 10:00-17:00 local; on Tuesdays at 13:00 a report of 4,000.
    const rows = hourlyRows('ann', { days: 15, peak5m: 40, before: T0 }).map((r) =>
      r.local_weekday === 2 && r.local_hour === 13 ? { ...r, peak_5m_distinct: 4_000 } : r,
    );
    const level = (h: ActivityHistory, weekday: number, hour: number, withoutAlerted = false) =>
      h.ownSlotLevel('ann', win, 'hour_peak_5m', { weekday, hour, hours: 1 }, 2, Number.POSITIVE_INFINITY, withoutAlerted);

    it('reads the level reached in the same weekday and hours on min_count weeks', () => {
      const h = history(rows);
      expect(level(h, 2, 13)).toBe(4_000);
      expect(level(h, 2, 12)).toBe(4_000); // within an hour of the report
      expect(level(h, 2, 15)).toBe(40);
      expect(level(h, 4, 13)).toBe(40); // Thursday: no report there
      expect(level(h, 6, 13)).toBeNull(); // Saturday: never worked
      // One report week only: not recurring.
      const once = history(rows.map((r) => (r.peak_5m_distinct === 4_000 && r.bucket_start < T0 - 8 * 86_400_000 ? { ...r, peak_5m_distinct: 40 } : r)));
      expect(level(once, 2, 13)).toBe(40);
      // Reports under an open alert are left out when the baseline asks so.
      // The two older reports under an alert: one recurring week is left, below min_count.
      const alerted = history(rows.map((r) => (r.peak_5m_distinct === 4_000 && r.bucket_start < T0 - 8 * 86_400_000 ? { ...r, under_alert: true } : r)));
      expect(level(alerted, 2, 13)).toBe(4_000);
      expect(level(alerted, 2, 13, true)).toBe(40);
    });

    it('daily metrics: the days of the weekday and of the one before (a sliding 24 hours spans both)', () => {
      // Three weeks of days: 9,000 customers, and 49,000 on Tuesdays (the report day).
      const days: ActorActivityRow[] = [];
      for (let d = 1; d <= 21; d++) {
        const start = T0 - (T0 % 86_400_000) - d * 86_400_000;
        const weekday = ((new Date(start).getUTCDay() + 6) % 7) + 1;
        const distinct = weekday === 2 ? 49_000 : 9_000;
        days.push({ ...rows[0]!, granularity: 'day', bucket_start: start, local_hour: 1, local_weekday: weekday, distinct_records: distinct, peak_24h_distinct: distinct });
      }
      const h = history(days.reverse());
      const day = (weekday: number) => h.ownSlotLevel('ann', win, 'day_peak_24h', { weekday, hour: 9, hours: 1 }, 2, Number.POSITIVE_INFINITY, false);
      expect(day(2)).toBe(49_000);
      expect(day(3)).toBe(49_000); // Wednesday morning's 24 hours still hold Tuesday's report
      expect(day(4)).toBe(9_000);
      expect(day(1)).toBe(9_000);
    });

    it('refuses slot_hours without slot week (it would be ignored)', () => {
      expect(problems(BASELINE_RULES.replace('static: 500 }', 'static: 500, recurring_peak: { min_count: 2, slot_hours: 3 } }')).join('\n')).toContain('slot_hours applies to slot: week only');
      expect(windowWith(SLOT).limit).toMatchObject({ baseline: { recurring_peak: { slot: 'week', slot_hours: 1 } } });
      expect(windowWith('recurring_peak: { min_count: 2, slot: week }').limit).toMatchObject({ baseline: { recurring_peak: { slot_hours: 2 } } });
    });

    it('lifts the limit at the report slot only; slot any lifts it all week', () => {
      const h = history(rows);
      const judge = (w: RateWindow, slotRecurring: number | null) =>
        decideLimit(w, {
          stats: baselineStats(h, 'ann', h.peerGroup('support_agent', 'customer_care'), h.roleGroup('support_agent'), 'hour_peak_5m', 'business'),
          band: 'business',
          roleLimits: undefined,
          statusFactor: 1,
          slotRecurring,
        });
      const week = windowWith(SLOT);
      expect(judge(week, level(h, 2, 13)).limit).toBe(5_000);
      expect(judge(week, level(h, 4, 13)).limit).toBeCloseTo(regular(40), 9); // 40 x 1.25 is below the statistical 110.5
      expect(judge(windowWith('recurring_peak: { min_count: 2, headroom: 0.25 }'), null).limit).toBe(5_000);
    });

    it('in the engine: the report volume at its slot is quiet, the same volume on Thursday alerts', () => {
      const burst = (n: number, weekday: number) => ev({ actor_id: 'ann', hour: 13, weekday, record_refs: Array.from({ length: n }, (_, i) => ref(`ann-slot-${weekday}-${i}`)) });
      const run = (rs: typeof RS, weekday: number) => {
        const e = createEngine({ rules: rs, clock: new ManualClock(LATER) });
        e.restore({ activity: rows, alerts: [], recentEvents: [] });
        return e.evaluate([burst(3_000, weekday)]).alerts.filter((u) => u.alert.rule_id === 'r.base');
      };
      const slotRules = rules(BASELINE_RULES.replace('static: 500 }', `static: 500, ${SLOT} }`));
      const anyRules = rules(BASELINE_RULES.replace('static: 500 }', 'static: 500, recurring_peak: { min_count: 2, headroom: 0.25 } }'));
      expect(run(slotRules, 2)).toEqual([]);
      expect(run(slotRules, 4).map((u) => u.alert.observed)).toEqual([3_000]);
      expect(run(anyRules, 4)).toEqual([]);
    });
  });

  it('never lets the status factor lower a limit below the own recurring peak', () => {
    const w = windowWith('recurring_peak: { min_count: 1, headroom: 0.25 }');
    const rows = hourlyRows('bob', { days: 3, peak5m: 150, before: T0 });
    (rows[5] as { peak_5m_distinct: number }).peak_5m_distinct = 400;
    const h = history(rows);
    const active = decide(h, 'bob', 1, w);
    const notice = decide(h, 'bob', 0.5, w);
    expect(active.limit).toBe(500); // max(151e - 1 = 409.4, floor 100, 400 x 1.25)
    expect(notice.limit).toBe(500); // max(151 e^0.5 - 1 = 248, 500): not below his own peak
    expect(notice.ownNormal).toBe(500);
    // Without that peak the tolerance narrows: 151 e^0.5 - 1.
    const plain = history(hourlyRows('bob', { days: 3, peak5m: 150, before: T0 }));
    expect(decide(plain, 'bob', 0.5, w).limit).toBeCloseTo(151 * Math.exp(0.5) - 1, 9);
  });

  it("never goes below the peers' routine level (peer_routine), else the role's", () => {
    const w = windowWith('peer_routine: { quantile: 0.95 }');
    // Three colleagues: ordinary hours of 50, and a weekly report hour of 4,000 (1 in 8 rows each).
    const rows = ['p1', 'p2', 'p3'].flatMap((p) =>
      hourlyRows(p, { days: 3, peak5m: 50, before: T0 }).map((r, i) => (i % 8 === 3 ? { ...r, peak_5m_distinct: 4_000 } : r)),
    );
    const h = history([...rows, ...hourlyRows('ann', { days: 3, peak5m: 50, before: T0 })]);
    // ann's own history never had the report; her peers' 95th percentile (96 rows, 9 at 4,000) is 4,000.
    const d = decide(h, 'ann', 1, w);
    expect(d.source).toBe('own');
    expect(d.routine).toBe(4_000);
    expect(d.limit).toBe(4_000);
    expect(decide(h, 'ann', 1).limit).toBeCloseTo(regular(50), 9); // without peer_routine
  });

  it('raises the floor to a multiple of a role limit (floor_role_limit)', () => {
    const w = windowWith('recurring_peak: { min_count: 1 }', '\n        floor_role_limit: { limit: max_records_per_request, times: 2 }', ', max_records_per_request: 100');
    const h = history(hourlyRows('fran', { days: 3, peak5m: 3, before: T0 }));
    const limits = new Map([['max_records_per_request', 100]]);
    expect(decide(h, 'fran', 1, w, limits).limit).toBe(200); // 2 x 100 > floor 100
    expect(decide(h, 'fran', 1, w, limits).floor).toBe(200);
    expect(decide(h, 'fran', 0.5, w, limits).limit).toBe(200); // floors are not lowered by the status factor
    expect(decide(h, 'fran', 1, w, new Map()).limit).toBe(100); // no such limit (an actor whose role the table lacks): the plain floor
  });

  it('gives no verdict without history when the window has no static limit', () => {
    const rs = rules(BASELINE_RULES.replace(', static: 500 }', ' }'));
    const w = (rs.rateRules.find((r) => r.id === 'r.base') as RateRule).windows[0]!;
    const none = decide(history(hourlyRows('p1', { days: 1, peak5m: 40, before: T0 })), 'newbie', 1, w);
    expect(none.source).toBe('static');
    expect(none.limit).toBe(Number.POSITIVE_INFINITY);
    // With history the chain works as before.
    expect(decide(history(hourlyRows('alice', { days: 2, peak5m: 200, before: T0 })), 'alice', 1, w).limit).toBeCloseTo(regular(200), 9);
    // In the engine: a first-day burst of a person nobody has history for raises no rate finding.
    const e = createEngine({ rules: rs, clock: new ManualClock(T0) });
    const out = e.evaluate([ev({ actor_id: 'zed', record_refs: Array.from({ length: 900 }, (_, i) => ref(`z-${i}`)) })]).alerts;
    expect(out.flatMap((u) => (u.alert.explanation.findings as { rule_id: string }[]).map((f) => f.rule_id))).toEqual(['r.budget']);
  });

  it('keeps bands apart: weekend rows do not count for a business-hours judgement', () => {
    const weekend = hourlyRows('alice', { days: 2, peak5m: 300, before: T0 }).map((r) => ({ ...r, local_weekday: 6 }));
    const d = decide(history(weekend), 'alice');
    expect(d.own?.samples).toBe(0);
    expect(d.source).toBe('static');
  });
});

describe('budget windows with own_normal', () => {
  const BUDGET = `
roles:
  support_agent: { limits: { daily: 400 } }
rules:
  - id: r.budget
    version: 1
    kind: rate
    title: budget
    severity: low
    measure: distinct_customers
    windows: [ { window: 24h, budget: { role_limit: daily, default: 1000 }, own_normal: { metric: hour_peak_5m, min_count: 1, headroom: 0.25 } } ]
`;
  const w = (rules(BUDGET).rateRules[0] as RateRule).windows[0]!;
  const judge = (h: ActivityHistory, factor: number) =>
    decideLimit(w, {
      stats: { own: h.own('bob', 'hour_peak_5m', 'business'), peers: summarise([], 0, 0), role: summarise([], 0, 0), org: summarise([], 0, 0), ownOther: summarise([], 0, 0), peersOther: summarise([], 0, 0) },
      band: 'business',
      roleLimits: new Map([['daily', 400]]),
      statusFactor: factor,
    });

  it('halves the budget for notice but not below the own peak, and never above the budget', () => {
    expect(judge(history(hourlyRows('bob', { days: 3, peak5m: 40, before: T0 })), 0.5).limit).toBe(200); // 400 x 0.5 > 50
    const busy = history(hourlyRows('bob', { days: 3, peak5m: 240, before: T0 }));
    expect(judge(busy, 0.5)).toMatchObject({ limit: 300, ownNormal: 300, type: 'budget' }); // 240 x 1.25
    expect(judge(busy, 1).limit).toBe(400);
    expect(judge(history(hourlyRows('bob', { days: 3, peak5m: 900, before: T0 })), 0.5).limit).toBe(400); // capped at the budget
  });
});

describe('baselines in the engine', () => {
  const burst = (actor: string, n: number, extra: Parameters<typeof ev>[0] = {}) =>
    ev({ actor_id: actor, record_refs: Array.from({ length: n }, (_, i) => ref(`${actor}-${i}-${extra.ts ?? 0}`)), ...extra });

  it('does not alert below the absolute floor even far above a tiny baseline (2 -> 80)', () => {
    const e = createEngine({ rules: RS, clock: new ManualClock(T0) });
    e.restore({ activity: hourlyRows('alice', { days: 5, peak5m: 2, before: T0 }), alerts: [], recentEvents: [] });
    expect(e.evaluate([burst('alice', 80)]).alerts).toEqual([]);
    expect(e.evaluate([burst('alice', 21, { ts: T0 + 1_000 })]).alerts.map((u) => u.alert.observed)).toEqual([101]);
  });

  it('judges a new actor against peers and does not alert for being new', () => {
    const e = createEngine({ rules: RS, clock: new ManualClock(T0) });
    e.restore({
      activity: ['p1', 'p2', 'p3'].flatMap((p) => hourlyRows(p, { days: 3, peak5m: 100, before: T0 })),
      alerts: [],
      recentEvents: [],
    });
    // Peer limit: 101e - 1 = 273.5.
    expect(e.evaluate([burst('nina', 270)]).alerts).toEqual([]);
    const up = e.evaluate([burst('nina', 10, { ts: T0 + 1_000 })]).alerts[0];
    expect(up?.alert.baseline_source).toBe('peers');
    expect(up?.alert.observed).toBe(280);
    expect(up?.alert.summary).toContain('the peer norm of 100 (no own history yet)');
  });

  it('learns online: its own closed buckets become the history later judgements use', () => {
    const e = createEngine({ rules: RS, clock: new ManualClock(LATER) });
    const monday = Date.parse('2025-03-03T00:00:00Z');
    const base = (ups: readonly AlertUpdate[]) => ups.filter((u) => u.alert.rule_id === 'r.base');
    // Mon and Tue, 09:00-16:00 UTC: 100 customers in one burst per hour. No history yet: static 500, no alert.
    // (At most 900 in 24h: under r.budget's 1,000, whose alert would keep those hours out of her baseline.)
    let rows = 0;
    for (const day of [0, 1]) {
      for (let h = 9; h < 17; h++) {
        const out = e.evaluate([burst('ann', 100, { ts: monday + day * 86_400_000 + h * 3_600_000, actor: { role: 'analyst' } })]);
        rows += out.activity.filter((r) => r.granularity === 'hour').length;
        expect(base(out.alerts)).toEqual([]);
      }
    }
    // Wednesday: 350 is below the static 500 but above her own learned 100 (two days: limit 101e - 1 = 273.5).
    const wed = e.evaluate([burst('ann', 350, { ts: monday + 2 * 86_400_000 + 10 * 3_600_000, actor: { role: 'analyst' } })]);
    expect(rows).toBe(14); // Tuesday 15:00 and 16:00 close (end + 5m lateness) with Wednesday's first event
    const a = base(wed.alerts)[0]?.alert;
    expect(a?.baseline_source).toBe('own');
    expect(a?.baseline).toBe(100);
    const w = (a?.explanation.windows as { limit: number; robust_z: number; spread: number }[])[0];
    expect(w?.limit).toBe(273.55);
    expect(w?.spread).toBe(0.25);
    expect(w?.robust_z).toBe(4.98); // ln(351/101) / 0.25
  });

  it('marks buckets under an open alert; baselines with exclude_alerted leave them out (no self-poisoning)', () => {
    const monday = Date.parse('2025-03-03T00:00:00Z');
    const at = (day: number, h: number) => monday + day * 86_400_000 + h * 3_600_000;
    const scenario = (rs: typeof RS) => {
      const e = createEngine({ rules: rs, clock: new ManualClock(LATER) });
      const rows: ActorActivityRow[] = [];
      const alerts: AlertUpdate[] = [];
      const run = (day: number, h: number, n: number) => {
        const out = e.evaluate([burst('ann', n, { ts: at(day, h), actor: { role: 'analyst' } })]);
        rows.push(...out.activity.filter((r) => r.granularity === 'hour'));
        alerts.push(...out.alerts.filter((u) => u.alert.rule_id === 'r.base'));
      };
      // Mon and Tue: 100 an hour, her normal (under r.budget). Wed: 350 an hour, 10:00-16:00: one alert, open all afternoon.
      for (const day of [0, 1]) for (let h = 9; h < 17; h++) run(day, h, 100);
      for (let h = 10; h < 17; h++) run(2, h, 350);
      // Thursday 09:00 closes Wednesday's last hours; at 10:00 she reads 350 again.
      run(3, 9, 100);
      run(3, 10, 350);
      const own = (u: AlertUpdate | undefined) => (u?.alert.explanation.windows as { own: { samples: number; median: number } }[] | undefined)?.[0]?.own;
      return { rows, alerts, latest: own(alerts.at(-1)) };
    };
    const plain = scenario(RS);
    const wed = plain.rows.filter((r) => r.bucket_start >= at(2, 0) && r.bucket_start < at(3, 0));
    expect(wed.map((r) => r.under_alert === true)).toEqual([true, true, true, true, true, true, true]);
    expect(plain.rows.filter((r) => r.bucket_start < at(2, 0)).some((r) => r.under_alert === true)).toBe(false);
    expect(new Set(plain.alerts.map((u) => u.alert.alert_id)).size).toBe(1);
    // Without exclude_alerted the afternoon joins her baseline (16 + 7 hours); with it, it does not.
    const h = history(plain.rows);
    expect(h.own('ann', 'hour_peak_5m', 'business')).toMatchObject({ samples: 23 });
    expect(h.own('ann', 'hour_peak_5m', 'business', Number.POSITIVE_INFINITY, true)).toMatchObject({ samples: 16, median: 100 });
    // The alert's latest revision was judged with Wednesday's closed hours in her baseline (3 days)...
    expect(plain.latest).toMatchObject({ samples: 18, days: 3 });
    const excluding = scenario(rules(BASELINE_RULES.replace('static: 500 }', 'static: 500, exclude_alerted: true }')));
    // ...or, with exclude_alerted, with Monday's and Tuesday's alone.
    expect(excluding.latest).toMatchObject({ samples: 16, days: 2, median: 100 });
  });

  it('raises severity for a first-seen channel (with history), not for a new actor', () => {
    const e = createEngine({ rules: RS, clock: new ManualClock(T0) });
    e.restore({ activity: hourlyRows('alice', { days: 3, peak5m: 30, before: T0 }), alerts: [], recentEvents: [] });
    const viaSql = e.evaluate([burst('alice', 150, { channel: 'sql' })]).alerts[0]?.alert;
    expect(viaSql?.severity).toBe('high'); // medium + first use
    expect(viaSql?.summary).toContain('first use of channel sql');
    expect(viaSql?.explanation.first_seen).toEqual({ resource_types: [], channels: ['sql'], zones: [] });
    const fresh = createEngine({ rules: RS, clock: new ManualClock(T0) });
    const newActor = fresh.evaluate([burst('zed', 600, { channel: 'sql' })]).alerts[0]?.alert;
    const base = (newActor?.explanation.findings as { rule_id: string; severity: string }[]).find((f) => f.rule_id === 'r.base');
    expect(base?.severity).toBe('medium'); // no first-use raise without history
    expect(newActor?.summary).not.toContain('first use');
    // 600 is also above the 24h budget (400): two rules' findings combine, one step up.
    expect(newActor?.severity).toBe('high');
  });
});
