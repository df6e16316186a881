/**
 * Behaviour signals that stand on their own (issue 9):
 *  - rare_band: a part of the week the actor has (almost) never worked is
 *    judged against their own usual level elsewhere, before peers, and
 *    peers' routine does not raise that limit;
 *  - silent_days: the days an account was silent before its current run of
 *    activity, during that run's first 24 hours, the same after a restart.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/clock.js';
import { ActivityHistory } from '../../../src/runtime/engine/baseline/history.js';
import { baselineStats, decideLimit } from '../../../src/runtime/engine/baseline/limits.js';
import { createEngine, type AlertUpdate } from '../../../src/runtime/engine/index.js';
import type { RateRule } from '../../../src/runtime/engine/rules/rule-set.js';
import { ev, T0 } from './support/enrich.js';
import { hourlyRows } from './support/history.js';
import { rules } from './support/rules.js';

const DAY = 86_400_000;
const BAND = { start: 8, end: 19, weekend_days: [6, 7] };

const RARE = (rare: string) => `
settings:
  counted: { field: action, in: [read, search, export] }
rules:
  - id: r.base
    version: 1
    kind: rate
    title: unusual customers
    severity: medium
    measure: distinct_customers
    windows:
      - window: 1h
        floor: 100
        baseline: { metric: hour_peak_5m, z: 4, own_min_days: 5, peer_min_actors: 1, peer_min_samples: 1,
                    peer_routine: { quantile: 0.99, headroom: 0 }${rare} }
`;

function windowOf(rare: string) {
  return (rules(RARE(rare)).rateRules[0] as RateRule).windows[0]!;
}

/** alice: 20 weekdays of business hours at 10 an hour; her peer paula works nights at 400 an hour. */
function history(): ActivityHistory {
  const h = new ActivityHistory(28 * DAY, BAND);
  for (const r of hourlyRows('alice', { days: 20, peak5m: 10, before: T0 })) h.add(r);
  for (const r of hourlyRows('paula', { days: 20, peak5m: 400, before: T0 })) h.add({ ...r, local_hour: 2 });
  return h;
}

function decideAtNight(rare: string, h = history()) {
  const w = windowOf(rare);
  const stats = baselineStats(h, 'alice', h.peerGroup('support_agent', 'customer_care'), h.roleGroup('support_agent'), 'hour_peak_5m', 'off_hours');
  const ownOther = h.own('alice', 'hour_peak_5m', 'business');
  return decideLimit(w, { stats: { ...stats, ownOther }, band: 'off_hours', roleLimits: undefined, statusFactor: 1 });
}

describe('rare_band: a part of the week the actor never works', () => {
  it('is judged against their own usual level elsewhere, before peers, with its own floor and no peer routine', () => {
    const d = decideAtNight(', rare_band: { compare_with: business, times: 2, min_days: 10, floor: 15 }');
    expect(d.source).toBe('own_other_band');
    // (1 + 10) x 2 - 1 = 21, not the window floor (100) and not paula's nights (400).
    expect(d.limit).toBe(21);
    expect(d.usual).toBe(10);
    expect(d.routine).toBeNull();
    expect(d.rareBand).toMatchObject({ band: 'business', times: 2, own: { days: 20 } });
  });

  it('without rare_band, the same night is judged by peers, whose nights are busy', () => {
    const d = decideAtNight('');
    expect(d.source).toBe('peers');
    expect(d.limit).toBeGreaterThanOrEqual(400);
  });

  it('needs an established history where it compares (min_days)', () => {
    const d = decideAtNight(', rare_band: { compare_with: business, times: 2, min_days: 25, floor: 15 }');
    expect(d.source).toBe('peers');
  });

  it('is refused for a band of the other granularity, and for max_days reaching own_min_days', () => {
    expect(() => rules(RARE(', rare_band: { compare_with: weekday }'))).toThrow(/rare_band.compare_with weekday is not a band of hour_peak_5m/);
    expect(() => rules(RARE(', rare_band: { compare_with: business, max_days: 5 }'))).toThrow(/max_days \(5\) must be below own_min_days \(5\)/);
  });
});

const WAKE = rules(`
settings:
  counted: { field: action, in: [read, search, export] }
rules:
  - id: r.wake
    version: 1
    kind: rate
    title: reads after a silence
    severity: medium
    when: { field: silent_days, gte: 7 }
    measure: distinct_customers
    windows: [ { window: 1h, limit: 5 } ]
`);

/** Alerts of r.wake for alice reading 10 customers at `ts`, after history that ended `gapDays` before T0. */
function wake(gapDays: number, times: readonly number[]): AlertUpdate[] {
  const clock = new ManualClock(T0);
  const engine = createEngine({ rules: WAKE, clock });
  engine.restore({ activity: hourlyRows('alice', { days: 10, peak5m: 3, before: T0 - gapDays * DAY }), alerts: [], recentEvents: [] });
  const out: AlertUpdate[] = [];
  for (const ts of times) {
    clock.set(ts);
    out.push(...engine.evaluate([ev({ ts, n: 10 })]).alerts);
  }
  return out;
}

describe('silent_days: an account waking up after a silence', () => {
  it('is the whole days since the last activity, during the first 24 h of the run', () => {
    expect(wake(10, [T0]).filter((u) => u.notify)).toHaveLength(1);
    const summary = wake(10, [T0])[0]!.alert.summary;
    expect(summary).toContain('read 10 distinct customers in 1h, above the limit of 5');
  });

  it('is 0 for an actor active the day before', () => {
    expect(wake(0, [T0])).toHaveLength(0);
  });

  it('ends once the run is a day old (events less than a day apart keep the run going)', () => {
    // Reads every 20 h: one run. At T0 and T0 + 20 h the run is under a day old (each opens an alert,
    // the first having closed after its quiet period); at T0 + 40 h it is not, and the same read is quiet.
    const run = wake(10, [T0, T0 + 20 * 3_600_000, T0 + 40 * 3_600_000]);
    const openedAt = run.filter((u) => u.notify).map((u) => u.alert.first_event_ts);
    expect(openedAt).toEqual([T0, T0 + 20 * 3_600_000]);
    expect(run.every((u) => u.alert.last_event_ts < T0 + DAY)).toBe(true);
  });

  it('is the same after a restart within the run (restore replays the recent events)', () => {
    const first = ev({ ts: T0, n: 10 });
    const second = ev({ ts: T0 + 30 * 60_000, n: 10 });
    const clock = new ManualClock(T0 + 40 * 60_000);
    const engine = createEngine({ rules: WAKE, clock });
    engine.restore({ activity: hourlyRows('alice', { days: 10, peak5m: 3, before: T0 - 10 * DAY }), alerts: [], recentEvents: [first] });
    const out = engine.evaluate([second]).alerts;
    // The restored state replayed `first` (no output for it); `second` still counts as a wake-up.
    expect(out.filter((u) => u.notify)).toHaveLength(1);
    expect(out[0]!.alert.event_count).toBeGreaterThanOrEqual(1);
  });
});
